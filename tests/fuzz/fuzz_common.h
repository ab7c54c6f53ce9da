/* \summary: shared helpers for the libFuzzer targets: option bytes -> sf_opts, a view sink to /dev/null */
#ifndef SF_FUZZ_COMMON_H
#define SF_FUZZ_COMMON_H
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/render/view.h"
#include "../../src/track/track.h"

static const char *const fz_views[] = { "lines", "json", "explain", "ladder", "verbose", "conns" };
#define FZ_NVIEWS (sizeof fz_views / sizeof fz_views[0])

/* Option flags (one byte of fuzz input each target decodes with fz_flags). */
enum {
    FZ_ABS = 1,      /* -S: absolute sequence numbers */
    FZ_TT = 2,       /* -tt: epoch timestamps */
    FZ_PLAIN = 4,    /* --plain: bare tcpdump lines */
    FZ_ZH = 8,       /* --lang zh */
    FZ_ASCII = 16,   /* --ascii ladder */
    FZ_FILES = 32,   /* ladder: --svg and --html to /dev/null */
    FZ_ONECONN = 64  /* --conn 1 */
};

/* View byte layout used by every target: low 3 bits = view (mod 6),
 * high 5 bits = FZ_ABS..FZ_ASCII. */
static inline const char *fz_view_name(uint8_t b) { return fz_views[(b & 7) % FZ_NVIEWS]; }
static inline unsigned fz_flags(uint8_t b) { return (unsigned)(b >> 3); }

/* Open (once) an output to /dev/null and build the named view on it with
 * the given FZ_* flags. Returns the constructor's result (0 = built). */
static inline int fz_view_opt(const char *name, unsigned fl, sf_view *v, sf_out *out, sf_opts *o)
{
    static int devnull = -1;
    if (devnull < 0) devnull = open("/dev/null", O_WRONLY);
    memset(o, 0, sizeof *o);
    o->view = name;
    o->lang = fl & FZ_ZH ? "zh" : "en";
    o->only_conn = fl & FZ_ONECONN ? 1 : -1;
    o->count = -1;
    o->abs_seq = !!(fl & FZ_ABS);
    o->ts_mode = fl & FZ_TT ? 1 : 0;
    o->plain = !!(fl & FZ_PLAIN);
    o->ascii = !!(fl & FZ_ASCII);
    if (fl & FZ_FILES) o->svg_path = o->html_path = "/dev/null";
    if (sf_out_init(out, devnull, 1 << 16)) return -1;
    int rc;
    if (!strcmp(name, "lines")) rc = sf_view_lines(v, o, out);
    else if (!strcmp(name, "conns")) rc = sf_view_conns(v, o, out);
    else if (!strcmp(name, "json")) rc = sf_view_json(v, o, out);
    else if (!strcmp(name, "explain")) rc = sf_view_explain(v, o, out);
    else if (!strcmp(name, "ladder")) rc = sf_view_ladder(v, o, out);
    else rc = sf_view_verbose(v, o, out);
    if (rc) sf_out_free(out);
    return rc;
}
static inline int fz_view(const char *name, sf_view *v, sf_out *out, sf_opts *o)
{
    return fz_view_opt(name, 0, v, out, o);
}
static inline void fz_view_done(sf_view *v, sf_out *out)
{
    if (v->destroy) v->destroy(v->self);
    sf_out_flush(out);
    sf_out_free(out);
}
#endif

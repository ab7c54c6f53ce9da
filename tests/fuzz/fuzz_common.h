/* \summary: shared helpers for the libFuzzer targets: a view sink to /dev/null */
#ifndef SF_FUZZ_COMMON_H
#define SF_FUZZ_COMMON_H
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../../src/render/view.h"
#include "../../src/track/track.h"

/* Open (once) an output to /dev/null and build the named view on it. */
static inline int fz_view(const char *name, sf_view *v, sf_out *out, sf_opts *o)
{
    static int devnull = -1;
    if (devnull < 0) devnull = open("/dev/null", O_WRONLY);
    memset(o, 0, sizeof *o);
    o->view = name;
    o->lang = "en";
    o->only_conn = -1;
    o->count = -1;
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
static inline void fz_view_done(sf_view *v, sf_out *out)
{
    if (v->destroy) v->destroy(v->self);
    sf_out_flush(out);
    sf_out_free(out);
}
static const char *const fz_views[] = { "lines", "json", "explain", "ladder", "verbose", "conns" };
#endif

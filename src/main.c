/* \summary: synfin entry point: source -> decode -> track -> view */
#include <errno.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "synfin.h"
#include "render/view.h"
#include "render/async.h"
#include "source/source.h"
#include "source/live.h"
#include "track/track.h"
#include "track/analysis.h"
#include "lab/lab.h"

/* The render thread releases the source's records (render/async.h). */
static uint64_t src_ticket(void *ctx) { return sf_source_ticket(ctx); }
static void src_release(void *ctx, uint64_t t) { sf_source_release(ctx, t); }
static void src_page_work(void *ctx) { sf_source_page_work(ctx); }

/* Views whose per-packet text is worth a thread of its own. */
static int render_heavy(const char *view)
{
    return !strcmp(view, "lines") || !strcmp(view, "json") || !strcmp(view, "verbose");
}

/* Views that read only the sf_pkt fields a lean render thread copies
 * (render/async.h: sf_async_link.lean). */
static int lean_view(const char *view) { return !strcmp(view, "json"); }

static int make_view(const sf_opts *o, sf_view *v, sf_out *out)
{
    const char *n = o->view;
    if (!strcmp(n, "lines")) return sf_view_lines(v, o, out);
    if (!strcmp(n, "conns")) return sf_view_conns(v, o, out);
    if (!strcmp(n, "json")) return sf_view_json(v, o, out);
    if (!strcmp(n, "explain")) return sf_view_explain(v, o, out);
    if (!strcmp(n, "ladder")) return sf_view_ladder(v, o, out);
    if (!strcmp(n, "verbose")) return sf_view_verbose(v, o, out);
    fprintf(stderr, "synfin: unknown view '%s'\n", n);
    return -1;
}

int main(int argc, char **argv)
{
    sf_opts o;
    int rc = sf_cli_parse(argc, argv, &o);
    if (rc == 2) return SF_EXIT_USAGE;
    if (rc == 1) {
        if (!strcmp(o.view, "version")) {
            printf("synfin %s\n%s\n", SYNFIN_VERSION, pcap_lib_version());
            return 0;
        }
        if (!strcmp(o.view, "list-ifaces")) return sf_live_list_ifaces();
        return 0;
    }
    if (!strcmp(o.view, "lab")) return sf_lab_main(argc - 1, argv + 1);

    signal(SIGPIPE, SIG_IGN); /* EPIPE is handled as a quiet end (see below) */
    sf_out out;
    if (sf_out_init(&out, STDOUT_FILENO, 1 << 20)) { perror("synfin"); return 1; }

    char err[512] = "";
    sf_source *src;
    if (o.iface) {
        sf_live_cfg lc = { o.iface, o.filter, o.snaplen, o.buffer_kib, o.promisc,
                           o.write_path, o.user, o.count };
        src = sf_source_open_live(&lc, err, sizeof err);
        out.line_flush = 1;
    } else {
        src = sf_source_open_files(o.files, o.nfiles, o.filter, err, sizeof err);
    }
    if (!src) {
        fprintf(stderr, "synfin: %s\n", err);
        sf_out_free(&out);
        free((void *)o.filter);
        /* A bad filter is a usage error; anything else (a file) an input error.
         * Messages start with "bad filter" or name the input ("IFACE: bad filter"). */
        int usage = strncmp(err, "bad filter", 10) == 0 || strstr(err, ": bad filter ") != NULL;
        return usage ? SF_EXIT_USAGE : SF_EXIT_INPUT;
    }

    if (o.sack_analysis) sf_an_set_options(SF_AN_OPT_SACK);
    sf_view v;
    if (make_view(&o, &v, &out)) { sf_source_close(src); return SF_EXIT_USAGE; }
    /* For the views that write text per packet (lines, json, verbose),
     * the text is written on a thread of its own, and for lines and verbose
     * files are read and decoded ahead on a third (issue 8;
     * docs/performance.md). The other views
     * run on this thread alone: handing packets between cores cost them
     * about what it saved. SYNFIN_NO_THREAD=1 does everything on this one
     * (for comparisons). Live capture stays on one thread. */
    const char *nt = getenv("SYNFIN_NO_THREAD");
    sf_view vv = v;              /* what the engine calls: v, or v behind a render thread */
    sf_async *av = NULL;
    /* SYNFIN_READ_AHEAD=SLOTS:BYTES sizes the reader's ring (tests use tiny ones) */
    const char *ra = getenv("SYNFIN_READ_AHEAD");
    unsigned ra_slots = 0;
    unsigned long long ra_bytes = 0;
    if (ra && sscanf(ra, "%u:%llu", &ra_slots, &ra_bytes) != 2) ra_slots = 0, ra_bytes = 0;
    /* json reads a few fields of each packet: they travel with its record
     * (lean, render/async.h), and this thread reads and decodes itself --
     * cheaper than handing every decoded packet across cores twice. */
    const int lean = lean_view(o.view);
    if (!o.iface && !(nt && *nt && strcmp(nt, "0")) && render_heavy(o.view) &&
        (lean || sf_source_read_ahead(src, ra_slots, (size_t)ra_bytes) == 0)) {
        /* lean: the render thread also pages the mapped file for this one
         * (faults ahead, releases behind: source/paging.h) */
        const int paged = lean && sf_source_page_elsewhere(src, 1) == 0;
        sf_async_link lk = { src, src_ticket, src_release, lean, paged ? src_page_work : NULL };
        if ((av = sf_view_async(&vv, &v, &out, &lk)) != NULL && !lean)
            sf_source_defer_release(src, sf_async_kick, av);
        if (!av && paged) sf_source_page_elsewhere(src, 0);
    }
    sf_engine_cfg ec = { 0, 0 };
    sf_engine *e = sf_engine_new(&ec, &vv);
    if (!e) { fprintf(stderr, "synfin: out of memory\n"); return 1; }
    if (av && !lean) sf_engine_pinfo_buf(e, sf_async_pinfo_buf, av);

    const sf_pkt *pkt;
    int64_t n = 0;
    for (;;) {
        sf_src_rc r = sf_source_next_ref(src, &pkt);
        if (r == SF_SRC_END) break;
        if (r == SF_SRC_IDLE) { /* live, quiet for a while: emit ended connections */
            sf_engine_tick(e, &pkt->ts);
            sf_out_flush(&out);
            continue;
        }
        if (r == SF_SRC_ERROR) {
            if (av) sf_async_sync(av); /* everything before the fault is out first */
            else sf_out_flush(&out);
            fprintf(stderr, "synfin: %s\n", sf_source_error(src));
            continue;
        }
        sf_engine_packet(e, pkt);
        if (av ? sf_async_out_error(av) : sf_out_error(&out)) break;
        if (o.count > 0 && ++n >= o.count && !o.iface) break;
    }
    sf_engine_finish(e);         /* a render thread ends here */
    if (vv.destroy) vv.destroy(vv.self);
    sf_out_flush(&out);
    int werr = sf_out_error(&out);
    int failures = sf_source_failures(src);
    sf_engine_free(e);
    sf_source_close(src);
    sf_out_free(&out);
    free((void *)o.filter);
    if (werr && werr != EPIPE) {
        fprintf(stderr, "synfin: write error on standard output: %s\n", strerror(werr));
        return 1;
    }
    return failures ? SF_EXIT_INPUT : SF_EXIT_OK;
}

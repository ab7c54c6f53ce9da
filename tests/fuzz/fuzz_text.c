/* \summary: libFuzzer target: the tcpdump-text parser, the engine and a view */
#include <stdio.h>
#include "fuzz_common.h"
#include "../../src/source/backend.h"

/* Input: byte 0 = view (fz_view_name) and flags (fz_flags); the rest is
 * the text, parsed as tcpdump output (the backend synfin picks for text). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0; /* (an empty input is the pipeline target's case) */
    size_t n = size - 1;
    char *buf = malloc(n);
    memcpy(buf, data + 1, n);
    FILE *f = fmemopen(buf, n, "rb");
    if (!f) { free(buf); return 0; }
    sf_backend b;
    memset(&b, 0, sizeof b);
    char err[768];
    if (sf_text_open(f, "fuzz", NULL, &b, err, sizeof err)) { free(buf); return 0; }
    sf_view v; sf_out out; sf_opts o;
    if (fz_view_opt(fz_view_name(data[0]), fz_flags(data[0]), &v, &out, &o) == 0) {
        sf_engine *e = sf_engine_new(&(sf_engine_cfg){ 0, 0 }, &v);
        sf_pkt p;
        uint64_t frame = 0;
        for (int i = 0; e && i < 200000; i++) {
            memset(&p, 0, sizeof p);
            sf_src_rc r = b.next(b.st, &p, err, sizeof err);
            if (r != SF_SRC_PACKET) break;
            p.frame = ++frame;
            sf_engine_packet(e, &p);
        }
        if (e) { sf_engine_finish(e); sf_engine_free(e); }
        fz_view_done(&v, &out);
    }
    b.close(b.st);
    free(buf);
    return 0;
}

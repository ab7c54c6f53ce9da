/* \summary: libFuzzer target: the tcpdump-text parser and the engine */
#include <stdio.h>
#include "fuzz_common.h"
#include "../../src/source/backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
    if (!f) return 0;
    sf_backend b;
    char err[256];
    if (sf_text_open(f, "fuzz", NULL, &b, err, sizeof err)) return 0;
    sf_view v; sf_out out; sf_opts o;
    if (fz_view("json", &v, &out, &o) == 0) {
        sf_engine *e = sf_engine_new(&(sf_engine_cfg){ 0, 0 }, &v);
        sf_pkt p;
        uint64_t frame = 0;
        for (int i = 0; e && i < 100000; i++) {
            memset(&p, 0, sizeof p);
            if (b.next(b.st, &p, err, sizeof err) != SF_SRC_PACKET) break;
            p.frame = ++frame;
            sf_engine_packet(e, &p);
        }
        if (e) { sf_engine_finish(e); sf_engine_free(e); }
        fz_view_done(&v, &out);
    }
    b.close(b.st);
    return 0;
}

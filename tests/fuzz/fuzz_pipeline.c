/* \summary: libFuzzer target: a whole pcap/pcapng byte buffer through every stage and a view */
#include <stdio.h>
#include "fuzz_common.h"
#include "../../src/source/backend.h"

/* Input: 1 byte selecting the view, then a capture file's bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    const char *vn = fz_views[data[0] % (sizeof fz_views / sizeof fz_views[0])];
    FILE *f = fmemopen((void *)(data + 1), size - 1, "rb");
    if (!f) return 0;
    sf_backend b;
    char err[256];
    int rc = sf_is_capture_magic(data + 1, size - 1)
                 ? sf_pcapfile_open(f, NULL, &b, err, sizeof err)
                 : sf_text_open(f, "fuzz", NULL, &b, err, sizeof err);
    if (rc) return 0; /* the backend owns (and closed) f */
    sf_view v; sf_out out; sf_opts o;
    if (fz_view(vn, &v, &out, &o) == 0) {
        sf_engine *e = sf_engine_new(&(sf_engine_cfg){ 0, 0 }, &v);
        sf_pkt p;
        uint64_t frame = 0;
        for (int i = 0; e && i < 100000; i++) {
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
    return 0;
}

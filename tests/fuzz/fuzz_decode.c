/* \summary: libFuzzer target: link/IP/TCP decoder and the lines formatter on one frame */
#include <pcap/pcap.h>
#include "fuzz_common.h"
#include "../../src/decode/decode.h"

static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
                            DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_NFLOG };

/* Input: 1 byte selecting the link type, then the frame bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    int dlt = dlts[data[0] % (sizeof dlts / sizeof dlts[0])];
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = 1;
    p.caplen = (uint32_t)(size - 1);
    p.wirelen = p.caplen + (data[0] & 0x80 ? 100 : 0); /* sometimes "cut by snaplen" */
    p.ts.prec = 6;
    /* copy so that reads past the end hit ASan's redzone */
    uint8_t *frame = malloc(size - 1 ? size - 1 : 1);
    memcpy(frame, data + 1, size - 1);
    sf_decode(&p, dlt, frame);
    sf_view v; sf_out out; sf_opts o;
    if (fz_view(data[0] & 0x40 ? "verbose" : "lines", &v, &out, &o) == 0) {
        sf_engine *e = sf_engine_new(&(sf_engine_cfg){ 0, 0 }, &v);
        if (e) { sf_engine_packet(e, &p); sf_engine_finish(e); sf_engine_free(e); }
        fz_view_done(&v, &out);
    }
    free(frame);
    return 0;
}

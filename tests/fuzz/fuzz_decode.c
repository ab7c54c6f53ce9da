/* \summary: libFuzzer target: link/IP/TCP decoder and the lines/verbose/json formatters on one frame */
#include <pcap/pcap.h>
#include "fuzz_common.h"
#include "../../src/decode/decode.h"

static const int dlts[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
                            DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_NFLOG };
/* the per-frame views: lines (twice as likely), verbose, json */
static const char *const dviews[] = { "lines", "verbose", "lines", "json" };

/* Input: byte 0 = link type (low 4 bits, mod 9), bit 4 "cut by snaplen"
 * (wire length 100 more), bits 5-6 view, bit 7 nanosecond timestamp;
 * byte 1 = FZ_* flags (-S, -tt, --plain, zh); then the frame bytes. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int dlt = dlts[(data[0] & 15) % (sizeof dlts / sizeof dlts[0])];
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = 1;
    p.caplen = (uint32_t)(size - 2);
    p.wirelen = p.caplen + (data[0] & 0x10 ? 100 : 0); /* sometimes "cut by snaplen" */
    p.ts.sec = 1700000000;
    if (data[0] & 0x80) { p.ts.prec = 9; p.ts.nsec = 123456789; }
    else { p.ts.prec = 6; p.ts.nsec = 123456000; }
    p.ts_td_usec = p.ts.nsec / 1000;
    /* copy so that reads past the end hit ASan's redzone */
    uint8_t *frame = malloc(size - 2 ? size - 2 : 1);
    memcpy(frame, data + 2, size - 2);
    sf_decode(&p, dlt, frame);
    sf_view v; sf_out out; sf_opts o;
    if (fz_view_opt(dviews[(data[0] >> 5) & 3], data[1], &v, &out, &o) == 0) {
        sf_engine *e = sf_engine_new(&(sf_engine_cfg){ 0, 0 }, &v);
        if (e) { sf_engine_packet(e, &p); sf_engine_finish(e); sf_engine_free(e); }
        fz_view_done(&v, &out);
    }
    free(frame);
    return 0;
}

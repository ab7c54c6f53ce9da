/* \summary: libFuzzer target: TLS and HTTP recognition over a chunked byte stream */
#include <stdlib.h>
#include <string.h>
#include "../../src/app/app.h"

/* Input: byte 0 = chunking seed; byte 1 = direction pattern; rest = stream. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    unsigned chunk = (data[0] % 64) + 1;
    unsigned pattern = data[1];
    const uint8_t *s = data + 2;
    size_t n = size - 2;
    sf_app_conn *ac = NULL;
    sf_conn_app sum;
    memset(&sum, 0, sizeof sum);
    sum.alert_desc = -1;
    uint32_t seq[2] = { 1, 1 };
    size_t off = 0;
    for (unsigned i = 0; off < n; i++) {
        size_t len = chunk + (i * 7 % 13);
        if (len > n - off) len = n - off;
        int dir = (pattern >> (i % 8)) & 1;
        uint8_t *seg = malloc(len ? len : 1); /* exact-size copy: overreads hit the redzone */
        memcpy(seg, s + off, len);
        sf_appinfo out;
        /* every 5th segment pretends to be a retransmission of the previous bytes */
        uint32_t rs = (i % 5 == 4 && seq[dir] > len) ? seq[dir] - (uint32_t)len : seq[dir];
        sf_app_segment(&ac, dir, rs, seg, (uint32_t)len, (uint32_t)len, 40000, (i & 1) ? 443 : 80, &out, &sum);
        if (rs == seq[dir]) seq[dir] += (uint32_t)len;
        free(seg);
        off += len;
    }
    sf_app_free(ac);
    return 0;
}

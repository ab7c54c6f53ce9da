/* \summary: libFuzzer target: TLS and HTTP recognition over chunked or recorded byte streams */
#include <stdlib.h>
#include <string.h>
#include "../../src/app/app.h"

static char label[512];

/* Feed one segment as the engine would, then format it as the views do. */
static void seg(sf_app_conn **ac, int dir, uint32_t rel, const uint8_t *p, uint32_t len,
                uint32_t caplen, uint16_t sport, sf_conn_app *sum)
{
    uint8_t *copy = malloc(caplen ? caplen : 1); /* exact size: overreads hit the redzone */
    memcpy(copy, p, caplen);
    sf_appinfo out;
    sf_app_segment(ac, dir, rel, copy, len, caplen, 40000, sport, &out, sum);
    sf_app_label(&out, label, sizeof label);
    for (unsigned i = 0; i < out.nrec && i < SF_APP_MAX_RECS; i++) {
        (void)sf_tls_hs_label(out.rec[i].hs_type);
        (void)sf_tls_ct_label(out.rec[i].content_type);
        (void)sf_tls_alert_label(out.rec[i].alert_desc);
    }
    (void)sf_tls_cipher_name(out.cipher);
    (void)sf_tls_version_name(out.tls_version);
    free(copy);
}

/* Chunk mode (byte 0 bit 7 clear): byte 0 = chunk size seed, byte 1 =
 * direction pattern, rest = one byte stream cut into segments. */
static void chunked(const uint8_t *data, size_t size)
{
    unsigned chunk = (data[0] % 64) + 1;
    unsigned pattern = data[1];
    const uint8_t *s = data + 2;
    size_t n = size - 2;
    sf_app_conn *ac = NULL;
    sf_conn_app sum;
    sf_conn_app_init(&sum);
    uint32_t seq[2] = { 1, 1 };
    size_t off = 0;
    for (unsigned i = 0; off < n; i++) {
        size_t len = chunk + (i * 7 % 13);
        if (len > n - off) len = n - off;
        int dir = (pattern >> (i % 8)) & 1;
        /* every 5th segment pretends to be a retransmission of the previous bytes */
        uint32_t rs = (i % 5 == 4 && seq[dir] > len) ? seq[dir] - (uint32_t)len : seq[dir];
        seg(&ac, dir, rs, s + off, (uint32_t)len, (uint32_t)len, (i & 1) ? 443 : 80, &sum);
        if (rs == seq[dir]) seq[dir] += (uint32_t)len;
        off += len;
    }
    sf_app_free(ac);
}

/* Record mode (byte 0 bit 7 set): byte 1 = server port choice; then
 * records [h][len_hi][len_lo][len bytes]: h bit 0 = direction, bits 1-2 =
 * 0 in order, 1 retransmission of the same bytes again, 2 cut by snaplen
 * (caplen = len / 2), 3 a gap of len bytes before it (then in order).
 * mkseeds.py writes real conversations from tests/corpus this way. */
static void recorded(const uint8_t *data, size_t size)
{
    static const uint16_t ports[] = { 443, 80, 8080, 9999 };
    uint16_t sport = ports[data[1] & 3];
    sf_app_conn *ac = NULL;
    sf_conn_app sum;
    sf_conn_app_init(&sum);
    uint32_t seq[2] = { 1, 1 };
    size_t off = 2;
    while (off + 3 <= size) {
        uint8_t h = data[off];
        uint32_t len = (uint32_t)data[off + 1] << 8 | data[off + 2];
        off += 3;
        if (len > size - off) len = (uint32_t)(size - off);
        int dir = h & 1, kind = (h >> 1) & 3;
        const uint8_t *p = data + off;
        off += len;
        switch (kind) {
        case 0:
            seg(&ac, dir, seq[dir], p, len, len, sport, &sum);
            seq[dir] += len;
            break;
        case 1:
            seg(&ac, dir, seq[dir], p, len, len, sport, &sum);
            seg(&ac, dir, seq[dir], p, len, len, sport, &sum);
            seq[dir] += len;
            break;
        case 2:
            seg(&ac, dir, seq[dir], p, len, len / 2, sport, &sum);
            seq[dir] += len;
            break;
        default:
            seq[dir] += len;
            seg(&ac, dir, seq[dir], p, len, len, sport, &sum);
            seq[dir] += len;
            break;
        }
    }
    sf_app_free(ac);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    if (data[0] & 0x80) recorded(data, size);
    else chunked(data, size);
    return 0;
}

/* \summary: tcpdump text input: "mptcp LEN SUBTYPE ..." back into MPTCP option bytes (RFC 8684 layouts) */
#include <arpa/inet.h>
#include <string.h>
#include "text_opt.h"

static const char *const subtypes[] = {
    "capable", "join", "dss", "add-addr", "rem-addr", "prio", "fail", "fast-close", "unknown",
};

static void put_be(uint8_t *b, uint64_t v, int w)
{
    for (int i = 0; i < w; i++) b[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
}

static int word(sf_txo *x, const char *w)
{
    const char *save = x->p;
    sf_txo_sp(x);
    if (sf_txo_lit(x, w)) return 1;
    x->p = save;
    return 0;
}

static void capable(sf_txo *x, uint8_t *b, unsigned len)
{
    uint64_t v;
    uint32_t ver = 0;
    if (word(x, "v")) sf_txo_u32(x, &ver);
    else if (word(x, "Unknown Version (")) { sf_txo_u32(x, &ver); sf_txo_lit(x, ")"); }
    b[2] |= (uint8_t)(ver & 0xf);
    b[3] = 0x01; /* HMAC-SHA256/SHA1 bit: not printed, set as real stacks do */
    if (word(x, "csum")) b[3] |= 0x80;
    if (word(x, "{") && sf_txo_hex64(x, &v)) {
        if (len >= 12) put_be(b + 4, v, 8);
        if (sf_txo_lit(x, ",") && sf_txo_hex64(x, &v) && len >= 20) put_be(b + 12, v, 8);
        sf_txo_lit(x, "}");
    }
}

static void join(sf_txo *x, uint8_t *b, unsigned len)
{
    uint64_t v;
    uint32_t id;
    if (word(x, "backup")) b[2] |= 1;
    if (word(x, "id") && (sf_txo_sp(x), sf_txo_u32(x, &id))) b[3] = (uint8_t)id;
    if (word(x, "token") && (sf_txo_sp(x), sf_txo_hex64(x, &v)) && len >= 8) put_be(b + 4, v, 4);
    if (word(x, "hmac")) {
        sf_txo_sp(x);
        if (len == 24) {
            if (sf_txo_lit(x, "0x")) sf_txo_hexbytes(x, b + 4, 20);
        } else if (sf_txo_hex64(x, &v) && len >= 12) {
            put_be(b + 4, v, 8);
        }
    }
    if (word(x, "nonce") && (sf_txo_sp(x), sf_txo_hex64(x, &v))) {
        if (len == 12) put_be(b + 8, v, 4);
        else if (len == 16) put_be(b + 12, v, 4);
    }
}

static void dss(sf_txo *x, uint8_t *b, unsigned len)
{
    uint64_t ack = 0, seq = 0, sub = 0, dl = 0, cs = 0;
    int has_ack = 0, has_map = 0, has_cs = 0;
    if (word(x, "fin")) b[3] |= 0x10;
    if (word(x, "ack")) { sf_txo_sp(x); has_ack = sf_txo_u64(x, &ack); }
    if (word(x, "seq")) {
        sf_txo_sp(x);
        has_map = sf_txo_u64(x, &seq);
        if (word(x, "subseq")) { sf_txo_sp(x); sf_txo_u64(x, &sub); }
        if (word(x, "len")) { sf_txo_sp(x); sf_txo_u64(x, &dl); }
        if (word(x, "csum")) { sf_txo_sp(x); has_cs = sf_txo_hex64(x, &cs); }
    }
    /* widths: 4 or 8 bytes for the data ack and the data sequence number,
     * chosen so the layout fills the printed option length exactly */
    int wa = has_ack ? (ack > 0xffffffffu ? 8 : 4) : 0;
    int wm = has_map ? (seq > 0xffffffffu ? 8 : 4) : 0;
    int fixed = 4 + (has_map ? 4 + 2 + (has_cs ? 2 : 0) : 0);
    if (fixed + wa + wm != (int)len && has_ack && wa == 4 && fixed + 8 + wm == (int)len) wa = 8;
    if (fixed + wa + wm != (int)len && has_map && wm == 4 && fixed + wa + 8 == (int)len) wm = 8;
    if (fixed + wa + wm != (int)len && has_ack && has_map && wa == 4 && wm == 4 && fixed + 16 == (int)len)
        wa = wm = 8;
    int o = 4;
    if (has_ack) {
        b[3] |= 0x01 | (wa == 8 ? 0x02 : 0);
        if (o + wa <= (int)len) put_be(b + o, ack, wa);
        o += wa;
    }
    if (has_map) {
        b[3] |= 0x04 | (wm == 8 ? 0x08 : 0);
        if (o + wm <= (int)len) put_be(b + o, seq, wm);
        o += wm;
        if (o + 4 <= (int)len) put_be(b + o, sub, 4);
        o += 4;
        if (o + 2 <= (int)len) put_be(b + o, dl, 2);
        o += 2;
        if (has_cs && o + 2 <= (int)len) put_be(b + o, cs, 2);
    }
}

static const struct { const char *name; uint8_t code; } addr_kinds[] = {
    { "v0-ip6", 6 }, { "v0-ip4", 4 }, { "v1-echo", 1 }, { "v1", 0 },
};

static void add_addr(sf_txo *x, uint8_t *b, unsigned len)
{
    uint32_t id;
    uint64_t v;
    for (size_t i = 0; i < sizeof addr_kinds / sizeof addr_kinds[0]; i++)
        if (word(x, addr_kinds[i].name)) { b[2] |= addr_kinds[i].code; break; }
    if (word(x, "id") && (sf_txo_sp(x), sf_txo_u32(x, &id))) b[3] = (uint8_t)id;
    sf_txo_sp(x);
    int v6 = len >= 20, port = len == 10 || len == 18 || len == 22 || len == 30;
    const char *s = x->p;
    while (x->p < x->end && *x->p != ' ' && *x->p != ',' && *x->p != ']') x->p++;
    size_t n = (size_t)(x->p - s);
    char a[64];
    if (n >= sizeof a) n = sizeof a - 1;
    memcpy(a, s, n);
    a[n] = '\0';
    uint32_t pv = 0;
    if (port) {
        char *c = strrchr(a, ':');
        if (c) {
            *c = '\0';
            sf_txo y = { c + 1, a + n, x->L, 0 };
            sf_txo_u32(&y, &pv);
        }
    }
    uint8_t ab[16] = { 0 };
    inet_pton(v6 ? AF_INET6 : AF_INET, a, ab);
    int al = v6 ? 16 : 4;
    memcpy(b + 4, ab, (size_t)al);
    int o = 4 + al;
    if (port) { put_be(b + o, pv, 2); o += 2; }
    if (word(x, "hmac") && (sf_txo_sp(x), sf_txo_hex64(x, &v)) && o + 8 <= (int)len) put_be(b + o, v, 8);
}

int sf_txo_mptcp(sf_txo *x)
{
    uint8_t b[40];
    uint32_t len = 0, v;
    uint64_t w;
    memset(b, 0, sizeof b);
    sf_txo_sp(x);
    sf_txo_u32(x, &len);
    if (len < 3) len = 3;
    if (len > sizeof b) { x->overflow = 1; len = sizeof b; }
    unsigned sub = 8;
    for (unsigned i = 0; i < sizeof subtypes / sizeof subtypes[0]; i++)
        if (word(x, subtypes[i])) { sub = i; break; }
    b[0] = 30;
    b[1] = (uint8_t)len;
    b[2] = (uint8_t)(sub << 4);
    switch (sub) {
    case 0: capable(x, b, len); break;
    case 1: join(x, b, len); break;
    case 2: dss(x, b, len); break;
    case 3: add_addr(x, b, len); break;
    case 4:
        if (word(x, "id")) {
            unsigned k = 3;
            while (k < len && word(x, "") && sf_txo_u32(x, &v)) b[k++] = (uint8_t)v;
        }
        break;
    case 5:
        if (word(x, "backup")) b[2] |= 1;
        else word(x, "non-backup");
        if (word(x, "id") && (sf_txo_sp(x), sf_txo_u32(x, &v)) && len >= 4) b[3] = (uint8_t)v;
        break;
    case 6:
        if (word(x, "seq") && (sf_txo_sp(x), sf_txo_u64(x, &w)) && len >= 12) put_be(b + 4, w, 8);
        break;
    case 7:
        if (word(x, "key") && (sf_txo_sp(x), sf_txo_hex64(x, &w)) && len >= 12) put_be(b + 4, w, 8);
        break;
    default:
        break;
    }
    return sf_txo_put(x, b, len);
}

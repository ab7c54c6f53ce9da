/* \summary: unit tests of the explain/ladder/verbose helpers: message tables, record buffer, checksum, text cleaning */
#include <stdlib.h>
#include "t.h"
#include "../../src/render/explain_buf.h"
#include "../../src/render/i18n.h"
#include "../../src/render/verbose_int.h"

/* Argument count of a message: "%s" conversions, or the highest "%N$s". */
static int nargs(const char *f, int *bad)
{
    int n = 0, maxpos = 0;
    for (const char *p = f; *p; p++) {
        if (*p != '%') continue;
        p++;
        if (*p == '%') continue;
        if (*p >= '1' && *p <= '9' && p[1] == '$') {
            if (p[0] - '0' > maxpos) maxpos = p[0] - '0';
            p += 2;
        } else {
            n++;
        }
        if (*p != 's') (*bad)++;
    }
    return maxpos ? maxpos : n;
}

TEST(i18n_tables_match)
{
    for (int i = 0; i < SF_M__COUNT; i++) {
        T_CHECK(sf_msg_en[i] != NULL);
        T_CHECK(sf_msg_zh[i] != NULL);
        if (!sf_msg_en[i] || !sf_msg_zh[i]) { fprintf(stderr, "  message %d missing\n", i); continue; }
        int bad = 0;
        int a = nargs(sf_msg_en[i], &bad), b = nargs(sf_msg_zh[i], &bad);
        if (a != b || bad) fprintf(stderr, "  message %d: en %d args, zh %d args, %d bad conversions\n", i, a, b, bad);
        T_EQ_INT(a, b);
        T_EQ_INT(bad, 0);
    }
    T_CHECK(sf_msgs("zh") == sf_msg_zh);
    T_CHECK(sf_msgs("en") == sf_msg_en);
    T_CHECK(sf_msgs(NULL) == sf_msg_en);
}

TEST(xmap_insert_take_lowest)
{
    sf_xmap m;
    sf_xmap_init(&m);
    for (uint64_t id = 0; id < 1000; id++) T_CHECK(sf_xmap_get(&m, id * 7919, 1) != NULL);
    T_EQ_INT(m.n, 1000);
    for (uint64_t id = 0; id < 1000; id += 2) { /* remove every other one */
        sf_xconn *x = sf_xmap_take(&m, id * 7919);
        T_CHECK(x && x->id == id * 7919);
        sf_xconn_free(&m, x);
    }
    for (uint64_t id = 0; id < 1000; id++) {
        sf_xconn *x = sf_xmap_get(&m, id * 7919, 0);
        T_CHECK((id & 1) ? x != NULL : x == NULL);
    }
    uint64_t prev = 0;
    int n = 0;
    sf_xconn *x;
    while ((x = sf_xmap_take_lowest(&m))) {
        T_CHECK(n == 0 || x->id > prev);
        prev = x->id;
        n++;
        sf_xconn_free(&m, x);
    }
    T_EQ_INT(n, 500);
    T_EQ_INT(m.records, 0);
    sf_xmap_free(&m);
}

TEST(xconn_keeps_head_and_tail)
{
    sf_xmap m;
    sf_xmap_init(&m);
    sf_xconn *x = sf_xmap_get(&m, 3, 1);
    sf_pkt p;
    sf_pinfo pi;
    memset(&p, 0, sizeof p);
    memset(&pi, 0, sizeof pi);
    pi.conn = 3;
    pi.app.alert_desc = -1;
    for (uint64_t f = 1; f <= 1000; f++) {
        p.frame = f;
        p.ts.sec = (int64_t)f;
        p.seq = (uint32_t)f;
        pi.dir = f & 1;
        sf_xconn_add(&m, x, &p, &pi);
    }
    T_EQ_INT(x->npkts, 1000);
    T_EQ_INT(sf_xconn_count(x), SF_X_HEAD + SF_X_TAIL);
    T_EQ_INT(x->elided, 1000 - SF_X_HEAD - SF_X_TAIL);
    T_EQ_INT(x->elided_first, SF_X_HEAD + 1);
    T_EQ_INT(x->elided_last, 1000 - SF_X_TAIL);
    for (size_t i = 0; i < sf_xconn_count(x); i++) {
        uint64_t want = i < SF_X_HEAD ? i + 1 : 1000 - SF_X_TAIL + (i - SF_X_HEAD) + 1;
        T_EQ_INT(sf_xconn_at(x, i)->frame, want);
        T_EQ_INT(sf_xconn_gap_before(x, i), i == SF_X_HEAD);
    }
    T_CHECK(sf_xconn_find_frame(x, 999) != NULL);
    T_CHECK(sf_xconn_find_frame(x, 500) == NULL);
    T_EQ_INT(x->first_ns, 1000000000LL);
    sf_xconn_free(&m, sf_xmap_take(&m, 3));
    T_EQ_INT(m.records, 0);
    sf_xmap_free(&m);
}

TEST(x_helpers)
{
    char b[64];
    sf_x_flags(b, SF_TH_SYN | SF_TH_ACK);
    T_EQ_STR(b, "S.");
    sf_x_flags(b, SF_TH_FIN | SF_TH_PSH | SF_TH_ACK);
    T_EQ_STR(b, "FP.");
    sf_x_flags(b, 0);
    T_EQ_STR(b, "none");
    sf_x_dur(b, sizeof b, 438000);
    T_EQ_STR(b, "0.438 ms");
    sf_x_dur(b, sizeof b, 1250000000LL);
    T_EQ_STR(b, "1.250 s");
    sf_x_dur(b, sizeof b, -1);
    T_EQ_STR(b, "-");
    /* controls dropped, invalid UTF-8 replaced, valid UTF-8 kept */
    sf_x_clean(b, sizeof b, "a\x01" "b\xff" "c\xe4\xb8\xad\n", 64);
    T_EQ_STR(b, "ab?c\xe4\xb8\xad");
    sf_x_clean(b, 4, "abcdef", 64);
    T_EQ_STR(b, "abc");
    sf_endpoint e = { { 10, 0, 0, 1 }, 80 };
    sf_x_endpoint(b, sizeof b, &e, 4, NULL);
    T_EQ_STR(b, "10.0.0.1:80");
    sf_endpoint e6 = { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }, 443 };
    sf_x_endpoint(b, sizeof b, &e6, 6, NULL);
    T_EQ_STR(b, "[2001:db8::1]:443");
    sf_x_endpoint(b, sizeof b, &e, 4, "host");
    T_EQ_STR(b, "host:80");
}

TEST(tcp_checksum_roundtrip_and_partial)
{
    /* IPv4 10.0.0.1 -> 10.0.0.2, TCP header (20 bytes) + 5 bytes payload */
    uint8_t l2[14 + 20 + 25] = { 0 };
    uint8_t *t = l2 + 34;
    t[0] = 0x9c; t[1] = 0x40; t[2] = 0; t[3] = 80;     /* ports 40000 -> 80 */
    t[7] = 1; t[12] = 5 << 4; t[13] = 0x18; t[14] = 0xff; t[15] = 0xff;
    memcpy(t + 20, "hello", 5);
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.l2 = l2;
    p.l4 = t;
    p.ipver = 4;
    p.src[0] = 10; p.src[3] = 1;
    p.dst[0] = 10; p.dst[3] = 2;
    p.seg_len = 25;
    p.l4_caplen = 25;
    uint16_t calc, partial;
    T_EQ_INT(sf_v_tcp_cksum(&p, &calc, &partial), 0);
    /* pseudo-header sum: 0x0a00+0x0001+0x0a00+0x0002+6+25 */
    T_EQ_INT(partial, 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 25);
    /* the checksum is independent of the field's content, and a segment
     * carrying it sums (with the pseudo-header) to 0xffff */
    t[16] = (uint8_t)(calc >> 8); t[17] = (uint8_t)calc;
    uint16_t again, p2;
    T_EQ_INT(sf_v_tcp_cksum(&p, &again, &p2), 0);
    T_EQ_INT(again, calc);
    uint32_t s = partial;
    for (int i = 0; i < 24; i += 2) s += (uint32_t)(t[i] << 8 | t[i + 1]);
    s += (uint32_t)t[24] << 8;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    T_EQ_INT(s, 0xffff);
    p.l4_caplen = 24; /* not fully captured: not verifiable */
    T_EQ_INT(sf_v_tcp_cksum(&p, &calc, &partial), -1);
    p.l4_caplen = 25;
    p.l2 = NULL; /* text input: no bytes */
    T_EQ_INT(sf_v_tcp_cksum(&p, &calc, &partial), -1);
}

TEST(vbuf_lines)
{
    sf_vbuf b;
    memset(&b, 0, sizeof b);
    sf_vb_line(&b, 2, "x=%d", 5);
    sf_vb_line(&b, 0, "%s", "y");
    T_EQ_STR(b.p, "        x=5\ny\n");
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    sf_vb_line(&b, 0, "%s", big);
    T_EQ_INT(b.len, 14 + 3000);
    sf_vb_free(&b);
    char s[40];
    sf_v_secs(s, sizeof s, 438000);
    T_EQ_STR(s, "0.000438000");
}

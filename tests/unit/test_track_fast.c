/* \summary: unit tests of the engine's steady-state fast paths (track/fast.h) against the general code */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "t_jrun.h"
#include "../../src/track/track.h"
#include "../../src/track/engine_int.h"
#include "../../src/render/view.h"
#include "../../src/decode/decode.h"

enum { S = SF_TH_SYN, A = SF_TH_ACK, F = SF_TH_FIN, R = SF_TH_RST, P = SF_TH_PSH };

/* ---- fast.h: each steady-state fast path does what the general code does ---- */
#include "../../src/track/fast.h"

static uint64_t fz_state = 88172645463325252ull;
static uint32_t fz(uint32_t n) { return t_rand(&fz_state, n); }
/* a number near x: mostly equal or a little above/below, sometimes far */
static uint32_t fz_near(uint32_t x)
{
    switch (fz(6)) {
    case 0: return x;
    case 1: return x + fz(3000);
    case 2: return x - fz(3000);
    case 3: return x + 1;
    case 4: return x - 1;
    default: return fz(0xffffffffu) + fz(2);
    }
}

TEST(track_fast_paths_match_general)
{
    static const uint16_t flags[] = { A, A, A, P | A, A | 0x40, 0, P, S, S | A, F | A, R, R | A, F | R | A };
    static const uint8_t st[] = { SF_ST_ESTABLISHED, SF_ST_ESTABLISHED, SF_ST_ESTABLISHED, SF_ST_SYN_SENT,
                                  SF_ST_SYN_RECEIVED, SF_ST_FIN_WAIT_1, SF_ST_CLOSE_WAIT, SF_ST_CLOSED };
    static const uint8_t zst[] = { Z_ESTABLISHED, Z_ESTABLISHED, Z_ESTABLISHED, Z_INACTIVE, Z_PARTIAL,
                                   Z_SYN_SENT, Z_SYN_ACK_SENT, Z_CLOSED, Z_RESET };
    static sf_rec base, fa, ge;
    sf_pinfo pf, pg;
    int fast[3] = { 0, 0, 0 }, steady = 0;
    for (int it = 0; it < 200000; it++) {
        memset(&base, 0, sizeof base);
        const uint32_t s0 = fz(0xffffffffu), a0 = fz(0xffffffffu);
        for (int i = 0; i < 2; i++) {
            sf_dir *D = &base.d[i];
            const uint32_t x = i ? a0 : s0;
            D->fl = (uint16_t)(fz(4) ? (SF_DF_BASE | SF_DF_NXT | SF_DF_SENT | (fz(2) ? SF_DF_DATA : 0) |
                                        (fz(8) ? 0 : SF_DF_FIN) | (fz(8) ? 0 : SF_DF_ACKED_FIN))
                                     : fz(512));
            D->st = st[fz(sizeof st)];
            D->base = fz_near(x);
            D->nxt = fz_near(x);
            D->isn = fz_near(x);
            D->fin_seq = fz_near(x);
            D->data_end = fz_near(x);
            sf_zep *Z = &base.z.ep[i];
            Z->state = zst[fz(sizeof zst)];
            Z->prev_state = zst[fz(sizeof zst)];
            Z->start = fz_near(x);
            Z->last = fz_near(x);
            Z->ackseq = fz_near(x);
            Z->gap_to = fz_near(x);
            Z->cnt[fz(3)] = fz(12);
            Z->exp[fz(3)] = (uint8_t)fz(3);
        }
        base.z.orig_dir = (uint8_t)fz(2);
        base.z.seen = fz(4) ? 0 : (uint32_t)fz(0xffffffffu);
        base.z.hlen = (uint8_t)fz(SF_ZEEK_HMAX + 1);
        memset(base.z.hist, 'x', base.z.hlen);
        base.cf = (uint16_t)(fz(2) ? 0 : fz(1u << 15));
        /* reachable states only: a first FIN is some side's FIN */
        if (!(base.d[0].fl & SF_DF_FIN))
            base.cf &= (uint16_t)~SF_CF_FIN1_CLIENT;
        if (!(base.d[1].fl & SF_DF_FIN))
            base.cf &= (uint16_t)~SF_CF_FIN1_SERVER;
        base.completeness = (uint8_t)fz(64);
        base.mru_syn_ns = fz(2) ? 0 : 1000000000LL + fz(1000);
        base.irtt_ns = fz(2) ? -1 : (int64_t)fz(1000);

        const int d = (int)fz(2);
        sf_pkt p;
        memset(&p, 0, sizeof p);
        p.flags = flags[fz(sizeof flags / sizeof flags[0])];
        p.seq = fz_near(d ? a0 : s0);
        p.ack = fz(16) ? fz_near(d ? s0 : a0) : 0;
        p.win = (uint16_t)(fz(8) ? 1000 : 0);
        p.hlen = (uint16_t)(fz(8) ? 20 : 16);
        p.ts.sec = 1;
        p.ts.nsec = fz(3) ? 0 : fz(2000);
        p.ts_missing = (uint8_t)(fz(8) == 0);
        const uint32_t seglen = fz(2) ? 0 : fz(1500);
        const int have = fz(8) != 0, first = fz(8) == 0;

        /* state.c */
        fa = ge = base;
        memset(&pf, 0, sizeof pf);
        memset(&pg, 0, sizeof pg);
        if (sf_state_fast(&fa, d, &p, seglen, &pf)) {
            fast[0]++;
            sf_state_packet(&ge, d, &p, seglen, &pg);
            T_CHECK(!memcmp(&fa, &ge, sizeof fa) && !memcmp(&pf, &pg, sizeof pf));
        } else {
            T_CHECK(!memcmp(&fa, &base, sizeof fa));
        }
        /* seqnum.c */
        fa = ge = base;
        memset(&pf, 0, sizeof pf);
        memset(&pg, 0, sizeof pg);
        if (sf_seq_fast(&fa, d, &p, first, seglen, have, &pf)) {
            fast[1]++;
            sf_seq_packet(&ge, d, &p, first, seglen, have, &pg);
            T_CHECK(!memcmp(&fa, &ge, sizeof fa) && !memcmp(&pf, &pg, sizeof pf));
        } else {
            T_CHECK(!memcmp(&fa, &base, sizeof fa));
        }
        /* zeek.c */
        fa = ge = base;
        if (sf_zeek_fast(&fa, d, &p, seglen)) {
            fast[2]++;
            sf_zeek_packet(&ge, d, &p, seglen);
            T_CHECK(!memcmp(&fa, &ge, sizeof fa));
        } else {
            T_CHECK(!memcmp(&fa, &base, sizeof fa));
        }
        /* SF_CF_STEADY: with the record steady and such a packet, all three
         * apply, and the record stays steady */
        if (sf_steady(&base) && sf_steady_packet(&p, have)) {
            steady++;
            fa = base;
            T_CHECK(sf_state_fast(&fa, d, &p, seglen, &pf) && sf_seq_fast(&fa, d, &p, 0, seglen, have, &pf) &&
                    sf_zeek_fast(&fa, d, &p, seglen) && sf_steady(&fa));
        }
        if (t_failed_checks)
            break;
    }
    /* the fast paths were taken often enough to mean something */
    T_CHECK(fast[0] > 5000 && fast[1] > 5000 && fast[2] > 5000 && steady > 1000);
}

/* zeek.c: the originator flips ('^') when the first packet is not a pure
 * SYN and comes from one of Zeek's likely server ports (and the other port
 * is not one, or is a higher one): every port, against Zeek's list. */
TEST(track_zeek_likely_server_ports)
{
    static const uint16_t zeek[] = { 21, 22, 25, 53, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445, 502,
                                     563, 585, 587, 614, 631, 636, 989, 990, 992, 993, 995, 1080, 2811, 3128,
                                     3268, 3306, 3389, 5222, 5223, 5269, 5900, 6666, 6667, 6668, 6669, 8000,
                                     8080, 8888, 20000 };
    static sf_rec r;
    int flips = 0;
    for (uint32_t port = 0; port < 65536; port++) {
        int want = 0;
        for (size_t i = 0; i < sizeof zeek / sizeof zeek[0]; i++)
            want |= zeek[i] == port;
        sf_pkt p;
        memset(&p, 0, sizeof p);
        p.flags = A;
        p.sport = (uint16_t)port;
        p.dport = 40000;             /* not a likely server port */
        memset(&r, 0, sizeof r);
        sf_zeek_init(&r, 0, &p);
        T_EQ_INT(r.z.orig_dir, want);
        T_EQ_INT(r.z.hlen, want);
        /* both likely: flips when the sender's is the lower one */
        p.dport = 443;
        memset(&r, 0, sizeof r);
        sf_zeek_init(&r, 1, &p);
        T_EQ_INT(r.z.orig_dir, want && port < 443 ? 0 : 1);
        flips += want;
    }
    T_EQ_INT(flips, (int)(sizeof zeek / sizeof zeek[0]));
}

/* engine.c: once a connection's app recognition is over, its payload
 * segments are answered from the record (sf_app_segment_over) instead of
 * sf_app_segment: the json view's records (every packet's app part, every
 * connection's app summary) are the same with and without. Recognition
 * ends in a direction at its first payload cut short by the snaplen, as in
 * the bench capture; TLS and HTTP, several connections interleaved. */
static void app_feed(sf_engine *e, int cli, int c2s, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                     uint32_t caplen, const uint8_t *data, uint64_t frame)
{
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = frame;
    p.ts.sec = 2000 + (int64_t)(frame / 100);
    p.ts.nsec = (uint32_t)(frame % 100) * 1000000u;
    p.ts.prec = 6;
    p.status = SF_DEC_TCP;
    p.ipver = 4;
    const uint8_t ca[4] = { 10, 0, 0, (uint8_t)cli }, sa[4] = { 10, 1, 0, 1 };
    memcpy(p.src, c2s ? ca : sa, 4);
    memcpy(p.dst, c2s ? sa : ca, 4);
    const uint16_t cp = (uint16_t)(40000 + cli), svp = cli & 1 ? 443 : 80;
    p.sport = c2s ? cp : svp;
    p.dport = c2s ? svp : cp;
    p.seq = seq;
    p.ack = ack;
    p.flags = flags;
    p.win = 1000;
    p.hlen = 20;
    p.seg_len = 20 + len;
    p.len = len;
    p.payload = len ? data : NULL;
    p.payload_caplen = len ? caplen : 0;
    p.l4_caplen = 20 + p.payload_caplen;
    p.caplen = 14 + 20 + 20 + p.payload_caplen;
    p.wirelen = 14 + 20 + p.seg_len;
    sf_engine_packet(e, &p);
}

static char *app_run(int app_fast, uint64_t *fast_n)
{
    static const uint8_t tls_c[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x11 };
    static const uint8_t tls_s[] = { 0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03, 0x22 };
    static const uint8_t http_c[] = "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n";
    static const uint8_t http_s[] = "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\nhello";
    t_jrun r;
    if (t_jrun_open(&r, NULL))
        return NULL;
    sf_engine *e = r.e;
    sf_engine_set_app_fast(e, app_fast);
    uint64_t fr = 1;
    enum { N = 4 };
    uint32_t cs[N], ss[N];
    for (int c = 0; c < N; c++) {
        cs[c] = 1000u * (uint32_t)c + 7, ss[c] = 900000u + 1000u * (uint32_t)c;
        app_feed(e, c, 1, SF_TH_SYN, cs[c]++, 0, 0, 0, NULL, fr++);
        app_feed(e, c, 0, SF_TH_SYN | SF_TH_ACK, ss[c]++, cs[c], 0, 0, NULL, fr++);
        app_feed(e, c, 1, SF_TH_ACK, cs[c], ss[c], 0, 0, NULL, fr++);
    }
    for (int k = 0; k < 12; k++)
        for (int c = 0; c < N; c++) {
            const int tls = c & 1, c2s = (k + c) % 3 != 0;
            const uint8_t *d = c2s ? (tls ? tls_c : http_c) : (tls ? tls_s : http_s);
            /* the first segments cut short after some bytes (some whole) */
            const uint32_t len = 200 + 10u * (uint32_t)k, cap = k % 4 == 3 ? 12 : 10;
            uint32_t *sq = c2s ? &cs[c] : &ss[c];
            app_feed(e, c, c2s, SF_TH_ACK | SF_TH_PSH, *sq, c2s ? ss[c] : cs[c], len, cap, d, fr++);
            *sq += len;
        }
    for (int c = 0; c < N; c++) {
        app_feed(e, c, 1, SF_TH_FIN | SF_TH_ACK, cs[c]++, ss[c], 0, 0, NULL, fr++);
        app_feed(e, c, 0, SF_TH_FIN | SF_TH_ACK, ss[c]++, cs[c], 0, 0, NULL, fr++);
        app_feed(e, c, 1, SF_TH_ACK, cs[c], ss[c], 0, 0, NULL, fr++);
    }
    *fast_n += e->app_fast_n;    /* (the packets' count: finishing adds none) */
    return t_jrun_close(&r);
}

TEST(track_app_over_same_output)
{
    uint64_t fast = 0, off = 0;
    char *a = app_run(1, &fast), *b = app_run(0, &off);
    T_CHECK(a && b && strlen(a) > 10000);
    if (a && b)
        T_CHECK(!strcmp(a, b));
    T_EQ_INT(off, 0);
    T_CHECK(fast > 20);               /* the fast path was taken */
    T_CHECK(a && strstr(a, "\"tls\"") && strstr(a, "\"http\""));
    free(a);
    free(b);
}

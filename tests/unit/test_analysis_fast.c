/* \summary: unit test: the analysis fast path (sf_an_packet) against the general path on generated connections */
#include <stdlib.h>
#include "t.h"
#include "../../src/track/analysis_int.h"
#include "../../src/track/conn_int.h"      /* sf_seq_seglen: pi->len as the engine fills it */

/*
 * sf_an_packet takes a fast path for the usual packets of an established
 * connection and another for a side's first SYN (syn_first), and hands
 * every other packet to sf_an_packet_general; for every packet the two must
 * give the same per-packet result and leave the same state. Here generated connections (handshakes with and without
 * window scaling, in-order data and ACKs, losses, retransmissions,
 * keep-alives, zero windows, FINs, RSTs, SACK blocks, options of every
 * kind, headers cut short, untimed packets, ...) run through both, packet
 * by packet, from the same state; the first difference fails the test.
 */

static uint64_t rs;
static uint32_t rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (uint32_t)(rs >> 16);
}
static int pct(unsigned p) { return rnd() % 1000u < p * 10u; }
static int permille(unsigned p) { return rnd() % 1000u < p; }

typedef struct gside {
    uint32_t nxt;       /* next new sequence number to send */
    uint32_t rcv;       /* the peer's data received in order (what a full ACK says) */
    uint16_t win;
    int ws;             /* window-scale option to put on the SYN, -1 none */
    uint32_t last_ack;  /* ack and window fields of the last packet sent */
    uint16_t last_win;
    int sent;           /* has sent a packet */
} gside;

typedef struct gen {
    gside s[2];
    uint64_t frame;
    int64_t t_us;
    uint8_t opt[40];
    uint8_t wire[64];   /* link + IP header bytes for l2/l4 (contents unused) */
    int mptcp;          /* this connection may carry MPTCP options */
    int clean;          /* mostly in-order data and ACKs */
    int synfirst;       /* (midstream) a side's first packet is a SYN, with any ack field */
} gen;

/* options: none, NOP NOP TIMESTAMP, or something the analysis must read */
static uint32_t gen_opts(gen *g, uint16_t flags, int ws)
{
    uint32_t n = 0;
    if (flags & SF_TH_SYN) {
        if (ws >= 0 && pct(80)) {     /* Linux's layout: MSS SACK_PERM TS NOP WS */
            static const uint8_t lin[] = { 2, 4, 5, 180, 4, 2, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 3, 3, 0 };
            memcpy(g->opt, lin, sizeof lin);
            g->opt[19] = (uint8_t)ws;
            return sizeof lin;
        }
        g->opt[n++] = 2; g->opt[n++] = 4; g->opt[n++] = 5; g->opt[n++] = 180;
        if (ws >= 0) {
            g->opt[n++] = 1; g->opt[n++] = 3; g->opt[n++] = 3; g->opt[n++] = (uint8_t)ws;
        }
        return n;
    }
    unsigned r = rnd() % 100u;
    if (r < 20)
        return 0;
    if (r < 90) {                       /* NOP NOP TIMESTAMP */
        static const uint8_t nnt[] = { 1, 1, 8, 10, 0, 0, 1, 2, 0, 0, 3, 4 };
        memcpy(g->opt, nnt, sizeof nnt);
        return sizeof nnt;
    }
    if (r < 94) {                       /* 12 bytes, but not NOP NOP TS */
        static const uint8_t ts2[] = { 8, 10, 0, 0, 1, 2, 0, 0, 3, 4, 1, 1 };
        memcpy(g->opt, ts2, sizeof ts2);
        return sizeof ts2;
    }
    if (r < 97 || !g->mptcp) {          /* a window scale on a non-SYN */
        static const uint8_t wso[] = { 1, 3, 3, 5 };
        memcpy(g->opt, wso, sizeof wso);
        return sizeof wso;
    }
    /* MPTCP: DSS (allocates the MPTCP analysis) or MP_CAPABLE without key */
    static const uint8_t dss[] = { 30, 8, 0x20, 0, 0, 0, 0, 1 };
    static const uint8_t mpc[] = { 30, 4, 0x00, 0x81 };
    if (rnd() & 1) {
        memcpy(g->opt, dss, sizeof dss);
        return sizeof dss;
    }
    memcpy(g->opt, mpc, sizeof mpc);
    return sizeof mpc;
}

/* The next packet of the connection into *p and the direction into *dir. */
static void gen_packet(gen *g, sf_pkt *p, int *dir, int *preset)
{
    memset(p, 0, sizeof *p);
    const int d = (int)(rnd() & 1);
    gside *s = &g->s[d], *o = &g->s[!d];
    uint16_t flags = SF_TH_ACK;
    uint32_t len = 0, seq = s->nxt, ack = s->rcv;

    unsigned k = rnd() % 1000u;
    if (g->clean && k >= 820 && pct(85))
        k = rnd() % 820u;                       /* fewer of the unusual ones */
    if (k < 550) {                              /* in-order data */
        len = 1 + rnd() % 1460u;
        if (pct(30))
            flags |= SF_TH_PSH;
    } else if (k < 820) {                       /* pure ACK */
    } else if (k < 860) {                       /* retransmission of something earlier */
        uint32_t back = 1 + rnd() % 3000u;
        seq = s->nxt - back;
        len = 1 + rnd() % (back < 1460 ? back : 1460);
    } else if (k < 880) {                       /* a gap: the capture lost a segment */
        s->nxt += 1 + rnd() % 3000u;
        seq = s->nxt;
        len = 1 + rnd() % 1460u;
    } else if (k < 895) {                       /* keep-alive */
        seq = s->nxt - 1;
        len = rnd() & 1;
    } else if (k < 910) {                       /* FIN, maybe with data */
        flags |= SF_TH_FIN;
        len = pct(50) ? rnd() % 500u : 0;
    } else if (k < 915) {                       /* RST */
        flags = (uint16_t)(SF_TH_RST | (pct(50) ? SF_TH_ACK : 0));
    } else if (k < 922) {                       /* a SYN or SYN-ACK again */
        flags = (uint16_t)(SF_TH_SYN | (pct(50) ? SF_TH_ACK : 0));
        seq = s->nxt - 1 - (pct(50) ? 0 : rnd());
    } else if (k < 930) {                       /* up to the right edge of the peer's window */
        const int sh = (rnd() & 1) && o->ws > 0 ? o->ws : 0;
        len = o->last_ack + ((uint32_t)o->last_win << sh) - seq;
        if (len == 0 || len > 65535)
            len = 1 + rnd() % 1460u;
        if (pct(20))
            flags |= SF_TH_FIN;
    } else if (k < 940) {                       /* a 1-byte segment (window probe?) */
        len = 1;
    } else if (k < 960) {                       /* ahead: ACKs data never seen */
        ack = s->rcv + 1 + rnd() % 5000u;
        len = pct(50) ? 1 + rnd() % 100u : 0;
    } else {                                    /* an older ACK, or a partial one */
        ack = s->rcv - rnd() % 3000u;
        len = pct(50) ? 1 + rnd() % 1460u : 0;
    }
    if (g->synfirst && !s->sent) {
        flags = (uint16_t)(SF_TH_SYN | (pct(50) ? SF_TH_ACK : 0));
        seq = s->nxt - 1;
        ack = pct(50) ? rnd() : o->nxt + rnd() % 3000u;
        len = pct(90) ? 0 : 1 + rnd() % 100u;
    }
    s->sent = 1;
    if (pct(3))
        flags &= (uint16_t)~SF_TH_ACK;
    if (k >= 820 && k < 860 && pct(50))
        ack = s->rcv - rnd() % 100u;            /* retransmission with an older ACK */
    if (pct(4))                                 /* a window update, rarely to zero */
        s->win = (uint16_t)(pct(15) ? 0 : 1 + rnd() % 65535u);

    p->frame = ++g->frame;
    g->t_us += pct(10) ? 0 : pct(2) ? (int64_t)(rnd() % 5000000u) : (int64_t)(rnd() % 3000u);
    p->ts.sec = g->t_us / 1000000;
    p->ts.nsec = (uint32_t)(g->t_us % 1000000) * 1000u;
    p->ts.prec = 6;
    p->ts_missing = (uint8_t)permille(5);
    p->status = permille(3) ? SF_DEC_TRUNCATED : SF_DEC_TCP;
    p->ip_first_frag = (uint8_t)permille(3);
    p->flags = flags;
    p->seq = seq;
    p->ack = (flags & SF_TH_ACK) || pct(50) ? ack : 0;
    p->win = s->win;
    p->wscale = -1;
    uint32_t ol = gen_opts(g, flags, s->ws);
    p->opt = ol ? g->opt : NULL;
    p->opt_len = ol;
    p->hlen = (uint16_t)(20 + ol);
    if (permille(3))
        p->hlen = 16;                           /* bogus data offset */
    p->l4_caplen = permille(3) ? 14 : p->hlen;
    p->seg_len = p->hlen + len;
    p->len = len;
    if (pct(90)) {                              /* capture input: the wire length may cut */
        p->l2 = g->wire;
        p->l4 = g->wire + 34;
        p->caplen = 34 + p->l4_caplen;
        p->wirelen = 34 + p->seg_len;
        if (permille(10))
            p->wirelen -= rnd() % (p->seg_len + 10);
    }
    if (pct(4) && (flags & SF_TH_ACK)) {        /* SACK blocks about the peer's data */
        p->nsack = (uint8_t)(1 + rnd() % 4u);
        for (int i = 0; i < p->nsack; i++) {
            uint32_t l = ack + rnd() % 4000u - (pct(20) ? 2000u : 0u);
            p->sack[i][0] = l;
            p->sack[i][1] = l + 1 + rnd() % 2000u;
        }
    }
    *preset = permille(10) ? SF_AN_REUSED_PORTS : 0;
    s->last_ack = p->ack;
    s->last_win = p->win;

    /* the sender's and the receiver's idea of the stream move on */
    uint32_t end = seq + len + ((flags & (SF_TH_SYN | SF_TH_FIN)) ? 1u : 0u);
    if ((int32_t)(end - s->nxt) > 0)
        s->nxt = end;
    if (seq == o->rcv || pct(30))
        o->rcv = end;
    *dir = d;
}

static void handshake(gen *g, sf_pkt *p, int step, int *dir)
{
    memset(p, 0, sizeof *p);
    const int d = step == 1;
    gside *s = &g->s[d];
    p->frame = ++g->frame;
    g->t_us += 1 + rnd() % 30000u;
    p->ts.sec = g->t_us / 1000000;
    p->ts.nsec = (uint32_t)(g->t_us % 1000000) * 1000u;
    p->status = SF_DEC_TCP;
    p->flags = step == 0 ? SF_TH_SYN : step == 1 ? (SF_TH_SYN | SF_TH_ACK) : SF_TH_ACK;
    p->seq = step == 2 ? s->nxt : s->nxt - 1;
    p->ack = step == 0 ? 0 : s->rcv;
    p->win = s->win;
    p->wscale = -1;
    uint32_t ol = gen_opts(g, p->flags, s->ws);
    p->opt = ol ? g->opt : NULL;
    p->opt_len = ol;
    p->hlen = (uint16_t)(20 + ol);
    p->l4_caplen = p->hlen;
    p->seg_len = p->hlen;
    s->last_ack = p->ack;
    s->last_win = p->win;
    *dir = d;
}

static int same_seg(const sf_an_flow *x, const sf_an_flow *y)
{
    const sf_an_seg *ax = x->capseg ? x->seg.heap : x->seg.in;
    const sf_an_seg *ay = y->capseg ? y->seg.heap : y->seg.in;
    for (unsigned i = 0; i < x->nseg; i++)
        if (ax[i].ts != ay[i].ts || ax[i].frame != ay[i].frame || ax[i].seq != ay[i].seq ||
            ax[i].nextseq != ay[i].nextseq)
            return 0;
    return 1;
}

/* "" if the two states agree, else the name of the first field that differs */
static const char *state_diff(const sf_an_conn *x, const sf_an_conn *y)
{
    for (int d = 0; d < 2; d++) {
        const sf_an_flow *a = &x->f[d], *b = &y->f[d];
#define F_(f) if (a->f != b->f) return #f
        F_(nextseq); F_(lastack); F_(maxseqtobeacked); F_(window); F_(base_seq); F_(dupacknum);
        F_(nextseqtime); F_(lastacktime); F_(lastnondupack); F_(nseg); F_(capseg); F_(win_scale);
        F_(fl); F_(last); F_(mp_ops);
#undef F_
        if (!same_seg(a, b))
            return "segments";
    }
    if (x->mru_syn != y->mru_syn) return "mru_syn";
    if (x->first_rtt != y->first_rtt) return "first_rtt";
    if (x->last_ts != y->last_ts) return "last_ts";
    if (x->cfl != y->cfl) return "cfl";
    if (x->mp_ops != y->mp_ops) return "mp_ops";
    if (!x->ext != !y->ext) return "ext";
    if (x->ext && memcmp(x->ext, y->ext, sizeof *x->ext)) return "ext contents";
    if (memcmp(&x->sum, &y->sum, sizeof x->sum)) return "sum";
    return "";
}

static const char *pinfo_diff(const sf_pinfo *x, const sf_pinfo *y)
{
#define P_(f) if (x->f != y->f) return #f
    P_(analysis); P_(dup_ack_num); P_(dup_ack_frame); P_(acks_frame); P_(ack_rtt_ns); P_(calc_window);
    P_(win_scale);
#undef P_
    if (memcmp(x->rel_sack, y->rel_sack, sizeof x->rel_sack)) return "rel_sack";
    if (memcmp(x, y, sizeof *x)) return "other bytes";
    return "";
}

/* Runs `conns` generated connections through both paths; returns the
 * number of packets compared, or 0 after the first difference. */
static uint64_t run(unsigned conns, unsigned pkts_per_conn, uint64_t seed)
{
    uint64_t n = 0;
    rs = seed;
    static sf_an_conn A, B;
    for (unsigned c = 0; c < conns; c++) {
        gen g;
        memset(&g, 0, sizeof g);
        for (int d = 0; d < 2; d++) {
            g.s[d].nxt = rnd() + 1;
            g.s[d].win = (uint16_t)(1000 + rnd() % 60000u);
            g.s[d].ws = pct(70) ? (int)(rnd() % 15u) : -1;
        }
        g.s[0].rcv = g.s[1].nxt;
        g.s[1].rcv = g.s[0].nxt;
        g.t_us = (int64_t)1600000000 * 1000000 + rnd();
        g.mptcp = pct(10);
        g.clean = pct(50);
        const uint32_t isn[2] = { g.s[0].nxt - 1, g.s[1].nxt - 1 };
        sf_an_init(&A);
        sf_an_init(&B);
        const int hs = pct(80) ? 3 : 0;         /* some connections start midstream */
        g.synfirst = !hs && pct(50);
        for (unsigned i = 0; i < pkts_per_conn; i++) {
            sf_pkt p;
            int dir, preset = 0;
            if ((int)i < hs)
                handshake(&g, &p, (int)i, &dir);
            else
                gen_packet(&g, &p, &dir, &preset);
            sf_pinfo pa, pb;
            memset(&pa, 0xA5, sizeof pa);       /* a field one path forgets shows */
            pa.dir = (uint8_t)dir;
            pa.analysis = (uint32_t)preset;
            /* what the caller resets (sf_an_packet's contract) */
            pa.dup_ack_num = 0;
            pa.dup_ack_frame = pa.acks_frame = 0;
            pa.ack_rtt_ns = -1;
            memset(pa.rel_sack, 0, sizeof pa.rel_sack);
            int have;
            pa.len = sf_seq_seglen(&p, &have);
            pa.rel_valid = (uint8_t)have;
            pb = pa;
            sf_an_packet(&A, &p, &pa, isn);
            sf_an_packet_general(&B, &p, &pb, isn);
            const char *ds = state_diff(&A, &B), *dp = pinfo_diff(&pa, &pb);
            if (*ds || *dp) {
                fprintf(stderr, "analysis fast/general differ: conn %u packet %u (flags 0x%x seq %u ack %u "
                        "len %u win %u): state %s, pinfo %s\n", c, i, p.flags, p.seq, p.ack, p.len, p.win,
                        *ds ? ds : "-", *dp ? dp : "-");
                sf_an_free(&A);
                sf_an_free(&B);
                return 0;
            }
            n++;
        }
        sf_an_free(&A);
        sf_an_free(&B);
    }
    return n;
}

TEST(analysis_fast_path_equals_general)
{
    uint64_t n = run(600, 400, 0x9E3779B97F4A7C15ull);
    T_EQ_INT(n, 600 * 400);
    /* the SACK extras keep their own state: with them on too */
    sf_an_set_options(SF_AN_OPT_SACK);
    n = run(300, 400, 0x2545F4914F6CDD1Dull);
    sf_an_set_options(0);
    T_EQ_INT(n, 300 * 400);
}

/* Heap lists given back are kept for reuse (analysis_seg.c): lists taken
 * while others live never share memory, and what each holds stays its own. */
TEST(analysis_seg_heap_reuse_no_alias)
{
    enum { NF = 80, NS = 12 };      /* more flows than the cache holds */
    static sf_an_flow f[NF];
    memset(f, 0, sizeof f);
    int bad = 0;
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NF; i++)
            for (uint32_t k = 0; k < NS; k++)
                T_CHECK(sf_an_seg_push(&f[i], (uint64_t)(1000 * i) + k, 100u * k, 100u * k + 100u, (int64_t)k));
        for (int i = 0; i < NF; i++) {
            T_CHECK(f[i].capseg != 0);
            const sf_an_seg *a = sf_an_seg_arr(&f[i]);
            for (int j = 0; j < i; j++)
                bad += a == sf_an_seg_arr(&f[j]);
            for (uint32_t k = 0; k < NS; k++)
                bad += a[k].frame != (uint64_t)(1000 * i) + k || a[k].seq != 100u * k;
        }
        /* half acknowledged whole (given back), half freed with the connection */
        for (int i = 0; i < NF; i++) {
            sf_pinfo pi;
            memset(&pi, 0, sizeof pi);
            if (i & 1) {
                sf_an_seg_ack(&f[i], 100u * NS, 0, &pi);
                T_EQ_INT(pi.acks_frame, (uint64_t)(1000 * i) + NS - 1);
            } else {
                sf_an_conn c;
                memset(&c, 0, sizeof c);
                c.f[0] = f[i];
                sf_an_free(&c);
                memset(&f[i], 0, sizeof f[i]);
            }
            T_EQ_INT(f[i].nseg, 0);
        }
    }
    T_EQ_INT(bad, 0);
}

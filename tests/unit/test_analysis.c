/* \summary: unit tests of the expert analysis: constructed packet sequences for each flag */
#include <stdlib.h>
#include "t.h"
#include "../../src/track/analysis_int.h"

/*
 * Every sequence here was also written to a pcap and run through tshark 4.0.17
 * (`tshark -2`): the expected flags, acked frames, RTTs, duplicate-ACK numbers
 * and calculated windows are tshark's (see docs/analysis.md).
 */

typedef struct seqctx {
    sf_an_conn a;
    uint32_t isn[2];
    uint64_t frame;
    uint8_t opt[40];
} seqctx;

static void ctx_init(seqctx *x, uint32_t cisn, uint32_t sisn)
{
    memset(x, 0, sizeof *x);
    sf_an_init(&x->a);
    x->isn[0] = cisn;
    x->isn[1] = sisn;
}

/* One packet: dir 0 = client->server; t in microseconds; the TCP options
 * opt[0, ol) (copied into x->opt; opt may be NULL when ol is 0) and the
 * window scale the decoder would have parsed from them (-1 none); returns
 * the per-packet result. */
static sf_pinfo pkt_full(seqctx *x, int dir, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                         uint16_t win, int64_t t_us, const uint8_t *opt, uint32_t ol, int wscale)
{
    sf_pkt p;
    sf_pinfo pi;
    memset(&p, 0, sizeof p);
    memset(&pi, 0, sizeof pi);
    pi.ack_rtt_ns = -1;                 /* as the engine resets it (sf_an_packet) */
    p.frame = ++x->frame;
    p.ts.sec = t_us / 1000000;
    p.ts.nsec = (uint32_t)(t_us % 1000000) * 1000u;
    p.ts.prec = 6;
    p.status = SF_DEC_TCP;
    p.flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.win = win;
    p.wscale = (int8_t)wscale;
    if (ol) memcpy(x->opt, opt, ol);
    p.opt = ol ? x->opt : NULL;
    p.opt_len = ol;
    p.hlen = (uint16_t)(20 + ol);
    p.l4_caplen = p.hlen;
    p.seg_len = p.hlen + len;
    p.len = len;
    pi.dir = (uint8_t)dir;
    sf_an_packet(&x->a, &p, &pi, x->isn);
    return pi;
}

/* One packet with a window-scale option of shift ws (-1: no options). */
static sf_pinfo pkt_ws(seqctx *x, int dir, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                       uint16_t win, int64_t t_us, int ws)
{
    const uint8_t o[4] = { 1, 3, 3, (uint8_t)ws };
    return ws >= 0 ? pkt_full(x, dir, flags, seq, ack, len, win, t_us, o, 4, ws > 14 ? 14 : ws)
                   : pkt_full(x, dir, flags, seq, ack, len, win, t_us, NULL, 0, -1);
}

static sf_pinfo pkt(seqctx *x, int dir, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                    uint16_t win, int64_t t_us)
{
    return pkt_ws(x, dir, flags, seq, ack, len, win, t_us, -1);
}

#define S SF_TH_SYN
#define A SF_TH_ACK
#define PA (SF_TH_PSH | SF_TH_ACK)
#define FA (SF_TH_FIN | SF_TH_ACK)
#define MS 1000LL

/* handshake with window scaling, acked frames and RTTs, a spurious retransmission */
TEST(analysis_acks_rtt_scaling_spurious)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    sf_pinfo p;
    p = pkt_ws(&x, 0, S, 1000, 0, 0, 64240, 1000 * MS, 7);
    T_EQ_INT(p.analysis, 0);
    T_EQ_INT(p.acks_frame, 0);
    T_EQ_INT(p.ack_rtt_ns, -1);
    T_EQ_INT(p.calc_window, 64240);           /* a SYN is never scaled */
    p = pkt_ws(&x, 1, S | A, 5000, 1001, 0, 65160, 1010 * MS, 7);
    T_EQ_INT(p.acks_frame, 1);
    T_EQ_INT(p.ack_rtt_ns, 10000000);
    T_EQ_INT(p.calc_window, 65160);
    p = pkt(&x, 0, A, 1001, 5001, 0, 502, 1020 * MS);
    T_EQ_INT(p.acks_frame, 2);
    T_EQ_INT(p.ack_rtt_ns, 10000000);
    T_EQ_INT(p.calc_window, 64256);           /* 502 << 7 */
    T_EQ_INT(p.win_scale, 7);
    pkt(&x, 0, PA, 1001, 5001, 100, 502, 1030 * MS);
    pkt(&x, 0, PA, 1101, 5001, 100, 502, 1031 * MS);
    p = pkt(&x, 1, A, 5001, 1201, 0, 509, 1040 * MS);
    T_EQ_INT(p.acks_frame, 5);                /* the segment ending at 1201 */
    T_EQ_INT(p.ack_rtt_ns, 9000000);
    T_EQ_INT(p.calc_window, 65152);
    T_CHECK(x.a.f[0].capseg == 0);             /* all acknowledged: heap list memory returned */
    p = pkt(&x, 0, PA, 1001, 5001, 100, 502, 2040 * MS);
    T_EQ_INT(p.analysis, SF_AN_SPURIOUS_RETRANSMISSION | SF_AN_RETRANSMISSION);
    T_EQ_INT(x.a.sum.retrans_bytes[0], 100);
    T_EQ_INT(x.a.sum.an_count[2], 1);             /* spurious_retransmission */
    T_EQ_INT(x.a.sum.an_count[0], 1);             /* retransmission */
    T_EQ_INT(x.a.sum.rtt_n, 3);
    T_EQ_INT(x.a.sum.rtt_min_ns, 9000000);
    T_EQ_INT(x.a.sum.rtt_max_ns, 10000000);
    T_EQ_INT(x.a.sum.rtt_sum_ns, 29000000);
    T_EQ_INT(x.a.sum.longest_stall_ns, 1000000000);   /* 1.040 -> 2.040 */
    sf_an_free(&x.a);
}

/* a hole, duplicate ACKs, a fast retransmission, out-of-order, ACKed unseen segment */
TEST(analysis_loss_dupack_fast_ooo)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    sf_pinfo p;
    pkt(&x, 0, S, 1000, 0, 0, 64240, 1000 * MS);
    pkt(&x, 1, S | A, 5000, 1001, 0, 65160, 1010 * MS);
    p = pkt(&x, 0, A, 1001, 5001, 0, 502, 1020 * MS);
    T_EQ_INT(p.win_scale, -2);                /* no window scale option: not used */
    T_EQ_INT(p.calc_window, 502);
    pkt(&x, 0, PA, 1001, 5001, 100, 502, 1100 * MS);
    p = pkt(&x, 0, PA, 1201, 5001, 100, 502, 1101 * MS);
    T_EQ_INT(p.analysis, SF_AN_LOST_SEGMENT);
    p = pkt(&x, 1, A, 5001, 1101, 0, 509, 1110 * MS);
    T_EQ_INT(p.analysis, 0);
    T_EQ_INT(p.acks_frame, 4);
    p = pkt(&x, 1, A, 5001, 1101, 0, 509, 1111 * MS);
    T_EQ_INT(p.analysis, SF_AN_DUPLICATE_ACK);
    T_EQ_INT(p.dup_ack_num, 1);
    T_EQ_INT(p.dup_ack_frame, 6);
    p = pkt(&x, 1, A, 5001, 1101, 0, 509, 1112 * MS);
    T_EQ_INT(p.dup_ack_num, 2);
    T_EQ_INT(p.dup_ack_frame, 6);
    p = pkt(&x, 0, PA, 1101, 5001, 100, 502, 1115 * MS);
    T_EQ_INT(p.analysis, SF_AN_FAST_RETRANSMISSION | SF_AN_RETRANSMISSION);
    p = pkt(&x, 1, A, 5001, 1301, 0, 509, 1120 * MS);
    T_EQ_INT(p.acks_frame, 5);
    T_EQ_INT(p.ack_rtt_ns, 19000000);
    p = pkt(&x, 0, PA, 1401, 5001, 100, 502, 1200 * MS);
    T_EQ_INT(p.analysis, SF_AN_LOST_SEGMENT);
    p = pkt(&x, 0, PA, 1301, 5001, 100, 502, 1201 * MS);   /* 1 ms later, < iRTT 20 ms */
    T_EQ_INT(p.analysis, SF_AN_OUT_OF_ORDER);
    p = pkt(&x, 1, A, 5001, 1801, 0, 509, 1210 * MS);
    T_EQ_INT(p.analysis, SF_AN_ACK_LOST_SEGMENT);
    T_EQ_INT(x.a.sum.an_count[6], 2);             /* duplicate_ack */
    T_EQ_INT(x.a.sum.an_count[4], 2);             /* lost_segment */
    sf_an_free(&x.a);
}

/* zero window, probe, probe ACK, window update, keep-alive and its ACK, window full */
TEST(analysis_zero_window_keepalive_full)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    sf_pinfo p;
    pkt(&x, 0, S, 1000, 0, 0, 64240, 1000 * MS);
    pkt(&x, 1, S | A, 5000, 1001, 0, 65160, 1010 * MS);
    pkt(&x, 0, A, 1001, 5001, 0, 502, 1020 * MS);
    pkt(&x, 0, PA, 1001, 5001, 100, 502, 1030 * MS);
    p = pkt(&x, 1, A, 5001, 1101, 0, 0, 1040 * MS);
    T_EQ_INT(p.analysis, SF_AN_ZERO_WINDOW);
    p = pkt(&x, 0, PA, 1101, 5001, 1, 502, 1540 * MS);
    T_EQ_INT(p.analysis, SF_AN_ZERO_WINDOW_PROBE);
    p = pkt(&x, 1, A, 5001, 1101, 0, 0, 1550 * MS);
    T_EQ_INT(p.analysis, SF_AN_ZERO_WINDOW | SF_AN_ZERO_WINDOW_PROBE_ACK);
    T_EQ_INT(p.acks_frame, 0);
    p = pkt(&x, 1, A, 5001, 1101, 0, 1000, 1600 * MS);
    T_EQ_INT(p.analysis, SF_AN_WINDOW_UPDATE);
    p = pkt(&x, 0, A, 1100, 5001, 0, 502, 11600 * MS);
    T_EQ_INT(p.analysis, SF_AN_KEEP_ALIVE);
    p = pkt(&x, 1, A, 5001, 1101, 0, 1000, 11610 * MS);
    T_EQ_INT(p.analysis, SF_AN_KEEP_ALIVE_ACK);
    p = pkt(&x, 0, PA, 1101, 5001, 1000, 502, 11620 * MS);
    T_EQ_INT(p.analysis, SF_AN_WINDOW_FULL);
    T_EQ_INT(x.a.sum.longest_stall_ns, 10000000000LL);
    sf_an_free(&x.a);
}

/* window scale: only the SYN offers it (not used); no SYN seen (unknown); SACK relative */
TEST(analysis_window_scale_rules_and_sack)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    sf_pinfo p;
    pkt_ws(&x, 0, S, 1000, 0, 0, 64240, 1000 * MS, 7);
    pkt(&x, 1, S | A, 5000, 1001, 0, 65160, 1010 * MS);
    p = pkt(&x, 0, A, 1001, 5001, 0, 502, 1020 * MS);
    T_EQ_INT(p.win_scale, -2);
    T_EQ_INT(p.calc_window, 502);
    p = pkt(&x, 1, A, 5001, 1001, 0, 509, 1030 * MS);
    T_EQ_INT(p.analysis, SF_AN_WINDOW_UPDATE);   /* 509 after the SYN-ACK's 65160 */
    sf_an_free(&x.a);

    ctx_init(&x, 1000, 5000);                    /* midstream: scale unknown */
    p = pkt(&x, 0, A, 1001, 5001, 0, 502, 1000 * MS);
    T_EQ_INT(p.win_scale, -1);
    T_EQ_INT(p.calc_window, 502);
    sf_pkt q;
    memset(&q, 0, sizeof q);
    q.frame = 2; q.ts.sec = 1; q.ts.nsec = 10000000; q.status = SF_DEC_TCP;
    q.flags = PA; q.seq = 5001; q.ack = 1001; q.win = 509; q.hlen = 20; q.l4_caplen = 20;
    q.seg_len = 30; q.len = 10; q.wscale = -1;
    q.nsack = 1; q.sack[0][0] = 1101; q.sack[0][1] = 1201;
    sf_pinfo pi;
    memset(&pi, 0, sizeof pi);
    pi.ack_rtt_ns = -1;                 /* as the engine resets it (sf_an_packet) */
    pi.dir = 1;
    sf_an_packet(&x.a, &q, &pi, x.isn);
    T_EQ_INT(pi.rel_sack[0][0], 101);
    T_EQ_INT(pi.rel_sack[0][1], 201);
    sf_an_free(&x.a);
}

/* a re-sent SYN with the same ISN moves nextseq back to the highest contiguous seq */
TEST(analysis_resent_syn_restores_nextseq)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    sf_pinfo p;
    pkt(&x, 0, S, 1000, 0, 0, 64240, 1000 * MS);
    p = pkt(&x, 1, S | A, 5000, 1001, 0, 65160, 3000 * MS);
    T_EQ_INT(p.acks_frame, 1);
    pkt(&x, 0, A, 1001, 5001, 0, 502, 3010 * MS);
    pkt(&x, 0, PA, 1001, 5001, 100, 502, 3020 * MS);
    p = pkt(&x, 0, PA, 1201, 5001, 100, 502, 3030 * MS);
    T_EQ_INT(p.analysis, SF_AN_LOST_SEGMENT);
    p = pkt(&x, 0, S, 1000, 0, 0, 64240, 3040 * MS);
    T_EQ_INT(p.analysis, SF_AN_OUT_OF_ORDER);    /* within the iRTT (2.01 s) */
    p = pkt(&x, 0, PA, 1301, 5001, 100, 502, 3050 * MS);
    T_EQ_INT(p.analysis, SF_AN_LOST_SEGMENT);    /* nextseq fell back to 1101 */
    sf_an_free(&x.a);
}

/* a SYN retransmission; a FIN retransmission; the engine's reused_ports is kept and counted */
TEST(analysis_syn_fin_retransmission_reused)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    sf_pinfo p;
    p = pkt(&x, 0, S, 1000, 0, 0, 64240, 1000 * MS);
    T_EQ_INT(p.analysis, 0);
    p = pkt(&x, 0, S, 1000, 0, 0, 64240, 2000 * MS);
    T_EQ_INT(p.analysis, SF_AN_RETRANSMISSION);
    pkt(&x, 1, S | A, 5000, 1001, 0, 65160, 2100 * MS);
    pkt(&x, 0, A, 1001, 5001, 0, 502, 2200 * MS);
    p = pkt(&x, 0, FA, 1001, 5001, 0, 502, 2300 * MS);
    T_EQ_INT(p.analysis, 0);
    p = pkt(&x, 0, FA, 1001, 5001, 0, 502, 2301 * MS);
    T_EQ_INT(p.analysis, SF_AN_RETRANSMISSION);  /* ends exactly at nextseq: not out-of-order */
    T_EQ_INT(x.a.sum.retrans_bytes[0], 0);
    sf_an_free(&x.a);

    ctx_init(&x, 1000, 5000);
    sf_pkt q;
    memset(&q, 0, sizeof q);
    q.frame = 1; q.status = SF_DEC_TCP; q.flags = S; q.seq = 1000; q.win = 100;
    q.hlen = 20; q.l4_caplen = 20; q.seg_len = 20; q.wscale = -1;
    sf_pinfo pi;
    memset(&pi, 0, sizeof pi);
    pi.ack_rtt_ns = -1;                 /* as the engine resets it (sf_an_packet) */
    pi.analysis = SF_AN_REUSED_PORTS;           /* decided by the engine */
    sf_an_packet(&x.a, &q, &pi, x.isn);
    T_EQ_INT(pi.analysis, SF_AN_REUSED_PORTS);
    T_EQ_INT(x.a.sum.an_count[14], 1);
    sf_an_free(&x.a);
}

/* the unacked list holds at most SF_AN_MAX_UNACKED segments, as Wireshark: a FIN
 * beyond that does not count one, so the next segment looks like a hole */
TEST(analysis_unacked_cap)
{
    seqctx *x = calloc(1, sizeof *x);
    T_CHECK(x != NULL);
    if (!x)
        return;
    ctx_init(x, 1000, 5000);
    pkt(x, 0, S, 1000, 0, 0, 64240, 1000 * MS);
    pkt(x, 1, S | A, 5000, 1001, 0, 65160, 1001 * MS);
    uint32_t seq = 1001;
    int64_t t = 1002 * MS;
    for (int i = 0; i < 10005; i++, seq += 10, t += 10)
        pkt(x, 0, PA, seq, 5001, 10, 502, t);
    T_EQ_INT(x->a.f[0].nseg, SF_AN_MAX_UNACKED);
    sf_pinfo p = pkt(x, 0, FA, seq, 5001, 0, 502, t);
    T_EQ_INT(p.analysis, 0);
    p = pkt(x, 0, A, seq + 1, 5001, 0, 502, t + 10);
    T_EQ_INT(p.analysis, SF_AN_LOST_SEGMENT);
    p = pkt(x, 1, A, 5001, seq + 1, 0, 509, t + 20);
    T_EQ_INT(p.analysis, SF_AN_ACK_LOST_SEGMENT);
    T_EQ_INT(p.acks_frame, 0);
    T_EQ_INT(x->a.f[0].nseg, 0);
    T_CHECK(x->a.f[0].capseg == 0);
    sf_an_free(&x->a);
    free(x);
}

/* the unacked list across its storage changes: 2 segments inline, then the
 * heap (8, 16, 32), back inline once all is acknowledged; acked frames,
 * RTTs and totals by construction */
TEST(analysis_unacked_inline_heap)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    sf_pinfo p;
    p = pkt(&x, 0, S, 1000, 0, 0, 64240, 1000 * MS);
    p = pkt(&x, 1, S | A, 5000, 1001, 0, 65160, 1010 * MS);
    T_EQ_INT(p.acks_frame, 1);
    p = pkt(&x, 0, A, 1001, 5001, 0, 502, 1020 * MS);
    T_EQ_INT(p.acks_frame, 2);
    for (int i = 0; i < 20; i++) {                 /* frames 4..23 */
        p = pkt(&x, 0, PA, 1001 + 10 * (uint32_t)i, 5001, 10, 502, (1030 + i) * MS);
        T_EQ_INT(p.analysis, 0);
        if (i == 1)
            T_EQ_INT(x.a.f[0].capseg, 0);          /* still inline */
        if (i == 2)
            T_EQ_INT(x.a.f[0].capseg, 8);          /* moved to the heap */
    }
    T_EQ_INT(x.a.f[0].nseg, 20);
    T_EQ_INT(x.a.f[0].capseg, 32);
    p = pkt(&x, 1, A, 5001, 1031, 0, 509, 1100 * MS);  /* ends segment 2 (frame 6) */
    T_EQ_INT(p.analysis, 0);
    T_EQ_INT(p.acks_frame, 6);
    T_EQ_INT(p.ack_rtt_ns, 68000000);
    T_EQ_INT(x.a.f[0].nseg, 17);
    p = pkt(&x, 1, A, 5001, 1036, 0, 509, 1150 * MS);  /* half of segment 3 */
    T_EQ_INT(p.acks_frame, 0);
    T_EQ_INT(p.ack_rtt_ns, -1);
    T_EQ_INT(x.a.f[0].nseg, 17);
    p = pkt(&x, 1, A, 5001, 1201, 0, 509, 1200 * MS);  /* everything: segment 19 (frame 23) */
    T_EQ_INT(p.acks_frame, 23);
    T_EQ_INT(p.ack_rtt_ns, 151000000);
    T_EQ_INT(x.a.f[0].nseg, 0);
    T_EQ_INT(x.a.f[0].capseg, 0);                  /* heap given back */
    p = pkt(&x, 0, PA, 1201, 5001, 10, 502, 1210 * MS);    /* frame 27, inline again */
    T_EQ_INT(x.a.f[0].nseg, 1);
    T_EQ_INT(x.a.f[0].capseg, 0);
    p = pkt(&x, 1, A, 5001, 1211, 0, 509, 1215 * MS);
    T_EQ_INT(p.acks_frame, 27);
    T_EQ_INT(p.ack_rtt_ns, 5000000);
    T_EQ_INT(x.a.sum.rtt_n, 5);                   /* 10, 10, 68, 151, 5 ms */
    T_EQ_INT(x.a.sum.rtt_min_ns, 5000000);
    T_EQ_INT(x.a.sum.rtt_max_ns, 151000000);
    T_EQ_INT(x.a.sum.rtt_sum_ns, 244000000);
    for (unsigned b = 0; b < SF_AN__COUNT; b++)
        T_EQ_INT(x.a.sum.an_count[b], 0);
    sf_an_free(&x.a);
}

/* MPTCP: a duplicate ACK is not counted when the MPTCP options changed since
 * this side's previous packet (Wireshark 4.0, RFC 8684 section 4) */
TEST(analysis_mptcp_dupack_exception)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    static uint8_t cap12[12] = { 30, 12, 0x00 }, cap20[20] = { 30, 20, 0x00 }, dss[8] = { 30, 8, 0x20 };
    struct { int dir; uint16_t fl; uint32_t seq, ack; uint16_t win; const uint8_t *o; uint32_t ol; uint32_t want; } seqs[] = {
        { 0, S, 1000, 0, 64240, cap12, 12, 0 },
        { 1, S | A, 5000, 1001, 65000, cap12, 12, 0 },
        { 0, A, 1001, 5001, 502, cap20, 20, 0 },
        { 0, A, 1001, 5001, 502, dss, 8, SF_AN_DUPLICATE_ACK },  /* #1 */
        { 0, A, 1001, 5001, 502, dss, 8, 0 },                    /* DSS is new: tolerated */
        { 0, A, 1001, 5001, 502, dss, 8, SF_AN_DUPLICATE_ACK },  /* #2 */
    };
    for (unsigned i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        sf_pkt q;
        sf_pinfo pi;
        memset(&q, 0, sizeof q);
        memset(&pi, 0, sizeof pi);
        pi.ack_rtt_ns = -1;                 /* as the engine resets it (sf_an_packet) */
        q.frame = i + 1; q.ts.sec = 1 + (int64_t)i; q.status = SF_DEC_TCP;
        q.flags = seqs[i].fl; q.seq = seqs[i].seq; q.ack = seqs[i].ack; q.win = seqs[i].win;
        q.opt = seqs[i].o; q.opt_len = seqs[i].ol; q.wscale = -1;
        q.hlen = (uint16_t)(20 + seqs[i].ol); q.l4_caplen = q.hlen; q.seg_len = q.hlen;
        pi.dir = (uint8_t)seqs[i].dir;
        sf_an_packet(&x.a, &q, &pi, x.isn);
        T_EQ_INT(pi.analysis, seqs[i].want);
        if (i == 5)
            T_EQ_INT(pi.dup_ack_num, 2);
    }
    sf_an_free(&x.a);
}

/* an IP total length beyond the frame: tcp.len is what the wire carried */
TEST(analysis_seglen_cut_to_wire)
{
    seqctx x;
    ctx_init(&x, 1000, 5000);
    uint8_t frame[14 + 20 + 20] = { 0 };
    pkt(&x, 0, A, 1001, 5001, 0, 502, 1000 * MS);
    for (int i = 0; i < 2; i++) {
        sf_pkt q;
        sf_pinfo pi;
        memset(&q, 0, sizeof q);
        memset(&pi, 0, sizeof pi);
        pi.ack_rtt_ns = -1;                 /* as the engine resets it (sf_an_packet) */
        q.frame = 2 + (uint64_t)i; q.ts.sec = 2 + i; q.status = SF_DEC_TCP;
        q.flags = A; q.seq = 1001; q.ack = 5001; q.win = 502; q.wscale = -1;
        q.l2 = frame; q.l4 = frame + 34; q.wirelen = sizeof frame; q.caplen = sizeof frame;
        q.hlen = 20; q.l4_caplen = 20;
        q.seg_len = 20 + 300;                   /* the IP header claims 300 more bytes */
        q.len = 300;
        sf_an_packet(&x.a, &q, &pi, x.isn);
        T_EQ_INT(pi.analysis, SF_AN_DUPLICATE_ACK);   /* tcp.len 0, not 300 */
        T_EQ_INT(pi.dup_ack_num, i + 1);
    }
    sf_an_free(&x.a);
}

/* extras (off by default): D-SACK, and a retransmission of bytes the peer had SACKed */
static sf_pinfo pkt_sack(seqctx *x, int dir, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                         int64_t t_us, int nsack, const uint32_t (*blk)[2])
{
    sf_pkt p;
    sf_pinfo pi;
    memset(&p, 0, sizeof p);
    memset(&pi, 0, sizeof pi);
    pi.ack_rtt_ns = -1;                 /* as the engine resets it (sf_an_packet) */
    p.frame = ++x->frame;
    p.ts.sec = t_us / 1000000;
    p.ts.nsec = (uint32_t)(t_us % 1000000) * 1000u;
    p.status = SF_DEC_TCP;
    p.flags = flags; p.seq = seq; p.ack = ack; p.win = 1000; p.wscale = -1;
    p.hlen = 20; p.l4_caplen = 20; p.seg_len = 20 + len; p.len = len;
    p.nsack = (uint8_t)nsack;
    for (int i = 0; i < nsack; i++) {
        p.sack[i][0] = blk[i][0];
        p.sack[i][1] = blk[i][1];
    }
    pi.dir = (uint8_t)dir;
    sf_an_packet(&x->a, &p, &pi, x->isn);
    return pi;
}

TEST(analysis_extra_sack)
{
    for (int on = 0; on < 2; on++) {
        sf_an_set_options(on ? SF_AN_OPT_SACK : 0);
        seqctx x;
        ctx_init(&x, 1000, 5000);
        sf_pinfo p;
        pkt(&x, 0, S, 1000, 0, 0, 1000, 1000 * MS);
        pkt(&x, 1, S | A, 5000, 1001, 0, 1000, 1010 * MS);
        pkt(&x, 0, A, 1001, 5001, 0, 1000, 1020 * MS);
        pkt(&x, 0, PA, 1001, 5001, 100, 1000, 1100 * MS);   /* lost downstream */
        pkt(&x, 0, PA, 1101, 5001, 100, 1000, 1101 * MS);
        pkt(&x, 0, PA, 1201, 5001, 100, 1000, 1102 * MS);
        static const uint32_t b1[][2] = { { 1101, 1301 } };
        p = pkt_sack(&x, 1, A, 5001, 1001, 0, 1110 * MS, 1, b1);   /* SACKs 1101-1301 */
        T_EQ_INT(p.analysis, SF_AN_DUPLICATE_ACK);   /* same ack as the SYN-ACK */
        p = pkt(&x, 0, PA, 1001, 5001, 100, 1000, 1500 * MS);   /* the real loss repair */
        T_EQ_INT(p.analysis, SF_AN_RETRANSMISSION);
        p = pkt(&x, 0, PA, 1101, 5001, 100, 1000, 1501 * MS);   /* needless: SACKed */
        T_EQ_INT(p.analysis, SF_AN_RETRANSMISSION | (on ? SF_AN_SACK_SPURIOUS_RETRANSMISSION : 0));
        static const uint32_t b2[][2] = { { 1101, 1201 } };     /* D-SACK below the ACK */
        p = pkt_sack(&x, 1, A, 5001, 1301, 0, 1510 * MS, 1, b2);
        T_EQ_INT(p.analysis, on ? SF_AN_DSACK : 0);
        static const uint32_t b3[][2] = { { 1401, 1451 }, { 1401, 1501 } };  /* D-SACK inside the 2nd */
        p = pkt_sack(&x, 1, A, 5001, 1301, 0, 1520 * MS, 2, b3);
        T_EQ_INT(p.analysis & SF_AN_DSACK, on ? SF_AN_DSACK : 0);
        T_EQ_INT(x.a.sum.an_count[16], on);
        if (on)
            T_CHECK(x.a.ext != NULL);
        else
            T_CHECK(x.a.ext == NULL);
        sf_an_free(&x.a);
        T_CHECK(x.a.ext == NULL);
    }
    sf_an_set_options(0);
}

/* the scoreboard keeps at most 4 ranges, merges touching ones, forgets the lowest */
TEST(analysis_extra_sack_board)
{
    sf_an_set_options(SF_AN_OPT_SACK);
    seqctx x;
    ctx_init(&x, 1000, 5000);
    pkt(&x, 0, A, 1001, 5001, 0, 1000, 1000 * MS);
    uint32_t seq = 1001;
    for (int i = 0; i < 12; i++, seq += 100)
        pkt(&x, 0, PA, seq, 5001, 100, 1000, 1001 * MS + i);
    /* SACK 6 disjoint ranges (1101-1201, 1301-1401, ..., 2101-2201) in two ACKs */
    static const uint32_t ba[][2] = { { 1101, 1201 }, { 1301, 1401 }, { 1501, 1601 } };
    static const uint32_t bb[][2] = { { 1701, 1801 }, { 1901, 2001 }, { 2101, 2201 } };
    pkt_sack(&x, 1, A, 5001, 1001, 0, 1100 * MS, 3, ba);
    pkt_sack(&x, 1, A, 5001, 1001, 0, 1101 * MS, 3, bb);
    const struct sf_an_ext *e = x.a.ext;
    T_CHECK(e != NULL);
    if (e) {
        T_EQ_INT(e->b[0].n, 4);
        T_EQ_INT(e->b[0].r[0].left, 1501);   /* 1101.. and 1301.. forgotten */
        T_EQ_INT(e->b[0].r[3].right, 2201);
    }
    static const uint32_t bc[][2] = { { 1601, 1701 } };      /* joins 1501-1601 and 1701-1801 */
    pkt_sack(&x, 1, A, 5001, 1001, 0, 1102 * MS, 1, bc);
    if (e) {
        T_EQ_INT(e->b[0].n, 3);
        T_EQ_INT(e->b[0].r[0].left, 1501);
        T_EQ_INT(e->b[0].r[0].right, 1801);
    }
    sf_pinfo p = pkt(&x, 0, PA, 1601, 5001, 100, 1000, 1200 * MS);
    T_EQ_INT(p.analysis, SF_AN_RETRANSMISSION | SF_AN_SACK_SPURIOUS_RETRANSMISSION);
    pkt(&x, 1, A, 5001, 1951, 0, 1000, 1300 * MS);            /* cumulative ACK passes two */
    if (e) {
        T_EQ_INT(e->b[0].n, 2);
        T_EQ_INT(e->b[0].r[0].left, 1951);
        T_EQ_INT(e->b[0].r[0].right, 2001);
    }
    sf_an_free(&x.a);
    sf_an_set_options(0);
}

/* The window scale of SYN options laid out as Windows sends them (MSS, NOP,
 * WSCALE, NOP, NOP, SACK_PERM; read without walking them) and as Linux does
 * (MSS, SACK_PERM, TIMESTAMP, NOP, WSCALE), against a layout only the walk
 * reads (NOP, WSCALE, MSS, ...): the same shifts. */
static sf_pinfo pkt_opt(seqctx *x, int dir, uint16_t flags, uint32_t seq, uint32_t ack, uint16_t win, int64_t t_us,
                        const uint8_t *opt, uint32_t ol)
{
    return pkt_full(x, dir, flags, seq, ack, 0, win, t_us, opt, ol, -1);
}

TEST(analysis_syn_option_layouts)
{
    static const uint8_t win[2][12] = {
        { 2, 4, 5, 180, 1, 3, 3, 8, 1, 1, 4, 2 },            /* Windows, shift 8 */
        { 2, 4, 5, 160, 1, 3, 3, 5, 1, 1, 4, 2 },            /* shift 5 */
    };
    static const uint8_t lin[2][20] = {
        { 2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 9 },   /* Linux, shift 9 */
        { 2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 2, 0, 0, 0, 1, 1, 3, 3, 6 },   /* shift 6 */
    };
    static const uint8_t walk[2][12] = {
        { 1, 3, 3, 8, 2, 4, 5, 180, 1, 1, 4, 2 },            /* the walk: shift 8 */
        { 1, 3, 3, 5, 2, 4, 5, 160, 1, 1, 4, 2 },
    };
    const uint8_t *opts[3][2] = { { win[0], win[1] }, { lin[0], lin[1] }, { walk[0], walk[1] } };
    const uint32_t len[3] = { 12, 20, 12 };
    const int want[3][2] = { { 8, 5 }, { 9, 6 }, { 8, 5 } };
    for (int k = 0; k < 3; k++) {
        seqctx x;
        ctx_init(&x, 1000, 5000);
        sf_pinfo p;
        pkt_opt(&x, 0, S, 1000, 0, 64240, 1000 * MS, opts[k][0], len[k]);
        pkt_opt(&x, 1, S | A, 5000, 1001, 65160, 1010 * MS, opts[k][1], len[k]);
        p = pkt_opt(&x, 0, A, 1001, 5001, 100, 1020 * MS, NULL, 0);
        T_EQ_INT(p.win_scale, want[k][0]);
        T_EQ_INT(p.calc_window, 100u << want[k][0]);
        p = pkt_opt(&x, 1, A, 5001, 1001, 100, 1030 * MS, NULL, 0);
        T_EQ_INT(p.win_scale, want[k][1]);
        T_EQ_INT(p.calc_window, 100u << want[k][1]);
        sf_an_free(&x.a);
    }
}

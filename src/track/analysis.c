/* \summary: expert TCP analysis: Wireshark 4.0's SEQ/ACK analysis conditions and precedence */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"
#include "../util/cursor.h"

/*
 * This file reproduces, condition by condition and in the same order, what
 * Wireshark 4.0 (epan/dissectors/packet-tcp.c: tcp_analyze_sequence_number()
 * and the parts of dissect_tcp() around it) concludes about each segment, so
 * that per-frame flags agree with `tshark -2`. docs/analysis.md states every
 * condition in words; keep the two in step.
 *
 * Like Wireshark, all sequence arithmetic is on ABSOLUTE 32-bit numbers, and
 * a stored nextseq/lastack/maxseqtobeacked of 0 means "not seen yet".
 */

/* sf_an_flow.fl */
enum {
    SF_ANF_BASE_SET = 1u << 0,   /* base_seq known */
    SF_ANF_FIRST_ACK = 1u << 1   /* Wireshark's is_first_ack: SYN seen, no ACK-only yet */
};
/* sf_an_flow.last: the keep_alive and zero_window_probe flags of the
 * direction's last segment, as its analysis bits shifted down by 8 */
#define LAST_SHIFT 8
#define LAST_KA (SF_AN_KEEP_ALIVE >> LAST_SHIFT)
#define LAST_ZWP (SF_AN_ZERO_WINDOW_PROBE >> LAST_SHIFT)
/* sf_an_conn.cfl */
enum {
    SF_ANC_HAVE_LAST = 1u << 0,  /* last_ts valid */
    SF_ANC_MPTCP = 1u << 1,      /* an MPTCP analysis exists for the connection */
    SF_ANC_FAST = 1u << 2,       /* the fast path's connection-wide conditions hold (fast_refresh) */
    SF_ANC_IRTT_WAIT = 1u << 3   /* mru_syn != 0 && first_rtt == 0 (irtt_refresh): an ACK sets the iRTT */
};

/* Wireshark's sequence comparisons (note GT is written from y-x). */
#define LT_SEQ(x, y) ((int32_t)((uint32_t)(x) - (uint32_t)(y)) < 0)
#define LE_SEQ(x, y) ((int32_t)((uint32_t)(x) - (uint32_t)(y)) <= 0)
#define GT_SEQ(x, y) ((int32_t)((uint32_t)(y) - (uint32_t)(x)) < 0)

/* dupacknum value meaning "an ACKed-unseen-segment was reported" (Wireshark's -1) */
#define DUPACK_MARK 0xFFFFFFFFu

#define NS_PER_MS 1000000LL
#define FASTRT_WINDOW_NS (20 * NS_PER_MS)   /* fast retransmission: within 20 ms of the dup ACK */
#define OOO_DEFAULT_NS (3 * NS_PER_MS)      /* out-of-order threshold without an iRTT */

static int64_t ts_ns(const sf_time *t)
{
    return t->sec * 1000000000LL + (int64_t)t->nsec;
}

void sf_an_init(sf_an_conn *a)
{
    memset(a, 0, sizeof *a);
    for (int d = 0; d < 2; d++) {
        a->f[d].window = 0xFFFFFFFFu;  /* G_MAXUINT32 in Wireshark */
        a->f[d].win_scale = -1;        /* unknown */
    }
}

/* Called for every connection that ends, whose state is no longer in the
 * cache: only reads unless something was allocated (no calls, no stores). */
void sf_an_free(sf_an_conn *a)
{
    if (a->ext)
        sf_an_sack_free(a);
    for (int d = 0; d < 2; d++) {
        sf_an_flow *f = &a->f[d];
        if (f->capseg)
            sf_an_seg_release(f);
    }
}

/* (the unacknowledged-segment list: analysis_int.h, analysis_seg.c) */

/* SF_ANC_IRTT_WAIT after mru_syn or first_rtt changed (the fast path then
 * tests one bit of cfl instead of loading both). */
static inline void irtt_refresh(sf_an_conn *a)
{
    const int wait = a->mru_syn != 0 && a->first_rtt == 0;
    a->cfl = (uint8_t)(wait ? a->cfl | SF_ANC_IRTT_WAIT : a->cfl & ~SF_ANC_IRTT_WAIT);
}

/* ---- options the analysis needs beyond what the decoder parsed ---- */

/* What the analysis needs from the options, read from the raw option bytes
 * (the decoder's wscale is a signed byte and cannot hold a shift >= 128). */
typedef struct an_opts {
    int wscale;         /* raw shift of a well-formed (length 3) option, -1 if none */
    int mptcp;          /* 1 if any MPTCP option */
    int mptcp_alloc;    /* 1 if one of them makes Wireshark allocate its MPTCP analysis */
    uint8_t mp_ops;     /* MPTCP subtypes present as Wireshark's mp_operations bits
                         * (MP_CAPABLE 0x01 ... MP_FASTCLOSE 0x80) */
} an_opts;

/* Whether the options may hold what scan_opts looks for: not when there
 * are none, nor for the usual options of an established connection, NOP
 * NOP TIMESTAMP. */
static inline int opts_worth_scan(const sf_pkt *p)
{
    if (!p->opt || !p->opt_len)
        return 0;
    sf_cur c = sf_cur_make(p->opt, p->opt_len);
    return !(p->opt_len == 12 && sf_get_be32(&c) == 0x0101080Au);
}

static __attribute__((noinline)) void scan_opts(const sf_pkt *p, an_opts *o)
{
    memset(o, 0, sizeof *o);
    o->wscale = -1;
    if (!p->opt || !p->opt_len)
        return;
    sf_cur c = sf_cur_make(p->opt, p->opt_len);
    if (p->opt_len == 20) {
        /* Linux's SYN and SYN-ACK: MSS, SACK_PERM, TIMESTAMP, NOP, WSCALE;
         * what the walk below would find: the shift in the last byte */
        uint32_t w0 = sf_get_be32(&c), w1 = sf_get_be32(&c);
        sf_cur_skip(&c, 8);
        uint32_t w4 = sf_get_be32(&c);
        if ((w0 >> 16) == 0x0204u && w1 == 0x0402080Au && (w4 >> 8) == 0x010303u) {
            o->wscale = (int)(w4 & 0xFFu);
            return;
        }
        c = sf_cur_make(p->opt, p->opt_len);
    } else if (p->opt_len == 12) {
        /* Windows' SYN and SYN-ACK: MSS, NOP, WSCALE, NOP, NOP, SACK_PERM */
        uint32_t w0 = sf_get_be32(&c), w1 = sf_get_be32(&c), w2 = sf_get_be32(&c);
        if ((w0 >> 16) == 0x0204u && (w1 >> 8) == 0x010303u && w2 == 0x01010402u) {
            o->wscale = (int)(w1 & 0xFFu);
            return;
        }
        c = sf_cur_make(p->opt, p->opt_len);
    }
    while (sf_cur_left(&c) > 0) {
        uint8_t kind = sf_get_u8(&c);
        if (kind == 0)
            break;
        if (kind == 1)
            continue;
        uint8_t len = sf_get_u8(&c);
        if (!sf_cur_ok(&c) || len < 2 || sf_cur_left(&c) < (size_t)(len - 2))
            break;
        sf_cur v = sf_cur_make(c.p, (size_t)(len - 2));
        if (kind == 3 && len == 3) {
            o->wscale = sf_get_u8(&v);
        } else if (kind == 30 && len >= 3) {
            uint8_t sub = (uint8_t)(sf_get_u8(&v) >> 4);
            o->mptcp = 1;
            if (sub <= 7)
                o->mp_ops |= (uint8_t)(1u << sub);
            /* MP_CAPABLE allocates only with a key (lengths 12/20/22/24);
             * MP_JOIN and the others always do. */
            if (sub != 0 || len == 12 || len == 20 || len == 22 || len == 24)
                o->mptcp_alloc = 1;
        }
        sf_cur_skip(&c, (size_t)(len - 2));
    }
}

/* ---- tcp_analyze_sequence_number() ---- */

/* Rare cases live in functions of their own (noinline), so that the path
 * every packet takes stays short and keeps its values in registers. */
#define AN_RARE static __attribute__((noinline))

/* base_seq (Wireshark's relative-number base) of a direction not seen yet,
 * kept only to recognise a re-sent SYN; see sf_an_packet. */
AN_RARE void set_bases(sf_an_flow *F, sf_an_flow *R, uint32_t seq, uint32_t ack, uint16_t flags)
{
    if (!(F->fl & SF_ANF_BASE_SET)) {
        F->base_seq = (flags & SF_TH_SYN) ? seq : seq - 1;
        F->fl |= SF_ANF_BASE_SET;
    }
    if (!(R->fl & SF_ANF_BASE_SET) && (flags & SF_TH_ACK)) {
        R->base_seq = ack - 1;
        R->fl |= SF_ANF_BASE_SET;
    }
}

/* An empty segment without SYN/FIN/RST with the same seq and ack as this
 * direction's last one. Returns the flags it gets; *skip = 1 when Wireshark
 * then jumps to its ACK checks (goto finished_fwd). */
AN_RARE uint32_t same_empty(const sf_an_conn *a, sf_an_flow *F, const sf_an_flow *R, uint32_t window,
                            sf_pinfo *pi, int *skip)
{
    if (window != F->window)
        /* WINDOW UPDATE: the window changed (and is not 0). */
        return window ? SF_AN_WINDOW_UPDATE : 0;
    if (window) {
        /* KEEP-ALIVE ACK: an unchanged ACK right after the peer's keep-alive. */
        if (R->last & LAST_KA) {
            *skip = 1;
            return SF_AN_KEEP_ALIVE_ACK;
        }
        /* DUPLICATE ACK: the same (non-zero) window too. MPTCP tolerates
         * such ACKs when the options changed (RFC 8684 4.). */
        if ((a->cfl & SF_ANC_MPTCP) && a->mp_ops != F->mp_ops)
            return 0;
        F->dupacknum = F->dupacknum == DUPACK_MARK ? 1 : F->dupacknum + 1;
        pi->dup_ack_num = (uint32_t)F->dupacknum;
        pi->dup_ack_frame = F->lastnondupack;
        return SF_AN_DUPLICATE_ACK;
    }
    /* ZERO WINDOW PROBE ACK: an unchanged zero-window ACK right after a probe. */
    if (R->last & LAST_ZWP) {
        *skip = 1;
        return SF_AN_ZERO_WINDOW_PROBE_ACK;
    }
    return 0;
}

/* ACKED UNSEEN SEGMENT, for an ACK beyond the highest contiguous seq the
 * peer was seen to send. If the peer has sent beyond that mark since, the
 * mark jumps to the peer's highest seq; otherwise the flag is given only to
 * the first such ACK after each ACK from the peer (its dupacknum is set to
 * -1 as a marker, which as an unsigned counter also reads as ">= 2" below,
 * exactly as in Wireshark 4.0). */
AN_RARE uint32_t ack_unseen(sf_an_flow *R)
{
    if (GT_SEQ(R->nextseq, R->maxseqtobeacked)) {
        R->maxseqtobeacked = R->nextseq;
        return SF_AN_ACK_LOST_SEGMENT;
    }
    uint32_t fl = R->dupacknum == 0 ? SF_AN_ACK_LOST_SEGMENT : 0;
    R->dupacknum = DUPACK_MARK;
    return fl;
}

/* A segment that does not advance the sequence number (and is neither a
 * keep-alive nor a spurious retransmission): which kind of retransmission. */
AN_RARE uint32_t not_advancing(const sf_an_conn *a, const sf_an_flow *F, const sf_an_flow *R, uint32_t seq,
                               uint32_t seglen, uint16_t flags, int64_t now)
{
    /* FAST (checked first: tcp.fastrt_supersedes_ooo defaults to TRUE):
     * >= 2 dup ACKs for exactly this seq, the last one < 20 ms ago */
    uint64_t t = (uint64_t)(now - R->lastacktime);
    if (R->dupacknum >= 2 && R->lastack == seq && t < (uint64_t)FASTRT_WINDOW_NS)
        return SF_AN_FAST_RETRANSMISSION | SF_AN_RETRANSMISSION;
    /* OUT-OF-ORDER: < iRTT (3 ms if unknown) after the highest seq, and
     * not ending exactly at it */
    t = (uint64_t)(now - F->nextseqtime);
    uint64_t thres = a->first_rtt == 0 ? (uint64_t)OOO_DEFAULT_NS : (uint64_t)a->first_rtt;
    uint32_t end = seq + seglen + ((flags & (SF_TH_SYN | SF_TH_FIN)) ? 1u : 0u);
    if (t < thres && F->nextseq != end)
        return SF_AN_OUT_OF_ORDER;
    return SF_AN_RETRANSMISSION;
}

/* The analysis of one segment with tcp.len seglen, sent by F's side;
 * returns pi->analysis with the flags it found added. (Out of line: the
 * caller's bookkeeping and this each keep their values in registers.) */
static __attribute__((noinline)) uint32_t analyze_seq(sf_an_conn *restrict a, sf_an_flow *restrict F,
                                                      sf_an_flow *restrict R, const sf_pkt *restrict p,
                                                      uint32_t seglen, int64_t now, sf_pinfo *restrict pi)
{
    const uint32_t seq = p->seq, ack = p->ack, window = p->win;
    const uint16_t flags = p->flags;
    const int synfinrst = (flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) != 0;
    const int synfin = (flags & (SF_TH_SYN | SF_TH_FIN)) != 0;
    uint32_t fl = pi->analysis; /* the flags Wireshark keeps in ta->flags */

    if (!(F->fl & R->fl & SF_ANF_BASE_SET))
        set_bases(F, R, seq, ack, flags);

    /* ZERO WINDOW PROBE: exactly 1 byte at the next expected seq while the
     * peer advertises a zero window. Skips the checks down to the ACK ones. */
    if (seglen == 1 && seq == F->nextseq && R->window == 0) {
        fl |= SF_AN_ZERO_WINDOW_PROBE;
        goto finished_fwd;
    }
    /* ZERO WINDOW: window field 0 on a segment without SYN/FIN/RST. */
    if (window == 0 && !synfinrst)
        fl |= SF_AN_ZERO_WINDOW;
    /* LOST SEGMENT: starts beyond the highest seq seen (not for RST). */
    if (GT_SEQ(seq, F->nextseq) && F->nextseq && !(flags & SF_TH_RST))
        fl |= SF_AN_LOST_SEGMENT;
    /* The rest of Wireshark's checks here are all for segments without
     * SYN/FIN/RST; in its order, grouped by what they share (the checks on
     * empty segments and WINDOW FULL's on data exclude each other). */
    if (!synfinrst) {
        /* KEEP-ALIVE: 0 or 1 byte starting one byte before the next expected seq. */
        if (seglen <= 1 && seq == F->nextseq - 1)
            fl |= SF_AN_KEEP_ALIVE;
        if (seglen == 0) {
            /* WINDOW UPDATE, KEEP-ALIVE ACK, ZERO WINDOW PROBE ACK, DUPLICATE
             * ACK: all with the same seq and ack as before */
            if (seq == F->nextseq && ack == F->lastack) {
                int skip = 0;
                fl |= same_empty(a, F, R, window, pi, &skip);
                if (skip)
                    goto finished_fwd;
            }
        } else if (R->win_scale != -1) {
            /* WINDOW FULL: data reaching exactly the right edge of the peer's window. */
            int sh = ((R->fl & SF_ANF_FIRST_ACK) || R->win_scale == -2) ? 0 : R->win_scale;
            if (seq + seglen == R->lastack + (R->window << sh))
                fl |= SF_AN_WINDOW_FULL;
        }
    }

finished_fwd:
    if (ack != F->lastack) {
        F->lastnondupack = p->frame;
        F->dupacknum = 0;
    }

    /* ACKED UNSEEN SEGMENT (see ack_unseen) */
    if (GT_SEQ(ack, R->maxseqtobeacked) && R->maxseqtobeacked && (flags & SF_TH_ACK))
        fl |= ack_unseen(R);

    /* RETRANSMISSION family: a segment with data (or SYN/FIN) that does not
     * advance the sequence number. */
    if ((seglen > 0 || synfin) && !(fl & SF_AN_KEEP_ALIVE)) {
        int not_adv = F->nextseq && LT_SEQ(seq, F->nextseq);
        /* new data starting one byte early (after a zero-window probe) */
        if (seglen > 1 && F->nextseq - 1 == seq)
            not_adv = 0;
        /* SPURIOUS: everything in it was already acknowledged by the peer */
        if (seglen > 0 && R->lastack && LE_SEQ(seq + seglen, R->lastack))
            fl |= SF_AN_SPURIOUS_RETRANSMISSION | SF_AN_RETRANSMISSION;
        else if (not_adv)
            fl |= not_advancing(a, F, R, seq, seglen, flags, now);
    }

    /* Remember the segment (even a retransmission) while the list has room.
     * SYN/FIN count one only for a remembered segment, as in Wireshark. */
    uint32_t nextseq = seq + seglen;
    if ((seglen || synfin) && F->nseg < SF_AN_MAX_UNACKED) {
        nextseq += (uint32_t)synfin;
        (void)sf_an_seg_push(F, p->frame, seq, nextseq, p->ts_missing ? SF_AN_NO_TIME : now);
    }
    const int zwp = (fl & SF_AN_ZERO_WINDOW_PROBE) != 0;
    if (!zwp) {
        if (GT_SEQ(nextseq, F->nextseq) || !F->nextseq) {
            F->nextseq = nextseq;
            F->nextseqtime = now;
        }
        if (seq == F->maxseqtobeacked || !F->maxseqtobeacked)
            F->maxseqtobeacked = F->nextseq;
    }

    F->window = window;
    F->lastack = ack;
    F->lastacktime = now;
    if (a->cfl & SF_ANC_MPTCP)
        F->mp_ops = a->mp_ops;
    F->last = (uint8_t)((fl & (SF_AN_KEEP_ALIVE | SF_AN_ZERO_WINDOW_PROBE)) >> LAST_SHIFT);

    /* Whatever this packet acknowledges (Wireshark does this for every
     * packet, whether or not the ACK flag is set). */
    sf_an_seg_ack(R, ack, p->ts_missing ? SF_AN_NO_TIME : now, pi);
    return fl;
}

/* Segment length as Wireshark's tcp.len: the TCP bytes the IP header declares,
 * but no more than the frame carried on the wire (an IP total length beyond
 * the packet is cut to it), minus the TCP header length. 0 (no length, no
 * analysis) if the header claims more than that. */
static inline int an_seglen(const sf_pkt *p, uint32_t *seglen)
{
    uint32_t tcp = p->seg_len;
    uint64_t off;
    if (p->l2 && p->l4 >= p->l2)          /* (so l4 is not NULL either) */
        off = (uint64_t)(p->l4 - p->l2);   /* link + IP headers */
    else if (!p->l2 && p->wirelen)
        off = p->ip_hlen;                   /* text input: wirelen counts from the IP header */
    else
        off = UINT64_MAX;
    if (off != UINT64_MAX) {
        uint32_t onwire = p->wirelen > off ? (uint32_t)(p->wirelen - off) : 0;
        if (onwire < tcp)
            tcp = onwire;
    }
    *seglen = tcp >= p->hlen ? tcp - p->hlen : 0;
    return tcp >= p->hlen;
}

/* The summary's share of one packet: flag counts, retransmitted bytes, RTT. */
static inline void sum_packet(sf_an_sum *sum, int d, uint32_t an, int have_seglen, uint32_t seglen, int64_t rtt)
{
    /* only the set bits (most packets have none) */
    for (uint32_t m = an & ((1u << SF_AN__COUNT) - 1u); m; m &= m - 1u)
        sum->an_count[__builtin_ctz(m)]++;
    if ((an & SF_AN_RETRANSMISSION) && have_seglen)
        sum->retrans_bytes[d] += seglen;
    if (rtt > 0) {
        if (sum->rtt_n == 0 || rtt < sum->rtt_min_ns)
            sum->rtt_min_ns = rtt;
        if (sum->rtt_n == 0 || rtt > sum->rtt_max_ns)
            sum->rtt_max_ns = rtt;
        if (__builtin_add_overflow(sum->rtt_sum_ns, rtt, &sum->rtt_sum_ns))
            sum->rtt_sum_ns = INT64_MAX;                /* saturates (rtt > 0, the sum >= 0) */
        sum->rtt_n++;
    }
}

/* What a SYN changes before the analysis: dissect_tcp() treats a SYN with
 * the ISN already seen as a re-sent SYN: the next expected seq falls back
 * to the highest contiguous one (issue 17616). A SYN-ACK with a new ISN
 * resets the base. */
AN_RARE void syn_before(sf_an_flow *F, uint32_t seq, uint16_t flags)
{
    if (!(F->fl & SF_ANF_BASE_SET))
        return;
    if (!(flags & SF_TH_ACK) && seq == F->base_seq)
        F->nextseq = F->maxseqtobeacked;
    if ((flags & SF_TH_ACK) && seq != F->base_seq)
        F->base_seq = seq;
}

/* Options: window scale (any packet; RFC 7323 caps the shift at 14) and MPTCP. */
AN_RARE void apply_opts(sf_an_conn *a, sf_an_flow *F, const sf_pkt *p)
{
    an_opts o;
    scan_opts(p, &o);
    if (o.wscale >= 0)
        F->win_scale = (int8_t)(o.wscale > 14 ? 14 : o.wscale);
    if (o.mptcp) {
        if (o.mptcp_alloc)
            a->cfl |= SF_ANC_MPTCP;
        if (a->cfl & SF_ANC_MPTCP)
            a->mp_ops |= o.mp_ops;
    }
}

/* What a SYN changes after the analysis (with a header of 20 bytes or more):
 * the iRTT start (Wireshark's ts_mru_syn) and, once its options are read,
 * verify_tcp_window_scaling(): scaling is used only if both SYNs carry it. */
AN_RARE void syn_after(sf_an_conn *a, sf_an_flow *F, sf_an_flow *R, const sf_pkt *p, uint16_t flags,
                       int64_t now)
{
    F->fl |= SF_ANF_FIRST_ACK;
    if (!(flags & SF_TH_ACK)) {
        a->mru_syn = now;
        irtt_refresh(a);
    }
    if (opts_worth_scan(p))
        apply_opts(a, F, p);
    if (F->win_scale == -1) {
        F->win_scale = -2;
        R->win_scale = -2;
    } else if ((flags & SF_TH_ACK) && R->win_scale == -2) {
        F->win_scale = -2;
    }
}


/* ---- the fast path ----
 * Most packets of an established connection are an in-order data segment,
 * a pure ACK that moves the acknowledgement on, or an in-order FIN, with
 * nothing unusual: no SYN/RST, no SACK blocks, no options beyond
 * timestamps. For them most of Wireshark's checks above cannot fire; the
 * fast path (sf_an_packet) does what the general path would do for such a
 * packet and nothing else. tests/unit/test_analysis_fast.c runs both on the
 * same packets and compares results and state.
 *
 * SF_ANC_FAST (sf_an_conn.cfl) caches the connection-wide conditions,
 * refreshed after every packet of the general path (fast_refresh); the
 * fast path cannot change any of them:
 *  - both directions' base_seq known (set_bases would do nothing),
 *  - no MPTCP analysis (no mp_ops to copy), no SACK extras' state (with no
 *    SACK blocks either, sf_an_sack_packet then does nothing),
 *  - last_ts valid. */
static inline void fast_refresh(sf_an_conn *a)
{
    const int ok = (a->f[0].fl & a->f[1].fl & SF_ANF_BASE_SET) &&
                   (a->cfl & (SF_ANC_MPTCP | SF_ANC_HAVE_LAST)) == SF_ANC_HAVE_LAST && !a->ext;
    a->cfl = (uint8_t)(ok ? a->cfl | SF_ANC_FAST : a->cfl & ~SF_ANC_FAST);
}

/* The general path: every packet the fast path (below) does not take. */
__attribute__((noinline)) void sf_an_packet_general(sf_an_conn *restrict a, const sf_pkt *restrict p, sf_pinfo *restrict pi,
                          const uint32_t isn[2])
{
    const int d = pi->dir ? 1 : 0;
    sf_an_flow *F = &a->f[d], *R = &a->f[!d];
    const int64_t now = ts_ns(&p->ts);
    const uint16_t flags = p->flags;
    uint32_t fl = 0;

    pi->dup_ack_num = 0;
    pi->dup_ack_frame = 0;
    pi->acks_frame = 0;
    pi->ack_rtt_ns = -1;
    pi->calc_window = p->win;
    pi->win_scale = (flags & SF_TH_SYN) ? -2 : F->win_scale;
    memset(pi->rel_sack, 0, sizeof pi->rel_sack);
    if (p->nsack) {
        const uint32_t base = isn ? isn[!d] : 0;
        const unsigned n = p->nsack < SF_MAX_SACK ? p->nsack : SF_MAX_SACK;
        for (unsigned i = 0; i < n; i++) {
            pi->rel_sack[i][0] = p->sack[i][0] - base;
            pi->rel_sack[i][1] = p->sack[i][1] - base;
        }
    }

    /* longest stall: the longest gap between consecutive packets */
    if (!p->ts_missing) {        /* untimed text lines say nothing of gaps */
        if (a->cfl & SF_ANC_HAVE_LAST) {
            int64_t gap = now - a->last_ts;
            if (gap > a->sum.longest_stall_ns)
                a->sum.longest_stall_ns = gap;
        }
        a->last_ts = now;
        a->cfl |= SF_ANC_HAVE_LAST;
    }

    /* tcp.len, for the analysis and for retrans_bytes */
    uint32_t seglen = 0;
    const int have_seglen = p->status == SF_DEC_TCP && an_seglen(p, &seglen);

    /* Wireshark never hands a first fragment (it waits for reassembly) or a
     * header cut before the window field to its TCP analysis. */
    if (p->status != SF_DEC_TCP || p->ip_first_frag || p->l4_caplen < 16)
        goto count;

    if (flags & SF_TH_SYN)
        syn_before(F, p->seq, flags);

    if (have_seglen) {
        fl = analyze_seq(a, F, R, p, seglen, now, pi) & ~pi->analysis;
        if (sf_an_options() & SF_AN_OPT_SACK)
            fl |= sf_an_sack_packet(a, d, p, seglen, fl);
        /* calc_window: never for a SYN; scaled when the shift is known */
        if (!(flags & SF_TH_SYN) && F->win_scale >= 0)
            pi->calc_window = (uint32_t)p->win << F->win_scale;
    }
    if (p->hlen < 20)
        goto count;            /* Wireshark stops dissecting a bogus header here */

    if (flags & SF_TH_SYN) {
        syn_after(a, F, R, p, flags, now);
    } else {
        /* iRTT as Wireshark keeps it for the out-of-order threshold */
        if (flags & SF_TH_ACK) {
            if (a->cfl & SF_ANC_IRTT_WAIT) {
                a->first_rtt = now - a->mru_syn;
                irtt_refresh(a);
            }
            F->fl &= (uint8_t)~SF_ANF_FIRST_ACK;
        }
        if (opts_worth_scan(p))
            apply_opts(a, F, p);
    }

count:
    pi->analysis |= fl;
    sum_packet(&a->sum, d, pi->analysis, have_seglen, seglen, pi->ack_rtt_ns);
    fast_refresh(a);
}

/* A connection's first SYN or SYN-ACK from one side (the side has sent
 * nothing the analysis saw, and the peer no ACK: SF_ANF_BASE_SET and
 * SF_ANF_FIRST_ACK clear, nextseq 0, no segments): what the general path
 * does for it, without the checks that cannot fire (no LOST SEGMENT
 * without a nextseq, none of the no-SYN checks, no retransmission of a
 * first SYN, no SACK blocks). Returns 0, having changed nothing, when the
 * packet is not such a SYN. */
static __attribute__((noinline)) int syn_first(sf_an_conn *restrict a, const sf_pkt *restrict p,
                                               sf_pinfo *restrict pi)
{
    const int d = pi->dir ? 1 : 0;
    sf_an_flow *F = &a->f[d], *R = &a->f[!d];
    uint32_t seglen;
    if (F->fl || F->nextseq || F->nseg || a->ext || p->status != SF_DEC_TCP ||
        (p->ip_first_frag | p->nsack | p->ts_missing) || p->l4_caplen < 16 || p->hlen < 20 ||
        !an_seglen(p, &seglen) || seglen)
        return 0;
    const uint16_t flags = p->flags;
    const uint32_t seq = p->seq, ack = p->ack;
    const int64_t now = ts_ns(&p->ts);
    pi->dup_ack_num = 0;
    pi->dup_ack_frame = 0;
    pi->acks_frame = 0;
    pi->ack_rtt_ns = -1;
    pi->calc_window = p->win;
    pi->win_scale = -2;
    memset(pi->rel_sack, 0, sizeof pi->rel_sack);
    if (a->cfl & SF_ANC_HAVE_LAST) {
        int64_t gap = now - a->last_ts;
        if (gap > a->sum.longest_stall_ns)
            a->sum.longest_stall_ns = gap;
    }
    a->last_ts = now;
    a->cfl |= SF_ANC_HAVE_LAST;

    /* analyze_seq: set_bases, then the ACK checks, remembering the SYN */
    uint32_t fl = pi->analysis;
    F->base_seq = seq;
    F->fl |= SF_ANF_BASE_SET;
    if (!(R->fl & SF_ANF_BASE_SET) && (flags & SF_TH_ACK)) {
        R->base_seq = ack - 1;
        R->fl |= SF_ANF_BASE_SET;
    }
    if (ack != F->lastack) {
        F->lastnondupack = p->frame;
        F->dupacknum = 0;
    }
    if (GT_SEQ(ack, R->maxseqtobeacked) && R->maxseqtobeacked && (flags & SF_TH_ACK))
        fl |= ack_unseen(R);
    const uint32_t nextseq = seq + 1;
    (void)sf_an_seg_push(F, p->frame, seq, nextseq, now);
    if (!(fl & SF_AN_ZERO_WINDOW_PROBE)) {
        F->nextseq = nextseq;           /* it was 0 */
        F->nextseqtime = now;
        if (seq == F->maxseqtobeacked || !F->maxseqtobeacked)
            F->maxseqtobeacked = nextseq;
    }
    F->window = p->win;
    F->lastack = ack;
    F->lastacktime = now;
    if (a->cfl & SF_ANC_MPTCP)
        F->mp_ops = a->mp_ops;
    F->last = (uint8_t)((fl & (SF_AN_KEEP_ALIVE | SF_AN_ZERO_WINDOW_PROBE)) >> LAST_SHIFT);
    sf_an_seg_ack(R, ack, now, pi);

    syn_after(a, F, R, p, flags, now);
    pi->analysis = fl;
    sum_packet(&a->sum, d, fl, 1, 0, pi->ack_rtt_ns);
    fast_refresh(a);
    return 1;
}

/* Every packet the fast path does not take: a connection's first SYN or
 * SYN-ACK from a side by syn_first, the rest by the general path. */
static __attribute__((noinline)) void an_other(sf_an_conn *restrict a, const sf_pkt *restrict p,
                                               sf_pinfo *restrict pi, const uint32_t isn[2])
{
    if ((p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) == SF_TH_SYN && syn_first(a, p, pi))
        return;
    sf_an_packet_general(a, p, pi, isn);
}

/* The fast path when the packet qualifies (see fast_refresh for the
 * connection-wide conditions), else the general path. For a packet that
 * qualifies, the general path's checks reduce to the ones kept here:
 * seq == F->nextseq rules out LOST SEGMENT, KEEP-ALIVE and every
 * retransmission but the spurious one, and ZERO WINDOW PROBE unless it is
 * 1 byte against a zero window (left to the general path); without FIN, a
 * non-zero window rules out ZERO WINDOW, and an empty segment must move the
 * ACK on (else the duplicate-ACK family decides). A FIN skips those checks
 * and WINDOW FULL, as in the general path. */
void sf_an_packet(sf_an_conn *restrict a, const sf_pkt *restrict p, sf_pinfo *restrict pi, const uint32_t isn[2])
{
    const uint16_t flags = p->flags;
    if ((flags & (SF_TH_SYN | SF_TH_RST | SF_TH_ACK)) != SF_TH_ACK || !(a->cfl & SF_ANC_FAST) ||
        p->status != SF_DEC_TCP || (p->nsack | p->ts_missing) || p->l4_caplen < 16 || p->hlen < 20 ||
        opts_worth_scan(p))
        goto general;
    /* tcp.len: the seqnum stage's (pi->len, valid with pi->rel_valid) is
     * an_seglen's when the frame's wire length covers the captured bytes:
     * both then cut the IP length to the wire length past the same headers
     * (l4 - l2 < caplen); else (or for text input) the general path.
     * (rel_valid also rules out a first fragment: sf_seq_seglen) */
    if (!pi->rel_valid || !p->l2 || p->wirelen < p->caplen)
        goto general;
    const uint32_t seglen = pi->len;
    /* this direction's flow f[dir] and the peer's f[!dir], by byte offset
     * (fewer instructions than by index), kept in registers rather than
     * recomputed from dir */
    const size_t off = pi->dir ? sizeof(sf_an_flow) : 0;
    sf_an_flow *F = (sf_an_flow *)((char *)a->f + off);
    sf_an_flow *R = (sf_an_flow *)((char *)a->f + (sizeof(sf_an_flow) - off));
    __asm__("" : "+r"(F), "+r"(R));
    const uint32_t seq = p->seq, ack = p->ack, window = p->win, fin = flags & SF_TH_FIN;
    if (seq != F->nextseq || (seglen == 1 && R->window == 0) ||
        (!fin && (window == 0 || (seglen == 0 && ack == F->lastack))))
        goto general;
    /* ACKED UNSEEN SEGMENT (rare): the general path */
    if (GT_SEQ(ack, R->maxseqtobeacked) && R->maxseqtobeacked)
        goto general;

    uint32_t fl = pi->analysis;
    uint32_t nextseq = seq + seglen;
    if (seglen) {
        /* WINDOW FULL */
        const int8_t rws = R->win_scale;
        if (!fin && rws != -1) {
            const int sh = ((R->fl & SF_ANF_FIRST_ACK) || rws == -2) ? 0 : rws;
            if (nextseq == R->lastack + (R->window << sh))
                fl |= SF_AN_WINDOW_FULL;
        }
        /* SPURIOUS RETRANSMISSION: all of it acknowledged already */
        if (R->lastack && LE_SEQ(nextseq, R->lastack))
            fl |= SF_AN_SPURIOUS_RETRANSMISSION | SF_AN_RETRANSMISSION;
    }

    /* this direction's state */
    if (ack != F->lastack) {
        F->lastnondupack = p->frame;
        F->dupacknum = 0;
    }
    const int64_t now = ts_ns(&p->ts);
    if ((seglen | fin) && F->nseg < SF_AN_MAX_UNACKED) {
        nextseq += fin;
        (void)sf_an_seg_push(F, p->frame, seq, nextseq, now);
    }
    if (GT_SEQ(nextseq, F->nextseq) || !F->nextseq) {
        F->nextseq = nextseq;
        F->nextseqtime = now;
    }
    if (seq == F->maxseqtobeacked || !F->maxseqtobeacked)
        F->maxseqtobeacked = F->nextseq;
    F->window = window;
    F->lastack = ack;
    F->lastacktime = now;
    F->last = 0;       /* neither flag: not found here, nor on entry (sf_an_packet's contract) */
    /* after the analysis (dissect_tcp): an ACK ends is_first_ack */
    F->fl &= (uint8_t)~SF_ANF_FIRST_ACK;

    /* what it acknowledges of the peer's segments (sf_an_seg_ack, inline for
     * an inline list) */
    uint64_t acked = 0;
    int64_t rtt = -1;
    const uint16_t n = R->nseg;
    if (n && R->capseg == 0) {
        /* sf_an_seg_ack for at most SF_AN_SEG_INLINE segments: the first one
         * ending at ack is the acknowledged frame; a segment is kept while
         * it ends beyond ack, trimmed to start at it */
        _Static_assert(SF_AN_SEG_INLINE == 2, "the exact match is looked for in in[0] and in[1]");
        sf_an_seg *const arr = R->seg.in;
        const sf_an_seg *hit = ack == arr[0].nextseq ? &arr[0] : n > 1 && ack == arr[1].nextseq ? &arr[1] : NULL;
        if (hit) {
            acked = hit->frame;
            if (hit->ts != SF_AN_NO_TIME) {
                rtt = now - hit->ts;
                if (rtt == 0)           /* tshark shows ack_rtt only when it is not zero */
                    rtt = -1;
            }
        }
        uint16_t w = 0;
        for (uint16_t i = 0; i < n; i++) {
            sf_an_seg s = arr[i];
            if (!GT_SEQ(s.nextseq, ack))
                continue;                               /* wholly acknowledged */
            if (GT_SEQ(ack, s.seq))
                s.seq = ack;                            /* partly */
            arr[w++] = s;
        }
        R->nseg = w;
    } else if (n) {
        sf_an_seg_ack(R, ack, now, pi);     /* (pi's two fields: as the caller reset them) */
        acked = pi->acks_frame;
        rtt = pi->ack_rtt_ns;
    }

    /* the connection: longest stall (last_ts is valid: SF_ANC_HAVE_LAST),
     * the iRTT once */
    const int64_t gap = now - a->last_ts;
    if (gap > a->sum.longest_stall_ns)
        a->sum.longest_stall_ns = gap;
    a->last_ts = now;
    if (a->cfl & SF_ANC_IRTT_WAIT) {
        a->first_rtt = now - a->mru_syn;
        irtt_refresh(a);
    }

    /* the packet's record (dup_ack_* and rel_sack: as the caller reset them) */
    const int8_t ws = F->win_scale;
    pi->analysis = fl;
    pi->acks_frame = acked;
    pi->ack_rtt_ns = rtt;
    pi->calc_window = ws >= 0 ? window << ws : window;
    pi->win_scale = ws;
    sum_packet(&a->sum, pi->dir != 0, fl, 1, seglen, rtt);
    return;
general:
    an_other(a, p, pi, isn);
}

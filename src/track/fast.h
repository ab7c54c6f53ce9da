/* \summary: internal: the steady-state fast paths of state.c, seqnum.c and zeek.c, inlined into sf_eng_track */
#ifndef SF_FAST_H
#define SF_FAST_H
#include "conn_int.h"

/*
 * Most packets of a connection are ACKs, with or without data, between two
 * established sides. For them sf_state_packet, sf_seq_packet and
 * sf_zeek_packet each do a small, fixed part of their work; the functions
 * below do exactly that part, inline, and return 1, or return 0 having
 * changed nothing when the packet is not such a packet (the caller then
 * calls the general function); their *_do bodies do it without the checks. The general functions stay the reference:
 * each one handles these packets too, with the same result
 * (tests/unit/test_track.c compares them).
 */

/* zeek.c: Zeek's endpoint states, history-once bits, scaled-history events */
enum { Z_INACTIVE, Z_SYN_SENT, Z_SYN_ACK_SENT, Z_PARTIAL, Z_ESTABLISHED, Z_CLOSED, Z_RESET };
enum { H_SYN = 1, H_FIN = 2, H_RST = 4, H_FIN_RST = 8, H_DATA = 16, H_ACK = 32, H_MULTI = 64 };
enum { X_RXMIT = 0, X_WIN0 = 1, X_GAP = 2 };
/* Zeek's CheckHistory: record `code` the first time; 1 if seen before. */
int sf_zeek_hist_once(sf_rec *r, int orig, uint32_t mask, char code);
/* Zeek's ScaledHistoryEntry: the letter at the 1st, 10th, 100th ... event. */
void sf_zeek_hist_scaled(sf_rec *r, int orig, int which, char code);

/* seqnum.c: tcp.completeness bits */
enum { C_SYN = 1, C_SYNACK = 2, C_ACK = 4, C_DATA = 8, C_FIN = 16, C_RST = 32 };

/* Payload bytes: the sequence space the data [start, start + seglen)
 * covers, each byte once (retransmissions are not counted again; a gap the
 * capture missed is). */
static inline void sf_seq_count_data(sf_rec *r, sf_dir *E, int d, uint32_t start, uint32_t seglen)
{
    const uint32_t end = start + seglen;
    if (!(E->fl & SF_DF_DATA)) {
        E->data_end = E->base + 1;
        if (SF_SEQ_LT(start, E->data_end))
            E->data_end = start;          /* data below the guessed base */
        E->fl |= SF_DF_DATA;
    }
    if (SF_SEQ_GT(end, E->data_end)) {
        r->bytes[d] += (uint32_t)(end - E->data_end);
        E->data_end = end;
    }
}

/* iRTT: most recent SYN to the first non-SYN packet with ACK, from either
 * side (nstime zero means "unset", as in Wireshark); p has ACK, not SYN. */
static inline void sf_seq_irtt_ack(sf_rec *r, const sf_pkt *p)
{
    if (!(r->cf & SF_CF_IRTT) && r->mru_syn_ns != 0 && !p->ts_missing) {
        int64_t rtt = sf_ts_ns(&p->ts) - r->mru_syn_ns;
        if (rtt != 0) {
            r->irtt_ns = rtt;
            r->cf |= SF_CF_IRTT;
        }
    }
}

/* sf_state_packet for an ACK without SYN, FIN or RST between two
 * ESTABLISHED sides, no FIN from the peer (so no first FIN at all): only
 * the role is new. */
#define SF_FAST_INLINE static inline __attribute__((always_inline))
SF_FAST_INLINE void sf_state_fast_do(sf_rec *r, int d, uint32_t seglen, sf_pinfo *pi)
{
    pi->hs_step = 0;
    pi->close_step = 0;
    r->d[d].fl |= SF_DF_SENT;
    pi->role = seglen > 0 ? SF_ROLE_DATA : SF_ROLE_ACK;
}
static inline int sf_state_fast(sf_rec *r, int d, const sf_pkt *p, uint32_t seglen, sf_pinfo *pi)
{
    const sf_dir *E = &r->d[d], *P = &r->d[!d];
    if ((p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST | SF_TH_ACK)) != SF_TH_ACK || E->st != SF_ST_ESTABLISHED ||
        P->st != SF_ST_ESTABLISHED || (P->fl & SF_DF_FIN))
        return 0;
    sf_state_fast_do(r, d, seglen, pi);
    return 1;
}

/* sf_seq_packet for an ACK without SYN, FIN or RST, with a usable length
 * and a full header, not the first packet, both sides' base and next seq
 * known. */
SF_FAST_INLINE void sf_seq_fast_do(sf_rec *r, int d, const sf_pkt *p, uint32_t seglen, sf_pinfo *pi)
{
    sf_dir *E = &r->d[d];
    const sf_dir *P = &r->d[!d];
    const uint32_t seq = p->seq, ackn = p->ack, rel = seq - E->base;
    pi->rel_valid = 1;
    pi->rel_seq = rel;
    pi->rel_ack = ackn - P->base;
    pi->nxtseq = rel + seglen;
    pi->len = seglen;
    pi->expected_ack = P->nxt - P->base;
    pi->ack_check = ackn == P->nxt ? SF_ACK_OK : SF_SEQ_LT(ackn, P->nxt) ? SF_ACK_PARTIAL : SF_ACK_AHEAD;
    if (SF_SEQ_GT(seq + seglen, E->nxt))
        E->nxt = seq + seglen;
    if (seglen > 0)
        sf_seq_count_data(r, E, d, seq, seglen);
    r->completeness |= seglen > 0 ? C_DATA : C_ACK;
    sf_seq_irtt_ack(r, p);
    pi->completeness = r->completeness;
    pi->irtt_ns = (r->cf & SF_CF_IRTT) ? r->irtt_ns : -1;
}
static inline int sf_seq_fast(sf_rec *r, int d, const sf_pkt *p, int first, uint32_t seglen, int have,
                              sf_pinfo *pi)
{
    const uint16_t known = SF_DF_BASE | SF_DF_NXT;
    if ((p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST | SF_TH_ACK)) != SF_TH_ACK || !have || first ||
        p->hlen < 20 || (r->d[d].fl & r->d[!d].fl & known) != known)
        return 0;
    sf_seq_fast_do(r, d, p, seglen, pi);
    return 1;
}

/* sf_zeek_packet for a packet without SYN, FIN or RST once both of Zeek's
 * endpoints are active (not INACTIVE): no state changes, history letters
 * D, A, W, T and G as the general code gives them, in its order.
 * ack: p has ACK (a constant 1 on the steady path). */
SF_FAST_INLINE void sf_zeek_fast_do(sf_rec *r, int d, const sf_pkt *p, uint32_t len, int ack)
{
    const int orig = d == r->z.orig_dir;
    sf_zep *E = &r->z.ep[!orig], *P = &r->z.ep[orig];
    const uint32_t seen = r->z.seen >> (orig ? 0 : 16);
    if (len) {
        if (!(seen & H_DATA))
            sf_zeek_hist_once(r, orig, H_DATA, 'D');
    } else if (ack && !(seen & H_ACK)) {
        sf_zeek_hist_once(r, orig, H_ACK, 'A');
    }
    if (p->win == 0 && P->state != Z_CLOSED && E->state != Z_RESET)
        sf_zeek_hist_scaled(r, orig, X_WIN0, 'W');
    if (ack && SF_SEQ_GT(p->ack, P->ackseq) && !(p->ack == 0 && (int32_t)(p->ack - P->ackseq) > 1048576))
        P->ackseq = p->ack;
    const uint32_t last_seq = p->seq + len;
    if (E->state == Z_RESET)
        ;
    else if ((int32_t)(last_seq - E->last) > 0)
        E->last = last_seq;
    else if (len > 0)
        sf_zeek_hist_scaled(r, orig, X_RXMIT, 'T');
    if (SF_SEQ_GT(E->last, E->gap_to))
        E->gap_to = E->last;
    if (ack && E->state == Z_ESTABLISHED && P->state == Z_ESTABLISHED && SF_SEQ_GT(p->ack, P->gap_to)) {
        P->gap_to = p->ack;
        sf_zeek_hist_scaled(r, !orig, X_GAP, 'G');
    }
}
static inline int sf_zeek_fast(sf_rec *r, int d, const sf_pkt *p, uint32_t len)
{
    if ((p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) || r->z.ep[0].state == Z_INACTIVE ||
        r->z.ep[1].state == Z_INACTIVE)
        return 0;
    sf_zeek_fast_do(r, d, p, len, (p->flags & SF_TH_ACK) != 0);
    return 1;
}

/* The record's part of all three preconditions, whichever side sends: both
 * sides ESTABLISHED, neither has sent a FIN, both sides' base and next seq
 * known, both of Zeek's endpoints active. sf_eng_track keeps it in
 * SF_CF_STEADY; with it, an ACK without SYN, FIN or RST, with a usable
 * length and a full header, takes the three fast paths without their
 * checks. */
static inline int sf_steady(const sf_rec *r)
{
    const uint16_t known = SF_DF_BASE | SF_DF_NXT;
    return r->d[0].st == SF_ST_ESTABLISHED && r->d[1].st == SF_ST_ESTABLISHED &&
           !((r->d[0].fl | r->d[1].fl) & SF_DF_FIN) && (r->d[0].fl & r->d[1].fl & known) == known &&
           r->z.ep[0].state != Z_INACTIVE && r->z.ep[1].state != Z_INACTIVE;
}
static inline int sf_steady_packet(const sf_pkt *p, int have)
{
    return (p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST | SF_TH_ACK)) == SF_TH_ACK && have && p->hlen >= 20;
}

#endif

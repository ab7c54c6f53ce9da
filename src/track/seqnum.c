/* \summary: Wireshark-compatible relative seq/ack, next seq, seq/ack check, tcp.completeness and iRTT */
#include "fast.h"

/*
 * These follow Wireshark 4.0's dissect_tcp()/tcp_analyze_sequence_number()
 * so that rel_seq/rel_ack/len/nxtseq, completeness and iRTT can be compared
 * frame by frame with `tshark -2` (docs/compat.md lists what still differs):
 *  - a direction's base is its SYN's seq, or seq-1 for the first non-SYN
 *    packet seen from it; the reverse base is ack-1 from the first packet
 *    carrying ACK if that side has sent nothing yet;
 *  - a SYN-ACK whose seq differs from the base moves the base (engine.c
 *    marks it reused_ports);
 *  - without a usable TCP length (IP payload shorter than the header, or a
 *    first IP fragment) Wireshark does no sequence analysis: the numbers stay
 *    raw and rel_valid = 0.
 */

void sf_seq_packet(sf_rec *restrict r, int d, const sf_pkt *restrict p, int first, uint32_t seglen, int have,
                   sf_pinfo *restrict pi)
{
    sf_dir *E = &r->d[d], *P = &r->d[!d];
    const uint16_t f = p->flags;
    const int syn = (f & SF_TH_SYN) != 0, ack = (f & SF_TH_ACK) != 0;
    const int fin = (f & SF_TH_FIN) != 0, rst = (f & SF_TH_RST) != 0;

    /* A SYN-ACK with a new ISN restarts the base (Wireshark issue 16944). */
    if (syn && ack && (E->fl & SF_DF_BASE) && p->seq != E->base)
        E->base = p->seq;

    if (have) {
        if (!(E->fl & SF_DF_BASE)) {
            E->base = syn ? p->seq : p->seq - 1;
            E->fl |= SF_DF_BASE;
        }
        if (!(P->fl & SF_DF_BASE) && ack) {
            P->base = p->ack - 1;
            P->fl |= SF_DF_BASE;
        }
        pi->rel_valid = 1;
        pi->rel_seq = p->seq - E->base;
        pi->rel_ack = ack ? p->ack - P->base : p->ack;
    } else {
        pi->rel_valid = 0;
        pi->rel_seq = p->seq;
        pi->rel_ack = p->ack;
    }
    pi->nxtseq = pi->rel_seq + seglen + ((syn || fin) ? 1u : 0u);
    pi->len = seglen;

    /* seq/ack check against what the peer has sent so far */
    pi->expected_ack = 0;
    if (!ack) {
        pi->ack_check = SF_ACK_NA;
    } else if (!(P->fl & SF_DF_NXT)) {
        pi->ack_check = SF_ACK_UNKNOWN;
    } else {
        pi->expected_ack = P->nxt - P->base;
        if (p->ack == P->nxt)
            pi->ack_check = SF_ACK_OK;
        else if (SF_SEQ_LT(p->ack, P->nxt))
            pi->ack_check = SF_ACK_PARTIAL;
        else
            pi->ack_check = SF_ACK_AHEAD;
    }
    /* what this side has sent (a RST occupies no sequence space) */
    if (!rst) {
        uint32_t end = p->seq + seglen + (syn ? 1u : 0u) + (fin ? 1u : 0u);
        if (!(E->fl & SF_DF_NXT) || SF_SEQ_GT(end, E->nxt))
            E->nxt = end;
        E->fl |= SF_DF_NXT;
        if (!(E->fl & SF_DF_BASE)) {      /* no usable length: still give the peer a base */
            E->base = syn ? p->seq : p->seq - 1;
            E->fl |= SF_DF_BASE;
        }
    }

    /* payload bytes: the sequence space the data covers, each byte once
     * (retransmissions are not counted again; a gap the capture missed is) */
    if (seglen > 0 && !rst && have)
        sf_seq_count_data(r, E, d, p->seq + (syn ? 1u : 0u), seglen);

    /* Wireshark stops here for a header length under 20 ("bogus") */
    if (p->hlen >= 20) {
        uint8_t c = r->completeness;
        if (first) {
            /* a new conversation: only a pure SYN (and TFO data) counts */
            if (syn && !ack) {
                c |= C_SYN;
                if (seglen > 0)
                    c |= C_DATA;
            }
        } else {
            if (syn && ack)
                c |= C_SYNACK;
            if (ack && !syn)
                c |= seglen > 0 ? C_DATA : C_ACK;
            if (fin && ack)
                c |= C_FIN;
            if (rst)
                c |= C_RST;
        }
        r->completeness = c;

        if (syn && !ack)
            r->mru_syn_ns = sf_ts_ns(&p->ts);
        if (ack && !syn)
            sf_seq_irtt_ack(r, p);
    }
    pi->completeness = r->completeness;
    pi->irtt_ns = (r->cf & SF_CF_IRTT) ? r->irtt_ns : -1;
}

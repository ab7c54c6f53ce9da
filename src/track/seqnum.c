/* \summary: Wireshark-compatible relative seq/ack, next seq, seq/ack check, tcp.completeness and iRTT */
#include "conn_int.h"

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

uint32_t sf_seq_seglen(const sf_pkt *p, int *have)
{
    uint32_t seg = p->seg_len;
    /* Wireshark's reported length: the IP length, but never beyond the
     * frame's length on the wire ("IP total length exceeds packet length").
     * A record without link-layer bytes (text input) counts its wire length
     * from the IP header, so the TCP header starts ip_hlen into it. */
    size_t off = 0;
    int have_off = 0;
    if (p->l2 && p->l4 && p->l4 >= p->l2) {
        off = (size_t)(p->l4 - p->l2);
        have_off = 1;
    } else if (!p->l2 && p->ip_len) {
        off = p->ip_hlen;
        have_off = 1;
    }
    if (have_off && p->wirelen >= off && p->wirelen - off < seg)
        seg = (uint32_t)(p->wirelen - off);
    *have = !p->ip_first_frag && seg >= p->hlen;
    return *have ? seg - p->hlen : 0;
}

/* tcp.completeness bits */
enum { C_SYN = 1, C_SYNACK = 2, C_ACK = 4, C_DATA = 8, C_FIN = 16, C_RST = 32 };

void sf_seq_packet(sf_rec *r, int d, const sf_pkt *p, int first, sf_pinfo *pi)
{
    sf_dir *E = &r->d[d], *P = &r->d[!d];
    const uint16_t f = p->flags;
    const int syn = (f & SF_TH_SYN) != 0, ack = (f & SF_TH_ACK) != 0;
    const int fin = (f & SF_TH_FIN) != 0, rst = (f & SF_TH_RST) != 0;
    int have;
    const uint32_t seglen = sf_seq_seglen(p, &have);

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
    if (seglen > 0 && !rst && have) {
        uint32_t start = p->seq + (syn ? 1u : 0u), end = start + seglen;
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

        /* iRTT: most recent SYN to the first non-SYN packet with ACK, from
         * either side (nstime zero means "unset", as in Wireshark) */
        const int64_t now = sf_ts_ns(&p->ts);
        if (syn && !ack)
            r->mru_syn_ns = now;
        if (ack && !syn && r->mru_syn_ns != 0 && !(r->cf & SF_CF_IRTT) && !p->ts_missing) {
            int64_t rtt = now - r->mru_syn_ns;
            if (rtt != 0) {
                r->irtt_ns = rtt;
                r->cf |= SF_CF_IRTT;
            }
        }
    }
    pi->completeness = r->completeness;
    pi->irtt_ns = (r->cf & SF_CF_IRTT) ? r->irtt_ns : -1;
}

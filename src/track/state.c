/* \summary: RFC 9293 endpoint states as the capture point sees them, packet roles, handshake and close steps */
#include "conn_int.h"

/*
 * The model (docs/states.md explains it for users):
 *  - A sender's state changes when the capture shows it send something that
 *    proves the change (its SYN, SYN-ACK, FIN, or an ACK of the peer's SYN
 *    or FIN).
 *  - A receiver's state changes when the packet arrives only for transitions
 *    that need no answer from it (an ACK of its own SYN or FIN, a RST); the
 *    capture point is assumed to be on the path, so the packet is assumed to
 *    arrive. Transitions the receiver answers (SYN in LISTEN, SYN-ACK in
 *    SYN_SENT, FIN in ESTABLISHED / FIN_WAIT_*) are shown with the answer.
 * So the handshake reads SYN: client SYN_SENT, server LISTEN; SYN-ACK:
 * server SYN_RECEIVED; ACK: both ESTABLISHED. A close FIN, FIN+ACK, ACK
 * ends with the first closer in TIME_WAIT and the other CLOSED.
 */

void sf_state_init(sf_rec *r, int d, const sf_pkt *p)
{
    const uint16_t f = p->flags;
    if ((f & (SF_TH_SYN | SF_TH_ACK | SF_TH_RST)) == SF_TH_SYN) {
        r->d[d].st = SF_ST_CLOSED;
        r->d[!d].st = SF_ST_LISTEN;
    } else if ((f & (SF_TH_SYN | SF_TH_ACK | SF_TH_RST)) == (SF_TH_SYN | SF_TH_ACK)) {
        r->d[d].st = SF_ST_LISTEN;      /* becomes SYN_RECEIVED with this packet */
        r->d[!d].st = SF_ST_SYN_SENT;   /* its SYN was not captured */
    } else {
        r->d[0].st = r->d[1].st = SF_ST_ESTABLISHED; /* midstream: assumed */
    }
}

int sf_state_ended(const sf_rec *r)
{
    if ((r->d[0].fl | r->d[1].fl) & SF_DF_RST)
        return 1;
    return (r->d[0].fl & SF_DF_FIN) && (r->d[1].fl & SF_DF_FIN) &&
           (r->d[0].fl & SF_DF_ACKED_FIN) && (r->d[1].fl & SF_DF_ACKED_FIN);
}

static uint8_t next_step(sf_rec *r)
{
    if (r->close_steps < 255)
        r->close_steps++;
    return r->close_steps;
}

void sf_state_packet(sf_rec *restrict r, int d, const sf_pkt *restrict p, uint32_t seglen, sf_pinfo *restrict pi)
{
    sf_dir *E = &r->d[d], *P = &r->d[!d];
    const uint16_t f = p->flags;
    const int syn = (f & SF_TH_SYN) != 0, ack = (f & SF_TH_ACK) != 0;
    const int fin = (f & SF_TH_FIN) != 0, rst = (f & SF_TH_RST) != 0;
    uint32_t role = 0;

    pi->hs_step = 0;
    pi->close_step = 0;
    E->fl |= SF_DF_SENT;

    if (rst) {
        role |= SF_ROLE_RST;
        if (!((E->fl | P->fl) & SF_DF_RST)) {
            r->cf |= d == 0 ? SF_CF_RST_CLIENT : SF_CF_RST_SERVER;
            if ((E->fl | P->fl) & SF_DF_FIN)
                r->cf |= SF_CF_FIN_BEFORE_RST;
            if ((E->fl & P->fl) & SF_DF_FIN)
                r->cf |= SF_CF_FINS_BEFORE_RST;
            /* the server refuses the client's SYN */
            if (d == 1 && r->d[0].st == SF_ST_SYN_SENT && !(E->fl & SF_DF_SYNACK) &&
                (r->d[0].fl & SF_DF_SYN))
                r->cf |= SF_CF_REFUSED;
        }
        E->fl |= SF_DF_RST;
        E->st = SF_ST_CLOSED;
        if (P->st != SF_ST_LISTEN)
            P->st = SF_ST_CLOSED;
        pi->role = role;      /* payload on a RST is a diagnostic, not stream data */
        return;
    }

    if (syn && !ack) {
        role |= SF_ROLE_SYN;
        pi->hs_step = 1;
        if (E->st == SF_ST_CLOSED || E->st == SF_ST_LISTEN)
            E->st = SF_ST_SYN_SENT;
        if (!(E->fl & SF_DF_SYN))
            E->isn = p->seq;
        else if (r->syn_retransmits < UINT32_MAX)
            r->syn_retransmits++;     /* the same ISN again (a new one is a new connection) */
        E->fl |= SF_DF_SYN;
    } else if (syn && ack) {
        role |= SF_ROLE_SYN_ACK;
        pi->hs_step = 2;
        if (E->st == SF_ST_CLOSED || E->st == SF_ST_LISTEN || E->st == SF_ST_SYN_SENT)
            E->st = SF_ST_SYN_RECEIVED;
        E->isn = p->seq;
        E->fl |= SF_DF_SYNACK;
        /* simultaneous open: the peer, already in SYN_RECEIVED, gets its SYN acked */
        if (P->st == SF_ST_SYN_RECEIVED && (P->fl & (SF_DF_SYN | SF_DF_SYNACK)) &&
            SF_SEQ_GEQ(p->ack, P->isn + 1))
            P->st = SF_ST_ESTABLISHED;
    }

    if (ack && !syn) {
        /* sending an ACK proves the sender is past the handshake */
        uint8_t was = E->st;
        if (was == SF_ST_SYN_SENT || was == SF_ST_SYN_RECEIVED || was == SF_ST_LISTEN ||
            was == SF_ST_CLOSED) {
            E->st = SF_ST_ESTABLISHED;
            if (was == SF_ST_SYN_SENT && d == 0) {
                r->cf |= SF_CF_HS_DONE;
                if (P->fl & SF_DF_SYNACK) {
                    role |= SF_ROLE_HANDSHAKE_ACK;
                    pi->hs_step = 3;
                }
            }
        }
        /* the sender acknowledges the peer's FIN: it got it */
        if ((P->fl & SF_DF_FIN) && !(E->fl & SF_DF_ACKED_FIN) && SF_SEQ_GEQ(p->ack, P->fin_seq + 1)) {
            E->fl |= SF_DF_ACKED_FIN;
            switch (E->st) {
            case SF_ST_ESTABLISHED:
            case SF_ST_SYN_RECEIVED: E->st = SF_ST_CLOSE_WAIT; break;
            case SF_ST_FIN_WAIT_1: E->st = SF_ST_CLOSING; break;
            case SF_ST_FIN_WAIT_2: E->st = SF_ST_TIME_WAIT; break;
            default: break;
            }
            /* the first FIN acknowledged by the other side without its own FIN */
            uint32_t fin1 = d == 0 ? SF_CF_FIN1_SERVER : SF_CF_FIN1_CLIENT;
            if ((r->cf & fin1) && !fin && !(E->fl & SF_DF_FIN))
                r->cf |= SF_CF_FIN1_ACKED_APART;
            if (!fin)
                pi->close_step = next_step(r);
        }
        /* what the peer learns from this ACK without answering */
        if (P->st == SF_ST_SYN_RECEIVED && SF_SEQ_GEQ(p->ack, P->isn + 1))
            P->st = SF_ST_ESTABLISHED;
        if ((P->fl & SF_DF_FIN) && SF_SEQ_GEQ(p->ack, P->fin_seq + 1)) {
            switch (P->st) {
            case SF_ST_FIN_WAIT_1: P->st = SF_ST_FIN_WAIT_2; break;
            case SF_ST_CLOSING: P->st = SF_ST_TIME_WAIT; break;
            case SF_ST_LAST_ACK: P->st = SF_ST_CLOSED; break;
            default: break;
            }
        }
    }

    /* new data from the passive side after the first FIN: a half-close */
    if (seglen > 0) {
        uint32_t fin1_peer = d == 0 ? SF_CF_FIN1_SERVER : SF_CF_FIN1_CLIENT;
        if ((r->cf & fin1_peer) && !(E->fl & SF_DF_FIN) &&
            (!(E->fl & SF_DF_NXT) || SF_SEQ_GT(p->seq + seglen + (syn ? 1u : 0u), E->nxt)))
            r->cf |= SF_CF_DATA_AFTER_FIN;
    }

    if (fin) {
        role |= SF_ROLE_FIN;
        uint32_t fseq = p->seq + seglen + (syn ? 1u : 0u);
        if (!(E->fl & SF_DF_FIN)) {
            if (!(P->fl & SF_DF_FIN)) {
                r->cf |= d == 0 ? SF_CF_FIN1_CLIENT : SF_CF_FIN1_SERVER;
                if (seglen > 0)
                    r->cf |= SF_CF_FIN1_DATA;
            } else if (ack && SF_SEQ_GEQ(p->ack, P->fin_seq + 1)) {
                r->cf |= SF_CF_FIN2_ACKS_FIN1;
            }
            switch (E->st) {
            case SF_ST_CLOSE_WAIT: E->st = SF_ST_LAST_ACK; break;
            case SF_ST_ESTABLISHED:
            case SF_ST_SYN_RECEIVED:
            case SF_ST_SYN_SENT:
            case SF_ST_LISTEN:
            case SF_ST_CLOSED: E->st = SF_ST_FIN_WAIT_1; break;
            default: break;
            }
            E->fin_seq = fseq;
            E->fl |= SF_DF_FIN;
            E->fin_step = next_step(r);
        } else if (SF_SEQ_GT(fseq, E->fin_seq)) {
            E->fin_seq = fseq;    /* a later FIN (more data before it) */
        }
        pi->close_step = E->fin_step;
    }

    if (seglen > 0)
        role |= SF_ROLE_DATA;
    if (ack && !syn && !fin && seglen == 0 && !(role & SF_ROLE_HANDSHAKE_ACK))
        role |= SF_ROLE_ACK;
    pi->role = role;
}

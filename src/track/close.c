/* \summary: how a connection opened and closed, who closed it and who is left in TIME_WAIT */
#include "conn_int.h"

/* Open kind, from what each side was seen to send (docs/names.md). */
static sf_open_kind open_kind(const sf_rec *r)
{
    const uint16_t cf = r->d[0].fl, sf = r->d[1].fl;
    if ((cf & SF_DF_SYN) && (sf & SF_DF_SYN))
        return SF_OPEN_SIMULTANEOUS;
    if (cf & SF_DF_SYN) {
        if (r->cf & SF_CF_HS_DONE)
            return SF_OPEN_HANDSHAKE;
        if (r->cf & SF_CF_REFUSED)
            return SF_OPEN_REFUSED;
        if (!(sf & SF_DF_SENT))
            return SF_OPEN_UNANSWERED;
        return SF_OPEN_INCOMPLETE;
    }
    if (sf & SF_DF_SYNACK)
        return SF_OPEN_SYN_ACK_ONLY;
    return SF_OPEN_MIDSTREAM;
}

static sf_side side_of_first_fin(uint32_t cf)
{
    return (cf & SF_CF_FIN1_CLIENT) ? SF_SIDE_CLIENT : (cf & SF_CF_FIN1_SERVER) ? SF_SIDE_SERVER : SF_SIDE_NONE;
}

/* Both sides sent FIN: which of the FIN closes was it? */
static sf_close_kind fin_kind(uint32_t cf, sf_side *closer)
{
    *closer = side_of_first_fin(cf);
    if (!(cf & SF_CF_FIN2_ACKS_FIN1)) {
        *closer = SF_SIDE_BOTH;
        return SF_CLOSE_SIMULTANEOUS;           /* the FINs crossed */
    }
    if (cf & SF_CF_DATA_AFTER_FIN)
        return SF_CLOSE_HALF_CLOSE;
    if (cf & SF_CF_FIN1_DATA)
        return SF_CLOSE_FIN_WITH_DATA;
    if (cf & SF_CF_FIN1_ACKED_APART)
        return SF_CLOSE_FIN_4WAY;
    return SF_CLOSE_FIN_3WAY;
}

void sf_close_refresh(const sf_rec *r, sf_conn *c)
{
    const uint32_t cf = r->cf;
    const int fins = ((r->d[0].fl & SF_DF_FIN) != 0) + ((r->d[1].fl & SF_DF_FIN) != 0);
    const int rst = ((r->d[0].fl | r->d[1].fl) & SF_DF_RST) != 0;
    sf_side closer = SF_SIDE_NONE;
    sf_close_kind k;

    c->open = open_kind(r);
    if (c->open == SF_OPEN_REFUSED) {
        k = SF_CLOSE_REFUSED;
    } else if (rst && !(cf & SF_CF_FINS_BEFORE_RST)) {
        if (cf & SF_CF_FIN_BEFORE_RST) {
            k = SF_CLOSE_RST_AFTER_FIN;
            closer = side_of_first_fin(cf);
        } else if (cf & SF_CF_RST_CLIENT) {
            k = SF_CLOSE_RST_CLIENT;
            closer = SF_SIDE_CLIENT;
        } else {
            k = SF_CLOSE_RST_SERVER;
            closer = SF_SIDE_SERVER;
        }
    } else if (fins == 2) {
        k = fin_kind(cf, &closer);
    } else if (fins == 1) {
        k = SF_CLOSE_HALF_CLOSED_AT_END;
        closer = side_of_first_fin(cf);
    } else {
        k = c->open == SF_OPEN_UNANSWERED ? SF_CLOSE_UNANSWERED : SF_CLOSE_OPEN;
    }
    c->close = k;
    c->active_closer = closer;
    c->client_isn = r->d[0].isn;
    c->server_isn = r->d[1].isn;
    c->have_client_isn = (r->d[0].fl & (SF_DF_SYN | SF_DF_SYNACK)) != 0;
    c->have_server_isn = (r->d[1].fl & (SF_DF_SYN | SF_DF_SYNACK)) != 0;
    c->client_state = (sf_state)r->d[0].st;
    c->server_state = (sf_state)r->d[1].st;
    int tw_c = r->d[0].st == SF_ST_TIME_WAIT, tw_s = r->d[1].st == SF_ST_TIME_WAIT;
    c->time_wait = tw_c && tw_s ? SF_SIDE_BOTH : tw_c ? SF_SIDE_CLIENT : tw_s ? SF_SIDE_SERVER : SF_SIDE_NONE;
}

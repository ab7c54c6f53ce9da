/* \summary: the public per-connection summary (sf_conn), assembled from a live record for the views */
#include <string.h>
#include "conn_int.h"
#include "hosts.h"

/*
 * The engine stores no sf_conn: records keep narrower fields (and the app
 * summary only once payload arrived), and the summary is assembled here into
 * a scratch that views borrow for one callback (packet or conn_end).
 */

static void set_ep(sf_endpoint *ep, const uint8_t *addr, uint8_t ipver, uint16_t port)
{
    memset(ep->addr, 0, sizeof ep->addr);
    memcpy(ep->addr, addr, ipver == 6 ? 16 : 4);
    ep->port = port;
}

void sf_conn_fill(const sf_rec *r, const sf_hosts *h, sf_conn *c, uint8_t *app_empty)
{
    const sf_ckey *k = &r->h.key;
    c->id = r->h.id;
    c->ipver = k->ipver;
    if (r->h.client_is_a) {
        set_ep(&c->client, k->a, k->ipver, k->pa);
        set_ep(&c->server, k->b, k->ipver, k->pb);
    } else {
        set_ep(&c->client, k->b, k->ipver, k->pb);
        set_ep(&c->server, k->a, k->ipver, k->pa);
    }
    c->client_inferred = r->client_inferred;
    c->syn_retransmits = r->syn_retransmits;
    c->first_ts.sec = r->first_sec;
    c->first_ts.nsec = r->first_nsec;
    c->first_ts.prec = r->ts_prec[0];
    c->last_ts.sec = r->last_sec;
    c->last_ts.nsec = r->last_nsec;
    c->last_ts.prec = r->ts_prec[1];
    c->first_frame = r->first_frame;
    c->last_frame = r->last_frame;
    c->irtt_ns = r->irtt_ns;
    c->c2s.pkts = r->pkts[0];
    c->c2s.bytes = r->bytes[0];
    c->s2c.pkts = r->pkts[1];
    c->s2c.bytes = r->bytes[1];
    c->completeness = r->completeness;
    sf_conn_an_load(r, c);
    sf_close_refresh(r, c);      /* open, close, closer, time_wait, states, ISNs */
    sf_zeek_finish(r, c);        /* zeek_state, zeek_history */
    if (r->ext) {
        c->app = r->ext->sum;
        *app_empty = 0;
        c->client_name = sf_hosts_get(h, r->ext->name[0]);
        c->server_name = sf_hosts_get(h, r->ext->name[1]);
    } else {
        if (!*app_empty)         /* the scratch often holds an empty summary already */
            sf_conn_app_init(&c->app);
        *app_empty = 1;
        c->client_name = c->server_name = NULL;
    }
}

void sf_conn_an_load(const sf_rec *r, sf_conn *c)
{
    const sf_an_sum *m = &r->an.sum;
    memcpy(c->an_count, m->an_count, sizeof c->an_count);
    c->c2s.retrans_bytes = m->retrans_bytes[0];
    c->s2c.retrans_bytes = m->retrans_bytes[1];
    c->rtt_min_ns = m->rtt_min_ns;
    c->rtt_max_ns = m->rtt_max_ns;
    c->rtt_sum_ns = m->rtt_sum_ns;
    c->rtt_n = m->rtt_n;
    c->longest_stall_ns = m->longest_stall_ns;
}

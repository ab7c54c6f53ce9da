/* \summary: connection tracking engine: one pass, packet -> connection -> per-packet record -> views */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "conn_int.h"
#include "table.h"
#include "hosts.h"
#include "../render/view.h"

/*
 * Connection identity follows Wireshark's tcp.stream: a connection is the
 * unordered 4-tuple; a SYN without ACK whose seq differs from the base of
 * its direction starts a new connection (reused_ports). Ids count from 0 in
 * order of first packet.
 *
 * Streaming: a connection's record is emitted (view->conn_end) once it has
 * ended (RST, or both FINs acknowledged) and SF_LINGER_S seconds of capture
 * time have passed without a packet for it (late ACKs, FIN retransmissions
 * and RSTs still belong to it, as tshark would count them). Connections
 * that have not ended are kept like tshark keeps them, for ever, as long as
 * fewer than SF_IDLE_EVICT_ABOVE are live; above that, one idle for
 * idle_timeout_s is evicted with its summary (evicted_idle). At most
 * max_conns are kept (default: as many records as fit in SF_MEM_BUDGET):
 * beyond, the longest idle is evicted (evicted_cap).
 * At end of input the rest are emitted in id order. Emission order is a
 * function of the input only.
 */

#define SF_LINGER_S 10
#define SF_IDLE_S_DEFAULT 600
#define SF_IDLE_EVICT_ABOVE 50000u
/* Default cap: what fits in this much memory at the record's size. */
#define SF_MEM_BUDGET ((uint64_t)256 << 20)

struct sf_engine {
    sf_view *v;
    sf_stats st;
    sf_table t;
    sf_hosts hosts;              /* host names of text input */
    uint64_t next_id;
    int64_t now_ns;
    int have_now;
    int64_t idle_ns, linger_ns;
    uint64_t max_conns;
    sf_pinfo pi;                 /* scratch for the current packet */
};

sf_engine *sf_engine_new(const sf_engine_cfg *cfg, struct sf_view *view)
{
    sf_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (sf_table_init(&e->t)) {
        free(e);
        return NULL;
    }
    e->v = view;
    uint64_t idle = cfg && cfg->idle_timeout_s ? cfg->idle_timeout_s : SF_IDLE_S_DEFAULT;
    e->idle_ns = (int64_t)idle * 1000000000LL;
    e->linger_ns = (int64_t)SF_LINGER_S * 1000000000LL;
    e->max_conns = cfg && cfg->max_conns ? cfg->max_conns : SF_MEM_BUDGET / sizeof(sf_rec);
    return e;
}

const sf_stats *sf_engine_stats(const sf_engine *e) { return &e->st; }

/* Final summary to the view, then release the record. */
static void emit(sf_engine *e, sf_rec *r)
{
    sf_close_refresh(r);
    sf_zeek_finish(r);
    if (e->v->conn_end)
        e->v->conn_end(e->v->self, &r->c);
    sf_an_free(&r->an);
    sf_app_free(r->app);
    r->app = NULL;
    sf_table_remove(&e->t, r);
}

/* Emit connections whose linger or idle time has passed, oldest first. */
static void expire(sf_engine *e)
{
    for (;;) {
        sf_rec *a = sf_table_oldest(&e->t, SF_L_ENDED);
        sf_rec *b = sf_table_oldest(&e->t, SF_L_OPEN);
        int64_t da = a ? a->last_ns + e->linger_ns : INT64_MAX;
        int64_t db = b ? b->last_ns + e->idle_ns : INT64_MAX;
        if (da <= db && a && e->now_ns > da) {
            emit(e, a);
        } else if (b && e->now_ns > db && e->t.live > SF_IDLE_EVICT_ABOVE) {
            e->st.evicted_idle++;
            emit(e, b);
        } else {
            break;
        }
    }
}

/* Over the cap: emit ended connections first, then the longest idle. */
static void enforce_cap(sf_engine *e)
{
    while (e->t.live > e->max_conns) {
        sf_rec *a = sf_table_oldest(&e->t, SF_L_ENDED);
        if (a) {
            emit(e, a);
            continue;
        }
        sf_rec *b = sf_table_oldest(&e->t, SF_L_OPEN);
        if (!b)
            break;
        e->st.evicted_cap++;
        emit(e, b);
    }
}

/* Which side is the server when no SYN says so: a port under 1024 against
 * one above it, else the lower port, else the destination. 1 = dst. */
static int server_is_dst(uint16_t sport, uint16_t dport)
{
    int ws = sport < 1024, wd = dport < 1024;
    if (ws != wd)
        return wd;
    return dport <= sport;
}

static void set_ep(sf_endpoint *ep, const uint8_t *addr, uint8_t ipver, uint16_t port)
{
    memset(ep->addr, 0, sizeof ep->addr);
    memcpy(ep->addr, addr, ipver == 6 ? 16 : 4);
    ep->port = port;
}

static sf_rec *new_conn(sf_engine *e, const sf_ckey *k, uint32_t hash, const sf_pkt *p, int src_is_a,
                        int reused)
{
    sf_rec *r = sf_table_insert(&e->t, k, hash);
    if (!r)
        return NULL;
    e->st.conns++;
    sf_conn *c = &r->c;
    c->id = e->next_id++;
    c->ipver = p->ipver;
    const uint16_t f = p->flags;
    int client_is_src;
    if ((f & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN) {
        client_is_src = 1;
    } else if ((f & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK)) {
        client_is_src = 0;
    } else {
        client_is_src = server_is_dst(p->sport, p->dport);
        c->client_inferred = 1;
    }
    r->symmetric = p->sport == p->dport && !memcmp(p->src, p->dst, p->ipver == 6 ? 16 : 4);
    r->client_is_a = r->symmetric ? 1 : (uint8_t)(client_is_src ? src_is_a : !src_is_a);
    const char *cname, *sname;
    if (client_is_src || r->symmetric) {
        set_ep(&c->client, p->src, p->ipver, p->sport);
        set_ep(&c->server, p->dst, p->ipver, p->dport);
        cname = p->src_name, sname = p->dst_name;
    } else {
        set_ep(&c->client, p->dst, p->ipver, p->dport);
        set_ep(&c->server, p->src, p->ipver, p->sport);
        cname = p->dst_name, sname = p->src_name;
    }
    if (cname || sname) {        /* text input with host names */
        c->client_name = sf_hosts_get(&e->hosts, sf_hosts_intern(&e->hosts, cname));
        c->server_name = sf_hosts_get(&e->hosts, sf_hosts_intern(&e->hosts, sname));
    }
    c->first_ts = p->ts;
    c->first_frame = p->frame;
    c->irtt_ns = -1;
    c->rtt_min_ns = c->rtt_max_ns = 0;
    c->app.alert_desc = -1;
    sf_an_init(&r->an);
    if (reused) {
        r->cf |= SF_CF_REUSED;
        c->completeness = 1;     /* Wireshark: a new conversation from a SYN */
    }
    return r;
}

static int dir_of(const sf_rec *r, int src_is_a)
{
    if (r->symmetric)
        return 0;
    return src_is_a == r->client_is_a ? 0 : 1;
}

static void count_status(sf_stats *st, sf_dec_status s)
{
    switch (s) {
    case SF_DEC_TCP: st->tcp++; break;
    case SF_DEC_NOT_IP: st->not_ip++; break;
    case SF_DEC_NOT_TCP: st->not_tcp++; break;
    case SF_DEC_FRAGMENT: st->fragments++; break;
    case SF_DEC_TRUNCATED: st->truncated++; break;
    case SF_DEC_MALFORMED: st->malformed++; break;
    case SF_DEC_UNSUPPORTED: st->unsupported++; break;
    }
}

void sf_engine_packet(sf_engine *e, const sf_pkt *p)
{
    e->st.frames++;
    count_status(&e->st, p->status);
    /* Wireshark needs the header up to the window field to track a segment */
    if (p->status != SF_DEC_TCP || p->l4_caplen < 16 || (p->ipver != 4 && p->ipver != 6)) {
        e->v->packet(e->v->self, p, NULL, NULL);
        return;
    }
    const int64_t now = sf_ts_ns(&p->ts);
    if (!e->have_now || now > e->now_ns) {
        e->now_ns = now;
        e->have_now = 1;
    }
    expire(e);

    sf_ckey k;
    int src_is_a;
    uint32_t hash = sf_key_make(&k, p, &src_is_a);
    sf_rec *r = sf_table_find(&e->t, &k, hash);
    int reused = 0, d = 0;
    const uint16_t f = p->flags;
    if (r) {
        d = dir_of(r, src_is_a);
        /* a SYN with a new ISN: the tuple is reused by a new connection */
        if ((f & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN && (r->d[d].fl & SF_DF_BASE) &&
            p->seq != r->d[d].base) {
            emit(e, r);
            r = NULL;
            reused = 1;
        }
    }
    int first = 0;
    if (!r) {
        r = new_conn(e, &k, hash, p, src_is_a, reused);
        if (!r) {                /* out of memory: show the packet untracked */
            e->v->packet(e->v->self, p, NULL, NULL);
            return;
        }
        d = dir_of(r, src_is_a);
        first = 1;
    }

    sf_pinfo *pi = &e->pi;
    /* Everything before the (large) app part is reset; the app part is
     * meaningful only when app.proto is set, which sf_app_segment does. */
    memset(pi, 0, offsetof(sf_pinfo, app));
    pi->len = 0;
    pi->app.proto = SF_APP_NONE;
    pi->app.nrec = 0;
    pi->app.sni[0] = 0;
    pi->app.tls_version = 0;
    pi->app.alert_desc = -1;
    pi->app.http_method[0] = 0;
    pi->app.http_uri[0] = 0;
    pi->app.http_status = 0;
    pi->app.http_clen = -1;
    pi->conn = r->c.id;
    pi->dir = (uint8_t)d;
    pi->ack_rtt_ns = -1;
    pi->irtt_ns = -1;
    if (reused)
        pi->analysis |= SF_AN_REUSED_PORTS;
    /* Wireshark: a SYN-ACK with a new ISN also counts as reused ports */
    if ((f & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK) && (r->d[d].fl & SF_DF_BASE) &&
        p->seq != r->d[d].base)
        pi->analysis |= SF_AN_REUSED_PORTS;

    int have;
    const uint32_t seglen = sf_seq_seglen(p, &have);
    if (first) {
        sf_state_init(r, d, p);
        sf_zeek_init(r, d, p);
    }
    sf_state_packet(r, d, p, seglen, pi);
    sf_seq_packet(r, d, p, first && !reused, pi);
    pi->client_state = (sf_state)r->d[0].st;
    pi->server_state = (sf_state)r->d[1].st;
    sf_zeek_packet(r, d, p, seglen);

    sf_conn *c = &r->c;
    sf_conn_stats *cs = d ? &c->s2c : &c->c2s;
    cs->pkts++;                  /* bytes: counted in sf_seq_packet */
    c->last_ts = p->ts;
    c->last_frame = p->frame;

    const uint32_t bases[2] = { r->d[0].base, r->d[1].base };
    sf_an_packet(&r->an, p, pi, c, bases);
    if (pi->analysis & SF_AN_KEEP_ALIVE) {
        pi->role |= SF_ROLE_KEEPALIVE;
        pi->role &= ~(uint32_t)(SF_ROLE_DATA | SF_ROLE_ACK);
    }
    if (pi->analysis & SF_AN_ZERO_WINDOW_PROBE)
        pi->role |= SF_ROLE_WINDOW_PROBE;

    if (seglen > 0 && have && !(f & SF_TH_RST)) {
        uint32_t rel = pi->rel_seq + ((f & SF_TH_SYN) ? 1u : 0u);
        sf_app_segment(&r->app, d, rel, p->payload, p->len, p->payload_caplen, c->client.port,
                       c->server.port, &pi->app, &c->app);
    }

    sf_close_refresh(r);
    e->v->packet(e->v->self, p, pi, c);

    r->last_ns = e->now_ns;
    if (!(r->cf & SF_CF_ENDED) && sf_state_ended(r))
        r->cf |= SF_CF_ENDED;
    sf_table_touch(&e->t, r, (r->cf & SF_CF_ENDED) ? SF_L_ENDED : SF_L_OPEN);
    enforce_cap(e);
}

void sf_engine_tick(sf_engine *e, const sf_time *now)
{
    const int64_t t = sf_ts_ns(now);
    if (!e->have_now || t > e->now_ns) {
        e->now_ns = t;
        e->have_now = 1;
    }
    expire(e);
}

static int by_id(const void *x, const void *y)
{
    const sf_rec *a = *(sf_rec *const *)x, *b = *(sf_rec *const *)y;
    return a->c.id < b->c.id ? -1 : a->c.id > b->c.id;
}

/* Emit every live connection in id order. */
static void drain(sf_engine *e)
{
    uint32_t n = e->t.live, k = 0;
    if (n == 0)
        return;
    sf_rec **all = malloc((size_t)n * sizeof *all);
    for (uint8_t l = SF_L_OPEN; l <= SF_L_ENDED; l++)
        for (uint32_t i = e->t.lhead[l]; i;) {
            sf_rec *r = sf_table_at(&e->t, i);
            i = r->lnext;
            if (all && k < n)
                all[k++] = r;
            else
                emit(e, r);      /* no memory for sorting: list order */
        }
    if (all) {
        qsort(all, k, sizeof *all, by_id);
        for (uint32_t i = 0; i < k; i++)
            emit(e, all[i]);
        free(all);
    }
}

void sf_engine_finish(sf_engine *e)
{
    drain(e);
    if (e->v->finish)
        e->v->finish(e->v->self, &e->st);
}

void sf_engine_free(sf_engine *e)
{
    if (!e)
        return;
    for (uint8_t l = SF_L_OPEN; l <= SF_L_ENDED; l++)
        for (uint32_t i = e->t.lhead[l]; i;) {
            sf_rec *r = sf_table_at(&e->t, i);
            i = r->lnext;
            sf_an_free(&r->an);
            sf_app_free(r->app);
        }
    sf_table_free(&e->t);
    sf_hosts_free(&e->hosts);
    free(e);
}

/* \summary: the json view: JSON Lines, one object per TCP packet and one per connection (docs/json.md) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "view.h"
#include "jsonw.h"
#include "tcpdump.h"

/* The app name functions come with the app module; tolerate their absence. */
#pragma weak sf_tls_hs_name
#pragma weak sf_tls_ct_name
#pragma weak sf_tls_alert_name
#pragma weak sf_tls_version_name

typedef struct json_view {
    sf_out *out;
    int64_t only_conn;
} json_view;

static void addr_str(char *b, size_t n, const sf_pkt *p, int dst)
{
    const char *name = dst ? p->dst_name : p->src_name;
    if (name)
        snprintf(b, n, "%s", name);
    else
        sf_tcpdump_addr(b, n, p->ipver, dst ? p->dst : p->src);
}

/* "ip:port" or "[v6]:port" */
static void ep_str(char *b, size_t n, const sf_endpoint *ep, int ipver)
{
    char a[64];
    sf_tcpdump_addr(a, sizeof a, ipver, ep->addr);
    if (ipver == 6)
        snprintf(b, n, "[%s]:%u", a, ep->port);
    else
        snprintf(b, n, "%s:%u", a, ep->port);
}

static int prec_of(const sf_time *t) { return t->prec == 6 ? 6 : 9; }

static int64_t dur_ns(const sf_time *end, const sf_time *start)
{
    return (end->sec - start->sec) * 1000000000LL + ((int64_t)end->nsec - (int64_t)start->nsec);
}

static const char *tls_rec_name(const sf_tls_rec *r, char *buf, size_t n)
{
    if (r->content_type == 22 && r->encrypted)
        return "encrypted_handshake";
    if (r->content_type == 22 && r->hs_type >= 0) {
        const char *s = sf_tls_hs_name ? sf_tls_hs_name(r->hs_type) : NULL;
        if (s)
            return s;
        snprintf(buf, n, "handshake_%d", r->hs_type);
        return buf;
    }
    const char *s = sf_tls_ct_name ? sf_tls_ct_name(r->content_type) : NULL;
    if (s)
        return s;
    snprintf(buf, n, "content_type_%u", r->content_type);
    return buf;
}

static const char *app_name(uint8_t proto)
{
    return proto == SF_APP_TLS ? "tls" : proto == SF_APP_HTTP ? "http" : NULL;
}

static void tls_version(sf_jw *w, uint16_t v)
{
    const char *s = v && sf_tls_version_name ? sf_tls_version_name(v) : NULL;
    if (s)
        sf_jw_kstr(w, "tls_version", s);
    else if (v)
        sf_jw_ku64(w, "tls_version", v);
    else
        sf_jw_knull(w, "tls_version");
}

static void tls_alert(sf_jw *w, int desc)
{
    const char *s = desc >= 0 && sf_tls_alert_name ? sf_tls_alert_name(desc) : NULL;
    if (s)
        sf_jw_kstr(w, "tls_alert", s);
    else if (desc >= 0)
        sf_jw_ku64(w, "tls_alert", (uint64_t)desc);
    else
        sf_jw_knull(w, "tls_alert");
}

static void packet_app(sf_jw *w, const sf_appinfo *a)
{
    const char *nm = app_name(a->proto);
    sf_jw_kstr(w, "app", nm);
    if (!nm)
        return;
    if (a->proto == SF_APP_TLS) {
        sf_jw_key(w, "tls_records");
        sf_out_chr(w->o, '[');
        for (unsigned i = 0; i < a->nrec && i < SF_APP_MAX_RECS; i++) {
            char b[32];
            if (i)
                sf_out_chr(w->o, ',');
            const char *s = tls_rec_name(&a->rec[i], b, sizeof b);
            sf_jw_strn(w->o, s, strlen(s));
        }
        sf_out_chr(w->o, ']');
        sf_jw_kstr(w, "tls_sni", a->sni[0] ? a->sni : NULL);
        tls_version(w, a->tls_version);
        tls_alert(w, a->alert_desc);
    } else {
        sf_jw_kstr(w, "http_method", a->http_method[0] ? a->http_method : NULL);
        sf_jw_kstr(w, "http_uri", a->http_method[0] ? a->http_uri : NULL);
        if (a->http_status)
            sf_jw_ku64(w, "http_status", (uint64_t)a->http_status);
        else
            sf_jw_knull(w, "http_status");
    }
}

static void jv_packet(void *self, const sf_pkt *p, const sf_pinfo *pi, const sf_conn *c)
{
    json_view *v = self;
    if (p->status != SF_DEC_TCP)
        return;
    if (v->only_conn >= 0 && (!pi || pi->conn != (uint64_t)v->only_conn))
        return;
    sf_jw w;
    char b[96];
    sf_jw_begin(&w, v->out);
    sf_jw_kstr(&w, "type", "packet");
    sf_jw_ku64(&w, "frame", p->frame);
    if (pi)
        sf_jw_ku64(&w, "conn", pi->conn);
    else
        sf_jw_knull(&w, "conn");
    if (p->ts_missing)
        sf_jw_knull(&w, "ts");
    else
        sf_jw_kts(&w, "ts", &p->ts);
    addr_str(b, sizeof b, p, 0);
    sf_jw_kstr(&w, "src", b);
    sf_jw_ku64(&w, "sport", p->sport);
    addr_str(b, sizeof b, p, 1);
    sf_jw_kstr(&w, "dst", b);
    sf_jw_ku64(&w, "dport", p->dport);
    if (pi)
        sf_jw_kstr(&w, "dir", pi->dir ? "s2c" : "c2s");
    else
        sf_jw_knull(&w, "dir");
    sf_jw_kstr(&w, "flags", sf_tcpdump_flags(p->flags, b));
    sf_jw_ku64(&w, "seq", p->seq);
    sf_jw_ku64(&w, "ack", p->ack);
    sf_jw_ku64(&w, "win", p->win);
    sf_jw_ku64(&w, "len", pi ? pi->len : p->len);
    if (!pi) {
        sf_jw_end(&w);
        return;
    }
    if (pi->rel_valid) {
        sf_jw_ku64(&w, "rel_seq", pi->rel_seq);
        if (p->flags & SF_TH_ACK)
            sf_jw_ku64(&w, "rel_ack", pi->rel_ack);
        else
            sf_jw_knull(&w, "rel_ack");
        sf_jw_ku64(&w, "nxtseq", pi->nxtseq);
    } else {
        sf_jw_knull(&w, "rel_seq");
        sf_jw_knull(&w, "rel_ack");
        sf_jw_knull(&w, "nxtseq");
    }
    char rb[128];
    sf_jw_kstr(&w, "role", sf_role_str(pi->role, rb, sizeof rb));
    sf_jw_ku64(&w, "hs_step", pi->hs_step);
    sf_jw_ku64(&w, "close_step", pi->close_step);
    sf_jw_kstr(&w, "client_state", sf_state_name(pi->client_state));
    sf_jw_kstr(&w, "server_state", sf_state_name(pi->server_state));
    sf_jw_kstr(&w, "ack_check", sf_ack_check_name(pi->ack_check));
    if (pi->ack_check == SF_ACK_OK || pi->ack_check == SF_ACK_PARTIAL || pi->ack_check == SF_ACK_AHEAD)
        sf_jw_ku64(&w, "expected_ack", pi->expected_ack);
    else
        sf_jw_knull(&w, "expected_ack");

    sf_jw_key(&w, "analysis");
    sf_out_chr(w.o, '[');
    int n = 0;
    for (unsigned bit = 0; bit < SF_AN__COUNT; bit++) {
        if (!(pi->analysis & (1u << bit)))
            continue;
        if (n++)
            sf_out_chr(w.o, ',');
        const char *s = sf_an_name(bit);
        sf_jw_strn(w.o, s, strlen(s));
    }
    sf_out_chr(w.o, ']');
    if (pi->analysis & SF_AN_DUPLICATE_ACK) {
        sf_jw_ku64(&w, "dup_ack_num", pi->dup_ack_num);
        sf_jw_ku64(&w, "dup_ack_frame", pi->dup_ack_frame);
    } else {
        sf_jw_knull(&w, "dup_ack_num");
        sf_jw_knull(&w, "dup_ack_frame");
    }
    if (pi->acks_frame)
        sf_jw_ku64(&w, "acks_frame", pi->acks_frame);
    else
        sf_jw_knull(&w, "acks_frame");
    int prec = prec_of(&p->ts);
    if (pi->ack_rtt_ns >= 0)
        sf_jw_ksec(&w, "ack_rtt", pi->ack_rtt_ns, prec);
    else
        sf_jw_knull(&w, "ack_rtt");
    if (pi->irtt_ns >= 0)
        sf_jw_ksec(&w, "irtt", pi->irtt_ns, prec);
    else
        sf_jw_knull(&w, "irtt");
    if (pi->win_scale == -1)
        sf_jw_ki64(&w, "calc_window", -1);   /* Wireshark: scale unknown */
    else
        sf_jw_ku64(&w, "calc_window", pi->calc_window);
    sf_jw_ki64(&w, "win_scale", pi->win_scale);
    if (p->nsack) {
        sf_jw_key(&w, "sack");
        sf_out_chr(w.o, '[');
        for (unsigned i = 0; i < p->nsack && i < SF_MAX_SACK; i++)
            sf_out_printf(w.o, "%s[%u,%u]", i ? "," : "", pi->rel_sack[i][0], pi->rel_sack[i][1]);
        sf_out_chr(w.o, ']');
    }
    packet_app(&w, &pi->app);
    (void)c;
    sf_jw_end(&w);
}

static void jv_conn(void *self, const sf_conn *c)
{
    json_view *v = self;
    if (v->only_conn >= 0 && c->id != (uint64_t)v->only_conn)
        return;
    sf_jw w;
    char b[96];
    int prec = prec_of(&c->first_ts);
    sf_jw_begin(&w, v->out);
    sf_jw_kstr(&w, "type", "conn");
    sf_jw_ku64(&w, "conn", c->id);
    ep_str(b, sizeof b, &c->client, c->ipver);
    sf_jw_kstr(&w, "client", b);
    ep_str(b, sizeof b, &c->server, c->ipver);
    sf_jw_kstr(&w, "server", b);
    sf_jw_kbool(&w, "client_inferred", c->client_inferred);
    sf_jw_ku64(&w, "ip", c->ipver);
    sf_jw_kstr(&w, "open", sf_open_name(c->open));
    sf_jw_kstr(&w, "close", sf_close_name(c->close));
    sf_jw_kstr(&w, "active_closer", sf_side_name(c->active_closer));
    sf_jw_kstr(&w, "time_wait", sf_side_name(c->time_wait));
    sf_jw_kstr(&w, "client_state", sf_state_name(c->client_state));
    sf_jw_kstr(&w, "server_state", sf_state_name(c->server_state));
    sf_jw_ku64(&w, "syn_retransmits", c->syn_retransmits);
    if (c->irtt_ns >= 0)
        sf_jw_ksec(&w, "irtt", c->irtt_ns, prec);
    else
        sf_jw_knull(&w, "irtt");
    sf_jw_ksec(&w, "duration", dur_ns(&c->last_ts, &c->first_ts), prec);
    sf_jw_kts(&w, "first_ts", &c->first_ts);
    sf_jw_kts(&w, "last_ts", &c->last_ts);
    sf_jw_ku64(&w, "first_frame", c->first_frame);
    sf_jw_ku64(&w, "last_frame", c->last_frame);
    sf_jw_ku64(&w, "c2s_pkts", c->c2s.pkts);
    sf_jw_ku64(&w, "c2s_bytes", c->c2s.bytes);
    sf_jw_ku64(&w, "s2c_pkts", c->s2c.pkts);
    sf_jw_ku64(&w, "s2c_bytes", c->s2c.bytes);
    sf_jw_ku64(&w, "c2s_retrans_bytes", c->c2s.retrans_bytes);
    sf_jw_ku64(&w, "s2c_retrans_bytes", c->s2c.retrans_bytes);
    if (c->have_client_isn)
        sf_jw_ku64(&w, "client_isn", c->client_isn);
    else
        sf_jw_knull(&w, "client_isn");
    if (c->have_server_isn)
        sf_jw_ku64(&w, "server_isn", c->server_isn);
    else
        sf_jw_knull(&w, "server_isn");
    sf_jw_ku64(&w, "completeness", c->completeness);
    sf_jw_kstr(&w, "zeek_state", c->zeek_state);
    sf_jw_kstr(&w, "zeek_history", c->zeek_history);

    sf_jw_key(&w, "analysis_counts");
    sf_out_chr(w.o, '{');
    int n = 0;
    for (unsigned bit = 0; bit < SF_AN__COUNT; bit++) {
        if (!c->an_count[bit])
            continue;
        sf_out_printf(w.o, "%s\"%s\":%u", n++ ? "," : "", sf_an_name(bit), c->an_count[bit]);
    }
    sf_out_chr(w.o, '}');
    if (c->rtt_n) {
        sf_jw_ksec(&w, "rtt_min", c->rtt_min_ns, prec);
        sf_jw_ksec(&w, "rtt_avg", c->rtt_sum_ns / (int64_t)c->rtt_n, prec);
        sf_jw_ksec(&w, "rtt_max", c->rtt_max_ns, prec);
    } else {
        sf_jw_knull(&w, "rtt_min");
        sf_jw_knull(&w, "rtt_avg");
        sf_jw_knull(&w, "rtt_max");
    }
    sf_jw_ku64(&w, "rtt_samples", c->rtt_n);
    sf_jw_ksec(&w, "longest_stall", c->longest_stall_ns, prec);

    const sf_conn_app *a = &c->app;
    sf_jw_kstr(&w, "app", app_name(a->proto));
    sf_jw_kstr(&w, "tls_sni", a->proto == SF_APP_TLS && a->sni[0] ? a->sni : NULL);
    if (a->proto == SF_APP_TLS) {
        tls_version(&w, a->tls_version);
        tls_alert(&w, a->alert_desc);
        sf_jw_kstr(&w, "tls_alert_from", a->alert_desc >= 0 ? (a->alert_from ? "server" : "client") : NULL);
    } else {
        sf_jw_knull(&w, "tls_version");
        sf_jw_knull(&w, "tls_alert");
        sf_jw_knull(&w, "tls_alert_from");
    }
    int http = a->proto == SF_APP_HTTP;
    sf_jw_kstr(&w, "http_method", http && a->http_method[0] ? a->http_method : NULL);
    sf_jw_kstr(&w, "http_uri", http && a->http_method[0] ? a->http_uri : NULL);
    if (http && a->http_status)
        sf_jw_ku64(&w, "http_status", (uint64_t)a->http_status);
    else
        sf_jw_knull(&w, "http_status");
    sf_jw_ku64(&w, "http_requests", http ? a->http_requests : 0);
    sf_jw_ku64(&w, "http_responses", http ? a->http_responses : 0);
    sf_jw_end(&w);
}

static void jv_finish(void *self, const sf_stats *st)
{
    json_view *v = self;
    sf_jw w;
    sf_jw_begin(&w, v->out);
    sf_jw_kstr(&w, "type", "stats");
    sf_jw_ku64(&w, "frames", st->frames);
    sf_jw_ku64(&w, "tcp", st->tcp);
    sf_jw_ku64(&w, "not_ip", st->not_ip);
    sf_jw_ku64(&w, "not_tcp", st->not_tcp);
    sf_jw_ku64(&w, "fragments", st->fragments);
    sf_jw_ku64(&w, "truncated", st->truncated);
    sf_jw_ku64(&w, "malformed", st->malformed);
    sf_jw_ku64(&w, "unsupported", st->unsupported);
    sf_jw_ku64(&w, "conns", st->conns);
    sf_jw_ku64(&w, "evicted_idle", st->evicted_idle);
    sf_jw_ku64(&w, "evicted_cap", st->evicted_cap);
    sf_jw_end(&w);
}

static void jv_destroy(void *self) { free(self); }

int sf_view_json(sf_view *v, const sf_opts *o, sf_out *out)
{
    json_view *jv = calloc(1, sizeof *jv);
    if (!jv) {
        fprintf(stderr, "synfin: out of memory\n");
        return -1;
    }
    jv->out = out;
    jv->only_conn = o ? o->only_conn : -1;
    v->self = jv;
    v->packet = jv_packet;
    v->conn_end = jv_conn;
    v->finish = jv_finish;
    v->destroy = jv_destroy;
    return 0;
}

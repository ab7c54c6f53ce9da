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

/* "ip:port", "[v6]:port", or "name:port" for a host name of text input */
static void ep_str(char *b, size_t n, const sf_endpoint *ep, int ipver, const char *name)
{
    char a[64];
    if (name) {
        snprintf(b, n, "%s:%u", name, ep->port);
        return;
    }
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
    /* TLS 1.3 protected record: the outer type (23) hides the real one, which
     * tshark reports as tls.record.opaque_type, not as a content type */
    if (r->opaque)
        return "opaque";
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

/* trusted ASCII (names from the tables) */
static char *put_s(char *q, const char *s)
{
    size_t n = strlen(s);
    memcpy(q, s, n);
    return q + n;
}

static char *put_addr(char *q, const sf_pkt *p, int dst)
{
    const char *name = dst ? p->dst_name : p->src_name;
    if (name)
        return sf_jw_esc(q, name, strnlen(name, 255));
    const uint8_t *a = dst ? p->dst : p->src;
    *q++ = '"';
    if (p->ipver == 4) {
        for (int i = 0; i < 4; i++) {
            if (i)
                *q++ = '.';
            q = sf_jw_u64(q, a[i]);
        }
    } else {
        char b[64];
        sf_tcpdump_addr(b, sizeof b, p->ipver, a);
        q = put_s(q, b);
    }
    *q++ = '"';
    return q;
}

static char *put_u64_or_null(char *q, int ok, uint64_t v)
{
    if (!ok)
        return put_s(q, "null");
    return sf_jw_u64(q, v);
}

static char *put_str_or_null(char *q, const char *s, size_t max)
{
    if (!s || !s[0])
        return put_s(q, "null");
    return sf_jw_esc(q, s, strnlen(s, max));
}

/* Every HTTP message whose header block ended in this segment (pipelining),
 * in order: {"method","uri"} for a request, {"status"} for a response; the
 * first is also given by http_method/http_uri/http_status. http_nmsg counts
 * them all, the list holds at most SF_APP_MAX_HTTP. At most ~2.5 KiB. */
static char *http_messages(char *q, const sf_appinfo *a)
{
    SF_JW_LIT(q, ",\"http_nmsg\":");
    q = sf_jw_u64(q, a->http_nmsg);
    SF_JW_LIT(q, ",\"http_messages\":[");
    unsigned n = a->http_nmsg < SF_APP_MAX_HTTP ? a->http_nmsg : SF_APP_MAX_HTTP;
    for (unsigned i = 0; i < n; i++) {
        const sf_http_msg *m = &a->http_msgs[i];
        if (i)
            *q++ = ',';
        if (m->is_request) {
            SF_JW_LIT(q, "{\"method\":");
            q = sf_jw_esc(q, m->method, strnlen(m->method, sizeof m->method));
            SF_JW_LIT(q, ",\"uri\":");
            q = sf_jw_esc(q, m->uri, strnlen(m->uri, sizeof m->uri));
        } else {
            SF_JW_LIT(q, "{\"status\":");
            q = sf_jw_i64(q, m->status);
        }
        *q++ = '}';
    }
    *q++ = ']';
    return q;
}

static char *packet_app(char *q, const sf_appinfo *a)
{
    const char *nm = app_name(a->proto);
    if (!nm)
        return put_s(q, ",\"app\":null");
    q = put_s(q, ",\"app\":\"");
    q = put_s(q, nm);
    *q++ = '"';
    if (a->proto == SF_APP_TLS) {
        SF_JW_LIT(q, ",\"tls_records\":[");
        for (unsigned i = 0; i < a->nrec && i < SF_APP_MAX_RECS; i++) {
            char b[32];
            if (i)
                *q++ = ',';
            const char *s = tls_rec_name(&a->rec[i], b, sizeof b);
            q = sf_jw_esc(q, s, strnlen(s, 31));
        }
        SF_JW_LIT(q, "],\"tls_sni\":");
        q = put_str_or_null(q, a->sni, sizeof a->sni);
        SF_JW_LIT(q, ",\"tls_version\":");
        const char *v = a->tls_version && sf_tls_version_name ? sf_tls_version_name(a->tls_version) : NULL;
        q = v ? sf_jw_esc(q, v, strnlen(v, 31)) : put_u64_or_null(q, a->tls_version != 0, a->tls_version);
        SF_JW_LIT(q, ",\"tls_alert\":");
        const char *al = a->alert_desc >= 0 && sf_tls_alert_name ? sf_tls_alert_name(a->alert_desc) : NULL;
        q = al ? sf_jw_esc(q, al, strnlen(al, 63))
               : put_u64_or_null(q, a->alert_desc >= 0, (uint64_t)(a->alert_desc >= 0 ? a->alert_desc : 0));
    } else {
        SF_JW_LIT(q, ",\"http_method\":");
        q = put_str_or_null(q, a->http_method, sizeof a->http_method);
        SF_JW_LIT(q, ",\"http_uri\":");
        q = put_str_or_null(q, a->http_method[0] ? a->http_uri : NULL, sizeof a->http_uri);
        SF_JW_LIT(q, ",\"http_status\":");
        q = put_u64_or_null(q, a->http_status > 0, (uint64_t)(a->http_status > 0 ? a->http_status : 0));
        q = http_messages(q, a);
    }
    return q;
}

/* Written straight into the output buffer: the packet path is hot. */
static void jv_packet(void *self, const sf_pkt *p, const sf_pinfo *pi)
{
    json_view *v = self;
    if (p->status != SF_DEC_TCP)
        return;
    if (v->only_conn >= 0 && (!pi || pi->conn != (uint64_t)v->only_conn))
        return;
    char *q0 = sf_out_reserve(v->out, 8192);
    if (!q0)
        return;
    char *q = q0, fb[16];
    SF_JW_LIT(q, "{\"type\":\"packet\",\"frame\":");
    q = sf_jw_u64(q, p->frame);
    SF_JW_LIT(q, ",\"conn\":");
    q = put_u64_or_null(q, pi != NULL, pi ? pi->conn : 0);
    SF_JW_LIT(q, ",\"ts\":");
    q = p->ts_missing ? put_s(q, "null") : sf_jw_ts(q, &p->ts);
    SF_JW_LIT(q, ",\"src\":");
    q = put_addr(q, p, 0);
    SF_JW_LIT(q, ",\"sport\":");
    q = sf_jw_u64(q, p->sport);
    SF_JW_LIT(q, ",\"dst\":");
    q = put_addr(q, p, 1);
    SF_JW_LIT(q, ",\"dport\":");
    q = sf_jw_u64(q, p->dport);
    SF_JW_LIT(q, ",\"dir\":");
    q = put_s(q, !pi ? "null" : pi->dir ? "\"s2c\"" : "\"c2s\"");
    SF_JW_LIT(q, ",\"flags\":\"");
    q = put_s(q, sf_tcpdump_flags(p->flags, fb));
    SF_JW_LIT(q, "\",\"seq\":");
    q = sf_jw_u64(q, p->seq);
    SF_JW_LIT(q, ",\"ack\":");
    q = sf_jw_u64(q, p->ack);
    SF_JW_LIT(q, ",\"win\":");
    q = sf_jw_u64(q, p->win);
    SF_JW_LIT(q, ",\"len\":");
    q = sf_jw_u64(q, pi ? pi->len : p->len);
    if (!pi) {
        SF_JW_LIT(q, "}\n");
        sf_out_commit(v->out, (size_t)(q - q0));
        return;
    }
    int rv = pi->rel_valid;
    SF_JW_LIT(q, ",\"rel_seq\":");
    q = put_u64_or_null(q, rv, pi->rel_seq);
    SF_JW_LIT(q, ",\"rel_ack\":");
    q = put_u64_or_null(q, rv && (p->flags & SF_TH_ACK), pi->rel_ack);
    SF_JW_LIT(q, ",\"nxtseq\":");
    q = put_u64_or_null(q, rv, pi->nxtseq);
    SF_JW_LIT(q, ",\"role\":\"");
    char rb[128];
    q = put_s(q, sf_role_str(pi->role, rb, sizeof rb));
    SF_JW_LIT(q, "\",\"hs_step\":");
    q = sf_jw_u64(q, pi->hs_step);
    SF_JW_LIT(q, ",\"close_step\":");
    q = sf_jw_u64(q, pi->close_step);
    SF_JW_LIT(q, ",\"client_state\":\"");
    q = put_s(q, sf_state_name(pi->client_state));
    SF_JW_LIT(q, "\",\"server_state\":\"");
    q = put_s(q, sf_state_name(pi->server_state));
    SF_JW_LIT(q, "\",\"ack_check\":\"");
    q = put_s(q, sf_ack_check_name(pi->ack_check));
    SF_JW_LIT(q, "\",\"expected_ack\":");
    q = put_u64_or_null(q, pi->ack_check == SF_ACK_OK || pi->ack_check == SF_ACK_PARTIAL ||
                        pi->ack_check == SF_ACK_AHEAD, pi->expected_ack);
    SF_JW_LIT(q, ",\"analysis\":[");
    int n = 0;
    for (unsigned bit = 0; pi->analysis && bit < SF_AN__COUNT; bit++) {
        if (!(pi->analysis & (1u << bit)))
            continue;
        if (n++)
            *q++ = ',';
        *q++ = '"';
        q = put_s(q, sf_an_name(bit));
        *q++ = '"';
    }
    int dup = (pi->analysis & SF_AN_DUPLICATE_ACK) != 0;
    SF_JW_LIT(q, "],\"dup_ack_num\":");
    q = put_u64_or_null(q, dup, pi->dup_ack_num);
    SF_JW_LIT(q, ",\"dup_ack_frame\":");
    q = put_u64_or_null(q, dup, pi->dup_ack_frame);
    SF_JW_LIT(q, ",\"acks_frame\":");
    q = put_u64_or_null(q, pi->acks_frame != 0, pi->acks_frame);
    int prec = prec_of(&p->ts);
    SF_JW_LIT(q, ",\"ack_rtt\":");
    q = pi->ack_rtt_ns >= 0 ? sf_jw_sec(q, pi->ack_rtt_ns, prec) : put_s(q, "null");
    SF_JW_LIT(q, ",\"irtt\":");
    q = pi->irtt_ns >= 0 ? sf_jw_sec(q, pi->irtt_ns, prec) : put_s(q, "null");
    SF_JW_LIT(q, ",\"calc_window\":");
    q = sf_jw_u64(q, pi->calc_window); /* raw window when the scale is unknown (win_scale -1), as tshark */
    SF_JW_LIT(q, ",\"win_scale\":");
    q = sf_jw_i64(q, pi->win_scale);
    if (p->nsack) {
        SF_JW_LIT(q, ",\"sack\":[");
        for (unsigned i = 0; i < p->nsack && i < SF_MAX_SACK; i++) {
            if (i)
                *q++ = ',';
            *q++ = '[';
            q = sf_jw_u64(q, pi->rel_sack[i][0]);
            *q++ = ',';
            q = sf_jw_u64(q, pi->rel_sack[i][1]);
            *q++ = ']';
        }
        *q++ = ']';
    }
    q = packet_app(q, &pi->app);
    SF_JW_LIT(q, "}\n");
    sf_out_commit(v->out, (size_t)(q - q0));
    if (v->out->line_flush)
        sf_out_flush(v->out);
}

static void jv_conn(void *self, const sf_conn *c)
{
    json_view *v = self;
    if (v->only_conn >= 0 && c->id != (uint64_t)v->only_conn)
        return;
    sf_jw w;
    char b[300];
    int prec = prec_of(&c->first_ts);
    sf_jw_begin(&w, v->out);
    sf_jw_kstr(&w, "type", "conn");
    sf_jw_ku64(&w, "conn", c->id);
    ep_str(b, sizeof b, &c->client, c->ipver, c->client_name);
    sf_jw_kstr(&w, "client", b);
    ep_str(b, sizeof b, &c->server, c->ipver, c->server_name);
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

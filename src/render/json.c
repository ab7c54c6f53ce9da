/* \summary: the json view: JSON Lines, one object per TCP packet (json_pkt.c) and one per connection (docs/json.md) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_int.h"

/* The app name functions come with the app module; tolerate their absence. */
#pragma weak sf_tls_hs_name
#pragma weak sf_tls_ct_name
#pragma weak sf_tls_alert_name
#pragma weak sf_tls_version_name

static int64_t dur_ns(const sf_time *end, const sf_time *start)
{
    return (end->sec - start->sec) * 1000000000LL + ((int64_t)end->nsec - (int64_t)start->nsec);
}

/* A key's string value: escaped, or null for NULL. Room: 6 * strlen(s) + 2. */
static char *put_str(char *q, const char *s)
{
    if (!s) {
        LIT_NULL(q);
        return q;
    }
    return sf_jw_esc(q, s, strlen(s));
}

static size_t slen(const char *s) { return s ? strlen(s) : 0; }

/* "ip:port", "[v6]:port", or "name:port" for a host name of text input,
 * cut to 299 bytes (as the snprintf into 300 bytes it replaces), as a JSON
 * string. Room: 6 * 299 + 2. */
#define JV_EP_MAX (6 * 299 + 2)
static char *put_ep(char *q, const sf_endpoint *ep, int ipver, const char *name)
{
    char b[320];
    size_t n;
    if (name) {
        n = strlen(name);
        if (n >= 299) {
            n = 299;
            memcpy(b, name, n);
        } else {
            memcpy(b, name, n);
            b[n] = ':';
            n = (size_t)(sf_fmt_u32(b + n + 1, ep->port) - b);
            if (n > 299)
                n = 299;
        }
        return sf_jw_esc(q, b, n);
    }
    /* an IP needs no escaping */
    *q++ = '"';
    if (ipver == 6) {
        *q++ = '[';
        q = sf_fmt_ipv6(q, ep->addr);
        *q++ = ']';
    } else {
        q = sf_fmt_ipv4(q, ep->addr);
    }
    *q++ = ':';
    q = put_u32(q, ep->port);
    *q++ = '"';
    return q;
}

/* ,"key": then seconds with prec decimals */
#define KSEC(q, key, ns, prec) (SF_JW_LIT(q, ",\"" key "\":"), (q) = put_sec((q), (ns), (prec)))
#define KU64(q, key, v) (SF_JW_LIT(q, ",\"" key "\":"), (q) = put_u64((q), (v)))
#define KSTR(q, key, s) (SF_JW_LIT(q, ",\"" key "\":"), (q) = put_str((q), (s)))
/* a name of the fixed vocabularies (track/names.c: no byte needs escaping), or null */
#define KNAME(q, key, s) (SF_JW_LIT(q, ",\"" key "\":"), (q) = put_qname((q), (s)))

static inline char *put_qname(char *q, const char *s)
{
    if (!s) {
        LIT_NULL(q);
        return q;
    }
    *q++ = '"';
    q = put_s(q, s);
    *q++ = '"';
    return q;
}

/* sf_jw_ts with its numbers inline. Room: 40. */
static inline char *put_tsq(char *q, const sf_time *t)
{
    if (t->sec < 0 || t->nsec >= 1000000000u)
        return sf_jw_ts(q, t);                /* out of range: written as captured */
    *q++ = '"';
    q = put_u64(q, (uint64_t)t->sec);
    *q++ = '.';
    q = t->prec == 6 ? sf_fmt_digits6_inl(q, t->nsec / 1000u) : sf_fmt_digits9_inl(q, t->nsec);
    *q++ = '"';
    return q;
}

/* One record per connection, written after one capacity check: the fixed
 * part (~60 keys, numbers, analysis counts) within 4 KiB, plus every string
 * at its escaped worst case. */
static void jv_conn(void *self, const sf_conn *c)
{
    json_view *v = self;
    if (v->only_conn >= 0 && c->id != (uint64_t)v->only_conn)
        return;
    const sf_conn_app *a = &c->app;
    int tls = a->proto == SF_APP_TLS, http = a->proto == SF_APP_HTTP;
    const char *open = sf_open_name(c->open), *close = sf_close_name(c->close);
    const char *closer = sf_side_name(c->active_closer), *tw = sf_side_name(c->time_wait);
    const char *cst = sf_state_name(c->client_state), *sst = sf_state_name(c->server_state);
    const char *sni = tls && a->sni[0] ? a->sni : NULL;
    const char *ver = tls && a->tls_version && sf_tls_version_name ? sf_tls_version_name(a->tls_version) : NULL;
    const char *alert = tls && a->alert_desc >= 0 && sf_tls_alert_name ? sf_tls_alert_name(a->alert_desc) : NULL;
    const char *meth = http && a->http_method[0] ? a->http_method : NULL;
    const char *uri = meth ? a->http_uri : NULL;
    size_t an_names = 0;
    for (unsigned bit = 0; bit < SF_AN__COUNT; bit++)
        if (c->an_count[bit])
            an_names += strlen(sf_an_name(bit));
    size_t strs = slen(open) + slen(close) + slen(closer) + slen(tw) + slen(cst) + slen(sst) +
                  strlen(c->zeek_state) + strlen(c->zeek_history) + slen(sni) + slen(ver) +
                  slen(alert) + slen(meth) + slen(uri);
    char *q0 = sf_out_reserve(v->out, 4096 + 2 * JV_EP_MAX + 6 * strs + an_names);
    if (!q0)
        return;
    char *q = q0;
    int prec = prec_of(&c->first_ts);

    SF_JW_LIT(q, "{\"type\":\"conn\"");
    KU64(q, "conn", c->id);
    SF_JW_LIT(q, ",\"client\":");
    q = put_ep(q, &c->client, c->ipver, c->client_name);
    SF_JW_LIT(q, ",\"server\":");
    q = put_ep(q, &c->server, c->ipver, c->server_name);
    if (c->client_inferred)
        SF_JW_LIT(q, ",\"client_inferred\":true");
    else
        SF_JW_LIT(q, ",\"client_inferred\":false");
    KU64(q, "ip", c->ipver);
    KNAME(q, "open", open);
    KNAME(q, "close", close);
    KNAME(q, "active_closer", closer);
    KNAME(q, "time_wait", tw);
    KNAME(q, "client_state", cst);
    KNAME(q, "server_state", sst);
    KU64(q, "syn_retransmits", c->syn_retransmits);
    if (c->irtt_ns >= 0)
        KSEC(q, "irtt", c->irtt_ns, prec);
    else
        SF_JW_LIT(q, ",\"irtt\":null");
    KSEC(q, "duration", dur_ns(&c->last_ts, &c->first_ts), prec);
    SF_JW_LIT(q, ",\"first_ts\":");
    q = put_tsq(q, &c->first_ts);
    SF_JW_LIT(q, ",\"last_ts\":");
    q = put_tsq(q, &c->last_ts);
    KU64(q, "first_frame", c->first_frame);
    KU64(q, "last_frame", c->last_frame);
    KU64(q, "c2s_pkts", c->c2s.pkts);
    KU64(q, "c2s_bytes", c->c2s.bytes);
    KU64(q, "s2c_pkts", c->s2c.pkts);
    KU64(q, "s2c_bytes", c->s2c.bytes);
    KU64(q, "c2s_retrans_bytes", c->c2s.retrans_bytes);
    KU64(q, "s2c_retrans_bytes", c->s2c.retrans_bytes);
    SF_JW_LIT(q, ",\"client_isn\":");
    q = put_u32_or_null(q, c->have_client_isn, c->client_isn);
    SF_JW_LIT(q, ",\"server_isn\":");
    q = put_u32_or_null(q, c->have_server_isn, c->server_isn);
    KU64(q, "completeness", c->completeness);
    KSTR(q, "zeek_state", c->zeek_state);
    KSTR(q, "zeek_history", c->zeek_history);

    SF_JW_LIT(q, ",\"analysis_counts\":{");
    int n = 0;
    for (unsigned bit = 0; bit < SF_AN__COUNT; bit++) {
        if (!c->an_count[bit])
            continue;
        if (n++)
            *q++ = ',';
        *q++ = '"';
        q = put_s(q, sf_an_name(bit));     /* the names need no escaping */
        *q++ = '"';
        *q++ = ':';
        q = put_u32(q, c->an_count[bit]);
    }
    *q++ = '}';
    if (c->rtt_n) {
        KSEC(q, "rtt_min", c->rtt_min_ns, prec);
        KSEC(q, "rtt_avg", c->rtt_sum_ns / (int64_t)c->rtt_n, prec);
        KSEC(q, "rtt_max", c->rtt_max_ns, prec);
    } else {
        SF_JW_LIT(q, ",\"rtt_min\":null,\"rtt_avg\":null,\"rtt_max\":null");
    }
    KU64(q, "rtt_samples", c->rtt_n);
    KSEC(q, "longest_stall", c->longest_stall_ns, prec);

    if (tls)
        SF_JW_LIT(q, ",\"app\":\"tls\"");
    else if (http)
        SF_JW_LIT(q, ",\"app\":\"http\"");
    else
        SF_JW_LIT(q, ",\"app\":null");
    KSTR(q, "tls_sni", sni);
    SF_JW_LIT(q, ",\"tls_version\":");
    if (ver)
        q = put_str(q, ver);
    else
        q = put_u32_or_null(q, tls && a->tls_version, a->tls_version);
    SF_JW_LIT(q, ",\"tls_alert\":");
    if (alert)
        q = put_str(q, alert);
    else
        q = put_u32_or_null(q, tls && a->alert_desc >= 0, (uint32_t)(a->alert_desc >= 0 ? a->alert_desc : 0));
    if (tls && a->alert_desc >= 0 && a->alert_from)
        SF_JW_LIT(q, ",\"tls_alert_from\":\"server\"");
    else if (tls && a->alert_desc >= 0)
        SF_JW_LIT(q, ",\"tls_alert_from\":\"client\"");
    else
        SF_JW_LIT(q, ",\"tls_alert_from\":null");
    KSTR(q, "http_method", meth);
    KSTR(q, "http_uri", uri);
    SF_JW_LIT(q, ",\"http_status\":");
    q = put_u64_or_null(q, http && a->http_status, (uint64_t)a->http_status);
    KU64(q, "http_requests", http ? a->http_requests : 0);
    KU64(q, "http_responses", http ? a->http_responses : 0);
    SF_JW_LIT(q, "}\n");
    sf_out_commit(v->out, (size_t)(q - q0));
    if (v->out->line_flush)
        sf_out_flush(v->out);
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

static void jv_destroy(void *self)
{
    json_view *v = self;
    sf_jpkt_free(v->pk);
    free(v);
}

int sf_view_json(sf_view *v, const sf_opts *o, sf_out *out)
{
    json_view *jv = calloc(1, sizeof *jv);
    if (!jv) {
        fprintf(stderr, "synfin: out of memory\n");
        return -1;
    }
    jv->pk = sf_jpkt_new();
    if (!jv->pk) {
        free(jv);
        fprintf(stderr, "synfin: out of memory\n");
        return -1;
    }
    jv->out = out;
    jv->only_conn = o ? o->only_conn : -1;
    v->self = jv;
    v->packet = sf_jv_packet;
    v->conn_end = jv_conn;
    v->finish = jv_finish;
    v->destroy = jv_destroy;
    return 0;
}

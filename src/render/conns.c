/* \summary: the conns view: one aligned row per connection, printed when the connection ends */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "view.h"
#include "tcpdump.h"

#pragma weak sf_tls_version_name
#pragma weak sf_tls_alert_name

/*
 * Rows stream out as connections end (live capture shows them as they go),
 * so columns have fixed widths wide enough for IPv4 endpoints; a longer
 * (IPv6) endpoint widens only its own row. Untrusted text (SNI, URI) is
 * printed with control and non-ASCII bytes escaped as \xNN.
 */

typedef struct conns_view {
    sf_out *out;
    int64_t only_conn;
    uint64_t rows;
    int header_done;
    int any_inferred;
} conns_view;

#define W_EP 21

/* untrusted text into b (room for 4 * strlen + 1): printable ASCII kept, others \xNN */
static void esc_into(char *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            *b++ = (char)c;
        } else {
            *b++ = '\\', *b++ = 'x', *b++ = hex[c >> 4], *b++ = hex[c & 15];
        }
    }
    *b = 0;
}

static void ep_str(char *b, size_t n, const sf_endpoint *ep, int ipver, const char *name, int mark)
{
    char a[64];
    if (name) {                  /* a host name of text input (at most 255 bytes) */
        char e[4 * 256];
        esc_into(e, name);
        snprintf(b, n, "%s:%u%s", e, ep->port, mark ? "*" : "");
        return;
    }
    sf_tcpdump_addr(a, sizeof a, ipver, ep->addr);
    if (ipver == 6)
        snprintf(b, n, "[%s]:%u%s", a, ep->port, mark ? "*" : "");
    else
        snprintf(b, n, "%s:%u%s", a, ep->port, mark ? "*" : "");
}

/* seconds as a short human duration: 438us, 12.5ms, 3.20s, 1h02m */
static void dur_str(char *b, size_t n, int64_t ns)
{
    if (ns < 0) {
        snprintf(b, n, "-");
    } else if (ns < 1000000) {
        snprintf(b, n, "%lldus", (long long)(ns / 1000));
    } else if (ns < 1000000000LL) {
        snprintf(b, n, "%.1fms", (double)ns / 1e6);
    } else if (ns < 3600LL * 1000000000LL) {
        snprintf(b, n, "%.2fs", (double)ns / 1e9);
    } else {
        long long s = (long long)(ns / 1000000000LL);
        snprintf(b, n, "%lldh%02lldm", s / 3600, (s / 60) % 60);
    }
}

/* untrusted bytes, printable ASCII kept, others \xNN, at most max bytes of input */
static void safe_str(sf_out *o, const char *s, size_t max)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    for (i = 0; s[i] && i < max; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            sf_out_chr(o, (char)c);
        } else {
            char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };
            sf_out_write(o, e, 4);
        }
    }
    if (s[i])
        sf_out_str(o, "...");
}

static void app_str(sf_out *o, const sf_conn_app *a)
{
    if (a->proto == SF_APP_TLS) {
        sf_out_str(o, "tls");
        if (a->sni[0]) {
            sf_out_chr(o, ' ');
            safe_str(o, a->sni, 48);
        }
        const char *v = a->tls_version && sf_tls_version_name ? sf_tls_version_name(a->tls_version) : NULL;
        if (v)
            sf_out_printf(o, " %s", v);
        if (a->alert_desc >= 0) {
            const char *ad = sf_tls_alert_name ? sf_tls_alert_name(a->alert_desc) : NULL;
            sf_out_printf(o, " alert(%s) %s", a->alert_from ? "server" : "client", ad ? ad : "?");
        }
    } else if (a->proto == SF_APP_HTTP) {
        sf_out_str(o, "http");
        if (a->http_method[0]) {
            sf_out_chr(o, ' ');
            safe_str(o, a->http_method, sizeof a->http_method);
            sf_out_chr(o, ' ');
            safe_str(o, a->http_uri, 40);
        }
        if (a->http_status)
            sf_out_printf(o, " %d", a->http_status);
        if (a->http_requests > 1 || a->http_responses > 1)
            sf_out_printf(o, " (%u req, %u resp)", a->http_requests, a->http_responses);
    } else {
        sf_out_chr(o, '-');
    }
}

static void header(conns_view *v)
{
    sf_out_printf(v->out, "%4s  %-*s %-*s %-20s %-18s %-6s %-6s %15s %15s %8s %9s  %-6s %-14s %s",
                  "ID", W_EP, "CLIENT", W_EP, "SERVER", "OPEN", "CLOSE", "CLOSER", "TWAIT",
                  "C>S PKTS/BYTES", "S>C PKTS/BYTES", "IRTT", "DURATION", "ZEEK", "HISTORY", "APP");
    sf_out_eol(v->out);
    v->header_done = 1;
}

static void cv_packet(void *self, const sf_pkt *p, const sf_pinfo *pi, const sf_conn *c)
{
    (void)self; (void)p; (void)pi; (void)c;
}

static void cv_conn(void *self, const sf_conn *c)
{
    conns_view *v = self;
    if (v->only_conn >= 0 && c->id != (uint64_t)v->only_conn)
        return;
    if (!v->header_done)
        header(v);
    char cl[1100], sv[1100], a[40], b[40], irtt[24], dur[24];
    ep_str(cl, sizeof cl, &c->client, c->ipver, c->client_name, c->client_inferred);
    ep_str(sv, sizeof sv, &c->server, c->ipver, c->server_name, 0);
    snprintf(a, sizeof a, "%llu/%llu", (unsigned long long)c->c2s.pkts, (unsigned long long)c->c2s.bytes);
    snprintf(b, sizeof b, "%llu/%llu", (unsigned long long)c->s2c.pkts, (unsigned long long)c->s2c.bytes);
    dur_str(irtt, sizeof irtt, c->irtt_ns);
    int64_t d = (c->last_ts.sec - c->first_ts.sec) * 1000000000LL +
                ((int64_t)c->last_ts.nsec - (int64_t)c->first_ts.nsec);
    dur_str(dur, sizeof dur, d);
    sf_out_printf(v->out, "%4llu  %-*s %-*s %-20s %-18s %-6s %-6s %15s %15s %8s %9s  %-6s %-14s ",
                  (unsigned long long)c->id, W_EP, cl, W_EP, sv, sf_open_name(c->open),
                  sf_close_name(c->close), sf_side_name(c->active_closer), sf_side_name(c->time_wait), a, b,
                  irtt, dur, c->zeek_state[0] ? c->zeek_state : "-",
                  c->zeek_history[0] ? c->zeek_history : "-");
    app_str(v->out, &c->app);
    sf_out_eol(v->out);
    v->rows++;
    v->any_inferred |= c->client_inferred;
}

static void cv_finish(void *self, const sf_stats *st)
{
    conns_view *v = self;
    if (v->rows == 0) {
        sf_out_str(v->out, "no TCP connections");
        sf_out_eol(v->out);
    }
    sf_out_printf(v->out, "%llu connection%s, %llu TCP packet%s", (unsigned long long)st->conns,
                  st->conns == 1 ? "" : "s", (unsigned long long)st->tcp, st->tcp == 1 ? "" : "s");
    if (st->evicted_idle || st->evicted_cap)
        sf_out_printf(v->out, " (%llu evicted idle, %llu evicted over the limit)",
                      (unsigned long long)st->evicted_idle, (unsigned long long)st->evicted_cap);
    sf_out_eol(v->out);
    if (v->any_inferred) {
        sf_out_str(v->out, "* client/server inferred from the ports (no SYN or SYN-ACK seen)");
        sf_out_eol(v->out);
    }
}

static void cv_destroy(void *self) { free(self); }

int sf_view_conns(sf_view *v, const sf_opts *o, sf_out *out)
{
    conns_view *cv = calloc(1, sizeof *cv);
    if (!cv) {
        fprintf(stderr, "synfin: out of memory\n");
        return -1;
    }
    cv->out = out;
    cv->only_conn = o ? o->only_conn : -1;
    v->self = cv;
    v->packet = cv_packet;
    v->conn_end = cv_conn;
    v->finish = cv_finish;
    v->destroy = cv_destroy;
    return 0;
}

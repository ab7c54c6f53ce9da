/* \summary: the conns view: one aligned row per connection, printed when the connection ends */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "view.h"
#include "tcpdump.h"
#include "../util/fmt.h"

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

/* untrusted text at q (room for 4 * strlen): printable ASCII kept, others \xNN */
static char *esc_into(char *q, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            *q++ = (char)c;
        } else {
            *q++ = '\\', *q++ = 'x', *q++ = hex[c >> 4], *q++ = hex[c & 15];
        }
    }
    return q;
}

/* "ip:port", "[v6]:port" or "name:port" (a host name of text input, at most
 * 255 bytes), then '*' if marked, at q (room: EP_MAX); returns the end. */
#define EP_MAX (4 * 255 + 2 + SF_FMT_IP6_MAX + 1 + SF_FMT_U64_MAX + 1)
static char *ep_str(char *q, const sf_endpoint *ep, int ipver, const char *name, int mark)
{
    if (name) {
        q = esc_into(q, name);
    } else if (ipver == 6) {
        *q++ = '[';
        q = sf_fmt_ipv6(q, ep->addr);
        *q++ = ']';
    } else {
        q = sf_fmt_ipv4(q, ep->addr);
    }
    *q++ = ':';
    q = sf_fmt_u64(q, ep->port);
    if (mark)
        *q++ = '*';
    return q;
}

/* s (n bytes) left-aligned in a column of width w, then `gap` spaces */
static char *col_l(char *q, const char *s, size_t n, size_t w, int gap)
{
    memcpy(q, s, n);
    q += n;
    for (; n < w; n++)
        *q++ = ' ';
    for (; gap > 0; gap--)
        *q++ = ' ';
    return q;
}

/* right-aligned */
static char *col_r(char *q, const char *s, size_t n, size_t w, int gap)
{
    for (; n < w; w--)
        *q++ = ' ';
    memcpy(q, s, n);
    q += n;
    for (; gap > 0; gap--)
        *q++ = ' ';
    return q;
}

static char *col_ls(char *q, const char *s, size_t w, int gap) { return col_l(q, s, strlen(s), w, gap); }

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
        if (v) {
            sf_out_chr(o, ' ');
            sf_out_str(o, v);
        }
        if (a->alert_desc >= 0) {
            const char *ad = sf_tls_alert_name ? sf_tls_alert_name(a->alert_desc) : NULL;
            sf_out_str(o, a->alert_from ? " alert(server) " : " alert(client) ");
            sf_out_str(o, ad ? ad : "?");
        }
    } else if (a->proto == SF_APP_HTTP) {
        sf_out_str(o, "http");
        if (a->http_method[0]) {
            sf_out_chr(o, ' ');
            safe_str(o, a->http_method, sizeof a->http_method);
            sf_out_chr(o, ' ');
            safe_str(o, a->http_uri, 40);
        }
        if (a->http_status) {
            sf_out_chr(o, ' ');
            sf_out_i64(o, a->http_status);
        }
        if (a->http_requests > 1 || a->http_responses > 1) {
            sf_out_str(o, " (");
            sf_out_u64(o, a->http_requests);
            sf_out_str(o, " req, ");
            sf_out_u64(o, a->http_responses);
            sf_out_str(o, " resp)");
        }
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

static void cv_packet(void *self, const sf_pkt *p, const sf_pinfo *pi)
{
    (void)self; (void)p; (void)pi;
}

static void cv_conn(void *self, const sf_conn *c)
{
    conns_view *v = self;
    if (v->only_conn >= 0 && c->id != (uint64_t)v->only_conn)
        return;
    if (!v->header_done)
        header(v);
    /* the row is the hottest output of this view: formatted without printf,
     * column for column as "%4llu  %-21s %-21s %-20s %-18s %-6s %-6s %15s
     * %15s %8s %9s  %-6s %-14s " */
    char *q0 = sf_out_reserve(v->out, 2 * EP_MAX + 512);
    if (!q0)
        return;
    char t[2 * EP_MAX], *e;
    char *q = col_r(q0, t, (size_t)(sf_fmt_u64(t, c->id) - t), 4, 2);
    e = ep_str(t, &c->client, c->ipver, c->client_name, c->client_inferred);
    q = col_l(q, t, (size_t)(e - t), W_EP, 1);
    e = ep_str(t, &c->server, c->ipver, c->server_name, 0);
    q = col_l(q, t, (size_t)(e - t), W_EP, 1);
    q = col_ls(q, sf_open_name(c->open), 20, 1);
    q = col_ls(q, sf_close_name(c->close), 18, 1);
    q = col_ls(q, sf_side_name(c->active_closer), 6, 1);
    q = col_ls(q, sf_side_name(c->time_wait), 6, 1);
    e = sf_fmt_u64(t, c->c2s.pkts);
    *e++ = '/';
    e = sf_fmt_u64(e, c->c2s.bytes);
    q = col_r(q, t, (size_t)(e - t), 15, 1);
    e = sf_fmt_u64(t, c->s2c.pkts);
    *e++ = '/';
    e = sf_fmt_u64(e, c->s2c.bytes);
    q = col_r(q, t, (size_t)(e - t), 15, 1);
    /* durations: "%.1fms"/"%.2fs" of a double, reproduced without printf */
    e = sf_fmt_dur(t, c->irtt_ns);
    q = col_r(q, t, (size_t)(e - t), 8, 1);
    int64_t d = (c->last_ts.sec - c->first_ts.sec) * 1000000000LL +
                ((int64_t)c->last_ts.nsec - (int64_t)c->first_ts.nsec);
    e = sf_fmt_dur(t, d);
    q = col_r(q, t, (size_t)(e - t), 9, 2);
    q = col_ls(q, c->zeek_state[0] ? c->zeek_state : "-", 6, 1);
    q = col_l(q, c->zeek_history[0] ? c->zeek_history : "-",
              c->zeek_history[0] ? strnlen(c->zeek_history, sizeof c->zeek_history) : 1, 14, 1);
    sf_out_commit(v->out, (size_t)(q - q0));
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

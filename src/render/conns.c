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

/* A named column's text for one enum value, made once (cell_make): the
 * name padded with spaces to the column width and the gap after it, written
 * as one fixed 32-byte copy; n = how far it advances, 0 if it does not fit
 * (then written the general way). */
typedef struct cv_cell {
    char s[32];
    uint8_t n;
} cv_cell;

#define N_SIDE (SF_SIDE_BOTH + 1)

typedef struct conns_view {
    sf_out *out;
    int64_t only_conn;
    uint64_t rows;
    int header_done;
    int any_inferred;
    cv_cell open[SF_OPEN__COUNT], close[SF_CLOSE__COUNT], side[N_SIDE];
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
    q = sf_fmt_u32_wide_inl(q, ep->port);   /* (its scratch: overwritten below or by the caller) */
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

/* ---- the row's columns without calls (cv_conn) ----
 * The row is written into the room sf_out_reserve gave, column after
 * column. A column may write fixed-size blocks past its own end (spaces,
 * or scratch digits of sf_fmt_u32_wide_inl, at most 16 bytes past where it
 * started its last piece); the next column's first write, a fixed block of
 * at least that reach from its start, covers them, and what lies past the
 * last column is never committed. */

static void cell_make(cv_cell *c, const char *s, size_t w, int gap)
{
    size_t n = strlen(s), adv = (n > w ? n : w) + (size_t)gap;
    memset(c->s, ' ', sizeof c->s);
    c->n = 0;
    if (adv > sizeof c->s)
        return;
    memcpy(c->s, s, n);
    c->n = (uint8_t)adv;
}

static inline char *put_cell(char *q, const cv_cell *c)
{
    memcpy(q, c->s, sizeof c->s);
    return q + c->n;
}

/* decimal digits of v (1 for 0) */
static inline unsigned ndig32(uint32_t v)
{
    static const uint32_t p10[10] = { 1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
                                      10000000u, 100000000u, 1000000000u };
    unsigned t = ((32u - (unsigned)__builtin_clz(v | 1u)) * 1233u) >> 12;
    return t + 1u - ((v | 1u) < p10[t]);   /* (v | 1: one digit for 0) */
}

/* "%4llu  " of the id */
static inline char *col_id(char *q, uint64_t id)
{
    unsigned n;
    if (id > UINT32_MAX || (n = ndig32((uint32_t)id)) > 4) {
        char t[SF_FMT_U64_MAX];
        return col_r(q, t, (size_t)(sf_fmt_u64(t, id) - t), 4, 2);
    }
    memset(q, ' ', 8);
    (void)sf_fmt_u32_wide_inl(q + 4 - n, (uint32_t)id);
    q[4] = q[5] = ' ';
    return q + 6;
}

/* an endpoint left-aligned in its column, written in place: "%-21s " */
static inline char *col_ep(char *q, const sf_endpoint *ep, int ipver, const char *name, int mark)
{
    char *e = ep_str(q, ep, ipver, name, mark);
    memset(e, ' ', 24);          /* the padding (e >= q + 9: "0.0.0.0:0") and the gap */
    return (e - q > W_EP ? e : q + W_EP) + 1;
}

/* "%15s " of "a/b" */
static inline char *col_pair(char *q, uint64_t a, uint64_t b)
{
    unsigned n;
    if ((a | b) > UINT32_MAX || (n = ndig32((uint32_t)a) + 1u + ndig32((uint32_t)b)) > 15) {
        char t[2 * SF_FMT_U64_MAX + 1];
        char *e = sf_fmt_u64(t, a);
        *e++ = '/';
        e = sf_fmt_u64(e, b);
        return col_r(q, t, (size_t)(e - t), 15, 1);
    }
    memset(q, ' ', 16);
    char *e = sf_fmt_u32_wide_inl(q + 15 - n, (uint32_t)a);
    *e++ = '/';
    e = sf_fmt_u32_wide_inl(e, (uint32_t)b);  /* e = q + 15 */
    *e = ' ';
    return e + 1;
}

/* The two "%15s " columns of "pkts/bytes" (c2s, then s2c): all four
 * values turned into digits at once when they are below 10^8 (sf_fmt_dig4),
 * each pair then placed by its length. */
static inline char *col_pairs(char *q, const sf_conn *c)
{
#ifdef SF_FMT_DIG4
    if ((c->c2s.pkts | c->c2s.bytes | c->s2c.pkts | c->s2c.bytes) < 100000000u) {
        sf_dig4 r;
        sf_fmt_dig4(&r, (uint32_t)c->c2s.pkts, (uint32_t)c->c2s.bytes, (uint32_t)c->s2c.pkts,
                    (uint32_t)c->s2c.bytes);
        for (int i = 0; i < 4; i += 2) {
            unsigned na, nb;
            const uint64_t a = sf_dig4_word(&r, i, &na), b = sf_dig4_word(&r, i + 1, &nb);
            const unsigned n = na + 1 + nb;
            char t[24], *s = t;
            if (n <= 15) {                        /* (else in t, then col_r) */
                memset(q, ' ', 16);
                s = q + 15 - n;
            }
            /* a, '/', b: the zero bytes past each are overwritten by what
             * follows, or lie past the column (the next one's first block) */
            memcpy(s, &a, 8);
            s[na] = '/';
            memcpy(s + na + 1, &b, 8);
            if (n <= 15) {
                q[15] = ' ';
                q += 16;
            } else {
                q = col_r(q, t, n, 15, 1);
            }
        }
        return q;
    }
#endif
    q = col_pair(q, c->c2s.pkts, c->c2s.bytes);
    return col_pair(q, c->s2c.pkts, c->s2c.bytes);
}

/* a duration right-aligned in width w (<= 16), then gap (<= 2) spaces
 * (t starts as spaces only so that no byte copied from it is undefined) */
static inline char *col_dur(char *q, int64_t ns, size_t w, int gap)
{
    char t[SF_FMT_DUR_MAX];
    memset(t, ' ', 16);
    size_t n = (size_t)(sf_fmt_dur(t, ns) - t);
    if (n > w)
        return col_r(q, t, n, w, gap);
    memset(q, ' ', 16);
    memcpy(q + w - n, t, 16);    /* the text, then what t holds past it */
    memset(q + w, ' ', 2);       /* the gap: sf_fmt_dur may leave scratch or a NUL past t + n */
    return q + w + gap;
}

/* length of the NUL-terminated text in the 8 bytes at s; 8 if none ends there */
static inline unsigned len8(const char *s)
{
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t z = (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return z ? (unsigned)__builtin_ctzll(z) >> 3 : 8u;
#else
    return z ? (unsigned)strnlen(s, 8) : 8u;
#endif
}

/* "%-Ws " of the n-byte string s ("-" if n is 0), whose field holds cap
 * bytes: the whole field is copied and w + 2 blanks laid after the string
 * (the row's reserve has room), so no length decides a branch. */
static inline char *col_short(char *q, const char *s, unsigned n, unsigned cap, unsigned w)
{
    if (n == 0) {
        memset(q, ' ', w + 2);
        *q = '-';
        return q + w + 1;
    }
    memcpy(q, s, cap);
    memset(q + n, ' ', w + 2);
    return q + (n > w ? n : w) + 1;
}

/* "%-6s " of the Zeek state ("-" if empty) */
static inline char *col_zstate(char *q, const char st[8])
{
    unsigned n = len8(st);
    return n == 8 ? col_ls(q, st, 6, 1) : col_short(q, st, n, 8, 6);
}

/* "%-14s " of the Zeek history (at most 24 bytes; "-" if empty) */
static inline char *col_hist(char *q, const char h[24])
{
    unsigned n = len8(h);
    if (n == 8 && (n += len8(h + 8)) == 16)
        n += len8(h + 16);
    return col_short(q, h, n, 24, 14);
}

/* The app column and the end of the line written in place when it is one
 * word ("tls", "http", "-"); NULL if app_str must write it. */
static inline char *col_app_short(char *q, const sf_conn_app *a)
{
    if (a->proto == SF_APP_TLS) {
        if (a->sni[0] || (a->tls_version && sf_tls_version_name && sf_tls_version_name(a->tls_version)) ||
            a->alert_desc >= 0)
            return NULL;
        memcpy(q, "tls\n", 4);
        return q + 4;
    }
    if (a->proto == SF_APP_HTTP) {
        if (a->http_method[0] || a->http_status || a->http_requests > 1 || a->http_responses > 1)
            return NULL;
        memcpy(q, "http\n", 5);
        return q + 5;
    }
    memcpy(q, "-\n", 2);
    return q + 2;
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
     * %15s %8s %9s  %-6s %-14s " (see "the row's columns" above) */
    char *q0 = sf_out_reserve(v->out, 2 * EP_MAX + 512);
    if (!q0)
        return;
    char *q = col_id(q0, c->id);
    q = col_ep(q, &c->client, c->ipver, c->client_name, c->client_inferred);
    q = col_ep(q, &c->server, c->ipver, c->server_name, 0);
    q = (unsigned)c->open < SF_OPEN__COUNT && v->open[c->open].n ? put_cell(q, &v->open[c->open])
                                                                  : col_ls(q, sf_open_name(c->open), 20, 1);
    q = (unsigned)c->close < SF_CLOSE__COUNT && v->close[c->close].n ? put_cell(q, &v->close[c->close])
                                                                      : col_ls(q, sf_close_name(c->close), 18, 1);
    q = (unsigned)c->active_closer < N_SIDE && v->side[c->active_closer].n
            ? put_cell(q, &v->side[c->active_closer])
            : col_ls(q, sf_side_name(c->active_closer), 6, 1);
    q = (unsigned)c->time_wait < N_SIDE && v->side[c->time_wait].n ? put_cell(q, &v->side[c->time_wait])
                                                                    : col_ls(q, sf_side_name(c->time_wait), 6, 1);
    q = col_pairs(q, c);
    /* durations: "%.1fms"/"%.2fs" of a double, reproduced without printf */
    q = col_dur(q, c->irtt_ns, 8, 1);
    int64_t d = (c->last_ts.sec - c->first_ts.sec) * 1000000000LL +
                ((int64_t)c->last_ts.nsec - (int64_t)c->first_ts.nsec);
    q = col_dur(q, d, 9, 2);
    q = col_zstate(q, c->zeek_state);
    q = col_hist(q, c->zeek_history);
    char *e = col_app_short(q, &c->app);
    if (e) {
        /* what sf_out_eol does after the '\n' */
        sf_out_commit(v->out, (size_t)(e - q0));
        if (v->out->line_flush)
            sf_out_flush(v->out);
    } else {
        sf_out_commit(v->out, (size_t)(q - q0));
        app_str(v->out, &c->app);
        sf_out_eol(v->out);
    }
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
    for (int k = 0; k < SF_OPEN__COUNT; k++)
        cell_make(&cv->open[k], sf_open_name((sf_open_kind)k), 20, 1);
    for (int k = 0; k < SF_CLOSE__COUNT; k++)
        cell_make(&cv->close[k], sf_close_name((sf_close_kind)k), 18, 1);
    for (int k = 0; k < N_SIDE; k++)
        cell_make(&cv->side[k], sf_side_name((sf_side)k), 6, 1);
    v->self = cv;
    v->packet = cv_packet;
    v->conn_end = cv_conn;
    v->finish = cv_finish;
    v->destroy = cv_destroy;
    return 0;
}

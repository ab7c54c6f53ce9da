/* \summary: per-connection app recognition: in-order bounded prefix, detection, dispatch */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "app_int.h"

/* Once both directions are finished the state is freed and the engine's
 * pointer is set to this sentinel, so later payload allocates nothing. */
static sf_app_conn sf_app_gone;

/* Empty values copied in (a copy of a constant compiles to plain vector
 * stores; a memset of these sizes to `rep stos`, slow to start). */
static const sf_app_conn conn_zero;
static const sf_conn_app conn_app_empty = { .alert_desc = -1 };
#define ZERO_U(d) memcpy(&(d)->u, &conn_zero.d[0].u, sizeof (d)->u)

/* A connection with one direction over (END, recognised as some proto)
 * and the other without payload yet -- what a capture cut by its snaplen
 * leaves after a connection's first data segment -- keeps no state on the
 * heap: the engine's pointer names one of these tags instead (never
 * dereferenced), from which the next segment rebuilds the state on the
 * stack. Index: (ended direction (2) x its proto (3)) x the HTTP request
 * queue (4: empty, or one request of kind SF_HQ_OTHER/HEAD/CONNECT). */
enum { HALF_N = 2 * 3 * 4 };
static uint64_t sf_app_half[HALF_N];   /* (only their addresses are used) */

static int is_half(const sf_app_conn *a)
{
    return (uintptr_t)a - (uintptr_t)sf_app_half < sizeof sf_app_half;
}

/* The tag for state *a, or -1 when it is not of that shape. */
static int half_index(const sf_app_conn *a)
{
    const sf_app_dir *untouched = &conn_zero.d[0];   /* all zero, as new state starts */
    if (a->tls13 || a->q_n > 1) return -1;
    int e;
    if (a->d[0].st == SF_AD_END && !memcmp(&a->d[1], untouched, sizeof *untouched)) e = 0;
    else if (a->d[1].st == SF_AD_END && !memcmp(&a->d[0], untouched, sizeof *untouched)) e = 1;
    else return -1;
    if (a->d[e].proto > SF_APP_HTTP || (a->q_n && a->q[a->q_head] > SF_HQ_CONNECT)) return -1;
    return (e * 3 + a->d[e].proto) * 4 + (a->q_n ? 1 + a->q[a->q_head] : 0);
}

/* The state tag `i` stands for (what half_index saw, up to stale bytes of
 * the ended direction and the queue's position, which nothing reads). */
static void half_state(int i, sf_app_conn *a)
{
    memcpy(a, &conn_zero, sizeof *a);
    int e = i / 12, proto = i / 4 % 3, q = i % 4;
    a->d[e].st = SF_AD_END;
    a->d[e].proto = (uint8_t)proto;
    if (q) {
        a->q_n = 1;
        a->q[0] = (uint8_t)(q - 1);
    }
}

void sf_appinfo_clear(sf_appinfo *a)
{
    memset(a, 0, sizeof *a);
    a->alert_desc = -1;
    a->http_clen = -1;
}

void sf_conn_app_init(sf_conn_app *s)
{
    memcpy(s, &conn_app_empty, sizeof *s);
}

void sf_app_strcpy(char *dst, size_t n, const uint8_t *src, size_t len)
{
    if (n == 0) return;
    size_t i = 0;
    for (; i < len && i + 1 < n; i++) {
        uint8_t b = src[i];
        dst[i] = (b >= 0x20 && b < 0x7f) ? (char)b : '?';
    }
    dst[i] = 0;
}

int sf_abuf_put(sf_abuf *b, sf_cur *c, size_t n, uint32_t max)
{
    if (n > sf_cur_left(c)) n = sf_cur_left(c);
    size_t keep = b->len < max ? max - b->len : 0;
    if (keep > n) keep = n;
    if (keep && b->len + keep > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + keep) cap *= 2;
        if (cap > max) cap = max;
        uint8_t *p = realloc(b->p, cap);
        if (!p) { sf_cur_skip(c, n); return -1; }
        b->p = p;
        b->cap = (uint32_t)cap;
    }
    if (keep) sf_get_bytes(c, b->p + b->len, keep);
    b->len += (uint32_t)keep;
    sf_cur_skip(c, n - keep);
    return 0;
}

void sf_abuf_free(sf_abuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Port hints: only a tie-breaker for resynchronising on a later segment. */
static int tls_port(uint16_t p)
{
    switch (p) {
    case 443: case 465: case 563: case 636: case 853: case 989: case 990: case 992:
    case 993: case 994: case 995: case 5061: case 8443:
        return 1;
    }
    return 0;
}

static void end_dir(sf_app_dir *d)
{
    if (d->st == SF_AD_TLS) sf_tls_dir_free(&d->u.tls);
    else if (d->st == SF_AD_HTTP) sf_http_dir_free(&d->u.http);
    ZERO_U(d);
    d->st = SF_AD_END;
    d->pre_len = 0;
}

static int feed(sf_app_ctx *x, sf_app_dir *d, sf_cur *c, size_t limit)
{
    if (d->st == SF_AD_TLS) return sf_tls_feed(x, &d->u.tls, c, limit);
    return sf_http_feed(x, &d->u.http, c, limit);
}

static int at_boundary(const sf_app_dir *d)
{
    if (d->st == SF_AD_TLS) return sf_tls_at_boundary(&d->u.tls);
    return sf_http_at_boundary(&d->u.http);
}

/* Recognise the protocol from the first bytes p[0..n); returns SF_AD_TLS,
 * SF_AD_HTTP, SF_AD_NEW (need more bytes) or SF_AD_RETRY (neither). */
static int detect(const uint8_t *p, size_t n, int strict, int tls_hint)
{
    int t = sf_tls_detect(p, n, strict);
    if (t == 1 && strict && !tls_hint && p[0] != 22) t = 0;
    if (t == 1) return SF_AD_TLS;
    int h = sf_http_detect(p, n, strict);   /* (both are pure: HTTP only when not TLS) */
    if (h == 1) return SF_AD_HTTP;
    if (!strict && (t < 0 || h < 0)) return SF_AD_NEW;
    return SF_AD_RETRY;
}

static void segment(sf_app_conn *a, int dir, uint32_t rel_seq, const uint8_t *data, uint32_t len,
                    uint32_t caplen, uint16_t client_port, uint16_t server_port, sf_appinfo *out,
                    sf_conn_app *sum)
{
    sf_app_dir *d = &a->d[dir];
    if (d->st == SF_AD_END) return;
    uint32_t avail = caplen < len ? caplen : len;
    int trunc = caplen < len;
    if (d->st == SF_AD_NEW && d->pre_len == 0 && d->consumed == 0) d->next = rel_seq;

    int32_t off = (int32_t)(rel_seq - d->next);
    uint32_t skip = 0;
    if (off > 0) {                                  /* bytes missing before this segment */
        if (d->st == SF_AD_TLS || d->st == SF_AD_HTTP) { end_dir(d); return; }
        d->st = SF_AD_RETRY;                        /* not parsing yet: look again here */
        d->pre_len = 0;
        d->consumed = d->consumed + (uint32_t)off < d->consumed ? UINT32_MAX : d->consumed + (uint32_t)off;
        d->next = rel_seq;
    } else if (off < 0 && d->st == SF_AD_RETRY) {
        d->next = rel_seq;                          /* earlier bytes (reordering): try them */
    } else if (off < 0) {
        skip = (uint32_t)-off;
        if (skip >= len) return;                    /* nothing new: a retransmission */
    }
    if (skip >= avail) { end_dir(d); return; }      /* the new bytes were not captured */

    size_t limit = d->consumed < SF_APP_PREFIX ? SF_APP_PREFIX - d->consumed : 0;
    uint32_t fresh = avail - skip;
    d->next = rel_seq + len;
    d->consumed = d->consumed + fresh < d->consumed ? UINT32_MAX : d->consumed + fresh;
    sf_cur c = sf_cur_make(data + skip, fresh);
    sf_app_ctx x = { a, dir, out, sum, NULL, 0, NULL };

    if (d->st == SF_AD_NEW || d->st == SF_AD_RETRY) {
        if (d->st == SF_AD_RETRY && limit == 0) { end_dir(d); return; }
        uint8_t tmp[sizeof d->pre + 16];
        size_t m = d->pre_len;
        memcpy(tmp, d->pre, m);
        sf_cur peek = c;
        size_t more = sf_cur_left(&peek) < 16 ? sf_cur_left(&peek) : 16;
        sf_get_bytes(&peek, tmp + m, more);
        m += more;
        int st;
        if (d->st == SF_AD_RETRY)   /* the port hint matters only when resynchronising */
            st = detect(c.p, sf_cur_left(&c), 1, tls_port(server_port) || tls_port(client_port));
        else
            st = detect(tmp, m, 0, 0);
        if (st == SF_AD_NEW) {
            if (m <= sizeof d->pre && !trunc) {     /* too few bytes yet: keep them */
                memcpy(d->pre, tmp, m);
                d->pre_len = (uint8_t)m;
                return;
            }
            st = SF_AD_RETRY;
        }
        if (st == SF_AD_RETRY) {
            d->st = SF_AD_RETRY;
            d->pre_len = 0;
            if (trunc || d->consumed >= SF_APP_PREFIX) end_dir(d);
            return;
        }
        d->st = (uint8_t)st;
        ZERO_U(d);
        /* each direction is recognised on its own (an HTTP request answered by a
         * TLS alert is both); the connection is what was recognised first */
        d->proto = st == SF_AD_TLS ? SF_APP_TLS : SF_APP_HTTP;
        if (sum->proto == SF_APP_NONE) sum->proto = d->proto;
        if (d->pre_len) {
            sf_cur pc = sf_cur_make(d->pre, d->pre_len);
            int r = feed(&x, d, &pc, SIZE_MAX);
            d->pre_len = 0;
            if (r != SF_FEED_OK) { end_dir(d); return; }
        }
    }
    if (trunc) x.last_end = c.end;                  /* ended below, whatever the feed says */
    int r = feed(&x, d, &c, limit);
    if (r != SF_FEED_OK || trunc || (d->consumed >= SF_APP_PREFIX && at_boundary(d))) end_dir(d);
}

/* What sf_appinfo_clear does, without writing the arrays (rec[], http_msgs[]):
 * only entries below the counts are meaningful, and each is written whole. */
static void out_reset(sf_appinfo *a)
{
    sf_appinfo_none(a);
    a->nrec_total = 0;
    a->alpn[0] = 0;
    a->hrr = 0;
    a->cipher = 0;
    a->http_nmsg = 0;
    a->http_is_request = 0;
    a->http_reason[0] = 0;
    a->http_host[0] = a->http_version[0] = 0;
}

/* sf_app_segment past its early outs: the state may need allocating, the
 * segment is recognised/parsed. Out of line, so that the early outs (most
 * calls: connections whose recognition is over) stay a leaf without the
 * parsers' register saves and stack frame. */
static __attribute__((noinline)) uint8_t
app_segment_slow(sf_app_conn **ac, int dir, uint32_t rel_seq, const uint8_t *data, uint32_t len,
                 uint32_t caplen, uint16_t client_port, uint16_t server_port, sf_appinfo *out,
                 sf_conn_app *sum)
{
    /* a new connection or a half-done one (is_half) is worked on in
     * `local`, and goes to the heap only if it ends up of another shape */
    sf_app_conn *a = *ac, local;
    const int on_heap = a && !is_half(a);
    if (!on_heap) {
        if (a) {
            half_state((int)((const uint64_t *)(const void *)a - sf_app_half), &local);
        } else {
            memcpy(&local, &conn_zero, sizeof local);
            sf_conn_app_init(sum);
        }
        a = &local;
    }
    segment(a, dir & 1, rel_seq, data, len, caplen, client_port, server_port, out, sum);
    uint8_t proto = a->d[dir & 1].proto ? a->d[dir & 1].proto : sum->proto;
    if (a->d[0].st == SF_AD_END && a->d[1].st == SF_AD_END) {
        if (on_heap) sf_app_free(a);
        *ac = &sf_app_gone;
    } else if (!on_heap) {
        int h = half_index(a);
        if (h >= 0) {
            *ac = (sf_app_conn *)(void *)&sf_app_half[h];
        } else {
            sf_app_conn *n = malloc(sizeof *n);
            if (n) {
                memcpy(n, a, sizeof *n);            /* (nothing points into the state) */
                *ac = n;
            } else {                                /* out of memory: stop recognising */
                for (int i = 0; i < 2; i++) end_dir(&a->d[i]);
                *ac = &sf_app_gone;
            }
        }
    }
    return proto;
}

void sf_app_segment(sf_app_conn **ac, int dir, uint32_t rel_seq, const uint8_t *data,
                    uint32_t len, uint32_t caplen, uint16_t client_port, uint16_t server_port,
                    sf_appinfo *out, sf_conn_app *sum)
{
    if (!out) return;
    out_reset(out);
    if (!ac || !sum) return;
    sf_app_conn *a = *ac;
    if (a == &sf_app_gone || !data || len == 0) {   /* recognition over / no payload */
        if (a) out->proto = sum->proto;
        return;
    }
    out->proto = app_segment_slow(ac, dir, rel_seq, data, len, caplen, client_port, server_port, out, sum);
}

int sf_app_over(const sf_app_conn *ac) { return ac == &sf_app_gone; }

void sf_app_segment_over(sf_appinfo *out, uint8_t proto)
{
    out_reset(out);
    out->proto = proto;
}

void sf_app_free(sf_app_conn *ac)
{
    if (!ac || ac == &sf_app_gone || is_half(ac)) return;
    for (int i = 0; i < 2; i++) end_dir(&ac->d[i]);
    free(ac);
}

size_t sf_app_feed(const uint8_t *c2s, size_t c2s_len, const uint8_t *s2c, size_t s2c_len,
                   size_t chunk, sf_conn_app *sum)
{
    const uint8_t *p[2] = { c2s, s2c };
    size_t n[2] = { c2s ? c2s_len : 0, s2c ? s2c_len : 0 }, off[2] = { 0, 0 }, found = 0;
    sf_app_conn *ac = NULL;
    sf_appinfo out;
    sf_conn_app_init(sum);
    while (off[0] < n[0] || off[1] < n[1]) {
        for (int d = 0; d < 2; d++) {
            if (off[d] >= n[d]) continue;
            size_t k = n[d] - off[d];
            if (chunk && k > chunk) k = chunk;
            if (k > UINT32_MAX) k = UINT32_MAX;
            sf_app_segment(&ac, d, (uint32_t)(1 + off[d]), p[d] + off[d], (uint32_t)k, (uint32_t)k,
                           0, 0, &out, sum);
            found += out.nrec_total + out.http_nmsg;
            off[d] += k;
        }
    }
    sf_app_free(ac);
    return found;
}

/* \summary: bounded per-connection packet records for the explain and ladder views */
#include "explain_buf.h"
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- id -> buffer map (open addressing, linear probing, backward-shift delete) ---- */

static size_t hash_id(uint64_t id, size_t cap)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdULL;
    id ^= id >> 33;
    return (size_t)id & (cap - 1);
}

void sf_xmap_init(sf_xmap *m)
{
    memset(m, 0, sizeof *m);
}

static int xmap_grow(sf_xmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    sf_xconn **ns = calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        sf_xconn *x = m->slot[i];
        if (!x) continue;
        size_t h = hash_id(x->id, ncap);
        while (ns[h]) h = (h + 1) & (ncap - 1);
        ns[h] = x;
    }
    free(m->slot);
    m->slot = ns;
    m->cap = ncap;
    return 0;
}

sf_xconn *sf_xmap_get(sf_xmap *m, uint64_t id, int create)
{
    if (m->cap) {
        size_t h = hash_id(id, m->cap);
        while (m->slot[h]) {
            if (m->slot[h]->id == id) return m->slot[h];
            h = (h + 1) & (m->cap - 1);
        }
    }
    if (!create) return NULL;
    if ((m->n + 1) * 2 > m->cap && xmap_grow(m)) return NULL;
    sf_xconn *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->id = id;
    x->alert_desc = -1;
    size_t h = hash_id(id, m->cap);
    while (m->slot[h]) h = (h + 1) & (m->cap - 1);
    m->slot[h] = x;
    m->n++;
    return x;
}

static void xmap_remove_at(sf_xmap *m, size_t i)
{
    m->slot[i] = NULL;
    m->n--;
    size_t j = i;
    for (;;) { /* backward shift: move later entries of the cluster into the hole */
        j = (j + 1) & (m->cap - 1);
        sf_xconn *x = m->slot[j];
        if (!x) break;
        size_t h = hash_id(x->id, m->cap);
        /* x may move to i if its home h is not in (i, j] cyclically */
        int between = (i <= j) ? (h > i && h <= j) : (h > i || h <= j);
        if (!between) {
            m->slot[i] = x;
            m->slot[j] = NULL;
            i = j;
        }
    }
}

sf_xconn *sf_xmap_take(sf_xmap *m, uint64_t id)
{
    if (!m->cap) return NULL;
    size_t h = hash_id(id, m->cap);
    while (m->slot[h]) {
        if (m->slot[h]->id == id) {
            sf_xconn *x = m->slot[h];
            xmap_remove_at(m, h);
            return x;
        }
        h = (h + 1) & (m->cap - 1);
    }
    return NULL;
}

sf_xconn *sf_xmap_take_lowest(sf_xmap *m)
{
    size_t best = 0;
    int found = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i] && (!found || m->slot[i]->id < m->slot[best]->id)) { best = i; found = 1; }
    if (!found) return NULL;
    sf_xconn *x = m->slot[best];
    xmap_remove_at(m, best);
    return x;
}

void sf_xconn_free(sf_xmap *m, sf_xconn *x)
{
    if (!x) return;
    uint64_t n = x->cap_head + (x->tail ? SF_X_TAIL : 0);
    m->records = m->records >= n ? m->records - n : 0;
    free(x->head);
    free(x->tail);
    free(x);
}

void sf_xmap_free(sf_xmap *m)
{
    sf_xconn *x;
    while ((x = sf_xmap_take_lowest(m))) sf_xconn_free(m, x);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---- records ---- */

/* Length of the valid UTF-8 sequence at s (at most max bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t max)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) { n = 2; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { n = 3; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { n = 4; min = 0x10000; }
    else return 0;
    if (n > max) return 0;
    unsigned v = c & (0x7f >> n);
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80) return 0;
        v = (v << 6) | (s[k] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
    return n;
}

/* Copy untrusted text keeping printable ASCII and valid UTF-8, '?' for
 * invalid bytes, dropping control characters. */
static void put_clean(char *dst, size_t n, size_t *at, const char *s, size_t max)
{
    size_t len = strnlen(s, max);
    const unsigned char *u = (const unsigned char *)s;
    for (size_t k = 0; k < len;) {
        size_t q = utf8_seq(u + k, len - k);
        if (q == 0) { if (*at + 1 < n) dst[(*at)++] = '?'; k++; continue; }
        if (q == 1 && (u[k] < 0x20 || u[k] == 0x7f)) { k++; continue; }
        if (*at + q >= n) break;
        memcpy(dst + *at, u + k, q);
        *at += q;
        k += q;
    }
    dst[*at] = '\0';
}

void sf_x_clean(char *dst, size_t n, const char *s, size_t max)
{
    size_t at = 0;
    if (!n) return;
    dst[0] = '\0';
    put_clean(dst, n, &at, s, max);
}

void sf_x_app_label(const sf_appinfo *a, char *buf, size_t n)
{
    char raw[256];
    size_t at = 0;
    if (!n) return;
    buf[0] = '\0';
    if (a->proto != SF_APP_TLS && a->proto != SF_APP_HTTP) return;
    if (sf_app_label(a, raw, sizeof raw) == 0) return;
    /* collapse runs of the same item ("Application Data, Application Data")
     * into "Application Data x2"; items are separated by ", " outside ( ) */
    char out[256], prev[256] = "";
    size_t o = 0;
    unsigned rep = 0;
    const char *p = raw;
    for (;;) {
        const char *e = p;
        int depth = 0;
        while (*e && !(depth == 0 && e[0] == ',' && e[1] == ' ')) {
            if (*e == '(') depth++;
            else if (*e == ')' && depth) depth--;
            e++;
        }
        size_t len = (size_t)(e - p);
        char item[256];
        if (len >= sizeof item) len = sizeof item - 1;
        memcpy(item, p, len);
        item[len] = '\0';
        if (rep && strcmp(item, prev) == 0) {
            rep++;
        } else {
            if (rep > 1) o += (size_t)snprintf(out + o, sizeof out - o, " x%u", rep);
            if (o < sizeof out) o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", rep ? ", " : "", item);
            snprintf(prev, sizeof prev, "%s", item);
            rep = 1;
        }
        if (o >= sizeof out) { o = sizeof out - 1; break; }
        if (!*e) break;
        p = e + 2;
    }
    if (rep > 1 && o < sizeof out) o += (size_t)snprintf(out + o, sizeof out - o, " x%u", rep);
    if (o >= sizeof out) o = sizeof out - 1;
    out[o] = '\0';
    put_clean(buf, n, &at, out, sizeof out);
    if (at + 1 >= n && n > 4) { /* cut: say so, at a character boundary */
        size_t k = n - 4;
        while (k > 0 && ((unsigned char)buf[k] & 0xc0) == 0x80) k--;
        memcpy(buf + k, "...", 4);
    }
}

static int64_t ts_ns(const sf_time *t)
{
    return t->sec * 1000000000LL + (int64_t)t->nsec;
}

void sf_xrec_fill(sf_xrec *r, const sf_pkt *p, const sf_pinfo *pi)
{
    memset(r, 0, sizeof *r);
    r->frame = p->frame;
    r->ts_ns = ts_ns(&p->ts);
    r->seq = p->seq;
    r->ack = p->ack;
    r->flags = p->flags;
    r->win = p->win;
    r->len = p->len;
    r->dir = pi->dir;
    r->role = pi->role;
    r->hs_step = pi->hs_step;
    r->close_step = pi->close_step;
    r->cstate = (uint8_t)pi->client_state;
    r->sstate = (uint8_t)pi->server_state;
    r->rel_seq = pi->rel_seq;
    r->rel_ack = pi->rel_ack;
    r->nxtseq = pi->nxtseq;
    r->rel_valid = pi->rel_valid;
    r->ack_check = (uint8_t)pi->ack_check;
    r->expected_ack = pi->expected_ack;
    r->analysis = pi->analysis;
    r->dup_ack_num = pi->dup_ack_num;
    r->dup_ack_frame = pi->dup_ack_frame;
    r->acks_frame = pi->acks_frame;
    r->ack_rtt_ns = pi->ack_rtt_ns;
    r->irtt_ns = pi->irtt_ns;
    r->calc_window = pi->calc_window;
    r->win_scale = pi->win_scale;
    r->alert_desc = -1;
    const sf_appinfo *a = &pi->app;
    r->app_proto = a->proto;
    if (a->proto == SF_APP_HTTP) {
        if (a->http_nmsg && a->http_is_request) r->app_bits |= SF_XA_REQUEST;
        else if (a->http_nmsg && a->http_status > 0) r->app_bits |= SF_XA_RESPONSE;
        r->http_status = a->http_status;
    } else if (a->proto == SF_APP_TLS) {
        unsigned nrec = a->nrec > SF_APP_MAX_RECS ? SF_APP_MAX_RECS : a->nrec;
        for (unsigned i = 0; i < nrec; i++) {
            const sf_tls_rec *t = &a->rec[i];
            switch (t->content_type) {
            case 20: r->app_bits |= SF_XA_CCS; break;
            case 21:
                if (!t->encrypted && r->alert_desc < 0) {
                    r->app_bits |= SF_XA_ALERT;
                    r->alert_desc = t->alert_desc;
                    r->alert_level = t->alert_level;
                }
                break;
            case 22:
                if (t->encrypted) r->app_bits |= SF_XA_ENC_HS;
                else if (t->hs_type == 1) r->app_bits |= SF_XA_CLIENT_HELLO;
                else if (t->hs_type == 2) r->app_bits |= SF_XA_SERVER_HELLO;
                break;
            case 23: r->app_bits |= SF_XA_APPDATA; break;
            default: break;
            }
        }
    }
    sf_x_app_label(a, r->app, sizeof r->app);
}

static sf_xrec *slot_for(sf_xmap *m, sf_xconn *x)
{
    if (x->ntail == 0 && x->tail == NULL && x->elided == 0) { /* head still open */
        if (x->nhead < x->cap_head) return &x->head[x->nhead++];
        if (x->cap_head < SF_X_HEAD && m->records < SF_X_BUDGET) {
            uint32_t ncap = x->cap_head ? x->cap_head * 2 : 8;
            if (ncap > SF_X_HEAD) ncap = SF_X_HEAD;
            sf_xrec *nh = realloc(x->head, ncap * sizeof *nh);
            if (nh) {
                m->records += ncap - x->cap_head;
                x->head = nh;
                x->cap_head = ncap;
                return &x->head[x->nhead++];
            }
        }
    }
    /* head closed: the tail ring */
    if (!x->tail) {
        if (m->records >= SF_X_BUDGET) return NULL;
        x->tail = malloc(SF_X_TAIL * sizeof *x->tail);
        if (!x->tail) return NULL;
        m->records += SF_X_TAIL;
    }
    if (x->ntail < SF_X_TAIL) {
        x->ntail++;
        sf_xrec *r = &x->tail[x->tail_next];
        x->tail_next = (x->tail_next + 1) % SF_X_TAIL;
        return r;
    }
    /* ring full: the oldest record is elided */
    sf_xrec *r = &x->tail[x->tail_next];
    if (x->elided == 0) x->elided_first = r->frame;
    x->elided_last = r->frame;
    x->elided++;
    x->tail_next = (x->tail_next + 1) % SF_X_TAIL;
    return r;
}

void sf_xconn_add(sf_xmap *m, sf_xconn *x, const sf_pkt *p, const sf_pinfo *pi)
{
    int64_t t = ts_ns(&p->ts);
    if (x->npkts == 0) {
        x->first_ns = t;
        x->ts_missing = p->ts_missing;
        x->text_input = p->l2 == NULL;
        x->ts_prec = p->ts.prec;
        const char *cs = pi->dir == 0 ? p->src_name : p->dst_name;
        const char *ss = pi->dir == 0 ? p->dst_name : p->src_name;
        if (cs) snprintf(x->host[0], sizeof x->host[0], "%s", cs);
        if (ss) snprintf(x->host[1], sizeof x->host[1], "%s", ss);
        int c = pi->dir != 0; /* index of the sender */
        x->ipver = p->ipver;
        memcpy(x->ep[c].addr, p->src, 16);
        x->ep[c].port = p->sport;
        memcpy(x->ep[!c].addr, p->dst, 16);
        x->ep[!c].port = p->dport;
    }
    x->last_ns = t;
    x->npkts++;
    const sf_appinfo *a = &pi->app;
    if (a->proto == SF_APP_TLS) {
        unsigned nrec = a->nrec > SF_APP_MAX_RECS ? SF_APP_MAX_RECS : a->nrec;
        for (unsigned i = 0; i < nrec; i++) {
            const sf_tls_rec *r = &a->rec[i];
            if (r->content_type == 23 || r->opaque) x->appdata_dir[pi->dir & 1] = 1;
            if (r->content_type == 21 && !r->encrypted && !x->alert_seen) {
                x->alert_seen = 1;
                x->alert_level = r->alert_level;
                x->alert_desc = r->alert_desc;
                x->alert_from = pi->dir & 1;
                x->alert_frame = p->frame;
            }
        }
    }
    sf_xrec *r = slot_for(m, x);
    if (!r) { /* over budget and no ring: elided */
        if (x->elided == 0) x->elided_first = p->frame;
        x->elided_last = p->frame;
        x->elided++;
        return;
    }
    sf_xrec_fill(r, p, pi);
}

size_t sf_xconn_count(const sf_xconn *x)
{
    return (size_t)x->nhead + x->ntail;
}

const sf_xrec *sf_xconn_at(const sf_xconn *x, size_t i)
{
    if (i < x->nhead) return &x->head[i];
    i -= x->nhead;
    if (i >= x->ntail) return NULL;
    /* oldest ring entry: tail_next when full, else 0 */
    size_t start = x->ntail == SF_X_TAIL ? x->tail_next : 0;
    return &x->tail[(start + i) % SF_X_TAIL];
}

int sf_xconn_gap_before(const sf_xconn *x, size_t i)
{
    return x->elided && i == x->nhead;
}

const sf_xrec *sf_xconn_find_frame(const sf_xconn *x, uint64_t frame)
{
    size_t n = sf_xconn_count(x);
    for (size_t i = n; i-- > 0;) {
        const sf_xrec *r = sf_xconn_at(x, i);
        if (r->frame == frame) return r;
        if (r->frame < frame) break;
    }
    return NULL;
}

/* ---- small formatting helpers shared by explain and ladder ---- */

void sf_x_endpoint(char *buf, size_t n, const sf_endpoint *e, int ipver, const char *host)
{
    char ip[INET6_ADDRSTRLEN];
    if (host && host[0]) { snprintf(buf, n, "%s:%u", host, e->port); return; }
    if (ipver == 6) {
        inet_ntop(AF_INET6, e->addr, ip, sizeof ip);
        snprintf(buf, n, "[%s]:%u", ip, e->port);
    } else {
        inet_ntop(AF_INET, e->addr, ip, sizeof ip);
        snprintf(buf, n, "%s:%u", ip, e->port);
    }
}

void sf_x_flags(char *buf, uint16_t f)
{
    /* tcpdump's order: F S R P U W E then '.' for ACK; "none" when empty */
    char *p = buf;
    if (f & SF_TH_FIN) *p++ = 'F';
    if (f & SF_TH_SYN) *p++ = 'S';
    if (f & SF_TH_RST) *p++ = 'R';
    if (f & SF_TH_PSH) *p++ = 'P';
    if (f & SF_TH_URG) *p++ = 'U';
    if (f & SF_TH_CWR) *p++ = 'W';
    if (f & SF_TH_ECE) *p++ = 'E';
    if (f & SF_TH_ACK) *p++ = '.';
    if (p == buf) { strcpy(buf, "none"); return; }
    *p = '\0';
}

void sf_x_dur(char *buf, size_t n, int64_t ns)
{
    if (ns < 0) snprintf(buf, n, "-");
    else if (ns < 1000000000LL) snprintf(buf, n, "%.3f ms", (double)ns / 1e6);
    else snprintf(buf, n, "%.3f s", (double)ns / 1e9);
}

void sf_x_xml(sf_out *o, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t len = strlen(s);
    for (size_t k = 0; k < len;) {
        size_t q = utf8_seq(u + k, len - k);
        if (q == 0) { sf_out_chr(o, '?'); k++; continue; }
        if (q > 1) { sf_out_write(o, u + k, q); k += q; continue; }
        unsigned char c = u[k++];
        switch (c) {
        case '&': sf_out_str(o, "&amp;"); break;
        case '<': sf_out_str(o, "&lt;"); break;
        case '>': sf_out_str(o, "&gt;"); break;
        case '"': sf_out_str(o, "&quot;"); break;
        case '\'': sf_out_str(o, "&#39;"); break;
        default:
            if (c < 0x20 || c == 0x7f) break;
            sf_out_chr(o, (char)c);
        }
    }
}

/* \summary: HTTP/1.x request/status lines, Host, Content-Length and message framing */
#include <stdlib.h>
#include <string.h>
#include "app_int.h"

/* Stream modes, one direction. */
enum {
    SF_HM_HDR = 0,      /* collecting a header block */
    SF_HM_BODY,         /* skipping `left` body bytes */
    SF_HM_CHUNK_SIZE,   /* chunk-size hex digits */
    SF_HM_CHUNK_EXT,    /* chunk extension: skip to LF */
    SF_HM_CHUNK_DATA,   /* skipping `left` chunk bytes */
    SF_HM_CHUNK_END,    /* CRLF after chunk data: skip to LF */
    SF_HM_TRAILER       /* trailer lines until an empty one */
};

/* Request methods recognised at the start of a stream (RFC 9110, WebDAV,
 * and the few extensions Wireshark also accepts). */
static const char *const methods[] = {
    "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "CONNECT", "TRACE", "PATCH",
    "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "SEARCH",
    "REPORT", "MERGE", "MKACTIVITY", "CHECKOUT", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
    "M-SEARCH", "PURGE", NULL
};

/* 1 if p[0..n) is a complete "METHOD " (returns its length in *ml),
 * -1 if it is a proper prefix of one, 0 otherwise. */
static int method_match(const uint8_t *p, size_t n, size_t *ml)
{
    int partial = 0;
    /* every method is upper case: most payload (TLS, bodies) fails at once */
    if (n == 0 || p[0] < 'A' || p[0] > 'Z') return n == 0 ? -1 : 0;
    for (int i = 0; methods[i]; i++) {
        if (methods[i][0] != (char)p[0]) continue;
        size_t l = strlen(methods[i]);
        if (n >= l + 1) {
            if (!memcmp(p, methods[i], l) && p[l] == ' ') { *ml = l; return 1; }
        } else if (!memcmp(p, methods[i], n < l ? n : l)) {
            partial = 1;
        }
    }
    return partial ? -1 : 0;
}

static int line_has_version(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') return 0;
        if (i + 8 <= n && !memcmp(p + i, " HTTP/1.", 8)) return 1;
    }
    return 0;
}

int sf_http_detect(const uint8_t *p, size_t n, int strict)
{
    static const char resp[] = "HTTP/1.";
    if (n == 0) return -1;
    if (p[0] == 'H' && n >= 1) {
        size_t k = n < 7 ? n : 7;
        if (!memcmp(p, resp, k)) {
            if (n < 12) return -1;
            if ((p[7] == '0' || p[7] == '1') && p[8] == ' ' &&
                p[9] >= '1' && p[9] <= '5' && p[10] >= '0' && p[10] <= '9' &&
                p[11] >= '0' && p[11] <= '9')
                return 1;
            return 0;
        }
    }
    size_t ml = 0;
    int m = method_match(p, n, &ml);
    if (m <= 0) return m;
    if (strict && !line_has_version(p, n)) return 0;
    return 1;
}

/* ---- header block ---- */

static int ieq(const uint8_t *a, size_t an, const char *b)
{
    size_t bn = strlen(b);
    if (an != bn) return 0;
    for (size_t i = 0; i < an; i++) {
        uint8_t c = a[i];
        if (c >= 'A' && c <= 'Z') c = (uint8_t)(c - 'A' + 'a');
        if (c != (uint8_t)b[i]) return 0;
    }
    return 1;
}

static int has_token_ci(const uint8_t *p, size_t n, const char *tok)
{
    size_t tl = strlen(tok);
    for (size_t i = 0; i + tl <= n; i++)
        if (ieq(p + i, tl, tok)) return 1;
    return 0;
}

/* Next line from *c (without CR/LF) into *l; 0 at the end of the block. */
static int next_line(sf_cur *c, sf_cur *l)
{
    if (sf_cur_left(c) == 0) return 0;
    size_t n = sf_cur_find(c, '\n');
    int nl = n != SIZE_MAX;
    if (!nl) n = sf_cur_left(c);
    *l = sf_cur_sub(c, n, NULL);
    if (nl) sf_cur_skip(c, 1);
    if (n && l->p[n - 1] == '\r') l->end--;
    return 1;
}

/* Splits off the next space-delimited field of a line. */
static sf_cur field(sf_cur *l)
{
    const uint8_t *s = l->p;
    size_t n = 0;
    while (sf_cur_left(l)) {
        uint8_t b = sf_get_u8(l);
        if (b == ' ') break;
        n++;
    }
    return sf_cur_make(s, n);
}

static void emit(sf_app_ctx *x, int is_req, sf_cur method, sf_cur uri, sf_cur version,
                 int status, sf_cur reason, sf_cur host, int64_t clen)
{
    sf_appinfo *o = x->out;
    sf_conn_app *s = x->sum;
    if (o->http_nmsg == 0) {
        o->http_is_request = (uint8_t)is_req;
        if (is_req) {
            sf_app_strcpy(o->http_method, sizeof o->http_method, method.p, sf_cur_left(&method));
            sf_app_strcpy(o->http_uri, sizeof o->http_uri, uri.p, sf_cur_left(&uri));
        } else {
            o->http_status = (int16_t)status;
            sf_app_strcpy(o->http_reason, sizeof o->http_reason, reason.p, sf_cur_left(&reason));
        }
        sf_app_strcpy(o->http_version, sizeof o->http_version, version.p, sf_cur_left(&version));
        sf_app_strcpy(o->http_host, sizeof o->http_host, host.p, sf_cur_left(&host));
        o->http_clen = clen;
    }
    if (o->http_nmsg < SF_APP_MAX_HTTP) {
        sf_http_msg *m = &o->http_msgs[o->http_nmsg];
        memset(m, 0, sizeof *m);
        m->is_request = (uint8_t)is_req;
        if (is_req) {
            sf_app_strcpy(m->method, sizeof m->method, method.p, sf_cur_left(&method));
            sf_app_strcpy(m->uri, sizeof m->uri, uri.p, sf_cur_left(&uri));
        } else {
            m->status = (int16_t)status;
        }
    }
    if (o->http_nmsg < UINT8_MAX) o->http_nmsg++;
    if (is_req) {
        if (s->http_requests == 0) {
            sf_app_strcpy(s->http_method, sizeof s->http_method, method.p, sf_cur_left(&method));
            sf_app_strcpy(s->http_uri, sizeof s->http_uri, uri.p, sf_cur_left(&uri));
        }
        if (s->http_requests < UINT16_MAX) s->http_requests++;
    } else {
        if (s->http_status == 0 || (s->http_status < 200 && status >= 200))
            s->http_status = (int16_t)status;
        if (s->http_responses < UINT16_MAX) s->http_responses++;
    }
}

static void q_push(sf_app_conn *a, uint8_t kind)
{
    if (a->q_n >= SF_HQ) return;
    a->q[(a->q_head + a->q_n) % SF_HQ] = kind;
    a->q_n++;
}

static uint8_t q_pop(sf_app_conn *a)
{
    if (a->q_n == 0) return SF_HQ_OTHER;
    uint8_t k = a->q[a->q_head];
    a->q_head = (uint8_t)((a->q_head + 1) % SF_HQ);
    a->q_n--;
    return k;
}

/* A complete header block, hp[0..hn) (h->hdr, or the segment's bytes when
 * the block is all there): report it and set up the body.
 * Returns SF_FEED_OK, SF_FEED_STOP (the rest of the stream is not HTTP
 * messages: tunnel or body until close) or SF_FEED_DEAD (not HTTP). */
static int header_done(sf_app_ctx *x, sf_http_dir *h, const uint8_t *hp, size_t hn)
{
    static const uint8_t none[1];
    if (!hp) return SF_FEED_DEAD;
    sf_cur blk = sf_cur_make(hp, hn), line, empty = sf_cur_make(none, 0);
    if (!next_line(&blk, &line)) return SF_FEED_DEAD;
    sf_cur first = line;
    int is_req;
    sf_cur method = empty, uri = empty, version = empty, reason = empty;
    int status = 0;
    if (sf_cur_left(&first) >= 12 && !memcmp(first.p, "HTTP/1.", 7)) {
        is_req = 0;
        version = field(&first);
        sf_cur st = field(&first);
        if (sf_cur_left(&st) != 3) return SF_FEED_DEAD;
        for (int i = 0; i < 3; i++) {
            uint8_t d = sf_get_u8(&st);
            if (d < '0' || d > '9') return SF_FEED_DEAD;
            status = status * 10 + (d - '0');
        }
        reason = first;
    } else {
        is_req = 1;
        method = field(&first);
        uri = field(&first);
        version = first;
        size_t ml = 0;
        if (sf_cur_left(&method) == 0 || sf_cur_left(&uri) == 0) return SF_FEED_DEAD;
        uint8_t tmp[16];
        size_t tl = sf_cur_left(&method) < 15 ? sf_cur_left(&method) : 15;
        memcpy(tmp, method.p, tl);
        tmp[tl] = ' ';
        if (method_match(tmp, tl + 1, &ml) != 1 || ml != sf_cur_left(&method)) return SF_FEED_DEAD;
    }
    sf_cur host = empty;
    int64_t clen = -1;
    int chunked = 0;
    while (next_line(&blk, &line)) {
        const uint8_t *s = line.p;
        size_t n = sf_cur_left(&line), i = 0;
        while (i < n && s[i] != ':') i++;
        if (i == n) continue;
        size_t v = i + 1;
        while (v < n && (s[v] == ' ' || s[v] == '\t')) v++;
        size_t e = n;
        while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
        if (ieq(s, i, "host")) {
            host = sf_cur_make(s + v, e - v);
        } else if (ieq(s, i, "content-length")) {
            int64_t val = 0;
            size_t j = v;
            for (; j < e && s[j] >= '0' && s[j] <= '9'; j++) {
                if (val > (INT64_MAX - 9) / 10) { val = -1; break; }
                val = val * 10 + (s[j] - '0');
            }
            if (val >= 0 && j == e && e > v) clen = val;
        } else if (ieq(s, i, "transfer-encoding")) {
            if (has_token_ci(s + v, e - v, "chunked")) chunked = 1;
        }
    }
    emit(x, is_req, method, uri, version, status, reason, host, clen);

    h->mode = SF_HM_HDR;
    h->left = 0;
    if (is_req) {
        uint8_t kind = SF_HQ_OTHER;
        if (ieq(method.p, sf_cur_left(&method), "head")) kind = SF_HQ_HEAD;
        else if (ieq(method.p, sf_cur_left(&method), "connect")) kind = SF_HQ_CONNECT;
        q_push(x->ac, kind);
        if (chunked) h->mode = SF_HM_CHUNK_SIZE;
        else if (clen > 0) { h->mode = SF_HM_BODY; h->left = (uint64_t)clen; }
        return SF_FEED_OK;
    }
    if (status / 100 == 1) return status == 101 ? SF_FEED_STOP : SF_FEED_OK;
    uint8_t kind = q_pop(x->ac);
    if (kind == SF_HQ_HEAD || status == 204 || status == 304) return SF_FEED_OK;
    if (kind == SF_HQ_CONNECT && status / 100 == 2) return SF_FEED_STOP;
    if (chunked) { h->mode = SF_HM_CHUNK_SIZE; return SF_FEED_OK; }
    if (clen >= 0) {
        if (clen > 0) { h->mode = SF_HM_BODY; h->left = (uint64_t)clen; }
        return SF_FEED_OK;
    }
    return SF_FEED_STOP;   /* body delimited by the close */
}

static int hexval(uint8_t b)
{
    if (b >= '0' && b <= '9') return b - '0';
    if (b >= 'a' && b <= 'f') return b - 'a' + 10;
    if (b >= 'A' && b <= 'F') return b - 'A' + 10;
    return -1;
}

/* End of a chunk-size line. */
static int chunk_line_end(sf_http_dir *h)
{
    if (h->ndig == 0) return SF_FEED_DEAD;
    h->ndig = 0;
    if (h->left == 0) { h->mode = SF_HM_TRAILER; h->line_len = 0; }
    else h->mode = SF_HM_CHUNK_DATA;
    return SF_FEED_OK;
}

int sf_http_feed(sf_app_ctx *x, sf_http_dir *h, sf_cur *c, size_t start_limit)
{
    const uint8_t *base = c->p;
    while (sf_cur_left(c) > 0) {
        int mid_header = h->mode == SF_HM_HDR && h->hdr.len > 0;
        if (!mid_header && (size_t)(c->p - base) >= start_limit) return SF_FEED_STOP;
        switch (h->mode) {
        case SF_HM_HDR: {
            if (h->hdr.len == 0) {               /* stray CRLFs between messages */
                sf_cur pk = *c;
                uint8_t b = sf_get_u8(&pk);
                if (b == '\r' || b == '\n') { *c = pk; break; }
                h->line_len = 0;
            }
            /* find the empty line ending the block, line by line */
            sf_cur s = *c;
            size_t n = 0;
            int end = 0;
            while (sf_cur_left(&s)) {
                size_t k = sf_cur_find(&s, '\n');
                size_t take = k == SIZE_MAX ? sf_cur_left(&s) : k;
                sf_cur ln = sf_cur_sub(&s, take, NULL);
                n += take;
                while (!h->line_len && sf_cur_left(&ln))
                    if (sf_get_u8(&ln) != '\r') h->line_len = 1;
                if (k == SIZE_MAX) break;
                sf_cur_skip(&s, 1);
                n++;
                if (h->line_len == 0) { end = 1; break; }
                h->line_len = 0;
            }
            int r;
            if (end && h->hdr.len == 0) {
                /* the whole block is in this segment: parse it in place
                 * (the first SF_APP_PREFIX bytes, as the buffer keeps) */
                r = header_done(x, h, c->p, n < SF_APP_PREFIX ? n : SF_APP_PREFIX);
                sf_cur_skip(c, n);
            } else if (!end && x->last_end) {
                sf_cur_skip(c, n);      /* cannot complete before the direction ends */
                break;
            } else {
                if (sf_abuf_put(&h->hdr, c, n, SF_APP_PREFIX) < 0) return SF_FEED_DEAD;
                if (!end) {
                    if (h->hdr.len >= SF_APP_PREFIX) return SF_FEED_DEAD;   /* header too big */
                    break;
                }
                r = header_done(x, h, h->hdr.p, h->hdr.len);
                if (h->hdr.cap > 2048) sf_abuf_free(&h->hdr);
                h->hdr.len = 0;
            }
            h->line_len = 0;
            if (r != SF_FEED_OK) return r;
            break;
        }
        case SF_HM_BODY:
        case SF_HM_CHUNK_DATA: {
            size_t k = sf_cur_left(c) < h->left ? sf_cur_left(c) : (size_t)h->left;
            sf_cur_skip(c, k);
            h->left -= k;
            if (h->left == 0) h->mode = h->mode == SF_HM_BODY ? SF_HM_HDR : SF_HM_CHUNK_END;
            break;
        }
        case SF_HM_CHUNK_SIZE: {
            uint8_t b = sf_get_u8(c);
            int v = hexval(b);
            if (v >= 0) {
                if (++h->ndig > 15) return SF_FEED_DEAD;
                h->left = h->left * 16 + (uint64_t)v;
            } else if (b == ';' || b == ' ' || b == '\t') {
                h->mode = SF_HM_CHUNK_EXT;
            } else if (b == '\n') {
                if (chunk_line_end(h) != SF_FEED_OK) return SF_FEED_DEAD;
            } else if (b != '\r') {
                return SF_FEED_DEAD;
            }
            break;
        }
        case SF_HM_CHUNK_EXT:
            if (sf_get_u8(c) == '\n' && chunk_line_end(h) != SF_FEED_OK) return SF_FEED_DEAD;
            break;
        case SF_HM_CHUNK_END:
            if (sf_get_u8(c) == '\n') { h->mode = SF_HM_CHUNK_SIZE; h->left = 0; h->ndig = 0; }
            break;
        case SF_HM_TRAILER: {
            uint8_t b = sf_get_u8(c);
            if (b == '\n') {
                if (h->line_len == 0) h->mode = SF_HM_HDR;
                h->line_len = 0;
            } else if (b != '\r') {
                h->line_len = 1;
            }
            break;
        }
        default:
            return SF_FEED_DEAD;
        }
    }
    return SF_FEED_OK;
}

int sf_http_at_boundary(const sf_http_dir *h) { return !(h->mode == SF_HM_HDR && h->hdr.len > 0); }

void sf_http_dir_free(sf_http_dir *h) { sf_abuf_free(&h->hdr); }

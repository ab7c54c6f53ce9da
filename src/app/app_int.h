/* \summary: internal state shared by the app recognisers (app.c, tls.c, http.c) */
#ifndef SF_APP_INT_H
#define SF_APP_INT_H
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include "app.h"
#include "../util/cursor.h"

/* Offset of the first byte `b` in the cursor's remaining bytes, or SIZE_MAX
 * (a bounded search: never looks past c->end; the cursor does not move). */
static inline size_t sf_cur_find(const sf_cur *c, uint8_t b)
{
    size_t n = sf_cur_left(c);
    const uint8_t *q = n ? memchr(c->p, b, n) : NULL;
    return q ? (size_t)(q - c->p) : SIZE_MAX;
}

/* Bounded, growable byte buffer (heap; owner = the direction state). */
typedef struct sf_abuf {
    uint8_t *p;
    uint32_t len, cap;
} sf_abuf;
/* Append up to n bytes from *c (the cursor advances by n, or by what is
 * left); bytes beyond `max` total are dropped but still consumed. Returns 0,
 * or -1 when memory ran out (cursor still advanced). */
int sf_abuf_put(sf_abuf *b, sf_cur *c, size_t n, uint32_t max);
void sf_abuf_free(sf_abuf *b);

/* What a ClientHello / ServerHello said (parsed when the message completes). */
typedef struct sf_tls_hello {
    char sni[64];
    char alpn[16];
    uint16_t version;   /* CH: highest offered; SH: chosen */
    uint16_t cipher;    /* SH only */
    uint8_t hrr;        /* SH is a HelloRetryRequest */
    uint8_t is_server;
} sf_tls_hello;

/* Heap part of a TLS direction, only while a hello is being buffered. */
typedef struct sf_tls_work {
    sf_abuf msg;        /* the CH/SH body in progress (capped) */
    sf_tls_hello hello; /* parsed, waiting for its record to complete */
    uint8_t have_hello;
} sf_tls_work;

/* TLS record-layer + handshake-message stream state, one direction. */
typedef struct sf_tls_dir {
    uint8_t hdr[5], hdr_have;   /* record header being collected */
    uint8_t in_rec, ct;
    uint8_t ccs;                /* ChangeCipherSpec seen (TLS <= 1.2: rest is encrypted) */
    uint8_t hs_dead;            /* handshake stream no longer parseable */
    uint8_t rec_enc;            /* current handshake record counted as encrypted */
    uint8_t alert[2], alert_have;
    uint8_t hs_hdr[4], hs_hdr_have, hs_type, hs_keep;
    uint16_t rec_ver;
    uint32_t rec_len, rec_left;
    uint32_t hs_left;
    uint8_t npend;                       /* messages completed inside the current record */
    uint8_t pend[SF_APP_MAX_RECS];
    uint16_t pend_total;
    uint16_t nopaque;           /* TLS 1.3 protected records seen in this direction */
    sf_tls_work *w;
} sf_tls_dir;

/* HTTP/1.x message stream state, one direction. */
typedef struct sf_http_dir {
    uint8_t mode;        /* SF_HM_* (http.c) */
    uint8_t cr;          /* chunk parsing: saw CR / digits */
    uint8_t ndig;
    uint8_t line_len;    /* trailer: bytes on the current line (saturating) */
    uint64_t left;       /* body bytes left / chunk size */
    sf_abuf hdr;         /* header block in progress */
} sf_http_dir;

enum { SF_AD_NEW = 0, SF_AD_RETRY, SF_AD_TLS, SF_AD_HTTP, SF_AD_END };

typedef struct sf_app_dir {
    uint8_t st;          /* SF_AD_* */
    uint8_t proto;       /* SF_APP_* this direction was recognised as (kept after END) */
    uint8_t pre_len;
    uint8_t pre[16];     /* first bytes, while too few to recognise */
    uint32_t next;       /* next expected relative sequence */
    uint32_t consumed;   /* stream bytes seen in order (saturating) */
    union {
        sf_tls_dir tls;
        sf_http_dir http;
    } u;
} sf_app_dir;

#define SF_HQ 16
struct sf_app_conn {
    sf_app_dir d[2];
    uint8_t tls13;       /* ServerHello chose TLS 1.3: type-23 records are opaque */
    uint8_t q_n, q_head; /* HTTP: methods of requests awaiting a response */
    uint8_t q[SF_HQ];    /* SF_HQ_* */
};
enum { SF_HQ_OTHER = 0, SF_HQ_HEAD, SF_HQ_CONNECT };

/* Where one feed's results go. */
typedef struct sf_app_ctx {
    sf_app_conn *ac;
    int dir;
    sf_appinfo *out;
    sf_conn_app *sum;
    /* tls.c, during one sf_tls_feed: a hello parsed in place from the
     * segment, waiting for its record to complete (NULL outside the call) */
    sf_tls_hello *hello;
    int have_hello;
    /* non-NULL: this feed's bytes end here and are the direction's last
     * (the capture cut the segment: the direction ends after it), so a
     * message that cannot complete before this point need not be kept */
    const uint8_t *last_end;
} sf_app_ctx;

/* Feed results. */
enum { SF_FEED_OK = 0, SF_FEED_STOP = 1, SF_FEED_DEAD = -1 };

/* Recognisers: 1 = looks like it, 0 = no, -1 = need more bytes.
 * strict: a later segment start (resync), not the stream start. */
int sf_tls_detect(const uint8_t *p, size_t n, int strict);
int sf_http_detect(const uint8_t *p, size_t n, int strict);

/* Feed in-order bytes. A new record/message may start only at offsets
 * < start_limit from the cursor; reaching one there returns SF_FEED_STOP
 * (rest unconsumed). SF_FEED_DEAD: the stream stopped parsing. */
int sf_tls_feed(sf_app_ctx *x, sf_tls_dir *t, sf_cur *c, size_t start_limit);
int sf_tls_at_boundary(const sf_tls_dir *t);
void sf_tls_dir_free(sf_tls_dir *t);
int sf_http_feed(sf_app_ctx *x, sf_http_dir *h, sf_cur *c, size_t start_limit);
int sf_http_at_boundary(const sf_http_dir *h);
void sf_http_dir_free(sf_http_dir *h);

/* Copy at most n-1 bytes as printable ASCII (others -> '?') and NUL-terminate. */
void sf_app_strcpy(char *dst, size_t n, const uint8_t *src, size_t len);

#endif

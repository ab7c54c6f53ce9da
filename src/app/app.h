/* \summary: application recognition results (TLS record layer, HTTP/1.x) */
#ifndef SF_APP_H
#define SF_APP_H
#include <stdint.h>
#include <stddef.h>

enum { SF_APP_NONE = 0, SF_APP_TLS, SF_APP_HTTP };

#define SF_APP_MAX_RECS 8

/* One TLS record (or handshake message) seen starting in a segment. */
typedef struct sf_tls_rec {
    uint8_t content_type;   /* 20 ccs, 21 alert, 22 handshake, 23 app data */
    int16_t hs_type;        /* handshake msg type, -1 if none / encrypted */
    uint16_t version;       /* record-layer version */
    uint8_t alert_level, alert_desc; /* for alerts (if not encrypted) */
    uint8_t encrypted;      /* handshake after ChangeCipherSpec: "Encrypted Handshake Message";
                             * alert that is not 2 plaintext bytes: "Encrypted Alert" */
    /* additive (H4): */
    uint8_t opaque;         /* TLS 1.3 protected record: outer type 23 hides the real type
                             * (tshark shows tls.record.opaque_type, not content_type) */
    uint8_t same_record;    /* 1: another handshake message of the record in rec[i-1] */
} sf_tls_rec;
/* A handshake entry with hs_type -1 and encrypted 0 is a record that carries
 * only part of a handshake message (the message completes in a later record). */

/* additive (H4): one HTTP message whose header block ended in a segment. */
#define SF_APP_MAX_HTTP 4
typedef struct sf_http_msg {
    uint8_t is_request;
    int16_t status;         /* responses */
    char method[12];        /* requests */
    char uri[96];
} sf_http_msg;

/* What the app parsers recognised in one segment (a per-packet value). */
typedef struct sf_appinfo {
    uint8_t proto;          /* SF_APP_* */
    uint8_t nrec;
    sf_tls_rec rec[SF_APP_MAX_RECS];
    char sni[64];           /* ClientHello server_name (truncated to fit) */
    uint16_t tls_version;   /* negotiated (ServerHello supported_versions) or offered */
    int16_t alert_desc;     /* -1 none */
    uint8_t hrr;            /* ServerHello is a HelloRetryRequest */
    uint16_t cipher;        /* ServerHello cipher suite */
    char alpn[16];
    char http_method[12];
    char http_uri[96];
    int16_t http_status;    /* 0 none */
    char http_reason[32];
    char http_host[64];
    int64_t http_clen;      /* Content-Length, -1 none */
    char http_version[10];  /* "HTTP/1.1" */
    /* additive (H4): */
    uint16_t nrec_total;    /* records/messages completed here (nrec = min(this, MAX)) */
    uint8_t http_nmsg;      /* HTTP messages whose header ended here (fields = first one) */
    uint8_t http_is_request;/* 1 request (method/uri set), 0 response (status set) */
    sf_http_msg http_msgs[SF_APP_MAX_HTTP]; /* every message whose header ended here, in
                             * order, the first = the http_* fields above; count =
                             * min(http_nmsg, SF_APP_MAX_HTTP) (pipelining) */
} sf_appinfo;

/* Per-connection application summary. */
typedef struct sf_conn_app {
    uint8_t proto;
    char sni[64];
    uint16_t tls_version;
    int16_t alert_desc;     /* first alert seen, -1 none */
    uint8_t alert_from;     /* 0 client, 1 server */
    uint16_t http_requests, http_responses;
    char http_method[12];   /* first request */
    char http_uri[96];
    int16_t http_status;    /* first final (>= 200) status; a 1xx only if no final one */
    /* additive (H4): */
    char alpn[16];          /* ALPN: server's choice, else client's first offer */
    uint16_t cipher;        /* ServerHello cipher suite, 0 none */
    uint8_t hrr;            /* a HelloRetryRequest was seen */
    uint8_t tls_app_data;   /* application data records were seen (handshake got through) */
    uint16_t tls_alerts;    /* alert records, plaintext and encrypted */
} sf_conn_app;
/* Per-packet / per-connection values are meaningful only when proto != SF_APP_NONE.
 * Use these to reset them (alert_desc -1, http_clen -1, rest zero). */
void sf_appinfo_clear(sf_appinfo *a);
/* The per-packet info of a segment in which nothing was recognised: proto
 * NONE, and the scalar fields a view may test without looking at proto
 * first (counts, first characters of strings) at their empty values; the
 * arrays and the other fields are left as they are. The engine resets its
 * record with this, and nothing else writes them while proto stays NONE. */
static inline void sf_appinfo_none(sf_appinfo *a)
{
    a->proto = SF_APP_NONE;
    a->nrec = 0;
    a->sni[0] = 0;
    a->tls_version = 0;
    a->alert_desc = -1;
    a->http_method[0] = 0;
    a->http_uri[0] = 0;
    a->http_status = 0;
    a->http_clen = -1;
}
void sf_conn_app_init(sf_conn_app *s);

/* ---- streaming recognition, per connection (owner: app/app.c) ----
 * The engine keeps one `sf_app_conn *` per connection, initially NULL;
 * sf_app_segment allocates it on the first payload and keeps a bounded
 * in-order prefix of each direction (at most SF_APP_PREFIX bytes each),
 * so records split across segments and several records per segment are
 * both handled. Retransmitted bytes are ignored; a gap stops recognition
 * for that direction. Freed by sf_app_free (safe on NULL). */
#define SF_APP_PREFIX (16 * 1024)
typedef struct sf_app_conn sf_app_conn;

/* One segment's payload (the engine calls this for every packet with payload,
 * in capture order): dir 0 = client->server, 1 = server->client;
 * rel_seq = relative sequence of the first payload byte (1 = first byte
 * after the SYN); len = payload length per IP, caplen = bytes captured.
 * Fills *out with what this segment completes (see Attribution below)
 * and updates *sum. Every field of *out is reset except the arrays: only
 * rec[0..nrec) and http_msgs[0..min(http_nmsg, SF_APP_MAX_HTTP)) are valid. */
void sf_app_segment(sf_app_conn **ac, int dir, uint32_t rel_seq, const uint8_t *data,
                    uint32_t len, uint32_t caplen, uint16_t client_port, uint16_t server_port,
                    sf_appinfo *out, sf_conn_app *sum);
void sf_app_free(sf_app_conn *ac);
/* additive (session 4): 1 once the recognition of the connection is over
 * (both directions finished; 0 for NULL). From then on sf_app_segment only
 * resets *out and sets out->proto to sum->proto (which no longer changes):
 * exactly what sf_app_segment_over(out, sum->proto) does. An engine may
 * note both in its hot record and call that instead, without reading *ac
 * or *sum (on the bench capture, loading *ac is a cache miss for most of
 * the calls, which are on connections whose recognition is over). */
int sf_app_over(const sf_app_conn *ac);
void sf_app_segment_over(sf_appinfo *out, uint8_t proto);
/* Attribution (docs/app.md): a TLS record is reported in the segment where
 * the record COMPLETES (as tshark does); an HTTP message in the segment where
 * its header block completes. *sum is initialised (sf_conn_app_init) by the
 * first call that allocates *ac; out->proto is the protocol of this segment's
 * direction (else the connection's, i.e. the first recognised), so a
 * continuation segment has proto set and nrec 0 / no HTTP fields. */

/* Test and fuzz helper (no allocation survives the call): feeds two byte
 * streams (client->server, server->client) through sf_app_segment in chunks
 * of `chunk` bytes (0 = whole), alternating directions, ports 0. Returns the
 * number of TLS records plus HTTP messages recognised; fills *sum. */
size_t sf_app_feed(const uint8_t *c2s, size_t c2s_len, const uint8_t *s2c, size_t s2c_len,
                   size_t chunk, sf_conn_app *sum);

/* Names (app/names.c): "client_hello", "certificate_unknown", "TLSv1.3", ... */
const char *sf_tls_hs_name(int hs_type);
const char *sf_tls_alert_name(int desc);
const char *sf_tls_version_name(uint16_t v);
const char *sf_tls_ct_name(int content_type);
/* additive (H4): Wireshark-style display labels: "Client Hello",
 * "Encrypted Handshake Message", "Application Data", "Unknown CA";
 * names return "unknown" for values not in the tables (never NULL). */
const char *sf_tls_hs_label(int hs_type);
const char *sf_tls_ct_label(int content_type);
const char *sf_tls_alert_label(int desc);
const char *sf_tls_cipher_name(uint16_t suite);   /* IANA name or "unknown" */
/* One-line summary of a segment's app info into buf (always NUL-terminated),
 * without a protocol prefix (callers add "TLS: " / "HTTP: " from a->proto):
 * "Client Hello (SNI example.com), Change Cipher Spec", "GET /x HTTP/1.1",
 * "HTTP/1.1 200 OK"; empty when nothing completes in the segment.
 * Returns strlen(buf). */
size_t sf_app_label(const sf_appinfo *a, char *buf, size_t n);

#endif

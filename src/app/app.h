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
    uint8_t encrypted;      /* handshake after ChangeCipherSpec: "Encrypted Handshake Message" */
} sf_tls_rec;

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
    int16_t http_status;    /* first status */
} sf_conn_app;

#endif

/* ---- streaming recognition, per connection (owner: app/app.c) ----
 * The engine keeps one `sf_app_conn *` per connection, initially NULL;
 * sf_app_segment allocates it on the first payload and keeps a bounded
 * in-order prefix of each direction (at most SF_APP_PREFIX bytes each),
 * so records split across segments and several records per segment are
 * both handled. Retransmitted bytes are ignored; a gap stops recognition
 * for that direction. Freed by sf_app_free (safe on NULL). */
#define SF_APP_PREFIX (16 * 1024)
typedef struct sf_app_conn sf_app_conn;

/* One segment's payload: dir 0 = client->server, 1 = server->client;
 * rel_seq = relative sequence of the first payload byte (1 = first byte
 * after the SYN); len = payload length per IP, caplen = bytes captured.
 * Fills *out with what starts in this segment and updates *sum. */
void sf_app_segment(sf_app_conn **ac, int dir, uint32_t rel_seq, const uint8_t *data,
                    uint32_t len, uint32_t caplen, uint16_t client_port, uint16_t server_port,
                    sf_appinfo *out, sf_conn_app *sum);
void sf_app_free(sf_app_conn *ac);

/* Names (app/names.c): "client_hello", "certificate_unknown", "TLSv1.3", ... */
const char *sf_tls_hs_name(int hs_type);
const char *sf_tls_alert_name(int desc);
const char *sf_tls_version_name(uint16_t v);
const char *sf_tls_ct_name(int content_type);

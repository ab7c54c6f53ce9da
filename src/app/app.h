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

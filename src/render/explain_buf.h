/* \summary: bounded per-connection packet records for the explain and ladder views */
#ifndef SF_EXPLAIN_BUF_H
#define SF_EXPLAIN_BUF_H
#include <stddef.h>
#include <stdint.h>
#include "../decode/packet.h"
#include "../track/track.h"
#include "../util/out.h"

/* A compact copy of what explain/ladder render of one packet: sf_pkt and
 * sf_pinfo fields (no pointers: the callback's pointers die with it). */
enum {                      /* sf_xrec.app_bits */
    SF_XA_REQUEST = 1u << 0,     /* HTTP request line */
    SF_XA_RESPONSE = 1u << 1,    /* HTTP status line */
    SF_XA_CLIENT_HELLO = 1u << 2,
    SF_XA_SERVER_HELLO = 1u << 3,
    SF_XA_APPDATA = 1u << 4,     /* TLS application_data record */
    SF_XA_ALERT = 1u << 5,       /* TLS alert (readable) */
    SF_XA_CCS = 1u << 6,         /* ChangeCipherSpec */
    SF_XA_ENC_HS = 1u << 7       /* encrypted handshake message (Finished) */
};

typedef struct sf_xrec {
    uint64_t frame, acks_frame, dup_ack_frame;
    int64_t ts_ns;               /* capture time, ns since the epoch */
    int64_t ack_rtt_ns, irtt_ns;
    uint32_t seq, ack;           /* raw */
    uint32_t rel_seq, rel_ack, nxtseq, expected_ack, len;
    uint32_t role, analysis, dup_ack_num, calc_window;
    uint16_t flags, win;
    int16_t http_status, alert_desc;
    uint8_t dir, hs_step, close_step, rel_valid, ack_check, cstate, sstate;
    uint8_t app_proto, app_bits, alert_level;
    int8_t win_scale;
    char app[128];               /* application label (sf_x_app_label); "" = none */
} sf_xrec;

/* Bounds: the first SF_X_HEAD packets and the last SF_X_TAIL packets of a
 * connection are kept; those in between are counted as elided. */
#define SF_X_HEAD 200
#define SF_X_TAIL 50
/* Global cap on stored records over all live connections (~40 MiB);
 * beyond it packets are elided (counted) until connections end. */
#define SF_X_BUDGET 200000

typedef struct sf_xconn {
    uint64_t id;
    uint64_t npkts;              /* packets seen */
    uint64_t elided;             /* packets seen but not kept */
    uint64_t elided_first, elided_last; /* their frame range */
    uint32_t nhead, cap_head;
    sf_xrec *head;
    sf_xrec *tail;               /* ring of SF_X_TAIL once head is full */
    uint32_t ntail, tail_next;
    uint32_t gap_at;             /* index (in render order) before which the elision falls */
    int64_t first_ns, last_ns;
    uint8_t ts_missing, ts_prec;
    uint8_t text_input;          /* no packet bytes: tcpdump text */
    char host[2][64];            /* text input host names: [0] client, [1] server; "" = none */
    sf_endpoint ep[2];           /* [0] client, [1] server, from the first packet */
    uint8_t ipver;
    /* application facts gathered over the whole connection */
    uint8_t appdata_dir[2];      /* TLS application_data seen from client / server */
    uint8_t alert_seen, alert_level, alert_from; int16_t alert_desc;
    uint64_t alert_frame;
} sf_xconn;

/* Map of live connections id -> sf_xconn, with the global budget. */
typedef struct sf_xmap {
    sf_xconn **slot;
    size_t cap, n;
    uint64_t records;            /* records allocated over all connections */
} sf_xmap;

void sf_xmap_init(sf_xmap *m);
/* Find the buffer of connection id, creating it when create != 0. NULL on OOM. */
sf_xconn *sf_xmap_get(sf_xmap *m, uint64_t id, int create);
/* Remove connection id from the map and return it (caller frees with sf_xconn_free). */
sf_xconn *sf_xmap_take(sf_xmap *m, uint64_t id);
/* Remove and return the live connection with the lowest id, or NULL when empty. */
sf_xconn *sf_xmap_take_lowest(sf_xmap *m);
void sf_xmap_free(sf_xmap *m);
void sf_xconn_free(sf_xmap *m, sf_xconn *x);

/* Append one packet (copies what it needs; pointers in p/pi are not kept). */
void sf_xconn_add(sf_xmap *m, sf_xconn *x, const sf_pkt *p, const sf_pinfo *pi);
/* Stored records in packet order: count, i-th record. */
size_t sf_xconn_count(const sf_xconn *x);
const sf_xrec *sf_xconn_at(const sf_xconn *x, size_t i);
/* Non-zero if packets were elided just before stored record i. */
int sf_xconn_gap_before(const sf_xconn *x, size_t i);
/* Stored record of a frame number, or NULL. */
const sf_xrec *sf_xconn_find_frame(const sf_xconn *x, uint64_t frame);

/* Fill a record from a packet (exposed for the verbose view and tests). */
void sf_xrec_fill(sf_xrec *r, const sf_pkt *p, const sf_pinfo *pi);
/* Writes the application label of a segment (app.h's sf_app_label, no
 * protocol prefix: "Client Hello (SNI a.b)", "GET /x HTTP/1.1"), cleaned to
 * printable valid UTF-8, into buf; "" when nothing completes there. */
void sf_x_app_label(const sf_appinfo *a, char *buf, size_t n);

/* Printable copy of untrusted text (at most max bytes of s): controls dropped,
 * invalid UTF-8 bytes as '?'; always NUL-terminated. */
void sf_x_clean(char *dst, size_t n, const char *s, size_t max);
/* Endpoint "ip:port" ("[v6]:port"), or the text-input host name. */
void sf_x_endpoint(char *buf, size_t n, const sf_endpoint *e, int ipver, const char *host);
/* tcpdump's flag letters ("S.", "FP.", ...) into buf (>= 12 bytes). */
void sf_x_flags(char *buf, uint16_t flags);
/* A duration: "0.438 ms", "1.250 s"; "-" when ns < 0. */
void sf_x_dur(char *buf, size_t n, int64_t ns);
/* Escapes s for XML/HTML text and attributes (& < > " '); control bytes dropped. */
void sf_x_xml(sf_out *o, const char *s);

#endif

/* \summary: internal: the engine's live-connection record, shared by src/track/{engine,table,seqnum,state,close,zeek}.c */
#ifndef SF_CONN_INT_H
#define SF_CONN_INT_H
#include <stdint.h>
#include "track.h"
#include "analysis.h"

/* Sequence-space comparisons (RFC 9293 modular arithmetic). */
#define SF_SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SF_SEQ_GT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SF_SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

/* Unordered 4-tuple: the (addr, port) pair that compares lower is `a`. */
typedef struct sf_ckey {
    uint8_t a[16], b[16];
    uint16_t pa, pb;
    uint8_t ipver;
} sf_ckey;

/* Per-direction facts; index 0 = client->server, 1 = server->client. */
enum {
    SF_DF_BASE = 1u << 0,     /* Wireshark base_seq known */
    SF_DF_NXT = 1u << 1,      /* nxt valid: this side has sent something */
    SF_DF_SYN = 1u << 2,      /* sent a SYN without ACK */
    SF_DF_SYNACK = 1u << 3,   /* sent a SYN-ACK */
    SF_DF_FIN = 1u << 4,      /* sent a FIN */
    SF_DF_RST = 1u << 5,      /* sent a RST */
    SF_DF_ACKED_FIN = 1u << 6,/* has acknowledged the peer's FIN */
    SF_DF_SENT = 1u << 7,     /* sent at least one packet */
    SF_DF_DATA = 1u << 8      /* data_end valid */
};
typedef struct sf_dir {
    uint32_t base;            /* Wireshark base_seq (the ISN, or seq-1 when no SYN was seen) */
    uint32_t nxt;             /* highest seq+len (+1 for SYN, FIN) sent, absolute */
    uint32_t isn;             /* seq of this side's SYN / SYN-ACK */
    uint32_t fin_seq;         /* the sequence number this side's FIN occupies */
    uint32_t data_end;        /* end of the payload sequence space covered so far */
    uint16_t fl;              /* SF_DF_* */
    uint8_t st;               /* sf_state after the last packet */
    uint8_t fin_step;         /* close_step given to this side's FIN */
} sf_dir;

/* Connection facts used by the open/close classification (close.c). */
enum {
    SF_CF_HS_DONE = 1u << 0,        /* client left SYN_SENT by sending an ACK */
    SF_CF_REFUSED = 1u << 1,        /* server RST while the client was in SYN_SENT, no SYN-ACK */
    SF_CF_FIN1_CLIENT = 1u << 2,    /* the first FIN came from the client */
    SF_CF_FIN1_SERVER = 1u << 3,    /* ... from the server */
    SF_CF_FIN1_DATA = 1u << 4,      /* the first FIN rode on data */
    SF_CF_FIN2_ACKS_FIN1 = 1u << 5, /* the second side's first FIN acknowledged the first FIN */
    SF_CF_FIN1_ACKED_APART = 1u << 6, /* the first FIN was acknowledged before the second FIN */
    SF_CF_DATA_AFTER_FIN = 1u << 7, /* the passive side sent new data after the first FIN */
    SF_CF_RST_CLIENT = 1u << 8,     /* the first RST came from the client */
    SF_CF_RST_SERVER = 1u << 9,
    SF_CF_FIN_BEFORE_RST = 1u << 10,/* some FIN preceded the first RST */
    SF_CF_FINS_BEFORE_RST = 1u << 11,/* both sides' FINs preceded the first RST */
    SF_CF_REUSED = 1u << 12,        /* started by a SYN with a new ISN on a known tuple */
    SF_CF_ENDED = 1u << 13,         /* closed (RST, or both FINs acknowledged): linger, then emit */
    SF_CF_IRTT = 1u << 14,          /* irtt known */
    SF_CF_STEADY = 1u << 15         /* sf_steady(r) (fast.h) held after the last packet */
};

/* Zeek's per-endpoint TCP state (TCP_Endpoint), reduced to what conn_state
 * and history need (zeek.c). */
typedef struct sf_zep {
    uint32_t start, last, ackseq, gap_to;
    uint32_t last_syn, last_fin, last_rst;
    uint32_t cnt[3];          /* retransmissions, zero windows, gaps */
    uint8_t exp[3];           /* next threshold is 10^exp */
    uint8_t state, prev_state, fin_cnt;
} sf_zep;
/* Zeek's history: at most SF_ZEEK_HMAX letters. Kept as the string itself
 * (not 5-bit codes, 8 bytes less) because the summary handed to the views
 * with every packet copies it. */
#define SF_ZEEK_HMAX 23
typedef struct sf_zeek {
    sf_zep ep[2];             /* 0 = Zeek's originator, 1 = responder */
    uint32_t seen;            /* history letters recorded once */
    uint8_t orig_dir;         /* our dir whose sender is Zeek's originator */
    uint8_t hlen;
    char hist[SF_ZEEK_HMAX + 1]; /* NUL-terminated */
} sf_zeek;

/*
 * Live connections come in three kinds of record, all in the table's slab
 * pools (table.c) behind a common header:
 *  - sf_mini1 (SF_K_MINI1, 144 bytes) and sf_mini3 (SF_K_MINI3, 224 bytes):
 *    a connection of which only packets without payload have been seen, at
 *    most 1 or 3 of them -- a SYN of a scan or flood; a handshake not (yet)
 *    followed by data; a refused SYN. They keep those packets' header
 *    fields; the full state is rebuilt by replaying them through the same
 *    code (minirec.c) for each further packet, and when the connection is
 *    written. Replay reads only what they keep: if the engine or the analysis
 *    starts reading another sf_pkt field of a packet without payload, keep
 *    it there too (tests/unit/test_track.c compares with and without).
 *  - sf_rec (SF_K_FULL): every other connection.
 * The public sf_conn is never stored: it is assembled (summary.c) into a
 * scratch the views borrow for one callback.
 */
enum { SF_K_FULL = 0, SF_K_MINI1 = 1, SF_K_MINI3 = 2 };

typedef struct sf_rhdr {       /* 72 bytes */
    uint64_t id;              /* connection id */
    int64_t last_ns;          /* capture time of the last packet */
    uint32_t hnext;           /* hash chain: tagged index (table.h), 0 = end */
    uint32_t lprev, lnext;    /* expiry list links: tagged indices */
    uint32_t self;            /* own tagged index */
    sf_ckey key;              /* (its hash is recomputed when needed: sf_key_hash) */
    uint8_t kind;             /* SF_K_* */
    uint8_t list : 2;         /* SF_L_* */
    uint8_t client_is_a : 1;  /* the client is key.a */
    uint8_t symmetric : 1;    /* src == dst and sport == dport: one direction only */
} sf_rhdr;

/* A packet without payload, as a compact record keeps it (24 bytes). */
typedef struct sf_minipkt {
    uint32_t dt_ns;           /* capture time after the first packet's */
    uint32_t dframe;          /* frame number after the first packet's */
    uint32_t seq, ack;
    uint16_t win, flags;
    uint8_t hlen, opt_len;    /* its options follow the previous packets' in opt[] */
    uint8_t dir;              /* 0 client->server */
    uint8_t ts_prec;
} sf_minipkt;

/* The part common to both sizes; the packets and then the option bytes
 * follow it (sf_mini_pkts / sf_mini_opt in minirec.c). */
typedef struct sf_minirec {
    sf_rhdr h;
    int64_t ts_sec;           /* the first packet's time and frame */
    uint64_t frame;
    uint32_t ts_nsec;         /* < 10^9 */
    uint8_t n;                /* packets kept */
    uint8_t reused;           /* it started a new connection on a reused tuple */
    uint8_t opt_used;         /* option bytes kept */
    uint8_t slot;             /* 1 + the e->tmp slot that may hold its state (minirec.c), 0 none */
} sf_minirec;
#define SF_MINI1_OPT 20       /* Linux's SYN options */
#define SF_MINI3_OPT 56       /* SYN, SYN-ACK and ACK with timestamps */
typedef struct sf_mini1 {
    sf_minirec m;
    sf_minipkt p[1];
    uint8_t opt[SF_MINI1_OPT];
} sf_mini1;
typedef struct sf_mini3 {
    sf_minirec m;
    sf_minipkt p[3];
    uint8_t opt[SF_MINI3_OPT];
} sf_mini3;

/* What only some connections need: allocated on the first payload byte or
 * for a host name (engine.c), recycled through a free list. */
typedef struct sf_rext {
    sf_app_conn *app;         /* app recognition (app.c) */
    struct sf_rext *next_free;
    uint32_t name[2];         /* host names (hosts.h) of client, server; 0 = none */
    sf_conn_app sum;          /* app summary (app.h) */
} sf_rext;

/* One live connection that does not fit a compact record. Lives in the
 * engine's slab pool (table.c); moved never while live. */
typedef struct sf_rec {
    sf_rhdr h;
    uint16_t cf;              /* SF_CF_* */
    uint8_t close_steps;      /* close steps numbered so far */
    uint8_t completeness;     /* Wireshark tcp.completeness */
    uint8_t client_inferred;  /* role inferred (no SYN seen) */
    uint8_t ts_prec[2];       /* precision of first_ts, last_ts */
    uint8_t app_over;         /* 1 + ext->sum.proto once app recognition is over (sf_app_over;
                               * engine.c then skips sf_app_segment), 0 before */
    sf_dir d[2];
    int64_t mru_syn_ns;       /* Wireshark ts_mru_syn: latest SYN without ACK, 0 = none */
    int64_t first_sec, last_sec;
    uint32_t first_nsec, last_nsec;
    uint64_t first_frame, last_frame;
    int64_t irtt_ns;          /* -1 unknown */
    uint64_t pkts[2], bytes[2];   /* [dir] */
    uint32_t syn_retransmits;
    sf_zeek z;
    sf_an_conn an;            /* expert analysis state and its summary totals (an.sum) */
    sf_rext *ext;             /* NULL until needed */
} sf_rec;

enum { SF_L_NONE = 0, SF_L_OPEN, SF_L_ENDED };

static inline int64_t sf_ts_ns(const sf_time *t) { return t->sec * 1000000000LL + (int64_t)t->nsec; }

/* ---- seqnum.c: Wireshark-compatible relative numbers, completeness, iRTT ---- */
/* Fill pi->rel_*, nxtseq, len, ack_check, expected_ack, completeness,
 * irtt_ns and update r->d[*].base/nxt. `first` = the packet created the
 * connection; seglen, have: from sf_seq_seglen(p). */
void sf_seq_packet(sf_rec *restrict r, int d, const sf_pkt *restrict p, int first, uint32_t seglen, int have,
                   sf_pinfo *restrict pi);
/* Wireshark's tcp.len for this packet, and whether it has one. Wireshark's
 * reported length is the IP length, but never beyond the frame's length on
 * the wire ("IP total length exceeds packet length"). A record without
 * link-layer bytes (text input) counts its wire length from the IP header,
 * so the TCP header starts ip_hlen into it. */
static inline uint32_t sf_seq_seglen(const sf_pkt *p, int *have)
{
    uint32_t seg = p->seg_len;
    size_t off;
    if (p->l2 && p->l4 && p->l4 >= p->l2)
        off = (size_t)(p->l4 - p->l2);
    else if (!p->l2 && p->ip_len)
        off = p->ip_hlen;
    else
        goto done;
    if ((size_t)p->wirelen - off < seg)   /* (wraps, so fails, when wirelen < off) */
        seg = (uint32_t)(p->wirelen - off);
done:
    *have = !p->ip_first_frag && seg >= p->hlen;
    return *have ? seg - p->hlen : 0;
}

/* ---- state.c: RFC 9293 endpoint states as seen from the capture point ---- */
/* Set the initial states from the first packet. */
void sf_state_init(sf_rec *r, int d, const sf_pkt *p);
/* Update states, connection facts, role, hs_step and close_step. */
void sf_state_packet(sf_rec *restrict r, int d, const sf_pkt *restrict p, uint32_t seglen, sf_pinfo *restrict pi);
/* 1 if the connection has ended (RST, or both FINs acknowledged). */
int sf_state_ended(const sf_rec *r);

/* ---- close.c: open/close kinds, active closer, TIME_WAIT side ---- */
/* Set c->open, close, active_closer, time_wait, final states and ISNs from r. */
void sf_close_refresh(const sf_rec *r, sf_conn *c);

/* ---- zeek.c: Zeek's conn_state and history ---- */
void sf_zeek_init(sf_rec *r, int d, const sf_pkt *p);
void sf_zeek_packet(sf_rec *restrict r, int d, const sf_pkt *restrict p, uint32_t seglen);
/* Write c->zeek_state and c->zeek_history from r. */
void sf_zeek_finish(const sf_rec *r, sf_conn *c);

/* ---- summary.c: the public sf_conn, assembled from a record ---- */
struct sf_hosts;
/* Fill every field of *c from r (names from h), for conn_end;
 * *app_empty: 1 when c->app holds the empty summary (kept up to date here;
 * 0 for a c never filled). */
void sf_conn_fill(const sf_rec *r, const struct sf_hosts *h, sf_conn *c, uint8_t *app_empty);
/* Copy the analysis totals (r->an.sum) into c's fields of the same names. */
void sf_conn_an_load(const sf_rec *r, sf_conn *c);

#endif

/* \summary: connection tracking engine: conn table, roles, RFC 9293 states, close kinds */
#ifndef SF_TRACK_H
#define SF_TRACK_H
#include <stdint.h>
#include "../decode/packet.h"
#include "../app/app.h"

/* ---- stable snake_case vocabularies (names in track/names.c, docs/names.md) ---- */

typedef enum sf_state {
    SF_ST_CLOSED = 0, SF_ST_LISTEN, SF_ST_SYN_SENT, SF_ST_SYN_RECEIVED,
    SF_ST_ESTABLISHED, SF_ST_FIN_WAIT_1, SF_ST_FIN_WAIT_2, SF_ST_CLOSE_WAIT,
    SF_ST_CLOSING, SF_ST_LAST_ACK, SF_ST_TIME_WAIT, SF_ST__COUNT
} sf_state;

/* Per-packet role: a bit set; rendered joined by '+', e.g. "data+fin". */
enum {
    SF_ROLE_SYN = 1u << 0,           /* SYN without ACK */
    SF_ROLE_SYN_ACK = 1u << 1,
    SF_ROLE_HANDSHAKE_ACK = 1u << 2, /* the ACK completing the handshake */
    SF_ROLE_DATA = 1u << 3,          /* carries payload */
    SF_ROLE_ACK = 1u << 4,           /* pure ACK (no payload, no SYN/FIN/RST) */
    SF_ROLE_FIN = 1u << 5,
    SF_ROLE_RST = 1u << 6,
    SF_ROLE_KEEPALIVE = 1u << 7,
    SF_ROLE_WINDOW_PROBE = 1u << 8
};

typedef enum sf_open_kind {
    SF_OPEN_HANDSHAKE = 0, SF_OPEN_SIMULTANEOUS, SF_OPEN_REFUSED, SF_OPEN_UNANSWERED,
    SF_OPEN_SYN_ACK_ONLY, SF_OPEN_MIDSTREAM,
    SF_OPEN_INCOMPLETE,     /* SYN answered (SYN-ACK or other), handshake ACK never seen */
    SF_OPEN__COUNT
} sf_open_kind;

typedef enum sf_close_kind {
    SF_CLOSE_OPEN = 0,      /* still open at end of input */
    SF_CLOSE_FIN_4WAY, SF_CLOSE_FIN_3WAY, SF_CLOSE_FIN_WITH_DATA, SF_CLOSE_SIMULTANEOUS,
    SF_CLOSE_HALF_CLOSE, SF_CLOSE_RST_CLIENT, SF_CLOSE_RST_SERVER, SF_CLOSE_RST_AFTER_FIN,
    SF_CLOSE_REFUSED,       /* RST answered the SYN */
    SF_CLOSE_UNANSWERED,    /* SYN(s) never answered */
    SF_CLOSE_HALF_CLOSED_AT_END, /* one side sent FIN, the other had not closed at end of input */
    SF_CLOSE__COUNT
} sf_close_kind;

typedef enum sf_side { SF_SIDE_NONE = 0, SF_SIDE_CLIENT, SF_SIDE_SERVER,
    SF_SIDE_BOTH           /* simultaneous close: both sent FIN first / both in TIME_WAIT */
} sf_side;

/* ack_check: does this ACK acknowledge exactly what the peer has sent so far? */
typedef enum sf_ack_check {
    SF_ACK_NA = 0,      /* no ACK flag */
    SF_ACK_OK,          /* ack == peer's next seq */
    SF_ACK_PARTIAL,     /* acknowledges less than the peer sent (data in flight) */
    SF_ACK_AHEAD,       /* acknowledges bytes we never saw the peer send (capture lost them) */
    SF_ACK_UNKNOWN      /* peer's sequence space not known yet */
} sf_ack_check;

/* Expert analysis flags (#4), Wireshark-named; names in track/names.c. */
enum {
    SF_AN_RETRANSMISSION = 1u << 0,
    SF_AN_FAST_RETRANSMISSION = 1u << 1,
    SF_AN_SPURIOUS_RETRANSMISSION = 1u << 2,
    SF_AN_OUT_OF_ORDER = 1u << 3,
    SF_AN_LOST_SEGMENT = 1u << 4,
    SF_AN_ACK_LOST_SEGMENT = 1u << 5,
    SF_AN_DUPLICATE_ACK = 1u << 6,
    SF_AN_ZERO_WINDOW = 1u << 7,
    SF_AN_ZERO_WINDOW_PROBE = 1u << 8,
    SF_AN_ZERO_WINDOW_PROBE_ACK = 1u << 9,
    SF_AN_WINDOW_UPDATE = 1u << 10,
    SF_AN_WINDOW_FULL = 1u << 11,
    SF_AN_KEEP_ALIVE = 1u << 12,
    SF_AN_KEEP_ALIVE_ACK = 1u << 13,
    SF_AN_REUSED_PORTS = 1u << 14,
    /* synfin's extra analyses, off unless asked for (sf_an_set_options,
     * docs/analysis.md "Extra analyses"): */
    SF_AN_DSACK = 1u << 15,                         /* ACK reporting duplicate data (D-SACK) */
    SF_AN_SACK_SPURIOUS_RETRANSMISSION = 1u << 16,  /* resent bytes the peer had SACKed */
    SF_AN__COUNT = 17
};

/* ---- per-packet result: what the engine concluded about one TCP packet ---- */
typedef struct sf_pinfo {
    uint64_t conn;            /* connection id, = tshark tcp.stream */
    uint8_t dir;              /* 0 = client->server, 1 = server->client */
    uint32_t role;            /* SF_ROLE_* bits */
    uint8_t hs_step;          /* 1..3 for handshake packets, else 0 */
    uint8_t close_step;       /* 1.. for close packets (FINs and their ACKs), else 0 */
    sf_state client_state, server_state; /* after this packet */
    uint32_t rel_seq, rel_ack, nxtseq;   /* Wireshark-style relative (ISN = 0) */
    uint8_t rel_valid;        /* 0 if relative numbers are not meaningful */
    sf_ack_check ack_check;
    uint32_t expected_ack;    /* relative: what a full ACK would be (peer next seq) */
    uint32_t analysis;        /* SF_AN_* bits */
    uint32_t dup_ack_num;     /* with SF_AN_DUPLICATE_ACK: 1, 2, ... */
    uint64_t dup_ack_frame;   /* frame it duplicates */
    uint64_t acks_frame;      /* frame this ACK acknowledges, 0 if none */
    int64_t ack_rtt_ns;       /* RTT to that frame, -1 if none */
    int64_t irtt_ns;          /* connection iRTT once known, -1 before */
    uint32_t calc_window;     /* window << scale (as Wireshark: -1 when scale unknown) */
    int8_t win_scale;         /* scale applied (-1 unknown, -2 no scaling) */
    uint32_t rel_sack[SF_MAX_SACK][2];
    uint8_t completeness;     /* tcp.completeness bits so far */
    sf_appinfo app;           /* what the app parsers found in this segment */
    uint32_t len;             /* Wireshark tcp.len: payload bytes per the IP length, bounded by
                               * the frame's wire length (0 when rel_valid is 0) */
} sf_pinfo;

/* ---- per-connection summary, emitted when the connection ends ---- */
typedef struct sf_endpoint {
    uint8_t addr[16];
    uint16_t port;
} sf_endpoint;

typedef struct sf_conn_stats {   /* one direction */
    uint64_t pkts, bytes;        /* packets, payload bytes */
    uint64_t retrans_bytes;
} sf_conn_stats;

typedef struct sf_conn {
    uint64_t id;
    uint8_t ipver;
    sf_endpoint client, server;
    uint8_t client_inferred;     /* role inferred (no SYN seen) */
    sf_open_kind open;
    sf_close_kind close;
    sf_side active_closer, time_wait;
    uint32_t syn_retransmits;
    sf_state client_state, server_state; /* final */
    uint32_t client_isn, server_isn;
    uint8_t have_client_isn, have_server_isn;
    sf_time first_ts, last_ts;
    uint64_t first_frame, last_frame;
    int64_t irtt_ns;             /* -1 unknown */
    sf_conn_stats c2s, s2c;
    uint8_t completeness;        /* Wireshark tcp.completeness */
    char zeek_state[8];          /* Zeek conn_state: S0, S1, SF, REJ, ... */
    char zeek_history[24];       /* Zeek history string */
    uint32_t an_count[SF_AN__COUNT]; /* per analysis flag */
    int64_t rtt_min_ns, rtt_max_ns, rtt_sum_ns; uint64_t rtt_n;
    int64_t longest_stall_ns;
    sf_conn_app app;             /* app summary (app.h) */
    /* additive (H10): host names as text input wrote them (sf_pkt.src_name/
     * dst_name of the first packet), NULL otherwise; owned by the engine,
     * valid until sf_engine_free. Views show "name:port" when set. */
    const char *client_name, *server_name;
} sf_conn;

/* ---- engine ---- */
struct sf_view;
typedef struct sf_engine sf_engine;

typedef struct sf_engine_cfg {
    uint64_t idle_timeout_s;     /* evict connections idle this long (0 = default) */
    uint64_t max_conns;          /* hard cap on live connections (0 = none); records
                                  * also stay within a 256 MiB memory budget */
} sf_engine_cfg;

typedef struct sf_stats {
    uint64_t frames, tcp, not_ip, not_tcp, fragments, truncated, malformed, unsupported;
    uint64_t conns, evicted_idle, evicted_cap;
} sf_stats;

/* Create an engine that reports to `view` (borrowed; must outlive the engine). */
sf_engine *sf_engine_new(const sf_engine_cfg *cfg, struct sf_view *view);
/* Feed one decoded frame (any status). Calls view->packet synchronously, and
 * view->conn_end for every connection that ends or is evicted because of it. */
void sf_engine_packet(sf_engine *e, const sf_pkt *pkt);
/* Where the engine builds a TCP packet's sf_pinfo: by default a scratch of
 * its own; with buf set, in *buf(ctx), called once per tracked packet just
 * before the record is built, the packet callback following with that
 * pointer and no other view callback in between (src/render/async.c: the
 * render thread's ring slot, saving a copy). Fields a packet leaves unset
 * (the app part beyond its counts, see app.h) then hold older values than
 * with the scratch; views must not read them either way. */
void sf_engine_pinfo_buf(sf_engine *e, sf_pinfo *(*buf)(void *ctx), void *ctx);
/* Advance the engine's clock without a packet. The engine's clock is the
 * latest packet timestamp (capture time); a connection that ended is written
 * only once that clock passes its last packet + 10 s, so in a live capture
 * that goes quiet nothing would be written until the next packet.
 * When to call: live capture only, each time the source reports no packet
 * for a while (sf_source_next returned SF_SRC_IDLE), with `now` = the time
 * it reports (the wall clock, the clock packet timestamps use); from the
 * thread that calls sf_engine_packet, between packets. Harmless at any other
 * time; a `now` at or before the engine's clock changes nothing (the clock
 * never goes back). Not needed for files: packets move the clock, and
 * sf_engine_finish writes the rest.
 * What it emits, exactly as a packet stamped `now` would before being
 * tracked, oldest first: view->conn_end for every connection that ended
 * (RST, or both FINs acknowledged) and had no packet for more than 10 s;
 * and, while more than 50 000 connections are live, for every one idle
 * longer than idle_timeout_s (counted in evicted_idle). No view->packet, no
 * view->finish; the caller flushes the output afterwards. */
void sf_engine_tick(sf_engine *e, const sf_time *now);
/* End of input: emit every remaining connection (close = open where not closed). */
void sf_engine_finish(sf_engine *e);
const sf_stats *sf_engine_stats(const sf_engine *e);
void sf_engine_free(sf_engine *e);

/* names (track/names.c) */
const char *sf_state_name(sf_state s);
const char *sf_open_name(sf_open_kind k);
const char *sf_close_name(sf_close_kind k);
const char *sf_side_name(sf_side s);
const char *sf_ack_check_name(sf_ack_check a);
const char *sf_an_name(unsigned bit_index);
/* Writes role bits as "data+fin" into buf; returns buf. */
char *sf_role_str(uint32_t role, char *buf, size_t n);

#endif

/* \summary: expert TCP analysis (Wireshark-compatible flags, acked frame, RTT, window) */
#ifndef SF_ANALYSIS_H
#define SF_ANALYSIS_H
#include <stdint.h>
#include "../decode/packet.h"
#include "track.h"

/* The most unacknowledged segments remembered per direction: Wireshark 4.0's
 * TCP_MAX_UNACKED_SEGMENTS. Beyond it new segments are not remembered (as in
 * Wireshark), so their ACKs get no acks_frame/ack_rtt. The first
 * SF_AN_SEG_INLINE live inside the state; a longer list lives on the heap
 * only until it empties (see docs/analysis.md, "Memory"). */
#define SF_AN_MAX_UNACKED 10000

/* One remembered, not yet (fully) acknowledged segment (24 bytes). */
typedef struct sf_an_seg {
    int64_t ts;                /* capture time, ns since the epoch */
    uint64_t frame;
    uint32_t seq, nextseq;     /* absolute; nextseq counts SYN/FIN as 1 */
} sf_an_seg;

/* Segments kept inside sf_an_flow before the list moves to the heap: 2 hold
 * about 9 pushes in 10 on a mixed capture (no allocation for most flows). */
#define SF_AN_SEG_INLINE 2

/* Per-direction state: Wireshark's tcp_flow_t + tcp_analyze_seq_flow_info_t,
 * reduced to what the analysis reads. Sequence numbers are absolute and 0
 * means "not seen yet", exactly as in Wireshark. (104 bytes) */
typedef struct sf_an_flow {
    uint32_t nextseq;          /* highest seq+len seen (SYN/FIN +1) */
    uint32_t lastack;          /* ack field of this direction's last packet */
    uint32_t maxseqtobeacked;  /* highest contiguous nextseq (for ack_lost_segment) */
    uint32_t window;           /* raw window field of the last packet; 0xFFFFFFFF before any */
    uint32_t base_seq;         /* Wireshark's base_seq (only to spot a re-sent SYN) */
    uint32_t dupacknum;        /* duplicate ACKs in a row; 0xFFFFFFFF marks an ack_lost_segment */
    int64_t nextseqtime;       /* time nextseq last advanced (ns) */
    int64_t lastacktime;       /* time of the last packet (ns) */
    uint64_t lastnondupack;    /* frame of the last ACK that changed the ack number */
    /* unacked segments, oldest first: in `in` while capseg == 0 (at most
     * SF_AN_SEG_INLINE), else on the heap at `heap` (capseg entries; freed
     * when the list empties). No self-pointer: the record may be copied. */
    union {
        sf_an_seg *heap;
        sf_an_seg in[SF_AN_SEG_INLINE];
    } seg;
    uint16_t nseg, capseg;
    int8_t win_scale;          /* -1 unknown, -2 not used, 0..14 shift */
    uint8_t fl;                /* SF_ANF_* bits (analysis.c) */
    uint8_t last;              /* keep-alive / zero-window-probe flags of the last segment (analysis.c) */
    uint8_t mp_ops;            /* MPTCP option kinds seen when this direction last sent */
} sf_an_flow;

/* What the analysis sums up for the connection summary (sf_conn's fields of
 * the same names; summary.c copies them out at conn_end). */
typedef struct sf_an_sum {
    /* first what most packets update (next to sf_an_conn's scalars) */
    int64_t longest_stall_ns;          /* longest gap between consecutive packets */
    uint64_t rtt_n;
    int64_t rtt_sum_ns, rtt_min_ns, rtt_max_ns; /* ack_rtt samples > 0 (sum saturates) */
    uint64_t retrans_bytes[2];         /* [dir]: tcp.len of retransmissions */
    uint32_t an_count[SF_AN__COUNT];   /* packets with each flag */
} sf_an_sum;

/* Per-connection analysis state, embedded by value in the engine's
 * connection record (owner of the contents: analysis.c). Fixed size; the
 * only heap memory is the unacked-segment lists beyond SF_AN_SEG_INLINE,
 * freed when they empty and by sf_an_free, and the extras' state
 * (sf_an_set_options). Copying the record (e.g. when the engine grows its
 * table) is safe: there are no self-pointers. */
typedef struct sf_an_conn {
    sf_an_flow f[2];           /* index = pi->dir (0 client->server) */
    int64_t mru_syn;           /* time of the latest SYN without ACK, 0 = none */
    int64_t first_rtt;         /* Wireshark's ts_first_rtt (iRTT), 0 = not yet */
    int64_t last_ts;           /* time of the previous packet (for longest_stall) */
    struct sf_an_ext *ext;     /* extra analyses' state (analysis_int.h), NULL unless used */
    uint8_t cfl;               /* SF_ANC_* bits (analysis.c) */
    uint8_t mp_ops;            /* MPTCP option kinds seen in the connection */
    sf_an_sum sum;             /* the connection's totals so far */
} sf_an_conn;

/* Reset state for a new connection. Owns nothing yet. */
void sf_an_init(sf_an_conn *a);
/* Analyse one TCP packet of the connection. Called by the engine after it
 * has filled pi->conn, pi->dir and the relative numbers, for EVERY TCP
 * packet of the connection in capture order (also ones the analysis skips:
 * fragments, headers cut short; they still move the iRTT and window-scale
 * state as in Wireshark). Fills pi->analysis (ORed: a SF_AN_REUSED_PORTS
 * bit set by the engine beforehand, the only bit it may hold on entry, is
 * kept and counted), dup_ack_*,
 * acks_frame, ack_rtt_ns, calc_window, win_scale, rel_sack, and updates
 * the totals in a->sum. The caller resets dup_ack_num, dup_ack_frame and
 * acks_frame to 0, ack_rtt_ns to -1 and rel_sack to zeros beforehand (as
 * the engine does for every packet): the fast path writes them only when
 * it has something to say. pi->len and pi->rel_valid are the seqnum
 * stage's (tcp.len per sf_seq_seglen, and whether there is one).
 * `isn[dir]` are the bases used for relative numbers (SACK blocks are
 * made relative to isn[!dir]). */
void sf_an_packet(sf_an_conn *a, const sf_pkt *p, sf_pinfo *pi, const uint32_t isn[2]);
/* Release anything sf_an_packet allocated; *a may be re-initialised after. */
void sf_an_free(sf_an_conn *a);

/* Extra analyses beyond Wireshark 4.0's (docs/analysis.md, "Extra analyses").
 * They add their own flags and never change a Wireshark-named one. Off by
 * default, so that the default output agrees with tshark. Process-wide: set
 * once (CLI) before the first packet. */
enum {
    SF_AN_OPT_SACK = 1u << 0   /* dsack, sack_spurious_retransmission */
};
void sf_an_set_options(unsigned opts);
#endif

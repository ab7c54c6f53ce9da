/* \summary: internals shared by the analysis files (analysis.c, analysis_sack.c) */
#ifndef SF_ANALYSIS_INT_H
#define SF_ANALYSIS_INT_H
#include "analysis.h"

/* SACK scoreboard of one direction's data: ranges the peer SACKed above its
 * cumulative ACK (absolute seqs), sorted upwards from that ACK. */
#define SF_AN_SACK_RANGES 4
typedef struct sf_an_range { uint32_t left, right; } sf_an_range;
typedef struct sf_an_board {
    sf_an_range r[SF_AN_SACK_RANGES];
    uint8_t n;
} sf_an_board;

/* Heap part of the extra analyses, allocated on first use (SF_AN_OPT_SACK). */
struct sf_an_ext {
    sf_an_board b[2];          /* [dir]: what the peer SACKed of dir's data */
};

/* ---- the unacknowledged-segment list of a direction (oldest first) ----
 * The first SF_AN_SEG_INLINE segments live in the flow itself (capseg 0);
 * a longer list moves to the heap, which is given back when it empties. */

/* A segment's or an ACK's time unknown (tcpdump text printed with -t): no RTT. */
#define SF_AN_NO_TIME INT64_MIN

static inline sf_an_seg *sf_an_seg_arr(sf_an_flow *f)
{
    return f->capseg ? f->seg.heap : f->seg.in;
}
/* Make room for one more segment when the list is full: move the inline
 * list to the heap, or grow the heap list. The array, NULL if that failed
 * (analysis_seg.c). */
sf_an_seg *sf_an_seg_grow(sf_an_flow *f);
/* Give a heap list back (capseg != 0): the list is empty after. */
void sf_an_seg_release(sf_an_flow *f);
/* Append a segment; 0 if it could not be stored (allocation failed). */
static inline int sf_an_seg_push(sf_an_flow *f, uint64_t frame, uint32_t seq, uint32_t nextseq, int64_t ts)
{
    sf_an_seg *arr;
    if (f->capseg == 0 && f->nseg < SF_AN_SEG_INLINE)
        arr = f->seg.in;
    else if (f->capseg != 0 && f->nseg < f->capseg)
        arr = f->seg.heap;
    else if (!(arr = sf_an_seg_grow(f)))
        return 0;
    sf_an_seg *s = &arr[f->nseg++];
    s->ts = ts;
    s->frame = frame;
    s->seq = seq;
    s->nextseq = nextseq;
    return 1;
}
/* Process `ack` against the segments the peer sent (Wireshark's loop over
 * rev->segments, analysis_seg.c). Segments wholly covered are removed; one
 * ending exactly at `ack` is the acknowledged frame (pi->acks_frame, and
 * pi->ack_rtt_ns unless a time is SF_AN_NO_TIME): Wireshark walks
 * newest-first and keeps the last match, i.e. the OLDEST exact match, which
 * is the first one here. pi's two fields are left alone without a match. */
void sf_an_seg_ack(sf_an_flow *r, uint32_t ack, int64_t now, sf_pinfo *pi);

/* The process-wide options (sf_an_set_options; read with every packet). */
extern unsigned sf_an_opts_set;
static inline unsigned sf_an_options(void) { return sf_an_opts_set; }
/* SACK extras for one packet, after the Wireshark analysis gave `fl`;
 * returns the extra flags (SF_AN_DSACK, SF_AN_SACK_SPURIOUS_RETRANSMISSION). */
uint32_t sf_an_sack_packet(sf_an_conn *a, int d, const sf_pkt *p, uint32_t seglen, uint32_t fl);
void sf_an_sack_free(sf_an_conn *a);
/* sf_an_packet without its fast paths (analysis.c): the same results for
 * every packet; for tests/unit/test_analysis_fast.c, which compares them. */
void sf_an_packet_general(sf_an_conn *restrict a, const sf_pkt *restrict p, sf_pinfo *restrict pi,
                          const uint32_t isn[2]);
#endif

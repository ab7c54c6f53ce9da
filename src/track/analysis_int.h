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

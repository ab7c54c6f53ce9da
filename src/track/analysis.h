/* \summary: expert TCP analysis (Wireshark-compatible flags, acked frame, RTT, window) */
#ifndef SF_ANALYSIS_H
#define SF_ANALYSIS_H
#include <stdint.h>
#include "../decode/packet.h"
#include "track.h"

/* Per-connection analysis state, embedded by value in the engine's
 * connection record (owner of the contents: analysis.c). Must stay small
 * and fixed-size: no pointers to heap memory that outlive the connection
 * unless freed by sf_an_free. */
typedef struct sf_an_conn {
    int placeholder;
} sf_an_conn;

/* Reset state for a new connection. */
void sf_an_init(sf_an_conn *a);
/* Analyse one TCP packet of the connection. Called by the engine after it
 * has filled pi->conn, pi->dir and the relative numbers. Fills pi->analysis,
 * dup_ack_*, acks_frame, ack_rtt_ns, calc_window, win_scale, rel_sack, and
 * updates c->an_count[], rtt_*, retrans_bytes, longest_stall_ns. `isn[dir]`
 * are the bases used for relative numbers. */
void sf_an_packet(sf_an_conn *a, const sf_pkt *p, sf_pinfo *pi, sf_conn *c, const uint32_t isn[2]);
/* Release anything sf_an_packet allocated. */
void sf_an_free(sf_an_conn *a);
#endif

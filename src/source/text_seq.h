/* \summary: internal: absolute sequence numbers from tcpdump's relative ones, per tuple */
#ifndef SF_TEXT_SEQ_H
#define SF_TEXT_SEQ_H
#include <stddef.h>
#include <stdint.h>
#include "text_parse.h"

typedef struct sf_txseq sf_txseq;

/* Lookahead: the i-th (1-based) record queued after the current one, or
 * NULL when there is none (the callee reads more input as needed). */
typedef const sf_txt_line *(*sf_txseq_peek)(void *ctx, size_t i);

typedef struct sf_txseq_res {
    uint32_t seq, ack;               /* absolute */
    uint32_t sack[SF_TXT_SACK_MAX][2]; /* absolute */
    uint8_t seq_guessed;             /* seq was not printed and could only be guessed */
    uint8_t keepalive;               /* read as a keep-alive / zero-window probe (seq = next - 1) */
} sf_txseq_res;

/* Tables hold at most max_tuples entries (oldest evicted beyond that). */
sf_txseq *sf_txseq_new(size_t max_tuples);
void sf_txseq_free(sf_txseq *t);

/* Turn the printed numbers of TCP line L (in input order) into absolute
 * ones: mirrors tcpdump's relative-numbering table (a base per tuple set by
 * the first ACK-bearing packet or an ACK-bearing SYN), decides per tuple
 * whether the text is relative (default) or absolute (-S) from the values,
 * and infers the seq tcpdump leaves out of pure ACKs (a keep-alive or a
 * zero-window probe, seq = next - 1, is told by its pattern: an ACK
 * repeating the sender's last ack and window after a quiet gap). t_ns is
 * the packet time in ns (-1 when the text had none). */
void sf_txseq_apply(sf_txseq *t, const sf_txt_line *L, int64_t t_ns, sf_txseq_peek peek, void *ctx,
                    sf_txseq_res *r);

/* Tuples decided relative / absolute so far (for tests and diagnostics). */
void sf_txseq_votes(const sf_txseq *t, uint64_t *rel, uint64_t *abs);

#endif

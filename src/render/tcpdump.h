/* \summary: tcpdump 4.99 -nn TCP line formatting from an sf_pkt (shared by the views) */
#ifndef SF_TCPDUMP_H
#define SF_TCPDUMP_H
#include "../decode/packet.h"
#include "../util/out.h"

/* tcpdump's relative-sequence table (print-tcp.c's per-tuple hash): a base
 * is recorded by the first ACK-bearing packet of a tuple and reset by any
 * ACK-bearing SYN; only ACK-bearing packets print relative numbers. It is a
 * display convention, so it lives with the view. Owned by the caller. */
typedef struct sf_tdseq sf_tdseq;
sf_tdseq *sf_tdseq_new(void);
void sf_tdseq_free(sf_tdseq *t);

typedef struct sf_tdfmt {
    int abs_seq;   /* -S: no relative numbers (the table is then not touched) */
    int ts_mode;   /* 0: HH:MM:SS.ffffff in local time (TZ), 1: -tt epoch */
} sf_tdfmt;

/* Append tcpdump's line for a TCP frame to `o`, from the timestamp up to
 * and including `length N` (or up to where tcpdump stops: truncation
 * ` [|tcp]`, `[bad opt]`, bad header length), without a newline. Uses
 * only sf_pkt fields, p->opt bytes and, when present, p->l2/p->l3 for
 * the IPv6 extension-header and truncated-ip prefixes. `seq` may be NULL
 * with abs_seq. Returns 1 if the line ends with `length N`, 2 if tcpdump
 * stops before it (truncation, bad option, bad header length), 0 for
 * frames tcpdump would not print as TCP (not IP, not TCP, later fragments). */
int sf_tcpdump_line(sf_out *o, const sf_pkt *p, sf_tdseq *seq, const sf_tdfmt *f);

/* Write tcpdump's timestamp for `p` (no trailing space); nothing for -t text. */
void sf_tcpdump_ts(sf_out *o, const sf_pkt *p, int ts_mode);

/* tcpdump's flag letters ("S.", "FP.", "none") into buf (>= 12 bytes). */
const char *sf_tcpdump_flags(uint16_t flags, char *buf);

/* An address as tcpdump -n prints it (dotted quad / RFC 5952-ish IPv6). */
void sf_tcpdump_addr(char *buf, size_t n, int ipver, const uint8_t *a);

#endif

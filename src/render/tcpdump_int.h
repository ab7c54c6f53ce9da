/* \summary: internal: pieces of the tcpdump line (render/tcpdump*.c only) */
#ifndef SF_TCPDUMP_INT_H
#define SF_TCPDUMP_INT_H
#include "tcpdump.h"

typedef struct sf_td_ctx {
    const sf_pkt *p;
    int rev;                 /* tuple collated in reverse (sack edges use thseq) */
    uint32_t thseq, thack;   /* relative bases (0 with -S) */
} sf_td_ctx;

/* IPv4: tcpdump's "truncated-ip - N bytes missing! " when the frame on the
 * wire is shorter than the IP length (needs p->l2/p->l3). */
void sf_td_ipv4_prefix(sf_out *o, const sf_pkt *p);

/* IPv6 with extension headers before TCP: writes "src > dst: " and each
 * header as tcpdump does ("HBH ", "DSTOPT ", "frag (0|20) ", ...) and
 * returns 1 (the TCP part then shows ports only). 0 = plain IPv6/TCP. */
int sf_td_ipv6_prefix(sf_out *o, const sf_pkt *p);

/* ", options [...]" from p->opt (p->hlen - 20 bytes declared). Returns 1
 * when tcpdump would go on to ", length N", 0 when it stops inside the
 * options ([|tcp], [bad opt]). */
int sf_td_options(sf_out *o, const sf_td_ctx *cx);

/* The MPTCP option body (kind 30) as tcpdump's mptcp_print: `b` covers
 * the whole option (kind, len, ...), `len` its length byte. Returns 0 when
 * tcpdump would print "[bad opt]". */
int sf_td_mptcp(sf_out *o, const uint8_t *b, unsigned len, uint16_t flags);
#endif

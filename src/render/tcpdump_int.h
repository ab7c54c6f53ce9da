/* \summary: internal: pieces of the tcpdump line (render/tcpdump*.c only) */
#ifndef SF_TCPDUMP_INT_H
#define SF_TCPDUMP_INT_H
#include "tcpdump.h"

/* Fast appenders: the lines view writes millions of lines, printf is too slow. */
#define TD_LIT(o, s) sf_out_write((o), (s), sizeof(s) - 1)
static inline void td_num(sf_out *o, uint64_t v) { sf_out_u64(o, v); }
/* v in decimal, zero-padded to at least w digits */
static inline void td_pad(sf_out *o, uint64_t v, int w)
{
    char t[24];
    int i = (int)sizeof t;
    do { t[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    while ((int)sizeof t - i < w && i > 0) t[--i] = '0';
    sf_out_write(o, t + i, sizeof t - (size_t)i);
}
/* an IPv4 address (4 bytes) as a dotted quad */
static inline void td_ipv4(sf_out *o, const uint8_t *a)
{
    char t[16];
    size_t n = 0;
    for (int k = 0; k < 4; k++) {
        unsigned v = a[k];
        if (v >= 100) t[n++] = (char)('0' + v / 100);
        if (v >= 10) t[n++] = (char)('0' + v / 10 % 10);
        t[n++] = (char)('0' + v % 10);
        if (k < 3) t[n++] = '.';
    }
    sf_out_write(o, t, n);
}

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
 * returns 1 (the TCP part then shows ports only); 2 when tcpdump stops
 * there (an unknown routing type, a cut header). 0 = plain IPv6/TCP. */
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

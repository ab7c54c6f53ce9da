/* \summary: internal: per-layer decoders behind sf_decode (decode/ only) */
#ifndef SF_DECODE_INT_H
#define SF_DECODE_INT_H
#include "decode.h"
#include "../util/cursor.h"

/* The general decoder (decode.c): sf_decode's contract, for any frame.
 * sf_decode (fast.c) tries the fast path first and calls this for every
 * frame the fast path does not take; both must give the same sf_pkt (the
 * unit tests compare them field by field on mutated frames). */
sf_dec_status sf_dec_general(sf_pkt *p, int dlt, const uint8_t *data);

/* Link layer (link.c): consume the link header of type `dlt` from *c and
 * leave the cursor at the network header. Sets p->ethertype, p->nvlan,
 * p->vlan[]. Returns SF_DEC_TCP to go on with *ethertype (0x0800/0x86dd),
 * or the final status (NOT_IP, TRUNCATED, UNSUPPORTED, ...) with p->why. */
sf_dec_status sf_dec_link(sf_pkt *p, int dlt, sf_cur *c, uint16_t *ethertype);

/* IPv4 (ipv4.c) / IPv6 (ipv6.c): decode the IP header at the cursor,
 * `wire` = bytes on the wire from here on (for TSO and short frames).
 * On a TCP payload they call sf_dec_tcp. Return the final status. */
sf_dec_status sf_dec_ipv4(sf_pkt *p, sf_cur *c, uint32_t wire);
sf_dec_status sf_dec_ipv6(sf_pkt *p, sf_cur *c, uint32_t wire);

/* TCP (tcp.c): decode the header at the cursor; `seg_len` = TCP header +
 * payload length per the IP header. The cursor covers the captured part. */
sf_dec_status sf_dec_tcp(sf_pkt *p, sf_cur *c, uint32_t seg_len);

/* Parse the option bytes p->opt[0..p->opt_len) into p->mss, wscale,
 * sack_perm, ts, sack (tcp.c). Exposed for the text backend's synthesized
 * options through sf_tcp_parse_options in decode.h. */
void sf_dec_tcp_options(sf_pkt *p);

/* The parsed option fields as when there are none (tcp.c, fast.c). */
static inline void sf_dec_no_options(sf_pkt *p)
{
    p->mss = 0;
    p->wscale = -1;
    p->sack_perm = 0;
    p->has_ts = 0;
    p->ts_val = p->ts_ecr = 0;
    p->nsack = 0;
}

#define SF_ETH_IPV4 0x0800
#define SF_ETH_IPV6 0x86dd
#endif

/* \summary: IPv4 decoder: header, options (skipped), fragments, TSO zero length */
#include "decode_int.h"

#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define IPPROTO_TCP_ 6

sf_dec_status sf_dec_ipv4(sf_pkt *p, sf_cur *c, uint32_t wire)
{
    p->ipver = 4;
    p->l3 = c->p;
    p->l3_caplen = (uint32_t)sf_cur_left(c);
    sf_cur h = *c;
    uint8_t vihl = sf_get_u8(&h);
    p->tos = sf_get_u8(&h);
    uint16_t tot = sf_get_be16(&h);
    p->ip_id = sf_get_be16(&h);
    p->ip_frag = sf_get_be16(&h);
    p->ttl = sf_get_u8(&h);
    uint8_t proto = sf_get_u8(&h);
    sf_cur_skip(&h, 2); /* checksum */
    sf_get_bytes(&h, p->src, 4);
    sf_get_bytes(&h, p->dst, 4);
    if (!sf_cur_ok(&h)) {
        p->why = "IPv4 header cut short";
        return SF_DEC_TRUNCATED;
    }
    if ((vihl >> 4) != 4) { p->why = "IPv4 version field is not 4"; return SF_DEC_MALFORMED; }
    uint32_t hlen = (uint32_t)(vihl & 0x0f) * 4;
    p->ip_hlen = hlen;
    if (wire < 20) { p->why = "IPv4 packet shorter than its header on the wire"; return SF_DEC_MALFORMED; }
    if (hlen < 20) { p->why = "IPv4 header length < 20"; return SF_DEC_MALFORMED; }
    uint32_t len = tot;
    if (len < hlen) {
        if (len != 0) { p->why = "IPv4 total length < header length"; return SF_DEC_MALFORMED; }
        len = wire; /* zero length: TCP segmentation offload, as tcpdump guesses */
    }
    p->ip_len = len;
    uint16_t off = p->ip_frag & IP_OFFMASK;
    p->ip_first_frag = off == 0 && (p->ip_frag & IP_MF);
    if (off != 0) { p->why = "IPv4 non-first fragment"; return SF_DEC_FRAGMENT; }
    if (proto != IPPROTO_TCP_) { p->why = "not TCP"; return SF_DEC_NOT_TCP; }
    /* the IP payload: captured bytes, cut at the IP length and the wire length */
    uint32_t lim = len < wire ? len : wire;
    sf_cur t = *c;
    if (sf_cur_left(&t) > lim) t.end = t.p + lim;
    if (sf_cur_skip(&t, hlen)) { p->why = "IPv4 options cut short"; return SF_DEC_TRUNCATED; }
    return sf_dec_tcp(p, &t, len - hlen);
}

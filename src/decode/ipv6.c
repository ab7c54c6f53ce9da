/* \summary: IPv6 decoder: fixed header, extension headers (HBH, routing, fragment, dest opts, AH), jumbograms */
#include "decode_int.h"

enum { NH_HBH = 0, NH_TCP = 6, NH_ROUTING = 43, NH_FRAG = 44, NH_AH = 51, NH_NONE = 59,
       NH_DSTOPTS = 60, NH_MOBILITY = 135 };
#define SF_MAX_EXT 16 /* stop a chain of extension headers after this many */

/* Jumbo Payload option (0xC2, length 4) inside a hop-by-hop header body. */
static int find_jumbo(sf_cur o, uint32_t *jlen)
{
    while (sf_cur_left(&o) > 0) {
        uint8_t t = sf_get_u8(&o);
        if (t == 0) continue; /* Pad1 */
        uint8_t l = sf_get_u8(&o);
        if (!sf_cur_ok(&o)) return 0;
        if (t == 0xc2 && l == 4) {
            *jlen = sf_get_be32(&o);
            return sf_cur_ok(&o);
        }
        if (sf_cur_skip(&o, l)) return 0;
    }
    return 0;
}

sf_dec_status sf_dec_ipv6(sf_pkt *p, sf_cur *c, uint32_t wire)
{
    p->ipver = 6;
    p->l3 = c->p;
    p->l3_caplen = (uint32_t)sf_cur_left(c);
    sf_cur h = *c;
    uint32_t vtf = sf_get_be32(&h);
    uint16_t plen = sf_get_be16(&h);
    uint8_t nh = sf_get_u8(&h);
    p->ttl = sf_get_u8(&h);
    sf_get_bytes(&h, p->src, 16);
    sf_get_bytes(&h, p->dst, 16);
    if (!sf_cur_ok(&h)) { p->why = "IPv6 header cut short"; return SF_DEC_TRUNCATED; }
    if ((vtf >> 28) != 6) { p->why = "IPv6 version field is not 6"; return SF_DEC_MALFORMED; }
    p->tos = (uint8_t)(vtf >> 20);
    p->flowlabel = vtf & 0xfffff;
    if (wire < 40) { p->why = "IPv6 packet shorter than its header on the wire"; return SF_DEC_MALFORMED; }
    uint32_t len = plen ? 40u + plen : wire; /* 0: jumbogram or TSO; refined below */
    int jumbo_possible = plen == 0;
    /* the payload cursor: captured bytes, cut at the IPv6 length and the wire */
    uint32_t lim = len < wire ? len : wire;
    sf_cur t = h;
    if (sf_cur_left(&t) > lim - 40) t.end = t.p + (lim - 40);
    uint32_t ext = 0;
    for (int n = 0;; n++) {
        if (n > SF_MAX_EXT) { p->why = "too many IPv6 extension headers"; return SF_DEC_MALFORMED; }
        switch (nh) {
        case NH_TCP: {
            p->ip_hlen = 40 + ext;
            p->ip_len = len;
            if (len < p->ip_hlen) { p->why = "IPv6 extension headers longer than the payload"; return SF_DEC_MALFORMED; }
            return sf_dec_tcp(p, &t, len - p->ip_hlen);
        }
        case NH_HBH: case NH_ROUTING: case NH_DSTOPTS: case NH_MOBILITY: case NH_AH: {
            if (n > 0 && nh == NH_HBH) { p->why = "IPv6 hop-by-hop header not first"; return SF_DEC_MALFORMED; }
            sf_cur e = t;
            uint8_t next = sf_get_u8(&e);
            uint8_t hl = sf_get_u8(&e);
            if (!sf_cur_ok(&e)) { p->ip_hlen = 40 + ext; p->why = "IPv6 extension header cut short"; return SF_DEC_TRUNCATED; }
            uint32_t elen = nh == NH_AH ? ((uint32_t)hl + 2) * 4 : ((uint32_t)hl + 1) * 8;
            if (nh == NH_HBH && jumbo_possible) {
                uint32_t jl;
                sf_cur body = t;
                sf_cur_skip(&body, 2);
                if (sf_cur_left(&body) > elen - 2) body.end = body.p + (elen - 2);
                if (find_jumbo(body, &jl)) {
                    len = 40u + jl; /* may exceed what was captured: fine */
                    if (len < 40u) len = 0xffffffffu; /* overflow: clamp */
                }
            }
            if (sf_cur_skip(&t, elen)) { p->ip_hlen = 40 + ext; p->why = "IPv6 extension header cut short"; return SF_DEC_TRUNCATED; }
            ext += elen;
            nh = next;
            break;
        }
        case NH_FRAG: {
            uint8_t next = sf_get_u8(&t);
            sf_cur_skip(&t, 1);
            uint16_t offm = sf_get_be16(&t);
            uint32_t id = sf_get_be32(&t);
            if (!sf_cur_ok(&t)) { p->ip_hlen = 40 + ext; p->why = "IPv6 fragment header cut short"; return SF_DEC_TRUNCATED; }
            ext += 8;
            p->ip_id = (uint16_t)id;
            p->ip_frag = offm;
            if ((offm & 0xfff8) != 0) { p->ip_hlen = 40 + ext; p->ip_len = len; p->why = "IPv6 non-first fragment"; return SF_DEC_FRAGMENT; }
            p->ip_first_frag = (offm & 1) != 0;
            nh = next;
            break;
        }
        case NH_NONE:
            p->ip_hlen = 40 + ext;
            p->ip_len = len;
            p->why = "IPv6 no next header";
            return SF_DEC_NOT_TCP;
        default:
            p->ip_hlen = 40 + ext;
            p->ip_len = len;
            p->why = "not TCP";
            return SF_DEC_NOT_TCP;
        }
    }
}

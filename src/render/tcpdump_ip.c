/* \summary: tcpdump line prefixes from the IP layer: truncated-ip, IPv6 extension headers */
#include <stdio.h>
#include "tcpdump_int.h"
#include "../util/cursor.h"

void sf_td_ipv4_prefix(sf_out *o, const sf_pkt *p)
{
    if (!p->l2) {
        /* text input: the record's wire length says what was missing */
        if (p->ip_len && p->wirelen && p->wirelen < p->ip_len)
            sf_out_printf(o, "truncated-ip - %u bytes missing! ", p->ip_len - p->wirelen);
        return;
    }
    if (!p->l3 || p->l3 < p->l2) return;
    uint32_t off = (uint32_t)(p->l3 - p->l2);
    if (p->wirelen < off) return;
    uint32_t wire = p->wirelen - off;
    /* the IP length field (the decoder replaced a zero TSO length) */
    sf_cur c = sf_cur_make(p->l3, p->l3_caplen);
    sf_cur_skip(&c, 2);
    uint16_t tot = sf_get_be16(&c);
    if (!sf_cur_ok(&c) || tot == 0) return;
    if (wire < tot) sf_out_printf(o, "truncated-ip - %u bytes missing! ", tot - wire);
}

enum { NH_HBH = 0, NH_TCP = 6, NH_ROUTING = 43, NH_FRAG = 44, NH_AH = 51, NH_DSTOPTS = 60 };

static void put6(sf_out *o, const uint8_t *a)
{
    char b[64];
    sf_tcpdump_addr(b, sizeof b, 6, a);
    sf_out_str(o, b);
}

/* Bytes on the wire from the IP header on, or 0 if unknown. */
static uint32_t wire_from_l3(const sf_pkt *p)
{
    if (!p->l2 || !p->l3 || p->l3 < p->l2) return 0;
    uint32_t off = (uint32_t)(p->l3 - p->l2);
    return p->wirelen > off ? p->wirelen - off : 0;
}

/* tcpdump checks the TLV options of a hop-by-hop header even without -v:
 * 0 (after its note) where it gives up. */
static uint8_t at8(sf_cur b, size_t i)
{
    sf_cur_skip(&b, i);
    return sf_get_u8(&b);
}

static int opts_ok(sf_out *o, sf_cur b)
{
    size_t len = sf_cur_left(&b);
#define q(k) at8(b, (k))
    for (size_t i = 0, ol; i < len; i += ol) {
        uint8_t t = q(i);
        if (t == 0) ol = 1;
        else if (i + 1 < len) ol = (size_t)q(i + 1) + 2;
        else return 0;
        if (i + ol > len) return 0;
        size_t left = len - i;
        switch (t) {
        case 0:
            break;
        case 1: /* PadN */
            if (left < 2) { sf_out_str(o, "(padn: trunc)"); return 0; }
            break;
        case 5: /* router alert */
            if (left < 4) { sf_out_str(o, "(rtalert: trunc)"); return 0; }
            if (q(i + 1) != 2) { sf_out_printf(o, "(rtalert: invalid len %u)", q(i + 1)); return 0; }
            break;
        case 0xc2: /* jumbo payload */
            if (left < 6) { sf_out_str(o, "(jumbo: trunc)"); return 0; }
            if (q(i + 1) != 4) { sf_out_printf(o, "(jumbo: invalid len %u)", q(i + 1)); return 0; }
            break;
        case 0xc9: /* home address */
            if (left < 18) { sf_out_str(o, "(homeaddr: trunc)"); return 0; }
            if (q(i + 1) < 16) { sf_out_printf(o, "(homeaddr: invalid len %u)", q(i + 1)); return 0; }
            break;
        default:
            if (left < 2) { sf_out_printf(o, "(type %u: trunc)", t); return 0; }
            break;
        }
    }
#undef q
    return 1;
}

int sf_td_ipv6_prefix(sf_out *o, const sf_pkt *p)
{
    /* tcpdump: "truncated-ip6 - N bytes missing!" (no space after it) when
     * the frame on the wire is shorter than the IPv6 payload length says */
    if (p->l2 && p->l3 && p->l3_caplen >= 6) {
        sf_cur h = sf_cur_make(p->l3, p->l3_caplen);
        sf_cur_skip(&h, 4);
        uint32_t plen = sf_get_be16(&h), wire = wire_from_l3(p);
        if (plen && wire && wire < plen + 40u)
            sf_out_printf(o, "truncated-ip6 - %u bytes missing!", plen + 40u - wire);
    } else if (!p->l2 && p->ip_len && p->wirelen && p->wirelen < p->ip_len) {
        sf_out_printf(o, "truncated-ip6 - %u bytes missing!", p->ip_len - p->wirelen);
    }
    if (!p->l3 || p->l3_caplen < 40) return 0;
    sf_cur c = sf_cur_make(p->l3, p->l3_caplen);
    sf_cur_skip(&c, 4);
    uint16_t plen = sf_get_be16(&c);
    uint8_t nh = sf_get_u8(&c);
    sf_cur_skip(&c, 33);
    if (nh == NH_TCP) return 0;
    if (p->src_name || p->dst_name) return 0;
    put6(o, p->src);
    sf_out_str(o, " > ");
    put6(o, p->dst);
    sf_out_str(o, ": ");
    for (int n = 0; n < 16 && nh != NH_TCP; n++) {
        const uint8_t *start = c.p;
        uint8_t next = sf_get_u8(&c);
        uint8_t hl = sf_get_u8(&c);
        if (!sf_cur_ok(&c)) break;
        switch (nh) {
        case NH_HBH: case NH_DSTOPTS: {
            const char *tr = nh == NH_HBH ? " [|hbhopt]" : " [|dstopt]";
            size_t blen = (size_t)hl * 8 + 6;
            if (!sf_cur_has(&c, blen)) { sf_out_str(o, tr); return 2; }
            sf_out_str(o, nh == NH_HBH ? "HBH " : "DSTOPT ");
            sf_cur body = sf_cur_sub(&c, blen, NULL);
            /* hop-by-hop options are checked always (for jumbograms),
             * destination options only with -v */
            if (nh == NH_HBH && !opts_ok(o, body)) { sf_out_str(o, tr); return 2; }
            break;
        }
        case NH_ROUTING: {
            uint8_t type = sf_get_u8(&c), left = sf_get_u8(&c);
            sf_out_printf(o, "RT6 (len=%u, type=%u%s, segleft=%u", hl, type,
                          type == 0 ? " [Deprecated]" : "", left);
            if (type == 0 || type == 2) {
                uint32_t rsv = sf_get_be32(&c);
                if (rsv) sf_out_printf(o, ", rsv=0x%0x", rsv);
                if (hl % 2 == 1) { sf_out_str(o, " (invalid)"); return 2; }
                for (unsigned i = 0; i < hl / 2u; i++) {
                    if (!sf_cur_has(&c, 16)) { sf_out_str(o, " [|srcrt]"); return 2; }
                    sf_out_printf(o, ", [%u]", i);
                    put6(o, c.p);
                    sf_cur_skip(&c, 16);
                }
            } else if (type == 4) { /* segment routing header */
                uint8_t last = sf_get_u8(&c), fl = sf_get_u8(&c);
                uint16_t tag = sf_get_be16(&c);
                sf_out_printf(o, ", last-entry=%u", last);
                if (fl) sf_out_printf(o, ", flags=0x%0x", fl);
                sf_out_printf(o, ", tag=%x", tag);
                for (unsigned i = 0; i < last + 1u; i++) {
                    if (!sf_cur_has(&c, 16)) { sf_out_str(o, " [|srcrt]"); return 2; }
                    sf_out_printf(o, ", [%u]", i);
                    put6(o, c.p);
                    sf_cur_skip(&c, 16);
                }
            } else {
                sf_out_str(o, " (unknown type) (invalid)");
                return 2;
            }
            sf_out_str(o, ") ");
            c.p = start; c.err = 0;
            sf_cur_skip(&c, (size_t)hl * 8 + 8);
            break;
        }
        case NH_FRAG: {
            sf_cur_skip(&c, 0);
            c.p = start + 2; c.err = 0;
            uint16_t offlg = sf_get_be16(&c);
            sf_cur_skip(&c, 4);
            unsigned before = (unsigned)(start - p->l3);
            sf_out_printf(o, "frag (%u|%u) ", offlg & 0xfff8,
                          (unsigned)(plen + 40u - before - 8u) & 0xffffffffu);
            break;
        }
        case NH_AH: {
            c.p = start + 4; c.err = 0;
            uint32_t spi = sf_get_be32(&c), sq = sf_get_be32(&c);
            size_t total = ((size_t)hl + 2) * 4, icv = total > 12 ? total - 12 : 0;
            sf_out_printf(o, "AH(spi=0x%08x,seq=0x%x", spi, sq);
            if (!sf_cur_has(&c, icv)) { sf_out_str(o, " [|AH]"); return 2; }
            sf_out_str(o, ",icv=0x");
            for (size_t i = 0; i < icv; i++) sf_out_printf(o, "%02x", sf_get_u8(&c));
            sf_out_str(o, "): ");
            c.p = start; c.err = 0;
            sf_cur_skip(&c, total);
            /* tcpdump hands what follows AH to the transport printers: an
             * extension header there shows as an unknown protocol */
            if (next != NH_TCP && next != NH_AH) {
                unsigned after = (unsigned)(start - p->l3) + (unsigned)total;
                sf_out_printf(o, " ip-proto-%u %u", next, plen + 40u - after);
                return 2;
            }
            break;
        }
        default:
            return 1;
        }
        if (!sf_cur_ok(&c)) break;
        nh = next;
    }
    return 1;
}

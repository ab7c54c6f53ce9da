/* \summary: link-layer decoders: Ethernet (+VLAN/QinQ, LLC/SNAP), Linux SLL/SLL2, RAW, NULL/LOOP, NFLOG, PPP, C-HDLC, ARCnet, IPoIB */
#include <pcap/pcap.h>
#include "decode_int.h"
#include "dlt.h"

#define ETH_VLAN_8021Q 0x8100
#define ETH_VLAN_8021AD 0x88a8
#define ETH_VLAN_OLD_QINQ 0x9100
#define ETH_VLAN_OLD_QINQ2 0x9200
#define SF_MAX_TAGS 8 /* stop a chain of tags after this many */

static int is_vlan_tpid(uint16_t t)
{
    return t == ETH_VLAN_8021Q || t == ETH_VLAN_8021AD || t == ETH_VLAN_OLD_QINQ ||
           t == ETH_VLAN_OLD_QINQ2;
}

static sf_dec_status cut_short(sf_pkt *p, const char *why)
{
    p->why = why;
    return SF_DEC_TRUNCATED;
}

static sf_dec_status ethertype_final(sf_pkt *p, uint16_t et, uint16_t *out)
{
    p->ethertype = et;
    *out = et;
    if (et == SF_ETH_IPV4 || et == SF_ETH_IPV6) return SF_DEC_TCP;
    p->why = "not IP";
    return SF_DEC_NOT_IP;
}

/* After an ethertype field: walk VLAN tags (802.1Q, 802.1ad, the old QinQ
 * 0x9100/0x9200), and 802.3 length fields carrying LLC/SNAP. */
static sf_dec_status after_ethertype(sf_pkt *p, sf_cur *c, uint16_t et, uint16_t *out)
{
    int tags = 0;
    while (is_vlan_tpid(et)) {
        if (++tags > SF_MAX_TAGS) { p->why = "too many VLAN tags"; return SF_DEC_MALFORMED; }
        uint16_t tci = sf_get_be16(c);
        et = sf_get_be16(c);
        if (!sf_cur_ok(c)) return cut_short(p, "VLAN tag cut short");
        if (p->nvlan < 2) p->vlan[p->nvlan] = tci & 0x0fff;
        if (p->nvlan < 255) p->nvlan++;
    }
    if (et <= 1500) { /* 802.3 length: LLC, maybe SNAP */
        uint8_t dsap = sf_get_u8(c), ssap = sf_get_u8(c), ctl = sf_get_u8(c);
        if (!sf_cur_ok(c)) return cut_short(p, "LLC header cut short");
        if (dsap != 0xaa || ssap != 0xaa || ctl != 0x03) {
            p->why = "802.3 LLC, not IP";
            return SF_DEC_NOT_IP;
        }
        uint32_t oui = sf_get_be24(c);
        et = sf_get_be16(c);
        if (!sf_cur_ok(c)) return cut_short(p, "SNAP header cut short");
        /* only encapsulated Ethernet (OUI 0) and Cisco's 0x0000f8 carry an
         * ethertype (as tcpdump's snap_print) */
        if (oui != 0 && oui != 0xf8) { p->why = "SNAP with a vendor OUI, not IP"; return SF_DEC_NOT_IP; }
        if (is_vlan_tpid(et)) return after_ethertype(p, c, et, out);
    }
    return ethertype_final(p, et, out);
}

static sf_dec_status link_ether(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    if (sf_cur_skip(c, 12)) return cut_short(p, "Ethernet header cut short");
    uint16_t et = sf_get_be16(c);
    if (!sf_cur_ok(c)) return cut_short(p, "Ethernet header cut short");
    return after_ethertype(p, c, et, out);
}

/* Linux cooked v1: pkttype(2) hatype(2) halen(2) addr(8) protocol(2). */
static sf_dec_status link_sll(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    if (sf_cur_skip(c, 14)) return cut_short(p, "Linux cooked header cut short");
    uint16_t proto = sf_get_be16(c);
    if (!sf_cur_ok(c)) return cut_short(p, "Linux cooked header cut short");
    return after_ethertype(p, c, proto, out);
}

/* Linux cooked v2: protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8). */
static sf_dec_status link_sll2(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    uint16_t proto = sf_get_be16(c);
    if (sf_cur_skip(c, 18) || !sf_cur_ok(c)) return cut_short(p, "Linux cooked v2 header cut short");
    return after_ethertype(p, c, proto, out);
}

/* Raw IP: the version nibble decides. */
static sf_dec_status link_raw(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    if (!sf_cur_has(c, 1)) return cut_short(p, "empty raw IP frame");
    switch (c->p[0] >> 4) {
    case 4: return ethertype_final(p, SF_ETH_IPV4, out);
    case 6: return ethertype_final(p, SF_ETH_IPV6, out);
    default: p->why = "raw frame with IP version not 4 or 6"; return SF_DEC_NOT_IP;
    }
}

/* BSD loopback: a 4-byte address family, host order for NULL (either
 * byte order accepted, as tcpdump does), network order for LOOP. */
static sf_dec_status link_null(sf_pkt *p, sf_cur *c, int net_order, uint16_t *out)
{
    uint32_t fam = net_order ? sf_get_be32(c) : sf_get_le32(c);
    if (!sf_cur_ok(c)) return cut_short(p, "loopback header cut short");
    if (!net_order && (fam & 0xffff0000u)) /* written big-endian */
        fam = ((fam >> 24) & 0xff) | ((fam >> 8) & 0xff00) | ((fam << 8) & 0xff0000) | (fam << 24);
    switch (fam) {
    case 2: return ethertype_final(p, SF_ETH_IPV4, out);
    case 10: case 24: case 28: case 30: return ethertype_final(p, SF_ETH_IPV6, out);
    default: p->why = "loopback family not IP"; return SF_DEC_NOT_IP;
    }
}

/* NFLOG: family(1) version(1) res_id(2), then TLVs: len(2, host/little
 * endian, includes the 4-byte TLV header) type(2), each padded to 4 bytes;
 * NFULA_PAYLOAD (9) holds the packet. As tcpdump: a TLV (padded) must be
 * wholly captured, else the frame counts as cut short. */
#define NFULA_PAYLOAD 9
static sf_dec_status link_nflog(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    uint8_t fam = sf_get_u8(c);
    uint8_t ver = sf_get_u8(c);
    sf_cur_skip(c, 2);
    if (!sf_cur_ok(c)) return cut_short(p, "NFLOG header cut short");
    if (ver != 0) { p->why = "NFLOG version not 0"; return SF_DEC_MALFORMED; }
    for (;;) {
        if (sf_cur_left(c) == 0) { p->why = "NFLOG without payload"; return SF_DEC_NOT_IP; }
        uint16_t tlen = sf_get_le16(c);
        uint16_t type = sf_get_le16(c);
        if (!sf_cur_ok(c)) return cut_short(p, "NFLOG TLV cut short");
        uint32_t size = tlen;
        if (size % 4) size += 4 - size % 4;
        if (size < 4) { p->why = "NFLOG TLV length < 4"; return SF_DEC_MALFORMED; }
        if (sf_cur_left(c) + 4 < size) return cut_short(p, "NFLOG TLV cut short");
        if (type == NFULA_PAYLOAD) {
            if (fam == 2) return ethertype_final(p, SF_ETH_IPV4, out);
            if (fam == 10) return ethertype_final(p, SF_ETH_IPV6, out);
            p->why = "NFLOG family not IP";
            return SF_DEC_NOT_IP;
        }
        sf_cur_skip(c, size - 4);
    }
}

/* PPP (RFC 1661/1662): optional address/control 0xff 0x03, then a 1- or
 * 2-byte protocol (0x21 IPv4, 0x57 IPv6). */
static sf_dec_status link_ppp(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    if (sf_cur_has(c, 2) && c->p[0] == 0xff && c->p[1] == 0x03) sf_cur_skip(c, 2);
    if (!sf_cur_has(c, 1)) return cut_short(p, "PPP header cut short");
    uint16_t proto = (c->p[0] & 1) ? sf_get_u8(c) : sf_get_be16(c);
    if (!sf_cur_ok(c)) return cut_short(p, "PPP header cut short");
    if (proto == 0x21) return ethertype_final(p, SF_ETH_IPV4, out);
    if (proto == 0x57) return ethertype_final(p, SF_ETH_IPV6, out);
    p->why = "PPP protocol not IP";
    return SF_DEC_NOT_IP;
}

/* Cisco HDLC: address(1) control(1) ethertype(2). */
static sf_dec_status link_chdlc(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    sf_cur_skip(c, 2);
    uint16_t et = sf_get_be16(c);
    if (!sf_cur_ok(c)) return cut_short(p, "Cisco HDLC header cut short");
    return ethertype_final(p, et, out);
}

/* Linux ARCnet: src(1) dst(1) offset(2) type(1), then for the RFC 1201
 * types flag(1) seqid(2) (4 more bytes on exception packets, flag 0xff). */
static sf_dec_status link_arcnet(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    sf_cur_skip(c, 4);
    uint8_t type = sf_get_u8(c);
    if (!sf_cur_ok(c)) return cut_short(p, "ARCnet header cut short");
    if (type != 0xf0 && type != 0xf1 && type != 0x80) { /* not IP_OLD, ARP_OLD, DIAGNOSE */
        uint8_t flag = sf_get_u8(c);
        sf_cur_skip(c, 2);
        if (flag == 0xff) sf_cur_skip(c, 4);
        if (!sf_cur_ok(c)) return cut_short(p, "ARCnet header cut short");
    }
    if (type == 0xd4 || type == 0xf0) return ethertype_final(p, SF_ETH_IPV4, out);
    if (type == 0xc4) return ethertype_final(p, SF_ETH_IPV6, out);
    p->why = "ARCnet type not IP";
    return SF_DEC_NOT_IP;
}

/* IP over InfiniBand (RFC 4391): 40 bytes of addresses, ethertype(2), reserved(2). */
static sf_dec_status link_ipoib(sf_pkt *p, sf_cur *c, uint16_t *out)
{
    sf_cur_skip(c, 40);
    uint16_t et = sf_get_be16(c);
    sf_cur_skip(c, 2);
    if (!sf_cur_ok(c)) return cut_short(p, "IPoIB header cut short");
    return ethertype_final(p, et, out);
}

int sf_decode_dlt_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2: case DLT_RAW:
    case DLT_IPV4: case DLT_IPV6: case DLT_NULL: case DLT_LOOP: case DLT_NFLOG:
    case DLT_PPP: case DLT_PPP_SERIAL: case DLT_C_HDLC: case DLT_ARCNET_LINUX: case DLT_IPOIB:
        return 1;
    default:
        return dlt == 101; /* LINKTYPE_RAW, should libpcap pass it through */
    }
}

sf_dec_status sf_dec_link(sf_pkt *p, int dlt, sf_cur *c, uint16_t *ethertype)
{
    *ethertype = 0;
    switch (dlt) {
    case DLT_EN10MB: return link_ether(p, c, ethertype);
    case DLT_LINUX_SLL: return link_sll(p, c, ethertype);
    case DLT_LINUX_SLL2: return link_sll2(p, c, ethertype);
    case DLT_IPV4: return ethertype_final(p, SF_ETH_IPV4, ethertype);
    case DLT_IPV6: return ethertype_final(p, SF_ETH_IPV6, ethertype);
    case DLT_NULL: return link_null(p, c, 0, ethertype);
    case DLT_LOOP: return link_null(p, c, 1, ethertype);
    case DLT_NFLOG: return link_nflog(p, c, ethertype);
    case DLT_PPP: case DLT_PPP_SERIAL: return link_ppp(p, c, ethertype);
    case DLT_C_HDLC: return link_chdlc(p, c, ethertype);
    case DLT_ARCNET_LINUX: return link_arcnet(p, c, ethertype);
    case DLT_IPOIB: return link_ipoib(p, c, ethertype);
    default:
        if (dlt == DLT_RAW || dlt == 101) return link_raw(p, c, ethertype);
        p->why = "unsupported link type";
        return SF_DEC_UNSUPPORTED;
    }
}

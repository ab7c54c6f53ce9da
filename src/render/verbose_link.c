/* \summary: verbose view: frame, link-layer and IPv4/IPv6 field trees (raw bytes through the cursor) */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "verbose_int.h"
#include "../util/cursor.h"
#include "../decode/dlt.h"

typedef struct tok { int v; const char *s; } tok;

static const char *tok_str(const tok *t, int v, const char *dflt)
{
    for (; t->s; t++)
        if (t->v == v) return t->s;
    return dflt;
}

static const tok ethertypes[] = {
    { 0x0800, "IPv4" }, { 0x86dd, "IPv6" }, { 0x0806, "ARP" }, { 0x8100, "802.1Q Virtual LAN" },
    { 0x88a8, "802.1ad" }, { 0x9100, "QinQ (old)" }, { 0x88cc, "LLDP" }, { 0x8864, "PPPoE Session" },
    { 0x8847, "MPLS" }, { 0, NULL }
};

const char *sf_v_ethertype_name(uint16_t t)
{
    return tok_str(ethertypes, t, "Unknown");
}

static const tok dlt_names[] = {
    { DLT_EN10MB, "Ethernet" }, { DLT_LINUX_SLL, "Linux cooked-mode capture v1" },
    { DLT_LINUX_SLL2, "Linux cooked-mode capture v2" }, { DLT_RAW, "Raw IP" }, { 101, "Raw IP" },
    { DLT_IPV4, "Raw IPv4" }, { DLT_IPV6, "Raw IPv6" }, { DLT_NULL, "Null/Loopback" },
    { DLT_LOOP, "OpenBSD loopback" }, { DLT_NFLOG, "Linux Netfilter NFLOG" }, { DLT_PPP, "PPP" },
    { 0, NULL }
};

static const tok sll_pkttypes[] = {
    { 0, "Unicast to us" }, { 1, "Broadcast" }, { 2, "Multicast" }, { 3, "Unicast to another host" },
    { 4, "Sent by us" }, { 0, NULL }
};

static const tok arphrd[] = {
    { 1, "Ethernet" }, { 772, "Loopback" }, { 776, "IPv6-in-IPv4" }, { 778, "IP GRE" },
    { 65534, "None" }, { 0, NULL }
};

void sf_v_secs(char *buf, size_t n, int64_t ns)
{
    const char *sign = ns < 0 ? "-" : "";
    if (ns < 0) ns = -ns;
    snprintf(buf, n, "%s%lld.%09lld", sign, (long long)(ns / 1000000000), (long long)(ns % 1000000000));
}

static void mac(char *buf, const uint8_t *m, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < len && at + 4 < 64; i++)
        at += (size_t)snprintf(buf + at, 64 - at, "%s%02x", i ? ":" : "", m[i]);
}

void sf_v_frame(sf_vbuf *b, const sf_pkt *p, int64_t first_ns, int64_t prev_ns)
{
    sf_vb_line(b, 0, "Frame %llu: %u bytes on wire (%llu bits), %u bytes captured (%llu bits)",
               (unsigned long long)p->frame, p->wirelen, (unsigned long long)p->wirelen * 8, p->caplen,
               (unsigned long long)p->caplen * 8);
    if (p->l2) sf_vb_line(b, 1, "Encapsulation type: %s (link type %d)", tok_str(dlt_names, p->dlt, "Unknown"), p->dlt);
    else sf_vb_line(b, 1, "[Input: tcpdump text, so no packet bytes; fields are those the text gives]");
    if (!p->ts_missing) {
        int64_t t = p->ts.sec * 1000000000LL + p->ts.nsec;
        time_t s = (time_t)p->ts.sec;
        struct tm tm;
        char d[48], z[16], x[40];
        localtime_r(&s, &tm);
        int tod = !p->l2 && p->ts.sec < 2 * 86400; /* tcpdump text: time of day only */
        strftime(d, sizeof d, tod ? "%H:%M:%S" : "%b %e, %Y %H:%M:%S", &tm);
        strftime(z, sizeof z, "%Z", &tm);
        sf_vb_line(b, 1, "Arrival Time: %s.%09u %s%s", d, p->ts.nsec, z, tod ? " (time of day only: the text has no date)" : "");
        if (!tod) sf_vb_line(b, 1, "Epoch Time: %lld.%09u seconds", (long long)p->ts.sec, p->ts.nsec);
        sf_v_secs(x, sizeof x, prev_ns >= 0 ? t - prev_ns : 0);
        sf_vb_line(b, 1, "[Time delta from previous captured frame: %s seconds]", x);
        sf_v_secs(x, sizeof x, first_ns >= 0 ? t - first_ns : 0);
        sf_vb_line(b, 1, "[Time since reference or first frame: %s seconds]", x);
    }
    sf_vb_line(b, 1, "Frame Number: %llu", (unsigned long long)p->frame);
    sf_vb_line(b, 1, "Frame Length: %u bytes (%llu bits)", p->wirelen, (unsigned long long)p->wirelen * 8);
    sf_vb_line(b, 1, "Capture Length: %u bytes (%llu bits)", p->caplen, (unsigned long long)p->caplen * 8);
}

static void ether_type_line(sf_vbuf *b, int lvl, const char *label, uint16_t t)
{
    if (t <= 1500) sf_vb_line(b, lvl, "Length: %u", t);
    else sf_vb_line(b, lvl, "%s: %s (0x%04x)", label, sf_v_ethertype_name(t), t);
}

/* VLAN tags and LLC/SNAP after an ethertype field, as the decoder walks them. */
static void after_type(sf_vbuf *b, sf_cur *c, uint16_t t)
{
    for (int tags = 0; (t == 0x8100 || t == 0x88a8 || t == 0x9100 || t == 0x9200) && tags < 8; tags++) {
        uint16_t tci = sf_get_be16(c), nt = sf_get_be16(c);
        if (!sf_cur_ok(c)) { sf_vb_line(b, 0, "[VLAN tag cut short by the snapshot length]"); return; }
        sf_vb_line(b, 0, "802.1Q Virtual LAN, PRI: %u, DEI: %u, ID: %u", tci >> 13, (tci >> 12) & 1, tci & 0x0fff);
        sf_vb_line(b, 1, "Priority: %u", tci >> 13);
        sf_vb_line(b, 1, "DEI: %u", (tci >> 12) & 1);
        sf_vb_line(b, 1, "ID: %u", tci & 0x0fff);
        ether_type_line(b, 1, "Type", nt);
        t = nt;
    }
    if (t <= 1500) {
        uint8_t dsap = sf_get_u8(c), ssap = sf_get_u8(c), ctl = sf_get_u8(c);
        if (!sf_cur_ok(c)) return;
        sf_vb_line(b, 0, "Logical-Link Control");
        sf_vb_line(b, 1, "DSAP: 0x%02x, SSAP: 0x%02x, Control: 0x%02x", dsap, ssap, ctl);
        if (dsap == 0xaa && ssap == 0xaa && ctl == 0x03) {
            uint32_t oui = sf_get_be24(c);
            uint16_t pid = sf_get_be16(c);
            if (sf_cur_ok(c)) {
                sf_vb_line(b, 1, "Organization Code: 0x%06x", oui);
                ether_type_line(b, 1, "Type", pid);
            }
        }
    }
}

void sf_v_link(sf_vbuf *b, const sf_pkt *p)
{
    if (!p->l2) return;
    sf_cur c = sf_cur_make(p->l2, p->caplen);
    char m1[64], m2[64];
    switch (p->dlt) {
    case DLT_EN10MB: {
        uint8_t dst[6], src[6];
        if (sf_get_bytes(&c, dst, 6) || sf_get_bytes(&c, src, 6)) break;
        uint16_t t = sf_get_be16(&c);
        if (!sf_cur_ok(&c)) break;
        mac(m1, src, 6);
        mac(m2, dst, 6);
        sf_vb_line(b, 0, "Ethernet II, Src: %s, Dst: %s", m1, m2);
        sf_vb_line(b, 1, "Destination: %s", m2);
        sf_vb_line(b, 1, "Source: %s", m1);
        ether_type_line(b, 1, "Type", t);
        after_type(b, &c, t);
        return;
    }
    case DLT_LINUX_SLL: {
        uint16_t pt = sf_get_be16(&c), ha = sf_get_be16(&c), hl = sf_get_be16(&c);
        uint8_t addr[8];
        if (sf_get_bytes(&c, addr, 8)) break;
        uint16_t proto = sf_get_be16(&c);
        if (!sf_cur_ok(&c)) break;
        sf_vb_line(b, 0, "Linux cooked capture v1");
        sf_vb_line(b, 1, "Packet type: %s (%u)", tok_str(sll_pkttypes, pt, "Unknown"), pt);
        sf_vb_line(b, 1, "Link-layer address type: %s (%u)", tok_str(arphrd, ha, "Unknown"), ha);
        sf_vb_line(b, 1, "Link-layer address length: %u", hl);
        mac(m1, addr, hl > 8 ? 8 : hl);
        if (hl) sf_vb_line(b, 1, "Source: %s", m1);
        if (hl < 8) {
            mac(m2, addr + hl, 8u - hl);
            for (char *q = m2; *q; q++) if (*q == ':') memmove(q, q + 1, strlen(q));
            sf_vb_line(b, 1, "Unused: %s", m2);
        }
        ether_type_line(b, 1, "Protocol", proto);
        after_type(b, &c, proto);
        return;
    }
    case DLT_LINUX_SLL2: {
        uint16_t proto = sf_get_be16(&c), res = sf_get_be16(&c);
        uint32_t ifx = sf_get_be32(&c);
        uint16_t ha = sf_get_be16(&c);
        uint8_t pt = sf_get_u8(&c), hl = sf_get_u8(&c), addr[8];
        if (sf_get_bytes(&c, addr, 8) || !sf_cur_ok(&c)) break;
        sf_vb_line(b, 0, "Linux cooked capture v2");
        ether_type_line(b, 1, "Protocol", proto);
        sf_vb_line(b, 1, "Reserved: 0x%04x", res);
        sf_vb_line(b, 1, "Interface index: %u", ifx);
        sf_vb_line(b, 1, "Link-layer address type: %s (%u)", tok_str(arphrd, ha, "Unknown"), ha);
        sf_vb_line(b, 1, "Packet type: %s (%u)", tok_str(sll_pkttypes, pt, "Unknown"), pt);
        sf_vb_line(b, 1, "Link-layer address length: %u", hl);
        mac(m1, addr, hl > 8 ? 8 : hl);
        if (hl) sf_vb_line(b, 1, "Source: %s", m1);
        after_type(b, &c, proto);
        return;
    }
    case DLT_NULL: case DLT_LOOP: {
        uint32_t fam = p->dlt == DLT_LOOP ? sf_get_be32(&c) : sf_get_le32(&c);
        if (!sf_cur_ok(&c)) break;
        if (p->dlt == DLT_NULL && (fam & 0xffff0000u))
            fam = ((fam >> 24) & 0xff) | ((fam >> 8) & 0xff00) | ((fam << 8) & 0xff0000) | (fam << 24);
        sf_vb_line(b, 0, "Null/Loopback");
        sf_vb_line(b, 1, "Family: %s (%u)", fam == 2 ? "IP" : (fam == 10 || fam == 24 || fam == 28 || fam == 30) ? "IPv6" : "Unknown", fam);
        return;
    }
    case DLT_NFLOG: {
        uint8_t fam = sf_get_u8(&c), ver = sf_get_u8(&c);
        uint16_t rid = sf_get_be16(&c);
        if (!sf_cur_ok(&c)) break;
        sf_vb_line(b, 0, "Linux Netfilter NFLOG");
        sf_vb_line(b, 1, "Family: %s (%u)", fam == 2 ? "IPv4" : fam == 10 ? "IPv6" : "Unknown", fam);
        sf_vb_line(b, 1, "Version: %u", ver);
        sf_vb_line(b, 1, "Resource id: %u", rid);
        return;
    }
    case DLT_RAW: case 101: case DLT_IPV4: case DLT_IPV6:
        sf_vb_line(b, 0, "Raw packet data");
        sf_vb_line(b, 1, "[No link information available]");
        return;
    default:
        if (p->l3 && p->l3 >= p->l2)
            sf_vb_line(b, 0, "Link layer: type %d, %u bytes before the IP header", p->dlt, (unsigned)(p->l3 - p->l2));
        else
            sf_vb_line(b, 0, "Link layer: type %d", p->dlt);
        return;
    }
    sf_vb_line(b, 0, "[Link-layer header cut short by the snapshot length]");
}

/* One's-complement sum of 16-bit words (odd byte padded). */
static uint32_t sum16(const uint8_t *d, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1) s += (uint32_t)d[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

static const tok ip_protos[] = {
    { 6, "TCP" }, { 17, "UDP" }, { 1, "ICMP" }, { 58, "ICMPv6" }, { 0, "IPv6 Hop-by-Hop Option" },
    { 43, "Routing Header for IPv6" }, { 44, "Fragment Header for IPv6" }, { 60, "Destination Options for IPv6" },
    { 51, "Authentication Header" }, { 50, "Encapsulating Security Payload" }, { 59, "No Next Header" },
    { 47, "GRE" }, { 41, "IPv6" }, { 4, "IPv4" }, { -1, NULL }
};

static void ipv4(sf_vbuf *b, const sf_pkt *p)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET, p->src, s, sizeof s);
    inet_ntop(AF_INET, p->dst, d, sizeof d);
    sf_vb_line(b, 0, "Internet Protocol Version 4, Src: %s, Dst: %s", s, d);
    if (!p->l2 || !p->l3) { /* text input: what the record has */
        sf_vb_line(b, 1, "Total Length: %u", p->ip_len);
        sf_vb_line(b, 1, "Source Address: %s", s);
        sf_vb_line(b, 1, "Destination Address: %s", d);
        return;
    }
    sf_cur c = sf_cur_make(p->l3, p->l3_caplen);
    uint8_t vihl = sf_get_u8(&c), tos = sf_get_u8(&c);
    uint16_t tot = sf_get_be16(&c), id = sf_get_be16(&c), frag = sf_get_be16(&c);
    uint8_t ttl = sf_get_u8(&c), proto = sf_get_u8(&c);
    uint16_t ck = sf_get_be16(&c);
    if (!sf_cur_ok(&c)) { sf_vb_line(b, 1, "[IPv4 header cut short by the snapshot length]"); return; }
    unsigned hl = (vihl & 0x0f) * 4u;
    sf_vb_line(b, 1, "0100 .... = Version: %u", vihl >> 4);
    sf_vb_line(b, 1, ".... %u%u%u%u = Header Length: %u bytes (%u)", (vihl >> 3) & 1, (vihl >> 2) & 1, (vihl >> 1) & 1,
               vihl & 1, hl, vihl & 0x0f);
    sf_vb_line(b, 1, "Differentiated Services Field: 0x%02x (DSCP: %u, ECN: %u)", tos, tos >> 2, tos & 3);
    sf_vb_line(b, 1, "Total Length: %u", tot);
    sf_vb_line(b, 1, "Identification: 0x%04x (%u)", id, id);
    const char *fl = (frag & 0x4000) ? ", Don't fragment" : (frag & 0x2000) ? ", More fragments" : "";
    sf_vb_line(b, 1, "Flags: 0x%x%s", frag >> 13, fl);
    sf_vb_line(b, 2, "%u... .... = Reserved bit: %s", (frag >> 15) & 1, (frag & 0x8000) ? "Set" : "Not set");
    sf_vb_line(b, 2, ".%u.. .... = Don't fragment: %s", (frag >> 14) & 1, (frag & 0x4000) ? "Set" : "Not set");
    sf_vb_line(b, 2, "..%u. .... = More fragments: %s", (frag >> 13) & 1, (frag & 0x2000) ? "Set" : "Not set");
    sf_vb_line(b, 1, "Fragment Offset: %u", (frag & 0x1fff) * 8u);
    sf_vb_line(b, 1, "Time to Live: %u", ttl);
    sf_vb_line(b, 1, "Protocol: %s (%u)", tok_str(ip_protos, proto, "Unknown"), proto);
    if (hl >= 20 && p->l3_caplen >= hl) {
        uint16_t calc = (uint16_t)~fold(sum16(p->l3, 10, sum16(p->l3 + 12, hl - 12, 0)));
        if (calc == ck) sf_vb_line(b, 1, "Header Checksum: 0x%04x [correct]", ck);
        else sf_vb_line(b, 1, "Header Checksum: 0x%04x incorrect, should be 0x%04x", ck, calc);
    } else {
        sf_vb_line(b, 1, "Header Checksum: 0x%04x [unverified: header not fully captured]", ck);
    }
    sf_vb_line(b, 1, "Source Address: %s", s);
    sf_vb_line(b, 1, "Destination Address: %s", d);
    if (hl > 20) sf_vb_line(b, 1, "Options: (%u bytes)", hl - 20);
}

static void ipv6(sf_vbuf *b, const sf_pkt *p)
{
    char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, p->src, s, sizeof s);
    inet_ntop(AF_INET6, p->dst, d, sizeof d);
    sf_vb_line(b, 0, "Internet Protocol Version 6, Src: %s, Dst: %s", s, d);
    if (!p->l2 || !p->l3) {
        sf_vb_line(b, 1, "Source Address: %s", s);
        sf_vb_line(b, 1, "Destination Address: %s", d);
        return;
    }
    sf_cur c = sf_cur_make(p->l3, p->l3_caplen);
    uint32_t w = sf_get_be32(&c);
    uint16_t plen = sf_get_be16(&c);
    uint8_t nh = sf_get_u8(&c), hop = sf_get_u8(&c);
    if (!sf_cur_ok(&c) || sf_cur_skip(&c, 32)) { sf_vb_line(b, 1, "[IPv6 header cut short by the snapshot length]"); return; }
    uint8_t tc = (uint8_t)(w >> 20);
    sf_vb_line(b, 1, "0110 .... = Version: %u", w >> 28);
    sf_vb_line(b, 1, "Traffic Class: 0x%02x (DSCP: %u, ECN: %u)", tc, tc >> 2, tc & 3);
    sf_vb_line(b, 1, "Flow Label: 0x%05x", w & 0xfffff);
    sf_vb_line(b, 1, "Payload Length: %u", plen);
    sf_vb_line(b, 1, "Next Header: %s (%u)", tok_str(ip_protos, nh, "Unknown"), nh);
    sf_vb_line(b, 1, "Hop Limit: %u", hop);
    sf_vb_line(b, 1, "Source Address: %s", s);
    sf_vb_line(b, 1, "Destination Address: %s", d);
    /* extension headers, as far as captured */
    for (int k = 0; k < 8 && (nh == 0 || nh == 43 || nh == 44 || nh == 60 || nh == 51); k++) {
        uint8_t next = sf_get_u8(&c), hlen = sf_get_u8(&c);
        if (!sf_cur_ok(&c)) break;
        unsigned len = nh == 44 ? 8u : nh == 51 ? (hlen + 2u) * 4u : (hlen + 1u) * 8u;
        sf_vb_line(b, 1, "%s", tok_str(ip_protos, nh, "Extension header"));
        sf_vb_line(b, 2, "Next Header: %s (%u)", tok_str(ip_protos, next, "Unknown"), next);
        sf_vb_line(b, 2, "Length: %u bytes", len);
        if (nh == 44) {
            uint16_t off = sf_get_be16(&c);
            uint32_t ident = sf_get_be32(&c);
            if (!sf_cur_ok(&c)) break;
            sf_vb_line(b, 2, "Offset: %u, More Fragments: %s, Identification: 0x%08x", (off >> 3) * 8u,
                       (off & 1) ? "Yes" : "No", ident);
        } else if (sf_cur_skip(&c, len - 2)) {
            break;
        }
        nh = next;
    }
}

void sf_v_ip(sf_vbuf *b, const sf_pkt *p)
{
    if (p->ipver == 4) ipv4(b, p);
    else if (p->ipver == 6) ipv6(b, p);
}

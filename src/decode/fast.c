/* \summary: decoder entry point and fast path: Ethernet/VLAN/SLL/SLL2/raw -> IPv4/IPv6 -> TCP frames whose headers are all there and consistent */
#include <pcap/pcap.h>
#include "decode_int.h"
#include "dlt.h"

/* Almost every frame of a TCP capture is one of a few shapes: a link header
 * of fixed length (at most two VLAN tags), an IPv4 header (options allowed,
 * not a later fragment) or an IPv6 header with TCP as next header, then a
 * TCP header that was captured whole and whose data offset fits the IP
 * length. The fast path decodes exactly those, reading every byte through
 * the cursor's fixed-offset peeks after one length test per header, and
 * writes every field of the sf_pkt once (no memset of the ~300-byte
 * record). On anything else -- truncated, malformed, not TCP, fragments,
 * extension headers, other link types -- a fast_* step returns 0 and the
 * general decoder (decode.c) decodes the frame from scratch (clearing
 * whatever the fast path had written), with the same texts and statuses
 * as always: the fast path never sets a status other than SF_DEC_TCP.
 * Its result must equal the general decoder's, field for field:
 * tests/unit/test_decode.c checks that on mutated frames of every shape
 * handled here.
 * sf_decode_again (the mapped-pcap reader's record, decoded into over and
 * over) goes further for the usual untagged Ethernet/IPv4 frame: after
 * one like it, the record's constant fields are not written again
 * (p->dec_shape says which hold); test_decode.c checks it against the
 * general decoder on a random sequence of frames of every shape. */

/* every fast_* step inlined into sf_decode, even where it is used twice */
#define FAST_INLINE __attribute__((always_inline))

/* p->dec_shape, set by sf_decode's fast path (0 from the general decoder's
 * memset): what the record holds that the next frame of the same shape
 * would write again, and sf_decode_again's shortcut (eth4_again) skips */
#define SHAPE_ETH4 2   /* untagged Ethernet, IPv4, TCP: the fields eth4_again lists */
#define SHAPE_NOSACK 4 /* nsack 0 and sack[] all zero */

#define DLT_RAW_LINKTYPE 101 /* LINKTYPE_RAW, should libpcap pass it through */

#define IP_MF 0x2000
#define IP_OFFMASK 0x1fff
#define PROTO_TCP 6

/* Two or more neighbouring fields written with one store: `w` holds them
 * as the host lays them out in memory (FIRST = the field at the lower
 * address; padding between them gets zeros, which nothing reads). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FAST_HOST_BE 1
#define PAIR16(first, second) ((uint32_t)(first) << 16 | (uint16_t)(second))
#define PAIR32(first, second) ((uint64_t)(first) << 32 | (uint32_t)(second))
#define AT_BYTE(v, byte, width) ((uint64_t)(v) << (8 * ((width) - 1 - (byte))))  /* a u8 at `byte` */
#define AT_HALF(v, byte, width) ((uint64_t)(v) << (8 * ((width) - 2 - (byte))))  /* a u16 at `byte` */
#else
#define FAST_HOST_BE 0
#define PAIR16(first, second) ((uint32_t)(second) << 16 | (uint16_t)(first))
#define PAIR32(first, second) ((uint64_t)(second) << 32 | (uint32_t)(first))
#define AT_BYTE(v, byte, width) ((uint64_t)(v) << (8 * (byte)))
#define AT_HALF(v, byte, width) ((uint64_t)(v) << (8 * (byte)))
#endif
#define PUT32(p, field, w) do { uint32_t w_ = (w); memcpy((char *)(p) + offsetof(sf_pkt, field), &w_, 4); } while (0)
#define PUT64(p, field, w) do { uint64_t w_ = (w); memcpy((char *)(p) + offsetof(sf_pkt, field), &w_, 8); } while (0)
/* Eight bytes at c->p + off, big-endian (0 if they are not all there). */
static inline uint64_t peek_be64(const sf_cur *c, size_t off)
{
    uint64_t v;
    if (sf_peek_bytes(c, off, &v, sizeof v) < 0) return 0;
    return FAST_HOST_BE ? v : __builtin_bswap64(v);
}
#define NEXT_AT(a, b, off) (offsetof(sf_pkt, b) == offsetof(sf_pkt, a) + (off))
/* the runs written that way (a field inserted into one of them breaks the build here) */
_Static_assert(NEXT_AT(ethertype, nvlan, 2) && NEXT_AT(ethertype, vlan, 4) && sizeof(((sf_pkt *)0)->vlan) == 4,
               "ethertype, nvlan, vlan[2]: 8 bytes");
_Static_assert(NEXT_AT(ip_frag, flowlabel, 4), "ip_frag, flowlabel: 8 bytes");
_Static_assert(NEXT_AT(sport, dport, 2) && NEXT_AT(seq, ack, 4) && NEXT_AT(cksum, urp, 2),
               "sport/dport, seq/ack, cksum/urp pairs");
_Static_assert(NEXT_AT(mss, wscale, 2) && NEXT_AT(mss, sack_perm, 3) && NEXT_AT(mss, has_ts, 4) &&
               offsetof(sf_pkt, ts_val) >= offsetof(sf_pkt, mss) + 8, "mss, wscale, sack_perm, has_ts: 8 bytes");
_Static_assert(NEXT_AT(ts_val, ts_ecr, 4), "ts_val/ts_ecr pair");

static inline int is_vlan_tpid(uint16_t t)
{
    return t == 0x8100 || t == 0x88a8 || t == 0x9100 || t == 0x9200;
}

/* Link layer: move *c to the IP header, set ethertype/nvlan/vlan and
 * return the ethertype (0x0800/0x86dd), or 0 to leave the frame to the
 * general decoder. (sf_decode takes untagged Ethernet with IPv4 itself.) */
static inline uint16_t fast_link(sf_pkt *p, int dlt, sf_cur *c)
{
    uint16_t et;
    size_t hl;
    if (dlt == DLT_EN10MB) { /* the usual case first */
        if (!sf_cur_has(c, 14)) return 0;
        et = sf_peek_be16(c, 12);
        hl = 14;
    } else {
        switch (dlt) {
        case DLT_LINUX_SLL: /* pkttype hatype halen addr(8) protocol */
            if (!sf_cur_has(c, 16)) return 0;
            et = sf_peek_be16(c, 14);
            hl = 16;
            break;
        case DLT_LINUX_SLL2: /* protocol reserved ifindex hatype pkttype halen addr(8) */
            if (!sf_cur_has(c, 20)) return 0;
            et = sf_peek_be16(c, 0);
            hl = 20;
            break;
        case DLT_IPV4: et = SF_ETH_IPV4; hl = 0; break;
        case DLT_IPV6: et = SF_ETH_IPV6; hl = 0; break;
        case DLT_RAW: case DLT_RAW_LINKTYPE: /* the version nibble decides */
            if (!sf_cur_has(c, 1)) return 0;
            switch (sf_peek_u8(c, 0) >> 4) {
            case 4: et = SF_ETH_IPV4; break;
            case 6: et = SF_ETH_IPV6; break;
            default: return 0;
            }
            hl = 0;
            break;
        default:
            return 0;
        }
    }
    sf_cur_skip(c, hl); /* (there: tested above) */
    p->nvlan = 0;
    p->vlan[0] = p->vlan[1] = 0;
    if (et == SF_ETH_IPV4 || et == SF_ETH_IPV6) {
        p->ethertype = et;
        return et;
    }
    /* up to two VLAN tags (802.1Q, 802.1ad, old QinQ), outer first */
    for (int i = 0; i < 2 && is_vlan_tpid(et); i++) {
        if (!sf_cur_has(c, 4)) return 0;
        p->vlan[i] = sf_peek_be16(c, 0) & 0x0fff;
        et = sf_peek_be16(c, 2);
        p->nvlan++;
        sf_cur_skip(c, 4);
    }
    if (et != SF_ETH_IPV4 && et != SF_ETH_IPV6) return 0;
    p->ethertype = et;
    return et;
}

/* Bytes on the wire from the IP header (at c) on (`data`: the frame),
 * never fewer than were captured: some files record a wire length shorter
 * than what was captured. Only a zero IP length (TSO) needs it: otherwise
 * the TCP bytes are the captured ones cut at the IP length, because the
 * wire length is at least the captured length. */
static inline uint32_t fast_wire(const sf_pkt *p, const uint8_t *data, const sf_cur *c)
{
    size_t used = (size_t)(c->p - data); /* the link header's bytes */
    uint32_t wire = p->wirelen > used ? (uint32_t)(p->wirelen - used) : 0;
    if (wire < sf_cur_left(c)) wire = (uint32_t)sf_cur_left(c);
    return wire;
}

/* IPv4 without a problem, TCP inside, not a later fragment: fill the
 * network fields, set *t to the TCP header (captured bytes, cut at the IP
 * length) and *seg_len; 0 = leave to the general decoder. keep (a
 * constant): ipver and the zero tails of src/dst are there already. */
static inline FAST_INLINE int fast_ipv4(sf_pkt *p, const sf_cur *c, const uint8_t *data, sf_cur *t, uint32_t *seg_len,
                                        int keep)
{
    if (!sf_cur_has(c, 20)) return 0;
    uint8_t vihl = sf_peek_u8(c, 0);
    if ((uint8_t)(vihl - 0x45) > 0x4f - 0x45) return 0; /* version 4, header length >= 20 */
    uint16_t frag = sf_peek_be16(c, 6);
    if ((frag & IP_OFFMASK) != 0 || sf_peek_u8(c, 9) != PROTO_TCP) return 0;
    uint32_t hlen = (uint32_t)(vihl & 0x0f) * 4;
    uint32_t cap = (uint32_t)sf_cur_left(c);
    uint32_t len = sf_peek_be16(c, 2);
    if (len < hlen) {
        if (len != 0) return 0;
        len = fast_wire(p, data, c); /* zero length: TCP segmentation offload, as tcpdump guesses */
    }
    uint32_t lim = len < cap ? len : cap; /* (the wire length is >= cap) */
    if (lim < hlen) return 0;
    *t = sf_cur_make(c->p + hlen, lim - hlen); /* hlen <= lim <= the bytes at c */
    *seg_len = len - hlen;

    if (!keep) {
        p->ipver = 4;
        memset(p->src, 0, sizeof p->src);
        memset(p->dst, 0, sizeof p->dst);
    }
    sf_peek_bytes(c, 12, p->src, 4);
    sf_peek_bytes(c, 16, p->dst, 4);
    p->l3 = c->p;
    p->l3_caplen = cap;
    p->ip_hlen = hlen;
    p->ip_len = len;
    p->ttl = sf_peek_u8(c, 8);
    p->tos = sf_peek_u8(c, 1);
    p->ip_id = sf_peek_be16(c, 4);
    PUT64(p, ip_frag, AT_HALF(frag, 0, 8));        /* flowlabel 0 */
    p->ip_first_frag = (frag & IP_MF) != 0; /* offset is 0 here */
    return 1;
}

/* IPv6 with TCP as the next header (no extension headers): as fast_ipv4. */
static inline int fast_ipv6(sf_pkt *p, const sf_cur *c, const uint8_t *data, sf_cur *t, uint32_t *seg_len)
{
    if (!sf_cur_has(c, 40)) return 0;
    uint32_t vtf = sf_peek_be32(c, 0);
    if ((vtf >> 28) != 6 || sf_peek_u8(c, 6) != PROTO_TCP) return 0;
    uint32_t cap = (uint32_t)sf_cur_left(c);
    uint32_t plen = sf_peek_be16(c, 4);
    /* 0: TSO (no hop-by-hop header, so no jumbogram); the wire length is >= cap >= 40 */
    uint32_t len = plen ? 40u + plen : fast_wire(p, data, c);
    uint32_t lim = len < cap ? len : cap;
    *t = sf_cur_make(c->p + 40, lim - 40); /* 40 <= lim <= the bytes at c */
    *seg_len = len - 40;

    p->ipver = 6;
    sf_peek_bytes(c, 8, p->src, 16);
    sf_peek_bytes(c, 24, p->dst, 16);
    p->l3 = c->p;
    p->l3_caplen = cap;
    p->ip_hlen = 40;
    p->ip_len = len;
    p->ttl = sf_peek_u8(c, 7);
    p->tos = (uint8_t)(vtf >> 20);
    p->ip_id = 0;
    p->ip_frag = 0;
    p->flowlabel = vtf & 0xfffff;
    p->ip_first_frag = 0;
    return 1;
}

/* A TCP header captured whole (options may be cut by the snaplen) with
 * 20 <= data offset <= seg_len: fill the transport, option and payload
 * fields and return SHAPE_NOSACK (nsack 0) or 1 (SACK blocks); 0 = leave
 * to the general decoder. keep (a constant): trunc_hdr, bad_hlen (0),
 * nsack and sack[] (all 0) are there already. *t holds the captured bytes
 * of the segment, never more than seg_len (the IP length cut it). Fields
 * in address order, neighbours stored together (PUT32/PUT64). */
static inline FAST_INLINE int fast_tcp(sf_pkt *p, const sf_cur *t, uint32_t seg_len, int keep)
{
    if (!sf_cur_has(t, 20)) return 0;
    uint32_t offwin = sf_peek_be32(t, 12);          /* data offset, flags, window */
    uint32_t hlen = (offwin >> 28) * 4;
    if (hlen < 20 || hlen > seg_len) return 0;
    uint32_t cap = (uint32_t)sf_cur_left(t);
    /* options: the captured part of them; payload: what was captured of
     * it when the options were (cap <= seg_len, so never more than len) */
    int cut = __builtin_expect(cap < hlen, 0);       /* (snaplen cut the options: rare) */
    uint32_t olen = (cut ? cap : hlen) - 20;
    uint32_t n = cut ? 0 : cap - hlen;

    p->l4 = t->p;
    p->l4_caplen = cap;
    p->seg_len = seg_len;
    uint32_t ports = sf_peek_be32(t, 0);
    PUT32(p, sport, PAIR16(ports >> 16, ports));
    uint64_t seqack = peek_be64(t, 4);
    PUT64(p, seq, PAIR32(seqack >> 32, seqack));
    p->flags = (offwin >> 16) & 0x0fff;
    p->win = (uint16_t)offwin;
    uint32_t cu = sf_peek_be32(t, 16);
    PUT32(p, cksum, PAIR16(cu >> 16, cu));
    p->hlen = (uint16_t)hlen;
    p->trunc_opt = (uint8_t)cut;
    if (!keep) p->trunc_hdr = p->bad_hlen = 0;
    p->opt = olen ? t->p + 20 : NULL;  /* 20 + olen <= cap */
    p->opt_len = olen;
    p->len = seg_len - hlen;
    p->payload = n ? t->p + hlen : NULL; /* hlen + n == cap */
    p->payload_caplen = n;
    /* last, so that nothing needs keeping across the parser's call */
    if (!keep) {
        memset(p->sack, 0, sizeof p->sack);
        p->nsack = 0;
    }
    if (olen == 0) {
        PUT64(p, mss, AT_BYTE(0xff, 2, 8));         /* mss 0, wscale -1, no sackOK, no TS: */
        PUT64(p, ts_val, 0);                        /* sf_dec_no_options in two stores */
    } else if (olen == 12 && sf_cur_has(t, 32) && sf_peek_be32(t, 20) == 0x0101080a) {
        /* nop, nop, timestamps: what nearly every segment after the SYN carries */
        PUT64(p, mss, AT_BYTE(0xff, 2, 8) | AT_BYTE(1, 4, 8)); /* as above, has_ts 1 */
        uint64_t ts = peek_be64(t, 24);
        PUT64(p, ts_val, PAIR32(ts >> 32, ts));
    } else {
        sf_dec_tcp_options(p);                      /* (nsack, and sack[0, nsack)) */
        return p->nsack ? 1 : SHAPE_NOSACK;
    }
    return SHAPE_NOSACK;
}

sf_dec_status sf_decode(sf_pkt *p, int dlt, const uint8_t *data)
{
    if (!data) return sf_dec_general(p, dlt, data);
    sf_cur c = sf_cur_make(data, p->caplen);
    sf_cur t;
    uint32_t seg_len;
    unsigned shape = 0;
    if (dlt == DLT_EN10MB && sf_cur_has(&c, 14 + 20) && sf_peek_be16(&c, 12) == SF_ETH_IPV4) {
        /* untagged Ethernet, IPv4: nearly every frame of a capture, without
         * fast_link's dispatch (the same fields: no VLAN tags); its own
         * fast_ipv4, which knows the 20 bytes are there */
        sf_cur ip = sf_cur_make(data + 14, p->caplen - 14);   /* as in eth4_again */
        PUT64(p, ethertype, AT_HALF(SF_ETH_IPV4, 0, 8));
        if (!fast_ipv4(p, &ip, data, &t, &seg_len, 0)) return sf_dec_general(p, dlt, data);
        shape = SHAPE_ETH4;
    } else {
        uint16_t et = fast_link(p, dlt, &c);
        if (!et) return sf_dec_general(p, dlt, data);
        int ok = et == SF_ETH_IPV4 ? fast_ipv4(p, &c, data, &t, &seg_len, 0)
                                   : fast_ipv6(p, &c, data, &t, &seg_len);
        if (!ok) return sf_dec_general(p, dlt, data);
    }
    /* (should fast_tcp decline, the general decoder rewrites these too) */
    p->dlt = dlt;
    p->status = SF_DEC_TCP;
    p->why = NULL;
    p->l2 = data;
    p->src_name = p->dst_name = NULL;
    p->ts_missing = 0;
    int tcp = fast_tcp(p, &t, seg_len, 0);
    if (!tcp) return sf_dec_general(p, dlt, data);
    p->dec_shape = (uint8_t)(shape | (tcp & SHAPE_NOSACK));
    return SF_DEC_TCP;
}

/* sf_decode_again's shortcut: an untagged Ethernet/IPv4 TCP frame into a
 * record that holds one without SACK blocks (dec_shape SHAPE_ETH4 |
 * SHAPE_NOSACK), writing only what differs between two such frames:
 * everything but ethertype..vlan, dlt, status, why, ipver and the zero
 * tails of src and dst, trunc_hdr, bad_hlen, src_name, dst_name,
 * ts_missing, nsack and sack[]. 0 = not such a frame: sf_decode rewrites
 * whatever this wrote. */
static int eth4_again(sf_pkt *p, const uint8_t *data)
{
    sf_cur f = sf_cur_make(data, p->caplen);
    if (!sf_cur_has(&f, 14 + 20) || sf_peek_be16(&f, 12) != SF_ETH_IPV4) return 0;
    /* the IP header's cursor made afresh (what sf_cur_skip gives), so that
     * the compiler sees the 20 bytes there and drops fast_ipv4's checks */
    sf_cur c = sf_cur_make(data + 14, p->caplen - 14);
    sf_cur t;
    uint32_t seg_len;
    if (!fast_ipv4(p, &c, data, &t, &seg_len, 1)) return 0;
    p->l2 = data;
    int tcp = fast_tcp(p, &t, seg_len, 1);
    if (tcp == 1) p->dec_shape = SHAPE_ETH4;  /* the option parser found SACK blocks */
    return tcp;
}

sf_dec_status sf_decode_again(sf_pkt *p, int dlt, const uint8_t *data)
{
    if (p->dec_shape == (SHAPE_ETH4 | SHAPE_NOSACK) && dlt == DLT_EN10MB && data && eth4_again(p, data))
        return SF_DEC_TCP;
    return sf_decode(p, dlt, data);
}

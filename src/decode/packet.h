/* \summary: the decoded packet record every later stage reads */
#ifndef SF_PACKET_H
#define SF_PACKET_H
#include <stdint.h>
#include <stddef.h>

/* Timestamp as captured: seconds + nanoseconds, with the precision the
 * capture declared (6 = microseconds, 9 = nanoseconds). */
typedef struct sf_time {
    int64_t sec;
    uint32_t nsec;
    uint8_t prec; /* 6 or 9 */
} sf_time;
/* additive (H9): every source keeps |sec| <= SF_TS_SEC_MAX (2^32 - 1: all a
 * classic pcap can hold, years 1834..2106), so that sec * 1e9 + nsec, and the
 * difference of two such values, fit in an int64 (the engine and the views
 * compute nanoseconds that way). */
#define SF_TS_SEC_MAX 4294967295LL

/* Outcome of decoding one frame. TRUNCATED (snaplen cut the header we
 * needed) and MALFORMED (the bytes contradict themselves) are distinct. */
typedef enum sf_dec_status {
    SF_DEC_TCP = 0,        /* a TCP segment header was decoded (maybe partially, see trunc_*) */
    SF_DEC_NOT_IP,         /* link payload is not IPv4/IPv6 (ARP, LLDP, ...) */
    SF_DEC_NOT_TCP,        /* IP but another transport (UDP, ICMP, ...) */
    SF_DEC_FRAGMENT,       /* a non-first IP fragment: counted, skipped */
    SF_DEC_TRUNCATED,      /* snaplen cut before the TCP ports/flags could be read */
    SF_DEC_MALFORMED,      /* header lengths or versions impossible */
    SF_DEC_UNSUPPORTED     /* link type we do not decode */
} sf_dec_status;

/* TCP flag bits as in the header's 12-bit flags field. */
enum {
    SF_TH_FIN = 0x001, SF_TH_SYN = 0x002, SF_TH_RST = 0x004, SF_TH_PSH = 0x008,
    SF_TH_ACK = 0x010, SF_TH_URG = 0x020, SF_TH_ECE = 0x040, SF_TH_CWR = 0x080,
    SF_TH_AE  = 0x100  /* was NS */
};

#define SF_MAX_SACK 4

/* One decoded frame. Pointers (l2/l3/l4/opt/payload) point into the
 * capture buffer, which the source owns: they are valid only during the
 * packet callback. Everything else is plain data that may be copied.
 * Adding a field: sf_decode's fast path (decode/fast.c) writes every field
 * one by one (no memset), so set the new one there too and add it to
 * pkt_diff in tests/unit/test_decode.c (which checks the size); if it can
 * differ between two untagged Ethernet/IPv4 frames, sf_decode_again's
 * shortcut (eth4_again) must write it as well (the same test fails if not). */
typedef struct sf_pkt {
    uint64_t frame;        /* 1-based frame number across all inputs (non-TCP counted) */
    sf_time ts;
    uint32_t caplen;       /* bytes captured */
    uint32_t wirelen;      /* bytes on the wire */
    int dlt;               /* libpcap DLT_* link type */
    sf_dec_status status;
    const char *why;       /* static text naming the problem, for TRUNCATED/MALFORMED/... */

    /* link layer */
    const uint8_t *l2;     /* start of frame */
    uint16_t ethertype;    /* final ethertype (after VLAN tags) or 0 */
    uint8_t nvlan;         /* 802.1Q/802.1ad tags seen */
    uint16_t vlan[2];      /* their VLAN ids (outer first) */

    /* network layer */
    uint8_t ipver;         /* 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 uses the first 4 bytes */
    const uint8_t *l3;     /* start of IP header */
    uint32_t l3_caplen;    /* captured bytes from l3 on */
    uint32_t ip_hlen;      /* IPv4 IHL*4, or 40 + extension headers for IPv6 */
    uint32_t ip_len;       /* IPv4 total length / IPv6 40 + payload length (jumbo: from caplen) */
    uint8_t ttl;           /* TTL / hop limit */
    uint8_t tos;           /* TOS / traffic class */
    uint16_t ip_id;        /* IPv4 id (0 for IPv6 unless a fragment header) */
    uint16_t ip_frag;      /* IPv4 flags+offset word as on the wire */
    uint32_t flowlabel;    /* IPv6 */
    uint8_t ip_first_frag; /* 1 if this is a first fragment (MF set, offset 0) */

    /* transport layer (valid when status == SF_DEC_TCP) */
    const uint8_t *l4;     /* start of TCP header */
    uint32_t l4_caplen;    /* captured bytes from l4 on */
    uint32_t seg_len;      /* TCP header+payload length per the IP header */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags;        /* SF_TH_* (12 bits incl. reserved bits 0x200..0x800) */
    uint16_t win;          /* raw window field */
    uint16_t cksum;
    uint16_t urp;
    uint16_t hlen;         /* data offset * 4, as on the wire (may be < 20: malformed) */
    uint8_t trunc_hdr;     /* 1 if the fixed 20-byte header was not all captured */
    uint8_t trunc_opt;     /* 1 if options were cut by snaplen */
    uint8_t bad_hlen;      /* 1 if hlen < 20 or hlen > seg_len */
    /* additive (session 5), the decoder's own: which fields hold what the
     * next frame of the same shape would write again (decode/fast.c; 0 =
     * none); in what was padding, the layout is unchanged */
    uint8_t dec_shape;

    /* options: raw bytes (captured part) and the common ones parsed */
    const uint8_t *opt;
    uint32_t opt_len;
    uint16_t mss;          /* 0 = absent */
    int8_t wscale;         /* -1 = absent */
    uint8_t sack_perm;
    uint8_t has_ts;
    uint32_t ts_val, ts_ecr;
    uint8_t nsack;
    uint32_t sack[SF_MAX_SACK][2]; /* left, right edges (absolute) */

    /* text input (source/text.c) only: host names as written (not IPs),
     * NULL otherwise; ts_missing = the text had no timestamps (-t). */
    const char *src_name, *dst_name;
    /* additive (session 4): names are shorter than this, NUL included */
#define SF_PKT_NAME_MAX 256
    uint8_t ts_missing;

    /* payload */
    uint32_t len;          /* TCP payload length per the IP header (tcpdump's "length") */
    const uint8_t *payload;
    uint32_t payload_caplen; /* payload bytes actually captured (<= len) */

    /* the microseconds tcpdump prints for this timestamp, as libpcap hands
     * them over (capture input); a broken file may hold values >= 10^6 (and
     * ts.nsec then keeps the raw field, not normalised). Text input leaves it
     * 0, or sets it to reprint an out-of-range fraction it read. */
    uint32_t ts_td_usec;
} sf_pkt;

#endif

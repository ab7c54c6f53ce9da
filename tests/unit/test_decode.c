/* \summary: decoder unit tests from constructed bytes: link types, VLAN/QinQ, IPv4/IPv6, TCP options, truncated vs malformed */
#include "t.h"
#include "../../src/decode/decode.h"
#include <pcap/pcap.h>

/* ---- a tiny packet builder ---- */

typedef struct pb { uint8_t b[512]; size_t n; } pb;

static void put8(pb *p, unsigned v) { p->b[p->n++] = (uint8_t)v; }
static void put16(pb *p, unsigned v) { put8(p, v >> 8); put8(p, v); }
static void put32(pb *p, uint32_t v) { put16(p, v >> 16); put16(p, v & 0xffff); }
static void putn(pb *p, const void *d, size_t n) { memcpy(p->b + p->n, d, n); p->n += n; }

static void eth(pb *p, unsigned et)
{
    static const uint8_t mac[12] = { 0 };
    putn(p, mac, 12);
    put16(p, et);
}

/* IPv4 header: `ihl` words, total length `tot`, fragment word `frag` */
static void ipv4(pb *p, unsigned ihl, unsigned tot, unsigned frag, unsigned proto)
{
    put8(p, 0x40 | ihl); put8(p, 0); put16(p, tot); put16(p, 0x1234); put16(p, frag);
    put8(p, 64); put8(p, proto); put16(p, 0);
    put32(p, 0x0a000001); put32(p, 0x0a000002);
    for (unsigned i = 5; i < ihl; i++) put32(p, 0x01010101); /* NOP options */
}

static void ipv6(pb *p, unsigned plen, unsigned nh)
{
    put32(p, 0x60000000); put16(p, plen); put8(p, nh); put8(p, 64);
    static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
    putn(p, a, 16); putn(p, b, 16);
}

/* TCP header with `olen` option bytes (a multiple of 4) */
static void tcp(pb *p, unsigned flags, const uint8_t *opt, size_t olen)
{
    put16(p, 40000); put16(p, 80); put32(p, 1000); put32(p, 2000);
    put16(p, (unsigned)(((20 + olen) / 4) << 12) | flags); put16(p, 512); put16(p, 0); put16(p, 0);
    if (olen) putn(p, opt, olen);
}

static sf_dec_status dec(sf_pkt *k, int dlt, const pb *p, size_t caplen)
{
    memset(k, 0, sizeof *k);
    k->caplen = (uint32_t)caplen;
    k->wirelen = (uint32_t)p->n;
    return sf_decode(k, dlt, p->b);
}

static const uint8_t syn_opts[20] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 7 };

/* ---- tests ---- */

TEST(ether_ipv4_tcp_with_options)
{
    pb p = { .n = 0 };
    eth(&p, 0x0800);
    ipv4(&p, 5, 20 + 40 + 5, 0x4000, 6);
    tcp(&p, 0x002, syn_opts, sizeof syn_opts);
    putn(&p, "hello", 5);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.ipver, 4);
    T_EQ_INT(k.sport, 40000);
    T_EQ_INT(k.dport, 80);
    T_EQ_INT(k.seq, 1000);
    T_EQ_INT(k.ack, 2000);
    T_EQ_INT(k.flags, SF_TH_SYN);
    T_EQ_INT(k.hlen, 40);
    T_EQ_INT(k.len, 5);
    T_EQ_INT(k.payload_caplen, 5);
    T_CHECK(k.payload && memcmp(k.payload, "hello", 5) == 0);
    T_EQ_INT(k.mss, 1460);
    T_EQ_INT(k.wscale, 7);
    T_EQ_INT(k.sack_perm, 1);
    T_EQ_INT(k.has_ts, 1);
    T_EQ_INT(k.ts_val, 7);
    T_EQ_INT(k.ts_ecr, 0);
    T_EQ_INT(k.opt_len, 20);
    T_EQ_INT(k.dst[3], 2);
    T_EQ_INT(k.ttl, 64);
    T_EQ_INT(k.ip_id, 0x1234);
    T_CHECK(k.why == NULL);
}

TEST(vlan_and_qinq)
{
    static const unsigned tpids[] = { 0x88a8, 0x9100 };
    for (int i = 0; i < 2; i++) {
        pb p = { .n = 0 };
        eth(&p, tpids[i]);
        put16(&p, 0x2064); /* PCP 1, VID 100 */
        put16(&p, 0x8100);
        put16(&p, 0x00c8); /* VID 200 */
        put16(&p, 0x0800);
        ipv4(&p, 5, 40, 0, 6);
        tcp(&p, 0x010, NULL, 0);
        sf_pkt k;
        T_EQ_INT(dec(&k, DLT_EN10MB, &p, p.n), SF_DEC_TCP);
        T_EQ_INT(k.nvlan, 2);
        T_EQ_INT(k.vlan[0], 100);
        T_EQ_INT(k.vlan[1], 200);
        T_EQ_INT(k.ethertype, 0x0800);
        T_EQ_INT(k.l3 - k.l2, 22);
    }
    pb p = { .n = 0 };
    eth(&p, 0x8100);
    put16(&p, 0x0005);
    put16(&p, 0x86dd);
    ipv6(&p, 20, 6);
    tcp(&p, 0x010, NULL, 0);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.nvlan, 1);
    T_EQ_INT(k.vlan[0], 5);
    T_EQ_INT(k.ipver, 6);
    /* a VLAN tag cut by the snaplen is truncated, not malformed */
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, 16), SF_DEC_TRUNCATED);
}

TEST(llc_snap_and_not_ip)
{
    pb p = { .n = 0 };
    eth(&p, 60); /* 802.3 length */
    put8(&p, 0xaa); put8(&p, 0xaa); put8(&p, 3); put8(&p, 0); put8(&p, 0); put8(&p, 0);
    put16(&p, 0x0800);
    ipv4(&p, 5, 40, 0, 6);
    tcp(&p, 0x010, NULL, 0);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, p.n), SF_DEC_TCP);
    pb a = { .n = 0 };
    eth(&a, 0x0806);
    put32(&a, 0);
    T_EQ_INT(dec(&k, DLT_EN10MB, &a, a.n), SF_DEC_NOT_IP);
    pb u = { .n = 0 };
    eth(&u, 0x0800);
    ipv4(&u, 5, 28, 0, 17);
    put32(&u, 0); put32(&u, 0);
    T_EQ_INT(dec(&k, DLT_EN10MB, &u, u.n), SF_DEC_NOT_TCP);
}

TEST(linux_sll_and_sll2)
{
    pb p = { .n = 0 };
    put16(&p, 0); put16(&p, 1); put16(&p, 6);
    for (int i = 0; i < 8; i++) put8(&p, 0);
    put16(&p, 0x0800);
    ipv4(&p, 5, 40, 0, 6);
    tcp(&p, 0x018, NULL, 0);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_LINUX_SLL, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.l3 - k.l2, 16);
    T_EQ_INT(k.flags, SF_TH_ACK | SF_TH_PSH);

    pb q = { .n = 0 };
    put16(&q, 0x86dd); put16(&q, 0); put32(&q, 3); put16(&q, 1); put8(&q, 0); put8(&q, 6);
    for (int i = 0; i < 8; i++) put8(&q, 0);
    ipv6(&q, 20, 6);
    tcp(&q, 0x011, NULL, 0);
    T_EQ_INT(dec(&k, 276 /* DLT_LINUX_SLL2 */, &q, q.n), SF_DEC_TCP);
    T_EQ_INT(k.l3 - k.l2, 20);
    T_EQ_INT(k.ipver, 6);
    T_EQ_INT(k.flags, SF_TH_ACK | SF_TH_FIN);
    T_EQ_INT(dec(&k, 276, &q, 12), SF_DEC_TRUNCATED);
}

TEST(raw_null_loop)
{
    pb p = { .n = 0 };
    ipv4(&p, 5, 40, 0, 6);
    tcp(&p, 0x002, NULL, 0);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_RAW, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(dec(&k, 228 /* DLT_IPV4 */, &p, p.n), SF_DEC_TCP);

    pb n = { .n = 0 };
    put8(&n, 2); put8(&n, 0); put8(&n, 0); put8(&n, 0); /* AF_INET, little-endian */
    putn(&n, p.b, p.n);
    T_EQ_INT(dec(&k, DLT_NULL, &n, n.n), SF_DEC_TCP);
    n.b[0] = 0; n.b[3] = 2; /* written big-endian: accepted too */
    T_EQ_INT(dec(&k, DLT_NULL, &n, n.n), SF_DEC_TCP);

    pb l = { .n = 0 };
    put32(&l, 30); /* AF_INET6 (BSD), network order */
    ipv6(&l, 20, 6);
    tcp(&l, 0x002, NULL, 0);
    T_EQ_INT(dec(&k, DLT_LOOP, &l, l.n), SF_DEC_TCP);
    T_EQ_INT(k.ipver, 6);
    l.b[3] = 99;
    T_EQ_INT(dec(&k, DLT_LOOP, &l, l.n), SF_DEC_NOT_IP);
}

TEST(nflog_tlvs)
{
    pb p = { .n = 0 };
    put8(&p, 2); put8(&p, 0); put16(&p, 0);
    /* a prefix TLV (type 10, 5 bytes of body, padded to 8), little-endian length */
    put8(&p, 9); put8(&p, 0); put8(&p, 10); put8(&p, 0);
    putn(&p, "abcd\0\0\0\0", 8);
    pb ip = { .n = 0 };
    ipv4(&ip, 5, 40, 0, 6);
    tcp(&ip, 0x012, NULL, 0);
    put8(&p, (unsigned)(ip.n + 4)); put8(&p, 0); put8(&p, 9); put8(&p, 0);
    putn(&p, ip.b, ip.n);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_NFLOG, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.flags, SF_TH_SYN | SF_TH_ACK);
    /* as tcpdump: the payload TLV must be wholly captured */
    T_EQ_INT(dec(&k, DLT_NFLOG, &p, p.n - 1), SF_DEC_TRUNCATED);
    /* a TLV length of 0 (below its own header) is malformed */
    p.b[4] = 0;
    T_EQ_INT(dec(&k, DLT_NFLOG, &p, p.n), SF_DEC_MALFORMED);
}

TEST(ipv6_extension_headers)
{
    pb p = { .n = 0 };
    ipv6(&p, 8 + 8 + 24 + 8 + 20, 0);
    put8(&p, 60); put8(&p, 0); put16(&p, 0x0104); put32(&p, 0); /* HBH: PadN */
    put8(&p, 43); put8(&p, 0); put16(&p, 0x0104); put32(&p, 0); /* DSTOPT */
    put8(&p, 44); put8(&p, 2); put8(&p, 0); put8(&p, 0); put32(&p, 0); /* routing type 0, 1 addr */
    for (int i = 0; i < 16; i++) put8(&p, 0);
    put8(&p, 6); put8(&p, 0); put16(&p, 0x0001); put32(&p, 0xabcd); /* fragment: off 0, M */
    tcp(&p, 0x002, NULL, 0);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_IPV6 == 229 ? 229 : DLT_RAW, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.ip_hlen, 40 + 8 + 8 + 24 + 8);
    T_EQ_INT(k.ip_first_frag, 1);
    T_EQ_INT(k.ip_id, 0xabcd);
    T_EQ_INT(k.len, 0);
    T_EQ_INT(k.flags, SF_TH_SYN);
    /* a later fragment is counted, not decoded */
    p.b[40 + 8 + 8 + 24 + 2] = 0x05; p.b[40 + 8 + 8 + 24 + 3] = 0xa8;
    T_EQ_INT(dec(&k, DLT_RAW, &p, p.n), SF_DEC_FRAGMENT);
    /* the chain cut by the snaplen inside the routing header: truncated */
    T_EQ_INT(dec(&k, DLT_RAW, &p, 40 + 8 + 8 + 10), SF_DEC_TRUNCATED);
}

TEST(ipv6_jumbogram_does_not_crash)
{
    pb p = { .n = 0 };
    ipv6(&p, 0, 0);
    put8(&p, 6); put8(&p, 0); put8(&p, 0xc2); put8(&p, 4); put32(&p, 100000); /* Jumbo Payload */
    tcp(&p, 0x010, NULL, 0);
    for (int i = 0; i < 40; i++) put8(&p, 'x');
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_RAW, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.ip_len, 40 + 100000);
    T_EQ_INT(k.len, 100000 - 8 - 20);
    T_EQ_INT(k.payload_caplen, 40); /* only what was captured */
    /* absurd jumbo length: still no read past the buffer */
    p.b[44] = 0xff; p.b[45] = 0xff; p.b[46] = 0xff; p.b[47] = 0xff;
    sf_dec_status st = dec(&k, DLT_RAW, &p, p.n);
    T_CHECK(st == SF_DEC_TCP || st == SF_DEC_MALFORMED);
    T_CHECK(k.payload_caplen <= 40);
}

TEST(ipv4_options_fragments_tso)
{
    pb p = { .n = 0 };
    ipv4(&p, 7, 28 + 20 + 3, 0x2000 /* MF, offset 0 */, 6);
    tcp(&p, 0x018, NULL, 0);
    putn(&p, "abc", 3);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_RAW, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.ip_hlen, 28);
    T_EQ_INT(k.ip_first_frag, 1);
    T_EQ_INT(k.len, 3);
    /* a later fragment */
    p.b[6] = 0x00; p.b[7] = 0x10;
    T_EQ_INT(dec(&k, DLT_RAW, &p, p.n), SF_DEC_FRAGMENT);
    /* total length 0: TCP segmentation offload, length from the wire */
    pb t = { .n = 0 };
    ipv4(&t, 5, 0, 0x4000, 6);
    tcp(&t, 0x018, NULL, 0);
    for (int i = 0; i < 100; i++) put8(&t, 'y');
    T_EQ_INT(dec(&k, DLT_RAW, &t, t.n), SF_DEC_TCP);
    T_EQ_INT(k.len, 100);
}

TEST(truncated_versus_malformed)
{
    pb p = { .n = 0 };
    eth(&p, 0x0800);
    ipv4(&p, 5, 20 + 40, 0, 6);
    tcp(&p, 0x002, syn_opts, sizeof syn_opts);
    sf_pkt k;
    /* snaplen inside the options: TCP, options marked cut */
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, 14 + 20 + 20 + 6), SF_DEC_TCP);
    T_EQ_INT(k.trunc_opt, 1);
    T_EQ_INT(k.trunc_hdr, 0);
    T_EQ_INT(k.opt_len, 6);
    T_EQ_INT(k.mss, 1460);      /* complete options still parsed */
    T_EQ_INT(k.has_ts, 0);      /* the cut one not */
    /* inside the fixed header but after the flags: TCP, header marked cut */
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, 14 + 20 + 16), SF_DEC_TCP);
    T_EQ_INT(k.trunc_hdr, 1);
    T_EQ_INT(k.flags, SF_TH_SYN);
    /* before the flags: truncated */
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, 14 + 20 + 10), SF_DEC_TRUNCATED);
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, 14 + 12), SF_DEC_TRUNCATED);
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, 10), SF_DEC_TRUNCATED);
    T_EQ_INT(dec(&k, DLT_EN10MB, &p, 0), SF_DEC_TRUNCATED);
    /* TCP data offset 4 (16 bytes): malformed */
    pb m = p;
    m.b[14 + 20 + 12] = 0x40;
    T_EQ_INT(dec(&k, DLT_EN10MB, &m, m.n), SF_DEC_MALFORMED);
    T_EQ_INT(k.bad_hlen, 1);
    /* data offset beyond the IP payload: malformed */
    m = p;
    m.b[14 + 20 + 12] = 0xf0;
    T_EQ_INT(dec(&k, DLT_EN10MB, &m, m.n), SF_DEC_MALFORMED);
    /* IHL 4, IP version 5, total length < header: malformed */
    m = p; m.b[14] = 0x44;
    T_EQ_INT(dec(&k, DLT_EN10MB, &m, m.n), SF_DEC_MALFORMED);
    m = p; m.b[14] = 0x55;
    T_EQ_INT(dec(&k, DLT_EN10MB, &m, m.n), SF_DEC_MALFORMED);
    m = p; m.b[16] = 0; m.b[17] = 10;
    T_EQ_INT(dec(&k, DLT_EN10MB, &m, m.n), SF_DEC_MALFORMED);
    /* an unknown link type */
    T_EQ_INT(dec(&k, 147, &p, p.n), SF_DEC_UNSUPPORTED);
    T_EQ_INT(sf_decode_dlt_supported(147), 0);
    T_EQ_INT(sf_decode_dlt_supported(DLT_EN10MB), 1);
}

TEST(options_sack_and_malformed_lengths)
{
    static const uint8_t o[20] = { 1, 1, 5, 18, 0, 0, 0, 10, 0, 0, 0, 20,
                                   0, 0, 0, 30, 0, 0, 0, 40 };
    pb p = { .n = 0 };
    ipv4(&p, 5, 20 + 40, 0, 6);
    tcp(&p, 0x010, o, sizeof o);
    sf_pkt k;
    T_EQ_INT(dec(&k, DLT_RAW, &p, p.n), SF_DEC_TCP);
    T_EQ_INT(k.nsack, 2);
    T_EQ_INT(k.sack[0][0], 10);
    T_EQ_INT(k.sack[0][1], 20);
    T_EQ_INT(k.sack[1][1], 40);
    /* an option length of 1 (< 2) stops parsing without failing the packet */
    static const uint8_t bad[8] = { 2, 1, 0, 0, 0, 0, 0, 0 };
    pb q = { .n = 0 };
    ipv4(&q, 5, 20 + 28, 0, 6);
    tcp(&q, 0x002, bad, sizeof bad);
    T_EQ_INT(dec(&k, DLT_RAW, &q, q.n), SF_DEC_TCP);
    T_EQ_INT(k.mss, 0);
    /* synthesized option bytes (text input) parse the same way */
    sf_pkt t;
    memset(&t, 0, sizeof t);
    t.opt = syn_opts;
    t.opt_len = sizeof syn_opts;
    sf_decode_tcp_options(&t);
    T_EQ_INT(t.mss, 1460);
    T_EQ_INT(t.wscale, 7);
    T_EQ_INT(t.sack_perm, 1);
}

/* Windows' SYN options (mss, nop, wscale, nop, nop, sackOK) take a
 * shortcut in the parser: the same values as the loop finds for the same
 * options in another order; a look-alike with a bad sackOK length is the
 * loop's (which stops there). */
TEST(options_windows_syn_layout)
{
    static const uint8_t w[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 };
    static const uint8_t loop[12] = { 1, 3, 3, 8, 2, 4, 0x05, 0xb4, 4, 2, 1, 1 };
    static const uint8_t bad[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 3 };
    sf_pkt a, b, c;
    memset(&a, 0x5a, sizeof a); memset(&b, 0, sizeof b); memset(&c, 0, sizeof c);
    a.opt = w; a.opt_len = sizeof w;
    b.opt = loop; b.opt_len = sizeof loop;
    c.opt = bad; c.opt_len = sizeof bad;
    sf_decode_tcp_options(&a);
    sf_decode_tcp_options(&b);
    sf_decode_tcp_options(&c);
    T_EQ_INT(a.mss, 1460);
    T_EQ_INT(a.wscale, 8);
    T_EQ_INT(a.sack_perm, 1);
    T_EQ_INT(a.has_ts, 0);
    T_EQ_INT(a.ts_val, 0);
    T_EQ_INT(a.nsack, 0);
    T_CHECK(a.mss == b.mss && a.wscale == b.wscale && a.sack_perm == b.sack_perm && a.has_ts == b.has_ts);
    T_EQ_INT(c.mss, 1460);
    T_EQ_INT(c.wscale, 8);
    T_EQ_INT(c.sack_perm, 0);
}

/* Timestamps then SACK (nop, nop, TS, nop, nop, SACK with 1-3 blocks)
 * take a shortcut: the same values as the loop finds for SACK first, and a
 * SACK length that does not match the option bytes is the loop's. */
TEST(options_timestamps_then_sack_layout)
{
    for (unsigned n = 1; n <= 3; n++) {
        uint8_t a[40], b[40];
        size_t len = 16 + 8 * n;
        static const uint8_t ts[12] = { 1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9 };
        memcpy(a, ts, 12);
        a[12] = 1; a[13] = 1; a[14] = 5; a[15] = (uint8_t)(2 + 8 * n);
        for (unsigned i = 0; i < 8 * n; i++) a[16 + i] = (uint8_t)(i * 7 + n);
        memcpy(b, a + 12, 4 + 8 * n);                    /* SACK first, then the timestamps */
        memcpy(b + 4 + 8 * n, ts, 12);
        sf_pkt x, y;
        memset(&x, 0x33, sizeof x); memset(&y, 0, sizeof y);
        x.opt = a; x.opt_len = (uint32_t)len;
        y.opt = b; y.opt_len = (uint32_t)len;
        sf_decode_tcp_options(&x);
        sf_decode_tcp_options(&y);
        T_EQ_INT(x.has_ts, 1);
        T_EQ_INT(x.ts_val, 7);
        T_EQ_INT(x.ts_ecr, 9);
        T_EQ_INT(x.nsack, n);
        T_EQ_INT(x.mss, 0);
        T_EQ_INT(x.wscale, -1);
        T_EQ_INT(x.sack_perm, 0);
        T_EQ_INT(y.nsack, n);
        T_CHECK(!memcmp(x.sack, y.sack, n * sizeof x.sack[0]));
        T_EQ_INT(x.sack[n - 1][1], (uint32_t)((8 * n - 4) * 7 + n) << 24 | (uint32_t)((8 * n - 3) * 7 + n) << 16 |
                                   (uint32_t)((8 * n - 2) * 7 + n) << 8 | (uint32_t)((8 * n - 1) * 7 + n));
        a[15] = (uint8_t)(8 * n);                        /* SACK length 2 short: the loop's */
        memset(&x, 0x33, sizeof x);
        x.opt = a; x.opt_len = (uint32_t)len;
        sf_decode_tcp_options(&x);
        T_EQ_INT(x.has_ts, 1);
        T_EQ_INT(x.nsack, 0);                            /* 8n - 2 bytes of blocks: ignored */
        T_EQ_INT(x.mss, 0);
    }
}

/* ---- the fast path (fast.c) against the general decoder ---- */

#include "../../src/decode/decode_int.h"

/* The name of the first field in which a and b differ, or NULL. `why`
 * is compared as text, everything else as stored. */
static const char *pkt_diff(const sf_pkt *a, const sf_pkt *b)
{
#define D(f) if (memcmp(&a->f, &b->f, sizeof a->f)) return #f;
    D(frame) D(ts.sec) D(ts.nsec) D(ts.prec) D(caplen) D(wirelen) D(dlt) D(status) D(l2)
    D(ethertype) D(nvlan) D(vlan) D(ipver) D(src) D(dst) D(l3) D(l3_caplen) D(ip_hlen) D(ip_len)
    D(ttl) D(tos) D(ip_id) D(ip_frag) D(flowlabel) D(ip_first_frag) D(l4) D(l4_caplen) D(seg_len)
    D(sport) D(dport) D(seq) D(ack) D(flags) D(win) D(cksum) D(urp) D(hlen) D(trunc_hdr)
    D(trunc_opt) D(bad_hlen) D(opt) D(opt_len) D(mss) D(wscale) D(sack_perm) D(has_ts) D(ts_val)
    D(ts_ecr) D(nsack) D(sack) D(src_name) D(dst_name) D(ts_missing) D(len) D(payload)
    D(payload_caplen) D(ts_td_usec)
#undef D
    if ((a->why == NULL) != (b->why == NULL) || (a->why && strcmp(a->why, b->why))) return "why";
    return NULL;
}

static uint32_t rng_state = 2463534242u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Decode buf[0..caplen) both ways: sf_decode into a record left dirty (by
 * the frame before, or garbage: every field must be written) and the
 * general decoder into a clean one. Returns the differing field or NULL. */
static const char *both_ways(int dlt, const uint8_t *buf, uint32_t caplen, uint32_t wirelen,
                             sf_pkt *dirty, sf_dec_status *st)
{
    sf_pkt ref;
    memset(&ref, 0, sizeof ref);
    if (rng() % 4 == 0) memset(dirty, (int)(rng() & 0xff), sizeof *dirty);
    ref.frame = dirty->frame = 9;
    ref.ts.sec = dirty->ts.sec = 1700000000;
    ref.ts.nsec = dirty->ts.nsec = 5000;
    ref.ts.prec = dirty->ts.prec = 6;
    ref.ts_td_usec = dirty->ts_td_usec = 5;
    ref.caplen = dirty->caplen = caplen;
    ref.wirelen = dirty->wirelen = wirelen;
    sf_dec_general(&ref, dlt, buf);
    *st = sf_decode(dirty, dlt, buf);
    return pkt_diff(dirty, &ref);
}

TEST(fast_path_equals_general_decoder)
{
    static const uint8_t ts_opts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0 };
    static const uint8_t sack_opts[24] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0,
                                           1, 1, 5, 10, 0, 0, 0, 5, 0, 0, 0, 9 };
    static const uint8_t odd_opts[8] = { 3, 3, 14, 2, 4, 2, 0, 0 }; /* wscale 14, sackOK, EOL */
    static const uint8_t win_opts[12] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2 };
    const struct { const uint8_t *o; size_t n; } opts[] = {
        { NULL, 0 }, { ts_opts, 12 }, { syn_opts, 20 }, { sack_opts, 24 }, { odd_opts, 8 }, { win_opts, 12 } };
    /* link prefixes: Ethernet with 0..3 VLAN tags, SLL, SLL2, raw, IPv4/IPv6 link types */
    enum { L_ETH, L_VLAN1, L_VLAN2, L_VLAN3, L_SLL, L_SLL2, L_RAW, L_DLT_IP, L_NLINK };
    long ntcp = 0, nother = 0, nframes = 0;
    sf_pkt dirty;
    memset(&dirty, 0xa5, sizeof dirty);
    for (int link = 0; link < L_NLINK; link++)
        for (int ipv = 4; ipv <= 6; ipv += 2)
            for (int ihl = 5; ihl <= (ipv == 4 ? 6 : 5); ihl++)
                for (size_t oi = 0; oi < sizeof opts / sizeof opts[0]; oi++) {
                    pb p = { .n = 0 };
                    unsigned et = ipv == 4 ? 0x0800 : 0x86dd;
                    int dlt = DLT_EN10MB;
                    switch (link) {
                    case L_ETH: eth(&p, et); break;
                    case L_VLAN1: case L_VLAN2: case L_VLAN3:
                        eth(&p, 0x8100);
                        for (int v = 0; v < link - L_ETH; v++) {
                            put16(&p, 0x3000u | (unsigned)(10 + v));
                            put16(&p, v + 1 < link - L_ETH ? 0x8100 : et);
                        }
                        break;
                    case L_SLL:
                        dlt = DLT_LINUX_SLL;
                        put16(&p, 0); put16(&p, 1); put16(&p, 6); put32(&p, 0); put32(&p, 0); put16(&p, et);
                        break;
                    case L_SLL2:
                        dlt = 276;
                        put16(&p, et); put16(&p, 0); put32(&p, 3); put16(&p, 1); put8(&p, 0); put8(&p, 6);
                        put32(&p, 0); put32(&p, 0);
                        break;
                    case L_RAW: dlt = DLT_RAW; break;
                    case L_DLT_IP: dlt = ipv == 4 ? 228 : 229; break;
                    }
                    size_t tcp_len = 20 + opts[oi].n + 30;
                    if (ipv == 4) ipv4(&p, (unsigned)ihl, (unsigned)(ihl * 4 + tcp_len), 0x4000, 6);
                    else ipv6(&p, (unsigned)tcp_len, 6);
                    tcp(&p, 0x018, opts[oi].o, opts[oi].n);
                    for (int i = 0; i < 30; i++) put8(&p, 'a' + i % 26);
                    size_t l3 = p.n - (ipv == 4 ? (size_t)ihl * 4 : 40) - tcp_len;
                    for (int m = 0; m < 400; m++) {
                        pb q = p;
                        uint32_t caplen = (uint32_t)q.n, wirelen = (uint32_t)q.n;
                        if (m > 0) {
                            /* a few bytes changed in the headers (biased to values
                             * that matter there), the snaplen or the wire length */
                            static const uint8_t vals[] = { 0, 1, 2, 5, 6, 8, 10, 0x44, 0x45, 0x46,
                                                            0x4f, 0x60, 0x81, 0x86, 0xdd, 0xff };
                            int k = 1 + (int)(rng() % 3);
                            for (int j = 0; j < k; j++) {
                                size_t at = rng() % (l3 + 20 + 20 + opts[oi].n + 4);
                                q.b[at] = rng() % 2 ? vals[rng() % sizeof vals] : (uint8_t)rng();
                            }
                            switch (rng() % 4) {
                            case 0: caplen = rng() % (caplen + 1); break;
                            case 1: wirelen = rng() % (wirelen + 60); break;
                            case 2: wirelen += rng() % 2000; break;
                            default: break;
                            }
                            if (caplen > wirelen && rng() % 2) wirelen = caplen;
                        }
                        sf_dec_status st;
                        const char *d = both_ways(dlt, q.b, caplen, wirelen, &dirty, &st);
                        nframes++;
                        if (st == SF_DEC_TCP) ntcp++; else nother++;
                        if (d) {
                            fprintf(stderr, "link %d ipv%d ihl %d opts %zu mutation %d: ", link, ipv, ihl, oi, m);
                            T_EQ_STR(d, "(no difference)");
                            return;
                        }
                    }
                }
    /* both outcomes well represented */
    T_CHECK(ntcp > nframes / 4);
    T_CHECK(nother > nframes / 10);
    /* pkt_diff and the fast path know every field of this layout: a field
     * added to sf_pkt must be written by fast.c and compared above too */
    if (sizeof(void *) == 8) T_EQ_INT(sizeof(sf_pkt), 296);
}

/* sf_decode_again, into one record decoded over and over (as the mapped
 * pcap reader's), equals the general decoder on a random sequence of
 * frames of every shape -- untagged Ethernet/IPv4 with and without
 * timestamps or SACK blocks (the shortcut), IPv6, VLAN, SLL, mutated,
 * cut -- so that every shape follows every other. dec_shape is the
 * decoder's own and not compared. */
TEST(decode_again_equals_general_decoder)
{
    static const uint8_t ts_opts[12] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0 };
    static const uint8_t sack_opts[24] = { 1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0,
                                           1, 1, 5, 10, 0, 0, 0, 5, 0, 0, 0, 9 };
    const struct { const uint8_t *o; size_t n; } opts[] = {
        { NULL, 0 }, { ts_opts, 12 }, { ts_opts, 12 }, { ts_opts, 12 }, { syn_opts, 20 }, { sack_opts, 24 } };
    enum { NPOOL = 600 };
    static pb pool[NPOOL];
    static uint32_t cap[NPOOL], wire[NPOOL];
    static int dlts[NPOOL];
    for (int i = 0; i < NPOOL; i++) {
        pb *p = &pool[i];
        p->n = 0;
        int kind = (int)(rng() % 8);                 /* 0-4: untagged IPv4 (the usual) */
        int ipv = kind == 5 || kind == 6 ? 6 : 4;
        unsigned et = ipv == 4 ? 0x0800 : 0x86dd;
        dlts[i] = DLT_EN10MB;
        if (kind == 6) { eth(p, 0x8100); put16(p, 0x3000u | 10); put16(p, et); }
        else if (kind == 7) {
            dlts[i] = DLT_LINUX_SLL;
            put16(p, 0); put16(p, 1); put16(p, 6); put32(p, 0); put32(p, 0); put16(p, et);
        } else eth(p, et);
        size_t oi = rng() % (sizeof opts / sizeof opts[0]);
        size_t pay = rng() % 3 == 0 ? 0 : 1 + rng() % 40;
        size_t tcp_len = 20 + opts[oi].n + pay;
        unsigned ihl = rng() % 8 == 0 ? 6 : 5;
        if (ipv == 4) ipv4(p, ihl, (unsigned)(ihl * 4 + tcp_len), rng() % 2 ? 0x4000 : 0, 6);
        else ipv6(p, (unsigned)tcp_len, 6);
        size_t l3 = p->n - (ipv == 4 ? ihl * 4 : 40);
        tcp(p, rng() % 2 ? 0x010 : 0x018, opts[oi].o, opts[oi].n);
        for (size_t k = 0; k < pay; k++) put8(p, 'a' + (unsigned)k % 26);
        p->b[l3 + (ipv == 4 ? 12 : 8) + 3] = (uint8_t)rng();   /* addresses and ports vary */
        p->b[l3 + (ipv == 4 ? ihl * 4 : 40) + 1] = (uint8_t)rng();
        cap[i] = wire[i] = (uint32_t)p->n;
        if (rng() % 5 == 0) {                        /* a few bytes changed, or cut */
            static const uint8_t vals[] = { 0, 1, 2, 5, 6, 8, 10, 0x44, 0x45, 0x46, 0x4f, 0x81, 0xdd, 0xff };
            size_t at = rng() % p->n;
            p->b[at] = rng() % 2 ? vals[rng() % sizeof vals] : (uint8_t)rng();
            if (rng() % 3 == 0) cap[i] = rng() % (cap[i] + 1);
            if (rng() % 4 == 0) wire[i] += rng() % 100;
        }
    }
    sf_pkt again, ref;
    memset(&again, 0, sizeof again);
    long kept = 0, ntcp = 0, n = 40000;
    for (long k = 0; k < n; k++) {
        int i = (int)(rng() % NPOOL);
        memset(&ref, 0, sizeof ref);
        ref.frame = again.frame = (uint64_t)k + 1;
        ref.ts.sec = again.ts.sec = 1700000000 + k;
        ref.ts.nsec = again.ts.nsec = (uint32_t)k * 1000u;
        ref.ts.prec = again.ts.prec = 6;
        ref.ts_td_usec = again.ts_td_usec = (uint32_t)k;
        ref.caplen = again.caplen = cap[i];
        ref.wirelen = again.wirelen = wire[i];
        sf_dec_general(&ref, dlts[i], pool[i].b);
        if (again.dec_shape == 6) kept++;            /* SHAPE_ETH4 | SHAPE_NOSACK (fast.c) */
        sf_dec_status st = sf_decode_again(&again, dlts[i], pool[i].b);
        if (st == SF_DEC_TCP) ntcp++;
        const char *d = pkt_diff(&again, &ref);
        if (d) {
            fprintf(stderr, "frame %ld (pool %d, dlt %d, caplen %u): ", k, i, dlts[i], cap[i]);
            T_EQ_STR(d, "(no difference)");
            return;
        }
    }
    T_CHECK(kept > n / 3);       /* the shortcut ran often, */
    T_CHECK(ntcp < n - n / 50);  /* and not every frame was TCP */
}

TEST(cursor_peeks_fail_closed)
{
    static const uint8_t b[6] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc };
    sf_cur c = sf_cur_make(b, sizeof b);
    T_EQ_INT(sf_peek_u8(&c, 5), 0xbc);
    T_EQ_INT(sf_peek_be16(&c, 4), 0x9abc);
    T_EQ_INT(sf_peek_be32(&c, 2), 0x56789abc);
    T_EQ_INT(sf_peek_u8(&c, 6), 0);       /* past the end: 0, nothing read */
    T_EQ_INT(sf_peek_be16(&c, 5), 0);
    T_EQ_INT(sf_peek_be32(&c, 3), 0);
    uint8_t d[2] = { 7, 7 };
    T_EQ_INT(sf_peek_bytes(&c, 5, d, 2), -1);
    T_EQ_INT(d[0], 7);
    T_EQ_INT(sf_peek_bytes(&c, 4, d, 2), 0);
    T_EQ_INT(d[1], 0xbc);
    T_CHECK(sf_cur_ok(&c) && c.p == b);   /* peeks never move or fail the cursor */
    sf_cur_limit(&c, 10);                 /* never lengthens */
    T_EQ_INT(sf_cur_left(&c), 6);
    sf_cur_limit(&c, 3);
    T_EQ_INT(sf_cur_left(&c), 3);
    T_EQ_INT(sf_peek_be32(&c, 0), 0);
}

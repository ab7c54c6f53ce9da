/* \summary: unit tests of the tcpdump line formatter: relative seq, options, timestamps, truncation */
#include "t.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "../../src/render/tcpdump.h"
#include "../../src/decode/decode.h"

/* Format one packet with the given table/options; returns a static string. */
static const char *fmt(const sf_pkt *p, sf_tdseq *t, int abs_seq, int ts_mode)
{
    static char buf[2048];
    FILE *f = tmpfile();
    sf_out o;
    sf_out_init(&o, fileno(f), 4096);
    sf_tdfmt ff = { abs_seq, ts_mode };
    int r = sf_tcpdump_line(&o, p, t, &ff);
    sf_out_flush(&o);
    sf_out_free(&o);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    if (!r) return "(no line)";
    return buf;
}

/* A TCP record as the text backend would build it: no raw headers. */
static sf_pkt mk(const char *src, unsigned sport, const char *dst, unsigned dport,
                 uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.status = SF_DEC_TCP;
    p.ipver = 4;
    unsigned a, b, c, d;
    sscanf(src, "%u.%u.%u.%u", &a, &b, &c, &d);
    p.src[0] = (uint8_t)a; p.src[1] = (uint8_t)b; p.src[2] = (uint8_t)c; p.src[3] = (uint8_t)d;
    sscanf(dst, "%u.%u.%u.%u", &a, &b, &c, &d);
    p.dst[0] = (uint8_t)a; p.dst[1] = (uint8_t)b; p.dst[2] = (uint8_t)c; p.dst[3] = (uint8_t)d;
    p.sport = (uint16_t)sport;
    p.dport = (uint16_t)dport;
    p.flags = flags;
    p.seq = seq;
    p.ack = ack;
    p.win = 512;
    p.hlen = 20;
    p.len = len;
    p.seg_len = 20 + len;
    p.ts.sec = 1726642892;
    p.ts.nsec = 461594000;
    p.ts.prec = 6;
    p.wscale = -1;
    return p;
}

TEST(tcpdump_relative_sequence_numbers)
{
    sf_tdseq *t = sf_tdseq_new();
    sf_pkt syn = mk("192.168.0.50", 58626, "192.168.0.52", 8080, SF_TH_SYN, 2169630313u, 0, 0);
    sf_pkt sa = mk("192.168.0.52", 8080, "192.168.0.50", 58626, SF_TH_SYN | SF_TH_ACK, 828247081u,
                   2169630314u, 0);
    sf_pkt ack = mk("192.168.0.50", 58626, "192.168.0.52", 8080, SF_TH_ACK, 2169630314u, 828247082u, 0);
    sf_pkt dat = mk("192.168.0.50", 58626, "192.168.0.52", 8080, SF_TH_ACK | SF_TH_PSH, 2169630314u,
                    828247082u, 97);
    sf_pkt fin = mk("192.168.0.52", 8080, "192.168.0.50", 58626, SF_TH_ACK | SF_TH_FIN, 828247082u,
                    2169630411u, 0);
    T_EQ_STR(fmt(&syn, t, 0, 1), "1726642892.461594 IP 192.168.0.50.58626 > 192.168.0.52.8080: "
             "Flags [S], seq 2169630313, win 512, length 0");
    T_EQ_STR(fmt(&sa, t, 0, 1), "1726642892.461594 IP 192.168.0.52.8080 > 192.168.0.50.58626: "
             "Flags [S.], seq 828247081, ack 2169630314, win 512, length 0");
    T_EQ_STR(fmt(&ack, t, 0, 1), "1726642892.461594 IP 192.168.0.50.58626 > 192.168.0.52.8080: "
             "Flags [.], ack 1, win 512, length 0");
    T_EQ_STR(fmt(&dat, t, 0, 1), "1726642892.461594 IP 192.168.0.50.58626 > 192.168.0.52.8080: "
             "Flags [P.], seq 1:98, ack 1, win 512, length 97");
    T_EQ_STR(fmt(&fin, t, 0, 1), "1726642892.461594 IP 192.168.0.52.8080 > 192.168.0.50.58626: "
             "Flags [F.], seq 1, ack 98, win 512, length 0");
    /* -S: absolute, the table untouched */
    T_EQ_STR(fmt(&dat, NULL, 1, 1), "1726642892.461594 IP 192.168.0.50.58626 > 192.168.0.52.8080: "
             "Flags [P.], seq 2169630314:2169630411, ack 828247082, win 512, length 97");
    sf_tdseq_free(t);

    /* without a handshake the first ACK-bearing packet prints absolute numbers
     * and sets the base: its own seq, and its ack - 1 for the other side */
    t = sf_tdseq_new();
    T_EQ_STR(fmt(&dat, t, 0, 1), "1726642892.461594 IP 192.168.0.50.58626 > 192.168.0.52.8080: "
             "Flags [P.], seq 2169630314:2169630411, ack 828247082, win 512, length 97");
    T_EQ_STR(fmt(&fin, t, 0, 1), "1726642892.461594 IP 192.168.0.52.8080 > 192.168.0.50.58626: "
             "Flags [F.], seq 1, ack 97, win 512, length 0");
    sf_tdseq_free(t);
}

TEST(tcpdump_timestamps)
{
    sf_pkt p = mk("10.0.0.1", 1, "10.0.0.2", 2, SF_TH_SYN, 5, 0, 0);
    setenv("TZ", "UTC", 1);
    tzset();
    T_CHECK(strncmp(fmt(&p, NULL, 1, 0), "07:01:32.461594 IP ", 19) == 0);
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    const char *s = fmt(&p, NULL, 1, 0);
    /* with zoneinfo installed: 15:01 (without it glibc falls back to UTC) */
    if (access("/usr/share/zoneinfo/Asia/Shanghai", R_OK) == 0)
        T_CHECK(strncmp(s, "15:01:32.461594 IP ", 19) == 0);
    else
        T_CHECK(strncmp(s, "07:01:32.461594 IP ", 19) == 0);
    setenv("TZ", "UTC", 1);
    tzset();
    /* a nanosecond capture prints microseconds (tcpdump reads with µs precision) */
    p.l2 = (const uint8_t *)"x";
    p.ts.prec = 9;
    p.ts.nsec = 461594999;
    p.ts_td_usec = 461594;
    T_CHECK(strncmp(fmt(&p, NULL, 1, 1), "1726642892.461594 IP", 20) == 0);
    /* text input that carried nanoseconds keeps them; -t text has none */
    p.l2 = NULL;
    T_CHECK(strncmp(fmt(&p, NULL, 1, 1), "1726642892.461594999 IP", 23) == 0);
    p.ts_missing = 1;
    T_CHECK(strncmp(fmt(&p, NULL, 1, 1), "IP 10.0.0.1.1 > ", 16) == 0);
    /* tcpdump 4.99.3's quirks: seconds with bit 31 set cannot be converted;
     * -tt prints the seconds as a 32-bit unsigned (pcapng holds 64 bits) */
    p.ts_missing = 0;
    p.l2 = (const uint8_t *)"x";
    p.ts.prec = 6;
    p.ts_td_usec = 5;
    p.ts.sec = -1;
    T_CHECK(strncmp(fmt(&p, NULL, 1, 0), "[Error converting time] IP ", 27) == 0);
    T_CHECK(strncmp(fmt(&p, NULL, 1, 1), "[Error converting time] IP ", 27) == 0);
    p.ts.sec = 4294967396LL; /* 2^32 + 100 */
    T_CHECK(strncmp(fmt(&p, NULL, 1, 1), "100.000005 IP ", 14) == 0);
    T_CHECK(strncmp(fmt(&p, NULL, 1, 0), "06:29:56.000005 IP ", 19) == 0);
}

TEST(tcpdump_names_ipv6_and_flags)
{
    sf_pkt p = mk("10.0.0.1", 1, "10.0.0.2", 2, SF_TH_SYN | SF_TH_ECE | SF_TH_CWR, 5, 0, 0);
    p.src_name = "client.example";
    p.dst_name = "server";
    p.ts_missing = 1;
    T_EQ_STR(fmt(&p, NULL, 1, 0), "IP client.example.1 > server.2: Flags [SEW], seq 5, win 512, length 0");
    sf_pkt q = mk("0.0.0.0", 443, "0.0.0.0", 5000, 0, 7, 0, 0);
    q.ipver = 6;
    memset(q.src, 0, 16);
    q.src[15] = 1;
    memset(q.dst, 0, 16);
    q.dst[0] = 0xfe; q.dst[1] = 0x80; q.dst[15] = 2;
    q.ts_missing = 1;
    T_EQ_STR(fmt(&q, NULL, 1, 0), "IP6 ::1.443 > fe80::2.5000: Flags [none], win 512, length 0");
    char b[16];
    T_EQ_STR(sf_tcpdump_flags(SF_TH_FIN | SF_TH_PSH | SF_TH_ACK, b), "FP.");
    T_EQ_STR(sf_tcpdump_flags(SF_TH_RST | SF_TH_URG, b), "RU");
}

/* options: the bytes after the fixed header */
static const char *with_opts(const uint8_t *o, size_t n, size_t captured, uint16_t flags)
{
    static sf_pkt p;
    p = mk("1.2.3.4", 1000, "5.6.7.8", 80, flags, 100, 0, 0);
    p.ts_missing = 1;
    p.hlen = (uint16_t)(20 + n);
    p.seg_len = p.hlen;
    p.opt = o;
    p.opt_len = (uint32_t)captured;
    p.trunc_opt = captured < n;
    const char *s = fmt(&p, NULL, 1, 0);
    const char *k = strstr(s, "options [");
    return k ? k : s;
}

TEST(tcpdump_options)
{
    static const uint8_t syn[20] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 7, 0, 0, 0, 0, 1, 3, 3, 7 };
    T_EQ_STR(with_opts(syn, 20, 20, SF_TH_SYN),
             "options [mss 1460,sackOK,TS val 7 ecr 0,nop,wscale 7], length 0");
    /* cut by the snaplen inside TS: " [|tcp]>" (not the first option) */
    T_EQ_STR(with_opts(syn, 20, 12, SF_TH_SYN), "options [mss 1460,sackOK,TS [|tcp]>");
    /* inside the first option: no '>' */
    T_EQ_STR(with_opts(syn, 20, 3, SF_TH_SYN), "options [mss [|tcp]");
    /* before an option's kind byte: tcpdump's longjmp form */
    T_EQ_STR(with_opts(syn, 20, 4, SF_TH_SYN), "options [mss 1460, [|tcp]");
    static const uint8_t uto[4] = { 28, 4, 0x01, 0x2d };
    T_EQ_STR(with_opts(uto, 4, 4, SF_TH_ACK), "options [uto 0x12d 9000], length 0");
    /* kind 34: tcpdump prints two spaces (" " then " cookie") */
    static const uint8_t tfo[12] = { 34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1 };
    T_EQ_STR(with_opts(tfo, 12, 12, SF_TH_SYN), "options [tfo  cookie 0102030405060708,nop,nop], length 0");
    static const uint8_t tfoq[4] = { 34, 2, 1, 1 };
    T_EQ_STR(with_opts(tfoq, 4, 4, SF_TH_SYN), "options [tfo  cookiereq,nop,nop], length 0");
    static const uint8_t exp[8] = { 254, 4, 0xf9, 0x89, 254, 4, 0x12, 0x34 };
    T_EQ_STR(with_opts(exp, 8, 8, SF_TH_SYN), "options [exp-tfo cookiereq,exp-1234], length 0");
    static const uint8_t unk[4] = { 99, 4, 0xab, 0xcd };
    T_EQ_STR(with_opts(unk, 4, 4, SF_TH_ACK), "options [unknown-99 0xabcd], length 0");
    static const uint8_t ao[8] = { 29, 8, 1, 2, 0xaa, 0xbb, 0xcc, 0xdd };
    T_EQ_STR(with_opts(ao, 8, 8, SF_TH_ACK), "options [tcp-ao keyid 1 rnextkeyid 2 mac 0xaabbccdd], length 0");
    static const uint8_t badlen[4] = { 1, 2, 9, 0 };
    T_EQ_STR(with_opts(badlen, 4, 4, SF_TH_ACK), "options [nop,[bad opt]]");
    static const uint8_t mss5[8] = { 2, 5, 5, 0xb4, 0, 0, 0, 0 };
    T_EQ_STR(with_opts(mss5, 8, 8, SF_TH_SYN), "options [mss 1460[len 5],eol], length 0");
    static const uint8_t mp[12] = { 30, 8, 0x20, 0x01, 0, 0, 0, 9, 1, 1, 1, 1 };
    T_EQ_STR(with_opts(mp, 12, 12, SF_TH_ACK), "options [mptcp 8 dss ack 9,nop,nop,nop,nop], length 0");
    /* a DSS longer than its fields: bad option (not the first: "]" closes) */
    static const uint8_t mpl[12] = { 1, 1, 30, 10, 0x20, 0x01, 0, 0, 0, 9, 0, 0 };
    T_EQ_STR(with_opts(mpl, 12, 12, SF_TH_ACK), "options [nop,nop,mptcp 10 dss ack 9[bad opt]]");
    static const uint8_t mpsyn[4] = { 30, 3, 0x20, 0 };
    T_EQ_STR(with_opts(mpsyn, 4, 4, SF_TH_SYN), "options [mptcp 3 dss[bad opt]");
}

TEST(tcpdump_sack_relative_and_bad_header)
{
    sf_tdseq *t = sf_tdseq_new();
    sf_pkt a = mk("1.1.1.1", 80, "2.2.2.2", 9000, SF_TH_ACK, 5000, 1000, 0);
    fmt(&a, t, 0, 1); /* sets the base: seq 5000 for 1.1.1.1:80, ack-1 = 999 for the peer */
    static const uint8_t sack[12] = { 1, 1, 5, 10, 0, 0, 0x13, 0x88 + 0, 0, 0, 0x17, 0x70 };
    sf_pkt b = mk("2.2.2.2", 9000, "1.1.1.1", 80, SF_TH_ACK, 1000, 5000, 0);
    b.ts_missing = 1;
    b.hlen = 32;
    b.seg_len = 32;
    b.opt = sack;
    b.opt_len = 12;
    /* sender 9000 > 80: collated in reverse; edges relative to the base of 1.1.1.1's data */
    T_EQ_STR(fmt(&b, t, 0, 1), "IP 2.2.2.2.9000 > 1.1.1.1.80: Flags [.], ack 0, win 512, "
             "options [nop,nop,sack 1 {0:1000}], length 0");
    sf_tdseq_free(t);

    sf_pkt c = mk("1.1.1.1", 80, "2.2.2.2", 9000, SF_TH_SYN, 1, 0, 0);
    c.ts_missing = 1;
    c.status = SF_DEC_MALFORMED;
    c.bad_hlen = 1;
    c.hlen = 8;
    T_EQ_STR(fmt(&c, NULL, 1, 0), "IP 1.1.1.1.80 > 2.2.2.2.9000:  tcp 12 [bad hdr length 8 - too short, < 20]");
    c.hlen = 44;
    T_EQ_STR(fmt(&c, NULL, 1, 0), "IP 1.1.1.1.80 > 2.2.2.2.9000: Flags [S] [bad hdr length 44 - too long, > 20]");
    /* non-TCP frames print nothing */
    c.status = SF_DEC_NOT_TCP;
    c.bad_hlen = 0;
    T_EQ_STR(fmt(&c, NULL, 1, 0), "(no line)");
}

/* IPv6 extension headers as tcpdump shows them, from decoded bytes */
static const char *fmt6(const uint8_t *b, size_t n)
{
    static sf_pkt p;
    memset(&p, 0, sizeof p);
    p.caplen = p.wirelen = (uint32_t)n;
    sf_decode(&p, 12 /* DLT_RAW */, b);
    p.ts_missing = 1;
    return fmt(&p, NULL, 1, 0);
}

TEST(tcpdump_ipv6_extension_prefixes)
{
    uint8_t b[200];
    size_t n = 0;
    static const uint8_t hdr[8] = { 0x60, 0, 0, 0, 0, 0, 51, 64 };
    memcpy(b, hdr, 8); n = 8;
    memset(b + n, 0, 32); b[n + 15] = 1; b[n + 31] = 2; n += 32;
    /* AH: next TCP, len 2 (16 bytes, 4 of ICV) */
    static const uint8_t ah[16] = { 6, 2, 0, 0, 0, 0, 0x12, 0x34, 0, 0, 0, 5, 0xde, 0xad, 0xbe, 0xef };
    memcpy(b + n, ah, 16); n += 16;
    static const uint8_t tcp[20] = { 0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 2, 0, 0, 0, 0, 0 };
    memcpy(b + n, tcp, 20); n += 20;
    b[4] = 0; b[5] = 36;
    T_EQ_STR(fmt6(b, n), "IP6 ::1 > ::2: AH(spi=0x00001234,seq=0x5,icv=0xdeadbeef): 40000 > 80: "
             "Flags [S], seq 1, win 512, length 0");
    /* after AH, another extension header is not followed by tcpdump */
    b[40] = 60;
    static const uint8_t dst[8] = { 6, 0, 1, 4, 0, 0, 0, 0 };
    memcpy(b + 56, dst, 8);
    memcpy(b + 64, tcp, 20);
    b[5] = 44;
    T_EQ_STR(fmt6(b, 84), "IP6 ::1 > ::2: AH(spi=0x00001234,seq=0x5,icv=0xdeadbeef):  ip-proto-60 28");
    /* a routing header of an unknown type stops the line */
    b[6] = 43;
    static const uint8_t rt[8] = { 6, 0, 9, 0, 0, 0, 0, 0 };
    memcpy(b + 40, rt, 8);
    memcpy(b + 48, tcp, 20);
    b[5] = 28;
    T_EQ_STR(fmt6(b, 68), "IP6 ::1 > ::2: RT6 (len=0, type=9, segleft=0 (unknown type) (invalid)");
    /* a payload length beyond the frame: tcpdump's notice, no space after it */
    b[6] = 6;
    memcpy(b + 40, tcp, 20);
    b[5] = 30;
    T_EQ_STR(fmt6(b, 60), "IP6 truncated-ip6 - 10 bytes missing!::1.40000 > ::2.80: Flags [S], seq 1:11, "
             "win 512, length 10");
}

/* \summary: unit tests of the tcpdump text input: line parser, options, sequence rebuild, backend */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "t.h"
#include "../../src/source/text_parse.h"
#include "../../src/source/text_seq.h"
#include "../../src/source/backend.h"

static sf_txt_kind P(const char *s, sf_txt_line *L)
{
    return sf_txt_parse_line(s, strlen(s), L);
}

static uint32_t be32at(const uint8_t *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }

/* ---- the line parser ---- */

TEST(text_default_line_ipv4_options)
{
    sf_txt_line L;
    T_EQ_INT(P("13:51:40.966228 IP 114.242.250.59.41033 > 172.17.51.219.443: Flags [S], seq 1328522649, "
               "win 65535, options [mss 1360,nop,wscale 6,nop,nop,TS val 555445081 ecr 0,sackOK,eol], length 0", &L),
             SF_TXT_TCP);
    T_EQ_INT(L.ts_kind, SF_TXT_TS_HMS);
    T_EQ_INT(L.ts_sec, 13 * 3600 + 51 * 60 + 40);
    T_EQ_INT(L.ts_nsec, 966228000);
    T_EQ_INT(L.ts_prec, 6);
    T_EQ_INT(L.ipver, 4);
    T_EQ_INT(L.src[0], 114); T_EQ_INT(L.src[3], 59);
    T_EQ_INT(L.dst[0], 172); T_EQ_INT(L.dst[3], 219);
    T_EQ_INT(L.sport, 41033); T_EQ_INT(L.dport, 443);
    T_EQ_INT(L.flags, 0x002);
    T_CHECK(L.has_seq && !L.has_end && !L.has_ack);
    T_EQ_INT(L.seq, 1328522649u);
    T_EQ_INT(L.win, 65535);
    T_EQ_INT(L.len, 0);
    T_EQ_INT(L.mss, 1360); T_EQ_INT(L.wscale, 6); T_EQ_INT(L.sack_perm, 1);
    T_EQ_INT(L.has_ts, 1); T_EQ_INT(L.ts_val, 555445081u); T_EQ_INT(L.ts_ecr, 0);
    /* 4 + 1 + 3 + 1 + 1 + 10 + 2 + 1 bytes, in order */
    const uint8_t want[] = { 2, 4, 0x05, 0x50, 1, 3, 3, 6, 1, 1, 8, 10, 0x21, 0x1b, 0x6b, 0x59, 0, 0, 0, 0, 4, 2, 0 };
    T_EQ_INT(L.opt_len, sizeof want + 1); /* the pad byte after eol (not printed) */
    T_CHECK(memcmp(L.opt, want, sizeof want) == 0);
    T_EQ_INT(L.opt[23], 0);
}

TEST(text_data_line_seq_range_ack_flags)
{
    sf_txt_line L;
    T_EQ_INT(P("07:02:13.567619 IP bogon.9999 > localhost.56996: Flags [FP.], seq 18:594, ack 357, win 235, "
               "options [nop,nop,TS val 65504236 ecr 468068645], length 576", &L), SF_TXT_TCP);
    T_EQ_INT(L.flags, 0x001 | 0x008 | 0x010);
    T_CHECK(L.has_seq && L.has_end && L.has_ack);
    T_EQ_INT(L.seq, 18); T_EQ_INT(L.seq_end, 594); T_EQ_INT(L.ack, 357); T_EQ_INT(L.len, 576);
    T_EQ_STR(L.src_name, "bogon");
    T_EQ_STR(L.dst_name, "localhost");
    T_EQ_INT(L.src[0] & 0xf0, 0xf0); /* 240/4 pseudo-address */
    sf_txt_line M;
    P("07:02:13.570687 IP localhost.56996 > bogon.9999: Flags [.], ack 18, win 4103, length 0", &M);
    T_CHECK(memcmp(M.dst, L.src, 16) == 0 && memcmp(M.src, L.dst, 16) == 0); /* stable per name */
    T_CHECK(memcmp(L.src, L.dst, 16) != 0);
}

TEST(text_timestamp_forms)
{
    sf_txt_line L;
    P("1726642892.461594 IP 192.168.0.50.58626 > 192.168.0.52.8080: Flags [S], seq 1, win 2, length 0", &L);
    T_EQ_INT(L.ts_kind, SF_TXT_TS_EPOCH); T_EQ_INT(L.ts_sec, 1726642892); T_EQ_INT(L.ts_nsec, 461594000);
    P("2024-09-18 07:01:32.461594 IP 192.168.0.50.58626 > 192.168.0.52.8080: Flags [S], seq 1, win 2, length 0", &L);
    T_EQ_INT(L.ts_kind, SF_TXT_TS_DATE); T_EQ_INT(L.ts_sec, 1726642892); T_EQ_INT(L.ts_nsec, 461594000);
    P(" 00:00:00.000122 IP 192.168.0.52.8080 > 192.168.0.50.58626: Flags [S.], seq 1, ack 2, win 3, length 0", &L);
    T_EQ_INT(L.ts_kind, SF_TXT_TS_HMS); T_EQ_INT(L.ts_sec, 0); T_EQ_INT(L.ts_nsec, 122000);
    T_EQ_INT(L.ts_lead_space, 1);
    P("-00:00:01.500000 IP 1.2.3.4.1 > 5.6.7.8.2: Flags [.], ack 1, win 3, length 0", &L);
    T_EQ_INT(L.ts_neg, 1); T_EQ_INT(L.ts_sec, 1); T_EQ_INT(L.ts_nsec, 500000000);
    P("IP 192.168.0.50.58626 > 192.168.0.52.8080: Flags [S], seq 1, win 2, length 0", &L);
    T_EQ_INT(L.kind, SF_TXT_TCP); T_EQ_INT(L.ts_kind, SF_TXT_TS_NONE);
    P("07:01:32.461594123 IP 192.168.0.50.58626 > 192.168.0.52.8080: Flags [S], seq 1, win 2, length 0", &L);
    T_EQ_INT(L.ts_prec, 9); T_EQ_INT(L.ts_nsec, 461594123);
    P("1726642892.461594123 IP 192.168.0.50.58626 > 192.168.0.52.8080: Flags [S], seq 1, win 2, length 0", &L);
    T_EQ_INT(L.ts_prec, 9); T_EQ_INT(L.ts_nsec, 461594123);
}

TEST(text_ipv6_and_services)
{
    sf_txt_line L;
    T_EQ_INT(P("16:44:12.484983 IP6 2001:db8:1::1.443 > 2001:db8:1::2.52000: Flags [P.], seq 1:100, ack 7, "
               "win 500, length 99", &L), SF_TXT_TCP);
    T_EQ_INT(L.ipver, 6);
    T_EQ_INT(L.src[0], 0x20); T_EQ_INT(L.src[1], 0x01); T_EQ_INT(L.src[15], 1); T_EQ_INT(L.dst[15], 2);
    T_EQ_INT(L.sport, 443); T_EQ_INT(L.dport, 52000); T_EQ_INT(L.len, 99);
    T_EQ_INT(P("16:44:12.484983 IP6 ::ffff:1.2.3.4.80 > ::1.8080: Flags [S], seq 5, win 1, length 0", &L), SF_TXT_TCP);
    T_EQ_INT(L.src[12], 1); T_EQ_INT(L.src[15], 4); T_EQ_INT(L.sport, 80);
    T_EQ_INT(P("13:51:40.965707 IP client.example.com.41032 > 172.17.51.219.https: Flags [F.], seq 3, ack 4, win 2, length 0", &L),
             SF_TXT_TCP);
    T_EQ_STR(L.src_name, "client.example.com"); T_EQ_INT(L.dport, 443);
    T_EQ_INT(sf_txt_service_port("http", 4), 80);
    T_EQ_INT(sf_txt_service_port("http-alt", 8), 8080);
    T_EQ_INT(sf_txt_service_port("nosuchservice", 13), 0);
}

TEST(text_sack_blocks_and_rare_options)
{
    sf_txt_line L;
    P("10:00:00.000000 IP 10.0.0.1.80 > 10.0.0.2.5000: Flags [.], ack 1, win 10, options "
      "[nop,nop,TS val 1 ecr 2,nop,nop,sack 2 {1449:2897}{4345:5793}], length 0", &L);
    T_EQ_INT(L.nsack, 2);
    T_EQ_INT(L.sack[0][0], 1449); T_EQ_INT(L.sack[1][1], 5793);
    T_EQ_INT(L.opt[L.sack_off[0] - 2], 5); T_EQ_INT(L.opt[L.sack_off[0] - 1], 18);
    T_EQ_INT(be32at(L.opt + L.sack_off[1]), 4345);
    T_EQ_INT(L.opt_len, 2 + 10 + 2 + 18);
    P("10:00:00.000000 IP 1.1.1.1.1 > 2.2.2.2.2: Flags [S], seq 9, win 1, options "
      "[exp-tfo cookiereq,tfo cookie 01020304,unknown-161,unknown-48 0xaabb,md5 "
      "shared secret not supplied with -M, can't check - 02f77f975463199362b9fbfb089a2e56,eol], length 0", &L);
    const uint8_t want[] = { 254, 4, 0xf9, 0x89, 34, 6, 1, 2, 3, 4, 161, 2, 48, 4, 0xaa, 0xbb,
                             19, 18, 0x02, 0xf7 };
    T_EQ_INT(L.opt_len, sizeof want + 14 + 1 + 1); /* eol, then a zero pad byte */
    T_CHECK(memcmp(L.opt, want, sizeof want) == 0);
    T_EQ_INT(L.opt[L.opt_len - 2], 0);
    T_EQ_INT(L.opt[L.opt_len - 3], 0x56);
    P("10:00:00.000000 IP 1.1.1.1.1 > 2.2.2.2.2: Flags [S.], seq 9, ack 1, win 1, options "
      "[mss 1460,exp-acc0,wscale 7], length 0", &L);
    T_EQ_INT(L.opt_bad, 0);
    P("10:00:00.000000 IP 1.1.1.1.1 > 2.2.2.2.2: Flags [S], seq 9, win 1, options [uto 0x3 60,scps cap 0a id 7], length 0", &L);
    const uint8_t w2[] = { 28, 4, 0, 3, 20, 4, 0x0a, 7 };
    T_EQ_INT(L.opt_len, sizeof w2);
    T_CHECK(memcmp(L.opt, w2, sizeof w2) == 0);
    P("10:00:00.000000 IP 1.1.1.1.1 > 2.2.2.2.2: Flags [S.], seq 9, ack 1, win 1, options "
      "[mss 1460,exp-acc0,wscale 7], length 0", &L);
    T_EQ_INT(L.opt[4], 254); T_EQ_INT(L.opt[6], 0xac); T_EQ_INT(L.opt[7], 0xc0); T_EQ_INT(L.wscale, 7);
    /* 4 + 4 + 3 bytes do not fill words: the experimental option was longer than its text */
    T_EQ_INT(L.opt[5], 5); T_EQ_INT(L.opt_len, 12); T_EQ_INT(L.opt[9], 3);
    /* cut inside an option: it declared more than its printed bytes */
    P("05:27:12.999999 IP 48.48.48.48.12336 > 48.48.48.48.12336: Flags [.U], seq 1:2, ack 1, win 1, urg 1, "
      "options [unknown-48 0x3030303030303030 [|tcp]", &L);
    T_EQ_INT(L.opt_trunc, 1); T_EQ_INT(L.opt[0], 48); T_EQ_INT(L.opt[1], 11); T_EQ_INT(L.opt_len, 10);
}

TEST(text_mptcp_options)
{
    sf_txt_line L;
    P("15:40:42.768831 IP 10.1.1.2.37479 > 10.2.1.2.2002: Flags [.], ack 1, win 229, options [nop,nop,"
      "TS val 38230 ecr 4294943148,mptcp 20 capable v0 csum {0x9b59be3d695e66a7,0xd005b1ab34bad344}], length 0", &L);
    const uint8_t *m = L.opt + 12;
    T_EQ_INT(m[0], 30); T_EQ_INT(m[1], 20); T_EQ_INT(m[2], 0x00); T_EQ_INT(m[3] & 0x80, 0x80);
    T_EQ_INT(m[4], 0x9b); T_EQ_INT(m[19], 0x44);
    T_EQ_INT(L.opt_len, 32);
    P("15:40:42.768831 IP 10.1.1.2.37479 > 10.2.1.2.2002: Flags [P.], seq 1:21, ack 1, win 229, options [nop,nop,"
      "TS val 1 ecr 2,mptcp 20 dss ack 1 seq 2 subseq 1 len 20 csum 0x1c2b], length 20", &L);
    m = L.opt + 12;
    T_EQ_INT(m[1], 20); T_EQ_INT(m[2], 0x20); T_EQ_INT(m[3], 0x05);
    T_EQ_INT(be32at(m + 4), 1); T_EQ_INT(be32at(m + 8), 2); T_EQ_INT(be32at(m + 12), 1);
    T_EQ_INT(m[16], 0); T_EQ_INT(m[17], 20); T_EQ_INT(m[18], 0x1c); T_EQ_INT(m[19], 0x2b);
    P("15:40:42.768831 IP 10.1.1.2.37479 > 10.2.1.2.2002: Flags [.], ack 1, win 229, options "
      "[mptcp 12 dss ack 5066059553 seq 3], length 0", &L); /* nonsense length: must not overflow */
    T_EQ_INT(L.opt[1], 12);
    P("03:32:08.002213 IP 127.0.0.1.57370 > 127.0.0.1.23: Flags [S], seq 1736820995, win 32792, "
      "options [mss 16396,sackOK,TS val 597120308 ecr 0,mptcp 3 dss[bad opt]]", &L);
    T_EQ_INT(L.kind, SF_TXT_TCP); T_EQ_INT(L.opt_bad, 1); T_EQ_INT(L.has_len, 0);
    T_EQ_INT(L.opt[L.opt_len - 3], 30); T_EQ_INT(L.opt[L.opt_len - 2], 3); T_EQ_INT(L.opt[L.opt_len - 1], 0x20);
}

TEST(text_realigned_and_edited_lines)
{
    sf_txt_line L;
    T_EQ_INT(P("13:51:40.996812  IP  114.242.250.59.41033   >  172.17.51.219.443:      Flags [P.],   "
               "seq 1328522650:1328523173, ack 466300161,  length 523  ", &L), SF_TXT_TCP);
    T_EQ_INT(L.sport, 41033); T_EQ_INT(L.seq, 1328522650u); T_EQ_INT(L.len, 523); T_EQ_INT(L.has_win, 0);
    T_EQ_INT(P("20:18:58.495313 IP 114.242.249.148.58188 > 172.17.51.219.443: Flags [F.], seq 1024508534, "
               "ack 2329885927,length 0\r", &L), SF_TXT_TCP);
    T_EQ_INT(L.ack, 2329885927u); T_EQ_INT(L.has_len, 1);
    T_EQ_INT(P("\xef\xbb\xbf" "13:51:40.966228\tIP\t1.2.3.4.5 > 6.7.8.9.10:\tFlags [S],\xc2\xa0seq 7, win 9, length 0", &L),
             SF_TXT_TCP);
    T_EQ_INT(L.seq, 7); T_EQ_INT(L.ts_sec, 13 * 3600 + 51 * 60 + 40);
    /* full-width punctuation from a Chinese input method; a markdown quote */
    T_EQ_INT(P("> 13:51:40.966228 IP 1.2.3.4.5 > 6.7.8.9.10\xef\xbc\x9a Flags \xef\xbc\xbbS\xef\xbc\xbd\xef\xbc\x8c"
               "seq 7\xef\xbc\x8c win 9, length 0", &L), SF_TXT_TCP);
    T_EQ_INT(L.flags, 0x002); T_EQ_INT(L.seq, 7); T_EQ_INT(L.win, 9); T_EQ_INT(L.ts_kind, SF_TXT_TS_HMS);
    T_EQ_INT(P("[root@host ~]# 13:51:40.966228 IP 1.2.3.4.5 > 6.7.8.9.10: Flags [S], seq 7, win 9, length 0", &L),
             SF_TXT_TCP);
    T_EQ_INT(L.ts_kind, SF_TXT_TS_HMS);
    /* -v: header on one line, TCP part on the next */
    T_EQ_INT(P("13:51:40.965707 IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 52)", &L),
             SF_TXT_VHDR);
    T_EQ_INT(P("    114.242.250.59.41032 > 172.17.51.219.443: Flags [F.], cksum 0x1c2b (correct), seq 3249586170, "
               "ack 137328987, win 2061, length 0", &L), SF_TXT_TCP);
    T_EQ_INT(L.ts_kind, SF_TXT_TS_NONE); T_EQ_INT(L.ack, 137328987u); T_EQ_INT(L.win, 2061);
    /* -e: link-layer prefix */
    T_EQ_INT(P("13:51:40.965707 00:16:3e:00:00:01 > 00:16:3e:00:00:02, ethertype IPv4 (0x0800), length 66: "
               "114.242.250.59.41032 > 172.17.51.219.443: Flags [F.], seq 3, ack 4, win 5, length 0", &L), SF_TXT_TCP);
    T_EQ_INT(L.sport, 41032); T_EQ_INT(L.ipver, 4);
}

TEST(text_non_tcp_and_garbage)
{
    sf_txt_line L;
    T_EQ_INT(P("tcpdump: verbose output suppressed, use -v or -vv for full protocol decode", &L), SF_TXT_NONE);
    T_EQ_INT(P("listening on eth0, link-type EN10MB (Ethernet), capture size 262144 bytes", &L), SF_TXT_NONE);
    T_EQ_INT(P("30 packets captured", &L), SF_TXT_NONE);
    T_EQ_INT(P("...", &L), SF_TXT_NONE);
    T_EQ_INT(P("^C", &L), SF_TXT_NONE);
    T_EQ_INT(P("$ sudo tcpdump -i eth0 -nn port 443", &L), SF_TXT_NONE);
    T_EQ_INT(P("\xe6\x97\xb6\xe9\x97\xb4  \xe5\x8f\x91\xe9\x80\x81\xe7\xab\xaf IP:port", &L), SF_TXT_NONE);
    T_EQ_INT(P("", &L), SF_TXT_NONE);
    T_EQ_INT(P("21:15:38.705610 IP 169.229.147.203.49370 > 239.255.255.253.427: UDP, length 49", &L), SF_TXT_OTHER);
    T_EQ_INT(L.has_ipkw, 1);
    T_EQ_INT(P("13:20:23.013721 IP 10.80.131.1 > 10.80.131.254: ICMP echo request, id 59392, seq 0, length 64", &L),
             SF_TXT_OTHER);
    T_EQ_INT(P("13:20:23.013721 IP 10.0.0.1.80 > 10.0.0.2.5000: seq 1:5, ack 9, win 3, length 4", &L), SF_TXT_BAD);
    T_EQ_INT(P("21:15:38.705610 ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28", &L), SF_TXT_OTHER);
    T_EQ_INT(L.has_ipkw, 0);
    T_EQ_INT(P("17:19:33.684826 84:b5:9c:be:30:48 Unknown SSAP 0x10 > 0c:c4:7a:08:e9:12 Unknown DSAP 0x44 "
               "Information, send seq 0, rcv seq 26, Flags [Command], length 52", &L), SF_TXT_OTHER);
    T_EQ_INT(P("13:51:40.966228 IP 114.242.250.59.41033 > 172.17.51.219.443: Flags [S], seq abc, length 0", &L),
             SF_TXT_BAD);
    T_CHECK(L.why != NULL);
    T_EQ_INT(P("13:51:40.966228 IP garbage Flags [S], seq 1, length 0", &L), SF_TXT_BAD);
    T_EQ_INT(P("13:51:40.966228 IP 1.2.3.4.99999 > 5.6.7.8.1: Flags [S], seq 1, length 0", &L), SF_TXT_BAD);
    char junk[300];
    for (int i = 0; i < 299; i++) junk[i] = (char)(1 + (i * 37) % 254);
    junk[299] = 0;
    sf_txt_parse_line(junk, sizeof junk, &L); /* must not crash; any kind */
    T_CHECK(L.kind != SF_TXT_TCP);
}

TEST(text_truncation_forms)
{
    sf_txt_line L;
    T_EQ_INT(P("15:09:21.939724 IP6 2604:1380:4091:ce00::b > 2604:1380:4091:ce00::d: [|tcp]", &L), SF_TXT_TCP);
    T_EQ_INT(L.trunc, SF_TXT_TR_PORTS); T_EQ_INT(L.ipver, 6);
    T_EQ_INT(P("05:27:12.999999 IP 48.48.48.48.12336 > 48.48.48.48.12336:  [|tcp]", &L), SF_TXT_TCP);
    T_EQ_INT(L.trunc, SF_TXT_TR_HDR); T_EQ_INT(L.sport, 12336);
    T_EQ_INT(P("19:43:41.634774 IP 201.186.157.67.60827 > 128.3.26.249.25: Flags [SEW], seq 1041724894, win 5840, "
               "options [mss 1460,sackOK,TS [|tcp]>", &L), SF_TXT_TCP);
    T_EQ_INT(L.trunc, SF_TXT_TR_OPT); T_EQ_INT(L.opt_trunc, 1); T_EQ_INT(L.flags, 0x02 | 0x40 | 0x80);
    T_EQ_INT(L.opt_len, 8); T_EQ_INT(L.opt_declared, 8);
    T_EQ_INT(P("10:00:00.000000 IP 1.2.3.4.5 > 6.7.8.9.10:  tcp 0 [bad hdr length 16 - too short, < 20]", &L), SF_TXT_TCP);
    T_EQ_INT(L.bad_hlen, 1); T_EQ_INT(L.hlen, 16); T_EQ_INT(L.len, 0);
    T_EQ_INT(P("10:00:00.000000 IP 1.2.3.4.5 > 6.7.8.9.10: Flags [S] [bad hdr length 60 - too long, > 40]", &L), SF_TXT_TCP);
    T_EQ_INT(L.bad_hlen, 1); T_EQ_INT(L.hlen, 60); T_EQ_INT(L.seg_len_hint, 40);
    T_EQ_INT(P("05:27:12.999999 IP6 3030::1.10288 > 3030::2.12336: Flags [.U], seq 808464432:808476740, ack 808464432, "
               "win 12336, urg 12336, options [eol], length 12308 [remaining caplen(24) < header length(28)] [|tcp]", &L),
             SF_TXT_TCP);
    T_EQ_INT(L.trunc, SF_TXT_TR_PAYLOAD); T_EQ_INT(L.urp, 12336); T_EQ_INT(L.rem_caplen, 25); T_EQ_INT(L.len, 12308);
}

/* ---- sequence reconstruction ---- */

typedef struct lines_ctx { sf_txt_line *v; size_t n, cur; } lines_ctx;
static const sf_txt_line *peek(void *c, size_t i)
{
    lines_ctx *x = c;
    return x->cur + i < x->n ? &x->v[x->cur + i] : NULL;
}

static void rebuild(const char *const *txt, size_t n, sf_txseq_res *out)
{
    sf_txt_line *v = calloc(n, sizeof *v);
    for (size_t i = 0; i < n; i++) P(txt[i], &v[i]);
    sf_txseq *t = sf_txseq_new(1024);
    lines_ctx c = { v, n, 0 };
    for (size_t i = 0; i < n; i++) {
        c.cur = i;
        sf_txseq_apply(t, &v[i], (int64_t)i * 1000000000ll, peek, &c, &out[i]);
    }
    sf_txseq_free(t);
    free(v);
}

TEST(text_seq_relative_handshake)
{
    static const char *const txt[] = {
        "07:02:13.550468 IP 10.0.0.1.56996 > 172.25.5.55.9999: Flags [S], seq 836128203, win 65535, length 0",
        "07:02:13.550574 IP 172.25.5.55.9999 > 10.0.0.1.56996: Flags [S.], seq 548096069, ack 836128204, win 28960, length 0",
        "07:02:13.553330 IP 10.0.0.1.56996 > 172.25.5.55.9999: Flags [.], ack 1, win 4104, length 0",
        "07:02:13.553575 IP 10.0.0.1.56996 > 172.25.5.55.9999: Flags [P.], seq 1:357, ack 1, win 4104, length 356",
        "07:02:13.567619 IP 172.25.5.55.9999 > 10.0.0.1.56996: Flags [FP.], seq 18:594, ack 357, win 235, length 576",
        ("07:02:13.570719 IP 10.0.0.1.56996 > 172.25.5.55.9999: Flags [.], ack 595, win 4085, "
         "options [nop,nop,sack 1 {1:18}], length 0"),
    };
    sf_txseq_res r[6];
    rebuild(txt, 6, r);
    T_EQ_INT(r[2].seq, 836128204u); T_EQ_INT(r[2].ack, 548096070u);
    T_EQ_INT(r[3].seq, 836128204u); T_EQ_INT(r[3].ack, 548096070u);
    T_EQ_INT(r[4].seq, 548096069u + 18); T_EQ_INT(r[4].ack, 836128204u + 356);
    T_EQ_INT(r[5].seq, 836128204u + 356); T_EQ_INT(r[5].ack, 548096069u + 595);
    T_EQ_INT(r[5].sack[0][0], 548096070u); T_EQ_INT(r[5].sack[0][1], 548096069u + 18);
}

TEST(text_seq_absolute_and_midstream)
{
    static const char *const txt[] = {
        "13:51:40.965707 IP 114.242.250.59.41032 > 172.17.51.219.443: Flags [F.], seq 3249586170, ack 137328987, win 2061, length 0",
        "13:51:40.965838 IP 172.17.51.219.443 > 114.242.250.59.41032: Flags [F.], seq 137328987, ack 3249586171, win 235, length 0",
        "13:51:40.986539 IP 114.242.250.59.41032 > 172.17.51.219.443: Flags [.], ack 137328988, win 2061, length 0",
        /* -S text of a connection first seen by a pure ACK: its seq comes from the look-ahead */
        "13:51:41.000000 IP 10.9.9.9.5555 > 10.8.8.8.80: Flags [.], ack 2000000000, win 100, length 0",
        "13:51:41.000001 IP 10.8.8.8.80 > 10.9.9.9.5555: Flags [P.], seq 2000000000:2000000010, ack 3000000000, win 100, length 10",
        "13:51:41.000002 IP 10.9.9.9.5555 > 10.8.8.8.80: Flags [.], ack 2000000010, win 100, length 0",
    };
    sf_txseq_res r[6];
    rebuild(txt, 6, r);
    T_EQ_INT(r[1].ack, 3249586171u);
    T_EQ_INT(r[2].seq, 3249586171u); T_EQ_INT(r[2].ack, 137328988u);
    T_EQ_INT(r[3].seq, 3000000000u); T_EQ_INT(r[3].seq_guessed, 0);
    T_EQ_INT(r[4].seq, 2000000000u); T_EQ_INT(r[4].ack, 3000000000u);
    T_EQ_INT(r[5].seq, 3000000000u); T_EQ_INT(r[5].ack, 2000000010u);
}

TEST(text_seq_relative_midstream_pure_ack_first)
{
    static const char *const txt[] = {
        "10:00:00.000000 IP 10.9.9.9.5555 > 10.8.8.8.80: Flags [.], ack 2000000000, win 100, length 0",
        "10:00:00.000001 IP 10.8.8.8.80 > 10.9.9.9.5555: Flags [P.], seq 1:11, ack 0, win 100, length 10",
        "10:00:00.000002 IP 10.9.9.9.5555 > 10.8.8.8.80: Flags [P.], seq 0:5, ack 11, win 100, length 5",
    };
    sf_txseq_res r[3];
    rebuild(txt, 3, r);
    uint32_t base = r[0].seq;
    T_EQ_INT(r[1].seq, 2000000000u); T_EQ_INT(r[1].ack, base);
    T_EQ_INT(r[2].seq, base); T_EQ_INT(r[2].ack, 2000000010u);
}

/* ---- the backend, end to end ---- */

/* The clock forms are read in the local zone: pin TZ for a test, then restore it. */
static char saved_tz[128];
static int had_tz;
static void tz_set(const char *tz)
{
    const char *o = getenv("TZ");
    had_tz = o != NULL;
    snprintf(saved_tz, sizeof saved_tz, "%s", o ? o : "");
    setenv("TZ", tz, 1);
    tzset();
}
static void tz_restore(void)
{
    if (had_tz) setenv("TZ", saved_tz, 1);
    else unsetenv("TZ");
    tzset();
}

static int open_text(const char *txt, sf_backend *b, char *err, size_t n)
{
    FILE *f = fmemopen((void *)txt, strlen(txt), "rb");
    return sf_text_open(f, "t.txt", NULL, b, err, n);
}

TEST(text_backend_records_and_counts)
{
    const char *txt =
        "\xef\xbb\xbftcpdump: verbose output suppressed, use -v or -vv for full protocol decode\r\n"
        "listening on eth0, link-type EN10MB (Ethernet), capture size 262144 bytes\r\n"
        "23:59:59.900000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 100, win 1000, length 0\r\n"
        "23:59:59.950000 IP 10.0.0.9.53 > 10.0.0.1.5353: UDP, length 40\r\n"
        "00:00:00.100000 IP 10.0.0.2.80 > 10.0.0.1.1000: Flags [S.], seq 500, ack 101, win 2000, length 0\r\n"
        "...\r\n"
        "00:00:00.150000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [.], seq x, ack 1, length 0\r\n"
        "00:00:00.200000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [.], ack 1, length 0\r\n"
        "2 packets captured\r\n";
    sf_backend b;
    char err[200] = "";
    tz_set("UTC");
    T_EQ_INT(open_text(txt, &b, err, sizeof err), 0);
    sf_pkt p;
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.status, SF_DEC_TCP); T_EQ_INT(p.ts.sec, 86399); T_EQ_INT(p.ts.nsec, 900000000);
    T_EQ_INT(p.seq, 100); T_EQ_INT(p.hlen, 20); T_EQ_INT(p.seg_len, 20); T_CHECK(p.l4 == NULL && p.payload == NULL);
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.status, SF_DEC_NOT_TCP);
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.ts.sec, 86400); /* next day */
    T_EQ_INT(p.ack, 101);
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.status, SF_DEC_MALFORMED); /* the broken line keeps its frame (and was warned about) */
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.seq, 101); T_EQ_INT(p.ack, 501); T_EQ_INT(p.win, 65535); /* win removed: not a zero window */
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_END);
    b.close(b.st);
    tz_restore();
}

TEST(text_backend_clock_in_local_zone)
{
    const char *txt =
        "07:02:13.550468 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 100, win 1000, length 0\n"
        "2024-09-18 15:02:13.550574 IP 10.0.0.2.80 > 10.0.0.1.1000: Flags [S.], seq 5, ack 101, win 9, length 0\n";
    sf_backend b;
    char err[200] = "";
    tz_set("CST-8"); /* UTC+8, no daylight saving */
    T_EQ_INT(open_text(txt, &b, err, sizeof err), 0);
    sf_pkt p;
    b.next(b.st, &p, err, sizeof err);
    /* from local midnight of 1970-01-02 (16:00 UTC on 01-01): prints back as 07:02:13 */
    T_EQ_INT(p.ts.sec, 57600 + 7 * 3600 + 2 * 60 + 13);
    b.next(b.st, &p, err, sizeof err);
    T_EQ_INT(p.ts.sec, 1726642933); /* 15:02:13 at UTC+8 is 07:02:13 UTC */
    b.close(b.st);
    tz_restore();
}

TEST(text_backend_delta_timestamps)
{
    const char *txt =
        " 00:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 100, win 1000, length 0\n"
        " 00:00:00.500000 IP 10.0.0.2.80 > 10.0.0.1.1000: Flags [S.], seq 500, ack 101, win 2000, length 0\n"
        " 00:00:00.250000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [.], ack 1, win 9, length 0\n";
    sf_backend b;
    char err[200] = "";
    T_EQ_INT(open_text(txt, &b, err, sizeof err), 0);
    sf_pkt p;
    b.next(b.st, &p, err, sizeof err);
    T_EQ_INT(p.ts.sec, 0); T_EQ_INT(p.ts.nsec, 0);
    b.next(b.st, &p, err, sizeof err);
    T_EQ_INT(p.ts.nsec, 500000000);
    b.next(b.st, &p, err, sizeof err);
    T_EQ_INT(p.ts.nsec, 750000000); /* -ttt: deltas add up */
    b.close(b.st);
    const char *t2 = "IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 100, win 1000, length 0\n";
    T_EQ_INT(open_text(t2, &b, err, sizeof err), 0);
    b.next(b.st, &p, err, sizeof err);
    T_EQ_INT(p.ts_missing, 1);
    b.close(b.st);
}

TEST(text_backend_rejects)
{
    sf_backend b;
    char err[200] = "";
    T_EQ_INT(open_text("hello world\nthis is prose\n", &b, err, sizeof err), -1);
    T_CHECK(strstr(err, "not a capture file or tcpdump text") != NULL);
    T_EQ_INT(open_text("21:15:38.705610 IP 1.2.3.4.5 > 6.7.8.9.10: UDP, length 49\n", &b, err, sizeof err), -1);
    T_CHECK(strstr(err, "no tcpdump TCP lines found") != NULL);
    static const char bin[] = "\x7f" "ELF\x02\x01\x01\x00\x00\x00 IP 1.2.3.4.5 > 6.7.8.9.10: Flags [S], seq 1, length 0\n";
    FILE *f = fmemopen((void *)bin, sizeof bin - 1, "rb");
    T_EQ_INT(sf_text_open(f, "bin", NULL, &b, err, sizeof err), -1);
    T_CHECK(strstr(err, "not a capture file or tcpdump text") != NULL);
    T_EQ_INT(open_text("", &b, err, sizeof err), -1);
}

TEST(text_backend_filter)
{
    const char *txt =
        "10:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 100, win 1000, length 0\n"
        "10:00:00.000001 IP 10.0.0.1.1001 > 10.0.0.2.443: Flags [S], seq 100, win 1000, length 0\n";
    FILE *f = fmemopen((void *)txt, strlen(txt), "rb");
    sf_backend b;
    char err[200] = "";
    T_EQ_INT(sf_text_open(f, "t", "tcp port 443 and tcp[tcpflags] & tcp-syn != 0", &b, err, sizeof err), 0);
    sf_pkt p;
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.dport, 443);
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_END);
    b.close(b.st);
}

TEST(text_seq_keepalive_pattern)
{
    static const char *const txt[] = {
        "10:00:00.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [P.], seq 1000:1010, ack 5000, win 100, length 10",
        "10:00:00.000100 IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [.], ack 1010, win 200, length 0",
        /* same ack, window and options after a quiet gap: a keep-alive (seq = next - 1) */
        "10:00:01.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [.], ack 5000, win 100, length 0",
        "10:00:01.000100 IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [.], ack 1010, win 200, length 0",
        "10:00:02.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [.], ack 5000, win 100, length 0",
        /* a different window: a window update, not a probe */
        "10:00:03.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [.], ack 5000, win 300, length 0",
    };
    sf_txseq_res r[6];
    rebuild(txt, 6, r);
    T_EQ_INT(r[2].keepalive, 1); T_EQ_INT(r[2].seq, 1009);
    T_EQ_INT(r[4].keepalive, 1); T_EQ_INT(r[4].seq, 1009);
    T_EQ_INT(r[5].keepalive, 0); T_EQ_INT(r[5].seq, 1010);
}

TEST(text_ipv6_extension_headers)
{
    sf_txt_line L;
    T_EQ_INT(P("16:44:12.497486 IP6 2001:db8:1::2 > 2001:db8:1::1: DSTOPT 36951 > 80: Flags [S], seq 3810442574, "
               "win 8192, length 0", &L), SF_TXT_TCP);
    T_EQ_INT(L.sport, 36951); T_EQ_INT(L.dport, 80); T_EQ_INT(L.n_ext, 1); T_EQ_INT(L.ext[0], 60);
    T_EQ_INT(L.src[15], 2); T_EQ_INT(L.ipver, 6);
    T_EQ_INT(P("16:44:13.354053 IP6 2001:db8:1::2 > 2001:db8:1::1: frag (0|20) 59694 > 80: Flags [S], seq 1, "
               "win 8192, length 0", &L), SF_TXT_TCP);
    T_EQ_INT(L.n_ext, 1); T_EQ_INT(L.ext[0], 44); T_EQ_INT(L.sport, 59694);
    T_EQ_INT(P("16:44:14.322735 IP6 2001:db8:1::2 > 2001:db8:1::1: RT6 (len=0, type=0 [Deprecated], segleft=0) "
               "45805 > 80: Flags [S], seq 1, win 8192, length 0", &L), SF_TXT_TCP);
    T_EQ_INT(L.n_ext, 1); T_EQ_INT(L.ext[0], 43); T_EQ_INT(L.sport, 45805);
}

TEST(text_backend_verbose_two_line_form)
{
    const char *txt =
        "13:51:40.965707 IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 52)\n"
        "    10.0.0.1.41032 > 10.0.0.2.443: Flags [S], cksum 0x1c2b (correct), seq 7, win 2061, length 0\n"
        "13:51:40.965800 IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto UDP (17), length 52)\n"
        "    10.0.0.1.53 > 10.0.0.2.53: 1234+ A? example.com. (29)\n";
    sf_backend b;
    char err[200] = "";
    tz_set("UTC");
    T_EQ_INT(open_text(txt, &b, err, sizeof err), 0);
    tz_restore();
    sf_pkt p;
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.status, SF_DEC_TCP); T_EQ_INT(p.seq, 7); T_EQ_INT(p.ts.sec, 13 * 3600 + 51 * 60 + 40);
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_PACKET);
    T_EQ_INT(p.status, SF_DEC_NOT_TCP);
    T_EQ_INT(b.next(b.st, &p, err, sizeof err), SF_SRC_END);
    b.close(b.st);
}

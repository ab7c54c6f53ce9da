/* \summary: internal: one tcpdump text line -> a parsed record (before sequence reconstruction) */
#ifndef SF_TEXT_PARSE_H
#define SF_TEXT_PARSE_H
#include <stddef.h>
#include <stdint.h>
#include "../decode/packet.h"

/* What a line turned out to be. */
typedef enum sf_txt_kind {
    SF_TXT_NONE = 0,   /* banner, trailer, prompt, continuation, blank, prose: ignored */
    SF_TXT_TCP,        /* a tcpdump TCP line (maybe truncated, see trunc/status fields) */
    SF_TXT_OTHER,      /* a packet line of another protocol (UDP, ICMP, ARP, ...) */
    SF_TXT_VHDR,       /* -v IP header line "TS IP (tos ..., proto TCP (6), ...)" whose TCP part follows */
    SF_TXT_BAD         /* meant to be a TCP line but unusable: `why` says why */
} sf_txt_kind;

/* How the timestamp was written. */
typedef enum sf_txt_tskind {
    SF_TXT_TS_NONE = 0, /* -t */
    SF_TXT_TS_HMS,      /* HH:MM:SS.frac: default, -ttt or -ttttt (decided per file) */
    SF_TXT_TS_EPOCH,    /* -tt */
    SF_TXT_TS_DATE      /* -tttt: YYYY-MM-DD HH:MM:SS.frac */
} sf_txt_tskind;

/* Truncation shapes tcpdump prints. */
enum {
    SF_TXT_TR_NONE = 0,
    SF_TXT_TR_PORTS,    /* "A > B: [|tcp]": not even the ports */
    SF_TXT_TR_HDR,      /* "A.p > B.q:  [|tcp]": ports but no fixed header */
    SF_TXT_TR_OPT,      /* "[|tcp]" inside the options */
    SF_TXT_TR_PAYLOAD   /* "[|tcp]" after "length N" / "[remaining caplen(..)..]" */
};

#define SF_TXT_NAME_MAX 256
_Static_assert(SF_TXT_NAME_MAX <= SF_PKT_NAME_MAX, "sf_pkt names are bounded by SF_PKT_NAME_MAX");
#define SF_TXT_OPT_MAX 40
#define SF_TXT_SACK_MAX 4

/* One parsed line. Sequence numbers are exactly as printed (they may be
 * relative); text.c turns them into absolute ones. */
typedef struct sf_txt_line {
    sf_txt_kind kind;
    const char *why;           /* SF_TXT_BAD: static text */
    uint64_t lineno;

    /* timestamp */
    sf_txt_tskind ts_kind;
    uint8_t ts_neg;            /* "-HH:MM:SS" (-ttt/-ttttt negative delta) */
    int64_t ts_sec;            /* HMS: seconds since midnight (or delta); EPOCH/DATE: epoch (UTC) */
    uint32_t ts_nsec;
    uint8_t ts_prec;           /* 6 or 9 */
    uint8_t ts_lead_space;     /* line began with whitespace before the timestamp */

    /* network layer */
    uint8_t ipver;             /* 4 or 6 */
    uint8_t has_ipkw;          /* "IP"/"IP6" keyword seen (else other packet line: NOT_IP) */
    uint8_t has_addr;          /* src/dst known (TCP lines, or other "a > b:" lines) */
    uint8_t src[16], dst[16];
    uint8_t n_ext;             /* IPv6 extension headers printed before the ports ("DSTOPT", "frag (o|l)", "RT6 (...)") */
    uint8_t ext[4];            /* their next-header numbers: 0 HBH, 60 DSTOPT, 44 fragment, 43 routing */
    uint16_t ext_frag_off[4];  /* fragment: offset as printed */
    uint8_t ext_rt[4][3];      /* routing header (RT6): len, type, segleft as printed */
    char src_name[SF_TXT_NAME_MAX], dst_name[SF_TXT_NAME_MAX]; /* "" for numeric */

    /* transport */
    uint8_t has_ports;
    uint16_t sport, dport;
    uint8_t has_flags;
    uint16_t flags;
    uint8_t has_seq, has_end, has_ack, has_win, has_urg, has_len;
    uint32_t seq, seq_end, ack;
    uint16_t win, urp;
    uint32_t len;
    uint8_t trunc;             /* SF_TXT_TR_* */
    uint8_t bad_hlen;          /* "[bad hdr length N - too short|long ...]" */
    uint16_t hlen;             /* bad_hlen: as printed; else 0 (text.c computes) */
    uint32_t seg_len_hint;     /* "too long, > L": L */
    uint32_t ip_missing;       /* "IP truncated-ip - N bytes missing!": N */
    uint32_t rem_caplen;       /* "[remaining caplen(N) < header length(M)]": N+1, 0 if absent */

    /* options, synthesized as wire bytes (text_opt.c) */
    uint8_t has_opts;
    uint8_t opt[SF_TXT_OPT_MAX];
    uint8_t opt_len;           /* bytes used in opt[] */
    uint8_t opt_bad;           /* "[bad opt]": tcpdump stopped there */
    uint8_t opt_trunc;         /* "[|tcp]" inside the option list */
    uint8_t opt_declared;      /* truncated option: bytes it declared beyond opt_len */
    uint16_t mss;              /* 0 = absent */
    int8_t wscale;             /* -1 = absent */
    uint8_t sack_perm;
    uint8_t has_ts;
    uint32_t ts_val, ts_ecr;
    uint8_t nsack;
    uint32_t sack[SF_TXT_SACK_MAX][2]; /* as printed (maybe relative) */
    uint8_t sack_off[SF_TXT_SACK_MAX]; /* offset of each block in opt[] */
} sf_txt_line;

/* Parse one line (without its end-of-line; CR, BOM, tabs tolerated).
 * Fills *out (zeroed first) and returns out->kind. Never reads past
 * line[n-1]; `line` need not be NUL-terminated. */
sf_txt_kind sf_txt_parse_line(const char *line, size_t n, sf_txt_line *out);

/* Parse the inside of "options [...]" starting just after '['; `n` bytes
 * available. Fills the option fields of *L and returns the number of bytes
 * consumed including the closing ']' (or n when unterminated). */
size_t sf_txt_parse_options(const char *s, size_t n, sf_txt_line *L);

/* Service name (tcpdump without -nn) -> port, 0 if unknown. */
uint16_t sf_txt_service_port(const char *name, size_t n);

/* A stable pseudo-address for a host name (IPv4: 240.0.0.0/4, IPv6:
 * 100::/64 discard prefix + 64-bit hash), so names key connections. */
void sf_txt_name_addr(const char *name, size_t n, int ipver, uint8_t out[16]);

#endif

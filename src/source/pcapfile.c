/* \summary: libpcap file backend: pcap (µs/ns) and pcapng, BPF filter, cut-short and oversized records */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backend.h"
#include "../decode/decode.h"
#include "../util/cursor.h"

typedef struct pf_state {
    pcap_t *pc;
    FILE *f;              /* owned by pc (pcap_close closes it) */
    int dlt;
    int prec;             /* native precision: 6 or 9 */
    int classic;          /* classic pcap: record sizes are checkable */
    uint32_t snap;        /* effective snapshot length */
    int64_t pos;          /* expected stream offset after the last record (classic) */
    int have_prog;
    struct bpf_program prog;
    uint64_t nread;       /* records read, filtered ones included */
    char warn[256];       /* a problem with the record just delivered, reported next */
    int resumable;        /* the last error was such a warning */
} pf_state;

/* ---- native precision from the first bytes ---- */

static uint32_t rd32(const unsigned char *b, int be)
{
    return be ? ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3])
              : ((uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0]);
}
static uint16_t rd16(const unsigned char *b, int be)
{
    return be ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
}

int sf_capture_prec(const unsigned char *b, size_t n)
{
    if (n < 4) return 6;
    uint32_t m = rd32(b, 1);
    if (m == 0xa1b23c4du || m == 0x4d3cb2a1u) return 9;
    if (m != 0x0a0d0d0au || n < 12) return 6;
    /* pcapng: SHB, then look for the first IDB's if_tsresol (option 9) */
    uint32_t bom = rd32(b + 8, 1);
    int be = bom == 0x1a2b3c4du;
    if (!be && bom != 0x4d3c2b1au) return 6;
    size_t off = 0;
    for (int blocks = 0; blocks < 8 && off + 12 <= n; blocks++) {
        uint32_t type = rd32(b + off, be), blen = rd32(b + off + 4, be);
        if (blen < 12 || blen % 4 || off + blen > n) return 6;
        if (type == 1) { /* IDB: linktype(2) reserved(2) snaplen(4) options */
            size_t o = off + 16, end = off + blen - 4;
            while (o + 4 <= end) {
                uint16_t code = rd16(b + o, be), olen = rd16(b + o + 2, be);
                if (code == 0) break;
                if (o + 4 + olen > end) break;
                if (code == 9 && olen >= 1) {
                    unsigned r = b[o + 4];
                    if (r & 0x80) return (r & 0x7f) >= 20 ? 9 : 6; /* 2^-20 ~ µs */
                    return r > 6 ? 9 : 6;
                }
                o += 4 + (((size_t)olen + 3) & ~(size_t)3);
            }
            return 6;
        }
        off += blen;
    }
    return 6;
}

int sf_is_capture_magic(const unsigned char *b, size_t n)
{
    if (n < 4) return 0;
    uint32_t m = rd32(b, 1);
    switch (m) {
    case 0xa1b2c3d4u: case 0xd4c3b2a1u: /* pcap µs */
    case 0xa1b23c4du: case 0x4d3cb2a1u: /* pcap ns */
    case 0xa1b2cd34u: case 0x34cdb2a1u: /* Kuznetzov's modified pcap */
    case 0x0a0d0d0au:                   /* pcapng SHB */
        return 1;
    default:
        return 0;
    }
}

/* ---- reading ---- */

/* libpcap's "truncated dump file; tried to read N header bytes, only got M"
 * and "... N captured bytes, only got M" in our words. */
static void explain_read_error(const char *pe, char *err, size_t errlen)
{
    unsigned want = 0, got = 0;
    const char *t = strstr(pe, "tried to read ");
    if (t && sscanf(t, "tried to read %u", &want) == 1) {
        const char *g = strstr(t, "only got ");
        if (g) sscanf(g, "only got %u", &got);
        if (strstr(t, "header bytes"))
            snprintf(err, errlen, "file cut short inside the record header (%u of %u bytes)", got, want);
        else if (strstr(t, "captured bytes"))
            snprintf(err, errlen, "file cut short inside the packet data (%u of %u bytes)", got, want);
        else
            snprintf(err, errlen, "file cut short inside a block (%u of %u bytes)", got, want);
        return;
    }
    if (strstr(pe, "bigger than snaplen") || strstr(pe, "bigger than maximum")) {
        unsigned cl = 0;
        sscanf(pe, "invalid packet capture length %u", &cl);
        snprintf(err, errlen, "record's captured length %u exceeds the file's snapshot length (%s)", cl, pe);
        return;
    }
    snprintf(err, errlen, "read error: %s", pe);
}

static sf_src_rc pf_next(void *st, sf_pkt *out, char *err, size_t errlen)
{
    pf_state *s = st;
    s->resumable = 0;
    if (s->warn[0]) {
        snprintf(err, errlen, "%s", s->warn);
        s->warn[0] = '\0';
        s->resumable = 1;
        return SF_SRC_ERROR;
    }
    for (;;) {
        struct pcap_pkthdr *h;
        const u_char *d;
        int r = pcap_next_ex(s->pc, &h, &d);
        if (r == PCAP_ERROR_BREAK) return SF_SRC_END;
        if (r != 1) {
            explain_read_error(pcap_geterr(s->pc), err, errlen);
            return SF_SRC_ERROR;
        }
        s->nread++;
        if (s->classic) {
            /* libpcap silently cuts a record whose caplen exceeds the file's
             * snaplen down to it (and skips the rest): see the stream advance
             * further than the record it handed us. The packet is delivered
             * as libpcap (and tcpdump) sees it; the problem is reported next. */
            s->pos += 16 + (int64_t)h->caplen;
            if (h->caplen == s->snap) {
                long at = ftell(s->f);
                if (at >= 0 && at > s->pos)
                    snprintf(s->warn, sizeof s->warn,
                             "record's captured length %lld exceeds the file's snapshot length %u "
                             "(read as %u bytes, as libpcap does)",
                             (long long)(at - s->pos + h->caplen), s->snap, s->snap);
                if (at >= 0) s->pos = at;
            }
        }
        if (s->have_prog && !pcap_offline_filter(&s->prog, h, d)) {
            if (s->warn[0]) return pf_next(st, out, err, errlen);
            continue;
        }
        /* opened with nanosecond precision: tv_usec holds nanoseconds */
        int64_t sec = (int64_t)h->ts.tv_sec;
        if (sec > SF_TS_SEC_MAX || sec < -SF_TS_SEC_MAX) {
            /* a pcapng 64-bit timestamp can be anything: keep the packet,
             * at the nearest representable time, and say so next */
            if (!s->warn[0])
                snprintf(s->warn, sizeof s->warn, "timestamp out of range (%lld s since 1970; read as %lld)",
                         (long long)sec, sec > 0 ? SF_TS_SEC_MAX : -SF_TS_SEC_MAX);
            sec = sec > 0 ? SF_TS_SEC_MAX : -SF_TS_SEC_MAX;
        }
        sf_backend_frame(out, sec, (long)h->ts.tv_usec, s->prec, h->caplen, h->len, s->dlt, d);
        return SF_SRC_PACKET;
    }
}

static int pf_resumable(void *st) { return ((pf_state *)st)->resumable; }

static void pf_close(void *st)
{
    pf_state *s = st;
    if (!s) return;
    if (s->have_prog) pcap_freecode(&s->prog);
    if (s->pc) pcap_close(s->pc);
    free(s);
}

int sf_pcapfile_open_prec(FILE *f, const char *filter, int prec, sf_backend *b, char *err,
                          size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pf_state *s = calloc(1, sizeof *s);
    if (!s) { fclose(f); snprintf(err, errlen, "out of memory"); return -1; }
    long start = ftell(f);
    s->f = f;
    s->pc = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
    if (!s->pc) {
        fclose(f);
        free(s);
        if (strstr(ebuf, "truncated dump file") || strstr(ebuf, "truncated pcapng"))
            snprintf(err, errlen, "file cut short inside the capture file header (%s)", ebuf);
        else
            snprintf(err, errlen, "not a usable capture: %s", ebuf);
        return -1;
    }
    s->dlt = pcap_datalink(s->pc);
    s->prec = prec == 9 ? 9 : 6;
    s->snap = (uint32_t)pcap_snapshot(s->pc);
    s->classic = pcap_major_version(s->pc) == 2 && start >= 0;
    if (s->classic) {
        long at = ftell(f);
        s->classic = at >= 0;
        s->pos = at;
    }
    if (!sf_decode_dlt_supported(s->dlt)) {
        const char *nm = pcap_datalink_val_to_name(s->dlt);
        const char *ds = pcap_datalink_val_to_description(s->dlt);
        snprintf(err, errlen,
                 "unsupported link type %s (%d%s%s): synfin decodes EN10MB, LINUX_SLL, LINUX_SLL2, "
                 "RAW, IPV4, IPV6, NULL, LOOP, NFLOG, PPP, C_HDLC, ARCNET_LINUX and IPOIB",
                 nm ? nm : "?", s->dlt, ds ? ", " : "", ds ? ds : "");
        pf_close(s);
        return -1;
    }
    if (filter && *filter) {
        if (sf_backend_filter(s->pc, s->dlt, filter, &s->prog, err, errlen) != 0) {
            pf_close(s);
            return -1;
        }
        s->have_prog = 1;
    }
    b->st = s;
    b->next = pf_next;
    b->close = pf_close;
    b->consumed = &s->nread;
    b->resumable = pf_resumable;
    return 0;
}

int sf_pcapfile_open(FILE *f, const char *filter, sf_backend *b, char *err, size_t errlen)
{
    return sf_pcapfile_open_prec(f, filter, 0, b, err, errlen);
}

/* \summary: unit tests of the zero-copy pcap reader: it must deliver exactly what the libpcap backend does */
#include "t.h"
#include "../../src/source/backend.h"
#include "../../src/source/pcapmmap.h"
#include <stdlib.h>
#include <unistd.h>

/* ---- building small capture files ---- */
typedef struct fbuf { uint8_t b[1 << 16]; size_t n; int be; } fbuf;

static void p32(fbuf *f, uint32_t v)
{
    for (int i = 0; i < 4; i++) f->b[f->n++] = (uint8_t)(f->be ? v >> (24 - 8 * i) : v >> (8 * i));
}
static void p16(fbuf *f, uint16_t v)
{
    f->b[f->n++] = (uint8_t)(f->be ? v >> 8 : v);
    f->b[f->n++] = (uint8_t)(f->be ? v : v >> 8);
}
static void file_header(fbuf *f, int be, int nano, uint32_t snap, uint32_t lt)
{
    f->n = 0; f->be = be;
    p32(f, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    p16(f, 2); p16(f, 4); p32(f, 0); p32(f, 0); p32(f, snap); p32(f, lt);
}
/* An Ethernet/IPv4/TCP frame with `pay` payload bytes; returns its length. */
static size_t frame(uint8_t *d, uint16_t sport, uint16_t dport, uint32_t seq, size_t pay)
{
    memset(d, 0, 54 + pay);
    d[12] = 0x08; d[13] = 0x00;
    uint8_t *ip = d + 14;
    size_t tot = 20 + 20 + pay;
    ip[0] = 0x45; ip[2] = (uint8_t)(tot >> 8); ip[3] = (uint8_t)tot; ip[8] = 64; ip[9] = 6;
    ip[12] = 10; ip[15] = 1; ip[16] = 10; ip[19] = 2;
    uint8_t *t = ip + 20;
    t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport; t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
    t[4] = (uint8_t)(seq >> 24); t[5] = (uint8_t)(seq >> 16); t[6] = (uint8_t)(seq >> 8); t[7] = (uint8_t)seq;
    t[12] = 0x50; t[13] = 0x18; t[14] = 0xff;
    return 54 + pay;
}
/* A record; caplen_field may exceed the bytes actually appended (stored). */
static void record(fbuf *f, uint32_t sec, uint32_t frac, uint32_t caplen_field, uint32_t len,
                   const uint8_t *d, size_t stored)
{
    p32(f, sec); p32(f, frac); p32(f, caplen_field); p32(f, len);
    memcpy(f->b + f->n, d, stored);
    f->n += stored;
}

static const char *write_tmp(const fbuf *f)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sf_test_pcapmmap_%d.pcap", (int)getpid());
    FILE *o = fopen(path, "wb");
    if (!o) return NULL;
    fwrite(f->b, 1, f->n, o);
    fclose(o);
    return path;
}

/* ---- reading through one backend into a transcript ---- */
static void transcript(sf_backend *b, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (int guard = 0; guard < 64; guard++) {
        sf_pkt p;
        char err[512] = "";
        sf_src_rc rc = b->next(b->st, &p, err, sizeof err);
        if (rc == SF_SRC_END) { n += (size_t)snprintf(out + n, cap - n, "END\n"); break; }
        if (rc == SF_SRC_ERROR) {
            int res = b->resumable && b->resumable(b->st);
            n += (size_t)snprintf(out + n, cap - n, "ERR %s resumable=%d\n", err, res);
            if (!res) break;
            continue;
        }
        n += (size_t)snprintf(out + n, cap - n, "PKT %lld.%u p%u td%u cap%u wire%u st%d %u>%u seq%u len%u\n",
                              (long long)p.ts.sec, p.ts.nsec, p.ts.prec, p.ts_td_usec, p.caplen, p.wirelen,
                              (int)p.status, p.sport, p.dport, p.seq, p.len);
        if (n >= cap) break;
    }
    if (b->consumed) snprintf(out + strlen(out), cap - strlen(out), "consumed=%llu\n",
                              (unsigned long long)*b->consumed);
}

/* Both backends over the same file: 0 if the mmap reader declined. */
static int compare(const fbuf *f, const char *filter, int prec, char *a, char *m, size_t cap)
{
    const char *path = write_tmp(f);
    if (!path) return -1;
    char e1[512] = "", e2[512] = "";
    sf_backend b1, b2;
    memset(&b1, 0, sizeof b1); memset(&b2, 0, sizeof b2);
    FILE *f1 = fopen(path, "rb"), *f2 = fopen(path, "rb");
    int r1 = sf_pcapfile_open_prec(f1, filter, prec, &b1, e1, sizeof e1);
    int r2 = sf_pcapmmap_open(f2, filter, &b2, e2, sizeof e2);
    if (r2 == 1) { fclose(f2); if (r1 == 0) b1.close(b1.st); unlink(path); return 0; }
    if (r1 == 0) transcript(&b1, a, cap); else snprintf(a, cap, "OPEN %d %s", r1, e1);
    if (r2 == 0) transcript(&b2, m, cap); else snprintf(m, cap, "OPEN %d %s", r2, e2);
    if (r1 == 0) b1.close(b1.st);
    if (r2 == 0) b2.close(b2.st);
    unlink(path);
    return 1;
}

static fbuf F;
static char A[8192], M[8192];

static void normal_file(int be, int nano, uint32_t snap)
{
    uint8_t d[2000];
    file_header(&F, be, nano, snap, 1);
    size_t n = frame(d, 40000, 80, 1000, 10);
    record(&F, 1700000000, nano ? 123456789 : 123456, (uint32_t)n, (uint32_t)n, d, n);
    n = frame(d, 80, 40000, 5000, 1400);
    uint32_t cl = n > snap ? snap : (uint32_t)n;
    record(&F, 1700000001, nano ? 999999999 : 999999, cl, (uint32_t)n, d, cl);
    n = frame(d, 443, 51000, 77, 0);
    d[12] = 0x08; d[13] = 0x06;                     /* ARP ethertype: not IP */
    record(&F, 0xffffffffu, 5, (uint32_t)n, (uint32_t)n, d, n);   /* seconds past 2^31, as libpcap reads them */
    record(&F, 7, 0xfffffff0u, (uint32_t)n, (uint32_t)n, d, n);   /* a fraction far out of range */
    n = frame(d, 22, 33000, 9, 3);
    record(&F, 1700000002, 2000000, (uint32_t)n, (uint32_t)n, d, n); /* out-of-range fraction kept */
}

TEST(pcapmmap_same_records_as_libpcap)
{
    for (int be = 0; be < 2; be++)
        for (int nano = 0; nano < 2; nano++) {
            normal_file(be, nano, be ? 96 : 65535);
            T_EQ_INT(compare(&F, NULL, nano ? 9 : 6, A, M, sizeof A), 1);
            T_EQ_STR(M, A);
            T_CHECK(strstr(A, "PKT 1700000000.") != NULL);
        }
}

TEST(pcapmmap_filter_same_as_libpcap)
{
    normal_file(0, 0, 65535);
    T_EQ_INT(compare(&F, "tcp port 80", 6, A, M, sizeof A), 1);
    T_EQ_STR(M, A);
    T_CHECK(strstr(A, "80>40000") != NULL && strstr(A, "22>33000") == NULL);
    T_CHECK(strstr(A, "consumed=5") != NULL);      /* filtered records count as consumed */
    T_EQ_INT(compare(&F, "tcp port", 6, A, M, sizeof A), 1);
    T_CHECK(strncmp(M, "OPEN -1 bad filter 'tcp port'", 29) == 0);
}

TEST(pcapmmap_cut_short_and_oversized_like_libpcap)
{
    uint8_t d[2000];
    size_t n = frame(d, 40000, 80, 1, 100);
    /* record longer than the file's snaplen: delivered cut, warned next, reading goes on */
    file_header(&F, 0, 0, 60, 1);
    record(&F, 1, 0, (uint32_t)n, (uint32_t)n, d, n);
    record(&F, 2, 0, 54, 54, d, 54);
    T_EQ_INT(compare(&F, NULL, 6, A, M, sizeof A), 1);
    T_EQ_STR(M, A);
    T_CHECK(strstr(A, "exceeds the file's snapshot length 60") != NULL && strstr(A, "resumable=1") != NULL);
    /* file cut inside a record header */
    file_header(&F, 0, 0, 65535, 1);
    record(&F, 1, 0, (uint32_t)n, (uint32_t)n, d, n);
    p32(&F, 7); p32(&F, 8);
    T_EQ_INT(compare(&F, NULL, 6, A, M, sizeof A), 1);
    T_EQ_STR(M, A);
    T_CHECK(strstr(A, "record header (8 of 16 bytes)") != NULL);
    /* file cut inside the packet data */
    file_header(&F, 0, 0, 65535, 1);
    record(&F, 1, 0, (uint32_t)n, (uint32_t)n, d, n - 30);
    T_EQ_INT(compare(&F, NULL, 6, A, M, sizeof A), 1);
    T_EQ_STR(M, A);
    T_CHECK(strstr(A, "packet data (124 of 154 bytes)") != NULL);
    /* oversized record, past what the snaplen allows and cut short */
    file_header(&F, 0, 0, 60, 1);
    record(&F, 1, 0, (uint32_t)n, (uint32_t)n, d, 80);
    T_EQ_INT(compare(&F, NULL, 6, A, M, sizeof A), 1);
    T_EQ_STR(M, A);
    /* a captured length beyond libpcap's maximum */
    file_header(&F, 1, 0, 65535, 1);
    record(&F, 1, 0, 300000, 300000, d, 54);
    T_EQ_INT(compare(&F, NULL, 6, A, M, sizeof A), 1);
    T_EQ_STR(M, A);
    T_CHECK(strstr(A, "bigger than snaplen of 65535") != NULL);
    /* an empty capture: header only */
    file_header(&F, 0, 1, 65535, 1);
    T_EQ_INT(compare(&F, NULL, 9, A, M, sizeof A), 1);
    T_EQ_STR(M, A);
}

TEST(pcapmmap_declines_what_it_does_not_read)
{
    char e[256];
    sf_backend b;
    /* pcapng */
    fbuf g = { .n = 0, .be = 0 };
    p32(&g, 0x0a0d0d0a); p32(&g, 28); p32(&g, 0x1a2b3c4d); p16(&g, 1); p16(&g, 0);
    p32(&g, 0xffffffff); p32(&g, 0xffffffff); p32(&g, 28);
    const char *path = write_tmp(&g);
    FILE *f = fopen(path, "rb");
    T_EQ_INT(sf_pcapmmap_open(f, NULL, &b, e, sizeof e), 1);
    T_EQ_INT(ftell(f), 0);
    fclose(f);
    /* a link type it leaves to libpcap (DLT_RAW as LINKTYPE_RAW 101) */
    file_header(&F, 0, 0, 65535, 101);
    path = write_tmp(&F);
    f = fopen(path, "rb");
    T_EQ_INT(sf_pcapmmap_open(f, NULL, &b, e, sizeof e), 1);
    fclose(f);
    unlink(path);
    /* a pipe */
    int p[2];
    T_EQ_INT(pipe(p), 0);
    file_header(&F, 0, 0, 65535, 1);
    T_EQ_INT(write(p[1], F.b, F.n), (long long)F.n);
    close(p[1]);
    f = fdopen(p[0], "rb");
    T_EQ_INT(sf_pcapmmap_open(f, NULL, &b, e, sizeof e), 1);
    fclose(f);
}

/* The quick read (next_quick) of a host-order file without a filter:
 * the same records as next() up to the end, then 0 with nothing consumed
 * or changed, so that next() still reports what follows; none for a
 * byte-swapped file or with a filter (next() reads those). */
TEST(pcapmmap_quick_read_same_as_next)
{
    uint8_t d[2000];
    file_header(&F, 0, 1, 65535, 1);
    size_t n = frame(d, 40000, 80, 1000, 10);
    record(&F, 1700000000, 123456789, (uint32_t)n, (uint32_t)n, d, n);
    n = frame(d, 80, 40000, 5000, 0);
    record(&F, 1700000001, 5, (uint32_t)n, (uint32_t)n, d, n);
    p32(&F, 7); p32(&F, 8);                          /* cut inside the next record header */
    const char *path = write_tmp(&F);
    char e[512] = "";
    sf_backend b;
    memset(&b, 0, sizeof b);
    FILE *f = fopen(path, "rb");
    T_EQ_INT(sf_pcapmmap_open(f, NULL, &b, e, sizeof e), 0);
    T_CHECK(b.next_quick != NULL);
    sf_pkt p;
    memset(&p, 0, sizeof p);
    T_EQ_INT(b.next_quick(b.st, &p, 0), 1);
    T_EQ_INT(p.sport, 40000);
    T_EQ_INT(p.ts.nsec, 123456789);
    T_EQ_INT(p.ts_td_usec, 123456);
    T_EQ_INT(p.len, 10);
    T_EQ_INT(b.next_quick(b.st, &p, 0), 1);
    T_EQ_INT(p.sport, 80);
    T_EQ_INT(p.ts.nsec, 5);
    T_EQ_INT(*b.consumed, 2);
    sf_pkt q = p;
    T_EQ_INT(b.next_quick(b.st, &p, 0), 0);              /* the cut header: left to next() */
    T_CHECK(memcmp(&p, &q, sizeof p) == 0);
    T_EQ_INT(*b.consumed, 2);
    T_EQ_INT(b.next(b.st, &p, e, sizeof e), SF_SRC_ERROR);
    T_CHECK(strstr(e, "record header (8 of 16 bytes)") != NULL);
    b.close(b.st);
    /* microseconds (the other copy of the quick read) */
    file_header(&F, 0, 0, 65535, 1);
    n = frame(d, 443, 51000, 77, 3);
    record(&F, 1700000002, 999999, (uint32_t)n, (uint32_t)n, d, n);
    path = write_tmp(&F);
    memset(&b, 0, sizeof b);
    f = fopen(path, "rb");
    T_EQ_INT(sf_pcapmmap_open(f, NULL, &b, e, sizeof e), 0);
    T_EQ_INT(b.next_quick(b.st, &p, 1), 1);          /* (p holds a decoded record: again) */
    T_EQ_INT(p.ts.nsec, 999999000);
    T_EQ_INT(p.ts.prec, 6);
    T_EQ_INT(p.ts_td_usec, 999999);
    T_EQ_INT(p.sport, 443);
    T_EQ_INT(p.len, 3);
    T_EQ_INT(b.next_quick(b.st, &p, 1), 0);          /* the end: left to next() */
    T_EQ_INT(b.next(b.st, &p, e, sizeof e), SF_SRC_END);
    b.close(b.st);
    /* byte-swapped, or filtered: next() only */
    file_header(&F, 1, 0, 65535, 1);
    path = write_tmp(&F);
    memset(&b, 0, sizeof b);
    f = fopen(path, "rb");
    T_EQ_INT(sf_pcapmmap_open(f, NULL, &b, e, sizeof e), 0);
    T_CHECK(b.next_quick == NULL);
    b.close(b.st);
    file_header(&F, 0, 0, 65535, 1);
    path = write_tmp(&F);
    memset(&b, 0, sizeof b);
    f = fopen(path, "rb");
    T_EQ_INT(sf_pcapmmap_open(f, "tcp", &b, e, sizeof e), 0);
    T_CHECK(b.next_quick == NULL);
    b.close(b.st);
    unlink(path);
}

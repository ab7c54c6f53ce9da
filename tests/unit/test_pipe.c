/* \summary: unit tests of the read-ahead thread: a piped source must give exactly what the source gives directly */
#include "t.h"
#include "../../src/source/source.h"
#include <stdlib.h>
#include <unistd.h>

#define C "tests/corpus/"

/* FNV-1a over n bytes (0 for NULL). */
static uint64_t h64(const uint8_t *p, size_t n)
{
    if (!p) return 0;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

/* Everything a consumer can see of one record, as one line. */
static void line(char *b, size_t cap, sf_src_rc rc, const sf_pkt *p, sf_source *s)
{
    if (rc == SF_SRC_ERROR) {
        snprintf(b, cap, "ERR %s fail=%d\n", sf_source_error(s), sf_source_failures(s));
        return;
    }
    if (rc != SF_SRC_PACKET) {
        snprintf(b, cap, "RC %d fail=%d\n", (int)rc, sf_source_failures(s));
        return;
    }
    snprintf(b, cap,
             "PKT f%llu %lld.%u/%u cap%u wire%u st%d %s %u>%u seq%u ack%u len%u l2=%llx l3=%llx l4=%llx "
             "opt%u=%llx pay%u=%llx off=%ld,%ld names=%s,%s fail=%d\n",
             (unsigned long long)p->frame, (long long)p->ts.sec, p->ts.nsec, p->ts.prec, p->caplen,
             p->wirelen, (int)p->status, p->why ? p->why : "-", p->sport, p->dport, p->seq, p->ack, p->len,
             (unsigned long long)h64(p->l2, p->caplen), (unsigned long long)h64(p->l3, p->l3_caplen),
             (unsigned long long)h64(p->l4, p->l4_caplen), p->opt_len,
             (unsigned long long)h64(p->opt, p->opt_len), p->payload_caplen,
             (unsigned long long)h64(p->payload, p->payload_caplen),
             p->l2 && p->l3 ? (long)(p->l3 - p->l2) : -1L, p->l2 && p->l4 ? (long)(p->l4 - p->l2) : -1L,
             p->src_name ? p->src_name : "-", p->dst_name ? p->dst_name : "-", sf_source_failures(s));
}

/* Read up to `limit` records (0 = all) of paths; slots = 0: directly. The
 * transcript is malloc'd; *nrec counts records. */
static char *transcript(const char *const *paths, int n, unsigned slots, size_t arena, int limit, int *nrec)
{
    char err[512];
    sf_source *s = sf_source_open_files(paths, n, NULL, err, sizeof err);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    out[0] = 0;
    *nrec = 0;
    if (!s) {
        snprintf(out, cap, "OPEN %s\n", err);
        return out;
    }
    if (slots) T_EQ_INT(sf_source_read_ahead(s, slots, arena), 0);
    for (int guard = 0; guard < 200000; guard++) {
        const sf_pkt *p;
        sf_src_rc rc = sf_source_next_ref(s, &p);
        char b[1024];
        line(b, sizeof b, rc, p, s);
        size_t l = strlen(b);
        if (len + l + 1 > cap) out = realloc(out, cap *= 2);
        memcpy(out + len, b, l + 1);
        len += l;
        (*nrec)++;
        if (rc == SF_SRC_END || (limit && *nrec >= limit)) break;
    }
    char b[64];
    snprintf(b, sizeof b, "failures=%d\n", sf_source_failures(s));
    if (len + strlen(b) + 1 > cap) out = realloc(out, cap + 64);
    strcpy(out + len, b);
    sf_source_close(s);
    return out;
}

static const char *cut_file(void)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sf_test_pipe_%d.pcap", (int)getpid());
    FILE *i = fopen(C "seeds/seed003-curl-hello.pcap", "rb");
    if (!i) return NULL;
    uint8_t b[4096];
    size_t n = fread(b, 1, sizeof b, i);
    fclose(i);
    FILE *o = fopen(path, "wb");
    if (!o) return NULL;
    fwrite(b, 1, n > 300 ? 300 : n, o);    /* cut inside a record */
    fclose(o);
    return path;
}

/* The inputs: pcap (mmap reader), pcapng (libpcap), tcpdump text with host
 * names, a missing file, a file cut short, big frames, VLANs. */
static const char *const inputs[] = {
    C "seeds/seed003-curl-hello.pcap",  C "zeek/http-qinq-0.pcap",       C "seeds/seed001-close-client-side.txt",
    "/nonexistent/x.pcap",              NULL /* cut file */,             C "lab/loss-bulk.pcap",
    C "zeek/tcp_options.pcap",          C "seeds/seed004-http-9999.txt", C "lab/ipv6-http.pcap",
};
#define NIN (int)(sizeof inputs / sizeof inputs[0])

static void same_as_direct(unsigned slots, size_t arena, int limit)
{
    const char *in[NIN];
    memcpy(in, inputs, sizeof in);
    in[4] = cut_file();
    T_CHECK(in[4] != NULL);
    int n1, n2;
    char *a = transcript(in, NIN, 0, 0, limit, &n1);
    char *b = transcript(in, NIN, slots, arena, limit, &n2);
    T_EQ_INT(n2, n1);
    T_CHECK(strcmp(a, b) == 0);
    if (strcmp(a, b)) {
        size_t i = 0;
        while (a[i] && a[i] == b[i]) i++;
        while (i && a[i - 1] != '\n') i--;
        fprintf(stderr, "direct: %.300s\npiped:  %.300s\n", a + i, b + i);
    }
    if (!limit) {
        T_CHECK(n1 > 2000);                    /* the inputs were all read */
        T_CHECK(strstr(a, "ERR ") != NULL);    /* the missing and the cut file */
        T_CHECK(strstr(a, "failures=2\n") != NULL);
    }
    free(a);
    free(b);
    unlink(in[4]);
}

TEST(pipe_same_records_default_size) { same_as_direct(SF_READ_AHEAD_SLOTS, SF_READ_AHEAD_ARENA, 0); }

/* 4 slots: the producer waits for the consumer all the time */
TEST(pipe_same_records_tiny_ring) { same_as_direct(4, (size_t)1 << 20, 0); }

/* an arena of 4 KiB, just over twice the largest frame (1522 bytes): it waits for arena bytes */
TEST(pipe_same_records_tiny_arena) { same_as_direct(1024, 4096, 0); }

/* stopping early (as -c N does): no hang, and failures the producer read
 * ahead of the consumer are not counted */
TEST(pipe_stop_early)
{
    for (int lim = 1; lim <= 9; lim += 4) {   /* seed003 has 10 packets */
        same_as_direct(8, (size_t)1 << 20, lim);
        const char *in[2] = { C "seeds/seed003-curl-hello.pcap", "/nonexistent/x.pcap" };
        int n;
        char *t = transcript(in, 2, 8, (size_t)1 << 20, lim, &n);
        T_EQ_INT(n, lim);
        T_CHECK(strstr(t, "failures=0\n") != NULL);
        free(t);
    }
}

/* a live-style source cannot be piped; a second call is harmless */
TEST(pipe_read_ahead_twice)
{
    const char *in[1] = { C "seeds/seed003-curl-hello.pcap" };
    char err[256];
    sf_source *s = sf_source_open_files(in, 1, NULL, err, sizeof err);
    T_CHECK(s != NULL);
    if (!s) return;
    T_EQ_INT(sf_source_read_ahead(s, 16, 1 << 20), 0);
    T_EQ_INT(sf_source_read_ahead(s, 16, 1 << 20), 0);
    const sf_pkt *p;
    int n = 0;
    while (sf_source_next_ref(s, &p) == SF_SRC_PACKET) n++;
    T_EQ_INT(n, 10);
    T_EQ_INT(sf_source_next_ref(s, &p), SF_SRC_END);  /* and again after the end */
    sf_source_close(s);
}

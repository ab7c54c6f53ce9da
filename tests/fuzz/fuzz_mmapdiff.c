/* \summary: libFuzzer target: differential check of the mmap pcap reader against the libpcap backend */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../src/source/backend.h"
#if __has_include("../../src/source/pcapmmap.h")   /* the mmap reader (H1) may not be committed yet */
#include "../../src/source/pcapmmap.h"
#define HAVE_MMAP 1
#endif

/* pcapmmap.h promises "exactly what sf_pcapfile_open_prec would (same
 * frames, timestamps, decode, BPF filter, same messages for cut-short and
 * oversized records)". Both readers get the same classic pcap bytes (from a
 * memfd, so both see a regular file); every result must agree: the return
 * code, each frame's timestamp, lengths and decode outcome, each error's
 * text and whether the input goes on after it. A difference aborts. */

static const char *const filters[] = { NULL, NULL, NULL, "tcp" };

static void die(const char *what, unsigned long long i, long long a, long long b)
{
    fprintf(stderr, "mmapdiff: record %llu: %s differs: mmap %lld, libpcap %lld\n", i, what, a, b);
    abort();
}

static void cmp_pkt(unsigned long long i, const sf_pkt *a, const sf_pkt *b)
{
#define C(f) if ((long long)a->f != (long long)b->f) die(#f, i, (long long)a->f, (long long)b->f)
    C(ts.sec); C(ts.nsec); C(ts.prec); C(ts_td_usec); C(caplen); C(wirelen); C(status);
    C(ipver); C(sport); C(dport); C(seq); C(ack); C(flags); C(len); C(payload_caplen);
#undef C
}

/* An offset into the frame (pointer - l2), comparable across readers; -1 for NULL. */
static long long off(const sf_pkt *k, const uint8_t *q) { return q && k->l2 ? (long long)(q - k->l2) : -1; }

/* The quick read's record (a) against the same reader's next() into a
 * cleared record (b), field by field: the quick read decodes into a record
 * it does not clear (sf_decode_again), so a field it forgets to write keeps
 * the previous frame's value and shows here ("mmap" in die()'s message is
 * the quick read, "libpcap" the cleared record). */
static void cmp_full(unsigned long long i, const sf_pkt *a, const sf_pkt *b)
{
#define C(f) if ((long long)a->f != (long long)b->f) die("quick: " #f, i, (long long)a->f, (long long)b->f)
    C(ts.sec); C(ts.nsec); C(ts.prec); C(ts_td_usec); C(caplen); C(wirelen); C(status);
    C(ipver); C(sport); C(dport); C(seq); C(ack); C(flags); C(len); C(payload_caplen); C(dlt); C(ethertype); C(nvlan); C(l3_caplen); C(ip_hlen); C(ip_len); C(ttl); C(tos); C(ip_id);
    C(ip_frag); C(flowlabel); C(ip_first_frag); C(l4_caplen); C(seg_len); C(win); C(cksum); C(urp);
    C(hlen); C(trunc_hdr); C(trunc_opt); C(bad_hlen); C(opt_len); C(mss); C(wscale); C(sack_perm);
    C(has_ts); C(ts_val); C(ts_ecr); C(nsack); C(ts_missing);
#undef C
    if (b->status != SF_DEC_TCP) return;
    if (memcmp(a->src, b->src, 16) || memcmp(a->dst, b->dst, 16)) die("quick: addresses", i, 0, 1);
    if (off(a, a->l3) != off(b, b->l3)) die("quick: l3", i, off(a, a->l3), off(b, b->l3));
    if (off(a, a->l4) != off(b, b->l4)) die("quick: l4", i, off(a, a->l4), off(b, b->l4));
    if (off(a, a->opt) != off(b, b->opt)) die("quick: opt", i, off(a, a->opt), off(b, b->opt));
    if (off(a, a->payload) != off(b, b->payload)) die("quick: payload", i, off(a, a->payload), off(b, b->payload));
    for (unsigned k = 0; k < b->nsack && k < SF_MAX_SACK; k++)
        if (a->sack[k][0] != b->sack[k][0] || a->sack[k][1] != b->sack[k][1]) die("quick: sack", i, k, -1);
}

/* Input: byte 0 bits 0-1 = filter; rest = the file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifndef HAVE_MMAP
    (void)data; (void)size; (void)filters; (void)die; (void)cmp_pkt; (void)cmp_full;
    return 0;
#else
    if (size < 25) return 0;
    const char *filter = filters[data[0] & 3];
    const uint8_t *file = data + 1;
    size_t n = size - 1;
    int fd = memfd_create("fuzz", 0);
    if (fd < 0) return 0;
    if (write(fd, file, n) != (ssize_t)n) { close(fd); return 0; }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    FILE *fm = fopen(path, "rb"), *fp = fopen(path, "rb"), *fq = fopen(path, "rb");
    close(fd);
    if (!fm || !fp || !fq) { if (fm) fclose(fm); if (fp) fclose(fp); if (fq) fclose(fq); return 0; }
    sf_backend bm, bp, bq;
    memset(&bm, 0, sizeof bm);
    memset(&bp, 0, sizeof bp);
    memset(&bq, 0, sizeof bq);
    char em[768] = "", ep[768] = "", eq[768] = "";
    int rm = sf_pcapmmap_open(fm, filter, &bm, em, sizeof em);
    if (rm != 0) {                      /* not its input (or bad filter): nothing to compare */
        if (rm > 0) fclose(fm);
        fclose(fp);
        fclose(fq);
        return 0;
    }
    /* a second mmap reader driven as source.c drives it: its quick read
     * first, into a record that is never cleared */
    if (sf_pcapmmap_open(fq, filter, &bq, eq, sizeof eq) != 0) {
        fprintf(stderr, "mmapdiff: the second mmap open failed: %s\n", eq);
        abort();
    }
    sf_pkt q;
    memset(&q, 0, sizeof q);
    int rp = sf_pcapfile_open_prec(fp, filter, sf_capture_prec(file, n), &bp, ep, sizeof ep);
    if (rp != 0) {
        fprintf(stderr, "mmapdiff: mmap opened the file, libpcap did not: %s\n", ep);
        abort();
    }
    sf_pkt a, b;
    for (unsigned long long i = 1; i < 100000; i++) {
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        em[0] = ep[0] = '\0';
        sf_src_rc ra = bm.next(bm.st, &a, em, sizeof em);
        sf_src_rc rb = bp.next(bp.st, &b, ep, sizeof ep);
        if (ra != rb) {
            fprintf(stderr, "mmapdiff: mmap [%s] libpcap [%s]\n", em, ep);
            die("result", i, ra, rb);
        }
        if (*bm.consumed != *bp.consumed)
            die("consumed", i, (long long)*bm.consumed, (long long)*bp.consumed);
        eq[0] = '\0';
        sf_src_rc rq = bq.next_quick && bq.consumed && bq.next_quick(bq.st, &q, 1) ? SF_SRC_PACKET
                                                                                    : bq.next(bq.st, &q, eq, sizeof eq);
        if (rq != rb) die("quick: result", i, rq, rb);
        if (rq == SF_SRC_PACKET) cmp_full(i, &q, &a);   /* against its own reader, cleared */
        if (ra == SF_SRC_END) break;
        if (ra == SF_SRC_ERROR) {
            if (strcmp(em, ep)) {
                fprintf(stderr, "mmapdiff: record %llu: error text differs:\n  mmap:    %s\n  libpcap: %s\n",
                        i, em, ep);
                abort();
            }
            int ma = bm.resumable(bm.st), mb = bp.resumable(bp.st);
            if (ma != mb) die("resumable", i, ma, mb);
            if (!ma) break;
            continue;
        }
        cmp_pkt(i, &a, &b);
    }
    bm.close(bm.st);
    bp.close(bp.st);
    bq.close(bq.st);
    return 0;
#endif
}

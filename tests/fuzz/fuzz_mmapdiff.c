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

/* Input: byte 0 bits 0-1 = filter; rest = the file. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifndef HAVE_MMAP
    (void)data; (void)size; (void)filters; (void)die; (void)cmp_pkt;
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
    FILE *fm = fopen(path, "rb"), *fp = fopen(path, "rb");
    close(fd);
    if (!fm || !fp) { if (fm) fclose(fm); if (fp) fclose(fp); return 0; }
    sf_backend bm, bp;
    memset(&bm, 0, sizeof bm);
    memset(&bp, 0, sizeof bp);
    char em[768] = "", ep[768] = "";
    int rm = sf_pcapmmap_open(fm, filter, &bm, em, sizeof em);
    if (rm != 0) {                      /* not its input (or bad filter): nothing to compare */
        if (rm > 0) fclose(fm);
        fclose(fp);
        return 0;
    }
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
    return 0;
#endif
}

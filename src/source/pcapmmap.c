/* \summary: zero-copy reader for classic pcap files: records read in place from an mmap'd file */
#include "pcapmmap.h"
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../decode/decode.h"
#include "../util/cursor.h"

/* libpcap reads a classic pcap file with fread into its buffer, one record
 * at a time (docs/performance.md measures ~450 instructions per record).
 * Here the file is mapped and each record's bytes are handed to the decoder
 * where they lie. Every read of the mapping goes through the cursor. The
 * behaviour copies libpcap 1.10's sf-pcap.c, as the libpcap backend
 * (pcapfile.c) reports it. */

#define PM_MAXSNAP 262144u   /* libpcap's MAXIMUM_SNAPLEN for these link types */

typedef struct pm_state {
    FILE *f;
    const uint8_t *map;
    size_t size;
    sf_cur cur;              /* the records after the 24-byte file header */
    int be, nano, dlt;
    int swapped;             /* byte order differs from the host's */
    uint32_t snap;           /* effective snapshot length, as libpcap sets it */
    uint32_t hdr_snap;       /* libpcap's p->snapshot (its messages name it): the header's
                              * value unless <= 0 as an int */
    uint64_t nread;          /* records read, filtered ones included */
    pcap_t *dead;            /* for the BPF compiler and pcap_offline_filter */
    int have_prog;
    struct bpf_program prog;
    char warn[256];          /* a problem with the record just delivered, reported next */
    int resumable;
    size_t released;         /* bytes [0, released) handed back with MADV_DONTNEED */
    size_t page;
    const uint8_t *fast_until; /* pm_next_host may read records starting before this
                              * (the next release point; map while a warning waits) */
    sf_paging *pg;           /* another thread pages the mapping (pm_set_paging), or NULL */
} pm_state;

/* Mapped pages count in the process's RSS although they are the page
 * cache's: hand back those behind the reader every MiB, so memory
 * stays flat however big the file is. The record before the current one is
 * never touched again (a record's pointers last until the next call). */
#define PM_RELEASE_STEP (1u << 20)
static void release_behind(pm_state *s)
{
    size_t at = (size_t)(s->cur.p - s->map);
    if (at - s->released < PM_RELEASE_STEP) return;
    size_t upto = at & ~(s->page - 1);
    if (s->pg) {                 /* another thread releases it */
        if (upto > s->released) sf_paging_done_upto(s->pg, s->released = upto);
        return;
    }
    if (upto > s->released && madvise((void *)(s->map + s->released), upto - s->released, MADV_DONTNEED) == 0)
        s->released = upto;
}

/* Where pm_next_host hands over to pm_next again: the next release point,
 * or at once while a warning waits to be reported. */
static void fast_limit(pm_state *s)
{
    s->fast_until = s->warn[0] ? s->map : s->map + s->released + PM_RELEASE_STEP;
}

static uint32_t get32(sf_cur *c, int be) { return be ? sf_get_be32(c) : sf_get_le32(c); }

static sf_src_rc fail(pm_state *s, char *err, size_t errlen, const char *fmt, unsigned a, unsigned b)
{
    snprintf(err, errlen, fmt, a, b);
    s->cur.p = s->cur.end;   /* like libpcap after a short read: nothing more */
    return SF_SRC_ERROR;
}

static sf_src_rc pm_next(void *st, sf_pkt *out, char *err, size_t errlen)
{
    pm_state *s = st;
    s->resumable = 0;
    if (s->warn[0]) {
        snprintf(err, errlen, "%s", s->warn);
        s->warn[0] = '\0';
        s->resumable = 1;
        fast_limit(s);
        return SF_SRC_ERROR;
    }
    for (;;) {
        release_behind(s);
        size_t left = sf_cur_left(&s->cur);
        if (left == 0) return SF_SRC_END;
        if (left < 16)
            return fail(s, err, errlen, "file cut short inside the record header (%u of %u bytes)",
                        (unsigned)left, 16);
        uint32_t sec, frac, caplen, len;
        if (s->be) {             /* the byte order tested once, not per field */
            sec = sf_get_be32(&s->cur), frac = sf_get_be32(&s->cur);
            caplen = sf_get_be32(&s->cur), len = sf_get_be32(&s->cur);
        } else {
            sec = sf_get_le32(&s->cur), frac = sf_get_le32(&s->cur);
            caplen = sf_get_le32(&s->cur), len = sf_get_le32(&s->cur);
        }
        if (caplen > PM_MAXSNAP) {
            char m[160];
            if (caplen > s->hdr_snap)
                snprintf(m, sizeof m, "invalid packet capture length %u, bigger than snaplen of %u", caplen, s->hdr_snap);
            else
                snprintf(m, sizeof m, "invalid packet capture length %u, bigger than maximum of %u", caplen, PM_MAXSNAP);
            snprintf(err, errlen, "record's captured length %u exceeds the file's snapshot length (%s)", caplen, m);
            s->cur.p = s->cur.end;
            return SF_SRC_ERROR;
        }
        uint32_t take = caplen > s->snap ? s->snap : caplen;
        left = sf_cur_left(&s->cur);
        if (left < take)
            return fail(s, err, errlen, "file cut short inside the packet data (%u of %u bytes)",
                        (unsigned)left, take);
        const uint8_t *d = s->cur.p;
        /* the stream's next pages before they are needed (hardware
         * prefetchers stop at page boundaries); a hint, never a read */
        __builtin_prefetch(d + 4096);
        sf_cur_skip(&s->cur, take);
        if (caplen > take) {            /* libpcap keeps snaplen bytes and skips the rest */
            left = sf_cur_left(&s->cur);
            if (left < caplen - take)
                return fail(s, err, errlen, "file cut short inside the packet data (%u of %u bytes)",
                            (unsigned)(take + left), caplen);
            sf_cur_skip(&s->cur, caplen - take);
            snprintf(s->warn, sizeof s->warn,
                     "record's captured length %lld exceeds the file's snapshot length %u "
                     "(read as %u bytes, as libpcap does)", (long long)caplen, s->snap, s->snap);
        }
        s->nread++;
        /* as libpcap 1.10 opened for nanoseconds, µs scaled up. Its quirk, kept:
         * the 32-bit fields are signed in a file of the host's byte order but
         * unsigned in a byte-swapped one (tests/unit/test_pcapmmap.c pins it). */
        int64_t tsec = s->swapped ? (int64_t)sec : (int64_t)(int32_t)sec;
        long f = (s->swapped ? (long)frac : (long)(int32_t)frac) * (s->nano ? 1 : 1000);
        if (s->have_prog) {
            struct pcap_pkthdr h;
            h.ts.tv_sec = (time_t)tsec;
            h.ts.tv_usec = (suseconds_t)f;
            h.caplen = take;
            h.len = len;
            if (!pcap_offline_filter(&s->prog, &h, d)) {
                if (s->warn[0]) return pm_next(st, out, err, errlen);
                continue;
            }
        }
        fast_limit(s);
        sf_backend_frame(out, tsec, f, s->nano ? 9 : 6, take, len, s->dlt, d);
        return SF_SRC_PACKET;
    }
}

/* The quick read (sf_backend.next_quick) of a file in the host's byte
 * order without a filter (chosen at open): the usual record -- header and
 * data all in the file, caplen within the snapshot length -- in one pass,
 * with one length test for the header and one for the data: 1, delivered
 * as pm_next would deliver it. Anything else (end of file, a short or
 * oversized record, a warning to report, a release due): 0, nothing
 * consumed or changed, and pm_next reads the same record from the same
 * place. The fields are signed in a file of the host's byte order, and µs
 * are scaled to ns as there (the ts_td_usec division is not needed for
 * them). `nano` is a constant: one copy for each precision (pm_quick_ns,
 * pm_quick_us), chosen at open. */
static inline __attribute__((always_inline)) int pm_quick(pm_state *s, sf_pkt *out, int again, int nano)
{
    sf_cur h = s->cur;
    uint32_t r[4]; /* sec, frac, caplen, len: the file's order is the host's */
    if (h.p >= s->fast_until || sf_peek_bytes(&h, 0, r, sizeof r) != 0) return 0;
    uint32_t caplen = r[2];
    sf_cur_skip(&h, sizeof r);
    if (caplen > s->snap || !sf_cur_has(&h, caplen)) return 0;
    const uint8_t *d = h.p;
    __builtin_prefetch(d + 4096);    /* as in pm_next */
    s->cur.p = d + caplen;           /* (there: tested above) */
    s->nread++;
    int64_t tsec = (int32_t)r[0];
    if (nano) {
        long ns = (int32_t)r[1];
        sf_backend_frame_td_again(out, tsec, (uint32_t)ns, 9, (uint32_t)(ns / 1000), caplen, r[3], s->dlt, d, again);
    } else {
        sf_backend_frame_td_again(out, tsec, r[1] * 1000u, 6, r[1], caplen, r[3], s->dlt, d, again);
    }
    return 1;
}
static int pm_quick_ns(void *st, sf_pkt *out, int again) { return pm_quick(st, out, again, 1); }
static int pm_quick_us(void *st, sf_pkt *out, int again) { return pm_quick(st, out, again, 0); }

/* next() for the files pm_quick reads: it, or pm_next for the rest. */
static sf_src_rc pm_next_host(void *st, sf_pkt *out, char *err, size_t errlen)
{
    pm_state *s = st;
    return pm_quick(s, out, 0, s->nano) ? SF_SRC_PACKET : pm_next(st, out, err, errlen);
}

static int pm_resumable(void *st) { return ((pm_state *)st)->resumable; }

static void pm_close(void *st)
{
    pm_state *s = st;
    if (!s) return;
    if (s->have_prog) pcap_freecode(&s->prog);
    if (s->dead) pcap_close(s->dead);
    if (s->pg) sf_paging_detach(s->pg);   /* no other thread touches the mapping now */
    if (s->map) munmap((void *)s->map, s->size);
    if (s->f) fclose(s->f);
    free(s);
}

/* sf_backend.set_paging: release_behind hands its work to pg's thread. */
static void pm_set_paging(void *st, sf_paging *pg)
{
    pm_state *s = st;
    if (s->pg) {
        sf_paging_detach(s->pg);
        if (!pg && s->released)      /* what that thread may not have released yet */
            madvise((void *)s->map, s->released, MADV_DONTNEED);
    }
    s->pg = pg;
    if (pg) sf_paging_attach(pg, s->map, s->size, s->released);
}

int sf_pcapmmap_open(FILE *f, const char *filter, sf_backend *b, char *err, size_t errlen)
{
    int fd = fileno(f);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 24) return 1;
    uint8_t h[24];
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h) return 1;
    sf_cur c = sf_cur_make(h, sizeof h);
    uint32_t magic = sf_get_le32(&c);
    int be, nano;
    switch (magic) {
    case 0xa1b2c3d4u: be = 0; nano = 0; break;
    case 0xa1b23c4du: be = 0; nano = 1; break;
    case 0xd4c3b2a1u: be = 1; nano = 0; break;
    case 0x4d3cb2a1u: be = 1; nano = 1; break;
    default: return 1;                       /* pcapng, modified pcap, ... */
    }
    uint16_t major = be ? sf_get_be16(&c) : sf_get_le16(&c);
    uint16_t minor = be ? sf_get_be16(&c) : sf_get_le16(&c);
    sf_cur_skip(&c, 8);                      /* thiszone, sigfigs */
    uint32_t snap = get32(&c, be), lt = get32(&c, be);
    if (major != 2 || minor != 4) return 1;
    if (lt != DLT_EN10MB && lt != DLT_LINUX_SLL && lt != 276 /* LINUX_SLL2 */) return 1;
    if (!sf_decode_dlt_supported((int)lt)) return 1;
    void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) return 1;
    madvise(m, (size_t)sb.st_size, MADV_SEQUENTIAL);
    pm_state *s = calloc(1, sizeof *s);
    if (!s) { munmap(m, (size_t)sb.st_size); return 1; }
    s->f = f;
    s->map = m;
    s->size = (size_t)sb.st_size;
    long pg = sysconf(_SC_PAGESIZE);
    s->page = pg > 0 ? (size_t)pg : 4096;
    s->cur = sf_cur_make(s->map, s->size);
    sf_cur_skip(&s->cur, 24);
    s->be = be;
    {
        const uint16_t one = 1;
        s->swapped = be != (*(const uint8_t *)&one == 0);
    }
    s->nano = nano;
    s->dlt = (int)lt;
    s->snap = (snap == 0 || snap > PM_MAXSNAP) ? PM_MAXSNAP : snap;
    s->hdr_snap = (int32_t)snap <= 0 ? PM_MAXSNAP : snap;
    if (filter && *filter) {
        s->dead = pcap_open_dead_with_tstamp_precision(s->dlt, (int)s->snap, PCAP_TSTAMP_PRECISION_NANO);
        if (!s->dead) { s->f = NULL; pm_close(s); return 1; }
        if (sf_backend_filter(s->dead, s->dlt, filter, &s->prog, err, errlen) != 0) {
            pm_close(s);
            return -1;
        }
        s->have_prog = 1;
    }
    fast_limit(s);
    b->st = s;
    int quick = !s->swapped && !s->have_prog;
    b->next = quick ? pm_next_host : pm_next;
    b->next_quick = !quick ? NULL : s->nano ? pm_quick_ns : pm_quick_us;
    b->close = pm_close;
    b->consumed = &s->nread;
    b->resumable = pm_resumable;
    b->set_paging = pm_set_paging;
    return 0;
}

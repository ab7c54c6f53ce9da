/* \summary: libFuzzer target: a whole capture (pcap, pcapng or tcpdump text) through source, engine and a view */
#include <stdio.h>
#include <sys/mman.h>
#include "fuzz_common.h"
#include "../../src/source/source.h"
#include "../../src/source/backend.h"
#if __has_include("../../src/source/pcapmmap.h")   /* the mmap reader (H1) may not be committed yet */
#include "../../src/source/pcapmmap.h"
#define HAVE_MMAP 1
#endif

/* BPF filters tried (index from byte 1); most runs go unfiltered. */
static const char *const filters[] = { NULL, NULL, "tcp", "port 80 or port 443" };
static const uint64_t caps[] = { 0, 1, 3, 64 };

static void drive_backend(sf_engine *e, sf_backend *b)
{
    char err[768];
    sf_pkt p;
    uint64_t frame = 0;
    for (int i = 0; i < 200000; i++) {
        memset(&p, 0, sizeof p);
        sf_src_rc r = b->next(b->st, &p, err, sizeof err);
        if (r == SF_SRC_END) break;
        if (r == SF_SRC_ERROR) {
            if (b->resumable && b->resumable(b->st)) continue;
            break;
        }
        p.frame = ++frame;
        sf_engine_packet(e, &p);
    }
}

static void drive_source(sf_engine *e, sf_source *s)
{
    sf_pkt p;
    for (int i = 0; i < 200000; i++) {
        sf_src_rc r = sf_source_next(s, &p);
        if (r == SF_SRC_END) break;
        if (r == SF_SRC_ERROR) { (void)sf_source_error(s); continue; }
        sf_engine_packet(e, &p);
    }
}

/* Input: byte 0 = view (fz_view_name) and flags (fz_flags);
 * byte 1 = bit 0 ladder --svg/--html, bit 1 --conn 1, bits 2-3 connection
 * cap {default, 1, 3, 64}, bit 4 idle timeout 1 s, bits 5-6 BPF filter,
 * bit 7 the zero-copy mmap pcap reader instead of libpcap (classic pcap
 * only; other inputs fall back to the normal source);
 * then the input file's bytes, read the way synfin reads a file
 * (sf_source_open_files on a memfd: format detection, pcap/pcapng via
 * libpcap, tcpdump text). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    unsigned fl = fz_flags(data[0]);
    uint8_t b1 = data[1];
    if (b1 & 1) fl |= FZ_FILES;
    if (b1 & 2) fl |= FZ_ONECONN;
    sf_engine_cfg cfg = { b1 & 16 ? 1 : 0, caps[(b1 >> 2) & 3] };
    const char *filter = filters[(b1 >> 5) & 3];

    int fd = memfd_create("fuzz", 0);
    if (fd < 0) return 0;
    if (write(fd, data + 2, size - 2) != (ssize_t)(size - 2)) { close(fd); return 0; }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    sf_view v; sf_out out; sf_opts o;
    if (fz_view_opt(fz_view_name(data[0]), fl, &v, &out, &o) != 0) { close(fd); return 0; }
    sf_engine *e = sf_engine_new(&cfg, &v);
    if (e) {
        sf_backend b;
        char err[768];
        FILE *f = NULL;
        int used_mmap = 0;
#ifdef HAVE_MMAP
        if (b1 & 0x80) {
            memset(&b, 0, sizeof b);
            f = fopen(path, "rb");
            if (f) {
                int rc = sf_pcapmmap_open(f, filter, &b, err, sizeof err);
                if (rc == 0) { drive_backend(e, &b); b.close(b.st); used_mmap = 1; }
                else if (rc > 0) fclose(f);      /* not for it: the caller keeps f */
                else used_mmap = 1;              /* error reported; it closed f */
            }
        }
#else
        (void)f; (void)b; (void)drive_backend;
#endif
        if (!used_mmap) {
            const char *paths[1] = { path };
            sf_source *s = sf_source_open_files(paths, 1, filter, err, sizeof err);
            if (s) { drive_source(e, s); sf_source_close(s); }
        }
        sf_engine_finish(e);
        (void)sf_engine_stats(e);
        sf_engine_free(e);
    }
    fz_view_done(&v, &out);
    close(fd);
    return 0;
}

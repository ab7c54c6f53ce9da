/* \summary: input sequencing: open each file ("-" = stdin), detect pcap/pcapng vs text, number frames across files */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include "backend.h"
#include "pcapmmap.h"
#include "pipe.h"

#define PEEK_MAX 4096

struct sf_source {
    const char *const *paths;
    int n, idx;              /* inputs, index of the next to open */
    char *filter;
    sf_backend cur;
    int have_cur;
    char name[512];          /* current input's name for messages */
    uint64_t base;           /* frames of the inputs before the current one */
    uint64_t delivered;      /* records delivered from the current input */
    /* cur.next_quick while an input is open (have_cur) and counts what it
     * consumed (cur.consumed), else NULL */
    int (*quick)(void *st, sf_pkt *out, int again);
    int failures;
    int pending;             /* an open error of paths[idx-1] waits to be reported */
    int cur_counted;         /* the current input is already counted as failed */
    char err[2048];          /* name (512) + backend text (768) + frame numbers fit */
    int single;              /* built by sf_source_from_backend */
    sf_pipe *pipe;           /* read ahead on a thread (sf_source_read_ahead), or NULL */
    sf_pkt own;              /* sf_source_next_ref's record when reading directly */
    sf_paging *paging;       /* another thread pages mapped files (sf_source_page_elsewhere), or NULL */
};

/* ---- a stream that replays the peeked bytes, then reads on (non-seekable inputs) ---- */

typedef struct replay {
    FILE *f;
    unsigned char buf[PEEK_MAX];
    size_t n, off;
    int64_t pos;             /* bytes handed out: ftell works (SEEK_CUR 0 only) */
    int close_f;
} replay;

static ssize_t rp_read(void *c, char *b, size_t size)
{
    replay *r = c;
    size_t got = 0;
    if (r->off < r->n) {
        got = r->n - r->off < size ? r->n - r->off : size;
        memcpy(b, r->buf + r->off, got);
        r->off += got;
    }
    if (got < size) {
        size_t m = fread(b + got, 1, size - got, r->f);
        if (m == 0 && got == 0 && ferror(r->f)) return -1;
        got += m;
    }
    r->pos += (int64_t)got;
    return (ssize_t)got;
}

static int rp_seek(void *c, off64_t *off, int whence)
{
    replay *r = c;
    if (whence == SEEK_CUR && *off == 0) { *off = r->pos; return 0; }
    errno = ESPIPE;
    return -1;
}

static int rp_close(void *c)
{
    replay *r = c;
    if (r->close_f) fclose(r->f);
    free(r);
    return 0;
}

/* Read up to `want` more bytes into buf (already holding *n). */
static void peek_more(FILE *f, unsigned char *buf, size_t *n, size_t want)
{
    while (*n < want) {
        size_t m = fread(buf + *n, 1, want - *n, f);
        if (m == 0) break;
        *n += m;
    }
}

static int looks_binary(const unsigned char *b, size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == 0) return 1;
        if (b[i] < 0x09 || (b[i] > 0x0d && b[i] < 0x20 && b[i] != 0x1b)) bad++;
    }
    return n > 0 && bad * 10 > n;
}

/* Open paths[idx] into s->cur. Returns 0, or -1 with s->err set (naming the file). */
static int open_input(sf_source *s, const char *path)
{
    char e[768] = "";
    int is_stdin = strcmp(path, "-") == 0;
    snprintf(s->name, sizeof s->name, "%s", is_stdin ? "(stdin)" : path);
    FILE *f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(s->err, sizeof s->err, "%s: cannot open: %s", s->name, strerror(errno));
        return -1;
    }
    struct stat stt;
    int seekable = 0;
    if (fstat(fileno(f), &stt) == 0) {
        if (S_ISDIR(stt.st_mode)) {
            snprintf(s->err, sizeof s->err, "%s: is a directory, not a capture file", s->name);
            if (!is_stdin) fclose(f);
            return -1;
        }
        seekable = S_ISREG(stt.st_mode);
    }
    if (seekable && !is_stdin) setvbuf(f, NULL, _IOFBF, 1 << 18);
    replay *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(s->err, sizeof s->err, "%s: out of memory", s->name);
        if (!is_stdin) fclose(f);
        return -1;
    }
    r->f = f;
    r->close_f = !is_stdin;
    peek_more(f, r->buf, &r->n, 4);
    if (ferror(f)) {
        snprintf(s->err, sizeof s->err, "%s: cannot read: %s", s->name, strerror(errno));
        rp_close(r);
        return -1;
    }
    int cap = sf_is_capture_magic(r->buf, r->n);
    if (cap) peek_more(f, r->buf, &r->n, r->buf[0] == 0x0a ? PEEK_MAX : 24);
    else peek_more(f, r->buf, &r->n, 512);
    if (r->n == 0) {
        snprintf(s->err, sizeof s->err, "%s: empty file, not a capture", s->name);
        rp_close(r);
        return -1;
    }
    if (!cap && r->n >= 2 && r->buf[0] == 0x1f && r->buf[1] == 0x8b) {
        snprintf(s->err, sizeof s->err,
                 "%s: not a capture file: gzip-compressed (decompress it first, e.g. zcat FILE | synfin -)",
                 s->name);
        rp_close(r);
        return -1;
    }
    if (!cap && looks_binary(r->buf, r->n)) {
        snprintf(s->err, sizeof s->err,
                 "%s: not a capture file: neither pcap nor pcapng (first bytes %02x %02x %02x %02x) nor tcpdump text",
                 s->name, r->buf[0], r->n > 1 ? r->buf[1] : 0, r->n > 2 ? r->buf[2] : 0,
                 r->n > 3 ? r->buf[3] : 0);
        rp_close(r);
        return -1;
    }
    int prec = cap ? sf_capture_prec(r->buf, r->n) : 6;
    FILE *in;
    if (seekable && fseeko(f, 0, SEEK_SET) == 0) {
        r->close_f = 0;
        rp_close(r);
        in = f;
    } else {
        cookie_io_functions_t io = { rp_read, NULL, rp_seek, rp_close };
        in = fopencookie(r, "rb", io);
        if (!in) {
            snprintf(s->err, sizeof s->err, "%s: out of memory", s->name);
            rp_close(r);
            return -1;
        }
        setvbuf(in, NULL, _IOFBF, 1 << 18);
    }
    memset(&s->cur, 0, sizeof s->cur);
    int rc;
    /* a regular classic-pcap file is read in place (pcapmmap.c, the same
     * records as libpcap without its copies); anything else through libpcap.
     * SYNFIN_NO_MMAP=1 forces libpcap (for comparisons). */
    const char *nomm = getenv("SYNFIN_NO_MMAP");
    int mm = 1;
    if (cap && in == f && !is_stdin && !(nomm && *nomm && strcmp(nomm, "0")))
        mm = sf_pcapmmap_open(in, s->filter, &s->cur, e, sizeof e);
    if (mm == 1)
        rc = cap ? sf_pcapfile_open_prec(in, s->filter, prec, &s->cur, e, sizeof e)
                 : sf_text_open(in, s->name, s->filter, &s->cur, e, sizeof e);
    else
        rc = mm;
    /* both take ownership of `in`; a stdin FILE behind a cookie stays open */
    if (rc != 0) {
        snprintf(s->err, sizeof s->err, "%s: %s", s->name, e[0] ? e : "cannot read");
        return -1;
    }
    s->have_cur = 1;
    s->quick = s->cur.consumed ? s->cur.next_quick : NULL;
    s->delivered = 0;
    s->cur_counted = 0;
    if (s->paging && s->cur.set_paging) s->cur.set_paging(s->cur.st, s->paging);
    return 0;
}

/* A BPF expression must compile for at least one common link type, or it
 * is a usage error (reported before anything is read). */
static int filter_ok(const char *filter, char *err, size_t errlen)
{
    static const int dlts[] = { DLT_EN10MB, DLT_RAW, DLT_LINUX_SLL };
    char first[PCAP_ERRBUF_SIZE + 64] = "";
    for (size_t i = 0; i < sizeof dlts / sizeof dlts[0]; i++) {
        pcap_t *d = pcap_open_dead(dlts[i], 262144);
        if (!d) return 1;
        struct bpf_program pr;
        int ok = pcap_compile(d, &pr, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
        if (ok) pcap_freecode(&pr);
        else if (!first[0]) snprintf(first, sizeof first, "%s", pcap_geterr(d));
        pcap_close(d);
        if (ok) return 1;
    }
    snprintf(err, errlen, "bad filter '%s': %s", filter, first);
    return 0;
}

sf_source *sf_source_open_files(const char *const *paths, int n, const char *filter, char *err,
                                size_t errlen)
{
    if (filter && *filter && !filter_ok(filter, err, errlen)) return NULL;
    sf_source *s = calloc(1, sizeof *s);
    if (!s) { snprintf(err, errlen, "out of memory"); return NULL; }
    s->paths = paths;
    s->n = n;
    if (filter && *filter && !(s->filter = strdup(filter))) {
        free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (n > 0) {
        s->idx = 1;
        if (open_input(s, paths[0]) != 0) {
            if (n == 1) {
                snprintf(err, errlen, "%s", s->err);
                free(s->filter);
                free(s);
                return NULL;
            }
            s->pending = 1; /* report it from the first next(), then go on */
        }
    }
    return s;
}

sf_source *sf_source_from_backend(const sf_backend *b, const char *name, char *err, size_t errlen)
{
    sf_source *s = calloc(1, sizeof *s);
    if (!s) {
        if (b->close) b->close(b->st);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cur = *b;
    s->have_cur = 1;
    s->quick = s->cur.consumed ? s->cur.next_quick : NULL;
    s->single = 1;
    snprintf(s->name, sizeof s->name, "%s", name ? name : "input");
    return s;
}

/* Frames consumed from the current input so far (filtered ones included). */
static uint64_t cur_consumed(const sf_source *s)
{
    return s->cur.consumed ? *s->cur.consumed : s->delivered;
}

static void end_current(sf_source *s)
{
    if (!s->have_cur) return;
    uint64_t used = cur_consumed(s);
    if (used < s->delivered) used = s->delivered;
    s->base += used;
    if (s->cur.close) s->cur.close(s->cur.st);
    s->have_cur = 0;
    s->quick = NULL;
}

/* The next record, read here (not through the pipe), any way. */
static sf_src_rc next_direct(sf_source *s, sf_pkt *out)
{
    for (;;) {
        if (s->pending) {
            s->pending = 0;
            s->failures++;
            return SF_SRC_ERROR;
        }
        if (!s->have_cur) {
            if (s->single || s->idx >= s->n) return SF_SRC_END;
            if (open_input(s, s->paths[s->idx++]) != 0) {
                s->failures++;
                return SF_SRC_ERROR;
            }
        }
        char e[768];
        e[0] = '\0';   /* not zero-filled: this runs once a packet */
        sf_src_rc r = s->cur.next(s->cur.st, out, e, sizeof e);
        if (r == SF_SRC_IDLE) return r; /* live: nothing arrived; no frame consumed */
        if (r == SF_SRC_PACKET) {
            s->delivered++;
            out->frame = s->base + cur_consumed(s);
            return r;
        }
        uint64_t used = cur_consumed(s);
        if (r == SF_SRC_ERROR) {
            int resume = s->cur.resumable && s->cur.resumable(s->cur.st);
            /* a warning names the record delivered before it; a fatal error
             * the record being read when it failed */
            uint64_t pk = resume ? used : used + 1;
            if (s->base)
                snprintf(s->err, sizeof s->err, "%s: packet %llu (frame %llu): %s", s->name,
                         (unsigned long long)pk, (unsigned long long)(s->base + pk),
                         e[0] ? e : "read error");
            else
                snprintf(s->err, sizeof s->err, "%s: packet %llu: %s", s->name,
                         (unsigned long long)pk, e[0] ? e : "read error");
            if (!s->cur_counted) s->failures++;
            s->cur_counted = 1;
            if (!resume) end_current(s);
            return SF_SRC_ERROR;
        }
        end_current(s);
    }
}

/* next_direct, trying the backend's quick read first: the usual record
 * without next()'s error buffer, loop and checks (once a packet). */
static inline sf_src_rc next_rec(sf_source *s, sf_pkt *out)
{
    /* s->own is written by backends only (calloc'ed: dec_shape 0 at first) */
    if (s->quick && s->quick(s->cur.st, out, out == &s->own)) {
        s->delivered++;
        out->frame = s->base + *s->cur.consumed;   /* cur_consumed(s): s->quick needs it */
        return SF_SRC_PACKET;
    }
    return next_direct(s, out);
}

sf_src_rc sf_source_next(sf_source *s, sf_pkt *out)
{
    if (!s->pipe) return next_rec(s, out);
    const sf_pkt *k;
    sf_src_rc r = sf_pipe_next(s->pipe, &k);
    if (r == SF_SRC_PACKET) *out = *k;
    return r;
}

sf_src_rc sf_source_next_ref(sf_source *s, const sf_pkt **out)
{
    if (s->pipe) return sf_pipe_next(s->pipe, out);
    *out = &s->own;
    return next_rec(s, &s->own);
}

const char *sf_source_error(const sf_source *s) { return s->pipe ? sf_pipe_error(s->pipe) : s->err; }

int sf_source_failures(const sf_source *s) { return s->pipe ? sf_pipe_failures(s->pipe) : s->failures; }

/* The pipe's view of the source: only its thread calls these. */
static sf_src_rc pipe_next(void *ctx, sf_pkt *out) { return next_rec(ctx, out); }
static const char *pipe_error(void *ctx) { return ((sf_source *)ctx)->err; }
static int pipe_failures(void *ctx) { return ((sf_source *)ctx)->failures; }

int sf_source_read_ahead(sf_source *s, unsigned slots, size_t arena)
{
    if (s->pipe) return 0;
    if (s->single) return -1;            /* live capture: packets are handed on as they come */
    sf_pipe_src ps = { s, pipe_next, pipe_error, pipe_failures };
    s->pipe = sf_pipe_start(&ps, slots ? slots : SF_READ_AHEAD_SLOTS, arena ? arena : SF_READ_AHEAD_ARENA);
    return s->pipe ? 0 : -1;
}

int sf_source_defer_release(sf_source *s, void (*on_wait)(void *), void *ctx)
{
    if (!s->pipe) return -1;
    sf_pipe_defer_release(s->pipe, on_wait, ctx);
    return 0;
}

int sf_source_page_elsewhere(sf_source *s, int on)
{
    if (on) {
        if (s->paging) return 0;
        if (s->pipe || s->single) return -1;   /* read on a thread of its own, or live */
        if (!(s->paging = sf_paging_new())) return -1;
        if (s->have_cur && s->cur.set_paging) s->cur.set_paging(s->cur.st, s->paging);
        return 0;
    }
    if (!s->paging) return 0;
    if (s->have_cur && s->cur.set_paging) s->cur.set_paging(s->cur.st, NULL);
    sf_paging_free(s->paging);
    s->paging = NULL;
    return 0;
}

void sf_source_page_work(sf_source *s)
{
    if (s->paging) sf_paging_work(s->paging);
}

uint64_t sf_source_ticket(const sf_source *s) { return s->pipe ? sf_pipe_ticket(s->pipe) : 0; }

void sf_source_release(sf_source *s, uint64_t ticket)
{
    if (s->pipe) sf_pipe_release(s->pipe, ticket);
}

void sf_source_close(sf_source *s)
{
    if (!s) return;
    sf_pipe_stop(s->pipe);               /* the thread is done with s before anything is freed */
    s->pipe = NULL;
    end_current(s);
    sf_paging_free(s->paging);           /* (end_current detached it) */
    free(s->filter);
    free(s);
}

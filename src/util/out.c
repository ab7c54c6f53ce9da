/* \summary: buffered output with write-error tracking */
#include "out.h"
#include "fmt.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* These primitives run several times per field of every output line (JSON
 * keys, numbers, tcpdump fields), so the common case — room in the buffer —
 * is kept to a compare and a copy: no strlen+memcpy pair for short strings,
 * no temporary buffer for numbers or printf (docs/performance.md). */

int sf_out_init(sf_out *o, int fd, size_t cap)
{
    memset(o, 0, sizeof *o);
    o->fd = fd;
    o->cap = cap < 4096 ? 4096 : cap;
    o->buf = malloc(o->cap);
    return o->buf ? 0 : -1;
}

void sf_out_free(sf_out *o)
{
    free(o->buf);
    o->buf = NULL;
}

static void write_all(sf_out *o, const char *p, size_t n)
{
    size_t off = 0;
    while (!o->err && off < n) {
        ssize_t w = write(o->fd, p + off, n - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            o->err = errno;
            break;
        }
        off += (size_t)w;
    }
}

int sf_out_flush(sf_out *o)
{
    write_all(o, o->buf, o->len);
    o->len = 0;
    return o->err ? -1 : 0;
}

char *sf_out_reserve(sf_out *o, size_t n)
{
    if (o->len + n > o->cap) {
        sf_out_flush(o);
        if (n > o->cap) {
            char *nb = realloc(o->buf, n);
            if (!nb) { o->err = ENOMEM; return NULL; }
            o->buf = nb;
            o->cap = n;
        }
    }
    return o->buf + o->len;
}

/* Copy of n <= 16 bytes without a call to memcpy (fixed-size copies compile
 * to plain moves; the two halves may overlap). */
static inline void copy_small(char *d, const char *s, size_t n)
{
    if (n >= 8) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++) d[i] = s[i];
    }
}

void sf_out_write(sf_out *o, const void *p, size_t n)
{
    if (o->err) return;
    if (n > o->cap - o->len) {
        sf_out_flush(o);
        if (n >= o->cap) { write_all(o, p, n); return; }   /* large: no copy, no growth */
    }
    char *d = o->buf + o->len;
    if (n <= 16) copy_small(d, p, n);
    else memcpy(d, p, n);
    o->len += n;
}

void sf_out_str(sf_out *o, const char *s)
{
    if (o->err) return;
    char *d = o->buf + o->len, *e = o->buf + o->cap;
    while (*s) {
        if (d == e) {
            o->len = (size_t)(d - o->buf);
            if (sf_out_flush(o)) return;
            d = o->buf;
        }
        *d++ = *s++;
    }
    o->len = (size_t)(d - o->buf);
}

void sf_out_chr(sf_out *o, char c)
{
    if (o->err) return;
    if (o->len >= o->cap && sf_out_flush(o)) return;
    o->buf[o->len++] = c;
}

void sf_out_eol(sf_out *o)
{
    sf_out_chr(o, '\n');
    if (o->line_flush) sf_out_flush(o);
}

void sf_out_printf(sf_out *o, const char *fmt, ...)
{
    if (o->err) return;
    /* format straight into the buffer; only a result that does not fit the
     * room left is formatted again (after a flush, or into the heap) */
    if (o->cap - o->len < 256 && sf_out_flush(o)) return;
    size_t room = o->cap - o->len;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, room, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < room) { o->len += (size_t)n; return; }
    if (sf_out_flush(o)) return;
    if ((size_t)n < o->cap) {
        va_start(ap, fmt);
        vsnprintf(o->buf, o->cap, fmt, ap);
        va_end(ap);
        o->len = (size_t)n;
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) { o->err = ENOMEM; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    write_all(o, big, (size_t)n);
    free(big);
}

void sf_out_u64(sf_out *o, uint64_t v)
{
    if (o->err) return;
    if (o->cap - o->len < SF_FMT_U64_MAX && sf_out_flush(o)) return;
    char *d = o->buf + o->len;
    o->len += (size_t)(sf_fmt_u64(d, v) - d);
}

void sf_out_i64(sf_out *o, int64_t v)
{
    if (v < 0) { sf_out_chr(o, '-'); sf_out_u64(o, (uint64_t)0 - (uint64_t)v); }
    else sf_out_u64(o, (uint64_t)v);
}

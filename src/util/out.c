/* \summary: buffered output with write-error tracking */
#include "out.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int sf_out_flush(sf_out *o)
{
    size_t off = 0;
    while (!o->err && off < o->len) {
        ssize_t n = write(o->fd, o->buf + off, o->len - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            o->err = errno;
            break;
        }
        off += (size_t)n;
    }
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

void sf_out_write(sf_out *o, const void *p, size_t n)
{
    if (o->err) return;
    char *d = sf_out_reserve(o, n);
    if (!d) return;
    memcpy(d, p, n);
    o->len += n;
}

void sf_out_str(sf_out *o, const char *s) { sf_out_write(o, s, strlen(s)); }

void sf_out_chr(sf_out *o, char c)
{
    if (o->err) return;
    if (o->len >= o->cap) sf_out_flush(o);
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
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) { sf_out_write(o, tmp, (size_t)n); return; }
    char *big = malloc((size_t)n + 1);
    if (!big) { o->err = ENOMEM; return; }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sf_out_write(o, big, (size_t)n);
    free(big);
}

void sf_out_u64(sf_out *o, uint64_t v)
{
    char tmp[24];
    int i = sizeof tmp;
    do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    sf_out_write(o, tmp + i, sizeof tmp - (size_t)i);
}

void sf_out_i64(sf_out *o, int64_t v)
{
    if (v < 0) { sf_out_chr(o, '-'); sf_out_u64(o, (uint64_t)0 - (uint64_t)v); }
    else sf_out_u64(o, (uint64_t)v);
}

/* \summary: buffered output with write-error tracking (EPIPE ends quietly) */
#ifndef SF_OUT_H
#define SF_OUT_H
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* A large-block output buffer over a file descriptor. The caller owns it.
 * Errors are sticky: after a failed write every call is a no-op and
 * sf_out_error() returns the errno (EPIPE for a closed pipe). */
typedef struct sf_out {
    int fd;
    int err;           /* 0 or errno of the first failed write */
    size_t len;
    size_t cap;
    char *buf;
    int line_flush;    /* flush after every sf_out_eol (live capture) */
} sf_out;

int sf_out_init(sf_out *o, int fd, size_t cap);
void sf_out_free(sf_out *o);
void sf_out_write(sf_out *o, const void *p, size_t n);
void sf_out_str(sf_out *o, const char *s);
void sf_out_chr(sf_out *o, char c);
void sf_out_printf(sf_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sf_out_u64(sf_out *o, uint64_t v);
void sf_out_i64(sf_out *o, int64_t v);
/* End of a logical line: writes '\n' and flushes if line_flush. */
void sf_out_eol(sf_out *o);
int sf_out_flush(sf_out *o);
static inline int sf_out_error(const sf_out *o) { return o->err; }
/* Make room for n bytes and return a pointer to write them; commit with sf_out_commit. */
char *sf_out_reserve(sf_out *o, size_t n);
static inline void sf_out_commit(sf_out *o, size_t n) { o->len += n; }

#endif

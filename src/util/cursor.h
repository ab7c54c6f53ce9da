/* \summary: bounds-checked read cursor over untrusted bytes */
#ifndef SF_CURSOR_H
#define SF_CURSOR_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A cursor {p, end} over bytes owned by someone else (the capture buffer).
 * Every read checks the remaining length first and fails closed: on a short
 * buffer the getter returns 0, leaves the cursor where it was and sets
 * `err`. Callers test sf_cur_ok() (or the int return) after a group of reads. */
typedef struct sf_cur {
    const uint8_t *p;
    const uint8_t *end;
    int err; /* sticky: 1 once any read ran past end */
} sf_cur;

static inline sf_cur sf_cur_make(const uint8_t *p, size_t len)
{
    sf_cur c = { p, p + len, 0 };
    return c;
}
static inline size_t sf_cur_left(const sf_cur *c) { return (size_t)(c->end - c->p); }
static inline int sf_cur_ok(const sf_cur *c) { return !c->err; }
static inline int sf_cur_has(const sf_cur *c, size_t n) { return sf_cur_left(c) >= n; }

/* Advance by n bytes; fails (sets err, returns -1) if fewer remain. */
static inline int sf_cur_skip(sf_cur *c, size_t n)
{
    if (sf_cur_left(c) < n) { c->err = 1; return -1; }
    c->p += n;
    return 0;
}
static inline uint8_t sf_get_u8(sf_cur *c)
{
    if (sf_cur_left(c) < 1) { c->err = 1; return 0; }
    return *c->p++;
}
static inline uint16_t sf_get_be16(sf_cur *c)
{
    if (sf_cur_left(c) < 2) { c->err = 1; return 0; }
    uint16_t v = (uint16_t)((c->p[0] << 8) | c->p[1]);
    c->p += 2;
    return v;
}
static inline uint32_t sf_get_be24(sf_cur *c)
{
    if (sf_cur_left(c) < 3) { c->err = 1; return 0; }
    uint32_t v = ((uint32_t)c->p[0] << 16) | ((uint32_t)c->p[1] << 8) | c->p[2];
    c->p += 3;
    return v;
}
static inline uint32_t sf_get_be32(sf_cur *c)
{
    if (sf_cur_left(c) < 4) { c->err = 1; return 0; }
    uint32_t v = ((uint32_t)c->p[0] << 24) | ((uint32_t)c->p[1] << 16) |
                 ((uint32_t)c->p[2] << 8) | c->p[3];
    c->p += 4;
    return v;
}
static inline uint16_t sf_get_le16(sf_cur *c)
{
    if (sf_cur_left(c) < 2) { c->err = 1; return 0; }
    uint16_t v = (uint16_t)(c->p[0] | (c->p[1] << 8));
    c->p += 2;
    return v;
}
static inline uint32_t sf_get_le32(sf_cur *c)
{
    if (sf_cur_left(c) < 4) { c->err = 1; return 0; }
    uint32_t v = (uint32_t)c->p[0] | ((uint32_t)c->p[1] << 8) |
                 ((uint32_t)c->p[2] << 16) | ((uint32_t)c->p[3] << 24);
    c->p += 4;
    return v;
}
/* Copy n bytes out; fails closed (dst untouched) when short. */
static inline int sf_get_bytes(sf_cur *c, void *dst, size_t n)
{
    if (sf_cur_left(c) < n) { c->err = 1; return -1; }
    memcpy(dst, c->p, n);
    c->p += n;
    return 0;
}
/* Fixed-offset peeks for fast paths: read the bytes at c->p + off without
 * moving the cursor or touching err. Each still checks that off + size
 * bytes are there and fails closed (returns 0 / -1) if not; after one
 * sf_cur_has(c, n) test with off + size <= n the compiler folds that check
 * away, so a header read this way costs no more than raw loads. */
static inline uint8_t sf_peek_u8(const sf_cur *c, size_t off)
{
    if (sf_cur_left(c) < off + 1) return 0;
    return c->p[off];
}
static inline uint16_t sf_peek_be16(const sf_cur *c, size_t off)
{
    if (sf_cur_left(c) < off + 2) return 0;
    const uint8_t *q = c->p + off;
    return (uint16_t)((q[0] << 8) | q[1]);
}
static inline uint32_t sf_peek_be32(const sf_cur *c, size_t off)
{
    if (sf_cur_left(c) < off + 4) return 0;
    const uint8_t *q = c->p + off;
    return ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) | ((uint32_t)q[2] << 8) | q[3];
}
static inline int sf_peek_bytes(const sf_cur *c, size_t off, void *dst, size_t n)
{
    if (sf_cur_left(c) < off + n) return -1;
    memcpy(dst, c->p + off, n);
    return 0;
}
/* Cut the cursor to at most n bytes from here (never lengthens it). */
static inline void sf_cur_limit(sf_cur *c, size_t n)
{
    if (sf_cur_left(c) > n) c->end = c->p + n;
}
/* A sub-cursor over the next n bytes (clamped to what is there; *short_out
 * set to 1 when fewer than n bytes remain). The parent advances past them. */
static inline sf_cur sf_cur_sub(sf_cur *c, size_t n, int *short_out)
{
    size_t left = sf_cur_left(c);
    int sh = left < n;
    if (sh) n = left;
    sf_cur s = { c->p, c->p + n, 0 };
    c->p += n;
    if (short_out) *short_out = sh;
    return s;
}
#endif

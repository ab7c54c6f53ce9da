/* \summary: printf-free formatting of numbers and IP addresses into caller buffers */
#include "fmt.h"
#include <string.h>

static const char digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static int ndigits(uint64_t v)
{
    int n = 1;
    while (v >= 10000) { v /= 10000; n += 4; }
    if (v >= 1000) return n + 3;
    if (v >= 100) return n + 2;
    if (v >= 10) return n + 1;
    return n;
}

/* Writes exactly n digits of v (n >= ndigits(v)) at q. */
static char *put_digits(char *q, uint64_t v, int n)
{
    char *e = q + n, *p = e;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, digits2 + 2 * r, 2);
    }
    if (v >= 10) { p -= 2; memcpy(p, digits2 + 2 * v, 2); }
    else *--p = (char)('0' + v);
    while (p > q) *--p = '0';
    return e;
}

char *sf_fmt_u64(char *q, uint64_t v)
{
    return put_digits(q, v, ndigits(v));
}

char *sf_fmt_u64_pad(char *q, uint64_t v, int width)
{
    int n = ndigits(v);
    return put_digits(q, v, n > width ? n : width);
}

static char *put_octet(char *q, unsigned v)
{
    if (v >= 100) { *q++ = (char)('0' + v / 100); v %= 100; memcpy(q, digits2 + 2 * v, 2); return q + 2; }
    if (v >= 10) { memcpy(q, digits2 + 2 * v, 2); return q + 2; }
    *q++ = (char)('0' + v);
    return q;
}

char *sf_fmt_ipv4(char *q, const uint8_t a[4])
{
    q = put_octet(q, a[0]); *q++ = '.';
    q = put_octet(q, a[1]); *q++ = '.';
    q = put_octet(q, a[2]); *q++ = '.';
    return put_octet(q, a[3]);
}

char *sf_fmt_ipv6(char *q, const uint8_t a[16])
{
    static const char hex[] = "0123456789abcdef";
    unsigned w[8];
    for (int i = 0; i < 8; i++) w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    /* longest run of zero groups (first one on a tie), used only if >= 2 */
    int best = -1, blen = 0, cur = -1, clen = 0;
    for (int i = 0; i < 8; i++) {
        if (w[i] == 0) {
            if (cur < 0) { cur = i; clen = 1; } else clen++;
            if (clen > blen) { best = cur; blen = clen; }
        } else {
            cur = -1; clen = 0;
        }
    }
    if (blen < 2) best = -1;
    for (int i = 0; i < 8; i++) {
        if (best >= 0 && i >= best && i < best + blen) {
            if (i == best) *q++ = ':';
            continue;
        }
        if (i) *q++ = ':';
        /* embedded IPv4: ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped) */
        if (i == 6 && best == 0 && (blen == 6 || (blen == 5 && w[5] == 0xffff)))
            return sf_fmt_ipv4(q, a + 12);
        unsigned v = w[i];
        if (v >= 0x1000) *q++ = hex[v >> 12];
        if (v >= 0x100) *q++ = hex[(v >> 8) & 15];
        if (v >= 0x10) *q++ = hex[(v >> 4) & 15];
        *q++ = hex[v & 15];
    }
    if (best >= 0 && best + blen == 8) *q++ = ':';
    return q;
}

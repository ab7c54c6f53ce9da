/* \summary: printf-free formatting of numbers and IP addresses into caller buffers */
#include "fmt.h"
#include <stdio.h>
#include <string.h>

const char sf_fmt_digits2[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* 10^i for the digit count below */
static const uint32_t pow10_32[10] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
};

/* Decimal digits of v (1 for 0): log2 from the highest bit, * log10(2)
 * (1233/4096), corrected by one compare. */
static inline int ndigits32(uint32_t v)
{
    int t = ((32 - __builtin_clz(v | 1)) * 1233) >> 12;
    return t + 1 - (v < pow10_32[t]);
}

/*
 * Exactly n digits (1 <= n <= 10) of v < 10^n, left to right, with one
 * multiplication per pair and no division. v / 10^r (r = the digits after
 * the leading one or two, even) is taken as a fixed-point number with 57
 * fraction bits: t = v * ceil(2^57 / 10^r). Its integer part is the
 * leading digit(s); each further pair is the integer part of the fraction
 * times 100. This is exact as long as the excess of t over v * 2^57 / 10^r,
 * below v * e / 2^57 with e = ceil - exact < 1, stays under one unit of
 * the r-th decimal (2^57 / 10^r): at worst 7.2e-9 against 1e-8 (r = 8,
 * v = 2^32 - 1, e = 0.242). No product overflows 2^64: v < 10^(r+2) gives
 * v * ceil(2^57 / 10^r) < 100 * 2^57 + 10^(r+2) ~ 1.44e19, and a fraction
 * times 100 is below 100 * 2^57. (Checked for every 32-bit value against
 * a division-based writer when written; test_out.c sweeps a sample.)
 */
#define FX_BITS 57
#define FX_MASK ((UINT64_C(1) << FX_BITS) - 1)
static const uint64_t fx_recip[5] = {
    0,
    (UINT64_C(1) << FX_BITS) / 100u + 1,
    (UINT64_C(1) << FX_BITS) / 10000u + 1,
    (UINT64_C(1) << FX_BITS) / 1000000u + 1,
    (UINT64_C(1) << FX_BITS) / 100000000u + 1,
};

static inline char *put_pairs32(char *q, uint32_t v, int n)
{
    if (n <= 2) {
        if (n == 2) {
            memcpy(q, sf_fmt_digits2 + 2 * v, 2);
            return q + 2;
        }
        *q = (char)('0' + v);
        return q + 1;
    }
    int pairs = (n - 1) >> 1;                 /* r / 2 */
    uint64_t t = (uint64_t)v * fx_recip[pairs];
    unsigned lead = (unsigned)(t >> FX_BITS);
    if (n & 1) {
        *q++ = (char)('0' + lead);
    } else {
        memcpy(q, sf_fmt_digits2 + 2 * lead, 2);
        q += 2;
    }
    do {
        t = (t & FX_MASK) * 100;
        memcpy(q, sf_fmt_digits2 + 2 * (t >> FX_BITS), 2);
        q += 2;
    } while (--pairs);
    return q;
}

#ifdef SF_FMT_SWAR
#define swar8_val sf_fmt_swar8_val   /* fmt.h */

#define LEAD(i) ((i) < 10 ? (uint32_t)('0' + (i)) | 1u << 24 \
                          : (uint32_t)('0' + (i) / 10) | (uint32_t)('0' + (i) % 10) << 8 | 2u << 24)
#define LEAD8(i) LEAD(i), LEAD((i) + 1), LEAD((i) + 2), LEAD((i) + 3), \
                 LEAD((i) + 4), LEAD((i) + 5), LEAD((i) + 6), LEAD((i) + 7)
const uint32_t sf_fmt_lead[43] = {
    LEAD8(0), LEAD8(8), LEAD8(16), LEAD8(24), LEAD8(32), LEAD(40), LEAD(41), LEAD(42),
};

static inline uint64_t swar8(uint32_t v)
{
    return swar8_val(v) | 0x3030303030303030ull;
}

/* Exactly n digits (1 <= n <= 10) of v < 10^n. */
static inline __attribute__((always_inline)) char *put_fixed32(char *q, uint32_t v, int n)
{
    if (n < 5)
        return put_pairs32(q, v, n);
    if (n <= 8) {
        /* the last n of the 8 digits: two overlapping 4-byte stores */
        uint64_t d = swar8(v) >> (8 * (8 - n));
        uint32_t w = (uint32_t)d;
        memcpy(q, &w, 4);
        w = (uint32_t)(d >> (8 * (n - 4)));
        memcpy(q + n - 4, &w, 4);
        return q + n;
    }
    uint32_t hi = v / 100000000u;               /* 1 or 2 digits (< 43) */
    q = put_pairs32(q, hi, n - 8);
    uint64_t d = swar8(v - hi * 100000000u);
    memcpy(q, &d, 8);
    return q + 8;
}

char *sf_fmt_u32_wide(char *q, uint32_t v)
{
    return sf_fmt_u32_wide_inl(q, v);
}
#else
#define put_fixed32 put_pairs32

char *sf_fmt_u32_wide(char *q, uint32_t v)
{
    return sf_fmt_u32(q, v);
}
#endif

char *sf_fmt_u32(char *q, uint32_t v)
{
    return put_fixed32(q, v, ndigits32(v));
}

char *sf_fmt_digits(char *q, uint64_t v, int n)
{
    if (n <= 0)
        return q;
    if (n <= 9) {
        if (v >= pow10_32[n])             /* rare: a division only then */
            v %= pow10_32[n];
        /* the fractions of seconds: compiled for their constant width */
        if (n == 6)
            return put_fixed32(q, (uint32_t)v, 6);
        if (n == 9)
            return put_fixed32(q, (uint32_t)v, 9);
        return put_fixed32(q, (uint32_t)v, n);
    }
    /* the low 9 digits, then the rest */
    q = sf_fmt_digits(q, v / 1000000000u, n - 9);
    return put_fixed32(q, (uint32_t)(v % 1000000000u), 9);
}

char *sf_fmt_u64(char *q, uint64_t v)
{
    if (v <= UINT32_MAX)
        return sf_fmt_u32(q, (uint32_t)v);
    /* 10 to 20 digits: the high part, then exactly 9 */
    q = sf_fmt_u64(q, v / 1000000000u);
    return put_fixed32(q, (uint32_t)(v % 1000000000u), 9);
}

char *sf_fmt_u64_pad(char *q, uint64_t v, int width)
{
    char t[SF_FMT_U64_MAX];
    int n = (int)(sf_fmt_u64(t, v) - t);
    for (; n < width; width--)
        *q++ = '0';
    memcpy(q, t, (size_t)n);
    return q + n;
}

/* "%.<d>f" (d = 1 or 2) of a value that is ns/(unit * 10^d): ns/unit
 * rounded, in units of the last decimal (sf_fmt_dur's "%.1fms", unit
 * 10^5, and "%.2fs", unit 10^7). The double's own rounding error (< 2^-53
 * relative) can only matter at an exact half, rem == unit/2: that case
 * (one value in `unit`) is left to printf on the same double: NULL then.
 * Inline: unit and d are constants at each call. */
static inline char *dur_fixed(char *q, uint64_t ns, uint64_t unit, unsigned d)
{
    uint64_t r = ns / unit, rem = ns - r * unit;
    if (2 * rem == unit)
        return NULL;
    const uint32_t v = (uint32_t)(r + (2 * rem > unit));   /* < 360001 in sf_fmt_dur's ranges */
    q = sf_fmt_u32_wide_inl(q, v / (d == 1 ? 10u : 100u));  /* (room 16 of the 32) */
    *q++ = '.';
    if (d == 1) {
        *q++ = (char)('0' + v % 10u);
    } else {
        memcpy(q, sf_fmt_digits2 + 2 * (v % 100u), 2);
        q += 2;
    }
    return q;
}

char *sf_fmt_dur(char *q, int64_t ns)
{
    char *e;
    if (ns < 0) {
        *q = '-';
        return q + 1;
    }
    if (ns < 1000000) {
        q = sf_fmt_u32_wide_inl(q, (uint32_t)ns / 1000u);    /* (room 16 of the 32) */
        memcpy(q, "us", 2);
        return q + 2;
    }
    if (ns < 1000000000LL) {
        if (!(e = dur_fixed(q, (uint64_t)ns, 100000u, 1)))
            return q + snprintf(q, SF_FMT_DUR_MAX, "%.1fms", (double)ns / 1e6);
        memcpy(e, "ms", 2);
        return e + 2;
    }
    if (ns < 3600LL * 1000000000LL) {
        if (!(e = dur_fixed(q, (uint64_t)ns, 10000000u, 2)))
            return q + snprintf(q, SF_FMT_DUR_MAX, "%.2fs", (double)ns / 1e9);
        *e = 's';
        return e + 1;
    }
    uint64_t s = (uint64_t)ns / 1000000000u;
    q = sf_fmt_u64(q, s / 3600);
    *q++ = 'h';
    q = put_fixed32(q, (uint32_t)((s / 60) % 60), 2);
    *q = 'm';
    return q + 1;
}

/* The decimal text of every octet, its length in the 4th byte. */
#define OCT_D(v, i) (char)((v) >= 100 ? "0123456789"[((v) / (i == 0 ? 100 : i == 1 ? 10 : 1)) % 10] : \
                          (v) >= 10 ? (i < 2 ? "0123456789"[((v) / (i == 0 ? 10 : 1)) % 10] : 0) : \
                          (i == 0 ? "0123456789"[(v)] : 0))
#define OCT(v) { OCT_D(v, 0), OCT_D(v, 1), OCT_D(v, 2), (char)(1 + ((v) >= 10) + ((v) >= 100)) }
#define OCT4(v) OCT(v), OCT((v) + 1), OCT((v) + 2), OCT((v) + 3)
#define OCT16(v) OCT4(v), OCT4((v) + 4), OCT4((v) + 8), OCT4((v) + 12)
#define OCT64(v) OCT16(v), OCT16((v) + 16), OCT16((v) + 32), OCT16((v) + 48)
static const char octet_txt[256][4] = { OCT64(0), OCT64(64), OCT64(128), OCT64(192) };

/* An octet: its text copied as 3 bytes (past the digits: overwritten by
 * what follows, and within the 15 bytes of room even for the last one). */
static inline char *put_octet(char *q, unsigned v)
{
    memcpy(q, octet_txt[v], 3);
    return q + octet_txt[v][3];
}

/* An octet followed by more: its 4 table bytes copied as one word (the
 * 4th, its length, lands where the '.' after it then goes). */
static inline char *put_octet_dot(char *q, unsigned v)
{
    memcpy(q, octet_txt[v], 4);
    q += octet_txt[v][3];
    *q = '.';
    return q + 1;
}

char *sf_fmt_ipv4(char *q, const uint8_t a[4])
{
    q = put_octet_dot(q, a[0]);
    q = put_octet_dot(q, a[1]);
    q = put_octet_dot(q, a[2]);
    return put_octet(q, a[3]);
}

#ifdef SF_FMT_DIG4
/* The 32 lower-case hex digits of a[0..16), in order, into hx (SSE2: the
 * high and low nibbles interleaved, then '0' + n, + 39 more above 9). */
static inline void hex32(char hx[32], const uint8_t a[16])
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)a), m = _mm_set1_epi8(15);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), m), lo = _mm_and_si128(v, m);
    const __m128i n0 = _mm_unpacklo_epi8(hi, lo), n1 = _mm_unpackhi_epi8(hi, lo);
    const __m128i nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0'), af = _mm_set1_epi8('a' - '0' - 10);
    const __m128i c0 = _mm_add_epi8(_mm_add_epi8(n0, zero), _mm_and_si128(_mm_cmpgt_epi8(n0, nine), af));
    const __m128i c1 = _mm_add_epi8(_mm_add_epi8(n1, zero), _mm_and_si128(_mm_cmpgt_epi8(n1, nine), af));
    _mm_storeu_si128((__m128i *)(void *)hx, c0);
    _mm_storeu_si128((__m128i *)(void *)(hx + 16), c1);
}

/* Group i (its value w) without leading zeros from its 4 digits in hx: 4
 * bytes written, the ones past the digits are scratch (the caller's room
 * covers them: at most 3 past the end of the whole text, 42 <=
 * SF_FMT_IP6_MAX). */
static inline char *put_group(char *q, const char hx[32], int i, unsigned w)
{
    unsigned n = (32u - (unsigned)__builtin_clz(w | 1u) + 3u) >> 2;   /* 1..4 digits */
    uint32_t d;
    memcpy(&d, hx + 4 * i, 4);
    d >>= 8 * (4 - n);
    memcpy(q, &d, 4);
    return q + n;
}

char *sf_fmt_ipv6(char *q, const uint8_t a[16])
{
    /* bit i of z: group i is 0 */
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)a);
    unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi16(v, _mm_setzero_si128())) & 0x5555u;
    z = (z | z >> 1) & 0x3333u;               /* every other bit, packed */
    z = (z | z >> 2) & 0x0F0Fu;
    z = (z | z >> 4) & 0x00FFu;
    /* longest run of zero groups, the first one on a tie, used only if >= 2 */
    int best = -1, blen = 1;
    for (unsigned m = z; m;) {
        int s = __builtin_ctz(m), l = __builtin_ctz(~(m >> s));
        if (l > blen) {
            best = s;
            blen = l;
        }
        m &= ~(((1u << l) - 1u) << s);
    }
    if (best == 0 && (blen == 6 || (blen == 5 && a[10] == 0xff && a[11] == 0xff))) {
        /* embedded IPv4: ::a.b.c.d (compatible) and ::ffff:a.b.c.d (mapped) */
        memcpy(q, "::ffff:", 7);
        return sf_fmt_ipv4(q + (blen == 6 ? 2 : 7), a + 12);
    }
    char hx[32];
    hex32(hx, a);
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            *q++ = ':';
            i += blen - 1;
            continue;
        }
        if (i)
            *q++ = ':';
        q = put_group(q, hx, i, (unsigned)a[2 * i] << 8 | a[2 * i + 1]);
    }
    if (best >= 0 && best + blen == 8)
        *q++ = ':';
    return q;
}
#else
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
#endif

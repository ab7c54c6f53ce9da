/* \summary: printf-free formatting of numbers and IP addresses into caller buffers (hot output paths) */
#ifndef SF_FMT_H
#define SF_FMT_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Each function writes at q (no NUL terminator) and returns the end of what
 * it wrote. The caller guarantees the room stated; e.g. with sf_out:
 *   char *q = sf_out_reserve(o, SF_FMT_IP6_MAX);
 *   if (q) sf_out_commit(o, (size_t)(sf_fmt_ipv6(q, a) - q));
 * They are several times cheaper than snprintf/inet_ntop (docs/performance.md). */

#define SF_FMT_U64_MAX 20   /* decimal digits of UINT64_MAX */
#define SF_FMT_IP4_MAX 15   /* 255.255.255.255 */
#define SF_FMT_IP6_MAX 45   /* ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255 */

/* Decimal, as printf("%llu"). Room: SF_FMT_U64_MAX. */
char *sf_fmt_u64(char *q, uint64_t v);
/* Decimal zero-padded to at least `width` digits (width <= 20), as
 * printf("%0*llu"); more digits are written when v needs them. Room: 20. */
char *sf_fmt_u64_pad(char *q, uint64_t v, int width);
/* Decimal of a 32-bit value, as printf("%u"). Room: 10. */
char *sf_fmt_u32(char *q, uint32_t v);
/* The same text as sf_fmt_u32, but the caller gives 16 bytes of room: the
 * bytes past the returned end are scratch (written, meaningless). Fewer
 * branches, no digit count: for buffers with slack (the json view). */
char *sf_fmt_u32_wide(char *q, uint32_t v);
/* Exactly n decimal digits (0 <= n <= 19) of v, zero-padded, as
 * printf("%0*llu") for v < 10^n (higher digits are dropped): fractions. Room: n. */
char *sf_fmt_digits(char *q, uint64_t v, int n);
/* A duration in the conns view's short form, as printf would write it:
 * "-" (ns < 0), "%lldus" (< 1 ms), "%.1fms" of ns/1e6 (< 1 s), "%.2fs" of
 * ns/1e9 (< 1 h), else "%lldh%02lldm". The double's rounding is reproduced
 * exactly (round half to even of the binary value). Room: SF_FMT_DUR_MAX. */
#define SF_FMT_DUR_MAX 32
char *sf_fmt_dur(char *q, int64_t ns);
/* Dotted quad, as printf("%u.%u.%u.%u"). Room: SF_FMT_IP4_MAX. */
char *sf_fmt_ipv4(char *q, const uint8_t a[4]);
/* The same text as glibc inet_ntop(AF_INET6) (RFC 5952 style: lower-case
 * hex, longest run of >= 2 zero groups as "::", the first on a tie; IPv4
 * tail for ::a.b.c.d and ::ffff:a.b.c.d). Room: SF_FMT_IP6_MAX. */
char *sf_fmt_ipv6(char *q, const uint8_t a[16]);

/* ---- inline versions for the hottest paths (the json packet record) ----
 * Same text as the functions above; each call site gets its own copy (no
 * call, and the branches predict per field). */
extern const char sf_fmt_digits2[201];   /* "000102...99" */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SF_FMT_SWAR 1
/* The text of 0..42 (the digits of a 32-bit value above the low 8) in the
 * low bytes as stored, its length (1 or 2) in the top byte. */
extern const uint32_t sf_fmt_lead[43];
/* The 8 digit values (0..9, not ASCII) of v < 10^8 in a word, the first in
 * the lowest byte (stored as is on a little-endian machine). SWAR: two
 * 4-digit halves in 32-bit lanes, divided by 100 in each lane (x * 10486 >>
 * 20 is x / 100 for x < 10^4), then four 2-digit values in 16-bit lanes
 * divided by 10 (x * 103 >> 10 is x / 10 for x < 100); no product crosses
 * its lane. */
static inline uint64_t sf_fmt_swar8_val(uint32_t v)
{
    uint64_t hi = v / 10000, lo = v - hi * 10000;
    uint64_t x = hi | lo << 32;
    uint64_t h = ((x * 10486) >> 20) & 0x0000007F0000007Full;
    x = h | (x - h * 100) << 16;
    uint64_t t = ((x * 103) >> 10) & 0x000F000F000F000Full;
    return t | (x - t * 10) << 8;
}

/* sf_fmt_u32_wide inline: the text of v; room 16, the bytes past the
 * returned end are scratch. */
static inline char *sf_fmt_u32_wide_inl(char *q, uint32_t v)
{
    if (v < 100000000u) {
        /* the leading zeros of the 8 digits are its lowest zero bytes; the
         * bit at 56 stands for v = 0 (7 leading zeros) and is no lower than
         * the lowest set bit of any other value (its first digit's byte
         * is at most byte 7) */
        uint64_t x = sf_fmt_swar8_val(v);
        unsigned lz = (unsigned)__builtin_ctzll(x | (UINT64_C(1) << 56)) >> 3;
        uint64_t d = (x | 0x3030303030303030ull) >> (8 * lz);
        memcpy(q, &d, 8);
        return q + 8 - lz;
    }
    uint32_t hi = v / 100000000u;             /* 1 .. 42 */
    uint64_t d = sf_fmt_swar8_val(v - hi * 100000000u) | 0x3030303030303030ull;
    uint32_t w = sf_fmt_lead[hi];             /* its text (past it: overwritten) and length */
    memcpy(q, &w, 4);
    q += w >> 24;
    memcpy(q, &d, 8);
    return q + 8;
}

/* Exactly 6 digits of v < 10^6 (fractions of seconds). Room: 8. */
static inline char *sf_fmt_digits6_inl(char *q, uint32_t v)
{
    uint64_t d = (sf_fmt_swar8_val(v) | 0x3030303030303030ull) >> 16;
    memcpy(q, &d, 8);
    return q + 6;
}

/* Exactly 9 digits of v < 10^9. Room: 9. */
static inline char *sf_fmt_digits9_inl(char *q, uint32_t v)
{
    uint32_t hi = v / 100000000u;
    uint64_t d = sf_fmt_swar8_val(v - hi * 100000000u) | 0x3030303030303030ull;
    *q = (char)('0' + hi);
    memcpy(q + 1, &d, 8);
    return q + 9;
}
#else
static inline char *sf_fmt_u32_wide_inl(char *q, uint32_t v) { return sf_fmt_u32(q, v); }
static inline char *sf_fmt_digits6_inl(char *q, uint32_t v) { return sf_fmt_digits(q, v, 6); }
static inline char *sf_fmt_digits9_inl(char *q, uint32_t v) { return sf_fmt_digits(q, v, 9); }
#endif

/* ---- four numbers at once (SSE2) ----
 * sf_fmt_dig4 turns four values below 10^8 into their 8 digits in one go
 * (~15 instructions a value); sf_dig4_put* then write each (~10). A value of
 * 10^8 or more gives meaningless digits (no fault): the caller splits it or
 * writes it another way. */
#if defined(SF_FMT_SWAR) && defined(__SSE2__)
#include <emmintrin.h>
#define SF_FMT_DIG4 1
/* The 8 digits (ASCII) of each of four values below 10^8, as stored (the
 * first digit lowest), and nz: bit 8i + j set when byte j of d[i] is not
 * '0' (for the leading zeros). */
typedef struct sf_dig4 {
    uint64_t d[4];
    uint32_t nz;
} sf_dig4;

/*
 * The SWAR steps of sf_fmt_swar8_val on four values in one register: the
 * division of each 32-bit lane by 10^4 (64-bit products of the even and odd
 * lanes: v * ceil(2^45 / 10^4) >> 45, exact for every 32-bit v), then the
 * 4-digit halves side by side in 16-bit lanes, divided by 100 (high half of
 * x * 10486, >> 4: (x * 10486) >> 20), then the 2-digit quarters in 16-bit
 * lanes of two registers, divided by 10 (high half of x * 6592 = x * 103 >>
 * 10). Each value must be below 10^8.
 */
static inline void sf_fmt_dig4(sf_dig4 *r, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    const __m128i m4 = _mm_set1_epi64x(0xD1B71759);          /* ceil(2^45 / 10^4) */
    __m128i v = _mm_unpacklo_epi64(_mm_unpacklo_epi32(_mm_cvtsi32_si128((int)a), _mm_cvtsi32_si128((int)b)),
                                   _mm_unpacklo_epi32(_mm_cvtsi32_si128((int)c), _mm_cvtsi32_si128((int)d)));
    __m128i he = _mm_srli_epi64(_mm_mul_epu32(v, m4), 45);               /* v[0] / 10^4, v[2] / 10^4 */
    __m128i ho = _mm_srli_epi64(_mm_mul_epu32(_mm_srli_epi64(v, 32), m4), 45);
    __m128i hi = _mm_or_si128(he, _mm_slli_epi64(ho, 32));               /* v / 10^4 in 32-bit lanes */
    __m128i lo = _mm_sub_epi32(v, _mm_madd_epi16(hi, _mm_set1_epi32(10000)));
    __m128i x = _mm_or_si128(hi, _mm_slli_epi32(lo, 16));               /* 16-bit: hi, lo of each */
    /* multipliers the compiler must not see (gcc turns a product by a known
     * 100 or 10 into 4-5 shifts and adds instead of one pmullw) */
    __m128i k100 = _mm_set1_epi16(100), k10 = _mm_set1_epi16(10);
    __asm__("" : "+x"(k100), "+x"(k10));
    __m128i h = _mm_srli_epi16(_mm_mulhi_epu16(x, _mm_set1_epi16(10486)), 4);  /* x / 100 */
    __m128i l = _mm_sub_epi16(x, _mm_mullo_epi16(h, k100));
    __m128i y0 = _mm_unpacklo_epi16(h, l);                               /* a, b: 4 pairs each */
    __m128i y1 = _mm_unpackhi_epi16(h, l);                               /* c, d */
    const __m128i k6592 = _mm_set1_epi16(6592);
    __m128i t0 = _mm_mulhi_epu16(y0, k6592), t1 = _mm_mulhi_epu16(y1, k6592);   /* tens */
    __m128i z0 = _mm_or_si128(t0, _mm_slli_epi16(_mm_sub_epi16(y0, _mm_mullo_epi16(t0, k10)), 8));
    __m128i z1 = _mm_or_si128(t1, _mm_slli_epi16(_mm_sub_epi16(y1, _mm_mullo_epi16(t1, k10)), 8));
    const __m128i zero = _mm_setzero_si128(), ascii = _mm_set1_epi8('0');
    unsigned zm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(z0, zero)) |
                  (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(z1, zero)) << 16;
    _mm_storeu_si128((__m128i *)(void *)r->d, _mm_or_si128(z0, ascii));
    _mm_storeu_si128((__m128i *)(void *)(r->d + 2), _mm_or_si128(z1, ascii));
    r->nz = ~zm;
}

#endif

#ifdef SF_FMT_DIG4
/* The text of value i of r without its leading zeros, in a word as stored
 * (the bytes past it zero), and its length in *n (1..8). */
static inline uint64_t sf_dig4_word(const sf_dig4 *r, int i, unsigned *n)
{
    unsigned lz = (unsigned)__builtin_ctz((r->nz >> (8 * i)) | 0x80u);
    *n = 8 - lz;
    return r->d[i] >> (8 * lz);
}
/* Value i of r without its leading zeros (one digit at least). Room: 8. */
static inline char *sf_dig4_put(char *q, const sf_dig4 *r, int i)
{
    unsigned n;
    uint64_t d = sf_dig4_word(r, i, &n);
    memcpy(q, &d, 8);
    return q + n;
}
/* All 8 digits of value i. Room: 8. */
static inline char *sf_dig4_put8(char *q, const sf_dig4 *r, int i)
{
    memcpy(q, &r->d[i], 8);
    return q + 8;
}
/* The last 6 digits of value i (below 10^6: its fraction of a second). Room: 8. */
static inline char *sf_dig4_put6(char *q, const sf_dig4 *r, int i)
{
    uint64_t d = r->d[i] >> 16;
    memcpy(q, &d, 8);
    return q + 6;
}
/* A 32-bit value split as hi * 10^8 + (value i of r): hi's 1 or 2 digits
 * (none for 0) and the 8 digits, or value i alone. Room: 12. */
static inline char *sf_dig4_put_hi(char *q, const sf_dig4 *r, int i, uint32_t hi)
{
    if (hi) {
        uint32_t w = sf_fmt_lead[hi];
        memcpy(q, &w, 4);
        return sf_dig4_put8(q + (w >> 24), r, i);
    }
    return sf_dig4_put(q, r, i);
}
#else
/* Without SSE2: the values kept, written one by one (the same text). */
typedef struct sf_dig4 {
    uint32_t v[4];
} sf_dig4;
static inline void sf_fmt_dig4(sf_dig4 *r, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    r->v[0] = a, r->v[1] = b, r->v[2] = c, r->v[3] = d;
}
static inline uint64_t sf_dig4_word(const sf_dig4 *r, int i, unsigned *n)
{
    char b[16] = { 0 };
    uint64_t d;
    *n = (unsigned)(sf_fmt_u32(b, r->v[i]) - b);
    memcpy(&d, b, 8);
    return d;
}
static inline char *sf_dig4_put(char *q, const sf_dig4 *r, int i) { return sf_fmt_u32(q, r->v[i]); }
static inline char *sf_dig4_put8(char *q, const sf_dig4 *r, int i) { return sf_fmt_digits(q, r->v[i], 8); }
static inline char *sf_dig4_put6(char *q, const sf_dig4 *r, int i) { return sf_fmt_digits(q, r->v[i], 6); }
static inline char *sf_dig4_put_hi(char *q, const sf_dig4 *r, int i, uint32_t hi)
{
    return hi ? sf_dig4_put8(sf_fmt_u32(q, hi), r, i) : sf_dig4_put(q, r, i);
}
#endif

#endif

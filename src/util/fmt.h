/* \summary: printf-free formatting of numbers and IP addresses into caller buffers (hot output paths) */
#ifndef SF_FMT_H
#define SF_FMT_H
#include <stddef.h>
#include <stdint.h>

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

#endif

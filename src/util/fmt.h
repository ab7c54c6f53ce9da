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
/* Dotted quad, as printf("%u.%u.%u.%u"). Room: SF_FMT_IP4_MAX. */
char *sf_fmt_ipv4(char *q, const uint8_t a[4]);
/* The same text as glibc inet_ntop(AF_INET6) (RFC 5952 style: lower-case
 * hex, longest run of >= 2 zero groups as "::", the first on a tie; IPv4
 * tail for ::a.b.c.d and ::ffff:a.b.c.d). Room: SF_FMT_IP6_MAX. */
char *sf_fmt_ipv6(char *q, const uint8_t a[16]);

#endif

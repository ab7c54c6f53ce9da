/* \summary: unit tests of the output buffer (util/out.c) and the printf-free formatters (util/fmt.c) */
#include "t.h"
#include "../../src/util/fmt.h"
#include "../../src/util/out.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static char *fmt_str(char *buf, char *end) { *end = '\0'; return buf; }

TEST(fmt_u64_matches_printf)
{
    static const uint64_t v[] = { 0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 65535, 99999, 100000,
                                  4294967295u, 4294967296u, 1234567890123ull, 18446744073709551615ull };
    char b[32], want[32];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        snprintf(want, sizeof want, "%llu", (unsigned long long)v[i]);
        T_EQ_STR(fmt_str(b, sf_fmt_u64(b, v[i])), want);
        snprintf(want, sizeof want, "%06llu", (unsigned long long)v[i]);
        T_EQ_STR(fmt_str(b, sf_fmt_u64_pad(b, v[i], 6)), want);
        snprintf(want, sizeof want, "%09llu", (unsigned long long)v[i]);
        T_EQ_STR(fmt_str(b, sf_fmt_u64_pad(b, v[i], 9)), want);
    }
    /* every value 0..99999 (covers all digit-pair paths) */
    int bad = 0;
    for (uint64_t x = 0; x < 100000; x++) {
        snprintf(want, sizeof want, "%02llu", (unsigned long long)x);
        if (strcmp(fmt_str(b, sf_fmt_u64_pad(b, x, 2)), want)) bad++;
    }
    T_EQ_INT(bad, 0);
}

/* a small deterministic generator for the sweeps below */
static uint64_t t_rng(uint64_t *s)
{
    *s ^= *s << 13; *s ^= *s >> 7; *s ^= *s << 17;
    return *s;
}

TEST(fmt_u32_and_digits_match_printf)
{
    char b[32], want[32];
    int bad = 0;
    uint64_t s = 88172645463325252ull;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = t_rng(&s);
        uint32_t v = (uint32_t)(r >> (r & 31));           /* every magnitude */
        snprintf(want, sizeof want, "%u", v);
        if (strcmp(fmt_str(b, sf_fmt_u32(b, v)), want)) bad++;
        uint64_t w = r >> (r & 63);
        snprintf(want, sizeof want, "%llu", (unsigned long long)w);
        if (strcmp(fmt_str(b, sf_fmt_u64(b, w)), want)) bad++;
        int n = (int)(r % 20);
        uint64_t m = 1;
        for (int k = 0; k < n; k++) m *= 10;
        snprintf(want, sizeof want, "%0*llu", n, (unsigned long long)(w % m));
        if (n == 0) want[0] = '\0';                     /* "%00llu" of 0 is "0" */
        if (strcmp(fmt_str(b, sf_fmt_digits(b, w, n)), want)) bad++;
    }
    T_EQ_INT(bad, 0);
    /* the fixed-point digit writer, against division: a stride through all
     * of 32 bits, the values around each power of ten, all of 0..10^6 at
     * fixed widths 6 to 8 (fractions) */
    bad = 0;
    for (uint64_t x = 0; x <= UINT32_MAX; x += 4099) {
        snprintf(want, sizeof want, "%u", (uint32_t)x);
        if (strcmp(fmt_str(b, sf_fmt_u32(b, (uint32_t)x)), want)) bad++;
        /* the wide variant: same text, writes stay within its 16 bytes */
        char w[24];
        memset(w, 'X', sizeof w);
        char *e = sf_fmt_u32_wide(w, (uint32_t)x);
        if (w[16] != 'X' || strcmp(fmt_str(w, e), want)) bad++;
    }
    for (uint64_t p = 10; p <= 10000000000ull; p *= 10)
        for (uint64_t x = p - 300; x < p + 300 && x <= UINT32_MAX; x++) {
            snprintf(want, sizeof want, "%u", (uint32_t)x);
            if (strcmp(fmt_str(b, sf_fmt_u32(b, (uint32_t)x)), want)) bad++;
        }
    for (uint32_t x = 0; x < 1000000; x++)
        for (int n = 6; n <= 8; n++) {
            char *e = sf_fmt_digits(b, x, n);
            uint32_t y = x;
            for (int k = n - 1; k >= 0; k--, y /= 10)
                if (b[k] != (char)('0' + y % 10)) bad++;
            if (e != b + n) bad++;
        }
    T_EQ_INT(bad, 0);
    T_EQ_STR(fmt_str(b, sf_fmt_u32(b, 4294967295u)), "4294967295");
    T_EQ_STR(fmt_str(b, sf_fmt_digits(b, 41, 6)), "000041");
    T_EQ_STR(fmt_str(b, sf_fmt_digits(b, 1234567, 6)), "234567");
}

/* the conns view's durations, as it wrote them with snprintf */
static void dur_printf(char *b, size_t n, int64_t ns)
{
    if (ns < 0) snprintf(b, n, "-");
    else if (ns < 1000000) snprintf(b, n, "%lldus", (long long)(ns / 1000));
    else if (ns < 1000000000LL) snprintf(b, n, "%.1fms", (double)ns / 1e6);
    else if (ns < 3600LL * 1000000000LL) snprintf(b, n, "%.2fs", (double)ns / 1e9);
    else {
        long long s = (long long)(ns / 1000000000LL);
        snprintf(b, n, "%lldh%02lldm", s / 3600, (s / 60) % 60);
    }
}

/* The json view's number writers (fmt.h): four values at once
 * (sf_fmt_dig4, SSE2 or the plain fallback) and the inline 32-bit writer,
 * against printf on the edges of every digit count and on 400k values of a
 * fixed pseudo-random sequence. */
static uint32_t dig_case(uint32_t i, uint64_t *x)
{
    static const uint32_t edge[] = { 0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999,
                                     1000000, 9999999, 10000000, 99999999, 100000000, 999999999,
                                     1000000000, 4294967295u, 4200000000u, 2147483648u };
    if (i < sizeof edge / sizeof edge[0])
        return edge[i];
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;    /* xorshift64 */
    uint32_t v = (uint32_t)*x;
    return (i & 3) == 0 ? v : (i & 3) == 1 ? v % 100000000u : (i & 3) == 2 ? v % 100000u : v % 1000u;
}

TEST(fmt_dig4_and_u32_wide_match_printf)
{
    uint64_t x = 88172645463325252ull;
    int bad = 0;
    for (uint32_t i = 0; i < 400000 && bad < 5; i += 4) {
        uint32_t v[4], lo[4];
        for (int k = 0; k < 4; k++) {
            v[k] = dig_case(i + (uint32_t)k, &x);
            lo[k] = v[k] % 100000000u;
        }
        sf_dig4 r;
        sf_fmt_dig4(&r, lo[0], lo[1], lo[2], lo[3]);
        for (int k = 0; k < 4; k++) {
            char want[32], got[32];
            memset(got, 0, sizeof got);
            /* value without leading zeros, all 8 digits, the last 6, a full 32-bit value */
            snprintf(want, sizeof want, "%u", lo[k]);
            *sf_dig4_put(got, &r, k) = 0;
            if (strcmp(got, want)) { bad++; T_EQ_STR(got, want); }
            snprintf(want, sizeof want, "%08u", lo[k]);
            *sf_dig4_put8(got, &r, k) = 0;
            if (strcmp(got, want)) { bad++; T_EQ_STR(got, want); }
            snprintf(want, sizeof want, "%06u", lo[k] % 1000000u);
            sf_dig4 r6;
            sf_fmt_dig4(&r6, lo[k] % 1000000u, 0, 0, 0);
            *sf_dig4_put6(got, &r6, 0) = 0;
            if (strcmp(got, want)) { bad++; T_EQ_STR(got, want); }
            snprintf(want, sizeof want, "%u", v[k]);
            *sf_dig4_put_hi(got, &r, k, v[k] / 100000000u) = 0;
            if (strcmp(got, want)) { bad++; T_EQ_STR(got, want); }
            memset(got, 0, sizeof got);
            *sf_fmt_u32_wide_inl(got, v[k]) = 0;
            if (strcmp(got, want)) { bad++; T_EQ_STR(got, want); }
        }
    }
    T_EQ_INT(bad, 0);
}

TEST(fmt_dur_matches_printf)
{
    char b[SF_FMT_DUR_MAX + 1], want[64];
    int bad = 0;
    static const int64_t edge[] = {
        -1, 0, 999, 1000, 999999, 1000000, 1049999, 1050000, 1250000, 1350000, 1150000,
        2500000, 999949999, 999950000, 999950001, 999999999, 1000000000, 1005000000,
        1015000000, 1125000000, 2675000000LL, 3599994999999LL, 3599995000000LL,
        3599999999999LL, 3600000000000LL, 3660000000000LL, 86399999999999LL,
        INT64_MAX,
    };
    for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
        dur_printf(want, sizeof want, edge[i]);
        T_EQ_STR(fmt_str(b, sf_fmt_dur(b, edge[i])), want);
    }
    uint64_t s = 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < 300000; i++) {
        uint64_t r = t_rng(&s);
        int64_t ns = (int64_t)(r >> (20 + r % 40));
        if (i & 1)                                 /* near the halves */
            ns = ns / 50000 * 50000 + (int64_t)(r % 3) - 1;
        dur_printf(want, sizeof want, ns);
        if (strcmp(fmt_str(b, sf_fmt_dur(b, ns)), want)) bad++;
    }
    /* every exact half below 1 s and every 5 ms half below 100 s */
    for (int64_t ns = 1050000; ns < 1000000000LL; ns += 100000) {
        dur_printf(want, sizeof want, ns);
        if (strcmp(fmt_str(b, sf_fmt_dur(b, ns)), want)) bad++;
    }
    for (int64_t ns = 1005000000LL; ns < 100000000000LL; ns += 10000000) {
        dur_printf(want, sizeof want, ns);
        if (strcmp(fmt_str(b, sf_fmt_dur(b, ns)), want)) bad++;
    }
    T_EQ_INT(bad, 0);
}

TEST(fmt_ipv4_matches_printf)
{
    char b[32], want[32];
    int bad = 0;
    for (unsigned i = 0; i < 256; i++) {
        uint8_t a[4] = { (uint8_t)i, (uint8_t)(255 - i), (uint8_t)(i * 7), (uint8_t)(i / 3) };
        snprintf(want, sizeof want, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        if (strcmp(fmt_str(b, sf_fmt_ipv4(b, a)), want)) bad++;
    }
    T_EQ_INT(bad, 0);
    const uint8_t m[4] = { 255, 255, 255, 255 };
    T_EQ_STR(fmt_str(b, sf_fmt_ipv4(b, m)), "255.255.255.255");
}

static void check6(const uint8_t a[16], int *bad)
{
    char b[64], want[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a, want, sizeof want);
    if (strcmp(fmt_str(b, sf_fmt_ipv6(b, a)), want)) {
        (*bad)++;
        fprintf(stderr, "FAIL ipv6: got %s want %s\n", b, want);
    }
}

TEST(fmt_ipv6_matches_inet_ntop)
{
    int bad = 0;
    static const char *const txt[] = {
        "::", "::1", "1::", "2001:db8::1", "2001:db8:0:1:1:1:1:1", "2001:0:0:1:0:0:0:1",
        "2001:db8::1:0:0:1", "fe80::1:2:3:4", "::ffff:192.0.2.1", "::192.0.2.1", "::ffff:0:1",
        "1:0:0:2:0:0:0:3", "1:2:3:4:5:6:7:8", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "0:0:1::", "1:0:1:0:1:0:1:0", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "64:ff9b::c000:201"
    };
    for (size_t i = 0; i < sizeof txt / sizeof txt[0]; i++) {
        uint8_t a[16];
        T_EQ_INT(inet_pton(AF_INET6, txt[i], a), 1);
        check6(a, &bad);
    }
    /* every pattern of zero / non-zero groups, with varied values */
    for (unsigned mask = 0; mask < 256; mask++) {
        uint8_t a[16] = { 0 };
        for (int g = 0; g < 8; g++)
            if (mask & (1u << g)) { a[2 * g] = (uint8_t)(g * 37 % 256); a[2 * g + 1] = (uint8_t)(mask | 1); }
        check6(a, &bad);
        a[10] = a[11] = 0xff;      /* mapped-looking variants */
        check6(a, &bad);
    }
    T_EQ_INT(bad, 0);
}

/* Drains what the buffer wrote into a pipe. */
static size_t drain(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    ssize_t r;
    while (n < cap && (r = read(fd, buf + n, cap - n)) > 0) n += (size_t)r;
    return n;
}

TEST(out_buffers_and_flushes_in_order)
{
    int p[2];
    T_EQ_INT(pipe(p), 0);
    sf_out o;
    T_EQ_INT(sf_out_init(&o, p[1], 16), 0);     /* raised to 4096 */
    T_EQ_INT(o.cap, 4096);
    sf_out_str(&o, "ab");
    sf_out_chr(&o, ':');
    sf_out_u64(&o, 18446744073709551615ull);
    sf_out_chr(&o, ' ');
    sf_out_i64(&o, -42);
    sf_out_printf(&o, " %s=%05d", "x", 7);
    sf_out_write(&o, "0123456789abcdefXYZ", 19);
    sf_out_eol(&o);
    /* a string longer than the buffer, a printf longer than the room left,
     * and a write larger than the buffer: all must come out whole, in order */
    char *big = malloc(10000);
    memset(big, 'q', 9999); big[9999] = '\0';
    sf_out_str(&o, big);
    sf_out_printf(&o, "<%s>", big + 9000);
    sf_out_write(&o, big, 5000);
    char *q = sf_out_reserve(&o, SF_FMT_IP6_MAX);
    const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    sf_out_commit(&o, (size_t)(sf_fmt_ipv6(q, a6) - q));
    T_EQ_INT(sf_out_flush(&o), 0);
    close(p[1]);
    char *got = malloc(40000);
    size_t n = drain(p[0], got, 40000);
    close(p[0]);
    const char *head = "ab:18446744073709551615 -42 x=000070123456789abcdefXYZ\n";
    size_t hl = strlen(head);
    T_EQ_INT(n, hl + 9999 + 1001 + 5000 + strlen("2001:db8::1"));
    T_CHECK(n >= hl && memcmp(got, head, hl) == 0);
    int ok = 1;
    for (size_t i = hl; i < hl + 9999; i++) ok &= got[i] == 'q';
    T_CHECK(ok);
    T_CHECK(got[hl + 9999] == '<' && got[hl + 9999 + 1000] == '>');
    T_CHECK(memcmp(got + n - 11, "2001:db8::1", 11) == 0);
    free(got);
    free(big);
    sf_out_free(&o);
}

TEST(out_write_error_is_sticky)
{
    sf_out o;
    T_EQ_INT(sf_out_init(&o, -1, 4096), 0);
    sf_out_str(&o, "lost");
    T_EQ_INT(sf_out_flush(&o), -1);
    T_EQ_INT(sf_out_error(&o), EBADF);
    sf_out_str(&o, "more");          /* no-ops now */
    sf_out_u64(&o, 5);
    sf_out_printf(&o, "%d", 1);
    T_EQ_INT(o.len, 0);
    T_EQ_INT(sf_out_flush(&o), -1);
    sf_out_free(&o);
}

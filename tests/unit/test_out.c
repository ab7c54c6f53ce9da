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

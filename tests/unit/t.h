/* \summary: minimal unit-test harness: T_CHECK macros, registry, summary line */
#ifndef SF_T_H
#define SF_T_H
#include <stdio.h>
#include <string.h>
#include <stdint.h>

typedef void (*t_fn)(void);
void t_register(const char *name, t_fn fn);
extern int t_failed_checks;

/* Define a test: TEST(name) { ... } — registered before main runs. */
#define TEST(name)                                                     \
    static void test_##name(void);                                     \
    __attribute__((constructor)) static void reg_##name(void)          \
    { t_register(#name, test_##name); }                                \
    static void test_##name(void)

/* xorshift64: the next number from *state (never 0), in 0 .. n-1 */
static inline uint32_t t_rand(uint64_t *state, uint32_t n)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return (uint32_t)(*state % n);
}
/* All that was written to f, from its start, NUL-terminated; the caller
 * frees it ("" if f could not be read back; NULL if out of memory). f is
 * closed. */
char *t_slurp(FILE *f);

#define T_CHECK(cond) do { if (!(cond)) { t_failed_checks++;           \
    fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define T_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
    if (_a != _b) { t_failed_checks++; fprintf(stderr,                  \
    "FAIL %s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)
#define T_EQ_STR(a, b) do { const char *_a = (a), *_b = (b);           \
    if (!_a || !_b || strcmp(_a, _b)) { t_failed_checks++; fprintf(stderr, \
    "FAIL %s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, #a,  \
    _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)
#endif

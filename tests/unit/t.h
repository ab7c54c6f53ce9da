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

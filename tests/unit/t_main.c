/* \summary: unit-test runner: runs every registered TEST, prints the summary */
#include "t.h"
#include <stdlib.h>

#define T_MAX 1024
static struct { const char *name; t_fn fn; } t_tests[T_MAX];
static int t_n;
int t_failed_checks;

void t_register(const char *name, t_fn fn)
{
    if (t_n < T_MAX) { t_tests[t_n].name = name; t_tests[t_n].fn = fn; t_n++; }
}

char *t_slurp(FILE *f)
{
    long len = ftell(f);
    char *buf = calloc(1, (size_t)(len > 0 ? len : 0) + 1);
    rewind(f);
    if (buf && len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)
        buf[0] = 0;
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    for (int i = 0; i < t_n; i++) {
        if (argc > 1 && !strstr(t_tests[i].name, argv[1])) continue;
        int before = t_failed_checks;
        t_tests[i].fn();
        if (t_failed_checks == before) passed++;
        else { failed++; fprintf(stderr, "FAIL test %s\n", t_tests[i].name); }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

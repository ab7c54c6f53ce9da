/* \summary: bench timer: runs a command N times, reports median wall time and peak RSS */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* usage: rtime [-n RUNS] [-b BUDGET_S] [-o OUTFILE] -- CMD ARGS...
 * Runs CMD RUNS times (default 3) with stdout to OUTFILE (default /dev/null),
 * stderr kept; with -b, stops repeating once the runs so far took more than
 * BUDGET_S seconds (at least one run). Prints one line on stdout:
 *   MEDIAN_S MIN_S MAX_S PEAK_RSS_KIB EXIT RUNS MEDIAN_CPU_S
 * (CPU = the child's user + system time: less sensitive to a busy machine).
 * PEAK_RSS_KIB is the largest ru_maxrss of the runs (wait4); EXIT the first
 * non-zero exit status (or 0). */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int runs = 3, i = 1;
    double budget = 0, spent = 0;
    const char *out = "/dev/null";
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-n") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
        else if (!strcmp(argv[i], "-b") && i + 1 < argc) budget = atof(argv[++i]);
        else if (!strcmp(argv[i], "--")) { i++; break; }
        else break;
    }
    if (i >= argc || runs < 1 || runs > 100) {
        fputs("usage: rtime [-n RUNS] [-b BUDGET_S] [-o OUTFILE] -- CMD ARGS...\n", stderr);
        return 2;
    }
    double t[100], cpu[100];
    long peak = 0;
    int status = 0;
    int done = 0;
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) { perror("rtime: fork"); return 1; }
        if (pid == 0) {
            int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || dup2(fd, 1) < 0) { perror(out); _exit(127); }
            close(fd);
            execvp(argv[i], argv + i);
            fprintf(stderr, "rtime: %s: %s\n", argv[i], strerror(errno));
            _exit(127);
        }
        int st;
        struct rusage ru;
        if (wait4(pid, &st, 0, &ru) < 0) { perror("rtime: wait4"); return 1; }
        t[r] = now() - t0;
        cpu[r] = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
               + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        spent += t[r];
        done++;
        if (ru.ru_maxrss > peak) peak = ru.ru_maxrss;
        int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        if (code && !status) status = code;
        if (budget > 0 && spent > budget) break;
    }
    runs = done;
    qsort(t, (size_t)runs, sizeof t[0], cmp);
    qsort(cpu, (size_t)runs, sizeof cpu[0], cmp);
    double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    double cmed = runs % 2 ? cpu[runs / 2] : (cpu[runs / 2 - 1] + cpu[runs / 2]) / 2;
    printf("%.3f %.3f %.3f %ld %d %d %.3f\n", med, t[0], t[runs - 1], peak, status, runs, cmed);
    return 0;
}

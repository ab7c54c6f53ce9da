/* \summary: synfin lab's socket helpers: bounded waits, whole sends, HTTP reads, narration */
#include "lab_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t lab_interrupted;

void lab_say(const char *who, const char *fmt, ...)
{
    char line[512];
    int n = snprintf(line, sizeof line, "  %-8s ", who);
    if (n < 0) return;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) return;
    size_t len = strlen(line);
    line[len++] = '\n';
    /* One write per line: the server child and the client interleave whole lines. */
    ssize_t w = write(STDOUT_FILENO, line, len);
    (void)w;
}

void lab_set_timeouts(int fd, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

void lab_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (!lab_interrupted && nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

const char *lab_addr(const struct sockaddr_in *a, char *buf, size_t n)
{
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
    snprintf(buf, n, "%s:%u", ip, ntohs(a->sin_port));
    return buf;
}

const char *lab_local(int fd, char *buf, size_t n)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    return lab_addr(&a, buf, n);
}

const char *lab_first_line(const char *msg, char *buf, size_t n)
{
    size_t k = strcspn(msg, "\r\n");
    if (k >= n) k = n - 1;
    memcpy(buf, msg, k);
    buf[k] = '\0';
    return buf;
}

int lab_listen(const struct sockaddr_in *a, int backlog)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)a, sizeof *a) != 0 || listen(fd, backlog) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int lab_socket(const lab_ctx *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (bind(fd, (const struct sockaddr *)&c->client, sizeof c->client) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    lab_set_timeouts(fd, LAB_IO_TIMEOUT_MS);
    return fd;
}

int lab_connect(int fd, const struct sockaddr_in *to)
{
    for (;;) {
        if (connect(fd, (const struct sockaddr *)to, sizeof *to) == 0) return 0;
        if (errno == EINTR && !lab_interrupted) continue;
        return -1;
    }
}

int lab_accept(int lfd)
{
    struct pollfd p = { lfd, POLLIN, 0 };
    int r;
    do {
        r = poll(&p, 1, LAB_IO_TIMEOUT_MS);
    } while (r < 0 && errno == EINTR && !lab_interrupted);
    if (r <= 0) {
        if (r == 0) errno = ETIMEDOUT;
        return -1;
    }
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) lab_set_timeouts(fd, LAB_IO_TIMEOUT_MS);
    return fd;
}

int lab_send_all(int fd, const void *p, size_t n)
{
    const char *s = p;
    while (n) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR && !lab_interrupted) continue;
            return -1;
        }
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

long lab_recv_some(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, (char *)p + got, n - got, 0);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR && !lab_interrupted) continue;
            return got ? (long)got : -1;
        }
        got += (size_t)r;
    }
    return (long)got;
}

long lab_drain(int fd)
{
    char buf[4096];
    long total = 0;
    for (;;) {
        ssize_t r = recv(fd, buf, sizeof buf, 0);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR && !lab_interrupted) continue;
            break;
        }
        total += r;
    }
    return total;
}

long lab_recv_http(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    long need = -1; /* total length once the head is complete */
    while (got + 1 < cap) {
        ssize_t r = recv(fd, buf + got, cap - 1 - got, 0);
        if (r == 0) break;
        if (r < 0) {
            if (errno == EINTR && !lab_interrupted) continue;
            break;
        }
        got += (size_t)r;
        buf[got] = '\0';
        if (need < 0) {
            char *end = strstr(buf, "\r\n\r\n");
            if (end) {
                long clen = 0;
                for (char *h = strstr(buf, "\r\n"); h && h < end; h = strstr(h + 2, "\r\n"))
                    if (strncasecmp(h + 2, "Content-Length:", 15) == 0) clen = strtol(h + 17, NULL, 10);
                need = (long)(end + 4 - buf) + clen;
            }
        }
        if (need >= 0 && (long)got >= need) break;
    }
    buf[got] = '\0';
    return got ? (long)got : -1;
}

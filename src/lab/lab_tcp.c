/* \summary: synfin lab's plain-TCP scenarios: http, refused, reset, half-close, keepalive, timeout */
#include "lab_priv.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char http_body[] =
    "<!doctype html>\n<title>synfin lab</title>\n<p>Hello from the synfin lab server.</p>\n";

static void http_request(char *buf, size_t n, const char *path)
{
    snprintf(buf, n,
             "GET %s HTTP/1.1\r\nHost: " LAB_SERVER_IP "\r\nUser-Agent: synfin-lab\r\nAccept: */*\r\n\r\n",
             path);
}

static int http_response(char *buf, size_t n)
{
    return snprintf(buf, n,
                    "HTTP/1.1 200 OK\r\nServer: synfin-lab\r\nContent-Type: text/html\r\n"
                    "Content-Length: %zu\r\n\r\n%s",
                    sizeof http_body - 1, http_body);
}

/* Client side: connect and say so. Returns the socket or -1. */
static int client_connect(lab_ctx *c)
{
    char a[64], l[64];
    int fd = lab_socket(c);
    if (fd < 0) {
        lab_say("client", "socket: %s", strerror(errno));
        return -1;
    }
    lab_say("client", "connect() to %s", lab_addr(&c->server, a, sizeof a));
    if (lab_connect(fd, &c->server) != 0) {
        lab_say("client", "connect: %s", strerror(errno));
        close(fd);
        return -1;
    }
    lab_say("client", "connected from %s (three-way handshake done)", lab_local(fd, l, sizeof l));
    return fd;
}

/* Server side: accept one connection and say so. */
static int server_accept(int lfd)
{
    int fd = lab_accept(lfd);
    if (fd < 0) lab_say("server", "accept: %s", strerror(errno));
    else lab_say("server", "accept() returned the new connection");
    return fd;
}

/* Server: read one request, send the page. */
static int serve_one_request(int fd)
{
    char req[2048], line[128], resp[1024];
    long n = lab_recv_http(fd, req, sizeof req);
    if (n <= 0) {
        lab_say("server", "no request: %s", n < 0 ? strerror(errno) : "connection closed");
        return -1;
    }
    lab_say("server", "got \"%s\" (%ld bytes)", lab_first_line(req, line, sizeof line), n);
    int m = http_response(resp, sizeof resp);
    lab_say("server", "sends \"HTTP/1.1 200 OK\" (%d bytes)", m);
    if (lab_send_all(fd, resp, (size_t)m) != 0) {
        lab_say("server", "send: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Client: send a GET and read the whole response. */
static int fetch_page(int fd, const char *path)
{
    char req[512], resp[4096], line[128];
    http_request(req, sizeof req, path);
    lab_say("client", "sends \"GET %s HTTP/1.1\" (%zu bytes)", path, strlen(req));
    if (lab_send_all(fd, req, strlen(req)) != 0) {
        lab_say("client", "send: %s", strerror(errno));
        return -1;
    }
    long n = lab_recv_http(fd, resp, sizeof resp);
    if (n <= 0) {
        lab_say("client", "no response: %s", n < 0 ? strerror(errno) : "connection closed");
        return -1;
    }
    lab_say("client", "got \"%s\" (%ld bytes)", lab_first_line(resp, line, sizeof line), n);
    return 0;
}

/* Server: wait for the client's FIN (read returns 0), then close. */
static void server_close_after_eof(int fd, int delay_ms)
{
    long extra = lab_drain(fd);
    lab_say("server", "read() returned 0: the client's FIN arrived%s", extra > 0 ? " (after more data)" : "");
    if (delay_ms > 0) {
        lab_say("server", "waits %d ms before closing (its kernel ACKs the FIN alone meanwhile)", delay_ms);
        lab_sleep_ms(delay_ms);
    }
    close(fd);
    lab_say("server", "close(): sends its own FIN");
}

/* ---- http: GET, response, the client closes first ---- */

int lab_http_server(lab_ctx *c, int lfd)
{
    (void)c;
    int fd = server_accept(lfd);
    if (fd < 0) return 1;
    int rc = serve_one_request(fd);
    server_close_after_eof(fd, 0);
    return rc ? 1 : 0;
}

int lab_http_client(lab_ctx *c)
{
    int fd = client_connect(c);
    if (fd < 0) return 1;
    int rc = fetch_page(fd, "/");
    close(fd);
    lab_say("client", "close(): sends FIN (the client closes first, like curl)");
    return rc ? 1 : 0;
}

/* ---- refused: nothing listens, the SYN is answered by RST ---- */

int lab_refused_client(lab_ctx *c)
{
    char a[64];
    int fd = lab_socket(c);
    if (fd < 0) return 1;
    lab_say("client", "connect() to %s, where nothing listens", lab_addr(&c->server, a, sizeof a));
    int rc = lab_connect(fd, &c->server);
    int e = errno;
    close(fd);
    if (rc == 0) {
        lab_say("client", "connected?! (expected a refusal)");
        return 1;
    }
    lab_say("client", "connect: %s (the server's kernel answered the SYN with RST)", strerror(e));
    return e == ECONNREFUSED ? 0 : 1;
}

/* ---- reset: an abortive close (SO_LINGER {1, 0}) ---- */

static void abort_close(int fd, const char *who)
{
    struct linger lg = { 1, 0 };
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
    lab_say(who, "close() with SO_LINGER {on, 0 s}: an abortive close, RST instead of FIN");
}

int lab_reset_server(lab_ctx *c, int lfd)
{
    int fd = server_accept(lfd);
    if (fd < 0) return 1;
    int rc = serve_one_request(fd);
    if (c->by_server) {
        lab_sleep_ms(100); /* let the client read the response first */
        abort_close(fd, "server");
        return rc ? 1 : 0;
    }
    char b[256];
    long n = lab_recv_some(fd, b, sizeof b);
    lab_say("server", "read(): %s", n < 0 ? strerror(errno) : n == 0 ? "0 (FIN?)" : "data");
    close(fd);
    return rc ? 1 : 0;
}

int lab_reset_client(lab_ctx *c)
{
    int fd = client_connect(c);
    if (fd < 0) return 1;
    int rc = fetch_page(fd, "/");
    if (c->by_server) {
        char b[256];
        long n = lab_recv_some(fd, b, sizeof b);
        lab_say("client", "read(): %s", n < 0 ? strerror(errno) : n == 0 ? "0 (FIN?)" : "data");
        close(fd);
    } else {
        abort_close(fd, "client");
    }
    return rc ? 1 : 0;
}

/* ---- half-close: shutdown(SHUT_WR), then the other side still sends ---- */

#define HC_CHUNKS 3

int lab_halfclose_server(lab_ctx *c, int lfd)
{
    (void)c;
    int fd = server_accept(lfd);
    if (fd < 0) return 1;
    char req[512];
    long n = lab_recv_some(fd, req, sizeof req - 1);
    if (n < 0) {
        lab_say("server", "read: %s", strerror(errno));
        close(fd);
        return 1;
    }
    lab_say("server", "read %ld bytes, then read() returned 0: the client half-closed", n);
    for (int i = 1; i <= HC_CHUNKS; i++) {
        char chunk[64];
        int m = snprintf(chunk, sizeof chunk, "chunk %d of %d, sent after your FIN\n", i, HC_CHUNKS);
        lab_say("server", "sends chunk %d of %d (%d bytes) into the half-closed connection", i, HC_CHUNKS, m);
        if (lab_send_all(fd, chunk, (size_t)m) != 0) {
            lab_say("server", "send: %s", strerror(errno));
            close(fd);
            return 1;
        }
        lab_sleep_ms(100);
    }
    close(fd);
    lab_say("server", "close(): sends its FIN");
    return 0;
}

int lab_halfclose_client(lab_ctx *c)
{
    int fd = client_connect(c);
    if (fd < 0) return 1;
    static const char req[] = "send me three chunks, I will not write again\n";
    lab_say("client", "sends a %zu-byte request", sizeof req - 1);
    if (lab_send_all(fd, req, sizeof req - 1) != 0) {
        lab_say("client", "send: %s", strerror(errno));
        close(fd);
        return 1;
    }
    shutdown(fd, SHUT_WR);
    lab_say("client", "shutdown(SHUT_WR): FIN (\"I will send no more\"), but it keeps reading");
    long n = lab_drain(fd);
    lab_say("client", "read %ld bytes after its own FIN, then 0: the server's FIN", n);
    close(fd);
    return n > 0 ? 0 : 1;
}

/* ---- keepalive: short keep-alive timers on an idle connection ---- */

#define KA_IDLE_MS 3500

int lab_keepalive_server(lab_ctx *c, int lfd)
{
    (void)c;
    int fd = server_accept(lfd);
    if (fd < 0) return 1;
    lab_set_timeouts(fd, KA_IDLE_MS + LAB_IO_TIMEOUT_MS);
    int rc = serve_one_request(fd);
    server_close_after_eof(fd, 500);
    return rc ? 1 : 0;
}

int lab_keepalive_client(lab_ctx *c)
{
    int fd = client_connect(c);
    if (fd < 0) return 1;
    int on = 1, idle = 1, intvl = 1, cnt = 3;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
    lab_say("client", "SO_KEEPALIVE on, TCP_KEEPIDLE 1 s, TCP_KEEPINTVL 1 s, TCP_KEEPCNT 3");
    int rc = fetch_page(fd, "/");
    lab_say("client", "stays idle for %.1f s: its kernel probes the idle connection every second", KA_IDLE_MS / 1000.0);
    lab_sleep_ms(KA_IDLE_MS);
    close(fd);
    lab_say("client", "close(): sends FIN");
    return rc ? 1 : 0;
}

/* ---- timeout: a SYN that is never answered ---- */

int lab_timeout_client(lab_ctx *c)
{
    char a[64];
    int fd = lab_socket(c);
    if (fd < 0) return 1;
    int syncnt = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &syncnt, sizeof syncnt);
    lab_say("client", "connect() to %s: routed to this host's lo, but no host has that address,",
            lab_addr(&c->silent, a, sizeof a));
    lab_say("client", "so every SYN is silently dropped (as a firewall DROP rule would); TCP_SYNCNT 1");
    int rc = lab_connect(fd, &c->silent);
    int e = errno;
    close(fd);
    if (rc == 0) {
        lab_say("client", "connected?! (expected a timeout)");
        return 1;
    }
    lab_say("client", "connect: %s (the kernel gave up after retransmitting the SYN)", strerror(e));
    return e == ETIMEDOUT ? 0 : 1;
}

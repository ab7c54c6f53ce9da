/* \summary: internal: synfin lab's scenarios, network set-up and socket helpers */
#ifndef SF_LAB_PRIV_H
#define SF_LAB_PRIV_H
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* The lab's private network (inside its own network namespace, on lo):
 * documentation addresses (RFC 5737) so the capture reads like a real one. */
#define LAB_CLIENT_IP "192.0.2.1"
#define LAB_SERVER_IP "192.0.2.2"
#define LAB_SILENT_IP "192.0.2.3"   /* routed to lo but not local: SYNs vanish */
#define LAB_PREFIX    "192.0.2.0"   /* /24 */
#define LAB_MTU       1500
#define LAB_IO_TIMEOUT_MS 5000      /* every blocking socket call gives up after this */

typedef struct lab_ctx {
    const char *scenario;
    int bad_cert;           /* tls: the client rejects the certificate, then retries */
    int tls13;              /* tls: TLS 1.3 instead of 1.2 */
    int by_server;          /* reset: the server aborts instead of the client */
    uint16_t port;          /* server port */
    struct sockaddr_in server, client, silent;
    void *tls;              /* lab_tls.c's state (certificate), or NULL */
} lab_ctx;

/* One scenario. server() runs in a child process with the listening
 * socket (already bound and listening, so the client never races it) and
 * returns the child's exit status; client() runs in the lab process and
 * returns 0 when the experiment went as built. What each capture shows is
 * in docs/lab.md and checked by tests/live/lab_scenarios.py. */
typedef struct lab_scenario {
    const char *name;
    const char *what;          /* one line for the list */
    uint16_t port;
    int (*prepare)(lab_ctx *); /* before anything forks (e.g. make a certificate), or NULL */
    int (*server)(lab_ctx *, int lfd);  /* NULL: no listener */
    int (*client)(lab_ctx *);
} lab_scenario;

extern const lab_scenario sf_lab_scenarios[];

/* ---- lab_tcp.c: plain-TCP scenarios ---- */
int lab_http_server(lab_ctx *c, int lfd);
int lab_http_client(lab_ctx *c);
int lab_refused_client(lab_ctx *c);
int lab_reset_server(lab_ctx *c, int lfd);
int lab_reset_client(lab_ctx *c);
int lab_halfclose_server(lab_ctx *c, int lfd);
int lab_halfclose_client(lab_ctx *c);
int lab_keepalive_server(lab_ctx *c, int lfd);
int lab_keepalive_client(lab_ctx *c);
int lab_timeout_client(lab_ctx *c);

/* ---- lab_tls.c: TLS scenario (OpenSSL) ---- */
int lab_tls_prepare(lab_ctx *c);
int lab_tls_server(lab_ctx *c, int lfd);
int lab_tls_client(lab_ctx *c);
void lab_tls_cleanup(lab_ctx *c);

/* ---- lab_net.c: the private network ---- */
/* unshare(CLONE_NEWNET), then lo up with mtu LAB_MTU, the two addresses
 * (/32) and a route for the /24 through lo. The namespace has no name and
 * no mount: the kernel removes it when the last process in it exits.
 * Returns 0, or -1 with err set. */
int lab_net_setup(char *err, size_t errlen);

/* ---- lab_sock.c: socket helpers (all with LAB_IO_TIMEOUT_MS) ---- */
/* Narration: "  who  text" on stdout, written at once (safe across fork). */
void lab_say(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int lab_listen(const struct sockaddr_in *a, int backlog);
/* A client socket bound to the client address (port 0 = any). */
int lab_socket(const lab_ctx *c);
int lab_connect(int fd, const struct sockaddr_in *to);   /* 0, or -1 with errno */
int lab_accept(int lfd);
int lab_send_all(int fd, const void *p, size_t n);
/* Reads until `n` bytes, EOF or timeout; returns bytes read or -1. */
long lab_recv_some(int fd, void *p, size_t n);
/* Reads and discards until EOF (or timeout); returns bytes read. */
long lab_drain(int fd);
/* Reads an HTTP/1.x message (head + Content-Length body) into buf. */
long lab_recv_http(int fd, char *buf, size_t cap);
void lab_set_timeouts(int fd, int ms);
void lab_sleep_ms(int ms);
const char *lab_addr(const struct sockaddr_in *a, char *buf, size_t n); /* "ip:port" */
/* The local address of fd as "ip:port". */
const char *lab_local(int fd, char *buf, size_t n);
/* First line of an HTTP message, for narration. */
const char *lab_first_line(const char *msg, char *buf, size_t n);

/* Set by the lab's SIGINT/SIGTERM handler; helpers stop waiting when set. */
extern volatile sig_atomic_t lab_interrupted;

#endif

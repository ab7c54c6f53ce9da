/* \summary: synfin lab's TLS scenario (OpenSSL): a throwaway self-signed certificate, handshake, data, --bad-cert retry */
#include "lab_priv.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LAB_TLS_NAME "lab.synfin.test"

typedef struct lab_tls {
    EVP_PKEY *key;
    X509 *cert;
} lab_tls;

static void ssl_error(const char *who, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e) ERR_error_string_n(e, buf, sizeof buf);
    lab_say(who, "%s failed%s%s", what, e ? ": " : "", buf);
    ERR_clear_error();
}

/* A P-256 key and a self-signed certificate for LAB_TLS_NAME, valid one day. */
int lab_tls_prepare(lab_ctx *c)
{
    lab_tls *t = calloc(1, sizeof *t);
    if (!t) return -1;
    c->tls = t;
    t->key = EVP_EC_gen("P-256");
    t->cert = X509_new();
    if (!t->key || !t->cert) goto fail;
    X509_set_version(t->cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(t->cert), (long)(getpid() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(t->cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(t->cert), 24 * 3600);
    X509_NAME *n = X509_get_subject_name(t->cert);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"synfin lab", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)LAB_TLS_NAME, -1, -1, 0);
    X509_set_issuer_name(t->cert, n);
    X509_set_pubkey(t->cert, t->key);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, t->cert, t->cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, "DNS:" LAB_TLS_NAME);
    if (!ext || !X509_add_ext(t->cert, ext, -1)) {
        X509_EXTENSION_free(ext);
        goto fail;
    }
    X509_EXTENSION_free(ext);
    if (!X509_sign(t->cert, t->key, EVP_sha256())) goto fail;
    lab_say("lab", "made a throwaway self-signed certificate for %s (P-256, valid 1 day)", LAB_TLS_NAME);
    return 0;
fail:
    ssl_error("lab", "making the certificate");
    return -1;
}

static void set_version(SSL_CTX *ctx, const lab_ctx *c)
{
    int v = c->tls13 ? TLS1_3_VERSION : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(ctx, v);
    SSL_CTX_set_max_proto_version(ctx, v);
}

/* ---- server: one connection per client attempt ---- */

static int serve_tls(SSL_CTX *ctx, int lfd)
{
    int fd = lab_accept(lfd);
    if (fd < 0) {
        lab_say("server", "accept: %s", strerror(errno));
        return -1;
    }
    lab_say("server", "accept() returned a connection; TLS handshake starts");
    SSL *ssl = SSL_new(ctx);
    int rc = -1;
    if (!ssl) goto out;
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
        unsigned long e = ERR_peek_error();
        const char *r = e ? ERR_reason_error_string(e) : NULL;
        lab_say("server", "handshake failed: %s", r ? r : "connection closed");
        ERR_clear_error();
        /* The client rejected us; wait for its FIN, then close. */
        lab_drain(fd);
        rc = 1;
        goto out;
    }
    lab_say("server", "handshake done: %s, %s", SSL_get_version(ssl), SSL_get_cipher_name(ssl));
    char req[2048];
    int n = SSL_read(ssl, req, sizeof req - 1);
    if (n <= 0) {
        ssl_error("server", "SSL_read");
        goto out;
    }
    req[n] = '\0';
    char line[128];
    lab_say("server", "got \"%s\" (%d bytes, encrypted on the wire)", lab_first_line(req, line, sizeof line), n);
    static const char body[] = "Hello over TLS from the synfin lab server.\n";
    char resp[512];
    int m = snprintf(resp, sizeof resp,
                     "HTTP/1.1 200 OK\r\nServer: synfin-lab\r\nContent-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n\r\n%s", sizeof body - 1, body);
    lab_say("server", "sends \"HTTP/1.1 200 OK\" (%d bytes, as TLS application data)", m);
    if (SSL_write(ssl, resp, m) != m) {
        ssl_error("server", "SSL_write");
        goto out;
    }
    n = SSL_read(ssl, req, sizeof req);
    if (n == 0 && SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN)
        lab_say("server", "got the client's close_notify alert");
    lab_drain(fd); /* the client's FIN */
    rc = 0;
out:
    if (ssl) {
        SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN); /* no reply alert */
        SSL_free(ssl);
    }
    close(fd);
    lab_say("server", "close(): sends its FIN");
    return rc;
}

int lab_tls_server(lab_ctx *c, int lfd)
{
    lab_tls *t = c->tls;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate(ctx, t->cert) != 1 || SSL_CTX_use_PrivateKey(ctx, t->key) != 1) {
        ssl_error("server", "setting up TLS");
        SSL_CTX_free(ctx);
        return 1;
    }
    set_version(ctx, c);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
    int bad = 0;
    int attempts = c->bad_cert ? 2 : 1;
    for (int i = 0; i < attempts; i++) {
        int r = serve_tls(ctx, lfd);
        if (r < 0 || (r > 0 && !(c->bad_cert && i == 0))) bad = 1;
    }
    SSL_CTX_free(ctx);
    return bad;
}

/* ---- client ---- */

/* One attempt. verify: 1 = check the certificate (trusting the lab's own
 * when `trust`), 0 = accept anything (like curl -k / "proceed anyway"). */
static int tls_attempt(lab_ctx *c, int verify, int trust)
{
    lab_tls *t = c->tls;
    char a[64], l[64];
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ssl_error("client", "SSL_CTX_new");
        return -1;
    }
    set_version(ctx, c);
    if (verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (trust) X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), t->cert);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    int fd = lab_socket(c);
    int rc = -1;
    SSL *ssl = NULL;
    if (fd < 0) goto out;
    lab_say("client", "connect() to %s", lab_addr(&c->server, a, sizeof a));
    if (lab_connect(fd, &c->server) != 0) {
        lab_say("client", "connect: %s", strerror(errno));
        goto out;
    }
    lab_say("client", "connected from %s; ClientHello with SNI %s", lab_local(fd, l, sizeof l), LAB_TLS_NAME);
    ssl = SSL_new(ctx);
    if (!ssl) goto out;
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, LAB_TLS_NAME);
    if (verify) SSL_set1_host(ssl, LAB_TLS_NAME);
    if (SSL_connect(ssl) != 1) {
        long vr = SSL_get_verify_result(ssl);
        if (vr != X509_V_OK)
            lab_say("client", "rejects the certificate: %s; sends a fatal alert", X509_verify_cert_error_string(vr));
        else
            ssl_error("client", "handshake");
        ERR_clear_error();
        /* Close our side, read what the server had already sent, then close:
         * a clean FIN close rather than a RST over unread data. */
        shutdown(fd, SHUT_WR);
        lab_drain(fd);
        rc = 1;
        goto out;
    }
    lab_say("client", "handshake done: %s, %s%s", SSL_get_version(ssl), SSL_get_cipher_name(ssl),
            verify ? "; certificate verified" : "; certificate NOT checked");
    static const char req[] = "GET / HTTP/1.1\r\nHost: " LAB_TLS_NAME "\r\nUser-Agent: synfin-lab\r\n\r\n";
    lab_say("client", "sends \"GET / HTTP/1.1\" (%zu bytes, as TLS application data)", sizeof req - 1);
    if (SSL_write(ssl, req, (int)sizeof req - 1) != (int)sizeof req - 1) {
        ssl_error("client", "SSL_write");
        goto out;
    }
    char resp[2048];
    int got = 0;
    while (got < (int)sizeof resp - 1) {
        int n = SSL_read(ssl, resp + got, (int)sizeof resp - 1 - got);
        if (n <= 0) break;
        got += n;
        resp[got] = '\0';
        char *end = strstr(resp, "\r\n\r\n");
        if (end && strstr(end, "server.\n")) break;
    }
    resp[got] = '\0';
    char line[128];
    lab_say("client", "got \"%s\" (%d bytes)", lab_first_line(resp, line, sizeof line), got);
    lab_say("client", "sends close_notify, then close(): FIN");
    SSL_shutdown(ssl);
    rc = got > 0 ? 0 : -1;
out:
    SSL_free(ssl);
    if (fd >= 0) close(fd);
    SSL_CTX_free(ctx);
    return rc;
}

int lab_tls_client(lab_ctx *c)
{
    if (!c->bad_cert) return tls_attempt(c, 1, 1) == 0 ? 0 : 1;
    lab_say("client", "does not trust the server's self-signed certificate (like a browser)");
    int r1 = tls_attempt(c, 1, 0);
    if (r1 != 1) return 1; /* the first attempt must fail on the certificate */
    lab_say("client", "reconnects and accepts the certificate anyway (like curl -k, or \"proceed\")");
    return tls_attempt(c, 0, 0) == 0 ? 0 : 1;
}

void lab_tls_cleanup(lab_ctx *c)
{
    lab_tls *t = c->tls;
    if (!t) return;
    X509_free(t->cert);
    EVP_PKEY_free(t->key);
    free(t);
    c->tls = NULL;
}

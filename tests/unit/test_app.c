/* \summary: unit tests of TLS/HTTP recognition over constructed byte streams */
#include <stdlib.h>
#include "t.h"
#include "../../src/app/app.h"

/* ---- byte builders ---- */
typedef struct bb {
    uint8_t b[8192];
    size_t n;
} bb;
static void u8(bb *x, unsigned v) { x->b[x->n++] = (uint8_t)v; }
static void u16(bb *x, unsigned v) { u8(x, v >> 8); u8(x, v); }
static void u24(bb *x, unsigned v) { u8(x, v >> 16); u8(x, v >> 8); u8(x, v); }
static void raw(bb *x, const void *p, size_t n) { memcpy(x->b + x->n, p, n); x->n += n; }
static void fill(bb *x, unsigned v, size_t n) { memset(x->b + x->n, (int)v, n); x->n += n; }
static void str(bb *x, const char *s) { raw(x, s, strlen(s)); }
static size_t rec_begin(bb *x, unsigned ct) { u8(x, ct); u16(x, 0x0303); u16(x, 0); return x->n; }
static void rec_end(bb *x, size_t at)
{
    size_t l = x->n - at;
    x->b[at - 2] = (uint8_t)(l >> 8);
    x->b[at - 1] = (uint8_t)l;
}
static size_t hs_begin(bb *x, unsigned type) { u8(x, type); u24(x, 0); return x->n; }
static void hs_end(bb *x, size_t at)
{
    size_t l = x->n - at;
    x->b[at - 3] = (uint8_t)(l >> 16);
    x->b[at - 2] = (uint8_t)(l >> 8);
    x->b[at - 1] = (uint8_t)l;
}

/* ClientHello message (no record header) with SNI, ALPN h2/http1.1 and
 * supported_versions GREASE, 1.3, 1.2. */
static void client_hello(bb *x, const char *sni)
{
    size_t h = hs_begin(x, 1);
    u16(x, 0x0303);
    fill(x, 0x11, 32);                        /* random */
    u8(x, 32); fill(x, 0x22, 32);             /* session id */
    u16(x, 6); u16(x, 0x1301); u16(x, 0xc02f); u16(x, 0x00ff);
    u8(x, 1); u8(x, 0);
    size_t el = x->n; u16(x, 0);
    u16(x, 0x0a0a); u16(x, 0);               /* GREASE extension */
    if (sni) {
        size_t l = strlen(sni);
        u16(x, 0); u16(x, (unsigned)(l + 5)); u16(x, (unsigned)(l + 3)); u8(x, 0); u16(x, (unsigned)l);
        str(x, sni);
    }
    u16(x, 16); u16(x, 14); u16(x, 12); u8(x, 2); str(x, "h2"); u8(x, 8); str(x, "http/1.1");
    u16(x, 43); u16(x, 7); u8(x, 6); u16(x, 0x3a3a); u16(x, 0x0304); u16(x, 0x0303);
    fill(x, 0, 0);
    u16(x, 21); u16(x, 300); fill(x, 0, 300); /* padding: makes the hello span segments */
    size_t elen = x->n - el - 2;
    x->b[el] = (uint8_t)(elen >> 8); x->b[el + 1] = (uint8_t)elen;
    hs_end(x, h);
}

static const uint8_t HRR[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C
};

/* ServerHello; version13 adds supported_versions = 1.3. */
static void server_hello(bb *x, int hrr, int version13, unsigned cipher)
{
    size_t h = hs_begin(x, 2);
    u16(x, 0x0303);
    if (hrr) raw(x, HRR, 32); else fill(x, 0x33, 32);
    u8(x, 0);
    u16(x, cipher); u8(x, 0);
    size_t el = x->n; u16(x, 0);
    if (version13) { u16(x, 43); u16(x, 2); u16(x, 0x0304); }
    u16(x, 16); u16(x, 5); u16(x, 3); u8(x, 2); str(x, "h2");
    size_t elen = x->n - el - 2;
    x->b[el] = (uint8_t)(elen >> 8); x->b[el + 1] = (uint8_t)elen;
    hs_end(x, h);
}

static void simple_hs(bb *x, unsigned type, size_t len)
{
    size_t h = hs_begin(x, type);
    fill(x, 0x44, len);
    hs_end(x, h);
}

/* ---- a tiny engine stand-in ---- */
typedef struct conn {
    sf_app_conn *ac;
    sf_conn_app sum;
    uint32_t seq[2];
    sf_appinfo out;
} conn;

static void conn_init(conn *c) { memset(c, 0, sizeof *c); c->seq[0] = c->seq[1] = 1; }
/* Send the next n bytes of a direction (caplen = n). */
static sf_appinfo *send(conn *c, int dir, const uint8_t *p, size_t n)
{
    sf_app_segment(&c->ac, dir, c->seq[dir], p, (uint32_t)n, (uint32_t)n, 50000, 443, &c->out, &c->sum);
    c->seq[dir] += (uint32_t)n;
    return &c->out;
}
static sf_appinfo *send_at(conn *c, int dir, uint32_t seq, const uint8_t *p, size_t n, size_t cap)
{
    sf_app_segment(&c->ac, dir, seq, p, (uint32_t)n, (uint32_t)cap, 50000, 80, &c->out, &c->sum);
    return &c->out;
}
static void conn_free(conn *c) { sf_app_free(c->ac); }

/* ---- TLS ---- */

TEST(app_client_hello_sni_split_across_three_segments)
{
    bb x = { .n = 0 };
    size_t r = rec_begin(&x, 22);
    client_hello(&x, "www.example.com");
    rec_end(&x, r);
    T_CHECK(x.n > 400);
    conn c; conn_init(&c);
    size_t a = 3, b = 200;                               /* cut inside the header and the body */
    sf_appinfo *o = send(&c, 0, x.b, a);
    T_EQ_INT(o->nrec, 0);
    o = send(&c, 0, x.b + a, b - a);
    T_EQ_INT(o->proto, SF_APP_TLS);
    T_EQ_INT(o->nrec, 0);                                /* record not complete yet */
    o = send(&c, 0, x.b + b, x.n - b);
    T_EQ_INT(o->nrec, 1);
    T_EQ_INT(o->rec[0].content_type, 22);
    T_EQ_INT(o->rec[0].hs_type, 1);
    T_EQ_INT(o->rec[0].version, 0x0303);
    T_EQ_STR(o->sni, "www.example.com");
    T_EQ_STR(o->alpn, "h2");
    T_EQ_INT(o->tls_version, 0x0304);                    /* highest offered, GREASE skipped */
    T_EQ_INT(c.sum.proto, SF_APP_TLS);
    T_EQ_STR(c.sum.sni, "www.example.com");
    T_EQ_INT(c.sum.alert_desc, -1);
    conn_free(&c);
}

TEST(app_several_records_in_one_segment_and_messages_in_one_record)
{
    bb ch = { .n = 0 }, sv = { .n = 0 };
    size_t r = rec_begin(&ch, 22); client_hello(&ch, NULL); rec_end(&ch, r);
    r = rec_begin(&sv, 22); server_hello(&sv, 0, 0, 0xc02f); rec_end(&sv, r);
    r = rec_begin(&sv, 22); simple_hs(&sv, 11, 900); rec_end(&sv, r);
    r = rec_begin(&sv, 22); simple_hs(&sv, 12, 300); simple_hs(&sv, 14, 0); rec_end(&sv, r);
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, ch.b, ch.n);
    T_EQ_INT(o->nrec, 1);
    T_EQ_STR(o->sni, "");
    o = send(&c, 1, sv.b, sv.n);
    T_EQ_INT(o->nrec, 4);
    T_EQ_INT(o->nrec_total, 4);
    T_EQ_INT(o->rec[0].hs_type, 2);
    T_EQ_INT(o->rec[1].hs_type, 11);
    T_EQ_INT(o->rec[2].hs_type, 12);
    T_EQ_INT(o->rec[3].hs_type, 14);
    T_EQ_INT(o->rec[2].same_record, 0);
    T_EQ_INT(o->rec[3].same_record, 1);                  /* SHD shares SKE's record */
    T_EQ_INT(o->cipher, 0xc02f);
    T_EQ_INT(o->tls_version, 0x0303);
    T_EQ_STR(o->alpn, "h2");
    T_EQ_INT(c.sum.tls_version, 0x0303);
    T_EQ_INT(c.sum.cipher, 0xc02f);
    T_EQ_STR(c.sum.alpn, "h2");
    char lab[200];
    sf_app_label(o, lab, sizeof lab);
    T_EQ_STR(lab, "Server Hello, Certificate, Server Key Exchange, Server Hello Done");
    conn_free(&c);
}

TEST(app_plaintext_alert_unknown_ca)
{
    bb ch = { .n = 0 }, sv = { .n = 0 }, al = { .n = 0 };
    size_t r = rec_begin(&ch, 22); client_hello(&ch, "a.test"); rec_end(&ch, r);
    r = rec_begin(&sv, 22); server_hello(&sv, 0, 0, 0xc030); simple_hs(&sv, 11, 100); rec_end(&sv, r);
    r = rec_begin(&al, 21); u8(&al, 2); u8(&al, 48); rec_end(&al, r);
    conn c; conn_init(&c);
    send(&c, 0, ch.b, ch.n);
    send(&c, 1, sv.b, sv.n);
    sf_appinfo *o = send(&c, 0, al.b, al.n);
    T_EQ_INT(o->nrec, 1);
    T_EQ_INT(o->rec[0].content_type, 21);
    T_EQ_INT(o->rec[0].alert_level, 2);
    T_EQ_INT(o->rec[0].alert_desc, 48);
    T_EQ_INT(o->rec[0].encrypted, 0);
    T_EQ_INT(o->alert_desc, 48);
    T_EQ_INT(c.sum.alert_desc, 48);
    T_EQ_INT(c.sum.alert_from, 0);
    T_EQ_INT(c.sum.tls_alerts, 1);
    T_EQ_STR(sf_tls_alert_name(o->alert_desc), "unknown_ca");
    char lab[100];
    sf_app_label(o, lab, sizeof lab);
    T_EQ_STR(lab, "Alert (Fatal, Unknown CA)");
    conn_free(&c);
}

TEST(app_ccs_then_encrypted_handshake_and_alert)
{
    bb ck = { .n = 0 }, ea = { .n = 0 }, ad = { .n = 0 };
    size_t r = rec_begin(&ck, 22); simple_hs(&ck, 16, 66); rec_end(&ck, r);
    r = rec_begin(&ck, 20); u8(&ck, 1); rec_end(&ck, r);
    r = rec_begin(&ck, 22); fill(&ck, 0xe7, 40); rec_end(&ck, r);      /* encrypted Finished */
    r = rec_begin(&ad, 23); fill(&ad, 0x99, 100); rec_end(&ad, r);
    r = rec_begin(&ea, 21); fill(&ea, 0x01, 26); rec_end(&ea, r);       /* encrypted close_notify */
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, ck.b, ck.n);
    T_EQ_INT(o->nrec, 3);
    T_EQ_INT(o->rec[0].hs_type, 16);
    T_EQ_INT(o->rec[1].content_type, 20);
    T_EQ_INT(o->rec[2].content_type, 22);
    T_EQ_INT(o->rec[2].hs_type, -1);
    T_EQ_INT(o->rec[2].encrypted, 1);
    char lab[200];
    sf_app_label(o, lab, sizeof lab);
    T_EQ_STR(lab, "Client Key Exchange, Change Cipher Spec, Encrypted Handshake Message");
    o = send(&c, 0, ad.b, ad.n);
    T_EQ_INT(o->nrec, 1);
    T_EQ_INT(o->rec[0].content_type, 23);
    T_EQ_INT(o->rec[0].opaque, 0);
    T_EQ_INT(c.sum.tls_app_data, 1);
    o = send(&c, 0, ea.b, ea.n);
    T_EQ_INT(o->rec[0].content_type, 21);
    T_EQ_INT(o->rec[0].encrypted, 1);
    T_EQ_INT(o->alert_desc, -1);
    T_EQ_INT(c.sum.alert_desc, -1);                      /* no description when encrypted */
    T_EQ_INT(c.sum.tls_alerts, 1);
    conn_free(&c);
}

TEST(app_hello_retry_request_and_tls13_opaque_records)
{
    bb ch = { .n = 0 }, hrr = { .n = 0 }, ch2 = { .n = 0 }, sh = { .n = 0 };
    size_t r = rec_begin(&ch, 22); client_hello(&ch, "h.test"); rec_end(&ch, r);
    r = rec_begin(&hrr, 22); server_hello(&hrr, 1, 1, 0x1301); rec_end(&hrr, r);
    r = rec_begin(&hrr, 20); u8(&hrr, 1); rec_end(&hrr, r);
    r = rec_begin(&ch2, 20); u8(&ch2, 1); rec_end(&ch2, r);
    r = rec_begin(&ch2, 22); client_hello(&ch2, "h.test"); rec_end(&ch2, r);
    r = rec_begin(&sh, 22); server_hello(&sh, 0, 1, 0x1302); rec_end(&sh, r);
    r = rec_begin(&sh, 23); fill(&sh, 0x55, 500); rec_end(&sh, r);
    conn c; conn_init(&c);
    send(&c, 0, ch.b, ch.n);
    sf_appinfo *o = send(&c, 1, hrr.b, hrr.n);
    T_EQ_INT(o->nrec, 2);
    T_EQ_INT(o->rec[0].hs_type, 2);
    T_EQ_INT(o->hrr, 1);
    T_EQ_INT(o->tls_version, 0x0304);
    char lab[200];
    sf_app_label(o, lab, sizeof lab);
    T_EQ_STR(lab, "Hello Retry Request, Change Cipher Spec");
    o = send(&c, 0, ch2.b, ch2.n);                       /* TLS 1.3 CCS does not encrypt */
    T_EQ_INT(o->nrec, 2);
    T_EQ_INT(o->rec[0].content_type, 20);
    T_EQ_INT(o->rec[1].hs_type, 1);
    T_EQ_INT(o->rec[1].encrypted, 0);
    T_EQ_STR(o->sni, "h.test");
    o = send(&c, 1, sh.b, sh.n);
    T_EQ_INT(o->nrec, 2);
    T_EQ_INT(o->rec[0].hs_type, 2);
    T_EQ_INT(o->hrr, 0);
    T_EQ_INT(o->rec[1].content_type, 23);
    T_EQ_INT(o->rec[1].opaque, 1);
    T_EQ_INT(c.sum.hrr, 1);
    T_EQ_INT(c.sum.tls_version, 0x0304);
    T_EQ_INT(c.sum.cipher, 0x1302);
    T_EQ_STR(sf_tls_version_name(c.sum.tls_version), "TLSv1.3");
    conn_free(&c);
}

TEST(app_tls_truncated_capture_stops_direction)
{
    bb x = { .n = 0 }, sv = { .n = 0 };
    size_t r = rec_begin(&x, 22); client_hello(&x, "t.test"); rec_end(&x, r);
    r = rec_begin(&sv, 22); server_hello(&sv, 0, 0, 0xc02f); rec_end(&sv, r);
    conn c; conn_init(&c);
    sf_appinfo *o = send_at(&c, 0, 1, x.b, x.n, 100);   /* snaplen cut the hello */
    T_EQ_INT(o->nrec, 0);
    T_EQ_INT(o->proto, SF_APP_TLS);                      /* recognised from what was captured */
    o = send_at(&c, 0, 1 + (uint32_t)x.n, x.b, x.n, x.n);
    T_EQ_INT(o->nrec, 0);                                /* direction stopped */
    o = send_at(&c, 1, 1, sv.b, sv.n, sv.n);             /* the other one goes on */
    T_EQ_INT(o->nrec, 1);
    T_EQ_INT(o->rec[0].hs_type, 2);
    T_EQ_STR(c.sum.sni, "");
    conn_free(&c);
}

/* A hello whole in one segment is parsed in place; its record (hello +
 * certificate) completes only in the next segment, which reports both
 * messages and the hello's SNI/ALPN then, not before. */
TEST(app_hello_in_place_record_completes_in_later_segment)
{
    bb x = { .n = 0 };
    size_t r = rec_begin(&x, 22);
    client_hello(&x, "later.test");
    size_t cut = x.n + 40;                               /* the hello and 40 bytes of the next */
    simple_hs(&x, 11, 600);
    rec_end(&x, r);
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, x.b, cut);
    T_EQ_INT(o->proto, SF_APP_TLS);
    T_EQ_INT(o->nrec, 0);
    T_EQ_STR(o->sni, "");
    T_EQ_STR(c.sum.sni, "");
    o = send(&c, 0, x.b + cut, x.n - cut);
    T_EQ_INT(o->nrec, 2);
    T_EQ_INT(o->rec[0].hs_type, 1);
    T_EQ_INT(o->rec[1].hs_type, 11);
    T_EQ_INT(o->rec[1].same_record, 1);
    T_EQ_STR(o->sni, "later.test");
    T_EQ_STR(o->alpn, "h2");
    T_EQ_INT(o->tls_version, 0x0304);
    T_EQ_STR(c.sum.sni, "later.test");
    conn_free(&c);
}

/* A segment cut by the snaplen: what completes in the captured bytes is
 * reported (here a hello fragmented over two records, both captured), what
 * cannot complete is dropped, and the direction stops. */
TEST(app_truncated_segment_reports_what_completes_in_it)
{
    bb m = { .n = 0 }, x = { .n = 0 };
    client_hello(&m, "frag.test");                       /* the message, then cut in two records */
    size_t half = m.n / 2;
    size_t r = rec_begin(&x, 22); raw(&x, m.b, half); rec_end(&x, r);
    r = rec_begin(&x, 22); raw(&x, m.b + half, m.n - half); rec_end(&x, r);
    size_t whole = x.n;
    r = rec_begin(&x, 22); client_hello(&x, "cut.test"); rec_end(&x, r);
    conn c; conn_init(&c);
    sf_appinfo *o = send_at(&c, 0, 1, x.b, x.n, whole + 60);   /* second hello cut */
    T_EQ_INT(o->nrec, 2);                                /* the partial record, then the hello */
    T_EQ_INT(o->rec[0].hs_type, -1);
    T_EQ_INT(o->rec[1].hs_type, 1);
    T_EQ_STR(o->sni, "frag.test");
    T_EQ_STR(c.sum.sni, "frag.test");
    o = send_at(&c, 0, 1 + (uint32_t)x.n, x.b, whole, whole);
    T_EQ_INT(o->nrec, 0);                                /* direction stopped */
    /* HTTP: a header block whole in the captured part is reported; one cut is not */
    const char *req = "GET /t HTTP/1.1\r\nHost: h\r\nContent-Length: 300\r\n\r\n";
    const char *resp = "HTTP/1.1 200 OK\r\nServer: a-long-enough-header-line\r\n\r\n";
    bb rq = { .n = 0 };
    str(&rq, req);
    fill(&rq, 'b', 300);
    conn h; conn_init(&h);
    o = send_at(&h, 0, 1, rq.b, rq.n, strlen(req) + 10);
    T_EQ_INT(o->http_nmsg, 1);
    T_EQ_STR(o->http_uri, "/t");
    T_EQ_INT(o->http_clen, 300);
    o = send_at(&h, 1, 1, (const uint8_t *)resp, strlen(resp), 30);
    T_EQ_INT(o->proto, SF_APP_HTTP);
    T_EQ_INT(o->http_nmsg, 0);
    o = send_at(&h, 1, 1 + (uint32_t)strlen(resp), (const uint8_t *)resp, strlen(resp), strlen(resp));
    T_EQ_INT(o->http_nmsg, 0);                           /* direction stopped */
    T_EQ_INT(h.sum.http_requests, 1);
    T_EQ_INT(h.sum.http_responses, 0);
    conn_free(&h);
    conn_free(&c);
}

/* The client's direction ends on its first segment (cut by the snaplen)
 * before the server sent anything: what the server's side needs of it --
 * the request was a HEAD, so its response has no body -- must survive
 * until the response comes. */
TEST(app_direction_over_before_the_other_starts_keeps_the_request_queue)
{
    const char *reqs = "HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n";
    size_t head_len = strlen("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\n");
    for (int twice = 0; twice < 2; twice++) {
        conn c; conn_init(&c);
        sf_appinfo *o = send_at(&c, 0, 1, (const uint8_t *)reqs, strlen(reqs), head_len + 5);
        T_EQ_INT(o->http_nmsg, 1);                       /* the HEAD; the GET was cut */
        T_EQ_STR(o->http_method, "HEAD");
        if (twice) {                                     /* more from the ended side: ignored */
            o = send_at(&c, 0, 1 + (uint32_t)strlen(reqs), (const uint8_t *)reqs, head_len, head_len);
            T_EQ_INT(o->http_nmsg, 0);
            T_EQ_INT(o->proto, SF_APP_HTTP);
        }
        o = send_at(&c, 1, 1, (const uint8_t *)resp, strlen(resp), strlen(resp));
        T_EQ_INT(o->http_nmsg, 2);                       /* HEAD's response has no body */
        T_EQ_INT(o->http_msgs[0].status, 200);
        T_EQ_INT(o->http_msgs[1].status, 404);
        T_EQ_INT(c.sum.http_requests, 1);
        T_EQ_INT(c.sum.http_responses, 2);
        conn_free(&c);
    }
}

/* Once both directions are over (here: each cut by the snaplen on its
 * first segment), sf_app_over says so and sf_app_segment gives what
 * sf_app_segment_over gives. */
TEST(app_over_and_segment_over_agree)
{
    bb x = { .n = 0 }, sv = { .n = 0 };
    size_t r = rec_begin(&x, 22); client_hello(&x, "o.test"); rec_end(&x, r);
    r = rec_begin(&sv, 22); server_hello(&sv, 0, 0, 0xc02f); rec_end(&sv, r);
    conn c; conn_init(&c);
    T_EQ_INT(sf_app_over(c.ac), 0);
    send_at(&c, 0, 1, x.b, x.n, 60);
    T_EQ_INT(sf_app_over(c.ac), 0);                      /* the server's side is to come */
    send_at(&c, 1, 1, sv.b, sv.n, 30);
    T_EQ_INT(sf_app_over(c.ac), 1);
    sf_appinfo a, b;
    memset(&a, 0x77, sizeof a);
    memset(&b, 0x11, sizeof b);
    sf_app_segment(&c.ac, 0, 1 + (uint32_t)x.n, x.b, (uint32_t)x.n, (uint32_t)x.n, 50000, 443, &a, &c.sum);
    sf_app_segment_over(&b, c.sum.proto);
    T_EQ_INT(a.proto, SF_APP_TLS);
    T_EQ_INT(b.proto, a.proto);
#define SAME(f) T_CHECK(!memcmp(&a.f, &b.f, sizeof a.f));
    SAME(nrec) SAME(sni[0]) SAME(tls_version) SAME(alert_desc) SAME(hrr) SAME(cipher) SAME(alpn[0])
    SAME(http_method[0]) SAME(http_uri[0]) SAME(http_status) SAME(http_reason[0]) SAME(http_host[0])
    SAME(http_clen) SAME(http_version[0]) SAME(nrec_total) SAME(http_nmsg) SAME(http_is_request)
#undef SAME
    T_EQ_INT(a.alert_desc, -1);
    T_EQ_INT(a.http_clen, -1);
    conn_free(&c);
}

TEST(app_retransmission_ignored_and_gap_stops)
{
    bb x = { .n = 0 };
    size_t r = rec_begin(&x, 23); fill(&x, 1, 50); rec_end(&x, r);   /* 55 bytes each */
    r = rec_begin(&x, 23); fill(&x, 2, 50); rec_end(&x, r);
    r = rec_begin(&x, 23); fill(&x, 3, 50); rec_end(&x, r);
    r = rec_begin(&x, 23); fill(&x, 4, 50); rec_end(&x, r);
    bb ch = { .n = 0 };
    r = rec_begin(&ch, 22); client_hello(&ch, NULL); rec_end(&ch, r);
    conn c; conn_init(&c);
    uint32_t base = 1 + (uint32_t)ch.n;
    send_at(&c, 0, 1, ch.b, ch.n, ch.n);
    sf_appinfo *o = send_at(&c, 0, base, x.b, 55, 55);
    T_EQ_INT(o->nrec, 1);
    o = send_at(&c, 0, base, x.b, 55, 55);               /* exact retransmission */
    T_EQ_INT(o->nrec, 0);
    T_EQ_INT(o->proto, SF_APP_TLS);
    o = send_at(&c, 0, base, x.b, 110, 110);             /* overlaps old + new bytes */
    T_EQ_INT(o->nrec, 1);
    T_EQ_INT(o->rec[0].content_type, 23);
    o = send_at(&c, 0, base + 165, x.b + 165, 55, 55);   /* record 3 is missing: gap */
    T_EQ_INT(o->nrec, 0);
    o = send_at(&c, 0, base + 110, x.b + 110, 110, 110); /* late fill: direction already stopped */
    T_EQ_INT(o->nrec, 0);
    conn_free(&c);
}

TEST(app_record_straddling_prefix_completes_then_stops)
{
    /* a 20 KiB stream of 1000-byte application data records after a hello */
    static uint8_t s[24000];
    bb ch = { .n = 0 };
    size_t r = rec_begin(&ch, 22); client_hello(&ch, NULL); rec_end(&ch, r);
    size_t n = 0;
    memcpy(s, ch.b, ch.n); n = ch.n;
    while (n + 1005 <= sizeof s) {
        s[n] = 23; s[n + 1] = 3; s[n + 2] = 3; s[n + 3] = 1000 >> 8; s[n + 4] = 1000 & 0xff;
        memset(s + n + 5, 7, 1000);
        n += 1005;
    }
    conn c; conn_init(&c);
    int total = 0;
    for (size_t off = 0; off < n; off += 1448) {
        size_t k = n - off < 1448 ? n - off : 1448;
        sf_appinfo *o = send(&c, 0, s + off, k);
        total += o->nrec_total;
    }
    /* records starting before 16384 bytes: the hello + those starting below it */
    int want = 1;
    for (size_t at = ch.n; at < SF_APP_PREFIX; at += 1005) want++;
    T_EQ_INT(total, want);
    conn_free(&c);
}

/* ---- HTTP ---- */

TEST(app_http_request_split_in_two_and_response)
{
    const char *a = "GET /index.html?q=1 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: t\r\n";
    const char *b = "Accept: */*\r\n\r\n";
    const char *resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\nServer: x\r\n\r\nnope!";
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, (const uint8_t *)a, strlen(a));
    T_EQ_INT(o->proto, SF_APP_HTTP);
    T_EQ_INT(o->http_nmsg, 0);
    o = send(&c, 0, (const uint8_t *)b, strlen(b));
    T_EQ_INT(o->http_nmsg, 1);
    T_EQ_INT(o->http_is_request, 1);
    T_EQ_STR(o->http_method, "GET");
    T_EQ_STR(o->http_uri, "/index.html?q=1");
    T_EQ_STR(o->http_version, "HTTP/1.1");
    T_EQ_STR(o->http_host, "www.example.com");
    T_EQ_INT(o->http_clen, -1);
    char lab[200];
    sf_app_label(o, lab, sizeof lab);
    T_EQ_STR(lab, "GET /index.html?q=1 HTTP/1.1");
    o = send(&c, 1, (const uint8_t *)resp, strlen(resp));
    T_EQ_INT(o->http_nmsg, 1);
    T_EQ_INT(o->http_is_request, 0);
    T_EQ_INT(o->http_status, 404);
    T_EQ_STR(o->http_reason, "Not Found");
    T_EQ_INT(o->http_clen, 5);
    sf_app_label(o, lab, sizeof lab);
    T_EQ_STR(lab, "HTTP/1.1 404 Not Found");
    T_EQ_INT(c.sum.proto, SF_APP_HTTP);
    T_EQ_STR(c.sum.http_method, "GET");
    T_EQ_STR(c.sum.http_uri, "/index.html?q=1");
    T_EQ_INT(c.sum.http_status, 404);
    T_EQ_INT(c.sum.http_requests, 1);
    T_EQ_INT(c.sum.http_responses, 1);
    conn_free(&c);
}

TEST(app_http_first_token_split)
{
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, (const uint8_t *)"GE", 2);
    T_EQ_INT(o->proto, SF_APP_NONE);                     /* not decided yet */
    const char *rest = "T /x HTTP/1.0\r\n\r\n";
    o = send(&c, 0, (const uint8_t *)rest, strlen(rest));
    T_EQ_INT(o->http_nmsg, 1);
    T_EQ_STR(o->http_method, "GET");
    T_EQ_STR(o->http_uri, "/x");
    T_EQ_STR(o->http_version, "HTTP/1.0");
    conn_free(&c);
}

TEST(app_http_pipelined_requests_and_framed_responses)
{
    const char *reqs = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
                       "HEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
                       "POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd"
                       "GET /d HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *r1 = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                     "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n"      /* HEAD: no body */
                     "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwi";
    const char *r2 = "ki\r\n0\r\nX-T: 1\r\n\r\n"
                     "HTTP/1.1 304 Not Modified\r\n\r\n";
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, (const uint8_t *)reqs, strlen(reqs));
    T_EQ_INT(o->http_nmsg, 4);
    T_EQ_STR(o->http_uri, "/a");
    T_EQ_STR(o->http_msgs[0].uri, "/a");
    T_EQ_STR(o->http_msgs[1].method, "HEAD");
    T_EQ_STR(o->http_msgs[1].uri, "/b");
    T_EQ_STR(o->http_msgs[2].method, "POST");
    T_EQ_STR(o->http_msgs[3].uri, "/d");
    T_EQ_INT(o->http_msgs[3].is_request, 1);
    T_EQ_INT(c.sum.http_requests, 4);
    o = send(&c, 1, (const uint8_t *)r1, strlen(r1));
    T_EQ_INT(o->http_nmsg, 3);
    T_EQ_INT(o->http_status, 200);
    T_EQ_INT(o->http_msgs[0].status, 200);
    T_EQ_INT(o->http_msgs[1].status, 200);
    T_EQ_INT(o->http_msgs[2].status, 201);
    T_EQ_INT(o->http_msgs[2].is_request, 0);
    T_EQ_STR(o->http_msgs[2].method, "");
    o = send(&c, 1, (const uint8_t *)r2, strlen(r2));
    T_EQ_INT(o->http_nmsg, 1);
    T_EQ_INT(o->http_status, 304);
    T_EQ_INT(c.sum.http_responses, 4);
    char lab[100];
    sf_app_label(o, lab, sizeof lab);
    T_EQ_STR(lab, "HTTP/1.1 304 Not Modified");
    conn_free(&c);
}

TEST(app_http_100_continue)
{
    const char *req = "POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n";
    const char *c100 = "HTTP/1.1 100 Continue\r\n\r\n";
    const char *body = "0123456789";
    const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, (const uint8_t *)req, strlen(req));
    T_EQ_STR(o->http_method, "POST");
    o = send(&c, 1, (const uint8_t *)c100, strlen(c100));
    T_EQ_INT(o->http_status, 100);
    T_EQ_INT(c.sum.http_status, 100);
    o = send(&c, 0, (const uint8_t *)body, strlen(body));
    T_EQ_INT(o->http_nmsg, 0);                           /* body, not a request */
    o = send(&c, 1, (const uint8_t *)ok, strlen(ok));
    T_EQ_INT(o->http_status, 200);
    T_EQ_INT(c.sum.http_status, 200);                    /* first final status */
    T_EQ_INT(c.sum.http_responses, 2);
    T_EQ_INT(c.sum.http_requests, 1);
    conn_free(&c);
}

TEST(app_http_midstream_resync_on_segment_start)
{
    const char *body = "tail of some earlier body, not a request\r\n";
    const char *req = "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, (const uint8_t *)body, strlen(body));
    T_EQ_INT(o->proto, SF_APP_NONE);
    o = send(&c, 0, (const uint8_t *)req, strlen(req));
    T_EQ_INT(o->proto, SF_APP_HTTP);
    T_EQ_STR(o->http_uri, "/next");
    conn_free(&c);
}

TEST(app_reordered_first_segment)
{
    const char *req = "GET /first HTTP/1.1\r\nHost: h\r\n\r\n";
    const char *mid = "some later bytes that arrived first";
    conn c; conn_init(&c);
    sf_appinfo *o = send_at(&c, 0, 1 + (uint32_t)strlen(req), (const uint8_t *)mid, strlen(mid), strlen(mid));
    T_EQ_INT(o->proto, SF_APP_NONE);
    o = send_at(&c, 0, 1, (const uint8_t *)req, strlen(req), strlen(req));
    T_EQ_INT(o->proto, SF_APP_HTTP);
    T_EQ_STR(o->http_uri, "/first");
    conn_free(&c);
}

TEST(app_garbage_and_other_protocols_are_not_recognised)
{
    static uint8_t g[20000];
    uint32_t s = 12345;
    for (size_t i = 0; i < sizeof g; i++) { s = s * 1103515245u + 12345u; g[i] = (uint8_t)(s >> 16); }
    g[0] = 0x00;
    conn c; conn_init(&c);
    for (size_t off = 0; off < sizeof g; off += 1000) {
        sf_appinfo *o = send(&c, 0, g + off, 1000);
        T_EQ_INT(o->proto, SF_APP_NONE);
        o = send(&c, 1, g + off, 1000);
        T_EQ_INT(o->proto, SF_APP_NONE);
    }
    T_EQ_INT(c.sum.proto, SF_APP_NONE);
    conn_free(&c);                                      /* sentinel by now: must not crash or leak */

    const char *ssh = "SSH-2.0-OpenSSH_9.2\r\n";
    conn d; conn_init(&d);
    sf_appinfo *o = send(&d, 1, (const uint8_t *)ssh, strlen(ssh));
    T_EQ_INT(o->proto, SF_APP_NONE);
    o = send(&d, 0, (const uint8_t *)ssh, strlen(ssh));
    T_EQ_INT(o->proto, SF_APP_NONE);
    conn_free(&d);
    /* bad TLS record after a good one stops the direction */
    bb x = { .n = 0 };
    size_t r = rec_begin(&x, 22); client_hello(&x, "ok.test"); rec_end(&x, r);
    u8(&x, 0x99); u16(&x, 0x0303); u16(&x, 5); fill(&x, 0, 5);
    r = rec_begin(&x, 21); u8(&x, 2); u8(&x, 40); rec_end(&x, r);
    conn e; conn_init(&e);
    o = send(&e, 0, x.b, x.n);
    T_EQ_INT(o->nrec, 1);
    T_EQ_INT(e.sum.alert_desc, -1);
    conn_free(&e);
}

TEST(app_http_request_answered_by_tls_alert)
{
    const char *req = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    bb al = { .n = 0 };
    size_t r = rec_begin(&al, 21); u8(&al, 2); u8(&al, 70); rec_end(&al, r);
    conn c; conn_init(&c);
    sf_appinfo *o = send(&c, 0, (const uint8_t *)req, strlen(req));
    T_EQ_INT(o->proto, SF_APP_HTTP);
    o = send(&c, 1, al.b, al.n);
    T_EQ_INT(o->proto, SF_APP_TLS);
    T_EQ_INT(o->alert_desc, 70);
    T_EQ_INT(c.sum.proto, SF_APP_HTTP);                  /* recognised first */
    T_EQ_INT(c.sum.alert_desc, 70);
    T_EQ_INT(c.sum.alert_from, 1);
    T_EQ_STR(sf_tls_alert_name(70), "protocol_version");
    conn_free(&c);
}

TEST(app_names)
{
    T_EQ_STR(sf_tls_hs_name(1), "client_hello");
    T_EQ_STR(sf_tls_hs_name(14), "server_hello_done");
    T_EQ_STR(sf_tls_hs_name(99), "unknown");
    T_EQ_STR(sf_tls_hs_label(4), "New Session Ticket");
    T_EQ_STR(sf_tls_alert_name(46), "certificate_unknown");
    T_EQ_STR(sf_tls_alert_name(40), "handshake_failure");
    T_EQ_STR(sf_tls_alert_name(0), "close_notify");
    T_EQ_STR(sf_tls_version_name(0x0303), "TLSv1.2");
    T_EQ_STR(sf_tls_version_name(0x0301), "TLSv1");
    T_EQ_STR(sf_tls_ct_name(23), "application_data");
    T_EQ_STR(sf_tls_ct_label(20), "Change Cipher Spec");
    T_EQ_STR(sf_tls_cipher_name(0x1301), "TLS_AES_128_GCM_SHA256");
    sf_appinfo a;
    sf_appinfo_clear(&a);
    T_EQ_INT(a.alert_desc, -1);
    T_EQ_INT(a.http_clen, -1);
    char lab[8];
    a.proto = SF_APP_HTTP; a.http_nmsg = 1; a.http_is_request = 1;
    strcpy(a.http_method, "GET"); strcpy(a.http_uri, "/a-long-uri");
    T_EQ_INT(sf_app_label(&a, lab, sizeof lab), 7);     /* truncated, NUL-terminated */
    T_EQ_STR(lab, "GET /a-");
}

TEST(app_feed_helper_any_chunking_same_result)
{
    bb c2s = { .n = 0 }, s2c = { .n = 0 };
    size_t r = rec_begin(&c2s, 22); client_hello(&c2s, "feed.test"); rec_end(&c2s, r);
    r = rec_begin(&s2c, 22); server_hello(&s2c, 0, 0, 0xc02f); simple_hs(&s2c, 11, 700);
    simple_hs(&s2c, 14, 0); rec_end(&s2c, r);
    r = rec_begin(&s2c, 21); u8(&s2c, 1); u8(&s2c, 0); rec_end(&s2c, r);
    sf_conn_app sum;
    for (size_t ch = 0; ch < 40; ch++) {
        size_t n = sf_app_feed(c2s.b, c2s.n, s2c.b, s2c.n, ch, &sum);
        T_EQ_INT(n, 5);
        T_EQ_STR(sum.sni, "feed.test");
        T_EQ_INT(sum.alert_desc, 0);
        T_EQ_INT(sum.alert_from, 1);
    }
    T_EQ_INT(sf_app_feed(NULL, 0, NULL, 0, 1, &sum), 0);
}

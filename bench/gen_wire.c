/* \summary: bench generator: renders scripted packets to Ethernet/IP/TCP bytes and writes pcap */
#include "gen.h"
#include <stdlib.h>
#include <string.h>

/* A generator may write the pcap format by hand; every READER uses libpcap. */

#define BUFSZ 70000
static uint8_t filler[65536];
static const uint8_t gw_mac[6] = { 0x00, 0x1b, 0x21, 0x3a, 0x4f, 0x10 };

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static void le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

int gw_open(gwriter *w, const char *path, int nano, uint32_t snaplen)
{
    memset(w, 0, sizeof *w);
    w->f = fopen(path, "wb");
    if (!w->f) return -1;
    setvbuf(w->f, NULL, _IOFBF, 1 << 20);
    w->nano = nano;
    w->snaplen = snaplen;
    w->epoch_ns = 1700000000LL * GSEC + 123456789LL;
    w->buf = malloc(BUFSZ);
    if (!w->buf) return -1;
    grng r;
    grng_seed(&r, 0xf111e5);
    for (size_t i = 0; i < sizeof filler; i += 8) {
        uint64_t v = grng_next(&r);
        memcpy(filler + i, &v, 8);
    }
    uint8_t h[24];
    le32(h, nano ? 0xa1b23c4d : 0xa1b2c3d4);
    h[4] = 2; h[5] = 0; h[6] = 4; h[7] = 0;   /* version 2.4 */
    le32(h + 8, 0); le32(h + 12, 0);
    le32(h + 16, snaplen);
    le32(h + 20, 1);                          /* LINKTYPE_ETHERNET */
    return fwrite(h, 1, sizeof h, w->f) == sizeof h ? 0 : -1;
}

int gw_close(gwriter *w)
{
    int rc = 0;
    if (fflush(w->f) || ferror(w->f)) rc = -1;
    if (fclose(w->f)) rc = -1;
    free(w->buf);
    return rc;
}

/* ---- message headers ---- */

static const char *const paths[] = {
    "/", "/index.html", "/static/js/app.%x.js", "/api/v1/items?page=%u", "/images/%u.jpg",
    "/css/site.%x.css", "/favicon.ico", "/api/v2/session/%u"
};

static uint32_t tls_ch(const gconn *c, uint8_t *b)
{
    char sni[64];
    int sl = snprintf(sni, sizeof sni, "www%u.example.com", c->host);
    uint8_t *p = b + 9;                       /* after record + handshake headers */
    put16(p, 0x0303); p += 2;
    for (int i = 0; i < 32; i++) *p++ = filler[(c->id * 31 + (uint64_t)i) & 0xffff];
    *p++ = 32;
    for (int i = 0; i < 32; i++) *p++ = filler[(c->id * 17 + 999 + (uint64_t)i) & 0xffff];
    static const uint16_t suites[] = { 0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9, 0xcca8,
                                       0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013, 0xc014, 0x009c,
                                       0x009d, 0x002f };
    put16(p, sizeof suites); p += 2;
    for (size_t i = 0; i < sizeof suites / 2; i++) { put16(p, suites[i]); p += 2; }
    *p++ = 1; *p++ = 0;                       /* compression: null */
    uint8_t *extlen = p; p += 2;
    uint8_t *ext0 = p;
    put16(p, 0x0000); put16(p + 2, (uint16_t)(sl + 5)); put16(p + 4, (uint16_t)(sl + 3));
    p[6] = 0; put16(p + 7, (uint16_t)sl); memcpy(p + 9, sni, (size_t)sl); p += 9 + sl;
    static const uint8_t fixed[] = {
        0x00, 0x17, 0x00, 0x00,                                     /* extended_master_secret */
        0xff, 0x01, 0x00, 0x01, 0x00,                               /* renegotiation_info */
        0x00, 0x0a, 0x00, 0x0a, 0x00, 0x08, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19,
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,                         /* ec_point_formats */
        0x00, 0x23, 0x00, 0x00,                                     /* session_ticket */
        0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
        0x00, 0x0d, 0x00, 0x12, 0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03,
        0x08, 0x05, 0x05, 0x01, 0x08, 0x06, 0x06, 0x01,             /* signature_algorithms */
        0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03,       /* supported_versions */
        0x00, 0x2d, 0x00, 0x02, 0x01, 0x01,                         /* psk_key_exchange_modes */
        0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20  /* key_share x25519 ... */
    };
    memcpy(p, fixed, sizeof fixed); p += sizeof fixed;
    for (int i = 0; i < 32; i++) *p++ = filler[(c->id * 13 + 77 + (uint64_t)i) & 0xffff];
    /* padding extension up to a 517-byte record, as browsers do */
    long used = (long)(p - b) + 4;
    long pad = 517 - used;
    if (pad < 0) pad = 0;
    put16(p, 0x0015); put16(p + 2, (uint16_t)pad); memset(p + 4, 0, (size_t)pad); p += 4 + pad;
    put16(extlen, (uint16_t)(p - ext0));
    uint32_t hl = (uint32_t)(p - b) - 9;
    b[0] = 0x16; put16(b + 1, 0x0301); put16(b + 3, (uint16_t)(hl + 4));
    b[5] = 1; b[6] = (uint8_t)(hl >> 16); put16(b + 7, (uint16_t)hl);
    return (uint32_t)(p - b);
}

static uint32_t tls_sh(const gconn *c, uint8_t *b)
{
    uint8_t *p = b + 9;
    put16(p, 0x0303); p += 2;
    for (int i = 0; i < 32; i++) *p++ = filler[(c->id * 29 + 5 + (uint64_t)i) & 0xffff];
    *p++ = 32;
    for (int i = 0; i < 32; i++) *p++ = filler[(c->id * 17 + 999 + (uint64_t)i) & 0xffff];
    put16(p, 0x1301); p += 2;
    *p++ = 0;
    static const uint8_t ext[] = { 0x00, 0x2e, 0x00, 0x2b, 0x00, 0x02, 0x03, 0x04,
                                   0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20 };
    memcpy(p, ext, sizeof ext); p += sizeof ext;
    for (int i = 0; i < 32; i++) *p++ = filler[(c->id * 7 + 3 + (uint64_t)i) & 0xffff];
    uint32_t hl = (uint32_t)(p - b) - 9;
    b[0] = 0x16; put16(b + 1, 0x0303); put16(b + 3, (uint16_t)(hl + 4));
    b[5] = 2; b[6] = 0; put16(b + 7, (uint16_t)hl);
    static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
    memcpy(p, ccs, sizeof ccs); p += sizeof ccs;
    return (uint32_t)(p - b);
}

uint32_t gw_msg_header(const gconn *c, const gmsg *m, uint8_t *buf)
{
    char *s = (char *)buf;
    char path[80];
    const size_t cap = 2048;
    int n = 0;
    switch (m->type) {
    case M_HTTP_REQ:
    case M_HTTP_POST:
        snprintf(path, sizeof path, paths[m->aux % 8], (unsigned)(c->id * 2654435761u + m->aux));
        if (m->type == M_HTTP_REQ)
            n = snprintf(s, cap, "GET %s HTTP/1.1\r\nHost: www%u.example.com\r\n"
                         "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) Gecko/20100101 Firefox/115.0\r\n"
                         "Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n"
                         "Connection: keep-alive\r\n\r\n", path, c->host);
        else
            n = snprintf(s, cap, "POST /upload/%u HTTP/1.1\r\nHost: www%u.example.com\r\n"
                         "User-Agent: curl/7.88.1\r\nAccept: */*\r\nContent-Type: application/octet-stream\r\n"
                         "Content-Length: %u\r\n\r\n", m->aux, c->host, m->param);
        break;
    case M_HTTP_RESP: {
        const char *st = m->aux == 1 ? "304 Not Modified" : m->aux == 2 ? "404 Not Found" : "200 OK";
        n = snprintf(s, cap, "HTTP/1.1 %s\r\nServer: nginx/1.22.1\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n"
                     "Content-Type: %s\r\nContent-Length: %u\r\nConnection: keep-alive\r\n\r\n",
                     st, m->param > 50000 ? "application/octet-stream" : "text/html; charset=utf-8", m->param);
        break;
    }
    case M_TLS_CH: return tls_ch(c, buf);
    case M_TLS_SFLIGHT: return tls_sh(c, buf);
    case M_TLS_CFIN: {
        static const uint8_t ccs[] = { 0x14, 0x03, 0x03, 0x00, 0x01, 0x01 };
        memcpy(buf, ccs, sizeof ccs);
        return sizeof ccs;
    }
    case M_SSH_BANNER:
        n = snprintf(s, cap, "%s", m->dir == 0 ? "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u1\r\n"
                                               : "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.4\r\n");
        break;
    default: return 0;
    }
    return n < 0 ? 0 : (uint32_t)n;
}

/* Body byte at offset o of a TLS application-data body of B bytes: records of
 * 17 03 03 len (16401 max payload, as TLS 1.3 with AES-GCM). */
static void tls_body(uint8_t *d, uint32_t o, uint32_t n, uint32_t B, uint64_t salt)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t x = o + i, r = x % 16406, start = x - r;
        if (r < 5) {
            uint32_t left = B - start - 5;
            uint32_t rl = left > 16401 ? 16401 : left;
            static const uint8_t h[3] = { 0x17, 0x03, 0x03 };
            d[i] = r < 3 ? h[r] : (uint8_t)(r == 3 ? rl >> 8 : rl);
        } else {
            d[i] = filler[(salt + x) & 0xffff];
        }
    }
}

static void render_payload(const gconn *c, const gpkt *p, uint8_t *d)
{
    const gmsg *m = &c->msg[p->msg - 1];
    uint64_t salt = c->id * 7919 + p->msg * 131;
    uint32_t hl = 0, done = 0;
    if (m->type != M_TLS_APP && m->type != M_BIN) {
        uint8_t hb[2048];
        hl = gw_msg_header(c, m, hb);
        if (p->moff < hl) {
            done = hl - p->moff < p->len ? hl - p->moff : p->len;
            memcpy(d, hb + p->moff, done);
        }
    }
    uint32_t o = p->moff + done - hl;  /* offset in body */
    uint32_t n = p->len - done;
    if (!n) return;
    if (m->type == M_TLS_APP || m->type == M_TLS_SFLIGHT || m->type == M_TLS_CFIN) {
        tls_body(d + done, o, n, m->len - hl, salt);
    } else {
        uint32_t k = 0;
        while (k < n) {
            uint32_t at = (uint32_t)((salt + o + k) & 0xffff), chunk = 65536 - at;
            if (chunk > n - k) chunk = n - k;
            memcpy(d + done + k, filler + at, chunk);
            k += chunk;
        }
    }
}

static uint64_t sum16(const uint8_t *p, size_t n, uint64_t s)
{
    while (n >= 2) { s += (uint32_t)(p[0] << 8 | p[1]); p += 2; n -= 2; }
    if (n) s += (uint32_t)(p[0] << 8);
    return s;
}
static uint16_t fold(uint64_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static size_t tcp_options(gconn *c, const gpkt *p, uint32_t tsval, uint32_t tsecr, uint8_t *o)
{
    size_t n = 0;
    int d = p->dir;
    if (p->flags & 0x02) {                                  /* SYN / SYN-ACK */
        int ws = c->ws[d] != 0xff;
        if (!c->winopt) {                                   /* Linux: mss,sackOK,TS,nop,ws */
            o[n++] = 2; o[n++] = 4; put16(o + n, c->mss[d]); n += 2;
            if (c->sackok) { o[n++] = 4; o[n++] = 2; }
            else if (c->ts) { o[n++] = 1; o[n++] = 1; }
            if (c->ts) { o[n++] = 8; o[n++] = 10; put32(o + n, tsval); put32(o + n + 4, tsecr); n += 8; }
            else if (c->sackok) { o[n - 2] = 1; o[n - 1] = 1; o[n++] = 4; o[n++] = 2; }
            if (ws) { o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = c->ws[d]; }
        } else {                                            /* Windows: mss,nop,ws,nop,nop,sackOK */
            o[n++] = 2; o[n++] = 4; put16(o + n, c->mss[d]); n += 2;
            if (ws) { o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = c->ws[d]; }
            if (c->sackok) { o[n++] = 1; o[n++] = 1; o[n++] = 4; o[n++] = 2; }
        }
        while (n % 4) o[n++] = 1;
        return n;
    }
    if (c->ts && !(p->flags & 0x04 && !(p->flags & 0x10))) {
        o[n++] = 1; o[n++] = 1; o[n++] = 8; o[n++] = 10;
        put32(o + n, tsval); put32(o + n + 4, tsecr); n += 8;
    }
    if (p->sack) {
        o[n++] = 1; o[n++] = 1; o[n++] = 5; o[n++] = 10;
        put32(o + n, p->sl); put32(o + n + 4, p->sr); n += 8;
    }
    return n;
}

void gw_packet(gwriter *w, gconn *c, const gpkt *p)
{
    uint8_t *b = w->buf;
    int d = p->dir;
    /* Ethernet: the capture host is the client side of a gateway */
    if (d == 0) { memcpy(b, gw_mac, 6); memcpy(b + 6, c->mac, 6); }
    else { memcpy(b, c->mac, 6); memcpy(b + 6, gw_mac, 6); }
    put16(b + 12, c->v6 ? 0x86dd : 0x0800);
    size_t l3 = 14, iphl = c->v6 ? 40 : 20, l4 = l3 + iphl;

    uint32_t tsval = c->tsbase[d] + (uint32_t)(p->t / GMS);
    uint32_t tsecr = (p->flags & 0x10) ? c->lastts[!d] : 0;
    c->lastts[d] = tsval;
    uint8_t opt[40];
    size_t ol = tcp_options(c, p, tsval, tsecr, opt);
    size_t thl = 20 + ol;
    uint8_t *t = b + l4;
    put16(t, c->port[d]); put16(t + 2, c->port[!d]);
    put32(t + 4, p->seq); put32(t + 8, (p->flags & 0x10) ? p->ack : 0);
    t[12] = (uint8_t)((thl / 4) << 4); t[13] = p->flags;
    put16(t + 14, p->win); put16(t + 16, 0); put16(t + 18, 0);
    memcpy(t + 20, opt, ol);
    if (p->len) render_payload(c, p, t + thl);
    size_t tcplen = thl + p->len;

    uint8_t *ip = b + l3;
    uint64_t ps;
    if (!c->v6) {
        ip[0] = 0x45; ip[1] = 0; put16(ip + 2, (uint16_t)(20 + tcplen));
        put16(ip + 4, c->ipid[d]++); put16(ip + 6, 0x4000);
        ip[8] = c->ttl[d]; ip[9] = 6; put16(ip + 10, 0);
        memcpy(ip + 12, c->addr[d], 4); memcpy(ip + 16, c->addr[!d], 4);
        put16(ip + 10, fold(sum16(ip, 20, 0)));
        ps = sum16(ip + 12, 8, 0) + 6 + tcplen;
    } else {
        put32(ip, 0x60000000u | (c->flow[d] & 0xfffff));
        put16(ip + 4, (uint16_t)tcplen); ip[6] = 6; ip[7] = c->ttl[d];
        memcpy(ip + 8, c->addr[d], 16); memcpy(ip + 24, c->addr[!d], 16);
        ps = sum16(ip + 8, 32, 0) + 6 + tcplen;
    }
    put16(t + 16, fold(sum16(t, tcplen, ps)));

    size_t wire = l4 + tcplen, cap = wire < w->snaplen ? wire : w->snaplen;
    int64_t abs = w->epoch_ns + p->t;
    uint8_t rh[16];
    le32(rh, (uint32_t)(abs / GSEC));
    le32(rh + 4, (uint32_t)(w->nano ? abs % GSEC : (abs % GSEC) / 1000));
    le32(rh + 8, (uint32_t)cap); le32(rh + 12, (uint32_t)wire);
    fwrite(rh, 1, 16, w->f);
    fwrite(b, 1, cap, w->f);
    w->pkts++;
    w->bytes += 16 + cap;
    w->wirebytes += wire;
}

/* \summary: bench generator: scripts one TCP connection (handshake, transfers with loss, close) */
#include "gen.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { F_FIN = 0x01, F_SYN = 0x02, F_RST = 0x04, F_PSH = 0x08, F_ACK = 0x10 };
enum { K_HTTP, K_TLS, K_BULK, K_UPLOAD, K_SSH, K_DB, K_REFUSED, K_UNANSWERED, K__N };
/* closes */
enum { C_FIN4_C, C_FIN3_C, C_FIN4_S, C_FIN3_S, C_RST_C, C_RST_S, C_SIMUL, C_RST_AFTER_FIN,
       C_HALF, C_FINDATA, C_OPEN };
#define MAXCW 256

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) { fputs("gen: out of memory\n", stderr); exit(1); }
    return q;
}

static int wsok(const gconn *c) { return c->ws[0] != 0xff && c->ws[1] != 0xff; }

static uint16_t cwin(const gconn *c, int dir, uint8_t fl)
{
    if (fl & F_SYN) return dir == 0 ? 64240 : (c->winopt ? 65535 : 65160);
    uint64_t b = 64240 + c->got[dir];
    if (b > 3u << 20) b = 3u << 20;
    if (!wsok(c)) return (uint16_t)(b > 65535 ? 65535 : b);
    b >>= c->ws[dir];
    return (uint16_t)(b > 65535 ? 65535 : b);
}

static gpkt *add(gconn *c, int64_t t, int dir, uint8_t fl, uint32_t seq, uint32_t len, uint16_t msg, uint32_t moff)
{
    if (c->npkt == c->cappkt) {
        c->cappkt = c->cappkt ? c->cappkt * 2 : 16;
        c->pkt = xrealloc(c->pkt, c->cappkt * sizeof *c->pkt);
    }
    gpkt *p = &c->pkt[c->npkt++];
    memset(p, 0, sizeof *p);
    p->t = t; p->dir = (uint8_t)dir; p->flags = fl; p->seq = seq; p->len = len;
    p->msg = msg; p->moff = moff;
    p->ack = (fl & F_ACK) ? c->rcv[dir] : 0;
    p->win = cwin(c, dir, fl);
    return p;
}

/* packet from `who` reacting to one from the peer captured at T appears at T + react(who) */
static int64_t react(const gconn *c, int who) { return who == 0 ? c->procc : c->rtt + c->procs; }

static int newmsg(gctx *g, gconn *c, int type, int dir, uint32_t body, uint16_t aux)
{
    (void)g;
    if (c->nmsg == c->capmsg) {
        c->capmsg = c->capmsg ? c->capmsg * 2 : 8;
        c->msg = xrealloc(c->msg, c->capmsg * sizeof *c->msg);
    }
    if (type == M_TLS_APP || type == M_TLS_SFLIGHT || type == M_TLS_CFIN) {
        uint32_t r = body % 16406;                    /* no record with an empty payload */
        if (r > 0 && r < 6) body += 6;
        if (body < 6) body = 6;
    }
    gmsg *m = &c->msg[c->nmsg];
    m->type = (uint8_t)type; m->dir = (uint8_t)dir; m->aux = aux; m->param = body; m->len = 0;
    uint8_t hb[2048];
    m->len = gw_msg_header(c, m, hb) + body;
    return (int)c->nmsg++;
}

/* ---- handshake ---- */
static int64_t handshake(gctx *g, gconn *c, int64_t t)
{
    grng *r = &g->r;
    c->snd[0] = c->isn[0]; c->snd[1] = c->isn[1];
    add(c, t, 0, F_SYN, c->snd[0], 0, 0, 0);
    if (grng_unit(r) < 0.01) { t += GSEC; add(c, t, 0, F_SYN, c->snd[0], 0, 0, 0); }
    c->snd[0]++;
    c->rcv[1] = c->snd[0];
    t += react(c, 1);
    add(c, t, 1, F_SYN | F_ACK, c->snd[1], 0, 0, 0);
    c->snd[1]++;
    c->rcv[0] = c->snd[1];
    t += react(c, 0);
    add(c, t, 0, F_ACK, c->snd[0], 0, 0, 0);
    return t;
}

/* ---- one message from its sender, with ACKs, loss and recovery ----
 * First segment captured at t. lastfl: extra flags on the last segment (FIN).
 * final_ack = 0 when the receiver's own data follows at once and carries the
 * ACK. *tseg = capture time of the last data segment (or its retransmission);
 * returns the time of the last packet scripted. */
static int64_t xfer(gctx *g, gconn *c, int64_t t, int mi, uint8_t lastfl, int final_ack, int64_t *tseg)
{
    grng *r = &g->r;
    gmsg *m = &c->msg[mi];
    int S = m->dir, R = !S;
    uint32_t L = m->len, off = 0, mss = c->seg[S];
    int64_t dS = react(c, S), dR = react(c, R), last = t, tr = t;
    int cwnd = 10, zw_done = 0, round = 0;
    int maxcw = (int)(c->rtt / (c->ser ? c->ser : 1)) + 4;
    if (maxcw > MAXCW) maxcw = MAXCW;
    if (maxcw < 4) maxcw = 4;
    *tseg = t;
    while (off < L) {
        uint32_t so[MAXCW], sl[MAXCW], sq[MAXCW];
        int64_t ta[MAXCW];
        int n = 0;
        uint32_t seqb = c->snd[S];
        while (n < cwnd && off < L) {
            sl[n] = L - off < mss ? L - off : mss;
            so[n] = off; sq[n] = seqb + (uint32_t)(off - so[0]);
            off += sl[n]; n++;
        }
        int lastround = off >= L;
        uint32_t fin = lastround && (lastfl & F_FIN);
        for (int i = 0; i < n; i++) ta[i] = tr + (int64_t)i * c->ser;
        int k = -1, sw = -1;
        if (c->loss > 0 && grng_unit(r) < 1 - pow(1 - c->loss, n)) k = (int)grng_range(r, 0, (uint64_t)n - 1);
        if (k < 0 && S == 1 && n >= 3 && grng_unit(r) < 0.003) sw = (int)grng_range(r, 0, (uint64_t)n - 2);
        if (sw >= 0) { int64_t x = ta[sw]; ta[sw] = ta[sw + 1]; ta[sw + 1] = x; }
        /* sender's segments as captured (a server segment lost upstream is never seen) */
        for (int i = 0; i < n; i++) {
            if (i == k && S == 1) continue;
            uint8_t fl = F_ACK | (lastround && i == n - 1 ? (uint8_t)(F_PSH | lastfl) : 0);
            add(c, ta[i], S, fl, sq[i], sl[i], (uint16_t)(mi + 1), so[i]);
            if (ta[i] > last) last = ta[i];
        }
        /* receiver: arrivals in capture order; a lost segment's retransmission
         * (fast, after the third duplicate ACK, or on RTO) fills the hole */
        int order[MAXCW], got[MAXCW] = { 0 }, nexp = 0, unacked = 0, dups = 0, rx = 0;
        int64_t ack1 = -1, tx = -1;
        for (int i = 0; i < n; i++) order[i] = i;
        if (sw >= 0) { order[sw] = sw + 1; order[sw + 1] = sw; }
        for (int x = 0; x <= n; x++) {
            int j = x < n ? order[x] : -1;
            if (j == k) continue;
            if (k >= 0 && !rx && (j < 0 || (tx >= 0 && ta[j] > tx))) {
                if (tx < 0) tx = ta[k] + c->rto;
                uint8_t fl = F_ACK | (lastround && k == n - 1 ? (uint8_t)(F_PSH | lastfl) : 0);
                add(c, tx, S, fl, sq[k], sl[k], (uint16_t)(mi + 1), so[k]);
                got[k] = 1; rx = 1;
                while (nexp < n && got[nexp]) {
                    c->rcv[R] = sq[nexp] + sl[nexp] + (nexp == n - 1 ? fin : 0);
                    c->got[R] += sl[nexp];
                    nexp++;
                }
                unacked = 0;
                int64_t at = tx + dR;
                add(c, at, R, F_ACK, c->snd[R], 0, 0, 0);
                if (at > last) last = at;
                if (tx > *tseg) *tseg = tx;
            }
            if (j < 0) break;
            got[j] = 1;
            int64_t at = ta[j] + dR;
            if (j == nexp) {
                int filled = 0;
                while (nexp < n && got[nexp]) {
                    c->rcv[R] = sq[nexp] + sl[nexp] + (nexp == n - 1 ? fin : 0);
                    c->got[R] += sl[nexp];
                    nexp++; unacked++; filled++;
                }
                int end = nexp == n && lastround;
                if (filled > 1 || unacked >= 2 || nexp == n) {
                    if (!(end && !final_ack)) {
                        add(c, at, R, F_ACK, c->snd[R], 0, 0, 0);
                        if (at > last) last = at;
                        if (ack1 < 0) ack1 = at;
                    }
                    unacked = 0;
                }
            } else {                                     /* beyond the hole: duplicate ACK */
                gpkt *a = add(c, at, R, F_ACK, c->snd[R], 0, 0, 0);
                if (c->sackok) { a->sack = 1; a->sl = sq[nexp + 1 < n ? nexp + 1 : nexp]; a->sr = sq[j] + sl[j]; }
                if (++dups == 3 && k >= 0) tx = at + dS;
                if (at > last) last = at;
            }
        }
        int64_t next;
        if (k >= 0) {                                    /* after recovery */
            next = tx + dR + dS;
            if (next < ta[n - 1] + dR + dS) next = ta[n - 1] + dR + dS;
            cwnd = cwnd / 2 < 2 ? 2 : cwnd / 2;
        } else {
            int64_t busy = ta[n - 1] > ta[0] ? ta[n - 1] + c->ser : tr + (int64_t)n * c->ser;
            next = (ack1 >= 0 ? ack1 : ta[n - 1] + dR) + dS;
            if (next < busy) next = busy;
            cwnd = cwnd * 2 > maxcw ? maxcw : cwnd * 2;
            if (S == 1 && !lastround && grng_unit(r) < 0.002) {   /* spurious RTO retransmission */
                int64_t tx = ta[n - 1] + c->rto;
                add(c, tx, S, F_ACK, sq[n - 1], sl[n - 1], (uint16_t)(mi + 1), so[n - 1]);
                gpkt *a = add(c, tx + dR, R, F_ACK, c->snd[R], 0, 0, 0);
                if (c->sackok) { a->sack = 1; a->sl = sq[n - 1]; a->sr = sq[n - 1] + sl[n - 1]; }
                if (tx + dR > last) last = tx + dR;
                next = tx + dR + dS;
            }
            if (S == 1 && !lastround && !zw_done && round >= 3 && L > 200000 && grng_unit(r) < 0.02) {
                /* receiver window fills: zero window, a probe, then a window update */
                zw_done = 1;
                int64_t tz = last;
                gpkt *a = add(c, tz, R, F_ACK, c->snd[R], 0, 0, 0);
                a->win = 0;
                int64_t tp = tz + dS + 200 * GMS;
                add(c, tp, S, F_ACK, c->snd[S] + (uint32_t)(so[n - 1] + sl[n - 1] - so[0]) - 1, 0, 0, 0);
                a = add(c, tp + dR, R, F_ACK, c->snd[R], 0, 0, 0);
                a->win = 0;
                int64_t tu = tp + dR + (int64_t)grng_range(r, 20, 400) * GMS;
                add(c, tu, R, F_ACK, c->snd[R], 0, 0, 0);
                last = tu;
                next = tu + dS;
            }
        }
        if (ta[n - 1] > *tseg && k != n - 1) *tseg = ta[n - 1];
        c->snd[S] = seqb + (sq[n - 1] - seqb) + sl[n - 1] + fin;
        tr = next;
        round++;
    }
    return last;
}

/* ---- closes ---- */
static int64_t close_fin(gctx *g, gconn *c, int64_t t, int A, int three)
{
    grng *r = &g->r;
    int B = !A;
    add(c, t, A, F_FIN | F_ACK, c->snd[A], 0, 0, 0);
    if (grng_unit(r) < 0.01) { t += c->rto; add(c, t, A, F_FIN | F_ACK, c->snd[A], 0, 0, 0); }
    c->snd[A]++;
    c->rcv[B] = c->snd[A];
    int64_t tb = t + react(c, B);
    if (!three) {
        add(c, tb, B, F_ACK, c->snd[B], 0, 0, 0);
        tb += (int64_t)grng_range(r, 50, 50000) * 1000;
    }
    add(c, tb, B, F_FIN | F_ACK, c->snd[B], 0, 0, 0);
    c->snd[B]++;
    c->rcv[A] = c->snd[B];
    int64_t ta = tb + react(c, A);
    add(c, ta, A, F_ACK, c->snd[A], 0, 0, 0);
    return ta;
}

static int64_t do_close(gctx *g, gconn *c, int64_t t, int kind)
{
    grng *r = &g->r;
    switch (kind) {
    case C_FIN4_C: return close_fin(g, c, t, 0, 0);
    case C_FIN3_C: return close_fin(g, c, t, 0, 1);
    case C_FIN4_S: return close_fin(g, c, t, 1, 0);
    case C_FIN3_S: return close_fin(g, c, t, 1, 1);
    case C_RST_C:
    case C_RST_S: {
        int A = kind == C_RST_C ? 0 : 1;
        add(c, t, A, grng_unit(r) < 0.7 ? F_RST | F_ACK : F_RST, c->snd[A], 0, 0, 0);
        return t;
    }
    case C_SIMUL: {
        add(c, t, 0, F_FIN | F_ACK, c->snd[0], 0, 0, 0);
        int64_t ts = t + c->rtt / 2;
        add(c, ts, 1, F_FIN | F_ACK, c->snd[1], 0, 0, 0);
        c->snd[0]++; c->snd[1]++;
        c->rcv[0] = c->snd[1];
        add(c, ts + c->procc, 0, F_ACK, c->snd[0], 0, 0, 0);
        c->rcv[1] = c->snd[0];
        add(c, t + c->rtt + c->procs, 1, F_ACK, c->snd[1], 0, 0, 0);
        return t + c->rtt + c->procs;
    }
    case C_RST_AFTER_FIN:
        add(c, t, 0, F_FIN | F_ACK, c->snd[0], 0, 0, 0);
        c->snd[0]++;
        c->rcv[1] = c->snd[0];
        t += react(c, 1);
        add(c, t, 1, F_RST | F_ACK, c->snd[1], 0, 0, 0);
        return t;
    default: return t;
    }
}

static int pick_close(gctx *g, int allow_half)
{
    static const int w[] = { 22, 30, 14, 6, 9, 2, 2, 2, 3, 4, 6 };  /* order of C_* */
    int tot = 0, n = (int)(sizeof w / sizeof w[0]);
    for (int i = 0; i < n; i++) tot += w[i];
    int x = (int)grng_range(&g->r, 0, (uint64_t)tot - 1);
    for (int i = 0; i < n; i++) {
        if (x < w[i]) return (i == C_HALF && !allow_half) ? C_FIN3_C : i;
        x -= w[i];
    }
    return C_FIN3_C;
}

static int64_t idle(gctx *g, double median_s, double sigma, double cap_s)
{
    double s = grng_lognorm(&g->r, median_s, sigma);
    if (s > cap_s) s = cap_s;
    return (int64_t)(s * GSEC);
}

/* ---- scripts per kind ---- */

/* request/response exchanges; HTTP text or TLS records. Returns time of the
 * last packet and the capture time of the last response segment in *tresp. */
static int64_t exchanges(gctx *g, gconn *c, int64_t t, int tls, int nreq, int kind, int close)
{
    grng *r = &g->r;
    int64_t tseg = t, last = t;
    for (int i = 0; i < nreq; i++) {
        uint32_t body;
        uint16_t aux = 0;
        double u = grng_unit(r);
        if (kind == K_BULK) body = (uint32_t)exp(log(200e3) + grng_unit(r) * (log(5e6) - log(200e3)));
        else if (u < 0.06) { body = 0; aux = 1; }
        else if (u < 0.08) { body = 162; aux = 2; }
        else { double b = grng_lognorm(r, 2500, 1.4); body = (uint32_t)(b > 1e6 ? 1e6 : b); }
        int rq;
        if (kind == K_UPLOAD) {
            uint32_t up = (uint32_t)exp(log(100e3) + grng_unit(r) * (log(2e6) - log(100e3)));
            rq = tls ? newmsg(g, c, M_TLS_APP, 0, up, 0) : newmsg(g, c, M_HTTP_POST, 0, up, (uint16_t)i);
            body = 120; aux = 0;
        } else {
            rq = tls ? newmsg(g, c, M_TLS_APP, 0, (uint32_t)grng_range(r, 280, 900), 0)
                     : newmsg(g, c, M_HTTP_REQ, 0, 0, (uint16_t)grng_range(r, 0, 63));
        }
        last = xfer(g, c, t, rq, 0, 0, &tseg);
        if (close == C_HALF && i == nreq - 1) {     /* client shuts down its side after the request */
            int64_t tf = tseg + 30000;
            add(c, tf, 0, F_FIN | F_ACK, c->snd[0], 0, 0, 0);
            c->snd[0]++;
        }
        int64_t ts = tseg + react(c, 1) + (int64_t)(grng_lognorm(r, 1.5, 1.2) * GMS);
        c->rcv[1] = c->snd[0];
        int rs = tls ? newmsg(g, c, M_TLS_APP, 1, body + (i == 0 ? 510 : 0), 0)
                     : newmsg(g, c, M_HTTP_RESP, 1, body, aux);
        uint8_t lf = (close == C_FINDATA && i == nreq - 1 && !tls) ? F_FIN : 0;
        last = xfer(g, c, ts, rs, lf, 1, &tseg);
        if (i + 1 < nreq) t = tseg + react(c, 0) + idle(g, 0.15, 2.0, 20);
    }
    return last;
}

static void script_web(gctx *g, gconn *c, int64_t t, int kind, int tls)
{
    grng *r = &g->r;
    t = handshake(g, c, t);
    t += react(c, 0);
    int64_t tseg;
    if (tls) {
        int ch = newmsg(g, c, M_TLS_CH, 0, 0, 0);
        xfer(g, c, t, ch, 0, 0, &tseg);
        int sf = newmsg(g, c, M_TLS_SFLIGHT, 1, (uint32_t)grng_range(r, 2400, 6200), 0);
        xfer(g, c, tseg + react(c, 1) + 300000, sf, 0, 0, &tseg);
        int cf = newmsg(g, c, M_TLS_CFIN, 0, 58, 0);
        xfer(g, c, tseg + react(c, 0) + 800000, cf, 0, 0, &tseg);
        t = tseg + 20000;
    }
    int nreq = kind == K_HTTP || kind == K_TLS ? (grng_unit(r) < 0.6 ? 1 : (int)grng_range(r, 2, 4)) : 1;
    int close = pick_close(g, !tls && nreq == 1);
    if (tls && close == C_FINDATA) close = C_FIN3_C;
    int64_t last = exchanges(g, c, t, tls, nreq, kind, close);
    if (close == C_OPEN) {              /* idle a long while, then closed: open at the end only if late */
        do_close(g, c, last + idle(g, 150, 0.8, 1800), grng_unit(r) < 0.5 ? C_FIN3_C : C_FIN4_S);
        return;
    }
    if (close == C_HALF) {
        int64_t tf = last + 30000;
        add(c, tf, 1, F_FIN | F_ACK, c->snd[1], 0, 0, 0);
        c->snd[1]++; c->rcv[0] = c->snd[1];
        add(c, tf + react(c, 0), 0, F_ACK, c->snd[0], 0, 0, 0);
        return;
    }
    if (close == C_FINDATA) {
        int64_t tf = last + (int64_t)grng_range(r, 100, 5000) * 1000;
        add(c, tf, 0, F_FIN | F_ACK, c->snd[0], 0, 0, 0);
        c->snd[0]++; c->rcv[1] = c->snd[0];
        add(c, tf + react(c, 1), 1, F_ACK, c->snd[1], 0, 0, 0);
        return;
    }
    int server_side = close == C_FIN4_S || close == C_FIN3_S || close == C_RST_S;
    int64_t tc = last + (server_side ? (int64_t)(grng_unit(r) < 0.5 ? 5 : 65) * GSEC + (int64_t)grng_range(r, 0, 900) * GMS
                                     : idle(g, 2.5, 1.3, 110));
    if (tls && close != C_RST_C && close != C_RST_S) {   /* close_notify alert first */
        int A = server_side ? 1 : 0;
        int al = newmsg(g, c, M_TLS_APP, (uint8_t)A, 19, 0);
        c->rcv[A] = c->snd[!A];
        xfer(g, c, tc, al, 0, 0, &tseg);
        tc = tseg + 40000;
    }
    do_close(g, c, tc, close);
}

/* TCP keep-alive probes (tcp_keepalive_time 45 s here) from the client
 * while the connection is idle from `from` to `to`. */
static void keepalives(gctx *g, gconn *c, int64_t from, int64_t to)
{
    for (int64_t k = from + 45 * GSEC; k < to && k < g->t_end; k += 45 * GSEC) {
        add(c, k, 0, F_ACK, c->snd[0] - 1, 0, 0, 0);
        add(c, k + react(c, 1), 1, F_ACK, c->snd[1], 0, 0, 0);
    }
}

static void script_ssh(gctx *g, gconn *c, int64_t t)
{
    grng *r = &g->r;
    int64_t ts;
    t = handshake(g, c, t);
    static const struct { uint8_t dir, type; uint16_t lo, hi; } kex[] = {
        { 1, M_SSH_BANNER, 0, 0 }, { 0, M_SSH_BANNER, 0, 0 }, { 0, M_BIN, 1400, 1600 },
        { 1, M_BIN, 1000, 1200 }, { 0, M_BIN, 48, 48 }, { 1, M_BIN, 560, 1100 },
        { 0, M_BIN, 64, 96 }, { 1, M_BIN, 44, 60 }, { 0, M_BIN, 68, 96 }, { 1, M_BIN, 52, 500 },
        { 0, M_BIN, 300, 700 }, { 1, M_BIN, 28, 60 }
    };
    int64_t tn = t + react(c, 1);
    for (size_t i = 0; i < sizeof kex / sizeof kex[0]; i++) {
        int m = newmsg(g, c, kex[i].type, kex[i].dir, (uint32_t)grng_range(r, kex[i].lo, kex[i].hi), 0);
        c->rcv[kex[i].dir] = c->snd[!kex[i].dir];
        xfer(g, c, tn, m, 0, 0, &ts);
        tn = ts + react(c, (int)!kex[i].dir) + 200000;
    }
    int n = (int)grng_range(r, 20, 150);
    int64_t tt = tn;
    for (int i = 0; i < n && tt < g->t_end; i++) {
        int big = grng_unit(r) < 0.04;
        int k = newmsg(g, c, M_BIN, 0, big ? 52 : 36, 0);
        c->rcv[0] = c->snd[1];
        xfer(g, c, tt, k, 0, 0, &ts);
        int e = newmsg(g, c, M_BIN, 1, big ? (uint32_t)grng_lognorm(r, 4000, 1.5) + 36 : 36, 0);
        c->rcv[1] = c->snd[0];
        int64_t last = xfer(g, c, ts + react(c, 1), e, 0, 1, &ts);
        tt = last + idle(g, 0.4, 1.6, 90);
        if (c->nmsg > 60000) break;
    }
    c->rcv[0] = c->snd[1]; c->rcv[1] = c->snd[0];
    if (grng_unit(r) >= 0.8) {          /* a session left open: keep-alives, closed much later */
        int64_t end = tt + idle(g, 600, 0.7, 3600);
        keepalives(g, c, tt, end);
        tt = end;
    }
    do_close(g, c, tt, grng_unit(r) < 0.7 ? C_FIN3_C : C_FIN4_C);
}

static void script_db(gctx *g, gconn *c, int64_t t)
{
    grng *r = &g->r;
    int64_t ts;
    t = handshake(g, c, t) + react(c, 0);
    int n = (int)grng_range(r, 10, 100);
    for (int i = 0; i < n && t < g->t_end; i++) {
        int q = newmsg(g, c, M_BIN, 0, (uint32_t)grng_range(r, 40, 400), 0);
        c->rcv[0] = c->snd[1];
        xfer(g, c, t, q, 0, 0, &ts);
        double rb = grng_lognorm(r, 600, 1.8);
        int a = newmsg(g, c, M_BIN, 1, (uint32_t)(rb > 500000 ? 500000 : rb) + 20, 0);
        c->rcv[1] = c->snd[0];
        int64_t last = xfer(g, c, ts + react(c, 1) + (int64_t)(grng_lognorm(r, 0.4, 1.5) * GMS), a, 0, 1, &ts);
        int64_t gap = idle(g, 0.8, 2.2, 300);
        t = last + gap;
        keepalives(g, c, last, t);      /* during a long gap */
    }
    c->rcv[0] = c->snd[1]; c->rcv[1] = c->snd[0];
    if (grng_unit(r) >= 0.5) {          /* a pooled connection: idle with keep-alives, closed later */
        int64_t end = t + idle(g, 600, 0.7, 3600);
        keepalives(g, c, t, end);
        t = end;
    }
    do_close(g, c, t, grng_unit(r) < 0.5 ? C_FIN3_C : C_RST_C);
}

/* ---- connection set-up ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A unicast IPv4 address for host number i: first octet 1..223 except
 * 10, 127, 172, 192 (private/loopback ranges), the rest scattered. */
static uint32_t addr_of(uint32_t i, uint32_t salt)
{
    uint64_t h = mix64(((uint64_t)salt << 32) | i);
    uint32_t a = (uint32_t)h;
    uint32_t o1 = 1 + (uint32_t)((h >> 40) % 223);
    if (o1 == 10 || o1 == 127 || o1 == 172 || o1 == 192) o1 += 1;
    a = (o1 << 24) | (a & 0xffffff);
    if ((a & 0xff) == 0 || (a & 0xff) == 255) a ^= 0x5;
    return a;
}

static void set_endpoints(gctx *g, gconn *c, uint16_t sport, int v6)
{
    grng *r = &g->r;
    uint32_t ci = (uint32_t)grng_range(r, 0, g->nclients - 1);
    double u = grng_unit(r);
    uint32_t si = (uint32_t)(g->nservers * u * u * u);
    c->v6 = (uint8_t)v6;
    c->host = si;
    if (!v6 && g->lan) {                      /* a site's LAN behind one gateway */
        uint32_t ca = (10u << 24) | (1u << 16) | (257 + ci);
        uint32_t sa = (198u << 24) | (18u << 16) | ((si * 37 + 11) % 131072);
        for (int i = 0; i < 4; i++) { c->addr[0][i] = (uint8_t)(ca >> (24 - 8 * i)); c->addr[1][i] = (uint8_t)(sa >> (24 - 8 * i)); }
    } else if (!v6) {                         /* an edge tap: hosts all over the address space */
        uint32_t ca = addr_of(ci, 0x5bd1e995u), sa = addr_of(si, 0x27d4eb2fu);
        for (int i = 0; i < 4; i++) { c->addr[0][i] = (uint8_t)(ca >> (24 - 8 * i)); c->addr[1][i] = (uint8_t)(sa >> (24 - 8 * i)); }
    } else {                                  /* 2001:db8::/32, random interface ids */
        static const uint8_t cp[8] = { 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00 };
        static const uint8_t sp[8] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0x00, 0x00, 0x00 };
        memcpy(c->addr[0], cp, 8); memcpy(c->addr[1], sp, 8);
        uint64_t cid = mix64(ci + 0x1000000ull), sid = mix64(si + 0x2000000ull);
        c->addr[0][5] = (uint8_t)(ci >> 8); c->addr[1][5] = (uint8_t)(si >> 4);
        for (int i = 0; i < 8; i++) { c->addr[0][8 + i] = (uint8_t)(cid >> (56 - 8 * i)); c->addr[1][8 + i] = (uint8_t)(sid >> (56 - 8 * i)); }
    }
    c->mac[0] = 0x02; c->mac[1] = 0x11; c->mac[2] = 0xa2;
    c->mac[3] = (uint8_t)(ci >> 16); c->mac[4] = (uint8_t)(ci >> 8); c->mac[5] = (uint8_t)ci;
    uint16_t p = g->cport[ci];
    p = (uint16_t)(p + grng_range(r, 1, 12));
    if (p < 32768 || p > 60999) p = (uint16_t)(32768 + (p % 28232));
    g->cport[ci] = p;
    c->port[0] = p; c->port[1] = sport;
}

static gconn *conn_base(gctx *g, int v6)
{
    grng *r = &g->r;
    gconn *c = calloc(1, sizeof *c);
    if (!c) { fputs("gen: out of memory\n", stderr); exit(1); }
    c->id = g->next_id++;
    c->winopt = grng_unit(r) < 0.25;
    c->ts = !c->winopt && grng_unit(r) < 0.95;
    c->sackok = grng_unit(r) < 0.97;
    c->isn[0] = (uint32_t)grng_next(r); c->isn[1] = (uint32_t)grng_next(r);
    c->mss[0] = v6 ? 1440 : 1460;
    c->mss[1] = (uint16_t)((v6 ? 1440 : 1460) - (grng_unit(r) < 0.1 ? 80 : 0));
    c->ws[0] = c->winopt ? 8 : 7;
    c->ws[1] = grng_unit(r) < 0.02 ? 0xff : (uint8_t)grng_range(r, 7, 10);
    c->ttl[0] = c->winopt ? 128 : 64;
    c->ttl[1] = (uint8_t)(grng_unit(r) < 0.8 ? grng_range(r, 40, 60) : grng_range(r, 105, 120));
    c->ipid[0] = (uint16_t)grng_next(r); c->ipid[1] = (uint16_t)grng_next(r);
    c->flow[0] = (uint32_t)grng_next(r); c->flow[1] = (uint32_t)grng_next(r);
    c->tsbase[0] = (uint32_t)grng_next(r); c->tsbase[1] = (uint32_t)grng_next(r);
    c->lastts[0] = c->tsbase[0]; c->lastts[1] = c->tsbase[1];
    uint16_t eff = c->mss[0] < c->mss[1] ? c->mss[0] : c->mss[1];
    c->seg[0] = c->seg[1] = (uint16_t)(eff - (c->ts ? 12 : 0));
    double u = grng_unit(r);
    c->rtt = u < 0.2 ? (int64_t)grng_range(r, 150, 1000) * 1000
           : u < 0.6 ? (int64_t)grng_range(r, 4, 30) * GMS
           : u < 0.9 ? (int64_t)grng_range(r, 30, 100) * GMS : (int64_t)grng_range(r, 100, 300) * GMS;
    u = grng_unit(r);
    double bps = u < 0.3 ? 1e9 : u < 0.7 ? 100e6 : u < 0.9 ? 20e6 : 5e6;
    c->ser = (int64_t)(1500 * 8 / bps * 1e9);
    c->procc = (int64_t)grng_range(r, 15, 80) * 1000;
    c->procs = (int64_t)grng_range(r, 20, 120) * 1000;
    c->rto = 200 * GMS + c->rtt;
    u = grng_unit(r);
    c->loss = u < 0.7 ? 0 : u < 0.9 ? 0.002 : u < 0.98 ? 0.01 : 0.04;
    return c;
}

static void finish(gctx *g, gconn *c)
{
    /* stable insertion sort by time (scripts emit nearly in order) */
    for (uint32_t i = 1; i < c->npkt; i++) {
        gpkt x = c->pkt[i];
        uint32_t j = i;
        while (j > 0 && c->pkt[j - 1].t > x.t) { c->pkt[j] = c->pkt[j - 1]; j--; }
        c->pkt[j] = x;
    }
    uint32_t a = 0, b = c->npkt;
    while (a < b && c->pkt[a].t < 0) a++;
    while (b > a && c->pkt[b - 1].t >= g->t_end) b--;
    if (a) memmove(c->pkt, c->pkt + a, (b - a) * sizeof *c->pkt);
    c->npkt = b - a;
    c->cur = 0;
}

gconn *gc_new(gctx *g, int64_t t0)
{
    grng *r = &g->r;
    static const int w[K__N] = { 3600, 4400, 16, 5, 10, 40, 350, 150 };
    int tot = 0, x;
    for (int i = 0; i < K__N; i++) tot += w[i];
    x = (int)grng_range(r, 0, (uint64_t)tot - 1);
    int kind = 0;
    while (x >= w[kind]) x -= w[kind++];
    int v6 = grng_unit(r) < g->v6share;
    gconn *c = conn_base(g, v6);
    int tls = kind == K_TLS || (kind == K_BULK && grng_unit(r) < 0.7);
    uint16_t sport;
    switch (kind) {
    case K_HTTP: sport = grng_unit(r) < 0.85 ? 80 : 8080; break;
    case K_UPLOAD: sport = 80; break;
    case K_BULK: sport = tls ? 443 : 80; break;
    case K_SSH: sport = 22; break;
    case K_DB: { static const uint16_t p[] = { 5432, 5432, 3306, 6379 }; sport = p[grng_range(r, 0, 3)]; break; }
    case K_REFUSED: { static const uint16_t p[] = { 443, 80, 8443, 3389, 25, 23, 8000, 9200 }; sport = p[grng_range(r, 0, 7)]; break; }
    default: sport = 443;
    }
    set_endpoints(g, c, sport, v6);
    c->kind = (uint8_t)kind;
    switch (kind) {
    case K_HTTP: script_web(g, c, t0, kind, 0); break;
    case K_TLS: script_web(g, c, t0, kind, 1); break;
    case K_BULK: script_web(g, c, t0, kind, tls); break;
    case K_UPLOAD: script_web(g, c, t0, kind, 0); break;
    case K_SSH: script_ssh(g, c, t0); break;
    case K_DB: script_db(g, c, t0); break;
    case K_REFUSED:
        add(c, t0, 0, F_SYN, c->isn[0], 0, 0, 0);
        c->rcv[1] = c->isn[0] + 1;
        add(c, t0 + react(c, 1), 1, F_RST | F_ACK, 0, 0, 0, 0);
        break;
    default: {                                              /* unanswered: SYN and backed-off retries */
        int n = (int)grng_range(r, 1, 5);
        int64_t t = t0, rto = GSEC;
        for (int i = 0; i < n; i++) { add(c, t, 0, F_SYN, c->isn[0], 0, 0, 0); t += rto; rto *= 2; }
    }
    }
    finish(g, c);
    if (!c->npkt) { gc_free(c); return NULL; }   /* over before the capture */
    g->kinds[kind]++;
    g->kpkts[kind] += c->npkt;
    return c;
}

gconn *gc_new_handshake(gctx *g, int64_t t0)
{
    int v6 = grng_unit(&g->r) < g->v6share;
    gconn *c = conn_base(g, v6);
    set_endpoints(g, c, g->conc_data ? 80 : 443, v6);
    c->port[0] = (uint16_t)grng_range(&g->r, 1024, 65535);   /* many tuples per client */
    int64_t t = handshake(g, c, t0);
    if (g->conc_data) {                 /* one HTTP request and a small response, then idle */
        int64_t ts;
        int rq = newmsg(g, c, M_HTTP_REQ, 0, 0, (uint16_t)grng_range(&g->r, 0, 63));
        xfer(g, c, t + react(c, 0), rq, 0, 0, &ts);
        int rs = newmsg(g, c, M_HTTP_RESP, 1, (uint32_t)grng_range(&g->r, 200, 2500), 0);
        xfer(g, c, ts + react(c, 1) + GMS, rs, 0, 1, &ts);
    }
    finish(g, c);
    return c;
}

gconn *gc_new_syn(gctx *g, int64_t t0)
{
    grng *r = &g->r;
    gconn *c = conn_base(g, 0);
    uint32_t a = (uint32_t)grng_range(r, 1u << 24, (224u << 24) - 1);
    for (int i = 0; i < 4; i++) c->addr[0][i] = (uint8_t)(a >> (24 - 8 * i));
    uint32_t s = (198u << 24) | (18u << 16) | (uint32_t)grng_range(r, 1, 16);
    for (int i = 0; i < 4; i++) c->addr[1][i] = (uint8_t)(s >> (24 - 8 * i));
    memcpy(c->mac, "\x02\x99\x00\x00\x00\x01", 6);
    c->port[0] = (uint16_t)grng_range(r, 1024, 65535);
    c->port[1] = grng_unit(r) < 0.5 ? 80 : 443;
    add(c, t0, 0, F_SYN, c->isn[0], 0, 0, 0);
    c->cur = 0;
    return c;
}

void gc_free(gconn *c)
{
    if (!c) return;
    free(c->pkt);
    free(c->msg);
    free(c);
}

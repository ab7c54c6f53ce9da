/* \summary: verbose view (-V): a Wireshark-like field tree per packet, in frame order */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "verbose_int.h"
#include "explain_buf.h"

/* ---- text buffer: len bytes of text, always NUL-terminated once allocated ---- */

static int vb_reserve(sf_vbuf *b, size_t n)
{
    if (b->oom) return -1;
    if (b->len + n + 1 <= b->cap) return 0;
    size_t nc = b->cap ? b->cap : 4096;
    while (nc < b->len + n + 1) nc *= 2;
    char *np = realloc(b->p, nc);
    if (!np) { b->oom = 1; return -1; }
    b->p = np;
    b->cap = nc;
    return 0;
}

static void vb_vprintf(sf_vbuf *b, const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, fmt, aq);
    va_end(aq);
    if (n < 0 || vb_reserve(b, (size_t)n)) return;
    if ((size_t)n < sizeof tmp) memcpy(b->p + b->len, tmp, (size_t)n + 1);
    else vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void sf_vb_printf(sf_vbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vb_vprintf(b, fmt, ap);
    va_end(ap);
}

void sf_vb_line(sf_vbuf *b, int level, const char *fmt, ...)
{
    if (vb_reserve(b, (size_t)level * 4)) return;
    memset(b->p + b->len, ' ', (size_t)level * 4);
    b->len += (size_t)level * 4;
    va_list ap;
    va_start(ap, fmt);
    vb_vprintf(b, fmt, ap);
    va_end(ap);
    if (!vb_reserve(b, 1)) { b->p[b->len++] = '\n'; b->p[b->len] = '\0'; } /* kept NUL-terminated */
}

void sf_vb_free(sf_vbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void sf_v_clean(char *dst, size_t n, const char *s, size_t max)
{
    sf_x_clean(dst, n, s, max);
}

/* ---- the view ----
 * Frames are written in order. A SYN-ACK's tree shows the connection's
 * iRTT like tshark's two passes do, but the iRTT is known only when the
 * handshake's ACK arrives: such a frame waits (with every later frame
 * behind it) until then, for at most SF_V_HOLD frames; live capture never
 * waits. */
#define SF_V_HOLD 64

typedef struct vpend {
    uint64_t conn;
    int waiting;
    size_t irtt_at;
    sf_vbuf text;
} vpend;

typedef struct sf_verbose {
    const sf_opts *o;
    sf_out *out;
    sf_xmap conns;               /* per live connection: first and previous packet time */
    int64_t first_ns, prev_ns;   /* capture-wide */
    vpend q[SF_V_HOLD];
    unsigned qhead, qn;
    sf_vbuf cur;
} sf_verbose;

static void emit(sf_verbose *v, sf_vbuf *t)
{
    if (t->oom) { sf_out_str(v->out, "[synfin: out of memory while formatting this frame]\n"); return; }
    sf_out_write(v->out, t->p, t->len);
    sf_out_eol(v->out);
}

/* Resolves a waiting frame: inserts the iRTT line (irtt_ns >= 0) or not. */
static void resolve(vpend *e, int64_t irtt_ns)
{
    if (!e->waiting) return;
    e->waiting = 0;
    if (irtt_ns < 0 || e->irtt_at > e->text.len) return;
    char x[40], line[80];
    sf_v_secs(x, sizeof x, irtt_ns);
    int n = snprintf(line, sizeof line, "        [iRTT: %s seconds]\n", x);
    if (n <= 0 || vb_reserve(&e->text, (size_t)n)) return;
    memmove(e->text.p + e->irtt_at + n, e->text.p + e->irtt_at, e->text.len - e->irtt_at);
    memcpy(e->text.p + e->irtt_at, line, (size_t)n);
    e->text.len += (size_t)n;
    e->text.p[e->text.len] = '\0';
}

static void drain(sf_verbose *v, int all)
{
    while (v->qn) {
        vpend *e = &v->q[v->qhead];
        if (e->waiting && !all && v->qn < SF_V_HOLD) break;
        resolve(e, -1);
        emit(v, &e->text);
        e->text.len = 0;
        e->text.oom = 0;
        v->qhead = (v->qhead + 1) % SF_V_HOLD;
        v->qn--;
    }
}

static void vb_packet(void *self, const sf_pkt *p, const sf_pinfo *pi)
{
    sf_verbose *v = self;
    sf_vbuf *b = &v->cur;
    b->len = 0;
    b->oom = 0;
    int64_t t = p->ts.sec * 1000000000LL + p->ts.nsec;
    if (v->first_ns < 0) v->first_ns = t;
    sf_v_frame(b, p, v->first_ns, v->prev_ns);
    v->prev_ns = t;
    sf_v_link(b, p);
    if (p->status == SF_DEC_TCP || p->status == SF_DEC_NOT_TCP || p->status == SF_DEC_FRAGMENT ||
        (p->status == SF_DEC_TRUNCATED && p->ipver))
        sf_v_ip(b, p);
    size_t irtt_at = SIZE_MAX;
    if (p->status == SF_DEC_TCP) {
        int64_t cfirst = -1, cprev = -1;
        if (pi) {
            sf_xconn *x = sf_xmap_get(&v->conns, pi->conn, 1);
            if (x) {
                if (x->npkts == 0) x->first_ns = t;
                cfirst = x->first_ns;
                cprev = x->npkts ? x->last_ns : -1;
                x->last_ns = t;
                x->npkts++;
            }
        }
        sf_v_tcp(b, p, pi, cfirst, cprev, v->o->iface ? NULL : &irtt_at);
        sf_v_app(b, p, pi);
    } else {
        static const char *const what[] = { "TCP", "not IP", "IP but not TCP", "a later IP fragment",
                                            "truncated by the snapshot length", "malformed", "unsupported link type" };
        unsigned s = (unsigned)p->status < 7 ? (unsigned)p->status : 0;
        sf_vb_line(b, 0, "[synfin: %s%s%s; not analysed]", what[s], p->why ? ": " : "", p->why ? p->why : "");
    }

    /* waiting frames of this connection learn the iRTT now */
    if (pi && pi->irtt_ns >= 0)
        for (unsigned i = 0; i < v->qn; i++) {
            vpend *e = &v->q[(v->qhead + i) % SF_V_HOLD];
            if (e->waiting && e->conn == pi->conn) resolve(e, pi->irtt_ns);
        }
    if (irtt_at == SIZE_MAX && v->qn == 0) { /* the usual case: straight out */
        emit(v, b);
    } else {
        if (v->qn == SF_V_HOLD) drain(v, 0); /* full: the oldest goes without its iRTT */
        vpend *e = &v->q[(v->qhead + v->qn) % SF_V_HOLD];
        v->qn++;
        e->conn = pi ? pi->conn : 0;
        e->waiting = irtt_at != SIZE_MAX;
        e->irtt_at = irtt_at;
        e->text.len = 0;
        e->text.oom = b->oom;
        if (!vb_reserve(&e->text, b->len)) {
            memcpy(e->text.p, b->p, b->len);
            e->text.len = b->len;
            e->text.p[e->text.len] = '\0';
        }
    }
    drain(v, 0);
}

static void vb_conn_end(void *self, const sf_conn *c)
{
    sf_verbose *v = self;
    for (unsigned i = 0; i < v->qn; i++) {
        vpend *e = &v->q[(v->qhead + i) % SF_V_HOLD];
        if (e->waiting && e->conn == c->id) resolve(e, c->irtt_ns);
    }
    drain(v, 0);
    sf_xconn *x = sf_xmap_take(&v->conns, c->id);
    if (x) sf_xconn_free(&v->conns, x);
}

static void vb_finish(void *self, const sf_stats *st)
{
    sf_verbose *v = self;
    (void)st;
    drain(v, 1);
}

static void vb_destroy(void *self)
{
    sf_verbose *v = self;
    drain(v, 1);
    for (unsigned i = 0; i < SF_V_HOLD; i++) sf_vb_free(&v->q[i].text);
    sf_vb_free(&v->cur);
    sf_xmap_free(&v->conns);
    free(v);
}

int sf_view_verbose(sf_view *vw, const sf_opts *o, sf_out *out)
{
    sf_verbose *v = calloc(1, sizeof *v);
    if (!v) { fprintf(stderr, "synfin: out of memory\n"); return -1; }
    v->o = o;
    v->out = out;
    v->first_ns = v->prev_ns = -1;
    sf_xmap_init(&v->conns);
    vw->self = v;
    vw->packet = vb_packet;
    vw->conn_end = vb_conn_end;
    vw->finish = vb_finish;
    vw->destroy = vb_destroy;
    return 0;
}

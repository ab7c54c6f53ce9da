/* \summary: run a view on a thread of its own, fed through a bounded ring by the engine */
#include "async.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * Single producer (the engine's thread, through the outer view's
 * callbacks), single consumer (the render thread). Same protocol as
 * src/source/pipe.c: indices are atomics, a side with nothing to do
 * announces itself in a flag and sleeps on a condition variable; announce
 * and re-check are sequentially consistent, so no wake-up is lost.
 */

#define A_SLOTS 4096u
#define A_RELEASE_EVERY 16u
#define A_PUBLISH_EVERY 16u      /* the engine publishes at least every this many entries */

enum { A_PKT, A_PKT_NOPI, A_CONN, A_SYNC, A_FINISH, A_STOP,
       A_LEAN, A_LEAN_NOPI, A_LEAN_TLS, A_LEAN_HTTP0, A_LEAN_APP };

/* Lean entries (sf_async_link.lean): the sf_pkt fields a lean view reads
 * (json_pkt.c), copied, so the packet need not outlive the callback. Three
 * runs of them are adjacent in sf_pkt and copied as blocks (A_BLOCKS, the
 * layout asserted below); the rest one by one (A_LEAN_FIELDS). */
typedef struct alpkt {
    uint64_t frame;
    sf_time ts;                          /* frame, ts: one block */
    uint16_t sport, dport;
    uint32_t seq, ack;
    uint16_t flags, win;                 /* sport .. win: one block */
    uint8_t src[16], dst[16];            /* one block */
    uint32_t len;
    uint8_t ts_missing, status, ipver, nsack, names;   /* names: 1 src, 2 dst */
} alpkt;
/* X(alpkt member, sf_pkt member, first byte, bytes): the blocks */
#define A_BLOCKS(X) X(frame, frame, 0, offsetof(sf_pkt, ts) + sizeof(sf_time) - offsetof(sf_pkt, frame)) \
    X(sport, sport, 0, offsetof(sf_pkt, win) + 2 - offsetof(sf_pkt, sport)) X(src, src, 0, 32)
#define A_BLOCK_LAYOUT(am, pm, z, n) \
    _Static_assert(offsetof(alpkt, am) + (n) <= sizeof(alpkt), "block fits alpkt");
A_BLOCKS(A_BLOCK_LAYOUT)
_Static_assert(offsetof(sf_pkt, ts) == offsetof(sf_pkt, frame) + 8 && offsetof(alpkt, ts) == offsetof(alpkt, frame) + 8,
               "frame and ts adjacent in both");
_Static_assert(offsetof(sf_pkt, dport) == offsetof(sf_pkt, sport) + 2 && offsetof(sf_pkt, seq) == offsetof(sf_pkt, sport) + 4 &&
               offsetof(sf_pkt, ack) == offsetof(sf_pkt, sport) + 8 && offsetof(sf_pkt, flags) == offsetof(sf_pkt, sport) + 12 &&
               offsetof(sf_pkt, win) == offsetof(sf_pkt, sport) + 14 && offsetof(alpkt, dport) == offsetof(alpkt, sport) + 2 &&
               offsetof(alpkt, seq) == offsetof(alpkt, sport) + 4 && offsetof(alpkt, ack) == offsetof(alpkt, sport) + 8 &&
               offsetof(alpkt, flags) == offsetof(alpkt, sport) + 12 && offsetof(alpkt, win) == offsetof(alpkt, sport) + 14,
               "sport .. win: the same 16 bytes in both");
_Static_assert(offsetof(sf_pkt, dst) == offsetof(sf_pkt, src) + 16 && offsetof(alpkt, dst) == offsetof(alpkt, src) + 16,
               "src, dst adjacent in both");
/* X(alpkt member, sf_pkt member): the others (the names are copied apart) */
#define A_LEAN_FIELDS(X) X(len, len) X(ts_missing, ts_missing) X(status, status) X(ipver, ipver) X(nsack, nsack)

/* sf_pinfo up to its app part: the rest is len (asserted below) */
#define A_PI_CORE offsetof(sf_pinfo, app)
/* A TLS segment with at most two records and none of the ClientHello/
 * ServerHello/alert fields (application data, mostly): sf_appinfo's first
 * bytes (proto, nrec, rec[0..2)) say it all */
#define A_TLS_SMALL 32
_Static_assert(offsetof(sf_appinfo, rec) + 2 * sizeof(sf_tls_rec) <= A_TLS_SMALL, "two TLS records fit");

typedef struct aslot {
    _Alignas(64) uint8_t kind;   /* (lean entries: the slot's first 4 cache lines, 5 with A_LEAN_TLS) */
    union {
        struct {                 /* A_PKT, A_PKT_NOPI */
            uint64_t ticket;
            const sf_pkt *pkt;
            sf_pinfo pi;
        } p;
        struct {                 /* A_LEAN, A_LEAN_NOPI, A_LEAN_TLS, A_LEAN_HTTP0 */
            alpkt lp;
            unsigned char core[A_PI_CORE];
            uint32_t len;
            unsigned char tls[A_TLS_SMALL];   /* A_LEAN_TLS: the app's first bytes */
        } l;
        struct {                 /* A_LEAN_APP (rare) */
            alpkt lp;
            sf_pinfo pi;
        } la;
        sf_conn c;
        sf_stats st;
    } u;
} aslot;
_Static_assert(offsetof(aslot, u.l.tls) + A_TLS_SMALL <= 5 * 64 && offsetof(aslot, u.l.len) + 4 <= 4 * 64,
               "a lean entry spans 4 cache lines, 5 with A_LEAN_TLS");
_Static_assert(offsetof(aslot, u.l.lp) == offsetof(aslot, u.la.lp), "both lean layouts start with the packet");

_Static_assert(offsetof(sf_pinfo, len) == offsetof(sf_pinfo, app) + sizeof(sf_appinfo) &&
               sizeof(sf_pinfo) - offsetof(sf_pinfo, len) <= 8,
               "lean entries copy sf_pinfo's core and len: nothing else may follow app");

struct sf_async {
    sf_view inner;
    sf_out *out;
    sf_async_link link;
    aslot *slot;
    char (*names)[2][SF_PKT_NAME_MAX];   /* lean: per slot, text input's host names */
    /* each side writes its own cache line: no line bounces per entry */
    _Alignas(64) _Atomic uint64_t published;   /* engine */
    _Alignas(64) _Atomic uint64_t consumed;    /* render thread */
    _Atomic int out_err;                       /* render thread, stored when it changes */
    _Alignas(64) _Atomic int p_wait, c_wait;
    _Atomic uint64_t synced;     /* A_SYNC entries done */
    pthread_mutex_t m;
    pthread_cond_t cv_p, cv_c, cv_sync;
    pthread_t th;
    int running;
    /* engine side */
    uint64_t head, syncs;
    /* render thread: lean entries are unpacked here (fields not copied stay 0) */
    _Alignas(64) sf_pkt rp;
    sf_pinfo rpi;
    uint8_t rpi_kind;            /* the lean kind whose app part rpi holds (0: none yet) */
};

/* ---- engine side ---- */

static void publish(sf_async *a, int force);

/* The ring is full: publish what is claimed and wait for room. */
static __attribute__((noinline)) void wait_room(sf_async *a)
{
    publish(a, 1);               /* what it is to render before there is room */
    pthread_mutex_lock(&a->m);
    for (;;) {
        atomic_store(&a->p_wait, 1);
        if (a->head - atomic_load(&a->consumed) < A_SLOTS) break;
        pthread_cond_wait(&a->cv_p, &a->m);
    }
    atomic_store(&a->p_wait, 0);
    pthread_mutex_unlock(&a->m);
}

/* The slot of the next entry, once there is room for it (inline: once a packet). */
static inline aslot *claim(sf_async *a)
{
    if (__builtin_expect(a->head - atomic_load_explicit(&a->consumed, memory_order_acquire) >= A_SLOTS, 0))
        wait_room(a);
    return &a->slot[a->head & (A_SLOTS - 1)];
}

/* Publish the entries claimed so far; wake a sleeping render thread when
 * half the ring is ready (or always, with force). The store and the load
 * of c_wait are sequentially consistent: the render thread announces
 * c_wait before its last look at `published` (render()). */
static void publish(sf_async *a, int force)
{
    atomic_store(&a->published, a->head);
    if (atomic_load(&a->c_wait) && (force || a->head - atomic_load(&a->consumed) >= A_SLOTS / 2)) {
        pthread_mutex_lock(&a->m);
        pthread_cond_signal(&a->cv_c);
        pthread_mutex_unlock(&a->m);
    }
}

/* The claimed slot is filled: it is published with the next batch (every
 * A_PUBLISH_EVERY entries), or now with force; whatever stays unpublished
 * is published before the engine could wait (claim, sf_async_kick). */
static void push(sf_async *a, int force)
{
    a->head++;
    if (force || (a->head & (A_PUBLISH_EVERY - 1)) == 0) publish(a, force);
}

/* Copy n bytes (a multiple of 16) in 16-byte moves, inline: a constant-
 * size memcpy of this size becomes `rep movsq`, whose start-up cost was
 * half of as_packet's time, and gcc turns a loop of 16-byte memcpys back
 * into a call to memcpy; SSE2's loads and stores stay what they are. */
static inline void copy16(void *restrict d, const void *restrict s, size_t n)
{
#ifdef __SSE2__
    /* (unrolled by hand: gcc recognises the loop as a memcpy too) */
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m128i x0 = _mm_loadu_si128((const __m128i *)((const char *)s + i));
        __m128i x1 = _mm_loadu_si128((const __m128i *)((const char *)s + i + 16));
        __m128i x2 = _mm_loadu_si128((const __m128i *)((const char *)s + i + 32));
        __m128i x3 = _mm_loadu_si128((const __m128i *)((const char *)s + i + 48));
        __asm__("" : "+x"(x0), "+x"(x1), "+x"(x2), "+x"(x3));   /* keep them moves */
        _mm_storeu_si128((__m128i *)((char *)d + i), x0);
        _mm_storeu_si128((__m128i *)((char *)d + i + 16), x1);
        _mm_storeu_si128((__m128i *)((char *)d + i + 32), x2);
        _mm_storeu_si128((__m128i *)((char *)d + i + 48), x3);
    }
    for (; i < n; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)((const char *)s + i));
        __asm__("" : "+x"(x));
        _mm_storeu_si128((__m128i *)((char *)d + i), x);
    }
#else
    for (size_t i = 0; i < n; i += 16)
        memcpy((char *)d + i, (const char *)s + i, 16);
#endif
}
_Static_assert(A_PI_CORE % 16 == 0, "copy16 copies sf_pinfo's core in 16-byte moves");

/* Copy what views read of pi. The app part is large, and when nothing was
 * recognised (proto NONE) only the fields sf_appinfo_none resets mean
 * anything; they hold exactly those values then (app.h), so they are set
 * rather than copied. */
static void copy_pinfo(sf_pinfo *d, const sf_pinfo *s)
{
    const size_t app = offsetof(sf_pinfo, app), after = app + sizeof s->app;
    copy16(d, s, app);
    memcpy((char *)d + after, (const char *)s + after, sizeof *s - after);
    if (s->app.proto != SF_APP_NONE)
        d->app = s->app;
    else
        sf_appinfo_none(&d->app);
}

/* A lean entry: what a lean view reads of the packet, pi's core and len,
 * and the app part only when something was recognised (A_LEAN_APP; rare).
 * About four cache lines per packet cross to the render thread, instead of
 * the whole sf_pkt and sf_pinfo. */
static void lean_put(sf_async *a, aslot *s, const sf_pkt *p, const sf_pinfo *pi)
{
    alpkt *l = &s->u.l.lp;
#define A_PUT(m, f) l->m = p->f;
#define A_PUT_BLOCK(am, pm, z, n) memcpy(&l->am, &p->pm, (n));
    A_BLOCKS(A_PUT_BLOCK)
    A_LEAN_FIELDS(A_PUT)
#undef A_PUT_BLOCK
#undef A_PUT
    l->names = 0;
    if (p->src_name || p->dst_name) {    /* text input: copied (each < SF_PKT_NAME_MAX) */
        char *n = a->names[s - a->slot][0];
        if (p->src_name) { l->names |= 1; strncpy(n, p->src_name, SF_PKT_NAME_MAX - 1)[SF_PKT_NAME_MAX - 1] = 0; }
        if (p->dst_name) { l->names |= 2; strncpy(n + SF_PKT_NAME_MAX, p->dst_name, SF_PKT_NAME_MAX - 1)[SF_PKT_NAME_MAX - 1] = 0; }
    }
    if (!pi) {
        s->kind = A_LEAN_NOPI;
        return;
    }
    const sf_appinfo *ap = &pi->app;
    if (ap->proto == SF_APP_NONE) {
        s->kind = A_LEAN;
    } else if (ap->proto == SF_APP_TLS && ap->nrec <= 2 && !ap->sni[0] && !ap->tls_version &&
               ap->alert_desc == -1 && !ap->hrr && !ap->cipher && !ap->alpn[0]) {
        s->kind = A_LEAN_TLS;
        copy16(s->u.l.tls, ap, A_TLS_SMALL);
    } else if (ap->proto == SF_APP_HTTP && !ap->http_method[0] && !ap->http_uri[0] && !ap->http_status &&
               !ap->http_nmsg) {
        s->kind = A_LEAN_HTTP0;          /* a segment of a body: nothing completed here */
    } else {                             /* rare: the whole pi */
        s->kind = A_LEAN_APP;
        copy_pinfo(&s->u.la.pi, pi);
        return;
    }
    copy16(s->u.l.core, pi, A_PI_CORE);
    s->u.l.len = pi->len;
}

static void as_packet(void *self, const sf_pkt *pkt, const sf_pinfo *pi)
{
    sf_async *a = self;
    aslot *s = claim(a);
    if (a->link.lean) {
        lean_put(a, s, pkt, pi);
        push(a, 0);
        return;
    }
    s->kind = pi ? A_PKT : A_PKT_NOPI;
    s->u.p.pkt = pkt;
    s->u.p.ticket = a->link.ticket(a->link.ctx);
    if (pi && pi != &s->u.p.pi) copy_pinfo(&s->u.p.pi, pi);   /* built in place: no copy */
    push(a, 0);
}

sf_pinfo *sf_async_pinfo_buf(void *self)
{
    /* the slot as_packet will claim next (claim() is idempotent until push) */
    return &claim(self)->u.p.pi;
}

static void as_conn_end(void *self, const sf_conn *c)
{
    sf_async *a = self;
    aslot *s = claim(a);
    s->kind = A_CONN;
    s->u.c = *c;
    push(a, 0);
}

void sf_async_sync(sf_async *a)
{
    if (!a->running) return;
    aslot *s = claim(a);
    s->kind = A_SYNC;
    uint64_t want = ++a->syncs;
    push(a, 1);
    pthread_mutex_lock(&a->m);
    while (atomic_load(&a->synced) < want) pthread_cond_wait(&a->cv_sync, &a->m);
    pthread_mutex_unlock(&a->m);
}

static void stop(sf_async *a, int kind, const sf_stats *st)
{
    if (!a->running) return;
    aslot *s = claim(a);
    s->kind = (uint8_t)kind;
    if (st) s->u.st = *st;
    push(a, 1);
    pthread_join(a->th, NULL);
    a->running = 0;
}

static void as_finish(void *self, const sf_stats *st) { stop(self, A_FINISH, st); }

static void as_destroy(void *self)
{
    sf_async *a = self;
    stop(a, A_STOP, NULL);
    if (a->inner.destroy) a->inner.destroy(a->inner.self);
    pthread_cond_destroy(&a->cv_sync);
    pthread_cond_destroy(&a->cv_c);
    pthread_cond_destroy(&a->cv_p);
    pthread_mutex_destroy(&a->m);
    free(a->slot);
    free(a->names);
    free(a);
}

int sf_async_out_error(const sf_async *a) { return atomic_load(&a->out_err); }

void sf_async_kick(void *self)
{
    sf_async *a = self;
    if (a->running && a->head != atomic_load(&a->consumed)) publish(a, 1);
}

/* ---- render thread ---- */

/* Hand entries [0, upto) back, and the source's packets before the one
 * with `ticket` (rendered last: the engine may still be reading it after
 * its packet callback); wake the engine if it waits and half the ring is
 * free. The source's paging is done here too (link.page_work). */
static void give_back(sf_async *a, uint64_t upto, uint64_t ticket)
{
    if (a->link.page_work) a->link.page_work(a->link.ctx);
    if (ticket > 1) a->link.release(a->link.ctx, ticket - 1);
    atomic_store(&a->consumed, upto);
    if (atomic_load(&a->p_wait) && atomic_load(&a->published) - upto <= A_SLOTS / 2) {
        pthread_mutex_lock(&a->m);
        pthread_cond_signal(&a->cv_p);
        pthread_mutex_unlock(&a->m);
    }
}

/* The packet of a lean entry, in a->rp; its pi (A_LEAN) in a->rpi. */
static const sf_pkt *lean_get(sf_async *a, const aslot *s)
{
    const alpkt *l = &s->u.l.lp;
    sf_pkt *p = &a->rp;
#define A_GET(m, f) p->f = l->m;
#define A_GET_BLOCK(am, pm, z, n) memcpy(&p->pm, &l->am, (n));
    A_BLOCKS(A_GET_BLOCK)
    A_LEAN_FIELDS(A_GET)
#undef A_GET_BLOCK
#undef A_GET
    p->src_name = (l->names & 1) ? a->names[s - a->slot][0] : NULL;
    p->dst_name = (l->names & 2) ? a->names[s - a->slot][1] : NULL;
    if (s->kind == A_LEAN_NOPI || s->kind == A_LEAN_APP)
        return p;
    copy16(&a->rpi, s->u.l.core, A_PI_CORE);
    a->rpi.len = s->u.l.len;
    /* the app part as sf_app_segment leaves it when nothing ended in the
     * segment (what lean_put tested), with the kind's proto; only rpi_kind's
     * entries write it, so after one of the same kind it is so already but
     * for a TLS entry's first bytes */
    sf_appinfo *ap = &a->rpi.app;
    if (s->kind != a->rpi_kind) {
        sf_app_segment_over(ap, s->kind == A_LEAN_TLS ? SF_APP_TLS : s->kind == A_LEAN_HTTP0 ? SF_APP_HTTP : SF_APP_NONE);
        a->rpi_kind = s->kind;
    }
    if (s->kind == A_LEAN_TLS)
        copy16(ap, s->u.l.tls, A_TLS_SMALL);   /* proto, nrec, rec[0..2) */
    return p;
}

static void *render(void *arg)
{
    sf_async *a = arg;
    uint64_t idx = 0, avail = 0, ticket = 0, given = 0;
    int out_err = 0;
    for (;;) {
        if (idx == avail) {
            avail = atomic_load(&a->published);
            if (idx == avail) {
                /* ran dry: give everything back before sleeping (the engine
                 * may be waiting for the reader, which waits for these) */
                give_back(a, idx, ticket);
                given = idx;
                pthread_mutex_lock(&a->m);
                for (;;) {
                    atomic_store(&a->c_wait, 1);
                    avail = atomic_load(&a->published);
                    if (idx != avail) break;
                    pthread_cond_wait(&a->cv_c, &a->m);
                }
                atomic_store(&a->c_wait, 0);
                pthread_mutex_unlock(&a->m);
            }
        }
        aslot *s = &a->slot[idx & (A_SLOTS - 1)];
        const sf_view *v = &a->inner;
        int end = 0;
        switch (s->kind) {
        case A_PKT:
        case A_PKT_NOPI:
            if (v->packet) v->packet(v->self, s->u.p.pkt, s->kind == A_PKT ? &s->u.p.pi : NULL);
            ticket = s->u.p.ticket;
            break;
        case A_LEAN:
        case A_LEAN_NOPI:
        case A_LEAN_TLS:
        case A_LEAN_HTTP0:
        case A_LEAN_APP:
            if (v->packet) v->packet(v->self, lean_get(a, s), s->kind == A_LEAN_NOPI ? NULL :
                                     s->kind == A_LEAN_APP ? &s->u.la.pi : &a->rpi);
            break;
        case A_CONN:
            if (v->conn_end) v->conn_end(v->self, &s->u.c);
            break;
        case A_SYNC:
            sf_out_flush(a->out);
            break;
        case A_FINISH:
            if (v->finish) v->finish(v->self, &s->u.st);
            end = 1;
            break;
        default:
            end = 1;
            break;
        }
        const int oe = sf_out_error(a->out);
        if (oe != out_err) atomic_store(&a->out_err, out_err = oe);   /* rare: no line bounce per entry */
        idx++;
        if (s->kind == A_SYNC) {
            give_back(a, idx, ticket);
            given = idx;
            pthread_mutex_lock(&a->m);
            atomic_fetch_add(&a->synced, 1);
            pthread_cond_broadcast(&a->cv_sync);
            pthread_mutex_unlock(&a->m);
        } else if (end || idx - given >= A_RELEASE_EVERY) {
            give_back(a, idx, ticket);
            given = idx;
        }
        if (end) return NULL;
    }
}

sf_async *sf_view_async(sf_view *outer, const sf_view *inner, sf_out *out, const sf_async_link *link)
{
    sf_async *a = aligned_alloc(64, sizeof *a);   /* its atomics are 64-aligned (so is its size) */
    if (!a) return NULL;
    memset(a, 0, sizeof *a);
    a->inner = *inner;
    a->out = out;
    a->link = *link;
    a->slot = aligned_alloc(64, A_SLOTS * sizeof *a->slot);
    if (link->lean) a->names = malloc(A_SLOTS * sizeof *a->names);  /* pages touched by text input only */
    sf_appinfo_none(&a->rpi.app);
    if (!a->slot || (link->lean && !a->names)) { free(a->slot); free(a->names); free(a); return NULL; }
    int ok = pthread_mutex_init(&a->m, NULL) == 0;
    ok = ok && pthread_cond_init(&a->cv_p, NULL) == 0;
    ok = ok && pthread_cond_init(&a->cv_c, NULL) == 0;
    ok = ok && pthread_cond_init(&a->cv_sync, NULL) == 0;
    if (!ok || pthread_create(&a->th, NULL, render, a) != 0) {
        /* (a failed init leaves nothing to destroy on Linux's pthreads) */
        free(a->slot);
        free(a->names);
        free(a);
        return NULL;
    }
    a->running = 1;
    outer->self = a;
    outer->packet = as_packet;
    outer->conn_end = as_conn_end;
    outer->finish = as_finish;
    outer->destroy = as_destroy;
    return a;
}

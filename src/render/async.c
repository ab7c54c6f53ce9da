/* \summary: run a view on a thread of its own, fed through a bounded ring by the engine */
#include "async.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

enum { A_PKT, A_PKT_NOPI, A_CONN, A_SYNC, A_FINISH, A_STOP };

typedef struct aslot {
    uint8_t kind;
    uint64_t ticket;
    const sf_pkt *pkt;
    union {
        sf_pinfo pi;
        sf_conn c;
        sf_stats st;
    } u;
} aslot;

struct sf_async {
    sf_view inner;
    sf_out *out;
    sf_async_link link;
    aslot *slot;
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
};

/* ---- engine side ---- */

static void publish(sf_async *a, int force);

static aslot *claim(sf_async *a)
{
    if (a->head - atomic_load_explicit(&a->consumed, memory_order_acquire) >= A_SLOTS) {
        publish(a, 1);           /* what it is to render before there is room */
        pthread_mutex_lock(&a->m);
        for (;;) {
            atomic_store(&a->p_wait, 1);
            if (a->head - atomic_load(&a->consumed) < A_SLOTS) break;
            pthread_cond_wait(&a->cv_p, &a->m);
        }
        atomic_store(&a->p_wait, 0);
        pthread_mutex_unlock(&a->m);
    }
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

/* Copy what views read of pi. The app part is large, and when nothing was
 * recognised (proto NONE) only the fields sf_appinfo_none resets mean
 * anything; they hold exactly those values then (app.h), so they are set
 * rather than copied. */
static void copy_pinfo(sf_pinfo *d, const sf_pinfo *s)
{
    const size_t app = offsetof(sf_pinfo, app), after = app + sizeof s->app;
    memcpy(d, s, app);
    memcpy((char *)d + after, (const char *)s + after, sizeof *s - after);
    if (s->app.proto != SF_APP_NONE)
        d->app = s->app;
    else
        sf_appinfo_none(&d->app);
}

static void as_packet(void *self, const sf_pkt *pkt, const sf_pinfo *pi)
{
    sf_async *a = self;
    aslot *s = claim(a);
    s->kind = pi ? A_PKT : A_PKT_NOPI;
    s->pkt = pkt;
    s->ticket = a->link.ticket(a->link.ctx);
    if (pi && pi != &s->u.pi) copy_pinfo(&s->u.pi, pi);   /* built in place: no copy */
    push(a, 0);
}

sf_pinfo *sf_async_pinfo_buf(void *self)
{
    /* the slot as_packet will claim next (claim() is idempotent until push) */
    return &claim(self)->u.pi;
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
 * free. */
static void give_back(sf_async *a, uint64_t upto, uint64_t ticket)
{
    if (ticket > 1) a->link.release(a->link.ctx, ticket - 1);
    atomic_store(&a->consumed, upto);
    if (atomic_load(&a->p_wait) && atomic_load(&a->published) - upto <= A_SLOTS / 2) {
        pthread_mutex_lock(&a->m);
        pthread_cond_signal(&a->cv_p);
        pthread_mutex_unlock(&a->m);
    }
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
            if (v->packet) v->packet(v->self, s->pkt, s->kind == A_PKT ? &s->u.pi : NULL);
            ticket = s->ticket;
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
    a->slot = malloc(A_SLOTS * sizeof *a->slot);
    if (!a->slot) { free(a); return NULL; }
    int ok = pthread_mutex_init(&a->m, NULL) == 0;
    ok = ok && pthread_cond_init(&a->cv_p, NULL) == 0;
    ok = ok && pthread_cond_init(&a->cv_c, NULL) == 0;
    ok = ok && pthread_cond_init(&a->cv_sync, NULL) == 0;
    if (!ok || pthread_create(&a->th, NULL, render, a) != 0) {
        /* (a failed init leaves nothing to destroy on Linux's pthreads) */
        free(a->slot);
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

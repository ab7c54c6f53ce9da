/* \summary: a reader thread that runs a packet source ahead of its consumer, through a bounded ring */
#include "pipe.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Single producer, single consumer. Slot i (mod n) is written by the
 * producer while i >= released and read by the consumer while
 * i < published. The consumer keeps the slot it returned last until its
 * next call, so released = index of that slot.
 *
 * Both indices are atomics; a side that finds nothing to do sleeps on a
 * condition variable after announcing it in p_wait/c_wait. Announcing and
 * re-checking are sequentially consistent on both sides, so a wake-up
 * cannot be lost: either the sleeper sees the other side's progress, or the
 * other side sees the announcement and signals under the mutex.
 *
 * The arena is a byte ring addressed by a monotonically increasing logical
 * offset; a record's bytes are contiguous (a record that would straddle the
 * end starts again at the beginning).
 */

#define PUBLISH_EVERY 16u     /* producer publishes at least every this many slots */

typedef struct pslot {
    sf_pkt pkt;
    sf_src_rc rc;
    int failures;             /* src->failures after this record */
    uint64_t a_start, a_end;  /* logical arena range of its bytes */
    const char *err;          /* SF_SRC_ERROR: the message, in the arena */
} pslot;

struct sf_pipe {
    sf_pipe_src src;
    pslot *slot;
    unsigned n, mask;
    uint8_t *arena;
    size_t asize;             /* a power of two */
    uint64_t wpos;            /* producer: next free logical arena offset */

    /* each on a cache line of its own: written by one side, read by the
     * other now and then (p_wait, c_wait: only around sleeping) */
    _Alignas(64) _Atomic uint64_t published; /* slots [0, published) are readable */
    _Alignas(64) _Atomic uint64_t released;  /* slots [0, released) may be rewritten */
    _Alignas(64) _Atomic int stop;           /* consumer asks the producer to end */
    _Atomic int p_wait, c_wait; /* a side is (about to be) asleep */
    pthread_mutex_t m;
    pthread_cond_t cv_p, cv_c;  /* the producer's, the consumer's */
    pthread_t th;

    /* producer only */
    uint64_t phead;
    uint64_t rel;             /* `released` as last loaded (it only grows) */
    int failures;             /* src->failures after the last record */
    /* consumer only */
    uint64_t cidx, cavail;
    int ended;
    int deferred;             /* sf_pipe_defer_release: another thread releases */
    void (*on_wait)(void *);  /* called before the consumer sleeps (deferred mode) */
    void *on_wait_ctx;
    int cfailures;
    char cerr[2048];          /* the last error message received */
};

/* ---- producer ---- */

/* Publish the slots written so far; wake a sleeping consumer once a
 * quarter of the ring is ready (or always, with force: end, error, the
 * producer itself about to sleep). */
static void publish(sf_pipe *p, int force)
{
    atomic_store(&p->published, p->phead);
    if (atomic_load(&p->c_wait) &&
        (force || p->phead - atomic_load(&p->released) >= p->n / 2)) {
        pthread_mutex_lock(&p->m);
        pthread_cond_signal(&p->cv_c);
        pthread_mutex_unlock(&p->m);
    }
}

/* Oldest logical arena offset still in use by an unreleased slot. */
static uint64_t arena_low(const sf_pipe *p)
{
    return p->rel < p->phead ? p->slot[p->rel & p->mask].a_start : p->wpos;
}

/* Logical start for `need` contiguous bytes (not yet reserved). */
static uint64_t arena_place(const sf_pipe *p, size_t need)
{
    uint64_t at = p->wpos, phys = at & (p->asize - 1);
    if (phys + need > p->asize) at += p->asize - phys;   /* restart at the beginning */
    return at;
}

static int arena_ok(const sf_pipe *p, size_t need)
{
    return arena_place(p, need) + need - arena_low(p) <= p->asize;
}

/* 0 if slot phead may be written and (need > 0) `need` arena bytes are
 * free; 1 if a slot must be released first; 2 if arena bytes must. */
static inline int blocked_as_seen(const sf_pipe *p, size_t need)
{
    if (p->phead - p->rel >= p->n) return 1;
    return need && !arena_ok(p, need) ? 2 : 0;
}

static int blocked(sf_pipe *p, size_t need)
{
    if (!blocked_as_seen(p, need)) return 0;     /* no need to look at the atomic */
    p->rel = atomic_load(&p->released);
    return blocked_as_seen(p, need);
}

/* Wait until slot phead is free and, with need > 0, `need` arena bytes
 * are; 0, or -1 if asked to stop. Asleep for a slot, the producer is woken
 * when half the ring is free (one wake-up per n/2 records, not per
 * record); asleep for arena bytes, at every release. */
static inline int reserve(sf_pipe *p, size_t need)
{
    if (__builtin_expect(!blocked_as_seen(p, need), 1)) return 0;
    if (!blocked(p, need)) return 0;
    publish(p, 1);
    pthread_mutex_lock(&p->m);
    for (;;) {
        atomic_store(&p->p_wait, blocked(p, need));
        /* re-check after announcing (seq_cst): the consumer either sees p_wait or made room */
        if (!blocked(p, need) || atomic_load(&p->stop)) break;
        pthread_cond_wait(&p->cv_p, &p->m);
    }
    atomic_store(&p->p_wait, 0);
    pthread_mutex_unlock(&p->m);
    return atomic_load(&p->stop) ? -1 : 0;
}

/* Copy len bytes at *ptr into the arena at *w (physical), pointing *ptr there. */
static void carry(uint8_t *base, size_t *w, const uint8_t **ptr, size_t len)
{
    if (!*ptr) return;
    memcpy(base + *w, *ptr, len);
    *ptr = base + *w;
    *w += (len + 7) & ~(size_t)7;
}

/* A pointer into the frame [l2, l2+caplen) moves with it; others are carried. */
static int in_frame(const sf_pkt *k, const uint8_t *q, size_t len)
{
    return k->l2 && q >= k->l2 && q <= k->l2 + k->caplen && len <= (size_t)(k->l2 + k->caplen - q);
}

#define A8(x) (((size_t)(x) + 7) & ~(size_t)7)

/* Bytes the record in s needs in the arena (error text included). */
static size_t need_of(sf_src_rc rc, const sf_pkt *k, const char *err)
{
    size_t n = 0;
    if (rc == SF_SRC_PACKET) {
        if (k->l2) n += A8(k->caplen);
        if (k->l3 && !in_frame(k, k->l3, k->l3_caplen)) n += A8(k->l3_caplen);
        if (k->l4 && !in_frame(k, k->l4, k->l4_caplen)) n += A8(k->l4_caplen);
        if (k->opt && !in_frame(k, k->opt, k->opt_len)) n += A8(k->opt_len);
        if (k->payload && !in_frame(k, k->payload, k->payload_caplen)) n += A8(k->payload_caplen);
        if (k->src_name) n += A8(strlen(k->src_name) + 1);
        if (k->dst_name) n += A8(strlen(k->dst_name) + 1);
    } else if (rc == SF_SRC_ERROR) {
        n += A8(strlen(err) + 1);
    }
    return n;
}

/* Copy the frame [l2, l2+caplen) to nw and point l2, and every pointer
 * into the frame, there (pointers already carried elsewhere are left). */
static void move_frame(sf_pkt *k, uint8_t *nw)
{
    const uint8_t *old = k->l2;
    memcpy(nw, old, k->caplen);
#define SF_REBASE(q) \
    if ((q) && (q) >= old && (q) <= old + k->caplen) (q) = nw + ((q) - old)
    SF_REBASE(k->l3);
    SF_REBASE(k->l4);
    SF_REBASE(k->opt);
    SF_REBASE(k->payload);
#undef SF_REBASE
    k->l2 = nw;
}

/* Move the record's bytes into the arena at physical offset w: the error
 * text, or the pointers outside the frame, the frame, the host names. */
static void stash(sf_pipe *p, pslot *s, const char *err, size_t w)
{
    uint8_t *base = p->arena;
    sf_pkt *k = &s->pkt;
    if (s->rc == SF_SRC_ERROR) {
        size_t l = strlen(err) + 1;
        memcpy(base + w, err, l);
        s->err = (const char *)(base + w);
        return;
    }
    if (s->rc != SF_SRC_PACKET) return;
    /* pointers outside the frame first (their test needs the old l2) */
    if (k->l3 && !in_frame(k, k->l3, k->l3_caplen)) carry(base, &w, &k->l3, k->l3_caplen);
    if (k->l4 && !in_frame(k, k->l4, k->l4_caplen)) carry(base, &w, &k->l4, k->l4_caplen);
    if (k->opt && !in_frame(k, k->opt, k->opt_len)) carry(base, &w, &k->opt, k->opt_len);
    if (k->payload && !in_frame(k, k->payload, k->payload_caplen))
        carry(base, &w, &k->payload, k->payload_caplen);
    if (k->l2) {
        move_frame(k, base + w);
        w += A8(k->caplen);
    }
    if (k->src_name) {
        const uint8_t *q = (const uint8_t *)k->src_name;
        carry(base, &w, &q, strlen(k->src_name) + 1);
        k->src_name = (const char *)q;
    }
    if (k->dst_name) {
        const uint8_t *q = (const uint8_t *)k->dst_name;
        carry(base, &w, &q, strlen(k->dst_name) + 1);
        k->dst_name = (const char *)q;
    }
}

/* 1 if every pointer of k is NULL or inside its frame, and it has no host
 * names (what the capture backends produce): its bytes are the frame's. */
static int plain_frame(const sf_pkt *k)
{
    return k->l2 && !k->src_name && !k->dst_name && (!k->l3 || in_frame(k, k->l3, k->l3_caplen)) &&
           (!k->l4 || in_frame(k, k->l4, k->l4_caplen)) && (!k->opt || in_frame(k, k->opt, k->opt_len)) &&
           (!k->payload || in_frame(k, k->payload, k->payload_caplen));
}

static void *producer(void *arg)
{
    sf_pipe *p = arg;
    for (;;) {
        if (atomic_load_explicit(&p->stop, memory_order_relaxed)) break;
        /* the record is read straight into a free slot, then its bytes are
         * moved into the arena once there is room for them */
        if (reserve(p, 0) != 0) break;
        pslot *s = &p->slot[p->phead & p->mask];
        sf_src_rc rc = p->src.next(p->src.ctx, &s->pkt);
        /* the usual record (plain): its bytes are the frame's, one copy */
        int plain = rc == SF_SRC_PACKET && plain_frame(&s->pkt);
        const char *err = "";
        if (rc == SF_SRC_ERROR && !(err = p->src.error(p->src.ctx))) err = "";
        size_t need = plain ? A8(s->pkt.caplen) : need_of(rc, &s->pkt, err);
        if (need > p->asize / 2) {         /* cannot happen with a sane arena size */
            rc = SF_SRC_ERROR;
            err = "record too large for the reader thread's buffer";
            need = need_of(rc, &s->pkt, err);
            plain = 0;
        }
        if (reserve(p, need) != 0) break;
        uint64_t at = arena_place(p, need);
        s->rc = rc;
        s->a_start = at;
        s->a_end = at + need;
        s->err = NULL;
        if (plain)
            move_frame(&s->pkt, p->arena + (at & (p->asize - 1)));
        else
            stash(p, s, err, (size_t)(at & (p->asize - 1)));
        p->wpos = at + need;
        /* failures change only with an error (or the end of an input) */
        s->failures = rc == SF_SRC_PACKET ? p->failures : (p->failures = p->src.failures(p->src.ctx));
        p->phead++;
        if (rc == SF_SRC_END) break;
        if (rc != SF_SRC_PACKET || (p->phead & (PUBLISH_EVERY - 1)) == 0) publish(p, rc != SF_SRC_PACKET);
    }
    publish(p, 1);
    return NULL;
}

sf_pipe *sf_pipe_start(const sf_pipe_src *src, unsigned slots, size_t arena)
{
    if (slots < 4 || (slots & (slots - 1)) || arena < 4096 || (arena & (arena - 1))) return NULL;
    sf_pipe *p = aligned_alloc(64, sizeof *p);   /* its atomics are 64-aligned (so is its size) */
    if (!p) return NULL;
    memset(p, 0, sizeof *p);
    p->src = *src;
    p->n = slots;
    p->mask = slots - 1;
    p->asize = arena;
    p->slot = calloc(slots, sizeof *p->slot);
    p->arena = malloc(arena);
    if (!p->slot || !p->arena) goto fail;
    if (pthread_mutex_init(&p->m, NULL)) goto fail;
    if (pthread_cond_init(&p->cv_p, NULL)) { pthread_mutex_destroy(&p->m); goto fail; }
    if (pthread_cond_init(&p->cv_c, NULL)) {
        pthread_cond_destroy(&p->cv_p);
        pthread_mutex_destroy(&p->m);
        goto fail;
    }
    if (pthread_create(&p->th, NULL, producer, p)) {
        pthread_cond_destroy(&p->cv_c);
        pthread_cond_destroy(&p->cv_p);
        pthread_mutex_destroy(&p->m);
        goto fail;
    }
    return p;
fail:
    free(p->slot);
    free(p->arena);
    free(p);
    return NULL;
}

/* ---- consumer ---- */

/* Hand slots [0, upto) back; wake the producer if it sleeps and has room now. */
static void release(sf_pipe *p, uint64_t upto)
{
    atomic_store(&p->released, upto);
    int w = atomic_load(&p->p_wait);
    if (w && (w == 2 || atomic_load(&p->published) - upto <= p->n / 2)) {
        pthread_mutex_lock(&p->m);
        pthread_cond_signal(&p->cv_p);
        pthread_mutex_unlock(&p->m);
    }
}

sf_src_rc sf_pipe_next(sf_pipe *p, const sf_pkt **out)
{
    if (p->ended) return SF_SRC_END;
    /* the slot returned last call is done with (unless another thread says so) */
    if (!p->deferred && ((p->cidx & (PUBLISH_EVERY - 1)) == 0 || p->cidx == p->cavail)) release(p, p->cidx);
    if (p->cidx == p->cavail) {
        p->cavail = atomic_load(&p->published);
        if (p->cidx == p->cavail) {
            /* about to sleep: whoever holds records (deferred release) must
             * not sleep on them, or the reader may wait for them for ever */
            if (p->on_wait) p->on_wait(p->on_wait_ctx);
            pthread_mutex_lock(&p->m);
            for (;;) {
                atomic_store(&p->c_wait, 1);
                p->cavail = atomic_load(&p->published);
                if (p->cidx != p->cavail) break;
                pthread_cond_wait(&p->cv_c, &p->m);
            }
            atomic_store(&p->c_wait, 0);
            pthread_mutex_unlock(&p->m);
        }
    }
    const pslot *s = &p->slot[p->cidx & p->mask];
    p->cidx++;
    p->cfailures = s->failures;
    if (s->rc == SF_SRC_END) {
        p->ended = 1;
        return SF_SRC_END;
    }
    if (s->rc == SF_SRC_ERROR) {
        snprintf(p->cerr, sizeof p->cerr, "%s", s->err ? s->err : "");
        return SF_SRC_ERROR;
    }
    *out = &s->pkt;
    return s->rc;
}

const char *sf_pipe_error(const sf_pipe *p) { return p->cerr; }

void sf_pipe_defer_release(sf_pipe *p, void (*on_wait)(void *), void *ctx)
{
    p->deferred = 1;
    p->on_wait = on_wait;
    p->on_wait_ctx = ctx;
}

uint64_t sf_pipe_ticket(const sf_pipe *p) { return p->cidx; }

void sf_pipe_release(sf_pipe *p, uint64_t ticket) { release(p, ticket); }

int sf_pipe_failures(const sf_pipe *p) { return p->cfailures; }

void sf_pipe_stop(sf_pipe *p)
{
    if (!p) return;
    atomic_store(&p->stop, 1);
    pthread_mutex_lock(&p->m);
    pthread_cond_signal(&p->cv_p);
    pthread_mutex_unlock(&p->m);
    pthread_join(p->th, NULL);
    pthread_cond_destroy(&p->cv_c);
    pthread_cond_destroy(&p->cv_p);
    pthread_mutex_destroy(&p->m);
    free(p->slot);
    free(p->arena);
    free(p);
}

/* \summary: page a mapped capture file in and out from another thread than the one reading it */
#include "paging.h"
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

sf_paging *sf_paging_new(void)
{
    sf_paging *pg = calloc(1, sizeof *pg);
    if (!pg) return NULL;
    if (pthread_mutex_init(&pg->m, NULL) != 0) {
        free(pg);
        return NULL;
    }
    atomic_init(&pg->pos, 0);
    atomic_init(&pg->seen, 0);
    return pg;
}

void sf_paging_free(sf_paging *pg)
{
    if (!pg) return;
    pthread_mutex_destroy(&pg->m);
    free(pg);
}

void sf_paging_attach(sf_paging *pg, const uint8_t *map, size_t size, size_t done)
{
    pthread_mutex_lock(&pg->m);
    pg->map = map;
    pg->size = size;
    pg->rel = pg->pop = done;
    atomic_store(&pg->rel_seen, done);
#ifdef MADV_POPULATE_READ
    pg->populate = 1;
#else
    pg->populate = 0;
#endif
    atomic_store(&pg->pos, done);
    atomic_store(&pg->seen, SIZE_MAX);   /* the next work call maps the first bytes in */
    pthread_mutex_unlock(&pg->m);
}

void sf_paging_detach(sf_paging *pg)
{
    pthread_mutex_lock(&pg->m);
    pg->map = NULL;
    pthread_mutex_unlock(&pg->m);
}

/* Release [rel, pos) (the lock held, a mapping attached). */
static void release_locked(sf_paging *pg, size_t pos)
{
    if (pos > pg->rel && madvise((void *)(pg->map + pg->rel), pos - pg->rel, MADV_DONTNEED) == 0) {
        pg->rel = pos;
        atomic_store_explicit(&pg->rel_seen, pos, memory_order_relaxed);
    }
}

void sf_paging_done_upto(sf_paging *pg, size_t upto)
{
    atomic_store_explicit(&pg->pos, upto, memory_order_release);
    if (upto - atomic_load_explicit(&pg->rel_seen, memory_order_relaxed) <= SF_PAGING_LAG) return;
    /* the other thread lags (asleep, or busy with other work), or holds the
     * lock for its own work on the window: wait for that (a few madvise
     * calls at most) rather than read on and map more */
    pthread_mutex_lock(&pg->m);
    if (pg->map) release_locked(pg, upto);
    pthread_mutex_unlock(&pg->m);
}

void sf_paging_work(sf_paging *pg)
{
    size_t pos = atomic_load_explicit(&pg->pos, memory_order_acquire);
    if (pos == atomic_load_explicit(&pg->seen, memory_order_relaxed)) return;
    if (pthread_mutex_trylock(&pg->m) != 0) return;   /* the reader (de)attaches: next time */
    pos = atomic_load_explicit(&pg->pos, memory_order_acquire);   /* (attach may have reset it) */
    if (pg->map) {
        release_locked(pg, pos);
        if (pg->pop < pos) pg->pop = pos;
#ifdef MADV_POPULATE_READ
        const size_t want = pg->size - pos < SF_PAGING_AHEAD ? pg->size : pos + SF_PAGING_AHEAD;
        while (pg->populate && pg->pop < want) {
            const size_t n = want - pg->pop < SF_PAGING_STEP ? want - pg->pop : SF_PAGING_STEP;
            if (madvise((void *)(pg->map + pg->pop), n, MADV_POPULATE_READ) != 0) {
                pg->populate = 0;        /* not supported: the reader faults them in */
                break;
            }
            pg->pop += n;
        }
#endif
    }
    atomic_store_explicit(&pg->seen, pos, memory_order_relaxed);
    pthread_mutex_unlock(&pg->m);
}

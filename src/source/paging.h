/* \summary: internal: page a mapped capture file in and out from another thread than the one reading it */
#ifndef SF_PAGING_H
#define SF_PAGING_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The mmap reader (pcapmmap.c) maps the whole file and hands back the
 * pages behind it every MiB (MADV_DONTNEED), so that RSS stays flat. Both
 * that and the page faults ahead of it are kernel work on the reading
 * thread. With an sf_paging attached, the reader only says how far it is
 * done (sf_paging_done_upto), and another thread that has time to spare
 * (json's render thread, render/async.c) does the work: it releases what
 * is behind and maps the next SF_PAGING_AHEAD bytes in (MADV_POPULATE_READ)
 * before the reader gets there (sf_paging_work). Should that thread fall
 * behind (it sleeps while it waits for the reader's records, and a few
 * records can span many MiB), the reader faults the pages in itself as
 * before, and releases itself what lags more than SF_PAGING_LAG: RSS holds
 * at most that and the window more than with the reader doing it all.
 *
 * Threads: sf_paging_attach, _detach and _done_upto are the reader's;
 * sf_paging_work is the other thread's; sf_paging_new and _free are
 * called while no other thread uses the object.
 */
#define SF_PAGING_AHEAD ((size_t)8 << 20)   /* mapped in ahead of the reader */
#define SF_PAGING_STEP ((size_t)1 << 20)    /* in MADV_POPULATE_READ calls of this size */
#define SF_PAGING_LAG ((size_t)8 << 20)     /* the reader releases itself what lags more */

typedef struct sf_paging {
    pthread_mutex_t m;          /* map, size, rel, pop, populate: held by work and by (de)attach */
    const uint8_t *map;         /* the attached mapping, NULL none */
    size_t size;
    size_t rel;                 /* bytes [0, rel) released */
    _Atomic size_t rel_seen;    /* rel, for the reader to look at without the lock */
    size_t pop;                 /* bytes [rel, pop) mapped in */
    int populate;               /* 0 once MADV_POPULATE_READ failed (a kernel before 5.14) */
    _Atomic size_t pos;         /* the reader: bytes [0, pos) are done with */
    _Atomic size_t seen;        /* work: pos as it last acted on it (SIZE_MAX: act) */
} sf_paging;

/* A new, detached object (NULL if out of memory); the caller owns it. */
sf_paging *sf_paging_new(void);
/* Free pg (NULL is fine); nothing may be attached. */
void sf_paging_free(sf_paging *pg);
/* Reader: the mapping map[0, size) is the one to page; [0, done) of it is
 * already handed back (page-aligned). The mapping stays the caller's. */
void sf_paging_attach(sf_paging *pg, const uint8_t *map, size_t size, size_t done);
/* Reader: forget the mapping (before unmapping it). Waits for a running
 * sf_paging_work; after it returns, no thread touches the mapping. */
void sf_paging_detach(sf_paging *pg);
/* Reader: bytes [0, upto) (page-aligned, never less than before) will not
 * be read again and may be released; if the other thread lags more than
 * SF_PAGING_LAG behind, they are released here (after that thread's work
 * in progress, if any: the reader then waits for the lock). */
void sf_paging_done_upto(sf_paging *pg, size_t upto);
/* The other thread: release what the reader is done with and map in the
 * next SF_PAGING_AHEAD bytes. Cheap when the reader has not moved since
 * the last call (two loads); never waits for the reader (a try-lock). */
void sf_paging_work(sf_paging *pg);

#endif

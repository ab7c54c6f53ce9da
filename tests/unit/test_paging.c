/* \summary: unit tests of paging a mapped file from another thread: what is mapped in and released, when */
#include "t.h"
#include "../../src/source/paging.h"
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The resident size, in KiB, of the mapping that starts at `at`, from
 * /proc/self/smaps; -1 if not found. */
static long rss_kib(const void *at)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f) return -1;
    char line[512];
    int in = 0;
    long kib = -1;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {   /* a mapping's first line ("Rss:" is not hex) */
            in = lo == (unsigned long)at;
            continue;
        }
        if (in && sscanf(line, "Rss: %ld kB", &kib) == 1) break;
    }
    fclose(f);
    return kib;
}

#define MIB (1L << 20)

/* A 24 MiB file, mapped the way the mmap reader maps it. */
static const uint8_t *map_file(size_t *size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/sf_test_paging_%d.bin", (int)getpid());
    FILE *o = fopen(path, "wb+");
    if (!o) return NULL;
    static char chunk[1 << 16];
    memset(chunk, 'x', sizeof chunk);
    for (int i = 0; i < 24 * 16; i++) fwrite(chunk, 1, sizeof chunk, o);
    fflush(o);
    *size = (size_t)24 * MIB;
    void *m = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fileno(o), 0);
    fclose(o);
    unlink(path);
    return m == MAP_FAILED ? NULL : m;
}

/* The file mapped and a new sf_paging in *pg; NULL (a failed check, nothing
 * left to free) if either could not be made. */
static const uint8_t *setup(size_t *size, sf_paging **pg)
{
    const uint8_t *m = map_file(size);
    *pg = m ? sf_paging_new() : NULL;
    T_CHECK(m != NULL && *pg != NULL);
    if (m && !*pg) munmap((void *)m, *size);
    return *pg ? m : NULL;
}

/* Undo setup: detach pg (as the reader does before unmapping), unmap, free. */
static void teardown(const uint8_t *m, size_t size, sf_paging *pg)
{
    sf_paging_detach(pg);
    munmap((void *)m, size);
    sf_paging_free(pg);
}

TEST(paging_maps_ahead_and_releases_behind)
{
    size_t size;
    sf_paging *pg;
    const uint8_t *m = setup(&size, &pg);
    if (!m) return;
    T_EQ_INT(rss_kib(m), 0);                      /* nothing touched yet */
    sf_paging_attach(pg, m, size, 0);
    sf_paging_work(pg);
#ifdef MADV_POPULATE_READ
    T_EQ_INT(rss_kib(m), SF_PAGING_AHEAD / 1024);  /* [0, 8 MiB) mapped in */
#endif
    sf_paging_done_upto(pg, 4 * MIB);
    sf_paging_work(pg);                           /* [0, 4) out, [4, 12) in */
#ifdef MADV_POPULATE_READ
    T_EQ_INT(rss_kib(m), SF_PAGING_AHEAD / 1024);
    T_EQ_INT(pg->pop, 12 * MIB);
#endif
    T_EQ_INT(pg->rel, 4 * MIB);
    /* the reader has not moved: nothing to do, and nothing done */
    volatile uint8_t touch = m[20 * MIB];         /* (a page outside the window, faulted in here) */
    (void)touch;
    long before = rss_kib(m);
    sf_paging_work(pg);
    T_EQ_INT(rss_kib(m), before);
    /* the window stops at the end of the file */
    sf_paging_done_upto(pg, 20 * MIB);
    sf_paging_work(pg);
    T_EQ_INT(pg->rel, 20 * MIB);
    T_EQ_INT(pg->pop, 24 * MIB);
#ifdef MADV_POPULATE_READ
    T_EQ_INT(rss_kib(m), 4 * 1024);
#endif
    teardown(m, size, pg);
}

TEST(paging_never_waits_and_forgets_a_detached_map)
{
    size_t size;
    sf_paging *pg;
    const uint8_t *m = setup(&size, &pg);
    if (!m) return;
    sf_paging_attach(pg, m, size, 2 * MIB);       /* the reader had released [0, 2) itself */
    T_EQ_INT(pg->rel, 2 * MIB);
    /* the reader holds the lock (attaching the next file): work gives up at once */
    pthread_mutex_lock(&pg->m);
    sf_paging_work(pg);
    pthread_mutex_unlock(&pg->m);
    T_EQ_INT(pg->pop, 2 * MIB);
    T_EQ_INT(rss_kib(m), 0);
    /* ... and does it the next time */
    sf_paging_work(pg);
#ifdef MADV_POPULATE_READ
    T_EQ_INT(pg->pop, 10 * MIB);
    T_EQ_INT(rss_kib(m), SF_PAGING_AHEAD / 1024);
#endif
    /* detached (the reader unmaps next): work must not touch the mapping */
    sf_paging_detach(pg);
    munmap((void *)m, size);
    sf_paging_done_upto(pg, 6 * MIB);
    sf_paging_work(pg);                           /* (would fault or fail on the unmapped range) */
    T_EQ_INT(pg->rel, 2 * MIB);
    sf_paging_free(pg);
}

TEST(paging_reader_releases_what_lags)
{
    size_t size;
    sf_paging *pg;
    const uint8_t *m = setup(&size, &pg);
    if (!m) return;
    sf_paging_attach(pg, m, size, 0);
    for (size_t o = 0; o < 16 * MIB; o += 4096) {   /* the reader faults [0, 16) in itself */
        volatile uint8_t x = m[o];
        (void)x;
    }
    T_EQ_INT(rss_kib(m), 16 * 1024);
    /* the other thread does not come: up to SF_PAGING_LAG waits for it */
    sf_paging_done_upto(pg, SF_PAGING_LAG);
    T_EQ_INT(pg->rel, 0);
    T_EQ_INT(rss_kib(m), 16 * 1024);
    /* more: the reader releases it itself */
    sf_paging_done_upto(pg, SF_PAGING_LAG + MIB);
    T_EQ_INT(pg->rel, SF_PAGING_LAG + MIB);
    T_EQ_INT(rss_kib(m), 16 * 1024 - (long)(SF_PAGING_LAG + MIB) / 1024);
    /* within the lag again: left to the other thread, which releases it */
    sf_paging_done_upto(pg, 2 * SF_PAGING_LAG);
    T_EQ_INT(pg->rel, SF_PAGING_LAG + MIB);
    sf_paging_work(pg);
    T_EQ_INT(pg->rel, 2 * SF_PAGING_LAG);
    teardown(m, size, pg);
}

static _Atomic int holder_has_lock;
static void *hold_lock(void *arg)
{
    sf_paging *pg = arg;
    pthread_mutex_lock(&pg->m);
    atomic_store(&holder_has_lock, 1);
    usleep(20000);                                /* the other thread's work, taking a while */
    pthread_mutex_unlock(&pg->m);
    return NULL;
}

TEST(paging_reader_waits_out_the_other_threads_work)
{
    size_t size;
    sf_paging *pg;
    const uint8_t *m = setup(&size, &pg);
    if (!m) return;
    sf_paging_attach(pg, m, size, 0);
    atomic_store(&holder_has_lock, 0);
    pthread_t th;
    if (pthread_create(&th, NULL, hold_lock, pg) != 0) {
        T_CHECK(0);
    } else {
        while (!atomic_load(&holder_has_lock))
            usleep(100);
        /* lagging by more than SF_PAGING_LAG while the lock is held: the
         * reader must not read on with it all mapped; it waits, then releases */
        sf_paging_done_upto(pg, SF_PAGING_LAG + 2 * MIB);
        T_EQ_INT(pg->rel, SF_PAGING_LAG + 2 * MIB);
        pthread_join(th, NULL);
    }
    teardown(m, size, pg);
}

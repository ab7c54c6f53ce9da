/* \summary: internal: connection table (hash on the unordered 4-tuple) over two slab pools, with expiry lists */
#ifndef SF_TABLE_H
#define SF_TABLE_H
#include <stddef.h>
#include "conn_int.h"

/* Records live in fixed slabs, one pool per record kind (SF_K_FULL sf_rec,
 * SF_K_MINI1 sf_mini1, SF_K_MINI3 sf_mini3), never moved, so pointers stay
 * valid while a record is live, and recycled through a free list per pool:
 * after warm-up, a new connection allocates nothing. Records are named by a
 * tagged index: bits 30-31 the kind, bits 0..29 the index in the pool + 1,
 * so that 0 means "none". */
#define SF_SLAB_SHIFT 10
#define SF_SLAB_SIZE (1u << SF_SLAB_SHIFT)
#define SF_TAG_SHIFT 30
#define SF_TAG_IDX ((1u << SF_TAG_SHIFT) - 1)
#define SF_NKINDS 3

typedef struct sf_pool {
    char **slabs;
    uint32_t nslabs, cap_slabs;
    uint32_t nused;            /* records ever handed out (high-water mark) */
    uint32_t free_head;        /* free list through hdr.hnext (tagged) */
    uint32_t live;
    size_t esz;                /* record size */
} sf_pool;

typedef struct sf_table {
    sf_pool pool[SF_NKINDS];   /* by SF_K_* */
    uint32_t *heads;           /* hash buckets */
    uint32_t mask;             /* buckets - 1 */
    uint32_t live;
    uint32_t lhead[3], ltail[3]; /* expiry lists, by SF_L_* (oldest first) */
} sf_table;

int sf_table_init(sf_table *t);
void sf_table_free(sf_table *t);
/* The record with tagged index id1 (id1 != 0). */
static inline sf_rhdr *sf_table_at(const sf_table *t, uint32_t id1)
{
    uint32_t i = (id1 & SF_TAG_IDX) - 1, k = id1 >> SF_TAG_SHIFT;
    char *slab = t->pool[k].slabs[i >> SF_SLAB_SHIFT];
    i &= SF_SLAB_SIZE - 1;
    if (k == SF_K_FULL)
        return &((sf_rec *)slab)[i].h;
    if (k == SF_K_MINI1)
        return &((sf_mini1 *)slab)[i].m.h;
    return &((sf_mini3 *)slab)[i].m.h;
}
/* Canonical key of a TCP packet; *src_is_a = 1 if the sender is key.a.
 * Returns the key's hash. */
uint32_t sf_key_make(sf_ckey *k, const sf_pkt *p, int *src_is_a);
sf_rhdr *sf_table_find(const sf_table *t, const sf_ckey *k, uint32_t hash);
/* A new record of `kind` (SF_K_*), zeroed, holding key k, linked into the
 * hash; NULL if out of memory. */
sf_rhdr *sf_table_insert(sf_table *t, uint8_t kind, const sf_ckey *k, uint32_t hash);
/* Unlink from hash and list; the record returns to its pool's free list. */
void sf_table_remove(sf_table *t, sf_rhdr *r);
/* Move to the tail (newest end) of expiry list `list`. */
void sf_table_touch(sf_table *t, sf_rhdr *r, uint8_t list);
static inline sf_rhdr *sf_table_oldest(const sf_table *t, uint8_t list)
{
    return t->lhead[list] ? sf_table_at(t, t->lhead[list]) : 0;
}

#endif

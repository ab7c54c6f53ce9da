/* \summary: internal: connection table (hash on the unordered 4-tuple) over two slab pools, with expiry lists */
#ifndef SF_TABLE_H
#define SF_TABLE_H
#include <stddef.h>
#include <string.h>
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
    uint64_t bytes;            /* of live records, all pools */
    uint32_t lhead[3], ltail[3]; /* expiry lists, by SF_L_* (oldest first) */
    uint8_t open_lazy;         /* SF_L_OPEN is in order of entry, not of last touch:
                                * a touch of a record already on it does not move it
                                * (sf_table_relink puts it in order when needed) */
} sf_table;

int sf_table_init(sf_table *t);
void sf_table_free(sf_table *t);
/* The record with tagged index id1 (id1 != 0). Every kind of record starts
 * with its sf_rhdr (asserted in table.c). */
static inline sf_rhdr *sf_table_at(const sf_table *t, uint32_t id1)
{
    const sf_pool *p = &t->pool[id1 >> SF_TAG_SHIFT];
    const uint32_t i = (id1 & SF_TAG_IDX) - 1;
    return (sf_rhdr *)(p->slabs[i >> SF_SLAB_SHIFT] + (size_t)(i & (SF_SLAB_SIZE - 1)) * p->esz);
}

/* Unaligned loads and stores (compiled to plain moves). */
static inline uint64_t sf_ld64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t sf_ld32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static inline uint64_t sf_key_mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 31);
}
/* The hash of a key (IPv4 keys hash their 8 address bytes only). */
static inline uint32_t sf_key_hash(const sf_ckey *k)
{
    uint64_t h = 0x243F6A8885A308D3ull ^ k->ipver;
    if (k->ipver == 6) {
        h = sf_key_mix(h, sf_ld64(k->a));
        h = sf_key_mix(h, sf_ld64(k->a + 8));
        h = sf_key_mix(h, sf_ld64(k->b));
        h = sf_key_mix(h, sf_ld64(k->b + 8));
    } else {                     /* one multiply for the addresses and ports */
        h ^= (uint64_t)sf_ld32(k->a) << 32 | sf_ld32(k->b);
        h ^= (uint64_t)sf_ld32(&k->pa) * 0xC2B2AE3D27D4EB4Full;
        h *= 0x9E3779B97F4A7C15ull;
        return (uint32_t)(h >> 32) ^ (uint32_t)h;
    }
    h = sf_key_mix(h, sf_ld32(&k->pa));
    return (uint32_t)(h ^ (h >> 32));
}
/* An IPv4 key's address bytes 4..15 are zero (sf_key_make): once the
 * versions, the first 8 bytes of each address and the ports agree, only
 * IPv6 keys have more to compare. */
static inline int sf_key_eq(const sf_ckey *x, const sf_ckey *y)
{
    if (((sf_ld64(x->a) ^ sf_ld64(y->a)) | (sf_ld64(x->b) ^ sf_ld64(y->b)) | (sf_ld32(&x->pa) ^ sf_ld32(&y->pa)) |
         (uint64_t)(x->ipver ^ y->ipver)) != 0)
        return 0;
    return y->ipver == 4 || ((sf_ld64(x->a + 8) ^ sf_ld64(y->a + 8)) | (sf_ld64(x->b + 8) ^ sf_ld64(y->b + 8))) == 0;
}
static inline uint32_t sf_be32(const uint8_t *p) { return __builtin_bswap32(sf_ld32(p)); }
static inline uint64_t sf_be64(const uint8_t *p) { return __builtin_bswap64(sf_ld64(p)); }

/* Canonical key of a TCP packet (ipver 4 or 6); *src_is_a = 1 if the
 * sender is key.a (the lower address, then the lower port, as memcmp
 * orders them). Returns the key's hash (sf_key_hash). The key is written
 * in whole words and the hash computed from registers: sf_table_find then
 * reads k back from stores of the same width (a load spanning several
 * narrower stores, as after byte copies and memsets, cannot be forwarded
 * from them and waits for them to reach the cache). */
static inline uint32_t sf_key_make6(sf_ckey *k, const sf_pkt *p, int *src_is_a)
{
    const uint64_t s0 = sf_be64(p->src), d0 = sf_be64(p->dst);
    const uint64_t s1 = sf_be64(p->src + 8), d1 = sf_be64(p->dst + 8);
    const int sa = s0 != d0 ? s0 < d0 : s1 != d1 ? s1 < d1 : p->sport <= p->dport;
    *src_is_a = sa;
    memcpy(k->a, sa ? p->src : p->dst, 16);
    memcpy(k->b, sa ? p->dst : p->src, 16);
    const uint16_t pp[2] = { sa ? p->sport : p->dport, sa ? p->dport : p->sport };
    memcpy(&k->pa, pp, 4);
    k->ipver = 6;
    return sf_key_hash(k);
}
static inline uint32_t sf_key_make(sf_ckey *k, const sf_pkt *p, int *src_is_a)
{
    if (p->ipver == 6)
        return sf_key_make6(k, p, src_is_a);
    const uint32_t s = sf_ld32(p->src), d = sf_ld32(p->dst);
    const uint32_t sb = __builtin_bswap32(s), db = __builtin_bswap32(d);
    const int sa = sb != db ? sb < db : p->sport <= p->dport;
    *src_is_a = sa;
    const uint32_t av = sa ? s : d, bv = sa ? d : s;
    /* an address word: its 4 bytes, then 4 zero bytes (in memory order) */
    uint64_t a0 = 0, b0 = 0;
    memcpy(&a0, &av, 4);
    memcpy(&b0, &bv, 4);
    const uint64_t zero = 0;
    memcpy(k->a, &a0, 8);
    memcpy(k->a + 8, &zero, 8);
    memcpy(k->b, &b0, 8);
    memcpy(k->b + 8, &zero, 8);
    const uint16_t pp[2] = { sa ? p->sport : p->dport, sa ? p->dport : p->sport };
    uint32_t ports;
    memcpy(&ports, pp, 4);
    memcpy(&k->pa, &ports, 4);
    k->ipver = 4;
    /* sf_key_hash's IPv4 branch, from the registers */
    uint64_t h = 0x243F6A8885A308D3ull ^ 4;
    h ^= (uint64_t)av << 32 | bv;
    h ^= (uint64_t)ports * 0xC2B2AE3D27D4EB4Full;
    h *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(h >> 32) ^ (uint32_t)h;
}
/* The record holding key k (hash = sf_key_hash(k)), or NULL. */
static inline sf_rhdr *sf_table_find(const sf_table *t, const sf_ckey *k, uint32_t hash)
{
    for (uint32_t i = t->heads[hash & t->mask]; i;) {
        sf_rhdr *r = sf_table_at(t, i);
        if (sf_key_eq(&r->key, k))
            return r;
        i = r->hnext;
    }
    return NULL;
}
/* A new record of `kind` (SF_K_*), zeroed, holding key k, linked into the
 * hash; NULL if out of memory. */
sf_rhdr *sf_table_insert(sf_table *t, uint8_t kind, const sf_ckey *k, uint32_t hash);
/* The same, but only the header is written: the rest of the record holds
 * whatever it held (for a caller that writes all of it). */
sf_rhdr *sf_table_insert_hdr(sf_table *t, uint8_t kind, const sf_ckey *k, uint32_t hash);
/* Unlink from hash and list; the record returns to its pool's free list. */
void sf_table_remove(sf_table *t, sf_rhdr *r);
/* Move to the tail (newest end) of expiry list `list`. */
void sf_table_touch_slow(sf_table *t, sf_rhdr *r, uint8_t list);
static inline void sf_table_touch(sf_table *t, sf_rhdr *r, uint8_t list)
{
    if (r->list == list && ((list == SF_L_OPEN && t->open_lazy) || t->ltail[list] == r->self))
        return;                      /* already the newest, or the order does not matter yet */
    sf_table_touch_slow(t, r, list);
}
/* Make list `list` exactly the n records ids[] (tagged indices of records
 * on it), in that order, oldest first. */
void sf_table_relink(sf_table *t, uint8_t list, const uint32_t *ids, uint32_t n);
static inline sf_rhdr *sf_table_oldest(const sf_table *t, uint8_t list)
{
    return t->lhead[list] ? sf_table_at(t, t->lhead[list]) : 0;
}

#endif

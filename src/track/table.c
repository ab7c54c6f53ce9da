/* \summary: connection table: hash on the unordered 4-tuple over two slab pools, with expiry lists */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "table.h"

/* sf_table_at finds any record's header at the record's start */
_Static_assert(offsetof(sf_rec, h) == 0, "header first");
_Static_assert(offsetof(sf_mini1, m.h) == 0 && offsetof(sf_mini3, m.h) == 0, "header first");
/* issue 8: a handshake without data takes at most 256 bytes with its share
 * of the hash buckets; keep the compact records where they are */
_Static_assert(sizeof(sf_rhdr) == 72, "table header");
/* the memory budget counts records by size: a new field takes padding */
_Static_assert(sizeof(sf_rec) == 736, "full record");
_Static_assert(sizeof(sf_mini1) <= 144 && sizeof(sf_mini3) <= 224, "compact records");

int sf_table_init(sf_table *t)
{
    memset(t, 0, sizeof *t);
    t->pool[SF_K_FULL].esz = sizeof(sf_rec);
    t->pool[SF_K_MINI1].esz = sizeof(sf_mini1);
    t->pool[SF_K_MINI3].esz = sizeof(sf_mini3);
    t->mask = 1023;
    t->heads = calloc(t->mask + 1, sizeof *t->heads);
    return t->heads ? 0 : -1;
}

void sf_table_free(sf_table *t)
{
    for (int k = 0; k < SF_NKINDS; k++) {
        for (uint32_t s = 0; s < t->pool[k].nslabs; s++)
            free(t->pool[k].slabs[s]);
        free(t->pool[k].slabs);
    }
    free(t->heads);
    memset(t, 0, sizeof *t);
}

/* Double the buckets when the table holds more records than buckets. */
static void grow(sf_table *t)
{
    uint32_t nb = (t->mask + 1) * 2;
    if (nb == 0 || nb > (1u << 30))
        return;
    uint32_t *h = calloc(nb, sizeof *h);
    if (!h)
        return;                      /* keep working with longer chains */
    for (uint32_t b = 0; b <= t->mask; b++) {
        for (uint32_t i = t->heads[b]; i;) {
            sf_rhdr *r = sf_table_at(t, i);
            uint32_t next = r->hnext, hash = sf_key_hash(&r->key);
            r->hnext = h[hash & (nb - 1)];
            h[hash & (nb - 1)] = i;
            i = next;
        }
    }
    free(t->heads);
    t->heads = h;
    t->mask = nb - 1;
}

/* A record from pool `kind`: recycled, or the next one of the current slab. */
static uint32_t pool_take(sf_table *t, uint8_t kind)
{
    sf_pool *p = &t->pool[kind];
    const uint32_t tag = (uint32_t)kind << SF_TAG_SHIFT;
    if (p->free_head) {
        uint32_t id1 = p->free_head;
        p->free_head = sf_table_at(t, id1)->hnext;
        return id1;
    }
    if ((p->nused >> SF_SLAB_SHIFT) >= p->nslabs) {
        if (p->nslabs == p->cap_slabs) {
            uint32_t nc = p->cap_slabs ? p->cap_slabs * 2 : 16;
            char **ns = realloc(p->slabs, nc * sizeof *ns);
            if (!ns)
                return 0;
            p->slabs = ns;
            p->cap_slabs = nc;
        }
        char *slab = malloc(SF_SLAB_SIZE * p->esz);
        if (!slab)
            return 0;
        p->slabs[p->nslabs++] = slab;
    }
    if (p->nused >= SF_TAG_IDX)
        return 0;
    return tag | ++p->nused;
}

sf_rhdr *sf_table_insert(sf_table *t, uint8_t kind, const sf_ckey *k, uint32_t hash)
{
    sf_rhdr *r = sf_table_insert_hdr(t, kind, k, hash);
    if (r)
        memset((char *)r + sizeof *r, 0, t->pool[kind].esz - sizeof *r);
    return r;
}

sf_rhdr *sf_table_insert_hdr(sf_table *t, uint8_t kind, const sf_ckey *k, uint32_t hash)
{
    uint32_t id1 = pool_take(t, kind);
    if (!id1)
        return NULL;
    sf_rhdr *r = sf_table_at(t, id1);
    memset(r, 0, sizeof *r);
    r->self = id1;
    r->kind = kind;
    r->key = *k;
    r->hnext = t->heads[hash & t->mask];
    t->heads[hash & t->mask] = id1;
    t->live++;
    t->pool[kind].live++;
    t->bytes += t->pool[kind].esz;
    if (t->live > t->mask + 1)
        grow(t);
    return r;
}

static inline void list_unlink(sf_table *t, sf_rhdr *r)
{
    if (r->list == SF_L_NONE)
        return;
    if (r->lprev)
        sf_table_at(t, r->lprev)->lnext = r->lnext;
    else
        t->lhead[r->list] = r->lnext;
    if (r->lnext)
        sf_table_at(t, r->lnext)->lprev = r->lprev;
    else
        t->ltail[r->list] = r->lprev;
    r->lprev = r->lnext = 0;
    r->list = SF_L_NONE;
}

void sf_table_touch_slow(sf_table *t, sf_rhdr *r, uint8_t list)
{
    uint32_t id1 = r->self;
    list_unlink(t, r);
    r->list = list;
    r->lprev = t->ltail[list];
    r->lnext = 0;
    if (t->ltail[list])
        sf_table_at(t, t->ltail[list])->lnext = id1;
    else
        t->lhead[list] = id1;
    t->ltail[list] = id1;
}

void sf_table_relink(sf_table *t, uint8_t list, const uint32_t *ids, uint32_t n)
{
    t->lhead[list] = n ? ids[0] : 0;
    t->ltail[list] = n ? ids[n - 1] : 0;
    for (uint32_t i = 0; i < n; i++) {
        sf_rhdr *r = sf_table_at(t, ids[i]);
        r->lprev = i ? ids[i - 1] : 0;
        r->lnext = i + 1 < n ? ids[i + 1] : 0;
    }
}

void sf_table_remove(sf_table *t, sf_rhdr *r)
{
    uint32_t id1 = r->self;
    list_unlink(t, r);
    uint32_t *pp = &t->heads[sf_key_hash(&r->key) & t->mask];
    while (*pp && *pp != id1)
        pp = &sf_table_at(t, *pp)->hnext;
    if (*pp)
        *pp = r->hnext;
    sf_pool *p = &t->pool[r->kind];
    r->hnext = p->free_head;
    p->free_head = id1;
    p->live--;
    t->live--;
    t->bytes -= p->esz;
}

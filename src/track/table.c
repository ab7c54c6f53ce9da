/* \summary: connection table: hash on the unordered 4-tuple over two slab pools, with expiry lists */
#include <stdlib.h>
#include <string.h>
#include "table.h"

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

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x9E3779B97F4A7C15ull;
    return h ^ (h >> 31);
}

uint32_t sf_key_make(sf_ckey *k, const sf_pkt *p, int *src_is_a)
{
    size_t alen = p->ipver == 6 ? 16 : 4;
    int c = memcmp(p->src, p->dst, alen);
    if (c == 0)
        c = (int)p->sport - (int)p->dport;
    *src_is_a = c <= 0;
    const uint8_t *a = c <= 0 ? p->src : p->dst, *b = c <= 0 ? p->dst : p->src;
    memset(k, 0, sizeof *k);
    memcpy(k->a, a, alen);
    memcpy(k->b, b, alen);
    k->pa = c <= 0 ? p->sport : p->dport;
    k->pb = c <= 0 ? p->dport : p->sport;
    k->ipver = p->ipver;

    uint64_t w[4], h = 0x243F6A8885A308D3ull ^ k->ipver;
    memcpy(w, k->a, 16);
    memcpy(w + 2, k->b, 16);
    for (int i = 0; i < 4; i++)
        h = mix(h, w[i]);
    h = mix(h, ((uint64_t)k->pa << 16) | k->pb);
    return (uint32_t)(h ^ (h >> 32));
}

static int key_eq(const sf_ckey *x, const sf_ckey *y)
{
    return x->pa == y->pa && x->pb == y->pb && x->ipver == y->ipver &&
           !memcmp(x->a, y->a, 16) && !memcmp(x->b, y->b, 16);
}

sf_rhdr *sf_table_find(const sf_table *t, const sf_ckey *k, uint32_t hash)
{
    for (uint32_t i = t->heads[hash & t->mask]; i;) {
        sf_rhdr *r = sf_table_at(t, i);
        if (r->hash == hash && key_eq(&r->key, k))
            return r;
        i = r->hnext;
    }
    return NULL;
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
            uint32_t next = r->hnext;
            r->hnext = h[r->hash & (nb - 1)];
            h[r->hash & (nb - 1)] = i;
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
    uint32_t id1 = pool_take(t, kind);
    if (!id1)
        return NULL;
    sf_rhdr *r = sf_table_at(t, id1);
    memset(r, 0, t->pool[kind].esz);
    r->self = id1;
    r->kind = kind;
    r->key = *k;
    r->hash = hash;
    r->hnext = t->heads[hash & t->mask];
    t->heads[hash & t->mask] = id1;
    t->live++;
    t->pool[kind].live++;
    if (t->live > t->mask + 1)
        grow(t);
    return r;
}

static void list_unlink(sf_table *t, sf_rhdr *r)
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

void sf_table_touch(sf_table *t, sf_rhdr *r, uint8_t list)
{
    uint32_t id1 = r->self;
    if (r->list == list && t->ltail[list] == id1)
        return;                      /* already the newest */
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

void sf_table_remove(sf_table *t, sf_rhdr *r)
{
    uint32_t id1 = r->self;
    list_unlink(t, r);
    uint32_t *pp = &t->heads[r->hash & t->mask];
    while (*pp && *pp != id1)
        pp = &sf_table_at(t, *pp)->hnext;
    if (*pp)
        *pp = r->hnext;
    sf_pool *p = &t->pool[r->kind];
    r->hnext = p->free_head;
    p->free_head = id1;
    p->live--;
    t->live--;
}

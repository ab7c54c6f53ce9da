/* \summary: interned host names for connection records (bounded, strings never move) */
#include <stdlib.h>
#include <string.h>
#include "hosts.h"

#define CHUNK 65536u
#define NAME_MAX_LEN 255u

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static int grow_slots(sf_hosts *h)
{
    uint32_t nb = h->mask ? (h->mask + 1) * 2 : 64;
    uint32_t *ns = calloc(nb, sizeof *ns);
    if (!ns)
        return -1;
    for (uint32_t i = 0; i < h->n; i++) {
        const char *s = h->name[i];
        uint32_t j = fnv(s, strlen(s)) & (nb - 1);
        while (ns[j])
            j = (j + 1) & (nb - 1);
        ns[j] = i + 1;
    }
    free(h->slot);
    h->slot = ns;
    h->mask = nb - 1;
    return 0;
}

/* Room for n bytes of text that will not move. */
static char *text_room(sf_hosts *h, size_t n)
{
    if (!h->nchunks || h->chunk_used + n > CHUNK) {
        char **nc = realloc(h->chunks, (h->nchunks + 1) * sizeof *nc);
        if (!nc)
            return NULL;
        h->chunks = nc;
        if (!(nc[h->nchunks] = malloc(CHUNK)))
            return NULL;
        h->nchunks++;
        h->chunk_used = 0;
    }
    char *p = h->chunks[h->nchunks - 1] + h->chunk_used;
    h->chunk_used += (uint32_t)n;
    return p;
}

uint32_t sf_hosts_intern(sf_hosts *h, const char *s)
{
    if (!s || !s[0])
        return 0;
    size_t n = strnlen(s, NAME_MAX_LEN);
    uint32_t hv = fnv(s, n);
    if (h->mask) {
        for (uint32_t j = hv & h->mask; h->slot[j]; j = (j + 1) & h->mask) {
            const char *t = h->name[h->slot[j] - 1];
            if (!strncmp(t, s, n) && t[n] == 0)
                return h->slot[j];
        }
    }
    if (h->n >= SF_HOSTS_MAX || h->bytes + n + 1 > SF_HOSTS_MAX_BYTES)
        return 0;
    if ((h->n + 1) * 2 > h->mask + 1 && grow_slots(h))
        return 0;
    if (h->n == h->cap) {
        uint32_t nc = h->cap ? h->cap * 2 : 64;
        const char **nn = realloc(h->name, nc * sizeof *nn);
        if (!nn)
            return 0;
        h->name = nn;
        h->cap = nc;
    }
    char *t = text_room(h, n + 1);
    if (!t)
        return 0;
    memcpy(t, s, n);
    t[n] = 0;
    h->bytes += (uint32_t)(n + 1);
    h->name[h->n++] = t;
    uint32_t j = hv & h->mask;
    while (h->slot[j])
        j = (j + 1) & h->mask;
    h->slot[j] = h->n;
    return h->n;
}

const char *sf_hosts_get(const sf_hosts *h, uint32_t i)
{
    return i && i <= h->n ? h->name[i - 1] : NULL;
}

void sf_hosts_free(sf_hosts *h)
{
    for (uint32_t i = 0; i < h->nchunks; i++)
        free(h->chunks[i]);
    free(h->chunks);
    free(h->name);
    free(h->slot);
    memset(h, 0, sizeof *h);
}

/* \summary: internal: the engine's interned table of host names (text input written without -n) */
#ifndef SF_HOSTS_H
#define SF_HOSTS_H
#include <stdint.h>

/* Host names from text input (sf_pkt.src_name/dst_name) are kept once each,
 * so that a connection record holds a 32-bit index instead of a string.
 * Strings never move once stored (they live in fixed chunks), so a pointer
 * from sf_hosts_get stays valid until sf_hosts_free. Memory is bounded:
 * at most SF_HOSTS_MAX names and SF_HOSTS_MAX_BYTES of text; beyond, a name
 * is not stored (index 0) and the connection shows its stand-in address. */
#define SF_HOSTS_MAX 65536u
#define SF_HOSTS_MAX_BYTES ((uint32_t)4 << 20)

typedef struct sf_hosts {
    char **chunks;            /* fixed-size text chunks, never moved */
    uint32_t nchunks, chunk_used;
    const char **name;        /* index - 1 -> string */
    uint32_t n, cap;
    uint32_t *slot;           /* open addressing: index, 0 = empty */
    uint32_t mask;            /* slots - 1 (0 before the first name) */
    uint32_t bytes;           /* text stored */
} sf_hosts;

/* The index (1..) of `s` (NUL-terminated, at most 255 bytes used), storing
 * it on first sight; 0 if s is NULL or empty, or the table is full or out of
 * memory. The caller keeps ownership of s. */
uint32_t sf_hosts_intern(sf_hosts *h, const char *s);
/* The name with index i, or NULL for 0 / an unknown index. */
const char *sf_hosts_get(const sf_hosts *h, uint32_t i);
/* Release everything; *h may be reused (zeroed). */
void sf_hosts_free(sf_hosts *h);

#endif

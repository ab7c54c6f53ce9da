/* \summary: internal to the json view: the view's state, the packet record writer (json_pkt.c), shared helpers */
#ifndef SF_JSON_INT_H
#define SF_JSON_INT_H
#include <stdint.h>
#include <string.h>
#include "view.h"
#include "jsonw.h"
#include "../util/fmt.h"

/* The packet record writer's state: name tables and text memos (json_pkt.c). */
typedef struct sf_jpkt sf_jpkt;

typedef struct json_view {
    sf_out *out;
    int64_t only_conn;
    sf_jpkt *pk;                  /* owned */
} json_view;

/* A new writer state (NULL when out of memory), and its end. */
sf_jpkt *sf_jpkt_new(void);
void sf_jpkt_free(sf_jpkt *k);
/* The view's packet callback (self: a json_view): one record per TCP packet. */
void sf_jv_packet(void *self, const sf_pkt *p, const sf_pinfo *pi);

/* ---- small writers shared by both records (internal, static inline) ---- */
#define LIT_NULL(q) SF_JW_LIT(q, "null")

static inline int prec_of(const sf_time *t) { return t->prec == 6 ? 6 : 9; }

/* Decimal of v. Room: 16 (records are reserved with slack: the digits are
 * stored as whole words). */
static inline char *put_u32(char *q, uint32_t v)
{
    return sf_fmt_u32_wide_inl(q, v);
}

static inline char *put_u64(char *q, uint64_t v)
{
    return v <= UINT32_MAX ? put_u32(q, (uint32_t)v) : sf_fmt_u64(q, v);
}

static inline char *put_u32_or_null(char *q, int ok, uint32_t v)
{
    if (!ok) {
        LIT_NULL(q);
        return q;
    }
    return put_u32(q, v);
}

static inline char *put_u64_or_null(char *q, int ok, uint64_t v)
{
    if (!ok) {
        LIT_NULL(q);
        return q;
    }
    return put_u64(q, v);
}

/* sf_jw_sec, the usual sub-second RTT inline. Room: 32. */
static inline char *put_sec(char *q, int64_t ns, int prec)
{
    if (ns >= 0 && ns < 1000000000) {
        memcpy(q, "0.", 2);
        return prec == 6 ? sf_fmt_digits6_inl(q + 2, (uint32_t)ns / 1000u)
                         : sf_fmt_digits9_inl(q + 2, (uint32_t)ns);
    }
    return sf_jw_sec(q, ns, prec);
}

/* trusted ASCII (names from the tables) */
static inline char *put_s(char *q, const char *s)
{
    size_t n = strlen(s);
    memcpy(q, s, n);
    return q + n;
}

#endif

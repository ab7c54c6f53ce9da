/* \summary: internal: the engine object, shared by src/track/engine.c and synrec.c */
#ifndef SF_ENGINE_INT_H
#define SF_ENGINE_INT_H
#include "conn_int.h"
#include "table.h"
#include "hosts.h"
#include "../render/view.h"

struct sf_engine {
    sf_view *v;
    sf_stats st;
    sf_table t;
    sf_hosts hosts;              /* host names of text input */
    uint64_t next_id;
    int64_t now_ns;
    int have_now;
    int64_t idle_ns, linger_ns;
    uint64_t max_conns;          /* 0: no count limit (the memory budget still applies) */
    uint64_t mem_budget;         /* bytes of records (both kinds and their extensions) */
    int compact;                 /* keep SYN-only connections as sf_synrec */
    sf_rext *ext_free;           /* recycled extensions */
    uint64_t ext_live;
    sf_pinfo pi;                 /* scratch for the current packet */
    sf_pinfo rpi;                /* scratch for a replayed SYN */
    sf_conn c;                   /* scratch summary the views borrow */
    uint8_t c_app_empty;         /* c.app is the empty summary (summary.c) */
    sf_rec tmp;                  /* scratch full record: a new SYN-only connection
                                  * being tracked, or a compact one being written */
};

/* engine.c */
/* Start record r (zeroed apart from its table header) as connection `id`
 * from its first packet p; src_is_a as from sf_key_make. */
void sf_eng_conn_init(sf_engine *e, sf_rec *r, const sf_pkt *p, int src_is_a, int reused, uint64_t id);
/* r's extension, allocated (zeroed, app summary initialised) if r has none;
 * NULL if out of memory. */
sf_rext *sf_eng_ext(sf_engine *e, sf_rec *r);
/* Release what a full record owns (analysis lists, extension); r may be
 * reused after. */
void sf_eng_release(sf_engine *e, sf_rec *r);
/* All the engine concludes from packet p of record r in direction d, into
 * *pi and r; calls no view. first = the packet started r. */
void sf_eng_track(sf_engine *e, sf_rec *r, int d, const sf_pkt *p, int first, int reused, sf_pinfo *pi);

/* Tests: on = 0 keeps every connection in a full record (the default is 1);
 * call before the first packet. The output is the same either way. */
void sf_engine_set_compact(sf_engine *e, int on);

/* synrec.c: SYN-only connections kept compact */
/* 1 if p, the first packet of a new connection, may be kept as a sf_synrec. */
int sf_syn_compactable(const sf_engine *e, const sf_pkt *p);
/* Keep p (tracked by the scratch e->tmp) in the compact record s. */
void sf_syn_keep(sf_engine *e, sf_synrec *s, const sf_pkt *p, int reused);
/* Rebuild the full state of s into r (zeroed apart from its table header):
 * replays the SYN through sf_eng_track without calling any view. */
void sf_syn_replay(sf_engine *e, const sf_synrec *s, sf_rec *r);
/* A second packet for s: the connection moves to a full record, which is
 * returned (NULL, s unchanged, if out of memory). */
sf_rec *sf_syn_promote(sf_engine *e, sf_synrec *s);

#endif

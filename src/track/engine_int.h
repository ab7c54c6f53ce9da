/* \summary: internal: the engine object, shared by src/track/engine.c and minirec.c */
#ifndef SF_ENGINE_INT_H
#define SF_ENGINE_INT_H
#include "conn_int.h"
#include "table.h"
#include "hosts.h"
#include "../render/view.h"

/* Compact connections whose state is kept at hand between their packets
 * (a handshake's packets interleave with other handshakes'). 64 rather than
 * 32: replays on the bench slice 2,938 -> 1,885 (most of the rest are of
 * connections written long after their last packet). */
#define SF_TMP_SLOTS 64

struct sf_engine {
    sf_view *v;
    sf_stats st;
    sf_table t;
    sf_hosts hosts;              /* host names of text input */
    uint64_t next_id;
    int64_t now_ns;              /* the latest packet's time; INT64_MIN before the first */
    int64_t exp_ended, exp_open; /* expire(): no deadline of list SF_L_ENDED / SF_L_OPEN
                                  * is earlier (lower bounds, exact after each run);
                                  * read for every packet: next to now_ns */
    uint8_t grew;                /* records or extensions were added since the last
                                  * enforce_cap (engine.c): only then can it find work */
    int64_t idle_ns, linger_ns;
    uint64_t max_conns;          /* 0: no count limit (the memory budget still applies) */
    uint64_t mem_budget;         /* bytes of records (both kinds and their extensions) */
    int compact;                 /* keep connections without payload compact (minirec.c) */
    int app_fast;                /* payload of connections whose app recognition is over:
                                  * sf_app_segment_over from the record (sf_rec.app_over) */
    uint64_t app_fast_n;         /* segments answered so (tests) */
    sf_rext *ext_free;           /* recycled extensions */
    uint64_t ext_live;
    sf_pinfo *(*pi_buf)(void *); /* where to build a packet's sf_pinfo (sf_engine_pinfo_buf) */
    void *pi_ctx;
    sf_pinfo pi;                 /* or this scratch */
    sf_pinfo rpi;                /* scratch for a replayed SYN */
    sf_conn c;                   /* scratch summary the views borrow */
    uint8_t c_app_empty;         /* c.app is the empty summary (summary.c) */
    sf_rec tmp[SF_TMP_SLOTS];    /* scratch full records: compact connections being
                                  * tracked or written (minirec.c) */
    uint64_t tmp_used;           /* bit i: tmp_for[i] != 0 */
    uint32_t tmp_for[SF_TMP_SLOTS]; /* tmp[i] holds the state of this compact record
                                  * (tagged index) after all its packets; 0 = none */
    uint32_t tmp_victim;         /* the slot to reuse next when none is free */
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
/* Tests: on = 0 calls sf_app_segment for every payload segment, also once
 * the recognition is over (the default is 1); call before the first packet.
 * The output is the same either way. */
void sf_engine_set_app_fast(sf_engine *e, int on);

/* minirec.c: connections without payload kept compact */
/* 1 if p (any packet of a connection) may be kept in a compact record. */
int sf_mini_ok(const sf_engine *e, const sf_pkt *p);
/* 1 if p, with sf_mini_ok, still fits m (after sf_mini_grow). */
int sf_mini_fits(const sf_minirec *m, const sf_pkt *p);
/* Keep p, sent in direction d, as m's next packet (m has room: a new
 * record, or sf_mini_fits and sf_mini_grow). reused: p started m on a
 * reused tuple. */
void sf_mini_add(sf_minirec *m, const sf_pkt *p, int d, int reused);
/* m moved to a record with room for 3 packets (m itself if it has it);
 * NULL if out of memory (m unchanged). The new record is in no expiry list. */
sf_minirec *sf_mini_grow(sf_engine *e, sf_minirec *m);
/* Rebuild the full state of m into r (zeroed apart from its table header):
 * replays its packets through sf_eng_track without calling any view. */
void sf_mini_replay(sf_engine *e, const sf_minirec *m, sf_rec *r);
/* The state of m, in a slot of e->tmp marked as m's: kept from m's last
 * packet, else rebuilt in a free or reused slot (releasing what it held). */
sf_rec *sf_mini_state(sf_engine *e, const sf_minirec *m);
/* A slot of e->tmp for a new compact connection, zeroed and unmarked (what
 * it held is released); the caller marks it (sf_mini_mark) once it holds
 * the state of its record. */
sf_rec *sf_mini_slot(sf_engine *e);
/* Slot r (of e->tmp) holds the state of compact record m after all its packets. */
void sf_mini_mark(sf_engine *e, const sf_rec *r, sf_minirec *m);
/* r leaves e->tmp (written, or moved into a full record): unmark its slot;
 * nothing if r is not a slot. */
void sf_mini_unmark(sf_engine *e, const sf_rec *r);
/* Forget what every slot of e->tmp holds (releasing it). */
void sf_mini_forget(sf_engine *e);
/* The connection moves to a full record, which is returned (NULL, m
 * unchanged, if out of memory); it is in no expiry list. */
sf_rec *sf_mini_promote(sf_engine *e, sf_minirec *m);
/* Frame number of the last packet m holds (m->n > 0). */
uint64_t sf_mini_last_frame(const sf_minirec *m);

#endif

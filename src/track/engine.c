/* \summary: connection tracking engine: one pass, packet -> connection -> per-packet record -> views */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "engine_int.h"
#include "fast.h"

/*
 * Connection identity follows Wireshark's tcp.stream: a connection is the
 * unordered 4-tuple; a SYN without ACK whose seq differs from the base of
 * its direction starts a new connection (reused_ports). Ids count from 0 in
 * order of first packet.
 *
 * Streaming: a connection's record is emitted (view->conn_end) once it has
 * ended (RST, or both FINs acknowledged) and SF_LINGER_S seconds of capture
 * time have passed without a packet for it (late ACKs, FIN retransmissions
 * and RSTs still belong to it, as tshark would count them). Connections
 * that have not ended are kept like tshark keeps them, for ever, as long as
 * fewer than SF_IDLE_EVICT_ABOVE are live; above that, one idle for
 * idle_timeout_s is evicted with its summary (evicted_idle). Records take
 * at most SF_MEM_BUDGET bytes (and at most max_conns are live if set):
 * beyond, the longest idle is evicted (evicted_cap).
 * At end of input the rest are emitted in id order. Emission order is a
 * function of the input only.
 *
 * Memory (issue 8): a connection of which at most 3 packets, all without
 * payload, were seen (a SYN of a scan, a handshake without data yet) is
 * kept as a compact record (minirec.c): 144 bytes for one packet, 224 for
 * up to three, plus ~4 of hash table; others as a sf_rec, plus an sf_rext
 * once payload arrives. Nothing is allocated per packet; per connection only
 * slab records recycled through free lists (and what the app and analysis
 * modules allocate).
 */

#define SF_LINGER_S 10
#define SF_IDLE_S_DEFAULT 600
#define SF_IDLE_EVICT_ABOVE 50000u
/* Keep SYN-only connections compact (a build with -DSF_COMPACT_DEFAULT=0
 * keeps every connection in a full record: the output must not change). */
#ifndef SF_COMPACT_DEFAULT
#define SF_COMPACT_DEFAULT 1
#endif
/* Bytes of connection records kept at most (both kinds and extensions). */
#define SF_MEM_BUDGET ((uint64_t)256 << 20)

sf_engine *sf_engine_new(const sf_engine_cfg *cfg, struct sf_view *view)
{
    sf_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (sf_table_init(&e->t)) {
        free(e);
        return NULL;
    }
    e->v = view;
    uint64_t idle = cfg && cfg->idle_timeout_s ? cfg->idle_timeout_s : SF_IDLE_S_DEFAULT;
    e->idle_ns = (int64_t)idle * 1000000000LL;
    e->linger_ns = (int64_t)SF_LINGER_S * 1000000000LL;
    e->max_conns = cfg ? cfg->max_conns : 0;
    e->mem_budget = SF_MEM_BUDGET;
    e->compact = SF_COMPACT_DEFAULT;
    e->app_fast = 1;
    e->exp_ended = e->exp_open = INT64_MAX;
    e->now_ns = INT64_MIN;       /* (a first packet at INT64_MIN leaves it so: the same) */
    e->t.open_lazy = 1;          /* until idle eviction or the cap needs the order (open_exact) */
    return e;
}

void sf_engine_set_compact(sf_engine *e, int on) { e->compact = on != 0; }
void sf_engine_set_app_fast(sf_engine *e, int on) { e->app_fast = on != 0; }

void sf_engine_pinfo_buf(sf_engine *e, sf_pinfo *(*buf)(void *ctx), void *ctx)
{
    e->pi_buf = buf;
    e->pi_ctx = ctx;
}

const sf_stats *sf_engine_stats(const sf_engine *e) { return &e->st; }

/* ---- extensions (what only connections with payload need) ---- */

sf_rext *sf_eng_ext(sf_engine *e, sf_rec *r)
{
    if (r->ext)
        return r->ext;
    sf_rext *x = e->ext_free;
    if (x)
        e->ext_free = x->next_free;
    else if (!(x = malloc(sizeof *x)))
        return NULL;
    memset(x, 0, offsetof(sf_rext, sum));
    sf_conn_app_init(&x->sum);
    e->ext_live++;
    e->grew = 1;
    return r->ext = x;
}

void sf_eng_release(sf_engine *e, sf_rec *r)
{
    sf_an_free(&r->an);
    if (r->ext) {
        sf_app_free(r->ext->app);
        r->ext->app = NULL;
        r->ext->next_free = e->ext_free;
        e->ext_free = r->ext;
        r->ext = NULL;
        e->ext_live--;
    }
}

static uint64_t mem_used(const sf_engine *e)
{
    return e->t.bytes + e->ext_live * sizeof(sf_rext);
}

/* Start loading the n bytes at p (always_inline: a function doing nothing
 * but prefetches counts as pure for gcc, and its calls are dropped). */
static inline __attribute__((always_inline)) void prefetch_lines(const void *p, size_t n)
{
    for (size_t o = 0; o < n; o += 64)
        __builtin_prefetch((const char *)p + o);
}

/* Final summary of r (the record h, or its rebuilt state) to the view, then
 * release the record. */
static void emit_rec(sf_engine *e, sf_rec *r, sf_rhdr *h)
{
    if (r->ext)                  /* cold since the app recognition ended: its summary is read last */
        prefetch_lines(r->ext, sizeof *r->ext);
    sf_conn_fill(r, &e->hosts, &e->c, &e->c_app_empty);
    if (e->v->conn_end)
        e->v->conn_end(e->v->self, &e->c);
    sf_eng_release(e, r);
    sf_mini_unmark(e, r);
    sf_table_remove(&e->t, h);
}

static void emit(sf_engine *e, sf_rhdr *h)
{
    emit_rec(e, h->kind == SF_K_FULL ? (sf_rec *)h : sf_mini_state(e, (const sf_minirec *)h), h);
}

/* Frame of the last packet of a record: the order of the expiry lists is
 * that of their records' last packets. */
static uint64_t last_frame(const sf_rhdr *h)
{
    return h->kind == SF_K_FULL ? ((const sf_rec *)h)->last_frame : sf_mini_last_frame((const sf_minirec *)h);
}

/* qsort_r order of tagged indices (ctx: the table) by their records' last packet */
static int by_last_frame(const void *x, const void *y, void *ctx)
{
    const sf_table *t = ctx;
    const uint64_t a = last_frame(sf_table_at(t, *(const uint32_t *)x));
    const uint64_t b = last_frame(sf_table_at(t, *(const uint32_t *)y));
    return a < b ? -1 : a > b;
}

/* Connections that have not ended (list SF_L_OPEN) are kept, while few,
 * in order of entry: moving a record to the list's end on each of its
 * packets costs two cache misses a packet (its neighbours' links) and the
 * order is read only for idle eviction (above SF_IDLE_EVICT_ABOVE live)
 * and the memory cap. Before either, this sorts the list once by last
 * packet, which is the order the moves would have kept; from then on
 * every packet moves its record. Without memory for the sort the list
 * stays in order of entry (evictions then follow it). */
static void open_exact(sf_engine *e)
{
    uint32_t n = 0;
    for (uint32_t i = e->t.lhead[SF_L_OPEN]; i; i = sf_table_at(&e->t, i)->lnext)
        n++;
    uint32_t *ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    e->t.open_lazy = 0;
    if (!ids)
        return;
    uint32_t k = 0;
    for (uint32_t i = e->t.lhead[SF_L_OPEN]; i && k < n; i = sf_table_at(&e->t, i)->lnext)
        ids[k++] = i;
    qsort_r(ids, k, sizeof *ids, by_last_frame, &e->t);
    sf_table_relink(&e->t, SF_L_OPEN, ids, k);
    free(ids);
    const sf_rhdr *b = sf_table_oldest(&e->t, SF_L_OPEN);
    e->exp_open = b ? b->last_ns + e->idle_ns : INT64_MAX;
}

/* Start loading record id1 (tagged index; 0: none), which is about to be
 * written: it has usually not been touched for seconds, and its summary
 * reads most of it. */
static inline __attribute__((always_inline)) void prefetch_rec(const sf_engine *e, uint32_t id1)
{
    if (id1)
        prefetch_lines(sf_table_at(&e->t, id1), e->t.pool[id1 >> SF_TAG_SHIFT].esz);
}

/* Emit connections whose linger or idle time has passed, oldest first. */
static void expire_run(sf_engine *e)
{
    for (;;) {
        sf_rhdr *a = sf_table_oldest(&e->t, SF_L_ENDED);
        sf_rhdr *b = sf_table_oldest(&e->t, SF_L_OPEN);
        int64_t da = a ? a->last_ns + e->linger_ns : INT64_MAX;
        int64_t db = b ? b->last_ns + e->idle_ns : INT64_MAX;
        /* whichever is due, the earlier deadline first (an idle connection
         * that is not due, because few are live, must not hold back the
         * ended ones behind it) */
        const int a_due = a && e->now_ns > da;
        const int b_due = b && e->now_ns > db && e->t.live > SF_IDLE_EVICT_ABOVE;
        if (a_due && (!b_due || da <= db)) {
            prefetch_rec(e, a->lnext);   /* often due too */
            emit(e, a);
        } else if (b_due) {
            e->st.evicted_idle++;
            prefetch_rec(e, b->lnext);
            emit(e, b);
        } else {
            e->exp_ended = da;
            e->exp_open = db;
            break;
        }
    }
}

/* expire_run, skipped when its first round could emit nothing: the lists'
 * deadlines only move later between runs, but for a record appended to a
 * list, which lowers the bound (sf_engine_packet). */
static inline void expire(sf_engine *e)
{
    if (__builtin_expect(e->t.live > SF_IDLE_EVICT_ABOVE, 0)) {
        if (e->t.open_lazy)
            open_exact(e);
        if (e->now_ns > e->exp_ended || e->now_ns > e->exp_open)
            expire_run(e);
    } else if (e->now_ns > e->exp_ended) {
        expire_run(e);
    }
}

static inline int over_cap(const sf_engine *e)
{
    return (e->max_conns && e->t.live > e->max_conns) || mem_used(e) > e->mem_budget;
}

/* Over the cap: emit ended connections first, then the longest idle.
 * Only after e->grew: records and extensions are added only with it set,
 * and this leaves the engine within the cap (or with no record left). */
static inline void enforce_cap(sf_engine *e)
{
    if (!e->grew)
        return;
    e->grew = 0;
    while (__builtin_expect(over_cap(e), 0)) {
        if (e->t.open_lazy)
            open_exact(e);
        sf_rhdr *a = sf_table_oldest(&e->t, SF_L_ENDED);
        if (a) {
            emit(e, a);
            continue;
        }
        sf_rhdr *b = sf_table_oldest(&e->t, SF_L_OPEN);
        if (!b)
            break;
        e->st.evicted_cap++;
        emit(e, b);
    }
}

/* Which side is the server when no SYN says so: a port under 1024 against
 * one above it, else the lower port, else the destination. 1 = dst. */
static int server_is_dst(uint16_t sport, uint16_t dport)
{
    int ws = sport < 1024, wd = dport < 1024;
    if (ws != wd)
        return wd;
    return dport <= sport;
}

void sf_eng_conn_init(sf_engine *e, sf_rec *r, const sf_pkt *p, int src_is_a, int reused, uint64_t id)
{
    r->h.id = id;
    const uint16_t f = p->flags;
    int client_is_src;
    if ((f & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN) {
        client_is_src = 1;
    } else if ((f & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK)) {
        client_is_src = 0;
    } else {
        client_is_src = server_is_dst(p->sport, p->dport);
        r->client_inferred = 1;
    }
    r->h.symmetric = p->sport == p->dport && !memcmp(p->src, p->dst, p->ipver == 6 ? 16 : 4);
    r->h.client_is_a = r->h.symmetric ? 1 : (uint8_t)(client_is_src ? src_is_a : !src_is_a);
    if ((p->src_name || p->dst_name) && sf_eng_ext(e, r)) {  /* text input with host names */
        int cs = client_is_src || r->h.symmetric;
        r->ext->name[0] = sf_hosts_intern(&e->hosts, cs ? p->src_name : p->dst_name);
        r->ext->name[1] = sf_hosts_intern(&e->hosts, cs ? p->dst_name : p->src_name);
    }
    r->first_sec = p->ts.sec;
    r->first_nsec = p->ts.nsec;
    r->ts_prec[0] = p->ts.prec;
    r->first_frame = p->frame;
    r->irtt_ns = -1;
    sf_an_init(&r->an);
    if (reused) {
        r->cf |= SF_CF_REUSED;
        r->completeness = 1;     /* Wireshark: a new conversation from a SYN */
    }
}

static int dir_of(const sf_rhdr *h, int src_is_a)
{
    if (h->symmetric)
        return 0;
    return src_is_a == h->client_is_a ? 0 : 1;
}

static void count_status(sf_stats *st, sf_dec_status s)
{
    switch (s) {
    case SF_DEC_TCP: st->tcp++; break;     /* not reached: counted by the caller */
    case SF_DEC_NOT_IP: st->not_ip++; break;
    case SF_DEC_NOT_TCP: st->not_tcp++; break;
    case SF_DEC_FRAGMENT: st->fragments++; break;
    case SF_DEC_TRUNCATED: st->truncated++; break;
    case SF_DEC_MALFORMED: st->malformed++; break;
    case SF_DEC_UNSUPPORTED: st->unsupported++; break;
    }
}

/* sf_eng_track's body, inlined into sf_engine_packet (replays call the
 * out-of-line copy). */
static inline __attribute__((always_inline)) void eng_track(sf_engine *e, sf_rec *restrict r, int d,
                                                            const sf_pkt *restrict p, int first, int reused,
                                                            sf_pinfo *restrict pi)
{
    const uint16_t f = p->flags;
    /* Before the (large) app part: what the analysis fills is reset here,
     * every other field is written below (state: role, hs_step, close_step;
     * seqnum: rel_*, nxtseq, ack_check, expected_ack, completeness,
     * irtt_ns, len). The app part is meaningful only when app.proto is
     * set, which sf_app_segment does. */
    pi->analysis = 0;
    pi->dup_ack_num = 0;
    pi->dup_ack_frame = pi->acks_frame = 0;
    pi->calc_window = 0;
    pi->win_scale = 0;
    memset(pi->rel_sack, 0, sizeof pi->rel_sack);   /* field by field: no `rep stos` */
    sf_appinfo_none(&pi->app);
    pi->conn = r->h.id;
    pi->dir = (uint8_t)d;
    pi->ack_rtt_ns = -1;
    if (reused)
        pi->analysis |= SF_AN_REUSED_PORTS;
    /* Wireshark: a SYN-ACK with a new ISN also counts as reused ports */
    if ((f & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK) && (r->d[d].fl & SF_DF_BASE) &&
        p->seq != r->d[d].base)
        pi->analysis |= SF_AN_REUSED_PORTS;

    int have;
    const uint32_t seglen = sf_seq_seglen(p, &have);   /* once for the whole packet */
    if (first) {
        sf_state_init(r, d, p);
        sf_zeek_init(r, d, p);
    }
    if ((r->cf & SF_CF_STEADY) && sf_steady_packet(p, have)) {
        /* the steady state (fast.h): the three fast paths, known to apply,
         * leave it steady */
        sf_state_fast_do(r, d, seglen, pi);
        sf_seq_fast_do(r, d, p, seglen, pi);
        pi->client_state = SF_ST_ESTABLISHED;   /* as sf_steady says */
        pi->server_state = SF_ST_ESTABLISHED;
        sf_zeek_fast_do(r, d, p, seglen, 1);
    } else {
        /* each: its fast path if it applies, else the general code */
        if (!sf_state_fast(r, d, p, seglen, pi))
            sf_state_packet(r, d, p, seglen, pi);
        if (!sf_seq_fast(r, d, p, first, seglen, have, pi))
            sf_seq_packet(r, d, p, first && !reused, seglen, have, pi);
        pi->client_state = (sf_state)r->d[0].st;
        pi->server_state = (sf_state)r->d[1].st;
        if (!sf_zeek_fast(r, d, p, seglen))
            sf_zeek_packet(r, d, p, seglen);
        r->cf = (uint16_t)(sf_steady(r) ? r->cf | SF_CF_STEADY : r->cf & ~SF_CF_STEADY);
        /* (a steady packet cannot end the connection: neither side has sent
         * a FIN, and a RST, which ended it at once, left SF_CF_ENDED set) */
        if (!(r->cf & SF_CF_ENDED) && ((r->d[0].fl | r->d[1].fl) & (SF_DF_RST | SF_DF_FIN)) && sf_state_ended(r))
            r->cf |= SF_CF_ENDED;
    }

    r->pkts[d]++;                /* bytes: counted in sf_seq_packet */
    r->last_sec = p->ts.sec;
    r->last_nsec = p->ts.nsec;
    r->ts_prec[1] = p->ts.prec;
    r->last_frame = p->frame;

    /* the analysis keeps its summary totals in r->an.sum */
    const uint32_t bases[2] = { r->d[0].base, r->d[1].base };
    sf_an_packet(&r->an, p, pi, bases);
    if (pi->analysis & SF_AN_KEEP_ALIVE) {
        pi->role |= SF_ROLE_KEEPALIVE;
        pi->role &= ~(uint32_t)(SF_ROLE_DATA | SF_ROLE_ACK);
    }
    if (pi->analysis & SF_AN_ZERO_WINDOW_PROBE)
        pi->role |= SF_ROLE_WINDOW_PROBE;

    if (seglen > 0 && have && !(f & SF_TH_RST)) {
        if (r->app_over) {
            /* recognition over: what sf_app_segment would do, without
             * loading the app state (app.h, sf_app_over) */
            sf_app_segment_over(&pi->app, (uint8_t)(r->app_over - 1));
            e->app_fast_n++;
        } else if (sf_eng_ext(e, r)) {
            uint32_t rel = pi->rel_seq + ((f & SF_TH_SYN) ? 1u : 0u);
            const sf_ckey *k = &r->h.key;
            uint16_t cport = r->h.client_is_a ? k->pa : k->pb, sport = r->h.client_is_a ? k->pb : k->pa;
            sf_app_segment(&r->ext->app, d, rel, p->payload, p->len, p->payload_caplen, cport, sport, &pi->app,
                           &r->ext->sum);
            if (e->app_fast && sf_app_over(r->ext->app))
                r->app_over = (uint8_t)(1 + r->ext->sum.proto);
        }
    }
}

void sf_eng_track(sf_engine *e, sf_rec *restrict r, int d, const sf_pkt *restrict p, int first, int reused,
                  sf_pinfo *restrict pi)
{
    eng_track(e, r, d, p, first, reused, pi);
}

void sf_engine_packet(sf_engine *e, const sf_pkt *p)
{
    e->st.frames++;
    if (__builtin_expect(p->status != SF_DEC_TCP, 0)) {
        count_status(&e->st, p->status);
        e->v->packet(e->v->self, p, NULL);
        return;
    }
    e->st.tcp++;
    /* Wireshark needs the header up to the window field to track a segment */
    if (p->l4_caplen < 16 || (p->ipver != 4 && p->ipver != 6)) {
        e->v->packet(e->v->self, p, NULL);
        return;
    }
    const int64_t now = sf_ts_ns(&p->ts);
    if (now > e->now_ns)
        e->now_ns = now;
    expire(e);

    sf_ckey k;
    int src_is_a;
    uint32_t hash = sf_key_make(&k, p, &src_is_a);
    sf_rhdr *h = sf_table_find(&e->t, &k, hash);
    sf_rec *r = NULL;
    sf_minirec *keep = NULL;     /* a compact connection: tracked in a slot of e->tmp, kept in keep */
    int reused = 0, d = 0, first = 0;
    const uint16_t f = p->flags;
    int mini_ok = -1;            /* sf_mini_ok(e, p), computed when needed */
    if (h && h->kind != SF_K_FULL) {
        e->grew = 1;             /* sf_mini_grow, sf_mini_promote */
        mini_ok = sf_mini_ok(e, p);
        sf_minirec *m = (sf_minirec *)h;
        if (mini_ok && sf_mini_fits(m, p) && (keep = sf_mini_grow(e, m))) {
            r = sf_mini_state(e, keep);
        } else if (!(r = sf_mini_promote(e, m))) {
            e->v->packet(e->v->self, p, NULL);   /* out of memory: untracked */
            return;
        }
        h = keep ? &keep->h : &r->h;
    } else if (h) {
        r = (sf_rec *)h;
    }
    if (r) {
        d = dir_of(&r->h, src_is_a);
        /* a SYN with a new ISN: the tuple is reused by a new connection */
        if ((f & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN && (r->d[d].fl & SF_DF_BASE) &&
            p->seq != r->d[d].base) {
            emit_rec(e, r, h);
            r = NULL;
            keep = NULL;
            reused = 1;
        }
    }
    if (!r) {
        if (mini_ok < 0)
            mini_ok = sf_mini_ok(e, p);
        if (mini_ok && p->opt_len <= SF_MINI1_OPT &&
            (keep = (sf_minirec *)sf_table_insert(&e->t, SF_K_MINI1, &k, hash))) {
            r = sf_mini_slot(e);
            r->h = keep->h;
        } else if ((h = sf_table_insert(&e->t, SF_K_FULL, &k, hash))) {
            r = (sf_rec *)h;
        } else {                 /* out of memory: show the packet untracked */
            e->v->packet(e->v->self, p, NULL);
            return;
        }
        e->st.conns++;
        e->grew = 1;
        sf_eng_conn_init(e, r, p, src_is_a, reused, e->next_id++);
        d = dir_of(&r->h, src_is_a);
        first = 1;
    }

    sf_pinfo *pi = e->pi_buf ? e->pi_buf(e->pi_ctx) : &e->pi;
    eng_track(e, r, d, p, first, reused, pi);
    e->v->packet(e->v->self, p, pi); /* the record comes once, at conn_end */

    const int ended = (r->cf & SF_CF_ENDED) != 0;
    if (keep) {
        if (first) {             /* the table header was filled in the scratch */
            keep->h.id = r->h.id;
            keep->h.client_is_a = r->h.client_is_a;
            keep->h.symmetric = r->h.symmetric;
        }
        sf_mini_add(keep, p, d, reused);
        sf_mini_mark(e, r, keep);  /* the slot keeps its state for its next packet */
        h = &keep->h;
    } else {
        h = &r->h;
    }
    h->last_ns = e->now_ns;
    /* the record is the newest of its list: keep the deadline bounds */
    if (ended) {
        sf_table_touch(&e->t, h, SF_L_ENDED);
        if (e->now_ns + e->linger_ns < e->exp_ended)
            e->exp_ended = e->now_ns + e->linger_ns;
    } else {
        sf_table_touch(&e->t, h, SF_L_OPEN);
        if (e->now_ns + e->idle_ns < e->exp_open)
            e->exp_open = e->now_ns + e->idle_ns;
    }
    enforce_cap(e);
}

void sf_engine_tick(sf_engine *e, const sf_time *now)
{
    const int64_t t = sf_ts_ns(now);
    if (t > e->now_ns)
        e->now_ns = t;
    expire(e);
}

static int by_id(const void *x, const void *y, void *ctx)
{
    const sf_table *t = ctx;
    uint64_t a = sf_table_at(t, *(const uint32_t *)x)->id, b = sf_table_at(t, *(const uint32_t *)y)->id;
    return a < b ? -1 : a > b;
}

/* Emit every live connection in id order. */
static void drain(sf_engine *e)
{
    uint32_t n = e->t.live, k = 0;
    if (n == 0)
        return;
    uint32_t *all = malloc((size_t)n * sizeof *all);
    for (uint8_t l = SF_L_OPEN; l <= SF_L_ENDED; l++)
        for (uint32_t i = e->t.lhead[l]; i;) {
            sf_rhdr *h = sf_table_at(&e->t, i);
            uint32_t self = h->self;
            i = h->lnext;
            if (all && k < n)
                all[k++] = self;
            else
                emit(e, h);      /* no memory for sorting: list order */
        }
    if (!all)
        return;
    /* ids are distinct and below next_id: when they span a range not much
     * larger than their number, place each at its id (no comparisons) */
    uint64_t lo = e->next_id;
    for (uint32_t i = 0; i < k; i++)
        if (sf_table_at(&e->t, all[i])->id < lo)
            lo = sf_table_at(&e->t, all[i])->id;
    const uint64_t span = e->next_id - lo;
    uint32_t *at = k && span <= (uint64_t)k * 4 + 4096 ? calloc((size_t)span, sizeof *at) : NULL;
    if (at) {
        for (uint32_t i = 0; i < k; i++)
            at[sf_table_at(&e->t, all[i])->id - lo] = all[i];
        uint64_t nx = 0;         /* the next to write after at[i] (prefetched) */
        for (uint64_t i = 0; i < span; i++)
            if (at[i]) {
                for (nx = nx > i ? nx : i + 1; nx < span && !at[nx]; nx++)
                    ;
                if (nx < span)
                    prefetch_rec(e, at[nx]);
                emit(e, sf_table_at(&e->t, at[i]));
            }
        free(at);
    } else {
        qsort_r(all, k, sizeof *all, by_id, &e->t);
        for (uint32_t i = 0; i < k; i++)
            emit(e, sf_table_at(&e->t, all[i]));
    }
    free(all);
}

void sf_engine_finish(sf_engine *e)
{
    drain(e);
    if (e->v->finish)
        e->v->finish(e->v->self, &e->st);
}

void sf_engine_free(sf_engine *e)
{
    if (!e)
        return;
    sf_mini_forget(e);
    for (uint8_t l = SF_L_OPEN; l <= SF_L_ENDED; l++)
        for (uint32_t i = e->t.lhead[l]; i;) {
            sf_rhdr *h = sf_table_at(&e->t, i);
            i = h->lnext;
            if (h->kind == SF_K_FULL)
                sf_eng_release(e, (sf_rec *)h);
        }
    while (e->ext_free) {
        sf_rext *x = e->ext_free;
        e->ext_free = x->next_free;
        free(x);
    }
    sf_table_free(&e->t);
    sf_hosts_free(&e->hosts);
    free(e);
}

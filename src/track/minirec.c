/* \summary: connections without payload kept as compact records, rebuilt by replaying their packets */
#include <string.h>
#include "engine_int.h"
#include "../decode/decode.h"

/*
 * A SYN scan or flood makes millions of connections of one packet each, and
 * a pool of idle connections millions of handshakes without data. The full
 * record (sf_rec, with Zeek's and the analysis' state) is several times the
 * size of those packets' header fields, so a connection whose packets so far
 * (at most 3) carry no payload keeps just those fields (sf_mini1 for one
 * packet, sf_mini3 for up to three). Its full state is a function of them
 * alone, so it is rebuilt, exactly, by running them through sf_eng_track
 * again: in a scratch slot of e->tmp for each further packet that still
 * fits and when the connection is written, or into a full record
 * (promotion) for one that does not. The slots keep the state of the last
 * SF_TMP_SLOTS compact connections that had a packet (e->tmp_for), so that
 * the packets of a handshake, even interleaved with others', mostly replay
 * nothing. Only packets that replay exactly qualify: no payload,
 * the whole header and options captured, lengths consistent, no host names
 * (text input), normalised timestamps, options that fit.
 */

static sf_minipkt *mini_pkts(sf_minirec *m) { return (sf_minipkt *)(m + 1); }
static const sf_minipkt *mini_cpkts(const sf_minirec *m) { return (const sf_minipkt *)(m + 1); }
static int mini_cap(const sf_minirec *m) { return m->h.kind == SF_K_MINI3 ? 3 : 1; }
static uint8_t *mini_opt(sf_minirec *m) { return (uint8_t *)(mini_pkts(m) + mini_cap(m)); }
static const uint8_t *mini_copt(const sf_minirec *m) { return (const uint8_t *)(mini_cpkts(m) + mini_cap(m)); }

_Static_assert(SF_TMP_SLOTS >= 1 && SF_TMP_SLOTS <= 64, "tmp_used is a 64-bit mask, m->slot a byte");

/* The slot marked as holding m's state, or -1: the one m names, if it is
 * still marked as m's (a mark is cleared when its record goes, so a
 * recycled record index cannot match a stale one). */
static int slot_of(const sf_engine *e, const sf_minirec *m)
{
    const int i = (int)m->slot - 1;
    return i >= 0 && e->tmp_for[i] == m->h.self ? i : -1;
}

/* Mark slot i as holding the state of record self1 (0: as free). */
static void mark(sf_engine *e, int i, uint32_t self1)
{
    e->tmp_for[i] = self1;
    if (self1) {
        e->tmp_used |= 1ull << i;
        ((sf_minirec *)sf_table_at(&e->t, self1))->slot = (uint8_t)(i + 1);
    } else {
        e->tmp_used &= ~(1ull << i);
    }
}

void sf_mini_mark(sf_engine *e, const sf_rec *r, sf_minirec *m) { mark(e, (int)(r - e->tmp), m->h.self); }

int sf_mini_ok(const sf_engine *e, const sf_pkt *p)
{
    if (!e->compact || p->len || p->payload_caplen || p->seg_len != p->hlen || p->hlen < 20 ||
        p->ip_first_frag || p->trunc_hdr || p->trunc_opt || p->bad_hlen || p->l4_caplen < p->hlen ||
        p->opt_len != p->hlen - 20u || p->opt_len > SF_MINI3_OPT || (p->opt_len && !p->opt) ||
        p->src_name || p->dst_name || p->ts.nsec >= 1000000000u)
        return 0;
    int have;
    return sf_seq_seglen(p, &have) == 0 && have;
}

int sf_mini_fits(const sf_minirec *m, const sf_pkt *p)
{
    if (m->n >= 3 || (unsigned)m->opt_used + p->opt_len > SF_MINI3_OPT)
        return 0;
    int64_t dt = sf_ts_ns(&p->ts) - (m->ts_sec * 1000000000LL + (int64_t)m->ts_nsec);
    return dt >= 0 && dt <= (int64_t)UINT32_MAX && p->frame >= m->frame && p->frame - m->frame <= UINT32_MAX;
}

void sf_mini_add(sf_minirec *m, const sf_pkt *p, int d, int reused)
{
    if (m->n == 0) {
        m->ts_sec = p->ts.sec;
        m->ts_nsec = p->ts.nsec;
        m->frame = p->frame;
        m->reused = (uint8_t)reused;
    }
    sf_minipkt *k = &mini_pkts(m)[m->n++];
    k->dt_ns = (uint32_t)(sf_ts_ns(&p->ts) - (m->ts_sec * 1000000000LL + (int64_t)m->ts_nsec));
    k->dframe = (uint32_t)(p->frame - m->frame);
    k->seq = p->seq;
    k->ack = p->ack;
    k->win = p->win;
    k->flags = p->flags;
    k->hlen = (uint8_t)p->hlen;
    k->opt_len = (uint8_t)p->opt_len;
    k->dir = (uint8_t)d;
    k->ts_prec = p->ts.prec;
    if (p->opt_len)
        memcpy(mini_opt(m) + m->opt_used, p->opt, p->opt_len);
    m->opt_used = (uint8_t)(m->opt_used + p->opt_len);
}

uint64_t sf_mini_last_frame(const sf_minirec *m)
{
    return m->frame + mini_cpkts(m)[m->n - 1].dframe;
}

sf_minirec *sf_mini_grow(sf_engine *e, sf_minirec *m)
{
    if (m->h.kind == SF_K_MINI3)
        return m;
    sf_mini3 *g = (sf_mini3 *)sf_table_insert(&e->t, SF_K_MINI3, &m->h.key, sf_key_hash(&m->h.key));
    if (!g)
        return NULL;
    sf_rhdr link = g->m.h;               /* the new record's own table fields */
    g->m = *m;
    g->m.h.hnext = link.hnext;
    g->m.h.self = link.self;
    g->m.h.kind = SF_K_MINI3;
    g->m.h.list = SF_L_NONE;
    g->m.h.lprev = g->m.h.lnext = 0;
    memcpy(g->p, mini_cpkts(m), m->n * sizeof g->p[0]);
    memcpy(g->opt, mini_copt(m), m->opt_used);
    const int i = slot_of(e, m);
    if (i >= 0)
        mark(e, i, g->m.h.self);
    sf_table_remove(&e->t, &m->h);       /* the hash chain now finds g */
    return &g->m;
}

/* Packet i of m again, as the decoder gave it (every field the engine and
 * the analysis read). */
static void mini_packet(const sf_minirec *m, int i, const uint8_t *opt, sf_pkt *p)
{
    const sf_minipkt *k = &mini_cpkts(m)[i];
    const sf_ckey *key = &m->h.key;
    const int src_a = m->h.symmetric ? 1 : (k->dir == 0) == (m->h.client_is_a != 0);
    memset(p, 0, sizeof *p);
    p->frame = m->frame + k->dframe;
    int64_t ns = (int64_t)m->ts_nsec + k->dt_ns;
    p->ts.sec = m->ts_sec + ns / 1000000000LL;
    p->ts.nsec = (uint32_t)(ns % 1000000000LL);
    p->ts.prec = k->ts_prec;
    p->status = SF_DEC_TCP;
    p->ipver = key->ipver;
    memcpy(p->src, src_a ? key->a : key->b, 16);
    memcpy(p->dst, src_a ? key->b : key->a, 16);
    p->sport = src_a ? key->pa : key->pb;
    p->dport = src_a ? key->pb : key->pa;
    p->seq = k->seq;
    p->ack = k->ack;
    p->flags = k->flags;
    p->win = k->win;
    p->hlen = k->hlen;
    p->seg_len = k->hlen;
    p->l4_caplen = k->hlen;
    p->ip_hlen = key->ipver == 6 ? 40 : 20;
    p->ip_len = p->ip_hlen + k->hlen;
    p->caplen = p->wirelen = p->l3_caplen = p->ip_len;
    p->opt = k->opt_len ? opt : NULL;
    p->opt_len = k->opt_len;
    sf_decode_tcp_options(p);
}

void sf_mini_replay(sf_engine *e, const sf_minirec *m, sf_rec *r)
{
    const uint8_t *opt = mini_copt(m);
    for (int i = 0; i < m->n; i++) {
        const sf_minipkt *k = &mini_cpkts(m)[i];
        sf_pkt p;
        mini_packet(m, i, opt, &p);
        opt += k->opt_len;
        if (i == 0) {
            int src_is_a = m->h.symmetric ? 1 : (k->dir == 0) == (m->h.client_is_a != 0);
            sf_eng_conn_init(e, r, &p, src_is_a, m->reused, m->h.id);
        }
        sf_eng_track(e, r, k->dir, &p, i == 0, i == 0 ? m->reused : 0, &e->rpi);
    }
    r->h.last_ns = m->h.last_ns;
}

void sf_mini_unmark(sf_engine *e, const sf_rec *r)
{
    if (r >= e->tmp && r < e->tmp + SF_TMP_SLOTS)
        mark(e, (int)(r - e->tmp), 0);
}

void sf_mini_forget(sf_engine *e)
{
    for (int i = 0; i < SF_TMP_SLOTS; i++)
        if (e->tmp_for[i]) {
            sf_eng_release(e, &e->tmp[i]);
            mark(e, i, 0);
        }
}

sf_rec *sf_mini_slot(sf_engine *e)
{
    const uint64_t all = ~0ull >> (64 - SF_TMP_SLOTS);   /* SF_TMP_SLOTS bits */
    int i;
    if (e->tmp_used != all) {        /* the lowest free one */
        i = __builtin_ctzll(~e->tmp_used & all);
    } else {                         /* none free: the next in turn */
        i = (int)(e->tmp_victim++ % SF_TMP_SLOTS);
        sf_eng_release(e, &e->tmp[i]);
        mark(e, i, 0);
    }
    memset(&e->tmp[i], 0, sizeof e->tmp[i]);
    return &e->tmp[i];
}

sf_rec *sf_mini_state(sf_engine *e, const sf_minirec *m)
{
    int i = slot_of(e, m);
    if (i >= 0)
        return &e->tmp[i];
    sf_rec *r = sf_mini_slot(e);
    r->h = m->h;
    sf_mini_replay(e, m, r);
    mark(e, (int)(r - e->tmp), m->h.self);
    return r;
}

sf_rec *sf_mini_promote(sf_engine *e, sf_minirec *m)
{
    sf_rhdr *h = sf_table_insert_hdr(&e->t, SF_K_FULL, &m->h.key, sf_key_hash(&m->h.key));
    if (!h)
        return NULL;
    sf_rec *r = (sf_rec *)h;
    const int i = slot_of(e, m);
    if (i >= 0) {                    /* the state is at hand: it moves (no self-pointers),
                                      * over all of r but its new header */
        sf_rhdr link = r->h;
        *r = e->tmp[i];
        r->h = link;
        r->h.id = m->h.id;
        r->h.client_is_a = m->h.client_is_a;
        r->h.symmetric = m->h.symmetric;
        r->h.last_ns = m->h.last_ns;
        mark(e, i, 0);               /* the slot no longer owns what it points to */
    } else {
        memset((char *)r + sizeof r->h, 0, sizeof *r - sizeof r->h);
        sf_mini_replay(e, m, r);
    }
    sf_table_remove(&e->t, &m->h);   /* the full record takes its place */
    return r;
}

/* \summary: tcpdump text input: rebuild absolute seq/ack/SACK per tuple (relative vs -S, unprinted seq of pure ACKs) */
#include <stdlib.h>
#include <string.h>
#include "text_seq.h"
#include "../decode/packet.h"

#define LOOKAHEAD 512     /* records scanned to find the seq of a first pure ACK */

enum { MODE_UNKNOWN = 0, MODE_REL, MODE_ABS };

typedef struct tx_tuple {
    uint8_t used, v6;
    uint8_t a[16], b[16];      /* endpoint 0 and 1 */
    uint16_t pa, pb;
    uint8_t has_entry;         /* tcpdump's hash entry exists */
    uint8_t mode;
    uint8_t base_guess[2];
    uint8_t nxt_known[2], ack_known[2];
    uint32_t base[2];          /* subtracted from the seq sent by endpoint i */
    uint32_t nxt[2];           /* highest next-seq seen from endpoint i */
    uint32_t maxack[2];        /* highest ack sent by endpoint i */
    /* keep-alive / zero-window-probe pattern, per sender */
    uint8_t have_last[2], peer_quiet[2];
    uint32_t last_ack[2];
    uint64_t last_opt[2];      /* option bytes' hash, TS values left out */
    uint16_t last_win[2];
    int64_t last_t_any;        /* time of the tuple's last packet, either way */
    uint64_t last;
} tx_tuple;

struct sf_txseq {
    tx_tuple *tab;
    size_t cap, n, max;
    uint64_t now;
    uint64_t votes_rel, votes_abs;
};

sf_txseq *sf_txseq_new(size_t max_tuples)
{
    sf_txseq *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->cap = 256;
    t->max = max_tuples < 1024 ? 1024 : max_tuples;
    t->tab = calloc(t->cap, sizeof *t->tab);
    if (!t->tab) { free(t); return NULL; }
    return t;
}

void sf_txseq_free(sf_txseq *t)
{
    if (!t) return;
    free(t->tab);
    free(t);
}

void sf_txseq_votes(const sf_txseq *t, uint64_t *rel, uint64_t *abs)
{
    *rel = t->votes_rel;
    *abs = t->votes_abs;
}

/* ---- the tuple table ------------------------------------------------------- */

typedef struct tx_key {
    uint8_t v6;
    uint8_t a[16], b[16];
    uint16_t pa, pb;
} tx_key;

/* Canonical order (lower port, then lower address, first); *dir = index of
 * the sender of L in that order. */
static void make_key(const sf_txt_line *L, tx_key *k, int *dir)
{
    size_t al = L->ipver == 6 ? 16 : 4;
    int c = L->sport != L->dport ? (L->sport < L->dport ? -1 : 1) : memcmp(L->src, L->dst, al);
    memset(k, 0, sizeof *k);
    k->v6 = L->ipver == 6;
    if (c <= 0) {
        memcpy(k->a, L->src, al); memcpy(k->b, L->dst, al);
        k->pa = L->sport; k->pb = L->dport;
        *dir = 0;
    } else {
        memcpy(k->a, L->dst, al); memcpy(k->b, L->src, al);
        k->pa = L->dport; k->pb = L->sport;
        *dir = 1;
    }
}

static uint64_t key_hash(const tx_key *k)
{
    uint64_t h = 1469598103934665603ull;
    const uint8_t *parts[2] = { k->a, k->b };
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 16; i++) { h ^= parts[j][i]; h *= 1099511628211ull; }
    h ^= (uint64_t)k->pa << 16 | k->pb | (uint64_t)k->v6 << 32;
    h *= 1099511628211ull;
    return h ^ (h >> 31);
}

static int key_eq(const tx_tuple *e, const tx_key *k)
{
    return e->v6 == k->v6 && e->pa == k->pa && e->pb == k->pb &&
           memcmp(e->a, k->a, 16) == 0 && memcmp(e->b, k->b, 16) == 0;
}

static tx_tuple *slot(tx_tuple *tab, size_t cap, const tx_key *k)
{
    size_t i = (size_t)key_hash(k) & (cap - 1);
    while (tab[i].used && !key_eq(&tab[i], k)) i = (i + 1) & (cap - 1);
    return &tab[i];
}

static void rehash(sf_txseq *t, size_t nc, uint64_t keep_after)
{
    tx_tuple *nt = calloc(nc, sizeof *nt);
    if (!nt) return;
    size_t n = 0;
    for (size_t i = 0; i < t->cap; i++) {
        tx_tuple *e = &t->tab[i];
        if (!e->used || e->last < keep_after) continue;
        tx_key k = { e->v6, { 0 }, { 0 }, e->pa, e->pb };
        memcpy(k.a, e->a, 16);
        memcpy(k.b, e->b, 16);
        *slot(nt, nc, &k) = *e;
        n++;
    }
    free(t->tab);
    t->tab = nt;
    t->cap = nc;
    t->n = n;
}

static tx_tuple *lookup(sf_txseq *t, const tx_key *k)
{
    if ((t->n + 1) * 4 > t->cap * 3) {
        if (t->cap * 2 <= t->max * 2 && t->cap < t->max) {
            rehash(t, t->cap * 2, 0);
        } else {
            /* bounded: forget the tuples idle for the longest time */
            uint64_t oldest = t->now;
            for (size_t i = 0; i < t->cap; i++)
                if (t->tab[i].used && t->tab[i].last < oldest) oldest = t->tab[i].last;
            rehash(t, t->cap, oldest + (t->now - oldest) / 2 + 1);
        }
        if ((t->n + 1) * 4 > t->cap * 3) rehash(t, t->cap, t->now);
    }
    tx_tuple *e = slot(t->tab, t->cap, k);
    if (!e->used) {
        memset(e, 0, sizeof *e);
        e->used = 1;
        e->v6 = k->v6;
        memcpy(e->a, k->a, 16);
        memcpy(e->b, k->b, 16);
        e->pa = k->pa;
        e->pb = k->pb;
        t->n++;
    }
    e->last = ++t->now;
    return e;
}

/* ---- sequence-space helpers ---------------------------------------------- */

static uint32_t dist(uint32_t x, uint32_t y)
{
    uint32_t d = x - y;
    return (int32_t)d < 0 ? (uint32_t)0 - d : d;
}

static uint32_t seqmax(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0 ? a : b;
}

/* Score the relative and the absolute reading of L's printed numbers
 * against what the tuple expects; set the mode when one reading is closer. */
static void decide(sf_txseq *t, tx_tuple *T, int d, const sf_txt_line *L)
{
    uint64_t srel = 0, sabs = 0;
    int e = !d;
    if ((L->flags & SF_TH_ACK) && L->has_ack) {
        uint32_t exp = T->nxt_known[e] ? T->nxt[e] : T->base[e] + 1;
        srel += dist(L->ack + T->base[e], exp);
        sabs += dist(L->ack, exp);
        for (int i = 0; i < L->nsack; i++) {
            srel += dist(L->sack[i][0] + T->base[e], exp) / 2;
            sabs += dist(L->sack[i][0], exp) / 2;
        }
    }
    if (L->has_seq && !T->base_guess[d]) {
        uint32_t exp = T->nxt_known[d] ? T->nxt[d] : T->base[d];
        srel += dist(L->seq + T->base[d], exp);
        sabs += dist(L->seq, exp);
    }
    if (srel < sabs) { T->mode = MODE_REL; t->votes_rel++; }
    else if (sabs < srel) { T->mode = MODE_ABS; t->votes_abs++; }
}

/* Relative or absolute for a tuple that could not be decided (the two
 * readings give the same numbers, or nearly): what most tuples were. */
static int reads_rel(const sf_txseq *t, const tx_tuple *T)
{
    if (T->mode != MODE_UNKNOWN) return T->mode == MODE_REL;
    return t->votes_abs <= t->votes_rel;
}

static int same_tuple(const sf_txt_line *R, const sf_txt_line *L, int *same_dir)
{
    size_t al = L->ipver == 6 ? 16 : 4;
    if (R->kind != SF_TXT_TCP || R->ipver != L->ipver || !R->has_flags || R->trunc == SF_TXT_TR_PORTS ||
        R->trunc == SF_TXT_TR_HDR)
        return 0;
    if (R->sport == L->sport && R->dport == L->dport && !memcmp(R->src, L->src, al) && !memcmp(R->dst, L->dst, al)) {
        *same_dir = 1;
        return 1;
    }
    if (R->sport == L->dport && R->dport == L->sport && !memcmp(R->src, L->dst, al) && !memcmp(R->dst, L->src, al)) {
        *same_dir = 0;
        return 1;
    }
    return 0;
}

/* The seq of a pure ACK from endpoint d when nothing is known about d's
 * sequence space yet: look ahead for d's next printed seq or the peer's
 * next ack. `a` is the absolute ack of L (the peer's base + 1 when L
 * creates tcpdump's entry). Returns 1 with *s set, or 0. */
static int look_ahead(sf_txseq *t, tx_tuple *T, const sf_txt_line *L, uint32_t a,
                      sf_txseq_peek peek, void *ctx, uint32_t *s)
{
    for (size_t i = 1; i <= LOOKAHEAD; i++) {
        const sf_txt_line *R = peek(ctx, i);
        if (!R) return 0;
        int sd;
        if (!same_tuple(R, L, &sd)) continue;
        if (R->flags & SF_TH_SYN) return 0; /* a new connection: nothing to learn */
        if (!(R->flags & SF_TH_ACK)) {
            if (sd && R->has_seq) { *s = R->seq; return 1; } /* no ACK: always absolute */
            continue;
        }
        if (sd && R->has_seq) {
            /* d again with a seq; its ack tells relative from absolute */
            if (T->mode == MODE_UNKNOWN && R->has_ack) {
                uint32_t dr = dist(R->ack + a - 1, a), da = dist(R->ack, a);
                if (dr < da) { T->mode = MODE_REL; t->votes_rel++; }
                else if (da < dr) { T->mode = MODE_ABS; t->votes_abs++; }
            }
            if (T->mode == MODE_REL) return 0; /* relative to L's own seq: any base works */
            *s = R->seq;
            return 1;
        }
        if (!sd && R->has_ack) {
            if (T->mode == MODE_UNKNOWN && R->has_seq) {
                uint32_t dr = dist(R->seq + a - 1, a), da = dist(R->seq, a);
                if (dr < da) { T->mode = MODE_REL; t->votes_rel++; }
                else if (da < dr) { T->mode = MODE_ABS; t->votes_abs++; }
            }
            if (T->mode == MODE_REL) return 0;
            if (T->mode == MODE_UNKNOWN && R->ack < (1u << 20) && t->votes_abs <= t->votes_rel)
                return 0; /* a small number: the relative reading */
            *s = R->ack;
            return 1;
        }
    }
    return 0;
}

#define KA_GAP_NS 200000000ll   /* keep-alive and probe timers are >= 200 ms */

/* The options a segment carries apart from its timestamp values. */
static uint64_t opt_sig(const sf_txt_line *L)
{
    uint64_t h = 1469598103934665603ull;
    for (unsigned i = 0; i < L->opt_len; i++) {
        uint8_t b = L->opt[i];
        h ^= b;
        h *= 1099511628211ull;
        if (b == 0 || b == 1) continue;
        if (i + 1 >= L->opt_len || L->opt[i + 1] < 2) break;
        unsigned n = L->opt[i + 1];
        if (b == 8) { i += n - 1; continue; } /* TS: kind only */
        for (unsigned k = 1; k < n && i + k < L->opt_len; k++) { h ^= L->opt[i + k]; h *= 1099511628211ull; }
        i += n - 1;
    }
    return h;
}

/* A pure ACK from d that repeats d's last ack, window and options after a
 * quiet gap (nothing in the tuple for 200 ms), the peer having sent no data,
 * SYN, FIN or RST since d's last segment: a keep-alive or a zero-window
 * probe. Normal stacks send no other segment that carries no new
 * information (a duplicate ACK answers the peer's data; an answer to the
 * peer's probe follows it within a round trip). */
static int looks_keepalive(const tx_tuple *T, int d, const sf_txt_line *L, uint32_t a, int64_t t_ns)
{
    if (L->has_seq || L->len || (L->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)) || !(L->flags & SF_TH_ACK))
        return 0;
    if (!T->have_last[d] || !L->has_win || a != T->last_ack[d] || L->win != T->last_win[d] ||
        opt_sig(L) != T->last_opt[d])
        return 0;
    if (t_ns < 0 || T->last_t_any < 0 || t_ns - T->last_t_any < KA_GAP_NS)
        return 0;
    return T->nxt_known[d] && T->peer_quiet[d];
}

static void note_pattern(tx_tuple *T, int d, const sf_txt_line *L, uint32_t a, int64_t t_ns)
{
    int e = !d;
    if (L->len || (L->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST)))
        T->peer_quiet[e] = 0; /* d said something new to e */
    T->have_last[d] = 1;
    T->last_ack[d] = a;
    T->last_win[d] = L->win;
    T->last_opt[d] = opt_sig(L);
    T->last_t_any = t_ns;
    T->peer_quiet[d] = 1;
}

void sf_txseq_apply(sf_txseq *t, const sf_txt_line *L, int64_t t_ns, sf_txseq_peek peek, void *ctx,
                    sf_txseq_res *r)
{
    tx_key k;
    int d;
    memset(r, 0, sizeof *r);
    make_key(L, &k, &d);
    tx_tuple *T = lookup(t, &k);
    if (!T->used) { /* out of memory in a rehash: keep the printed numbers */
        r->seq = L->seq;
        r->ack = L->ack;
        return;
    }
    int e = !d;
    uint16_t F = L->flags;
    int ackf = (F & SF_TH_ACK) != 0;
    int creates = ackf && (!T->has_entry || (F & SF_TH_SYN));
    int rel_applies = ackf && !creates;

    if (rel_applies && T->mode == MODE_UNKNOWN) decide(t, T, d, L);
    int rel = rel_applies && reads_rel(t, T);

    /* ack */
    uint32_t a = 0;
    if (ackf) {
        if (L->has_ack) a = L->ack + (rel ? T->base[e] : 0);
        else if (T->nxt_known[e]) a = T->nxt[e];
    }

    /* seq */
    uint32_t s;
    int guessed = 0, ka = 0;
    if (looks_keepalive(T, d, L, a, t_ns)) {
        /* seq = the peer's acknowledged edge (snd.una) - 1 */
        s = (T->ack_known[e] ? T->maxack[e] : T->nxt[d]) - 1;
        ka = 1;
    } else if (L->has_seq) {
        s = L->seq + (rel ? T->base[d] : 0);
    } else if (T->nxt_known[d] || T->ack_known[e]) {
        s = T->nxt_known[d] ? T->nxt[d] : T->maxack[e];
        if (T->nxt_known[d] && T->ack_known[e]) s = seqmax(T->nxt[d], T->maxack[e]);
    } else if (!(T->mode == MODE_REL && rel_applies) &&
               look_ahead(t, T, L, creates ? a : (T->has_entry ? T->base[e] + 1 : a), peek, ctx, &s)) {
        /* found */
    } else {
        s = 0;
        guessed = 1;
    }

    if (creates) {
        T->has_entry = 1;
        T->base[d] = s;
        T->base[e] = a - 1;
        T->base_guess[d] = (uint8_t)guessed;
        T->base_guess[e] = 0;
        if (T->mode == MODE_UNKNOWN && L->nsack) {
            /* SACK blocks of the creating packet are already relative */
            uint64_t srel = 0, sabs = 0;
            for (int i = 0; i < L->nsack; i++) {
                srel += dist(L->sack[i][0] + T->base[e], a);
                sabs += dist(L->sack[i][0], a);
            }
            if (srel < sabs) { T->mode = MODE_REL; t->votes_rel++; }
            else if (sabs < srel) { T->mode = MODE_ABS; t->votes_abs++; }
        }
    }

    /* SACK edges print relative whenever tcpdump had an entry in hand */
    int sack_rel = ackf && reads_rel(t, T);
    for (int i = 0; i < L->nsack && i < SF_TXT_SACK_MAX; i++) {
        r->sack[i][0] = L->sack[i][0] + (sack_rel ? T->base[e] : 0);
        r->sack[i][1] = L->sack[i][1] + (sack_rel ? T->base[e] : 0);
    }

    /* what this packet teaches about both sequence spaces */
    uint32_t end = s + L->len + ((F & SF_TH_SYN) ? 1 : 0) + ((F & SF_TH_FIN) ? 1 : 0);
    if (F & SF_TH_SYN) {
        T->nxt[d] = end;
        T->nxt_known[d] = 1;
        T->ack_known[d] = 0;
        if (!ackf) { T->nxt_known[e] = 0; T->ack_known[e] = 0; }
    } else if (ka) {
        /* a probe's seq is behind the edge: it moves nothing */
    } else if (!guessed || !T->nxt_known[d]) {
        T->nxt[d] = T->nxt_known[d] ? seqmax(T->nxt[d], end) : end;
        T->nxt_known[d] = 1;
    }
    if (ackf) {
        T->maxack[d] = T->ack_known[d] ? seqmax(T->maxack[d], a) : a;
        T->ack_known[d] = 1;
    }
    note_pattern(T, d, L, a, t_ns);
    r->seq = s;
    r->ack = a;
    r->seq_guessed = (uint8_t)guessed;
    r->keepalive = (uint8_t)ka;
}

/* \summary: SYN-only connections kept as compact records, rebuilt by replaying their SYN */
#include <string.h>
#include "engine_int.h"
#include "../decode/decode.h"

/*
 * A SYN scan or flood makes millions of connections of one packet each. The
 * full record (sf_rec, with Zeek's and the analysis' state) is ~5x the
 * size of that packet's header fields, so a connection whose only packet so
 * far is a plain SYN keeps just those (sf_synrec). Its full state is a
 * function of the SYN alone, so it is rebuilt, exactly, by running the SYN
 * through sf_eng_track again: when a second packet arrives (promotion) or
 * when the connection is written. Only SYNs that replay exactly qualify:
 * no payload, the whole header and options captured, lengths consistent,
 * no host names (text input), options that fit.
 */

int sf_syn_compactable(const sf_engine *e, const sf_pkt *p)
{
    if (!e->compact || (p->flags & (SF_TH_SYN | SF_TH_ACK | SF_TH_RST | SF_TH_FIN)) != SF_TH_SYN)
        return 0;
    if (p->len || p->payload_caplen || p->seg_len != p->hlen || p->hlen < 20 || p->ip_first_frag ||
        p->trunc_hdr || p->trunc_opt || p->bad_hlen || p->l4_caplen < p->hlen ||
        p->opt_len != p->hlen - 20u || p->opt_len > SF_SYN_OPT_MAX || (p->opt_len && !p->opt) ||
        p->src_name || p->dst_name)
        return 0;
    int have;
    return sf_seq_seglen(p, &have) == 0 && have;
}

void sf_syn_keep(sf_engine *e, sf_synrec *s, const sf_pkt *p, int reused)
{
    s->h.id = e->tmp.h.id;
    s->h.client_is_a = e->tmp.h.client_is_a;
    s->h.symmetric = e->tmp.h.symmetric;
    s->ts_sec = p->ts.sec;
    s->ts_nsec = p->ts.nsec;
    s->ts_prec = p->ts.prec;
    s->frame = p->frame;
    s->seq = p->seq;
    s->ack = p->ack;
    s->win = p->win;
    s->flags = p->flags;
    s->hlen = (uint8_t)p->hlen;
    s->opt_len = (uint8_t)p->opt_len;
    s->reused = (uint8_t)reused;
    if (p->opt_len)
        memcpy(s->opt, p->opt, p->opt_len);
    /* the scratch's analysis may hold the SYN as an unacknowledged segment */
    sf_eng_release(e, &e->tmp);
}

/* The SYN again, as the decoder gave it (every field the engine and the
 * analysis read): the client sent it. */
static void syn_packet(const sf_synrec *s, sf_pkt *p)
{
    const sf_ckey *k = &s->h.key;
    const int ca = s->h.client_is_a;
    memset(p, 0, sizeof *p);
    p->frame = s->frame;
    p->ts.sec = s->ts_sec;
    p->ts.nsec = s->ts_nsec;
    p->ts.prec = s->ts_prec;
    p->status = SF_DEC_TCP;
    p->ipver = k->ipver;
    memcpy(p->src, ca ? k->a : k->b, 16);
    memcpy(p->dst, ca ? k->b : k->a, 16);
    p->sport = ca ? k->pa : k->pb;
    p->dport = ca ? k->pb : k->pa;
    p->seq = s->seq;
    p->ack = s->ack;
    p->flags = s->flags;
    p->win = s->win;
    p->hlen = s->hlen;
    p->seg_len = s->hlen;
    p->l4_caplen = s->hlen;
    p->ip_hlen = k->ipver == 6 ? 40 : 20;
    p->ip_len = p->ip_hlen + s->hlen;
    p->caplen = p->wirelen = p->l3_caplen = p->ip_len;
    p->opt = s->opt_len ? s->opt : NULL;
    p->opt_len = s->opt_len;
    sf_decode_tcp_options(p);
}

void sf_syn_replay(sf_engine *e, const sf_synrec *s, sf_rec *r)
{
    sf_pkt p;
    syn_packet(s, &p);
    sf_eng_conn_init(e, r, &p, s->h.client_is_a, s->reused, s->h.id);
    sf_eng_track(e, r, 0, &p, 1, s->reused, &e->rpi);
    r->h.last_ns = s->h.last_ns;
}

sf_rec *sf_syn_promote(sf_engine *e, sf_synrec *s)
{
    sf_rhdr *h = sf_table_insert(&e->t, SF_K_FULL, &s->h.key, s->h.hash);
    if (!h)
        return NULL;
    sf_rec *r = (sf_rec *)h;
    sf_syn_replay(e, s, r);
    sf_table_remove(&e->t, &s->h);   /* the full record takes its place */
    return r;
}

/* \summary: explain view: a plain-language walk through each connection (en, zh) */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "view.h"
#include "explain_buf.h"
#include "explain_int.h"
#include "i18n.h"

/* ---- output helpers ---- */

const char *sf_ex_num(sf_explain *ex, uint64_t v)
{
    char *b = ex->pool[ex->pooli++ % SF_EX_POOL];
    snprintf(b, sizeof ex->pool[0], "%llu", (unsigned long long)v);
    return b;
}

const char *sf_ex_dur(sf_explain *ex, int64_t ns)
{
    char *b = ex->pool[ex->pooli++ % SF_EX_POOL];
    sf_x_dur(b, sizeof ex->pool[0], ns);
    return b;
}

const char *sf_ex_count(sf_explain *ex, uint64_t n, int one)
{
    char num[24];
    char *b = ex->pool[ex->pooli++ % SF_EX_POOL];
    snprintf(num, sizeof num, "%llu", (unsigned long long)n);
    snprintf(b, sizeof ex->pool[0], ex->M[n == 1 ? one : one + 1], num);
    return b;
}

/* Formats message id with indentation `ind` and ends the line. */
void sf_ex_say(sf_explain *ex, int ind, int id, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, id);
    vsnprintf(buf, sizeof buf, ex->M[id], ap);
    va_end(ap);
    for (int i = 0; i < ind; i++) sf_out_chr(ex->out, ' ');
    sf_out_str(ex->out, buf);
    sf_out_eol(ex->out);
}

/* Formats message id into dst (no newline). */
void sf_ex_fmt(sf_explain *ex, char *dst, size_t n, int id, ...)
{
    va_list ap;
    va_start(ap, id);
    vsnprintf(dst, n, ex->M[id], ap);
    va_end(ap);
}

static int seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static int seq_ge(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* The application part of a data sentence ("an HTTP request, GET /x"). */
void sf_ex_app_text(sf_explain *ex, const sf_xrec *r, char *dst, size_t n)
{
    int id = SF_M_APP_OTHER;
    if (r->app_bits & SF_XA_REQUEST) id = SF_M_APP_HTTP_REQ;
    else if (r->app_bits & SF_XA_RESPONSE) id = SF_M_APP_HTTP_RESP;
    else if (r->app_proto == SF_APP_TLS) id = SF_M_APP_TLS;
    sf_ex_fmt(ex, dst, n, id, r->app);
}

static const int gloss_id[SF_ST__COUNT] = {
    SF_M_GLOSS_CLOSED, SF_M_GLOSS_LISTEN, SF_M_GLOSS_SYN_SENT, SF_M_GLOSS_SYN_RECEIVED,
    SF_M_GLOSS_ESTABLISHED, SF_M_GLOSS_FIN_WAIT_1, SF_M_GLOSS_FIN_WAIT_2,
    SF_M_GLOSS_CLOSE_WAIT, SF_M_GLOSS_CLOSING, SF_M_GLOSS_LAST_ACK, SF_M_GLOSS_TIME_WAIT
};

static const char *st_name(unsigned s)
{
    const char *n = s < SF_ST__COUNT ? sf_state_name((sf_state)s) : NULL;
    return n ? n : "?";
}

static void say_state(sf_explain *ex, int client, int have_prev, unsigned from, unsigned to)
{
    const char *who = ex->M[client ? SF_M_CLIENT_CAP : SF_M_SERVER_CAP];
    const char *gloss = to < SF_ST__COUNT ? ex->M[gloss_id[to]] : "?";
    if (!have_prev) sf_ex_say(ex, 4, SF_M_STATE_FIRST, who, st_name(to), gloss);
    else if (from != to) sf_ex_say(ex, 4, SF_M_STATE_CHANGE, who, st_name(from), st_name(to), gloss);
}

/* ---- one packet ---- */

static void add_close_item(sf_ex_conn *k, const char *what, uint64_t frame)
{
    if (k->nclose < SF_EX_MAX_CLOSE) {
        snprintf(k->close[k->nclose].what, sizeof k->close[0].what, "%s", what);
        k->close[k->nclose].frame = frame;
        k->nclose++;
    }
}

static void explain_pkt(sf_explain *ex, sf_ex_conn *k, const sf_xconn *x, const sf_xrec *r)
{
    int d = r->dir & 1;
    sf_ex_side *sc = &k->side[d], *pc = &k->side[!d];
    const char *side = ex->M[d ? SF_M_SERVER : SF_M_CLIENT];
    const char *peer = ex->M[d ? SF_M_CLIENT : SF_M_SERVER];
    int syn = r->flags & SF_TH_SYN, ackf = r->flags & SF_TH_ACK;
    int fin = r->flags & SF_TH_FIN, rst = r->flags & SF_TH_RST;
    int rel = r->rel_valid;
    uint32_t finrel = r->rel_seq + r->len + (syn ? 1u : 0u);
    int ack_new = ackf && rel && (!sc->ack_seen || seq_gt(r->rel_ack, sc->last_ack));
    char app[256] = "", fl[16], sa[64] = "";

    /* the packet line */
    sf_x_flags(fl, r->flags);
    size_t at = 0;
    uint32_t s0 = rel ? r->rel_seq : r->seq, a0 = rel ? r->rel_ack : r->ack;
    if (r->len || syn || fin || rst || !ackf || (r->role & SF_ROLE_KEEPALIVE))
        at += (size_t)snprintf(sa + at, sizeof sa - at, r->len ? "  seq %u:%u" : "  seq %u", s0, s0 + r->len);
    if (ackf) snprintf(sa + at, sizeof sa - at, "  ack %u", a0);
    if (x->ts_missing) {
        sf_ex_say(ex, 0, SF_M_FRAME_NOTIME, sf_ex_num(ex, r->frame),
                  ex->M[d ? SF_M_ARROW_S2C : SF_M_ARROW_C2S], fl, sa, sf_ex_num(ex, r->len));
    } else {
        char t[40];
        int64_t dt = r->ts_ns - x->first_ns;
        if (x->ts_prec == 9) snprintf(t, sizeof t, "%lld.%09lld", (long long)(dt / 1000000000), (long long)(dt % 1000000000));
        else snprintf(t, sizeof t, "%lld.%06lld", (long long)(dt / 1000000000), (long long)(dt % 1000000000 / 1000));
        sf_ex_say(ex, 0, SF_M_FRAME, sf_ex_num(ex, r->frame), t,
                  ex->M[d ? SF_M_ARROW_S2C : SF_M_ARROW_C2S], fl, sa, sf_ex_num(ex, r->len));
    }
    if (r->app[0]) sf_ex_app_text(ex, r, app, sizeof app);

    int ack_said = 0, said_again = 0;
    if (rst) {
        if (pc->syn_sent && !sc->syn_sent && k->data_pkts == 0) {
            if (ackf && k->side[0].have_isn && r->ack == k->side[0].isn + 1)
                sf_ex_say(ex, 4, SF_M_RST_REFUSED, side, sf_ex_num(ex, x->ep[d].port),
                          sf_ex_num(ex, r->ack), sf_ex_num(ex, k->side[0].isn));
            else
                sf_ex_say(ex, 4, SF_M_RST_REFUSED_NOISN, side, sf_ex_num(ex, x->ep[d].port));
        } else if (pc->fin_seen && !sc->fin_seen) {
            sf_ex_say(ex, 4, SF_M_RST_AFTER_FIN, side, peer);
            add_close_item(k, "RST", r->frame);
        } else {
            sf_ex_say(ex, 4, SF_M_RST, side);
            if (k->nclose) add_close_item(k, "RST", r->frame);
        }
        if (!ackf) sf_ex_say(ex, 4, SF_M_RST_NOACK);
        ack_said = 1;
    } else if (syn && !ackf) {
        if (sc->syn_sent && sc->have_isn && sc->isn == r->seq) {
            sf_ex_say(ex, 4, SF_M_SYN_AGAIN, side, sf_ex_num(ex, r->seq), sf_ex_dur(ex, r->ts_ns - sc->syn_ns));
            said_again = 1;
        } else {
            sf_ex_say(ex, 4, SF_M_SYN, side, sf_ex_num(ex, r->seq));
        }
        sc->syn_sent = 1; sc->have_isn = 1; sc->isn = r->seq; sc->syn_ns = r->ts_ns;
        ack_said = 1;
    } else if (syn && ackf) {
        if (!pc->have_isn)
            sf_ex_say(ex, 4, SF_M_SYNACK_NOSYN, sf_ex_num(ex, r->seq), sf_ex_num(ex, r->ack));
        else if (r->ack == pc->isn + 1)
            sf_ex_say(ex, 4, SF_M_SYNACK, sf_ex_num(ex, r->seq), sf_ex_num(ex, r->ack), sf_ex_num(ex, pc->isn));
        else
            sf_ex_say(ex, 4, SF_M_SYNACK_BADACK, sf_ex_num(ex, r->seq), sf_ex_num(ex, r->ack),
                      sf_ex_num(ex, pc->isn), sf_ex_num(ex, (uint32_t)(pc->isn + 1)));
        sc->syn_sent = 1; sc->have_isn = 1; sc->isn = r->seq;
        ack_said = 1;
    } else {
        if (r->hs_step == 3) {
            if (pc->have_isn && r->ack == pc->isn + 1)
                sf_ex_say(ex, 4, SF_M_HS3, sf_ex_num(ex, r->ack), sf_ex_num(ex, pc->isn));
            else
                sf_ex_say(ex, 4, SF_M_HS3_NOISN, sf_ex_num(ex, r->ack));
            int64_t irtt = r->irtt_ns >= 0 ? r->irtt_ns : k->irtt_ns;
            if (irtt >= 0) sf_ex_say(ex, 4, SF_M_HS_DONE, sf_ex_dur(ex, irtt));
            ack_said = 1;
        }
        if ((r->role & SF_ROLE_KEEPALIVE) && pc->zero_win) {
            sf_ex_say(ex, 4, SF_M_KEEPALIVE_ZW, peer, side, sf_ex_num(ex, rel ? r->rel_seq : r->seq), peer);
        } else if (r->role & SF_ROLE_KEEPALIVE) {
            sf_ex_say(ex, 4, SF_M_KEEPALIVE, side, sf_ex_num(ex, rel ? r->rel_seq : r->seq));
        } else if (r->len > 0) {
            uint32_t a = r->rel_seq, b = r->rel_seq + r->len - 1;
            if (app[0]) sf_ex_say(ex, 4, SF_M_DATA_APP, side, sf_ex_count(ex, r->len, SF_M_N_BYTE), sf_ex_num(ex, a), sf_ex_num(ex, b), app);
            else sf_ex_say(ex, 4, SF_M_DATA, side, sf_ex_count(ex, r->len, SF_M_N_BYTE), sf_ex_num(ex, a), sf_ex_num(ex, b));
            k->data_pkts++;
            if (r->app_bits & SF_XA_ALERT) sf_ex_alert(ex, d, r->alert_desc, r->alert_level);
            if (pc->fin_seen && !sc->fin_seen && !sc->half_said) {
                sf_ex_say(ex, 4, SF_M_HALF_CLOSE, peer, side, peer, side);
                sc->half_said = 1;
            }
        } else if (r->role & SF_ROLE_WINDOW_PROBE) {
            sf_ex_say(ex, 4, SF_M_WINDOW_PROBE, side);
        }
        if (fin) {
            if (sc->fin_seen && finrel == sc->fin_rel) {
                sf_ex_say(ex, 4, SF_M_FIN_AGAIN, side);
                said_again = 1;
            } else if (!pc->fin_seen) {
                if (r->len > 0) {
                    sf_ex_say(ex, 4, SF_M_FIN_ON_DATA, side, sf_ex_num(ex, finrel));
                    if (!k->both_closed) sf_ex_say(ex, 4, SF_M_ACTIVE_CLOSER, side);
                    add_close_item(k, "data+FIN", r->frame);
                } else {
                    sf_ex_say(ex, 4, k->both_closed ? SF_M_FIN_FIRST_BOTH : SF_M_FIN_FIRST, side, sf_ex_num(ex, finrel));
                    add_close_item(k, "FIN", r->frame);
                }
            } else {
                if (r->len > 0) sf_ex_say(ex, 4, SF_M_FIN_ON_DATA, side, sf_ex_num(ex, finrel));
                if (ackf && rel && seq_ge(r->rel_ack, pc->fin_rel + 1)) {
                    if (!pc->fin_acked) {
                        sf_ex_say(ex, 4, SF_M_FIN_MERGED, side, peer, sf_ex_num(ex, r->rel_ack), sf_ex_num(ex, pc->fin_rel));
                        add_close_item(k, r->len ? "data+FIN+ACK" : "FIN+ACK", r->frame);
                    } else {
                        sf_ex_say(ex, 4, SF_M_FIN_SECOND, side, sf_ex_num(ex, finrel), peer, sf_ex_num(ex, pc->fin_acked_frame));
                        add_close_item(k, r->len ? "data+FIN" : "FIN", r->frame);
                    }
                } else if (ackf && rel) {
                    sf_ex_say(ex, 4, SF_M_FIN_CROSSED, side, peer, sf_ex_num(ex, r->rel_ack), sf_ex_num(ex, pc->fin_rel));
                    add_close_item(k, r->len ? "data+FIN" : "FIN", r->frame);
                } else {
                    sf_ex_say(ex, 4, SF_M_FIN_SECOND_NOACK, side, sf_ex_num(ex, finrel));
                    add_close_item(k, "FIN", r->frame);
                }
                ack_said = 1;
            }
            if (!sc->fin_seen) { sc->fin_seen = 1; sc->fin_rel = finrel; sc->fin_frame = r->frame; }
        }
    }

    /* what the acknowledgement number says */
    int covers_fin = ackf && rel && pc->fin_seen && !pc->fin_acked && seq_ge(r->rel_ack, pc->fin_rel + 1);
    if (!ack_said && ackf && rel) {
        int pure = r->len == 0 && !fin && !(r->role & SF_ROLE_KEEPALIVE);
        if (covers_fin) {
            if (pure) sf_ex_say(ex, 4, SF_M_ACK_FIN, side, sf_ex_num(ex, r->rel_ack), peer, sf_ex_num(ex, pc->fin_rel));
            else sf_ex_say(ex, 4, SF_M_PIGGY_FIN, sf_ex_num(ex, r->rel_ack), peer, sf_ex_num(ex, pc->fin_rel));
            add_close_item(k, pure ? "ACK" : "data+ACK", r->frame);
        } else if (ack_new && pure) {
            if (r->rel_ack <= 1) sf_ex_say(ex, 4, SF_M_ACK_SYN_ONLY, side, sf_ex_num(ex, r->rel_ack));
            else {
                sf_ex_say(ex, 4, SF_M_ACK_DATA, side, sf_ex_num(ex, r->rel_ack), peer, sf_ex_num(ex, r->rel_ack - 1));
                if (!k->cumulative_said) { sf_ex_say(ex, 4, SF_M_ACK_CUMULATIVE); k->cumulative_said = 1; }
            }
        } else if (ack_new && r->rel_ack > 1) {
            sf_ex_say(ex, 4, SF_M_PIGGY, sf_ex_num(ex, r->rel_ack), peer, sf_ex_num(ex, r->rel_ack - 1));
        } else if (pure && r->analysis == 0) {
            sf_ex_say(ex, 4, SF_M_ACK_SAME, side, sf_ex_num(ex, r->rel_ack));
        }
        if (ack_new && r->acks_frame) {
            const sf_xrec *q = sf_xconn_find_frame(x, r->acks_frame);
            if (pure && q && q->app[0] && r->ack_rtt_ns >= 0) {
                char qa[256];
                sf_ex_app_text(ex, q, qa, sizeof qa);
                sf_ex_say(ex, 4, SF_M_ACK_COVERS, sf_ex_num(ex, q->frame), qa, sf_ex_dur(ex, r->ack_rtt_ns));
            } else if (r->ack_rtt_ns >= 0)
                sf_ex_say(ex, 4, SF_M_ACKS_FRAME, sf_ex_num(ex, r->acks_frame), sf_ex_dur(ex, r->ack_rtt_ns));
        }
    }
    if (ackf && rel && !syn && !rst && r->ack_check == SF_ACK_PARTIAL && seq_gt(r->expected_ack, r->rel_ack)) {
        uint32_t n = r->expected_ack - r->rel_ack;
        if (pc->fin_seen && r->expected_ack == pc->fin_rel + 1) n--;
        if (n) sf_ex_say(ex, 4, SF_M_INFLIGHT, peer, sf_ex_count(ex, n, SF_M_N_BYTE));
    }
    if (ackf && r->ack_check == SF_ACK_AHEAD && !(r->analysis & SF_AN_ACK_LOST_SEGMENT))
        sf_ex_say(ex, 4, SF_M_ACK_AHEAD);

    /* bookkeeping */
    if (!rst) sc->zero_win = r->win == 0;
    if (covers_fin) {
        pc->fin_acked = 1;
        pc->fin_acked_frame = r->frame;
        if (sc->fin_seen && sc->fin_acked && !fin) sf_ex_say(ex, 4, SF_M_LAST_OF_CLOSE);
    }
    if (ackf && rel && (!sc->ack_seen || seq_gt(r->rel_ack, sc->last_ack))) {
        sc->last_ack = r->rel_ack;
        sc->ack_seen = 1;
    }

    /* expert analysis (#4) */
    for (unsigned b = 0; b < SF_AN__COUNT; b++) {
        if (!(r->analysis & (1u << b))) continue;
        int id = SF_M_AN_RETRANSMISSION + (int)b;
        if ((1u << b) == SF_AN_RETRANSMISSION && said_again) continue; /* already told */
        switch (1u << b) {
        case SF_AN_DUPLICATE_ACK:
            sf_ex_say(ex, 4, id, sf_ex_num(ex, r->dup_ack_num), sf_ex_num(ex, r->dup_ack_frame),
                      sf_ex_num(ex, rel ? r->rel_ack : r->ack));
            break;
        case SF_AN_ZERO_WINDOW: sf_ex_say(ex, 4, id, side); break;
        case SF_AN_WINDOW_UPDATE: sf_ex_say(ex, 4, id, side, sf_ex_num(ex, r->win_scale >= 0 || r->win_scale == -2 ? r->calc_window : r->win)); break;
        case SF_AN_WINDOW_FULL: sf_ex_say(ex, 4, id, peer); break;
        case SF_AN_KEEP_ALIVE:
            if (!(r->role & SF_ROLE_KEEPALIVE)) sf_ex_say(ex, 4, id);
            break;
        default: sf_ex_say(ex, 4, id); break;
        }
    }

    /* states after the packet */
    say_state(ex, 1, k->have_states, k->cstate, r->cstate);
    say_state(ex, 0, k->have_states, k->sstate, r->sstate);
    k->have_states = 1;
    k->cstate = r->cstate;
    k->sstate = r->sstate;
}

/* ---- one connection ---- */

static void fmt_start(const sf_xconn *x, char *buf, size_t n)
{
    time_t t = (time_t)(x->first_ns / 1000000000LL);
    long long frac = x->first_ns % 1000000000LL;
    struct tm tm;
    char d[32], z[8];
    localtime_r(&t, &tm);
    /* tcpdump's default text has the time of day only: no date to show */
    int tod = x->text_input && x->first_ns < 2 * 86400 * 1000000000LL;
    strftime(d, sizeof d, tod ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S", &tm);
    if (tod) z[0] = '\0';
    else strftime(z, sizeof z, " %Z", &tm);
    if (x->ts_prec == 9) snprintf(buf, n, "%s.%09lld%s", d, frac, z);
    else snprintf(buf, n, "%s.%06lld%s", d, frac / 1000, z);
}

void sf_ex_render(sf_explain *ex, const sf_xconn *x, const sf_conn *c)
{
    sf_ex_conn k;
    memset(&k, 0, sizeof k);
    k.irtt_ns = c ? c->irtt_ns : -1;
    k.both_closed = c && c->active_closer == SF_SIDE_BOTH;
    /* initial states of a connection that starts with the client's SYN */
    const sf_xrec *r0 = sf_xconn_count(x) ? sf_xconn_at(x, 0) : NULL;
    if (r0 && (r0->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN && r0->dir == 0 &&
        !sf_xconn_gap_before(x, 0)) {
        k.have_states = 1;
        k.cstate = SF_ST_CLOSED;
        k.sstate = SF_ST_LISTEN;
    }

    char cli[96], srv[96], when[80];
    sf_x_endpoint(cli, sizeof cli, &x->ep[0], x->ipver, x->host[0]);
    sf_x_endpoint(srv, sizeof srv, &x->ep[1], x->ipver, x->host[1]);
    sf_ex_say(ex, 0, SF_M_CONN_HEAD, sf_ex_num(ex, x->id), cli, srv);
    if (c && c->client_inferred) sf_ex_say(ex, 0, SF_M_CONN_INFERRED);
    if (x->ts_missing) sf_ex_say(ex, 0, SF_M_CONN_PKTS_NOTIME, sf_ex_count(ex, x->npkts, SF_M_N_PACKET));
    else {
        fmt_start(x, when, sizeof when);
        sf_ex_say(ex, 0, SF_M_CONN_PKTS, sf_ex_count(ex, x->npkts, SF_M_N_PACKET), when);
    }
    sf_out_eol(ex->out);

    size_t n = sf_xconn_count(x);
    for (size_t i = 0; i < n; i++) {
        if (sf_xconn_gap_before(x, i)) {
            sf_ex_say(ex, 0, SF_M_ELIDED, sf_ex_count(ex, x->elided, SF_M_N_PACKET), sf_ex_num(ex, x->elided_first),
                      sf_ex_num(ex, x->elided_last));
            k.have_states = 0;
        }
        explain_pkt(ex, &k, x, sf_xconn_at(x, i));
    }
    if (x->elided && n == x->nhead)
        sf_ex_say(ex, 0, SF_M_ELIDED, sf_ex_count(ex, x->elided, SF_M_N_PACKET), sf_ex_num(ex, x->elided_first),
                  sf_ex_num(ex, x->elided_last));
    sf_out_eol(ex->out);
    if (c) sf_ex_summary(ex, &k, x, c);
    sf_out_eol(ex->out);
}

/* ---- the view ---- */

static void ex_packet(void *self, const sf_pkt *p, const sf_pinfo *pi)
{
    sf_explain *ex = self;
    if (!pi || p->status != SF_DEC_TCP) return;
    if (ex->o->only_conn >= 0 && pi->conn != (uint64_t)ex->o->only_conn) return;
    sf_xconn *x = sf_xmap_get(&ex->map, pi->conn, 1);
    if (!x) return;
    sf_xconn_add(&ex->map, x, p, pi);
}

static void ex_conn_end(void *self, const sf_conn *c)
{
    sf_explain *ex = self;
    sf_xconn *x = sf_xmap_take(&ex->map, c->id);
    if (!x) { /* not shown (--conn): a failure may still matter to a later retry */
        sf_ex_retry(ex, NULL, c);
        return;
    }
    sf_ex_render(ex, x, c);
    sf_xconn_free(&ex->map, x);
}

static void ex_finish(void *self, const sf_stats *st)
{
    sf_explain *ex = self;
    (void)st;
    sf_xconn *x;
    while ((x = sf_xmap_take_lowest(&ex->map))) { /* ended without a record: packets only */
        sf_ex_render(ex, x, NULL);
        sf_xconn_free(&ex->map, x);
    }
}

static void ex_destroy(void *self)
{
    sf_explain *ex = self;
    sf_xmap_free(&ex->map);
    free(ex);
}

int sf_view_explain(sf_view *v, const sf_opts *o, sf_out *out)
{
    sf_explain *ex = calloc(1, sizeof *ex);
    if (!ex) { fprintf(stderr, "synfin: out of memory\n"); return -1; }
    ex->o = o;
    ex->out = out;
    ex->M = sf_msgs(o->lang);
    sf_xmap_init(&ex->map);
    v->self = ex;
    v->packet = ex_packet;
    v->conn_end = ex_conn_end;
    v->finish = ex_finish;
    v->destroy = ex_destroy;
    return 0;
}

/* \summary: unit tests of the connection engine: states, roles, open/close kinds, ids, streaming, names, JSON escaping */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "t_jrun.h"
#include "../../src/track/track.h"
#include "../../src/render/view.h"
#include "../../src/render/jsonw.h"
#include "../../src/decode/decode.h"
#include "../../src/track/engine_int.h"

/* ---- a view that records what the engine reports ---- */
#define MAXP 64
typedef struct rec_view {
    sf_pinfo pi[MAXP];
    int npk;
    sf_conn conn[8];
    int nconn;
    char log[256];   /* "p" per packet, "c<id>" per conn_end, "f" at finish */
} rec_view;

static void rv_packet(void *s, const sf_pkt *p, const sf_pinfo *pi)
{
    rec_view *v = s;
    (void)p;
    if (pi && v->npk < MAXP)
        v->pi[v->npk++] = *pi;
    strncat(v->log, "p", sizeof v->log - strlen(v->log) - 1);
}

static void rv_conn(void *s, const sf_conn *c)
{
    rec_view *v = s;
    if (v->nconn < 8)
        v->conn[v->nconn++] = *c;
    char b[16];
    snprintf(b, sizeof b, "c%llu", (unsigned long long)c->id);
    strncat(v->log, b, sizeof v->log - strlen(v->log) - 1);
}

static void rv_finish(void *s, const sf_stats *st)
{
    (void)st;
    strncat(((rec_view *)s)->log, "f", sizeof ((rec_view *)s)->log - strlen(((rec_view *)s)->log) - 1);
}

typedef struct tb {
    rec_view rv;
    sf_view v;
    sf_engine *e;
    uint64_t frame;
    uint16_t cport, sport;
    uint8_t caddr[4], saddr[4];
} tb;

static void tb_init(tb *t, uint64_t max_conns)
{
    memset(t, 0, sizeof *t);
    t->v.self = &t->rv;
    t->v.packet = rv_packet;
    t->v.conn_end = rv_conn;
    t->v.finish = rv_finish;
    sf_engine_cfg cfg = { 0, max_conns };
    t->e = sf_engine_new(&cfg, &t->v);
    t->cport = 40000;
    t->sport = 80;
    memcpy(t->caddr, (uint8_t[]){ 10, 0, 0, 1 }, 4);
    memcpy(t->saddr, (uint8_t[]){ 10, 0, 0, 2 }, 4);
}

/* Feed one packet: c2s = 1 from the client. `ms` = capture time in ms. */
static const sf_pinfo *tx(tb *t, int c2s, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len, int64_t ms)
{
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = ++t->frame;
    p.ts.sec = 1000 + ms / 1000;
    p.ts.nsec = (uint32_t)(ms % 1000) * 1000000u;
    p.ts.prec = 6;
    p.status = SF_DEC_TCP;
    p.ipver = 4;
    memcpy(p.src, c2s ? t->caddr : t->saddr, 4);
    memcpy(p.dst, c2s ? t->saddr : t->caddr, 4);
    p.sport = c2s ? t->cport : t->sport;
    p.dport = c2s ? t->sport : t->cport;
    p.seq = seq;
    p.ack = ack;
    p.flags = flags;
    p.win = 1000;
    p.hlen = 20;
    p.seg_len = 20 + len;
    p.len = len;
    p.l4_caplen = 20;
    p.wscale = -1;
    p.caplen = p.wirelen = 54 + len;
    int before = t->rv.npk;
    sf_engine_packet(t->e, &p);
    return t->rv.npk > before ? &t->rv.pi[t->rv.npk - 1] : NULL;
}

static void tb_done(tb *t)
{
    sf_engine_finish(t->e);
    sf_engine_free(t->e);
}

enum { S = SF_TH_SYN, A = SF_TH_ACK, F = SF_TH_FIN, R = SF_TH_RST, P = SF_TH_PSH };
#define CI 1000u      /* client ISN */
#define SI 5000u      /* server ISN */

#define T_STATES(pi, cs, ss) do { T_EQ_STR(sf_state_name((pi)->client_state), cs); \
    T_EQ_STR(sf_state_name((pi)->server_state), ss); } while (0)

static void handshake(tb *t)
{
    tx(t, 1, S, CI, 0, 0, 0);
    tx(t, 0, S | A, SI, CI + 1, 0, 10);
    tx(t, 1, A, CI + 1, SI + 1, 0, 20);
}

TEST(track_handshake_and_fin_3way)
{
    tb t;
    tb_init(&t, 0);
    const sf_pinfo *pi = tx(&t, 1, S, CI, 0, 0, 0);
    T_EQ_INT(pi->hs_step, 1);
    T_EQ_INT(pi->role, SF_ROLE_SYN);
    T_STATES(pi, "SYN_SENT", "LISTEN");
    T_EQ_INT(pi->ack_check, SF_ACK_NA);
    pi = tx(&t, 0, S | A, SI, CI + 1, 0, 10);
    T_EQ_INT(pi->hs_step, 2);
    T_STATES(pi, "SYN_SENT", "SYN_RECEIVED");
    T_EQ_INT(pi->ack_check, SF_ACK_OK);
    T_EQ_INT(pi->rel_ack, 1);
    pi = tx(&t, 1, A, CI + 1, SI + 1, 0, 20);
    T_EQ_INT(pi->hs_step, 3);
    T_EQ_INT(pi->role, SF_ROLE_HANDSHAKE_ACK);
    T_STATES(pi, "ESTABLISHED", "ESTABLISHED");
    T_EQ_INT(pi->irtt_ns, 20000000);
    pi = tx(&t, 1, P | A, CI + 1, SI + 1, 100, 30);
    T_EQ_INT(pi->role, SF_ROLE_DATA);
    T_EQ_INT(pi->rel_seq, 1);
    T_EQ_INT(pi->nxtseq, 101);
    T_EQ_INT(pi->len, 100);
    pi = tx(&t, 0, A, SI + 1, CI + 51, 0, 40);          /* acks half of it */
    T_EQ_INT(pi->ack_check, SF_ACK_PARTIAL);
    T_EQ_INT(pi->expected_ack, 101);
    pi = tx(&t, 0, A, SI + 1, CI + 101, 0, 41);
    T_EQ_INT(pi->role, SF_ROLE_ACK);
    T_EQ_INT(pi->ack_check, SF_ACK_OK);
    pi = tx(&t, 1, F | A, CI + 101, SI + 1, 0, 50);
    T_EQ_INT(pi->close_step, 1);
    T_EQ_INT(pi->role, SF_ROLE_FIN);
    T_STATES(pi, "FIN_WAIT_1", "ESTABLISHED");
    pi = tx(&t, 0, F | A, SI + 1, CI + 102, 0, 60);
    T_EQ_INT(pi->close_step, 2);
    T_STATES(pi, "FIN_WAIT_2", "LAST_ACK");
    pi = tx(&t, 1, A, CI + 102, SI + 2, 0, 70);
    T_EQ_INT(pi->close_step, 3);
    T_STATES(pi, "TIME_WAIT", "CLOSED");
    tb_done(&t);
    T_EQ_INT(t.rv.nconn, 1);
    const sf_conn *c = &t.rv.conn[0];
    T_EQ_INT(c->id, 0);
    T_EQ_STR(sf_open_name(c->open), "handshake");
    T_EQ_STR(sf_close_name(c->close), "fin_3way");
    T_EQ_STR(sf_side_name(c->active_closer), "client");
    T_EQ_STR(sf_side_name(c->time_wait), "client");
    T_EQ_INT(c->client.port, 40000);
    T_EQ_INT(c->client_inferred, 0);
    T_EQ_INT(c->c2s.pkts, 5);
    T_EQ_INT(c->s2c.pkts, 4);
    T_EQ_INT(c->c2s.bytes, 100);
    T_EQ_INT(c->s2c.bytes, 0);
    T_EQ_INT(c->irtt_ns, 20000000);
    T_EQ_INT(c->completeness, 31);
    T_EQ_STR(c->zeek_state, "SF");
    T_EQ_STR(c->zeek_history, "ShADaFf");
    T_EQ_INT(c->client_isn, CI);
    T_EQ_INT(c->server_isn, SI);
}

TEST(track_fin_4way_server_first)
{
    tb t;
    tb_init(&t, 0);
    handshake(&t);
    const sf_pinfo *pi = tx(&t, 0, F | A, SI + 1, CI + 1, 0, 30);
    T_STATES(pi, "ESTABLISHED", "FIN_WAIT_1");
    pi = tx(&t, 1, A, CI + 1, SI + 2, 0, 40);
    T_EQ_INT(pi->close_step, 2);
    T_STATES(pi, "CLOSE_WAIT", "FIN_WAIT_2");
    pi = tx(&t, 1, F | A, CI + 1, SI + 2, 0, 50);
    T_EQ_INT(pi->close_step, 3);
    T_STATES(pi, "LAST_ACK", "FIN_WAIT_2");
    pi = tx(&t, 0, A, SI + 2, CI + 2, 0, 60);
    T_STATES(pi, "CLOSED", "TIME_WAIT");
    tb_done(&t);
    const sf_conn *c = &t.rv.conn[0];
    T_EQ_STR(sf_close_name(c->close), "fin_4way");
    T_EQ_STR(sf_side_name(c->active_closer), "server");
    T_EQ_STR(sf_side_name(c->time_wait), "server");
}

TEST(track_simultaneous_close)
{
    tb t;
    tb_init(&t, 0);
    handshake(&t);
    tx(&t, 1, F | A, CI + 1, SI + 1, 0, 30);
    const sf_pinfo *pi = tx(&t, 0, F | A, SI + 1, CI + 1, 0, 31);   /* crossed: does not ack the FIN */
    T_STATES(pi, "FIN_WAIT_1", "FIN_WAIT_1");
    pi = tx(&t, 1, A, CI + 2, SI + 2, 0, 40);
    T_STATES(pi, "CLOSING", "FIN_WAIT_2");   /* the server's receipt of the FIN shows with its ACK */
    pi = tx(&t, 0, A, SI + 2, CI + 2, 0, 41);
    T_STATES(pi, "TIME_WAIT", "TIME_WAIT");
    tb_done(&t);
    const sf_conn *c = &t.rv.conn[0];
    T_EQ_STR(sf_close_name(c->close), "simultaneous");
    T_EQ_STR(sf_side_name(c->active_closer), "both");
    T_EQ_STR(sf_side_name(c->time_wait), "both");
}

TEST(track_half_close_and_fin_with_data)
{
    tb t;
    tb_init(&t, 0);
    handshake(&t);
    tx(&t, 1, F | A, CI + 1, SI + 1, 0, 30);
    const sf_pinfo *pi = tx(&t, 0, P | A, SI + 1, CI + 2, 500, 40);   /* data after the FIN */
    T_STATES(pi, "FIN_WAIT_2", "CLOSE_WAIT");
    tx(&t, 1, A, CI + 2, SI + 501, 0, 50);
    pi = tx(&t, 0, F | P | A, SI + 501, CI + 2, 10, 60);
    T_EQ_INT(pi->role, SF_ROLE_DATA | SF_ROLE_FIN);
    tx(&t, 1, A, CI + 2, SI + 512, 0, 70);
    tb_done(&t);
    T_EQ_STR(sf_close_name(t.rv.conn[0].close), "half_close");
    T_EQ_INT(t.rv.conn[0].s2c.bytes, 510);

    tb_init(&t, 0);
    handshake(&t);
    tx(&t, 0, F | P | A, SI + 1, CI + 1, 50, 30);                      /* FIN on data */
    tx(&t, 1, F | A, CI + 1, SI + 52, 0, 40);
    tx(&t, 0, A, SI + 52, CI + 2, 0, 50);
    tb_done(&t);
    T_EQ_STR(sf_close_name(t.rv.conn[0].close), "fin_with_data");
    T_EQ_STR(sf_side_name(t.rv.conn[0].active_closer), "server");
}

TEST(track_refused_unanswered_rst)
{
    tb t;
    tb_init(&t, 0);
    tx(&t, 1, S, CI, 0, 0, 0);
    const sf_pinfo *pi = tx(&t, 0, R | A, 0, CI + 1, 0, 1);
    T_EQ_INT(pi->role, SF_ROLE_RST);
    T_STATES(pi, "CLOSED", "CLOSED");
    tb_done(&t);
    const sf_conn *c = &t.rv.conn[0];
    T_EQ_STR(sf_open_name(c->open), "refused");
    T_EQ_STR(sf_close_name(c->close), "refused");
    T_EQ_STR(sf_side_name(c->active_closer), "none");
    T_EQ_STR(c->zeek_state, "REJ");
    T_EQ_INT(c->completeness, 37);

    tb_init(&t, 0);
    tx(&t, 1, S, CI, 0, 0, 0);
    tx(&t, 1, S, CI, 0, 0, 1000);
    tx(&t, 1, S, CI, 0, 0, 3000);
    tb_done(&t);
    c = &t.rv.conn[0];
    T_EQ_INT(t.rv.nconn, 1);
    T_EQ_INT(c->syn_retransmits, 2);
    T_EQ_STR(sf_open_name(c->open), "unanswered");
    T_EQ_STR(sf_close_name(c->close), "unanswered");
    T_EQ_STR(c->zeek_state, "S0");
    T_EQ_INT(c->irtt_ns, -1);

    tb_init(&t, 0);
    handshake(&t);
    tx(&t, 0, F | A, SI + 1, CI + 1, 0, 30);
    tx(&t, 1, R | A, CI + 1, SI + 2, 0, 40);
    tb_done(&t);
    T_EQ_STR(sf_close_name(t.rv.conn[0].close), "rst_after_fin");
    T_EQ_STR(sf_side_name(t.rv.conn[0].active_closer), "server");

    tb_init(&t, 0);
    handshake(&t);
    tx(&t, 1, R | A, CI + 1, SI + 1, 0, 30);
    tb_done(&t);
    T_EQ_STR(sf_close_name(t.rv.conn[0].close), "rst_client");
    T_EQ_STR(t.rv.conn[0].zeek_state, "RSTO");
}

TEST(track_port_reuse_new_id)
{
    tb t;
    tb_init(&t, 0);
    handshake(&t);
    tx(&t, 1, F | A, CI + 1, SI + 1, 0, 30);
    tx(&t, 0, F | A, SI + 1, CI + 2, 0, 31);
    tx(&t, 1, A, CI + 2, SI + 2, 0, 32);
    const sf_pinfo *pi = tx(&t, 1, S, CI, 0, 0, 40);          /* same ISN: a retransmission */
    T_EQ_INT(pi->conn, 0);
    pi = tx(&t, 1, S, CI + 7777, 0, 0, 50);                   /* new ISN: a new connection */
    T_EQ_INT(pi->conn, 1);
    T_CHECK(pi->analysis & SF_AN_REUSED_PORTS);
    T_EQ_INT(pi->rel_seq, 0);
    T_EQ_STR(t.rv.log, "pppppppc0p");                         /* conn 0 ended before the SYN */
    tb_done(&t);
    T_EQ_INT(t.rv.nconn, 2);
    T_EQ_INT(t.rv.conn[1].id, 1);
    T_EQ_INT(t.rv.conn[1].completeness, 1);
    T_EQ_STR(sf_open_name(t.rv.conn[1].open), "unanswered");
}

TEST(track_midstream_and_syn_ack_only)
{
    tb t;
    tb_init(&t, 0);
    t.cport = 50000;
    t.sport = 443;
    const sf_pinfo *pi = tx(&t, 1, P | A, 77777, 99999, 10, 0);
    T_EQ_INT(pi->dir, 0);
    T_EQ_INT(pi->rel_seq, 1);
    T_EQ_INT(pi->rel_ack, 1);
    T_EQ_INT(pi->ack_check, SF_ACK_UNKNOWN);
    T_STATES(pi, "ESTABLISHED", "ESTABLISHED");
    pi = tx(&t, 0, A, 99999, 77787, 0, 1);
    T_EQ_INT(pi->ack_check, SF_ACK_OK);
    tb_done(&t);
    T_EQ_INT(t.rv.conn[0].client_inferred, 1);
    T_EQ_INT(t.rv.conn[0].server.port, 443);
    T_EQ_STR(sf_open_name(t.rv.conn[0].open), "midstream");
    T_EQ_STR(sf_close_name(t.rv.conn[0].close), "open");
    T_EQ_STR(t.rv.conn[0].zeek_state, "OTH");
    T_EQ_STR(t.rv.conn[0].zeek_history, "Da");   /* no 'T': the first data is not a retransmission */

    tb_init(&t, 0);
    pi = tx(&t, 0, S | A, SI, CI + 1, 0, 0);
    T_EQ_INT(pi->dir, 1);
    T_STATES(pi, "SYN_SENT", "SYN_RECEIVED");
    pi = tx(&t, 1, A, CI + 1, SI + 1, 0, 5);
    T_EQ_INT(pi->hs_step, 3);
    tb_done(&t);
    T_EQ_INT(t.rv.conn[0].client_inferred, 0);
    T_EQ_INT(t.rv.conn[0].client.port, 40000);
    T_EQ_STR(sf_open_name(t.rv.conn[0].open), "syn_ack_only");
}

TEST(track_streaming_linger_and_cap)
{
    tb t;
    tb_init(&t, 0);
    handshake(&t);
    tx(&t, 1, R | A, CI + 1, SI + 1, 0, 30);
    tx(&t, 1, R, CI + 1, 0, 0, 5000);            /* a late RST: same connection */
    T_EQ_INT(t.rv.nconn, 0);
    t.cport = 40001;
    tx(&t, 1, S, CI, 0, 0, 16000);                /* > 10 s after: conn 0 is emitted first */
    T_EQ_STR(t.rv.log, "pppppc0p");
    tb_done(&t);
    T_EQ_STR(t.rv.log, "pppppc0pc1f");

    tb_init(&t, 0);                               /* live: a clock tick without packets */
    handshake(&t);
    tx(&t, 1, R | A, CI + 1, SI + 1, 0, 30);
    sf_time now = { 1005, 0, 6 };
    sf_engine_tick(t.e, &now);
    T_EQ_INT(t.rv.nconn, 0);                      /* 5 s: still lingering */
    now.sec = 1010;
    now.nsec = 30000000;
    sf_engine_tick(t.e, &now);
    T_EQ_INT(t.rv.nconn, 0);                      /* exactly 10 s: not yet */
    now.sec = 1003;
    sf_engine_tick(t.e, &now);                    /* the clock never goes back */
    T_EQ_INT(t.rv.nconn, 0);
    now.sec = 1011;
    sf_engine_tick(t.e, &now);
    T_EQ_INT(t.rv.nconn, 1);
    T_CHECK(strchr(t.rv.log, 'f') == NULL);       /* no finish from a tick */
    tb_done(&t);
    T_EQ_INT(t.rv.nconn, 1);

    tb_init(&t, 2);
    for (int i = 0; i < 3; i++) {
        t.cport = (uint16_t)(41000 + i);
        tx(&t, 1, S, CI, 0, 0, i);
    }
    T_EQ_INT(t.rv.nconn, 1);
    T_EQ_INT(t.rv.conn[0].id, 0);
    T_EQ_INT(sf_engine_stats(t.e)->evicted_cap, 1);
    T_EQ_INT(sf_engine_stats(t.e)->conns, 3);
    tb_done(&t);
    T_EQ_INT(t.rv.nconn, 3);
    T_EQ_INT(t.rv.conn[1].id, 1);
    T_EQ_INT(t.rv.conn[2].id, 2);
}

/* An idle open connection whose idle deadline (600 s) comes before an
 * ended one's linger (10 s) must not hold the ended one back while few
 * connections are live (it once did: ended connections piled up until the
 * idle one got a packet or the input ended). */
TEST(track_linger_not_held_back_by_idle)
{
    tb t;
    tb_init(&t, 0);
    handshake(&t);                                /* conn 0: open, idle from 0.02 s */
    t.cport = 40001;
    tx(&t, 1, S, CI, 0, 0, 595000);               /* conn 1 at 595 s ... */
    tx(&t, 0, S | A, SI, CI + 1, 0, 595010);
    tx(&t, 1, A, CI + 1, SI + 1, 0, 595020);
    tx(&t, 1, R | A, CI + 1, SI + 1, 0, 595030); /* ... ends: linger until 605.03 s */
    t.cport = 40002;
    tx(&t, 1, S, CI, 0, 0, 606000);               /* conn 2 at 606 s: conn 1 is due */
    T_EQ_STR(t.rv.log, "pppppppc1p");
    T_EQ_INT(sf_engine_stats(t.e)->evicted_idle, 0);
    tb_done(&t);
    T_EQ_STR(t.rv.log, "pppppppc1pc0c2f");
}

/* Open connections are kept in order of entry until the order matters
 * (engine.c: open_exact); the cap must still evict the one idle longest,
 * which here entered first but had a packet since, and neither the first
 * nor the last to enter. */
TEST(track_cap_evicts_longest_idle_not_first_entered)
{
    tb t;
    tb_init(&t, 3);
    t.cport = 42000;                              /* conn 0: a full record (data) ... */
    tx(&t, 1, S, CI, 0, 0, 0);
    tx(&t, 0, S | A, SI, CI + 1, 0, 1);
    tx(&t, 1, A, CI + 1, SI + 1, 0, 2);
    tx(&t, 1, P | A, CI + 1, SI + 1, 10, 3);
    for (int i = 1; i < 3; i++) {                 /* conns 1, 2 */
        t.cport = (uint16_t)(42000 + i);
        tx(&t, 1, S, CI, 0, 0, 10 + i);
    }
    t.cport = 42000;
    tx(&t, 0, A, SI + 1, CI + 11, 0, 20);         /* ... that has a packet again */
    t.cport = 42003;
    tx(&t, 1, S, CI, 0, 0, 30);                   /* conn 3: over the cap */
    T_EQ_INT(t.rv.nconn, 1);
    T_EQ_INT(t.rv.conn[0].id, 1);                 /* idle longest: conn 1, not conn 0 */
    T_EQ_INT(sf_engine_stats(t.e)->evicted_cap, 1);
    t.cport = 42004;
    tx(&t, 1, S, CI, 0, 0, 40);                   /* conn 4: evicts conn 2 */
    T_EQ_INT(t.rv.nconn, 2);
    T_EQ_INT(t.rv.conn[1].id, 2);
    t.cport = 42005;
    tx(&t, 1, S, CI, 0, 0, 50);                   /* conn 5: evicts conn 0 (last packet at 20 ms) */
    T_EQ_INT(t.rv.nconn, 3);
    T_EQ_INT(t.rv.conn[2].id, 0);
    T_EQ_INT(sf_engine_stats(t.e)->evicted_cap, 3);
    tb_done(&t);
}

/* Text input: host names instead of addresses, no link-layer bytes, the
 * wire length counted from the IP header. */
static const sf_pinfo *tx_text(tb *t, int c2s, uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len,
                               uint32_t missing)
{
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = ++t->frame;
    p.ts.sec = 1000;
    p.ts.nsec = (uint32_t)t->frame * 1000u;
    p.ts.prec = 6;
    p.status = SF_DEC_TCP;
    p.ipver = 4;
    memcpy(p.src, c2s ? t->caddr : t->saddr, 4);
    memcpy(p.dst, c2s ? t->saddr : t->caddr, 4);
    p.src_name = c2s ? "localhost" : "bogon";
    p.dst_name = c2s ? "bogon" : "localhost";
    p.sport = c2s ? t->cport : t->sport;
    p.dport = c2s ? t->sport : t->cport;
    p.seq = seq;
    p.ack = ack;
    p.flags = flags;
    p.win = 1000;
    p.hlen = 20;
    p.seg_len = 20 + len;
    p.len = len;
    p.l4_caplen = 20;
    p.wscale = -1;
    p.ip_hlen = 20;
    p.ip_len = 40 + len;
    p.wirelen = p.ip_len - missing;       /* "IP truncated-ip - N bytes missing!" */
    p.caplen = 40;
    int before = t->rv.npk;
    sf_engine_packet(t->e, &p);
    return t->rv.npk > before ? &t->rv.pi[t->rv.npk - 1] : NULL;
}

TEST(track_text_input_names_and_length)
{
    tb t;
    tb_init(&t, 0);
    tx_text(&t, 1, S, CI, 0, 0, 0);
    tx_text(&t, 0, S | A, SI, CI + 1, 0, 0);
    tx_text(&t, 1, A, CI + 1, SI + 1, 0, 0);
    const sf_pinfo *pi = tx_text(&t, 1, P | A, CI + 1, SI + 1, 100, 30);
    T_CHECK(pi != NULL);
    if (pi)
        T_EQ_INT(pi->len, 70);                /* the IP length, cut at the wire length */
    sf_engine_finish(t.e);
    T_EQ_INT(t.rv.nconn, 1);
    T_EQ_STR(t.rv.conn[0].client_name, "localhost");   /* valid until sf_engine_free */
    T_EQ_STR(t.rv.conn[0].server_name, "bogon");
    T_EQ_INT(t.rv.conn[0].c2s.bytes, 70);
    sf_engine_free(t.e);

    tb_init(&t, 0);                            /* capture input: no names */
    handshake(&t);
    tb_done(&t);
    T_CHECK(t.rv.conn[0].client_name == NULL && t.rv.conn[0].server_name == NULL);
}

TEST(track_names)
{
    char b[64];
    T_EQ_STR(sf_role_str(SF_ROLE_DATA | SF_ROLE_FIN, b, sizeof b), "data+fin");
    T_EQ_STR(sf_role_str(SF_ROLE_HANDSHAKE_ACK, b, sizeof b), "handshake_ack");
    T_EQ_STR(sf_role_str(0, b, sizeof b), "other");
    T_EQ_STR(sf_role_str(SF_ROLE_SYN | SF_ROLE_DATA, b, 6), "syn");  /* whole names only */
    T_EQ_STR(sf_state_name(SF_ST_TIME_WAIT), "TIME_WAIT");
    T_EQ_STR(sf_state_name((sf_state)99), "unknown");
    T_EQ_STR(sf_open_name(SF_OPEN_INCOMPLETE), "handshake_incomplete");
    T_EQ_STR(sf_close_name(SF_CLOSE_HALF_CLOSED_AT_END), "half_closed_at_end");
    T_EQ_STR(sf_side_name(SF_SIDE_BOTH), "both");
    T_EQ_STR(sf_ack_check_name(SF_ACK_AHEAD), "ahead");
    T_EQ_STR(sf_an_name(0), "retransmission");
    T_EQ_STR(sf_an_name(14), "reused_ports");
    T_EQ_STR(sf_an_name(SF_AN__COUNT), "unknown");
}

TEST(json_escapes_untrusted_bytes)
{
    FILE *f = tmpfile();
    T_CHECK(f != NULL);
    if (!f)
        return;
    sf_out o;
    sf_out_init(&o, fileno(f), 4096);
    const char in[] = "a\"b\\c\n\x01\x7f\xc3\xa9\xff\xe4\xb8\xad\xed\xa0\x80";
    sf_jw_strn(&o, in, sizeof in - 1);
    sf_out_flush(&o);
    sf_out_free(&o);
    char got[128] = "";
    rewind(f);
    size_t n = fread(got, 1, sizeof got - 1, f);
    got[n] = 0;
    fclose(f);
    /* quote, backslash, newline, control, DEL escaped; valid UTF-8 kept;
     * a stray byte and a UTF-16 surrogate encoded as \u00XX per byte */
    T_EQ_STR(got, "\"a\\\"b\\\\c\\n\\u0001\\u007f\xc3\xa9\\u00ff\xe4\xb8\xad\\u00ed\\u00a0\\u0080\"");
}

/* ---- SYN-only connections kept compact: the output must be the same ---- */

/* A scripted packet: client index, direction, flags, seq, ack, len, ms, options. */
typedef struct sp { int cli, c2s; uint16_t flags; uint32_t seq, ack, len; int64_t ms; int opt; int v6; int win0; } sp;

static const uint8_t opt_linux[20] = { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
static const uint8_t opt_ws[4] = { 1, 3, 3, 14 };
static const uint8_t opt_long[32] = { 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1,
                                      0, 0, 0, 0, 1, 3, 3, 7, 1, 1, 1, 0 };
static const uint8_t opt_sack[12] = { 1, 1, 5, 10, 0, 0, 0x13, 0x88, 0, 0, 0x17, 0x70 };

static void sp_feed(sf_engine *e, const sp *s, uint64_t frame)
{
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = frame;
    p.ts.sec = 1000 + s->ms / 1000;
    p.ts.nsec = (uint32_t)(s->ms % 1000) * 1000000u;
    p.ts.prec = 6;
    p.status = SF_DEC_TCP;
    p.ipver = s->v6 ? 6 : 4;
    uint8_t ca[16] = { 10, 0, (uint8_t)(s->cli >> 8), (uint8_t)s->cli }, sa[16] = { 10, 1, 0, 1 };
    if (s->v6) {
        ca[0] = 0x20, ca[1] = 0x01, ca[15] = (uint8_t)s->cli;
        sa[0] = 0x20, sa[1] = 0x01, sa[15] = 0xfe;
    }
    int sym = s->cli == 999;
    memcpy(p.src, s->c2s || sym ? ca : sa, 16);
    memcpy(p.dst, s->c2s && !sym ? sa : ca, 16);
    uint16_t cp = sym ? 5555 : (uint16_t)(30000 + s->cli), svp = sym ? 5555 : 443;
    p.sport = s->c2s ? cp : svp;
    p.dport = s->c2s ? svp : cp;
    p.seq = s->seq;
    p.ack = s->ack;
    p.flags = s->flags;
    p.win = s->win0 ? 0 : 1000;
    static const uint8_t *const opts[] = { NULL, opt_linux, opt_ws, opt_long, opt_sack };
    static const uint32_t olen[] = { 0, 20, 4, 32, 12 };
    p.opt = opts[s->opt];
    p.opt_len = olen[s->opt];
    p.hlen = (uint16_t)(20 + p.opt_len);
    p.seg_len = p.hlen + s->len;
    p.len = s->len;
    p.l4_caplen = p.hlen;
    sf_decode_tcp_options(&p);
    p.caplen = p.wirelen = 14 + (s->v6 ? 40u : 20u) + p.seg_len;
    sf_engine_packet(e, &p);
}

/* Run the script through an engine with the json view; returns the output. */
static char *sp_run(const sp *script, size_t n, int compact, uint64_t max_conns)
{
    t_jrun r;
    sf_engine_cfg cfg = { 0, max_conns };
    if (t_jrun_open(&r, &cfg))
        return NULL;
    sf_engine_set_compact(r.e, compact);
    for (size_t i = 0; i < n; i++)
        sp_feed(r.e, &script[i], i + 1);
    return t_jrun_close(&r);
}

/* The script's output with compact records equals that with full ones,
 * is longer than min_len bytes, and does not contain `absent` (if set). */
static void sp_same_output(const sp *script, size_t n, uint64_t max_conns, size_t min_len, const char *absent)
{
    char *a = sp_run(script, n, 1, max_conns), *b = sp_run(script, n, 0, max_conns);
    T_CHECK(a && b && strlen(a) > min_len && (!absent || strstr(a, absent) == NULL));
    if (a && b)
        T_CHECK(!strcmp(a, b));
    free(a);
    free(b);
}

TEST(track_compact_syn_same_output)
{
    static const sp script[] = {
        { 1, 1, S, 100, 0, 0, 0, 1, 0, 0 },                 /* SYN, Linux options, answered */
        { 2, 1, S | 0xc0, 200, 77, 0, 1, 2, 0, 0 },         /* ECE+CWR, a stray ack field, wscale */
        { 3, 1, S, 300, 0, 0, 2, 0, 1, 0 },                 /* IPv6 */
        { 4, 1, S, 400, 0, 0, 3, 1, 0, 0 },                 /* refused */
        { 5, 1, S, 500, 0, 0, 4, 0, 0, 0 },                 /* retransmitted */
        { 999, 1, S, 600, 0, 0, 5, 0, 0, 0 },               /* src == dst */
        { 1, 0, S | A, 9000, 101, 0, 10, 1, 0, 0 },
        { 4, 0, R | A, 0, 401, 0, 11, 0, 0, 0 },
        { 1, 1, A, 101, 9001, 0, 20, 0, 0, 0 },
        { 999, 1, S, 600, 0, 0, 25, 0, 0, 0 },
        { 1, 1, P | A, 101, 9001, 10, 30, 0, 0, 0 },
        { 5, 1, S, 500, 0, 0, 1004, 0, 0, 0 },
        { 6, 1, S, 700, 0, 0, 1100, 2, 0, 0 },
        { 6, 1, S, 7777, 0, 0, 1200, 2, 0, 0 },             /* a new ISN: a new connection */
        { 7, 1, S, 800, 0, 0, 1300, 0, 0, 0 },              /* never answered: written at the end */
        { 3, 0, S | A, 3000, 301, 0, 1400, 0, 1, 0 },
        { 8, 1, S, 900, 0, 0, 1500, 0, 0, 1 },           /* zero window: Zeek's 'W' */
        { 8, 0, S | A, 4000, 901, 0, 1600, 0, 0, 0 },
        { 9, 1, S, 1000, 0, 0, 1700, 1, 0, 0 },          /* a handshake, then pure ACKs */
        { 9, 0, S | A, 5000, 1001, 0, 1710, 1, 0, 0 },
        { 9, 1, A, 1001, 5001, 0, 1720, 4, 0, 0 },       /* 3 packets, 52 option bytes */
        { 9, 0, A, 5001, 1001, 0, 1730, 4, 0, 0 },       /* a 4th: a full record */
        { 10, 1, S, 2000, 0, 0, 1800, 0, 0, 0 },
        { 10, 0, S | A, 6000, 2001, 0, 6800, 0, 0, 0 },  /* 5 s later: beyond 2^32 ns */
        { 11, 1, S, 3000, 0, 0, 1900, 0, 0, 0 },
        { 11, 0, S | A, 7000, 3001, 0, 1850, 0, 0, 0 },  /* the clock went back */
        { 12, 1, F | A, 4000, 8000, 0, 2000, 0, 0, 0 },  /* midstream: FIN, ACK, FIN */
        { 12, 0, A, 8000, 4001, 0, 2010, 0, 0, 0 },
        { 12, 0, F | A, 8000, 4001, 0, 2020, 0, 0, 0 },
        { 13, 1, S, 5000, 0, 0, 2100, 3, 0, 0 },         /* options too long for one packet */
        { 14, 1, S, 6000, 0, 0, 2200, 1, 0, 0 },
        { 14, 0, S | A, 9000, 6001, 0, 2210, 3, 0, 0 },  /* 20 + 32 bytes of options */
        { 14, 1, A, 6001, 9001, 0, 2220, 2, 0, 0 },      /* ... + 4: more than 56 */
        { 7, 1, S, 800, 0, 0, 2300, 0, 0, 0 },           /* a SYN again, 1 s after */
    };
    size_t n = sizeof script / sizeof script[0];
    sp_same_output(script, n, 0, 1000, NULL);
    sp_same_output(script, n, 2, 0, "\"evicted_cap\":0}");   /* evictions over the cap */
}

/* More handshakes in flight than the engine keeps states of compact
 * connections for (SF_TMP_SLOTS, 64): their SYN-ACKs and ACKs come in
 * another order than their SYNs, so slots are taken over and states
 * rebuilt by replay; the output must be that of full records. */
TEST(track_compact_slots_reused)
{
    enum { N = 150 };
    static sp script[4 * N];
    size_t n = 0;
    int64_t ms = 0;
    for (int i = 0; i < N; i++)
        script[n++] = (sp){ 100 + i, 1, S, 1000u * (uint32_t)i, 0, 0, ms++, 1, 0, 0 };
    for (int k = 0; k < N; k++) {
        const int i = k * 37 % N;
        script[n++] = (sp){ 100 + i, 0, S | A, 500000u + (uint32_t)i, 1000u * (uint32_t)i + 1, 0, ms++, 1, 0, 0 };
    }
    for (int k = 0; k < N; k++) {
        const int i = k * 53 % N;
        script[n++] = (sp){ 100 + i, 1, A, 1000u * (uint32_t)i + 1, 500001u + (uint32_t)i, 0, ms++, 0, 0, 0 };
    }
    for (int i = 0; i < N; i += 3)               /* payload: those move to full records */
        script[n++] = (sp){ 100 + i, 1, P | A, 1000u * (uint32_t)i + 1, 500001u + (uint32_t)i, 10, ms++, 0, 0, 0 };
    sp_same_output(script, n, 0, 100000, NULL);
}

TEST(conns_view_host_names_escaped)
{
    FILE *f = tmpfile();
    T_CHECK(f != NULL);
    if (!f)
        return;
    sf_out o;
    sf_out_init(&o, fileno(f), 4096);
    sf_view v;
    memset(&v, 0, sizeof v);
    sf_view_conns(&v, NULL, &o);
    sf_engine *e = sf_engine_new(NULL, &v);
    sf_pkt p;
    memset(&p, 0, sizeof p);
    p.frame = 1;
    p.ts.sec = 1000;
    p.ts.prec = 6;
    p.status = SF_DEC_TCP;
    p.ipver = 4;
    p.src[0] = 240, p.dst[0] = 241;
    p.src_name = "web\x01" "srv";
    p.dst_name = "db";
    p.sport = 40000;
    p.dport = 5432;
    p.flags = SF_TH_SYN;
    p.hlen = 20;
    p.seg_len = 20;
    p.l4_caplen = 20;
    p.wscale = -1;
    p.ip_hlen = 20;
    p.ip_len = p.wirelen = p.caplen = 40;
    sf_engine_packet(e, &p);
    sf_engine_finish(e);
    sf_engine_free(e);
    v.destroy(v.self);
    sf_out_flush(&o);
    sf_out_free(&o);
    char buf[2048] = "";
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    T_CHECK(strstr(buf, "   0  web\\x01srv:40000      db:5432               unanswered ") != NULL);
}

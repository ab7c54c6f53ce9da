/* \summary: internals shared by explain.c and explain_sum.c */
#ifndef SF_EXPLAIN_INT_H
#define SF_EXPLAIN_INT_H
#include <stdint.h>
#include "view.h"
#include "explain_buf.h"

#define SF_EX_POOL 32
#define SF_EX_MAX_FAILS 32
#define SF_EX_MAX_CLOSE 8

/* A failed connection remembered so that a later one from the same client
 * host to the same server can be told as a retry. */
typedef struct sf_ex_fail {
    uint8_t used, ipver;
    uint8_t cip[16];
    sf_endpoint srv;
    uint64_t id;
    int64_t end_ns;
    int reason;                  /* SF_M_REASON_* */
    int16_t alert;
} sf_ex_fail;

typedef struct sf_explain {
    const sf_opts *o;
    sf_out *out;
    const char *const *M;
    sf_xmap map;
    sf_ex_fail fails[SF_EX_MAX_FAILS];
    unsigned fail_next;
    char pool[SF_EX_POOL][48];
    unsigned pooli;
} sf_explain;

/* What the narrative knows about one side while walking a connection. */
typedef struct sf_ex_side {
    uint8_t have_isn, syn_sent, fin_seen, fin_acked, ack_seen, half_said;
    uint8_t zero_win;            /* its last packet advertised a zero window */
    uint32_t isn;                /* raw */
    uint32_t fin_rel;            /* relative seq of its FIN */
    uint64_t fin_frame, fin_acked_frame;
    int64_t syn_ns;              /* time of its last SYN */
    uint32_t last_ack;           /* highest relative ack it sent */
} sf_ex_side;

typedef struct sf_ex_conn {
    sf_ex_side side[2];
    uint8_t have_states, cstate, sstate;
    uint64_t data_pkts;
    uint8_t cumulative_said;
    int64_t irtt_ns;
    int both_closed;             /* the connection's close turned out simultaneous */
    struct { char what[16]; uint64_t frame; } close[SF_EX_MAX_CLOSE];
    unsigned nclose;
} sf_ex_conn;

const char *sf_ex_num(sf_explain *ex, uint64_t v);
const char *sf_ex_dur(sf_explain *ex, int64_t ns);
/* "1 packet" / "3 packets": one = the singular message id (plural is one + 1). */
const char *sf_ex_count(sf_explain *ex, uint64_t n, int one);
void sf_ex_say(sf_explain *ex, int ind, int id, ...);
void sf_ex_fmt(sf_explain *ex, char *dst, size_t n, int id, ...);
void sf_ex_app_text(sf_explain *ex, const sf_xrec *r, char *dst, size_t n);
/* Renders a connection: its packets, then (when c != NULL) its summary. */
void sf_ex_render(sf_explain *ex, const sf_xconn *x, const sf_conn *c);
/* The sentence on a TLS alert sent by side dir (explain_sum.c). */
void sf_ex_alert(sf_explain *ex, int dir, int desc, int level);
/* The retry story across connections (explain_sum.c); x may be NULL for a
 * connection that is not shown, which is then only remembered. */
void sf_ex_retry(sf_explain *ex, const sf_xconn *x, const sf_conn *c);
/* The summary paragraph (explain_sum.c). */
void sf_ex_summary(sf_explain *ex, const sf_ex_conn *k, const sf_xconn *x, const sf_conn *c);

#endif

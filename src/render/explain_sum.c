/* \summary: explain view: the per-connection summary and the retry story across connections */
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include "explain_int.h"
#include "i18n.h"

static const sf_xrec *first_with(const sf_xconn *x, int (*pred)(const sf_xrec *), int last)
{
    const sf_xrec *found = NULL;
    size_t n = sf_xconn_count(x);
    for (size_t i = 0; i < n; i++) {
        const sf_xrec *r = sf_xconn_at(x, i);
        if (pred(r)) { found = r; if (!last) break; }
    }
    return found;
}
static int is_syn(const sf_xrec *r) { return (r->flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_SYN; }
static int is_synack(const sf_xrec *r) { return (r->flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK); }
static int is_hs3(const sf_xrec *r) { return r->hs_step == 3; }
static int is_rst(const sf_xrec *r) { return (r->flags & SF_TH_RST) != 0; }
static int is_fin(const sf_xrec *r) { return (r->flags & SF_TH_FIN) != 0; }

static int alert_gloss(int desc)
{
    switch (desc) {
    case 0: return SF_M_ALERT_CLOSE_NOTIFY;
    case 48: return SF_M_ALERT_UNKNOWN_CA;
    case 42: return SF_M_ALERT_BAD_CERTIFICATE;
    case 46: return SF_M_ALERT_CERTIFICATE_UNKNOWN;
    case 45: return SF_M_ALERT_CERTIFICATE_EXPIRED;
    case 40: return SF_M_ALERT_HANDSHAKE_FAILURE;
    case 70: return SF_M_ALERT_PROTOCOL_VERSION;
    default: return SF_M_ALERT_OTHER;
    }
}

static const char *alert_name(int desc)
{
    const char *s = sf_tls_alert_name(desc);
    return s ? s : "?";
}

void sf_ex_alert(sf_explain *ex, int dir, int desc, int level)
{
    const char *const *M = ex->M;
    const char *lvl = level == 2 ? M[SF_M_FATAL] : level == 1 ? M[SF_M_WARNING] : "?";
    sf_ex_say(ex, 4, SF_M_SUM_ALERT, M[dir ? SF_M_SERVER : SF_M_CLIENT], alert_name(desc), lvl, M[alert_gloss(desc)]);
}

/* Did the connection fail (returns a SF_M_REASON_* id) or succeed (0, *how set)? */
static int outcome(const sf_xconn *x, const sf_conn *c, int *how, int16_t *alert)
{
    *how = 0;
    *alert = -1;
    int seen = x && x->alert_seen;
    int fatal_alert = seen ? (x->alert_level == 2 || x->alert_desc != 0) : (c->app.alert_desc > 0);
    if (fatal_alert) { *alert = seen ? x->alert_desc : c->app.alert_desc; return SF_M_REASON_ALERT; }
    if (c->open == SF_OPEN_REFUSED || c->close == SF_CLOSE_REFUSED) return SF_M_REASON_REFUSED;
    if (c->open == SF_OPEN_UNANSWERED || c->close == SF_CLOSE_UNANSWERED) return SF_M_REASON_UNANSWERED;
    if (c->app.proto == SF_APP_TLS) {
        if (x ? (x->appdata_dir[0] && x->appdata_dir[1]) : c->app.tls_app_data) { *how = SF_M_HOW_TLS; return 0; }
    } else if (c->app.proto == SF_APP_HTTP) {
        if (c->app.http_status >= 100 && c->app.http_status < 400) { *how = SF_M_HOW_HTTP; return 0; }
    } else if (c->c2s.bytes && c->s2c.bytes &&
               (c->close == SF_CLOSE_FIN_4WAY || c->close == SF_CLOSE_FIN_3WAY ||
                c->close == SF_CLOSE_FIN_WITH_DATA || c->close == SF_CLOSE_SIMULTANEOUS ||
                c->close == SF_CLOSE_HALF_CLOSE)) {
        *how = SF_M_HOW_TCP;
        return 0;
    }
    if (c->close == SF_CLOSE_RST_CLIENT || c->close == SF_CLOSE_RST_SERVER || c->close == SF_CLOSE_RST_AFTER_FIN)
        return SF_M_REASON_RST;
    return -1; /* neither: nothing to say */
}

/* Tells the retry story in c's summary (x != NULL), and remembers c when it
 * failed (also for connections not shown, x == NULL, e.g. with --conn). */
void sf_ex_retry(sf_explain *ex, const sf_xconn *x, const sf_conn *c)
{
    int how;
    int16_t alert;
    int res = outcome(x, c, &how, &alert);
    int alen = c->ipver == 6 ? 16 : 4;
    sf_ex_fail *prev = NULL;
    int64_t start = x ? x->first_ns : c->first_ts.sec * 1000000000LL + c->first_ts.nsec;
    for (unsigned i = 0; i < SF_EX_MAX_FAILS; i++) {
        sf_ex_fail *f = &ex->fails[i];
        if (!f->used || f->ipver != c->ipver || f->id == c->id || f->end_ns > start) continue;
        if (memcmp(f->cip, c->client.addr, (size_t)alen) || memcmp(f->srv.addr, c->server.addr, (size_t)alen) ||
            f->srv.port != c->server.port)
            continue;
        if (!prev || f->end_ns > prev->end_ns) prev = f;
    }
    if (prev && res >= 0 && x) {
        char ip[64], srv[96], reason[128], dur[48];
        sf_endpoint cep = c->client;
        sf_x_endpoint(ip, sizeof ip, &cep, c->ipver, x->host[0]);
        char *colon = strrchr(ip, ':'); /* the client host without its port */
        if (colon) *colon = '\0';
        sf_x_endpoint(srv, sizeof srv, &c->server, c->ipver, x->host[1]);
        if (prev->reason == SF_M_REASON_ALERT) sf_ex_fmt(ex, reason, sizeof reason, SF_M_REASON_ALERT, alert_name(prev->alert));
        else sf_ex_fmt(ex, reason, sizeof reason, prev->reason);
        sf_x_dur(dur, sizeof dur, start - prev->end_ns);
        char line[1024], tail[512];
        sf_ex_fmt(ex, line, sizeof line, SF_M_SUM_RETRY, ip, srv, sf_ex_num(ex, prev->id), reason, dur,
                  sf_ex_num(ex, c->client.port));
        if (res == 0) {
            char hs[256];
            if (how == SF_M_HOW_HTTP) sf_ex_fmt(ex, hs, sizeof hs, how, sf_ex_num(ex, (uint64_t)c->app.http_status));
            else sf_ex_fmt(ex, hs, sizeof hs, how);
            sf_ex_fmt(ex, tail, sizeof tail, SF_M_SUM_RETRY_OK, hs);
        } else {
            sf_ex_fmt(ex, tail, sizeof tail, SF_M_SUM_RETRY_FAIL);
        }
        sf_out_str(ex->out, "  ");
        sf_out_str(ex->out, line);
        sf_out_str(ex->out, tail);
        sf_out_eol(ex->out);
    }
    if (prev && res == 0) prev->used = 0; /* the story ends well; later attempts start afresh */
    if (res > 0) { /* remember the failure */
        sf_ex_fail *f = &ex->fails[ex->fail_next++ % SF_EX_MAX_FAILS];
        memset(f, 0, sizeof *f);
        f->used = 1;
        f->ipver = c->ipver;
        memcpy(f->cip, c->client.addr, 16);
        f->srv = c->server;
        f->id = c->id;
        f->end_ns = x ? x->last_ns : c->last_ts.sec * 1000000000LL + c->last_ts.nsec;
        f->reason = res;
        f->alert = alert;
    }
}

void sf_ex_summary(sf_explain *ex, const sf_ex_conn *k, const sf_xconn *x, const sf_conn *c)
{
    const char *const *M = ex->M;
    const char *cl = M[SF_M_CLIENT], *sv = M[SF_M_SERVER];
    sf_ex_say(ex, 0, SF_M_SUM_TITLE, sf_ex_num(ex, c->id));

    /* opening */
    switch (c->open) {
    case SF_OPEN_HANDSHAKE: {
        const sf_xrec *a = first_with(x, is_syn, 1), *b = first_with(x, is_synack, 0), *h = first_with(x, is_hs3, 0);
        sf_ex_say(ex, 2, SF_M_SUM_OPEN_HS, a ? sf_ex_num(ex, a->frame) : "?", b ? sf_ex_num(ex, b->frame) : "?",
                  h ? sf_ex_num(ex, h->frame) : "?", sf_ex_dur(ex, c->irtt_ns));
        if (c->syn_retransmits) sf_ex_say(ex, 2, SF_M_SUM_OPEN_HS_RETRY, sf_ex_count(ex, c->syn_retransmits, SF_M_N_TIME));
        break;
    }
    case SF_OPEN_SIMULTANEOUS: sf_ex_say(ex, 2, SF_M_SUM_OPEN_SIMUL); break;
    case SF_OPEN_REFUSED: {
        const sf_xrec *r = first_with(x, is_rst, 0);
        sf_ex_say(ex, 2, SF_M_SUM_OPEN_REFUSED, r ? sf_ex_num(ex, r->frame) : "?");
        break;
    }
    case SF_OPEN_UNANSWERED: sf_ex_say(ex, 2, SF_M_SUM_OPEN_UNANSWERED, sf_ex_count(ex, 1 + (uint64_t)c->syn_retransmits, SF_M_N_TIME)); break;
    case SF_OPEN_SYN_ACK_ONLY: sf_ex_say(ex, 2, SF_M_SUM_OPEN_SYNACK_ONLY); break;
    case SF_OPEN_MIDSTREAM: sf_ex_say(ex, 2, SF_M_SUM_OPEN_MIDSTREAM); break;
    case SF_OPEN_INCOMPLETE: sf_ex_say(ex, 2, SF_M_SUM_OPEN_INCOMPLETE); break;
    default: break;
    }
    sf_ex_say(ex, 2, SF_M_SUM_DATA, sf_ex_count(ex, c->c2s.pkts, SF_M_N_PACKET),
              sf_ex_count(ex, c->c2s.bytes, SF_M_N_BYTE), sf_ex_count(ex, c->s2c.pkts, SF_M_N_PACKET),
              sf_ex_count(ex, c->s2c.bytes, SF_M_N_BYTE));

    /* application */
    if (c->app.proto == SF_APP_HTTP && c->app.http_requests) {
        char meth[16], uri[128];
        snprintf(meth, sizeof meth, "%s", c->app.http_method);
        snprintf(uri, sizeof uri, "%s", c->app.http_uri);
        for (char *p = uri; *p; p++) if ((unsigned char)*p < 0x20) *p = '?';
        if (c->app.http_status > 0)
            sf_ex_say(ex, 2, SF_M_SUM_HTTP, sf_ex_count(ex, c->app.http_requests, SF_M_N_REQUEST), meth, uri,
                      sf_ex_num(ex, (uint64_t)c->app.http_status));
        else
            sf_ex_say(ex, 2, SF_M_SUM_HTTP_NOSTATUS, sf_ex_count(ex, c->app.http_requests, SF_M_N_REQUEST), meth, uri);
    } else if (c->app.proto == SF_APP_TLS) {
        const char *v = c->app.tls_version ? sf_tls_version_name(c->app.tls_version) : NULL;
        if (v) sf_ex_say(ex, 2, SF_M_SUM_TLS, v);
        else sf_ex_say(ex, 2, SF_M_SUM_TLS_NOVER);
        if (c->app.sni[0]) {
            char sni[72];
            snprintf(sni, sizeof sni, "%s", c->app.sni);
            for (char *p = sni; *p; p++) if ((unsigned char)*p < 0x20) *p = '?';
            sf_ex_say(ex, 2, SF_M_SUM_SNI, sni);
        }
    }
    if (x->alert_seen || c->app.alert_desc >= 0) {
        int desc = x->alert_seen ? x->alert_desc : c->app.alert_desc;
        int from = x->alert_seen ? x->alert_from : c->app.alert_from;
        const char *lvl = !x->alert_seen ? "?" : x->alert_level == 2 ? M[SF_M_FATAL] : x->alert_level == 1 ? M[SF_M_WARNING] : "?";
        sf_ex_say(ex, 2, SF_M_SUM_ALERT, M[from ? SF_M_SERVER : SF_M_CLIENT], alert_name(desc), lvl,
                  M[alert_gloss(desc)]);
    }

    /* closing */
    const char *closer = c->active_closer == SF_SIDE_SERVER ? sv : cl;
    const char *other = c->active_closer == SF_SIDE_SERVER ? cl : sv;
    switch (c->close) {
    case SF_CLOSE_FIN_4WAY: sf_ex_say(ex, 2, SF_M_SUM_CLOSE_4WAY, closer, other); break;
    case SF_CLOSE_FIN_3WAY: sf_ex_say(ex, 2, SF_M_SUM_CLOSE_3WAY, closer, other); break;
    case SF_CLOSE_FIN_WITH_DATA: {
        int cd = c->active_closer == SF_SIDE_SERVER;
        uint64_t f = k->side[cd].fin_frame;
        sf_ex_say(ex, 2, SF_M_SUM_CLOSE_DATA, closer, f ? sf_ex_num(ex, f) : "?");
        break;
    }
    case SF_CLOSE_SIMULTANEOUS: sf_ex_say(ex, 2, SF_M_SUM_CLOSE_SIMUL); break;
    case SF_CLOSE_HALF_CLOSE: {
        int cd = c->active_closer == SF_SIDE_SERVER;
        uint64_t after = 0;
        size_t n = sf_xconn_count(x);
        for (size_t i = 0; i < n; i++) {
            const sf_xrec *r = sf_xconn_at(x, i);
            if (r->dir != cd && k->side[cd].fin_frame && r->frame > k->side[cd].fin_frame &&
                !(r->analysis & (SF_AN_RETRANSMISSION | SF_AN_FAST_RETRANSMISSION | SF_AN_SPURIOUS_RETRANSMISSION)))
                after += r->len;
        }
        if (!x->elided && after) sf_ex_say(ex, 2, SF_M_SUM_CLOSE_HALF, closer, other, sf_ex_count(ex, after, SF_M_N_BYTE));
        else sf_ex_say(ex, 2, SF_M_SUM_CLOSE_HALF_NOBYTES, closer, other);
        break;
    }
    case SF_CLOSE_RST_CLIENT: case SF_CLOSE_RST_SERVER: {
        int rd = c->close == SF_CLOSE_RST_SERVER;
        const sf_xrec *r = NULL;
        size_t n = sf_xconn_count(x);
        for (size_t i = 0; i < n && !r; i++) {
            const sf_xrec *q = sf_xconn_at(x, i);
            if (is_rst(q) && q->dir == rd) r = q;
        }
        sf_ex_say(ex, 2, SF_M_SUM_CLOSE_RST, M[rd ? SF_M_SERVER : SF_M_CLIENT], r ? sf_ex_num(ex, r->frame) : "?");
        break;
    }
    case SF_CLOSE_RST_AFTER_FIN: {
        const sf_xrec *f = first_with(x, is_fin, 0), *r = first_with(x, is_rst, 0);
        int fd = f ? f->dir : 0;
        sf_ex_say(ex, 2, SF_M_SUM_CLOSE_RST_AFTER_FIN, M[fd ? SF_M_SERVER : SF_M_CLIENT], f ? sf_ex_num(ex, f->frame) : "?",
                  M[r && r->dir ? SF_M_SERVER : SF_M_CLIENT], r ? sf_ex_num(ex, r->frame) : "?");
        break;
    }
    case SF_CLOSE_OPEN: case SF_CLOSE_HALF_CLOSED_AT_END:
        if (k->side[0].fin_seen != k->side[1].fin_seen)
            sf_ex_say(ex, 2, SF_M_SUM_CLOSE_HALF_OPEN, M[k->side[1].fin_seen ? SF_M_SERVER : SF_M_CLIENT]);
        else
            sf_ex_say(ex, 2, SF_M_SUM_CLOSE_OPEN);
        break;
    default: break;
    }
    if (k->nclose) {
        char list[512] = "", item[96];
        size_t at = 0;
        for (unsigned i = 0; i < k->nclose; i++) {
            sf_ex_fmt(ex, item, sizeof item, SF_M_SUM_CLOSE_ITEM, k->close[i].what, sf_ex_num(ex, k->close[i].frame));
            at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? M[SF_M_SUM_SEP] : "", item);
            if (at >= sizeof list) break;
        }
        sf_ex_say(ex, 2, SF_M_SUM_CLOSE_SEQ, list);
    }
    if (c->time_wait == SF_SIDE_CLIENT || c->time_wait == SF_SIDE_SERVER) {
        int tw = c->time_wait == SF_SIDE_SERVER;
        sf_ex_say(ex, 2, SF_M_SUM_TIME_WAIT, M[tw ? SF_M_SERVER : SF_M_CLIENT], M[tw ? SF_M_CLIENT : SF_M_SERVER],
                  sf_state_name(tw ? c->client_state : c->server_state));
    }
    if (c->time_wait == SF_SIDE_BOTH) sf_ex_say(ex, 2, SF_M_SUM_TIME_WAIT_BOTH);
    sf_ex_say(ex, 2, SF_M_SUM_FINAL, sf_state_name(c->client_state), sf_state_name(c->server_state));
    if (!x->ts_missing)
        sf_ex_say(ex, 2, SF_M_SUM_DURATION, sf_ex_dur(ex, x->last_ns - x->first_ns));
    if (c->rtt_n)
        sf_ex_say(ex, 2, SF_M_SUM_RTT, sf_ex_dur(ex, c->rtt_min_ns), sf_ex_dur(ex, c->rtt_sum_ns / (int64_t)c->rtt_n),
                  sf_ex_dur(ex, c->rtt_max_ns), sf_ex_count(ex, c->rtt_n, SF_M_N_SAMPLE));

    /* anomalies */
    char an[512] = "";
    size_t at = 0;
    for (unsigned b = 0; b < SF_AN__COUNT && at < sizeof an; b++) {
        if (!c->an_count[b]) continue;
        const char *nm = sf_an_name(b);
        at += (size_t)snprintf(an + at, sizeof an - at, "%s%s x%u", at ? ", " : "", nm ? nm : "?", c->an_count[b]);
    }
    if (an[0]) sf_ex_say(ex, 2, SF_M_SUM_AN, an);
    else sf_ex_say(ex, 2, SF_M_SUM_AN_NONE);
    if (c->c2s.retrans_bytes || c->s2c.retrans_bytes)
        sf_ex_say(ex, 2, SF_M_SUM_RETRANS_BYTES, sf_ex_num(ex, c->c2s.retrans_bytes), sf_ex_num(ex, c->s2c.retrans_bytes));
    if (x->elided) sf_ex_say(ex, 2, SF_M_SUM_ELIDED, sf_ex_count(ex, x->elided, SF_M_N_PACKET));
    sf_ex_retry(ex, x, c);
}

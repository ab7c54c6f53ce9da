/* \summary: the lines view (default): tcpdump -nn lines, each followed by what the packet means */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "view.h"
#include "tcpdump.h"
#include "tcpdump_int.h"

typedef struct lines_view {
    sf_out *out;
    sf_tdseq *seq;
    sf_tdfmt fmt;
    int plain;
} lines_view;

/* After `length N`, a short label of what the app parsers recognised, in
 * tcpdump's manner (": HTTP: GET /x HTTP/1.1"). */
static void app_label(sf_out *o, const sf_appinfo *a)
{
    if (a->proto == SF_APP_HTTP) {
        if (a->http_method[0])
            sf_out_printf(o, ": HTTP: %s %s%s%s", a->http_method, a->http_uri,
                          a->http_version[0] ? " " : "", a->http_version);
        else if (a->http_status)
            sf_out_printf(o, ": HTTP: %s %d %s", a->http_version[0] ? a->http_version : "HTTP/1.1",
                          a->http_status, a->http_reason);
        else
            sf_out_str(o, ": HTTP");
        return;
    }
    if (a->proto != SF_APP_TLS || a->nrec == 0) return;
    sf_out_str(o, ": TLS");
    for (unsigned i = 0; i < a->nrec && i < SF_APP_MAX_RECS; i++) {
        const sf_tls_rec *r = &a->rec[i];
        const char *nm;
        if (r->content_type == 22 && r->encrypted) nm = "EncryptedHandshake";
        else if (r->content_type == 22 && r->hs_type >= 0) nm = sf_tls_hs_name(r->hs_type);
        else nm = sf_tls_ct_name(r->content_type);
        sf_out_printf(o, "%s%s", i ? ", " : " ", nm ? nm : "?");
        if (r->content_type == 22 && r->hs_type == 1 && a->sni[0]) sf_out_printf(o, " SNI=%s", a->sni);
        if (r->content_type == 21 && !r->encrypted) {
            const char *ad = sf_tls_alert_name(r->alert_desc);
            if (ad) sf_out_printf(o, " %s", ad);
        }
    }
}

/* "  conn 0 · handshake 2/3 · client SYN_SENT · server SYN_RECEIVED" plus
 * the seq/ack check and analysis flags when there is something to say. */
static void annotate(sf_out *o, const sf_pinfo *pi)
{
#define DOT " \xc2\xb7 "
    TD_LIT(o, "  conn ");
    td_num(o, pi->conn);
    char rb[96];
    if (pi->hs_step) {
        TD_LIT(o, DOT "handshake ");
        td_num(o, pi->hs_step);
        TD_LIT(o, "/3");
    } else if (pi->close_step) {
        TD_LIT(o, DOT "close ");
        td_num(o, pi->close_step);
        TD_LIT(o, " (");
        sf_out_str(o, sf_role_str(pi->role, rb, sizeof rb));
        sf_out_chr(o, ')');
    } else {
        TD_LIT(o, DOT);
        sf_out_str(o, sf_role_str(pi->role, rb, sizeof rb));
    }
    if (pi->dir) TD_LIT(o, DOT "s2c" DOT "client ");
    else TD_LIT(o, DOT "c2s" DOT "client ");
    sf_out_str(o, sf_state_name(pi->client_state));
    TD_LIT(o, DOT "server ");
    sf_out_str(o, sf_state_name(pi->server_state));
    if (pi->ack_check != SF_ACK_NA && pi->ack_check != SF_ACK_OK) {
        TD_LIT(o, DOT "ack ");
        sf_out_str(o, sf_ack_check_name(pi->ack_check));
    }
    if (pi->analysis) {
        TD_LIT(o, DOT);
        int first = 1;
        for (unsigned b = 0; b < SF_AN__COUNT; b++) {
            if (!(pi->analysis & (1u << b))) continue;
            const char *nm = sf_an_name(b);
            if (!first) sf_out_chr(o, ',');
            sf_out_str(o, nm ? nm : "?");
            if ((1u << b) == SF_AN_DUPLICATE_ACK && pi->dup_ack_num) {
                TD_LIT(o, " #");
                td_num(o, pi->dup_ack_num);
                TD_LIT(o, " of frame ");
                td_num(o, pi->dup_ack_frame);
            }
            first = 0;
        }
    }
#undef DOT
    sf_out_eol(o);
}

static void lv_packet(void *self, const sf_pkt *p, const sf_pinfo *pi)
{
    lines_view *v = self;
    int r = sf_tcpdump_line(v->out, p, v->seq, &v->fmt);
    if (!r) return;
    if (r == 1 && pi && pi->app.proto) app_label(v->out, &pi->app);
    sf_out_eol(v->out);
    if (!v->plain && pi) annotate(v->out, pi);
}

/* name: the host as written in text input (NULL for captures). */
static void endpoint(sf_out *o, int ipver, const sf_endpoint *e, const char *name)
{
    char b[64];
    if (name) {
        sf_out_printf(o, "%s:%u", name, e->port);
        return;
    }
    sf_tcpdump_addr(b, sizeof b, ipver, e->addr);
    if (ipver == 6) sf_out_printf(o, "[%s]:%u", b, e->port);
    else sf_out_printf(o, "%s:%u", b, e->port);
}

/* When a connection ends (or at end of input): how it opened and closed. */
static void lv_conn_end(void *self, const sf_conn *c)
{
    lines_view *v = self;
    if (v->plain) return;
    sf_out *o = v->out;
    sf_out_printf(o, "  conn %llu end \xc2\xb7 client ", (unsigned long long)c->id);
    endpoint(o, c->ipver, &c->client, c->client_name);
    if (c->client_inferred) sf_out_str(o, " (inferred)");
    sf_out_str(o, " \xc2\xb7 server ");
    endpoint(o, c->ipver, &c->server, c->server_name);
    sf_out_printf(o, " \xc2\xb7 open %s \xc2\xb7 close %s", sf_open_name(c->open), sf_close_name(c->close));
    if (c->active_closer != SF_SIDE_NONE)
        sf_out_printf(o, " \xc2\xb7 closed first by %s", sf_side_name(c->active_closer));
    if (c->time_wait != SF_SIDE_NONE)
        sf_out_printf(o, " \xc2\xb7 TIME_WAIT at %s", sf_side_name(c->time_wait));
    sf_out_printf(o, " \xc2\xb7 c2s %llu pkts %llu bytes \xc2\xb7 s2c %llu pkts %llu bytes",
                  (unsigned long long)c->c2s.pkts, (unsigned long long)c->c2s.bytes,
                  (unsigned long long)c->s2c.pkts, (unsigned long long)c->s2c.bytes);
    sf_out_eol(o);
}

/* End of input: what was read, and what was not TCP. */
static void lv_finish(void *self, const sf_stats *st)
{
    lines_view *v = self;
    if (v->plain || !st) return;
    sf_out *o = v->out;
    sf_out_printf(o, "# %llu frames: %llu TCP in %llu connection%s", (unsigned long long)st->frames,
                  (unsigned long long)st->tcp, (unsigned long long)st->conns, st->conns == 1 ? "" : "s");
    const struct { uint64_t n; const char *what; } more[] = {
        { st->not_ip, "not IP" }, { st->not_tcp, "IP but not TCP" },
        { st->fragments, "later IP fragments" }, { st->truncated, "cut by the snapshot length" },
        { st->malformed, "malformed" }, { st->unsupported, "of an unsupported link type" },
    };
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
        if (more[i].n) sf_out_printf(o, "; %llu %s", (unsigned long long)more[i].n, more[i].what);
    sf_out_eol(o);
}

static void lv_destroy(void *self)
{
    lines_view *v = self;
    sf_tdseq_free(v->seq);
    free(v);
}

int sf_view_lines(sf_view *v, const sf_opts *o, sf_out *out)
{
    lines_view *lv = calloc(1, sizeof *lv);
    if (!lv || !(lv->seq = sf_tdseq_new())) {
        free(lv);
        fprintf(stderr, "synfin: out of memory\n");
        return -1;
    }
    lv->out = out;
    lv->fmt.abs_seq = o->abs_seq;
    lv->fmt.ts_mode = o->ts_mode;
    lv->plain = o->plain;
    v->self = lv;
    v->packet = lv_packet;
    v->conn_end = lv_conn_end;
    v->finish = lv_finish;
    v->destroy = lv_destroy;
    return 0;
}

/* \summary: ladder view: per-connection sequence diagram in the terminal (UTF-8 or --ascii) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ladder_int.h"

/* ---- texts shared by all writers ---- */

static const char *kind_of(const sf_xrec *r)
{
    if (r->flags & SF_TH_RST) return "rst";
    if (r->flags & SF_TH_SYN) return "syn";
    if (r->flags & SF_TH_FIN) return "fin";
    if (r->len) return "data";
    return "ack";
}

void sf_lrow_make(sf_lrow *w, const sf_xconn *x, const sf_xrec *r)
{
    char fl[16];
    memset(w, 0, sizeof *w);
    sf_x_flags(fl, r->flags);
    uint32_t s = r->rel_valid ? r->rel_seq : r->seq, a = r->rel_valid ? r->rel_ack : r->ack;
    size_t at = (size_t)snprintf(w->label, sizeof w->label, "[%s] seq %u", fl, s);
    if (r->len) at += (size_t)snprintf(w->label + at, sizeof w->label - at, ":%u", s + r->len);
    if ((r->flags & SF_TH_ACK) && at < sizeof w->label)
        at += (size_t)snprintf(w->label + at, sizeof w->label - at, " ack %u", a);
    if (at < sizeof w->label) at += (size_t)snprintf(w->label + at, sizeof w->label - at, " len %u", r->len);
    /* the window matters when it closes or opens */
    if (at < sizeof w->label && !(r->flags & SF_TH_RST) &&
        (r->win == 0 || (r->analysis & (SF_AN_ZERO_WINDOW | SF_AN_WINDOW_UPDATE))))
        snprintf(w->label + at, sizeof w->label - at, " win %u",
                 r->win_scale >= 0 || r->win_scale == -2 ? r->calc_window : r->win);
    if (r->app[0])
        snprintf(w->app, sizeof w->app, "%s%s", r->app_proto == SF_APP_TLS ? "TLS " : "", r->app);
    at = 0;
    for (unsigned b = 0; b < SF_AN__COUNT && at < sizeof w->an; b++) {
        if (!(r->analysis & (1u << b))) continue;
        const char *nm = sf_an_name(b);
        if ((1u << b) == SF_AN_DUPLICATE_ACK)
            at += (size_t)snprintf(w->an + at, sizeof w->an - at, "%s%s #%u", at ? ", " : "", nm, r->dup_ack_num);
        else
            at += (size_t)snprintf(w->an + at, sizeof w->an - at, "%s%s", at ? ", " : "", nm);
    }
    if (w->app[0] && w->an[0]) snprintf(w->note, sizeof w->note, "%s; %s", w->app, w->an);
    else snprintf(w->note, sizeof w->note, "%s", w->app[0] ? w->app : w->an);
    if (!x->ts_missing) {
        int64_t dt = r->ts_ns - x->first_ns;
        if (x->ts_prec == 9)
            snprintf(w->time, sizeof w->time, "%lld.%09lld", (long long)(dt / 1000000000), (long long)(dt % 1000000000));
        else
            snprintf(w->time, sizeof w->time, "%lld.%06lld", (long long)(dt / 1000000000),
                     (long long)(dt % 1000000000 / 1000));
    }
    w->kind = kind_of(r);
}

void sf_ladder_summary(char *buf, size_t n, const sf_xconn *x, const sf_conn *c, int ascii, const char *brk)
{
    const char *sep = ascii ? " | " : " · ", *arr = ascii ? "->" : "→";
    char irtt[32], dur[32];
    sf_x_dur(irtt, sizeof irtt, c->irtt_ns);
    sf_x_dur(dur, sizeof dur, x->ts_missing ? -1 : x->last_ns - x->first_ns);
    snprintf(buf, n,
             "open %s%sclose %s%sactive closer %s%sTIME_WAIT %s%siRTT %s%s"
             "client%sserver %llu bytes in %llu pkt%s%sserver%sclient %llu bytes in %llu pkt%s%sduration %s",
             sf_open_name(c->open), sep, sf_close_name(c->close), sep, sf_side_name(c->active_closer), sep,
             sf_side_name(c->time_wait), sep, irtt, brk ? brk : sep,
             arr, (unsigned long long)c->c2s.bytes, (unsigned long long)c->c2s.pkts, c->c2s.pkts == 1 ? "" : "s", sep,
             arr, (unsigned long long)c->s2c.bytes, (unsigned long long)c->s2c.pkts, c->s2c.pkts == 1 ? "" : "s", sep, dur);
}

/* ---- terminal drawing ---- */

/* Display width of UTF-8 text (one column per code point). */
static size_t u8w(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) w++;
    return w;
}

static void rep(sf_out *o, const char *s, size_t n)
{
    while (n--) sf_out_str(o, s);
}

/* Writes at most `cols` columns of s; returns the columns written. */
static size_t put_cols(sf_out *o, const char *s, size_t cols, int ascii)
{
    size_t w = u8w(s);
    if (w <= cols) { sf_out_str(o, s); return w; }
    size_t keep = cols ? cols - 1 : 0, k = 0, i = 0;
    while (s[i] && k < keep) {
        size_t j = i + 1;
        while (((unsigned char)s[j] & 0xc0) == 0x80) j++;
        sf_out_write(o, s + i, j - i);
        i = j;
        k++;
    }
    if (cols) sf_out_str(o, ascii ? "~" : "…");
    return cols;
}


/* Copies into line the longest start of s that fits `cols` columns, cut at a
 * space when possible; returns where the rest starts (spaces skipped). */
static const char *wrap_next(const char *s, size_t cols, char *line, size_t n)
{
    size_t i = 0, w = 0, cut = 0;
    while (s[i] && w < cols) {
        size_t j = i + 1;
        while (((unsigned char)s[j] & 0xc0) == 0x80) j++;
        if (s[i] == ' ') cut = i;
        i = j;
        w++;
    }
    if (s[i] && s[i] != ' ' && cut) i = cut; /* would split a word */
    if (i >= n) i = n - 1;
    memcpy(line, s, i);
    line[i] = '\0';
    while (s[i] == ' ') i++;
    return s + i;
}

static void term_prefix(sf_out *o, const char *frame, const char *time, const char *st)
{
    sf_out_printf(o, "%7s %10s  %-12s  ", frame, time, st);
}

void sf_ladder_term(sf_out *o, const sf_xconn *x, const sf_conn *c, int ascii)
{
    const char *bar = ascii ? "|" : "│", *dash = ascii ? "-" : "─";
    const char *rt = ascii ? ">" : "▶", *lt = ascii ? "<" : "◀", *dots = ascii ? ":" : "┆";
    size_t n = sf_xconn_count(x);
    size_t W = 44;
    for (size_t i = 0; i < n; i++) {
        sf_lrow w;
        sf_lrow_make(&w, x, sf_xconn_at(x, i));
        size_t lw = u8w(w.label) + 10;
        if (lw > W) W = lw;
    }
    if (W > 80) W = 80;

    char cli[96], srv[96], sum[512];
    sf_x_endpoint(cli, sizeof cli, &x->ep[0], x->ipver, x->host[0]);
    sf_x_endpoint(srv, sizeof srv, &x->ep[1], x->ipver, x->host[1]);
    sf_out_printf(o, "Connection %llu: client %s %s server %s", (unsigned long long)x->id, cli,
                  ascii ? "<->" : "⇄", srv);
    if (c && c->client_inferred) sf_out_str(o, " (roles inferred)");
    sf_out_eol(o);
    if (c) {
        sf_ladder_summary(sum, sizeof sum, x, c, ascii, "\n  ");
        sf_out_str(o, "  ");
        sf_out_str(o, sum);
        sf_out_eol(o);
    }
    sf_out_eol(o);
    /* column heads: "client" over the left bar, "server" ending over the right bar */
    term_prefix(o, "frame", x->ts_missing ? "" : "time", "client state");
    sf_out_str(o, "client");
    rep(o, " ", W + 2 - 6 - 6);
    sf_out_str(o, "server  server state");
    sf_out_eol(o);

    char st[16];
    unsigned pc = 255, ps = 255;
    for (size_t i = 0; i < n; i++) {
        const sf_xrec *r = sf_xconn_at(x, i);
        if (sf_xconn_gap_before(x, i)) {
            char msg[96];
            snprintf(msg, sizeof msg, "%llu packets not shown (frames %llu-%llu)", (unsigned long long)x->elided,
                     (unsigned long long)x->elided_first, (unsigned long long)x->elided_last);
            term_prefix(o, "", "", "");
            sf_out_str(o, dots);
            size_t mw = u8w(msg);
            size_t pad = mw < W ? (W - mw) / 2 : 0;
            rep(o, " ", pad);
            size_t wrote = put_cols(o, msg, W, ascii);
            rep(o, " ", W - pad - wrote);
            sf_out_str(o, dots);
            sf_out_eol(o);
            pc = ps = 255;
        }
        sf_lrow w;
        sf_lrow_make(&w, x, r);
        char fr[24];
        snprintf(fr, sizeof fr, "%llu", (unsigned long long)r->frame);
        snprintf(st, sizeof st, "%s", r->cstate != pc ? sf_state_name((sf_state)r->cstate) : "");
        term_prefix(o, fr, w.time, st);
        sf_out_str(o, bar);
        size_t lw = u8w(w.label) + 2; /* spaces around the label */
        size_t left = (W - 1 - lw) / 2, right = W - 1 - lw - left;
        if (r->dir == 0) {
            rep(o, dash, left);
            sf_out_chr(o, ' '); sf_out_str(o, w.label); sf_out_chr(o, ' ');
            rep(o, dash, right);
            sf_out_str(o, rt);
        } else {
            sf_out_str(o, lt);
            rep(o, dash, left);
            sf_out_chr(o, ' '); sf_out_str(o, w.label); sf_out_chr(o, ' ');
            rep(o, dash, right);
        }
        sf_out_str(o, bar);
        if (r->sstate != ps) { sf_out_str(o, "  "); sf_out_str(o, sf_state_name((sf_state)r->sstate)); }
        sf_out_eol(o);
        const char *note = w.note;
        while (*note) { /* the note under the arrow, wrapped at spaces */
            char line[sizeof w.note];
            note = wrap_next(note, W - 2, line, sizeof line);
            term_prefix(o, "", "", "");
            sf_out_str(o, bar);
            size_t nw = u8w(line);
            size_t pad = nw + 2 <= W ? (W - nw) / 2 : 1;
            rep(o, " ", pad);
            size_t wrote = put_cols(o, line, W - pad - 1, ascii);
            rep(o, " ", W - pad - wrote);
            sf_out_str(o, bar);
            sf_out_eol(o);
        }
        pc = r->cstate;
        ps = r->sstate;
    }
    if (x->elided && n == x->nhead) {
        term_prefix(o, "", "", "");
        sf_out_printf(o, "%s %llu more packets not shown %s", dots, (unsigned long long)x->elided, dots);
        sf_out_eol(o);
    }
    sf_out_eol(o);
}

/* ---- the view ---- */

static void ld_packet(void *self, const sf_pkt *p, const sf_pinfo *pi)
{
    sf_ladder *ld = self;
    if (!pi || p->status != SF_DEC_TCP) return;
    if (ld->o->only_conn >= 0 && pi->conn != (uint64_t)ld->o->only_conn) return;
    sf_xconn *x = sf_xmap_get(&ld->map, pi->conn, 1);
    if (x) sf_xconn_add(&ld->map, x, p, pi);
}

static void ld_render(sf_ladder *ld, const sf_xconn *x, const sf_conn *c)
{
    sf_ladder_term(ld->out, x, c, ld->o->ascii);
    if (ld->svg.tmp && c) {
        int h = sf_ladder_svg(&ld->svg.body, x, c, 0, ld->svg.height);
        ld->svg.height += h;
        ld->svg.nconns++;
    }
    if (ld->html.tmp && c) sf_ladder_html_conn(ld, x, c);
}

static void ld_conn_end(void *self, const sf_conn *c)
{
    sf_ladder *ld = self;
    sf_xconn *x = sf_xmap_take(&ld->map, c->id);
    if (!x) return;
    ld_render(ld, x, c);
    sf_xconn_free(&ld->map, x);
}

static void ld_finish(void *self, const sf_stats *st)
{
    sf_ladder *ld = self;
    sf_xconn *x;
    while ((x = sf_xmap_take_lowest(&ld->map))) {
        ld_render(ld, x, NULL);
        sf_xconn_free(&ld->map, x);
    }
    if (ld->svg.tmp && sf_ladder_svg_finish(ld)) ld->failed = 1;
    if (ld->html.tmp && sf_ladder_html_finish(ld, st)) ld->failed = 1;
}

static void ld_destroy(void *self)
{
    sf_ladder *ld = self;
    sf_xmap_free(&ld->map);
    sf_lfile_discard(&ld->svg);
    sf_lfile_discard(&ld->html);
    if (ld->html_head.buf) sf_out_free(&ld->html_head);
    free(ld);
}

int sf_view_ladder(sf_view *v, const sf_opts *o, sf_out *out)
{
    sf_ladder *ld = calloc(1, sizeof *ld);
    if (!ld) { fprintf(stderr, "synfin: out of memory\n"); return -1; }
    ld->o = o;
    ld->out = out;
    sf_xmap_init(&ld->map);
    if ((o->svg_path && sf_lfile_open(&ld->svg, o->svg_path)) ||
        (o->html_path && (sf_lfile_open(&ld->html, o->html_path) || sf_ladder_html_open(ld)))) {
        ld_destroy(ld);
        return -1;
    }
    v->self = ld;
    v->packet = ld_packet;
    v->conn_end = ld_conn_end;
    v->finish = ld_finish;
    v->destroy = ld_destroy;
    return 0;
}

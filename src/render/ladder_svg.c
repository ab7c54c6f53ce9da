/* \summary: ladder view: SVG drawing of one connection (inline in HTML, or a group in the --svg file) */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ladder_int.h"

/* geometry (px) */
#define XC 330          /* client lifeline */
#define XS 830          /* server lifeline */
#define TOP 86          /* first row */
#define ROW 38          /* row height */
#define NOTE 16         /* extra height of a row with a note under its arrow */
#define SLOPE 10        /* how far an arrow descends while it travels */

static const char *color_of(const char *kind)
{
    if (!strcmp(kind, "rst")) return "#c62828";
    if (!strcmp(kind, "syn")) return "#2e7d32";
    if (!strcmp(kind, "fin")) return "#6a1b9a";
    if (!strcmp(kind, "data")) return "#1565c0";
    return "#616161";
}

static void text(sf_out *o, int x, int y, const char *anchor, const char *cls, const char *s)
{
    sf_out_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" class=\"%s\">", x, y, anchor, cls);
    sf_x_xml(o, s);
    sf_out_str(o, "</text>");
}

static void arrow(sf_out *o, const sf_xconn *x, const sf_xrec *r, int y, unsigned pc, unsigned ps)
{
    sf_lrow w;
    sf_lrow_make(&w, x, r);
    const char *col = color_of(w.kind);
    int x1 = r->dir ? XS : XC, x2 = r->dir ? XC : XS;
    int y1 = y, y2 = y + SLOPE;
    sf_out_printf(o, "<g class=\"arrow %s\" data-frame=\"%llu\" data-dir=\"%s\">", w.kind,
                  (unsigned long long)r->frame, r->dir ? "s2c" : "c2s");
    /* tooltip: everything about the packet */
    sf_out_str(o, "<title>");
    char tip[512];
    snprintf(tip, sizeof tip, "frame %llu, %s, %s; client %s, server %s%s%s",
             (unsigned long long)r->frame, r->dir ? "server to client" : "client to server", w.label,
             sf_state_name((sf_state)r->cstate), sf_state_name((sf_state)r->sstate), w.note[0] ? "; " : "", w.note);
    sf_x_xml(o, tip);
    sf_out_str(o, "</title>");
    sf_out_printf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.6\"/>",
                  x1, y1, x2, y2, col);
    /* arrow head at (x2, y2) */
    double dx = x2 - x1, dy = y2 - y1, len = sqrt(dx * dx + dy * dy);
    double ux = dx / len, uy = dy / len;
    double bx = x2 - 10 * ux, by = y2 - 10 * uy;
    sf_out_printf(o, "<polygon points=\"%d,%d %.1f,%.1f %.1f,%.1f\" fill=\"%s\"/>", x2, y2,
                  bx - 4 * uy, by + 4 * ux, bx + 4 * uy, by - 4 * ux, col);
    text(o, (XC + XS) / 2, y - 4, "middle", "lbl", w.label);
    if (w.app[0] || w.an[0]) {
        sf_out_printf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" class=\"note\">", (XC + XS) / 2, y + SLOPE + 14);
        if (w.app[0]) { sf_out_str(o, "<tspan class=\"app\">"); sf_x_xml(o, w.app); sf_out_str(o, "</tspan>"); }
        if (w.app[0] && w.an[0]) sf_out_str(o, " ");
        if (w.an[0]) { sf_out_str(o, "<tspan class=\"an\">["); sf_x_xml(o, w.an); sf_out_str(o, "]</tspan>"); }
        sf_out_str(o, "</text>");
    }
    char fr[32];
    snprintf(fr, sizeof fr, "%llu", (unsigned long long)r->frame);
    text(o, 8, y + 4, "start", "frm", fr);
    if (w.time[0]) text(o, 60, y + 4, "start", "tm", w.time);
    if (r->cstate != pc) text(o, XC - 8, y + 8, "end", "st", sf_state_name((sf_state)r->cstate));
    if (r->sstate != ps) text(o, XS + 8, y + 8, "start", "st", sf_state_name((sf_state)r->sstate));
    sf_out_str(o, "</g>\n");
}

int sf_ladder_svg(sf_out *o, const sf_xconn *x, const sf_conn *c, int inline_svg, int64_t y0)
{
    size_t n = sf_xconn_count(x);
    int h = TOP + 40 + (x->elided ? ROW : 0);
    for (size_t i = 0; i < n; i++) {
        const sf_xrec *r = sf_xconn_at(x, i);
        h += ROW + (r->app[0] || r->analysis ? NOTE : 0);
    }
    char cli[96], srv[96], sum[512], title[256];
    sf_x_endpoint(cli, sizeof cli, &x->ep[0], x->ipver, x->host[0]);
    sf_x_endpoint(srv, sizeof srv, &x->ep[1], x->ipver, x->host[1]);
    snprintf(title, sizeof title, "Connection %llu: client %s, server %s", (unsigned long long)x->id, cli, srv);
    if (inline_svg)
        sf_out_printf(o, "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                      "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", SF_LADDER_SVG_W, h, SF_LADDER_SVG_W, h);
    else
        sf_out_printf(o, "<g class=\"conn\" id=\"conn-%llu\" transform=\"translate(0,%lld)\" aria-label=\"",
                      (unsigned long long)x->id, (long long)y0);
    sf_x_xml(o, title);
    sf_out_str(o, "\">\n");
    if (!inline_svg) text(o, 8, 18, "start", "ttl", title);
    if (c && !inline_svg) { /* the HTML page prints the summary itself */
        sf_ladder_summary(sum, sizeof sum, x, c, 0, "\n");
        char *nl = strchr(sum, '\n');
        if (nl) *nl = '\0';
        text(o, 8, 34, "start", "sum", sum);
        if (nl) text(o, 8, 48, "start", "sum", nl + 1);
    }
    /* lifelines and their heads */
    text(o, XC, 68, "middle", "who", "client");
    text(o, XS, 68, "middle", "who", "server");
    sf_out_printf(o, "<line class=\"life\" x1=\"%d\" y1=\"74\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", XC, XC, h - 20);
    sf_out_printf(o, "<line class=\"life\" x1=\"%d\" y1=\"74\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", XS, XS, h - 20);
    int y = TOP + 14;
    unsigned pc = 255, ps = 255;
    for (size_t i = 0; i < n; i++) {
        if (sf_xconn_gap_before(x, i)) {
            char msg[128];
            snprintf(msg, sizeof msg, "… %llu packets not shown (frames %llu–%llu) …", (unsigned long long)x->elided,
                     (unsigned long long)x->elided_first, (unsigned long long)x->elided_last);
            sf_out_str(o, "<g class=\"elided\">");
            text(o, (XC + XS) / 2, y + 4, "middle", "gap", msg);
            sf_out_str(o, "</g>\n");
            y += ROW;
            pc = ps = 255;
        }
        const sf_xrec *r = sf_xconn_at(x, i);
        arrow(o, x, r, y, pc, ps);
        pc = r->cstate;
        ps = r->sstate;
        y += ROW + (r->app[0] || r->analysis ? NOTE : 0);
    }
    if (x->elided && n == x->nhead) {
        char msg[96];
        snprintf(msg, sizeof msg, "… %llu more packets not shown …", (unsigned long long)x->elided);
        sf_out_str(o, "<g class=\"elided\">");
        text(o, (XC + XS) / 2, y + 4, "middle", "gap", msg);
        sf_out_str(o, "</g>\n");
    }
    sf_out_str(o, inline_svg ? "</svg>\n" : "</g>\n");
    return h;
}

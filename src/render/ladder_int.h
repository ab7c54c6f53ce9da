/* \summary: internals shared by the ladder writers (terminal, SVG, HTML) */
#ifndef SF_LADDER_INT_H
#define SF_LADDER_INT_H
#include <stdio.h>
#include "view.h"
#include "explain_buf.h"

/* A file written in two parts: a body streamed to a temporary file while
 * connections end, copied after the head once the whole is known. */
typedef struct sf_lfile {
    const char *path;
    FILE *dst;                   /* the file named by the user */
    FILE *tmp;                   /* body (tmpfile) */
    sf_out body;                 /* buffered writer over tmp */
    int64_t height;              /* SVG: total height so far */
    uint64_t nconns;
} sf_lfile;

typedef struct sf_ladder {
    const sf_opts *o;
    sf_out *out;
    sf_xmap map;
    sf_lfile svg, html;
    sf_out html_head;            /* HTML: head + connection table, streamed to the file */
    int failed;                  /* a file could not be written */
} sf_ladder;

/* One row's texts, shared by all writers. */
typedef struct sf_lrow {
    char label[96];              /* "[P.] seq 1:98 ack 1 len 97" */
    char note[304];              /* app label and anomalies, "" none */
    char app[136];               /* app label alone (prefixed "TLS "), "" none */
    char an[160];                /* anomalies alone, "" none */
    char time[32];               /* "0.000122", "" without timestamps */
    const char *kind;            /* css class: syn, fin, rst, data, ack */
} sf_lrow;

void sf_lrow_make(sf_lrow *w, const sf_xconn *x, const sf_xrec *r);
/* One-line summary "handshake · fin_3way · closer client · ..." (ASCII or UTF-8 separators). */
/* brk: what separates the kinds from the counts (NULL = the usual separator). */
void sf_ladder_summary(char *buf, size_t n, const sf_xconn *x, const sf_conn *c, int ascii, const char *brk);

/* Terminal diagram of one connection (ladder.c). */
void sf_ladder_term(sf_out *o, const sf_xconn *x, const sf_conn *c, int ascii);
/* SVG drawing of one connection (ladder_svg.c): a complete <svg> element
 * when inline != 0, else a <g> translated to y0. Returns its height. */
int sf_ladder_svg(sf_out *o, const sf_xconn *x, const sf_conn *c, int inline_svg, int64_t y0);
#define SF_LADDER_SVG_W 980

/* Files (ladder_html.c). Open: 0 or -1 with a message on stderr. */
int sf_lfile_open(sf_lfile *f, const char *path);
void sf_lfile_discard(sf_lfile *f);
int sf_ladder_svg_finish(sf_ladder *ld);
int sf_ladder_html_open(sf_ladder *ld);
void sf_ladder_html_conn(sf_ladder *ld, const sf_xconn *x, const sf_conn *c);
int sf_ladder_html_finish(sf_ladder *ld, const sf_stats *st);

#endif

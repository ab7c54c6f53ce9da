/* \summary: the view interface every renderer implements, and the shared options */
#ifndef SF_VIEW_H
#define SF_VIEW_H
#include <stdint.h>
#include "../decode/packet.h"
#include "../track/track.h"
#include "../util/out.h"

/* Options shared by all views (filled by cli.c). */
typedef struct sf_opts {
    const char *view;        /* "lines", "conns", "json", "explain", "ladder", "verbose", "lab" */
    int abs_seq;             /* -S */
    int ts_mode;             /* 0 default (HH:MM:SS.frac, TZ), 1 = -tt epoch */
    int plain;               /* --plain: bare tcpdump lines */
    const char *lang;        /* "en" or "zh" */
    int64_t only_conn;       /* --conn N, -1 = all */
    int ascii;               /* --ascii */
    const char *svg_path;    /* --svg FILE */
    const char *html_path;   /* --html FILE */
    /* input */
    const char **files; int nfiles;
    const char *filter;      /* BPF expression or NULL */
    const char *iface;       /* -i */
    int64_t count;           /* -c N, -1 = unlimited */
    const char *write_path;  /* -w */
    const char *user;        /* -Z */
    int promisc;             /* -p turns it off; default off here */
    int snaplen;             /* -s */
    int buffer_kib;          /* -B */
    int sack_analysis;       /* --sack-analysis: extra SACK-aware flags (docs/analysis.md) */
} sf_opts;

/* A view. Callbacks receive borrowed pointers valid only for the call.
 * packet(): every frame, in input order; pi is NULL for non-TCP frames (a
 * view may still print them, e.g. fragments). conn_end(): a connection's
 * record, once, assembled only then. finish(): end of input. */
typedef struct sf_view {
    void *self;
    void (*packet)(void *self, const sf_pkt *pkt, const sf_pinfo *pi);
    void (*conn_end)(void *self, const sf_conn *c);
    void (*finish)(void *self, const sf_stats *st);
    void (*destroy)(void *self);
} sf_view;

/* Constructors: return 0 and fill *v, or -1 with a message on stderr. */
int sf_view_lines(sf_view *v, const sf_opts *o, sf_out *out);
int sf_view_conns(sf_view *v, const sf_opts *o, sf_out *out);
int sf_view_json(sf_view *v, const sf_opts *o, sf_out *out);
int sf_view_explain(sf_view *v, const sf_opts *o, sf_out *out);
int sf_view_ladder(sf_view *v, const sf_opts *o, sf_out *out);
int sf_view_verbose(sf_view *v, const sf_opts *o, sf_out *out);

#endif

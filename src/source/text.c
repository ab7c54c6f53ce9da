/* \summary: tcpdump text backend: read lines, queue parsed records, rebuild timestamps and packets for the engine */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "backend.h"
#include "text_parse.h"
#include "text_seq.h"
#include "../util/cursor.h"

#define QCAP 1024              /* parsed records buffered (lookahead window) */
#define LINE_CAP 65536         /* longer lines are cut (only the TCP part matters) */
#define RDBUF 65536
#define TS_WINDOW 64           /* records looked at to tell -ttt from the rest */
#define MAX_WARN 20
#define MAX_TUPLES (1u << 17)   /* ~18 MB at most; idle tuples are forgotten first */

enum { HMS_CLOCK = 0, HMS_DELTA_PREV };

typedef struct txt_st {
    FILE *f;
    char *name;
    /* buffered reader */
    char *rbuf;
    size_t rpos, rlen;
    int eof;
    uint64_t bytes;
    char *line;
    uint64_t lineno;
    /* queue of parsed records */
    sf_txt_line *q;
    size_t qhead, qn;
    sf_txt_line pend;          /* -v header waiting for its TCP continuation line */
    int have_pend;
    /* counts */
    uint64_t n_tcp_parsed, n_other, n_emitted_tcp, n_warn;
    /* timestamps */
    int hms_mode, ts_decided;
    int64_t hms_prev_sec;      /* HMS_CLOCK: last seconds-of-day; for day roll-over */
    int64_t hms_day;
    int have_prev_hms;
    int64_t acc_sec;           /* HMS_DELTA_PREV: running sum */
    int64_t acc_nsec;
    int64_t day0;              /* local midnight the clock forms count from */
    /* reconstruction */
    sf_txseq *seq;
    /* the record handed out (valid until the next call) */
    uint8_t opt[SF_TXT_OPT_MAX];
    uint8_t l4stub[4];
    uint8_t l3buf[40 + 4 * 8 * 32];     /* IPv6 header + extension headers, when the text showed them */
    char sname[SF_TXT_NAME_MAX], dname[SF_TXT_NAME_MAX];
    /* BPF filter over a synthesized IP+TCP header */
    pcap_t *dead;
    struct bpf_program prog;
    int have_prog;
    uint8_t raw[40 + 60];
} txt_st;

/* ---- reading lines ---------------------------------------------------------- */

static int fill(txt_st *s)
{
    if (s->eof) return 0;
    s->rlen = fread(s->rbuf, 1, RDBUF, s->f);
    s->rpos = 0;
    if (s->rlen == 0) { s->eof = 1; return 0; }
    return 1;
}

/* Next line into s->line (NUL-terminated, cut at LINE_CAP-1). Returns its
 * length, or -1 at end of input. *nul is set when the line held a NUL byte. */
static long read_line(txt_st *s, int *nul)
{
    size_t n = 0;
    int any = 0;
    *nul = 0;
    for (;;) {
        if (s->rpos >= s->rlen && !fill(s)) break;
        any = 1;
        const char *p = s->rbuf + s->rpos;
        size_t avail = s->rlen - s->rpos;
        const char *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) : avail;
        size_t room = LINE_CAP - 1 - n;
        size_t cp = take < room ? take : room;
        memcpy(s->line + n, p, cp);
        if (memchr(p, '\0', take)) *nul = 1;
        n += cp;
        s->rpos += take + (nl ? 1 : 0);
        s->bytes += take + (nl ? 1 : 0);
        if (nl) break;
    }
    if (!any) return -1;
    s->line[n] = '\0';
    return (long)n;
}

/* ---- the queue ---------------------------------------------------------------- */

static sf_txt_line *q_at(txt_st *s, size_t i)
{
    return &s->q[(s->qhead + i) % QCAP];
}

static void q_push(txt_st *s, const sf_txt_line *L)
{
    *q_at(s, s->qn) = *L;
    s->qn++;
    if (L->kind == SF_TXT_TCP) s->n_tcp_parsed++;
    else if (L->kind == SF_TXT_OTHER) s->n_other++;
}

static void warn(txt_st *s, uint64_t lineno, const char *why)
{
    s->n_warn++;
    if (s->n_warn <= MAX_WARN)
        fprintf(stderr, "synfin: %s:%llu: warning: %s\n", s->name, (unsigned long long)lineno, why);
    else if (s->n_warn == MAX_WARN + 1)
        fprintf(stderr, "synfin: %s: warning: further unusable lines are not reported\n", s->name);
}

static void flush_pend(txt_st *s)
{
    if (!s->have_pend) return;
    s->pend.kind = SF_TXT_OTHER;
    q_push(s, &s->pend);
    s->have_pend = 0;
}

/* Read lines until at least one record was queued (room for two is
 * required). Returns 1, or 0 at end of input. */
static int read_record(txt_st *s)
{
    sf_txt_line L;
    for (;;) {
        int nul;
        long n = read_line(s, &nul);
        if (n < 0) {
            if (s->have_pend) { flush_pend(s); return 1; }
            return 0;
        }
        s->lineno++;
        sf_txt_parse_line(s->line, (size_t)n, &L);
        L.lineno = s->lineno;
        if (nul && L.kind == SF_TXT_TCP) {
            L.kind = SF_TXT_BAD;
            L.why = "NUL byte in the line";
        }
        size_t before = s->qn;
        switch (L.kind) {
        case SF_TXT_TCP:
            if (s->have_pend && L.ts_kind == SF_TXT_TS_NONE) {
                /* -v: "TS IP (tos ...)" then "    a.p > b.q: Flags [...]" */
                L.ts_kind = s->pend.ts_kind;
                L.ts_sec = s->pend.ts_sec;
                L.ts_nsec = s->pend.ts_nsec;
                L.ts_prec = s->pend.ts_prec;
                L.ts_neg = s->pend.ts_neg;
                L.ts_lead_space = s->pend.ts_lead_space;
                s->have_pend = 0;
            }
            flush_pend(s);
            q_push(s, &L);
            break;
        case SF_TXT_OTHER:
            flush_pend(s);
            q_push(s, &L);
            break;
        case SF_TXT_VHDR:
            flush_pend(s);
            s->pend = L;
            s->have_pend = 1;
            break;
        case SF_TXT_BAD:
            flush_pend(s);
            warn(s, L.lineno, L.why ? L.why : "unparseable TCP line");
            /* a packet line all the same: it keeps its frame number */
            if (L.ts_kind != SF_TXT_TS_NONE) q_push(s, &L);
            break;
        case SF_TXT_NONE:
            /* a continuation of a non-TCP -v packet ends the pending header */
            if (s->have_pend && L.ts_lead_space && n > 0) flush_pend(s);
            break;
        }
        if (s->qn > before) return 1;
    }
}

static const sf_txt_line *peek_cb(void *ctx, size_t i)
{
    txt_st *s = ctx;
    while (s->qn <= i && s->qn + 2 <= QCAP)
        if (!read_record(s)) break;
    return i < s->qn ? q_at(s, i) : NULL;
}

/* ---- timestamps ------------------------------------------------------------ */

/* The clock forms carry no date: count them from local midnight of
 * 1970-01-01 (or of 01-02 east of UTC, to stay positive), so that the lines
 * view prints them back unchanged in any TZ. */
static int64_t local_day0(void)
{
    for (int d = 1; d <= 2; d++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        tm.tm_year = 70;
        tm.tm_mday = d;
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        if (t != (time_t)-1 && t >= 0) return (int64_t)t;
    }
    return 0;
}

/* A file whose first HH:MM:SS stamp is exactly zero and whose stamps then
 * go down is -ttt (delta from the previous packet); otherwise HH:MM:SS is a
 * clock (default) or -ttttt (delta from the first), which read the same. */
static void decide_ts(txt_st *s)
{
    int seen = 0, zero_first = 0;
    int64_t prev = 0;
    s->hms_mode = HMS_CLOCK;
    for (size_t i = 0; i < s->qn && i < TS_WINDOW; i++) {
        const sf_txt_line *L = q_at(s, i);
        if (L->ts_kind != SF_TXT_TS_HMS) continue;
        int64_t v = (L->ts_neg ? -1 : 1) * (L->ts_sec * 1000000000ll + L->ts_nsec);
        if (!seen) {
            seen = 1;
            zero_first = v == 0;
        } else if (zero_first && v < prev) {
            s->hms_mode = HMS_DELTA_PREV;
            break;
        }
        prev = v;
    }
    s->ts_decided = 1;
}

static void convert_ts(txt_st *s, const sf_txt_line *L, sf_pkt *p)
{
    p->ts.prec = L->ts_prec == 9 ? 9 : 6;
    switch (L->ts_kind) {
    case SF_TXT_TS_NONE:
        p->ts_missing = 1;
        return;
    case SF_TXT_TS_EPOCH:
        p->ts.sec = L->ts_sec;
        p->ts.nsec = L->ts_nsec;
        return;
    case SF_TXT_TS_DATE: {
        /* tcpdump printed local time: read it in the local zone (TZ) */
        time_t u = (time_t)L->ts_sec;
        struct tm tm;
        p->ts.sec = L->ts_sec;
        if (gmtime_r(&u, &tm)) {
            tm.tm_isdst = -1;
            time_t l = mktime(&tm);
            if (l != (time_t)-1) p->ts.sec = (int64_t)l;
        }
        if (p->ts.sec > SF_TS_SEC_MAX) p->ts.sec = SF_TS_SEC_MAX;   /* the zone moved it out */
        if (p->ts.sec < -SF_TS_SEC_MAX) p->ts.sec = -SF_TS_SEC_MAX;
        p->ts.nsec = L->ts_nsec;
        return;
    }
    case SF_TXT_TS_HMS:
        break;
    }
    if (s->hms_mode == HMS_DELTA_PREV) {
        int64_t d = L->ts_sec * 1000000000ll + L->ts_nsec;
        if (L->ts_neg) d = -d;
        int64_t t = s->acc_sec * 1000000000ll + s->acc_nsec + d;
        if (t < 0) t = 0;
        if (t > SF_TS_SEC_MAX * 1000000000ll) t = SF_TS_SEC_MAX * 1000000000ll; /* stays in range */
        s->acc_sec = t / 1000000000ll;
        s->acc_nsec = t % 1000000000ll;
        p->ts.sec = s->acc_sec;
        p->ts.nsec = (uint32_t)s->acc_nsec;
        return;
    }
    int64_t v = L->ts_neg ? 0 : L->ts_sec;
    /* seconds since midnight: a step back of more than 12 hours is the next day */
    if (s->have_prev_hms && v + 43200 < s->hms_prev_sec) s->hms_day++;
    s->hms_prev_sec = v;
    s->have_prev_hms = 1;
    p->ts.sec = s->day0 + s->hms_day * 86400 + v;
    if (p->ts.sec > SF_TS_SEC_MAX) p->ts.sec = SF_TS_SEC_MAX; /* ~50k day wraps */
    p->ts.nsec = L->ts_neg ? 0 : L->ts_nsec;
}

/* ---- building the record --------------------------------------------------- */

static void put_be16(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static void put_be32(uint8_t *b, uint32_t v) { put_be16(b, v >> 16); put_be16(b + 2, v); }

/* IPv6 extension headers the text showed ("DSTOPT", "frag (0|20)"):
 * rebuild the header chain so views print them as tcpdump did. */
static uint32_t build_ext(txt_st *s, const sf_txt_line *L, uint32_t seg_len, sf_pkt *p)
{
    uint8_t *b = s->l3buf;
    uint32_t n = L->n_ext, elen = 0;
    for (uint32_t i = 0; i < n; i++) elen += L->ext[i] == 43 ? 8u * (L->ext_rt[i][0] + 1u) : 8u;
    memset(b, 0, 40 + elen);
    b[0] = 0x60;
    put_be16(b + 4, elen + seg_len);
    b[6] = L->ext[0];
    b[7] = 64;
    memcpy(b + 8, L->src, 16);
    memcpy(b + 24, L->dst, 16);
    uint8_t *e = b + 40;
    for (uint32_t i = 0; i < n; i++) {
        e[0] = i + 1 < n ? L->ext[i + 1] : 6;
        if (L->ext[i] == 44) put_be16(e + 2, L->ext_frag_off[i] & 0xfff8u);
        if (L->ext[i] == 43) {
            e[1] = L->ext_rt[i][0];
            e[2] = L->ext_rt[i][1];
            e[3] = L->ext_rt[i][2];
        }
        e += L->ext[i] == 43 ? 8u * (L->ext_rt[i][0] + 1u) : 8u;
    }
    p->l3 = b;
    return 40 + elen;
}

static void fill_tcp(txt_st *s, const sf_txt_line *L, const sf_txseq_res *r, sf_pkt *p)
{
    uint32_t iph = L->ipver == 6 ? 40 : 20;
    p->ip_hlen = iph;
    p->ttl = 64;
    p->sport = L->sport;
    p->dport = L->dport;
    p->flags = L->flags;
    p->seq = r->seq;
    p->ack = r->ack;
    p->win = L->has_win ? L->win : 65535; /* a removed "win" must not look like a zero window */
    p->urp = L->urp;
    memcpy(s->opt, L->opt, L->opt_len);
    for (int i = 0; i < L->nsack; i++) {
        put_be32(s->opt + L->sack_off[i], r->sack[i][0]);
        put_be32(s->opt + L->sack_off[i] + 4, r->sack[i][1]);
        p->sack[i][0] = r->sack[i][0];
        p->sack[i][1] = r->sack[i][1];
    }
    p->nsack = L->nsack;
    p->opt = L->opt_len ? s->opt : NULL;
    p->opt_len = L->opt_len;
    p->mss = L->mss;
    p->wscale = L->wscale;
    p->sack_perm = L->sack_perm;
    p->has_ts = L->has_ts;
    p->ts_val = L->ts_val;
    p->ts_ecr = L->ts_ecr;
    p->len = L->len;

    uint32_t optb = L->opt_len + L->opt_declared;
    uint32_t hlen = 20 + ((optb + 3) & ~3u);
    if (hlen > 60) hlen = 60;
    p->hlen = (uint16_t)hlen;
    p->seg_len = hlen + L->len;
    p->l4_caplen = L->opt_trunc ? 20u + L->opt_len : hlen;
    p->trunc_opt = L->opt_trunc;
    if (L->bad_hlen) {
        p->status = SF_DEC_MALFORMED;
        p->why = "bad TCP header length";
        p->bad_hlen = 1;
        p->hlen = L->hlen;
        p->seg_len = L->seg_len_hint ? L->seg_len_hint : L->hlen + L->len;
        p->l4_caplen = p->seg_len < 20u ? p->seg_len : 20u;
    }
    if (L->ipver == 6 && L->n_ext && L->n_ext <= 4) {
        iph = build_ext(s, L, p->seg_len, p);
        p->ip_hlen = iph;
    }
    p->ip_len = iph + p->seg_len;
    p->wirelen = p->ip_len;
    if (L->ip_missing && L->ip_missing < p->wirelen) p->wirelen -= L->ip_missing;
    p->caplen = iph + p->l4_caplen;
    if (p->caplen > p->wirelen) p->caplen = p->wirelen;
    p->l3_caplen = p->l3 ? iph : p->caplen;
}

static void fill_record(txt_st *s, const sf_txt_line *L, const sf_txseq_res *r, const sf_pkt *tsrc, sf_pkt *p)
{
    memset(p, 0, sizeof *p);
    p->wscale = -1;
    p->ts = tsrc->ts;
    p->ts_missing = tsrc->ts_missing;
    p->dlt = DLT_RAW;
    p->ipver = L->ipver;
    p->ethertype = L->ipver == 6 ? 0x86dd : 0x0800;
    if (L->kind == SF_TXT_BAD) {
        p->status = SF_DEC_MALFORMED;
        p->why = L->why;
        p->ipver = 0;
        return;
    }
    if (L->kind != SF_TXT_TCP) {
        p->status = L->has_ipkw ? SF_DEC_NOT_TCP : SF_DEC_NOT_IP;
        if (!L->has_ipkw) { p->ipver = 0; p->ethertype = 0; }
        return;
    }
    memcpy(p->src, L->src, 16);
    memcpy(p->dst, L->dst, 16);
    if (L->src_name[0]) { memcpy(s->sname, L->src_name, sizeof s->sname); p->src_name = s->sname; }
    if (L->dst_name[0]) { memcpy(s->dname, L->dst_name, sizeof s->dname); p->dst_name = s->dname; }
    uint32_t iph = L->ipver == 6 ? 40 : 20;
    if (L->trunc == SF_TXT_TR_PORTS || L->trunc == SF_TXT_TR_HDR) {
        p->status = SF_DEC_TRUNCATED;
        p->why = "TCP header cut by the snapshot length";
        p->ip_hlen = iph;
        p->sport = L->sport;
        p->dport = L->dport;
        p->trunc_hdr = L->trunc == SF_TXT_TR_HDR;
        p->l4 = s->l4stub; /* there was a (cut) TCP header: tcpdump prints its prefix */
        p->l4_caplen = L->trunc == SF_TXT_TR_HDR ? 4 : 0;
        p->caplen = iph + p->l4_caplen;
        p->wirelen = p->caplen;
        p->l3_caplen = p->caplen;
        return;
    }
    p->status = SF_DEC_TCP;
    fill_tcp(s, L, r, p);
}

/* ---- the BPF filter ------------------------------------------------------------ */

/* Match the record against the filter by building its IP and TCP headers
 * (no payload bytes; lengths as on the wire). */
static int filter_match(txt_st *s, const sf_pkt *p)
{
    if (!s->have_prog) return 1;
    if (p->status != SF_DEC_TCP) return 0;
    uint8_t *b = s->raw;
    uint32_t iph = p->ipver == 6 ? 40 : 20, hl = p->hlen < 20 ? 20 : p->hlen;
    memset(b, 0, sizeof s->raw);
    if (p->ipver == 6) {
        b[0] = 0x60;
        put_be16(b + 4, p->seg_len);
        b[6] = 6;
        b[7] = p->ttl;
        memcpy(b + 8, p->src, 16);
        memcpy(b + 24, p->dst, 16);
    } else {
        b[0] = 0x45;
        put_be16(b + 2, p->ip_len);
        b[8] = p->ttl;
        b[9] = 6;
        memcpy(b + 12, p->src, 4);
        memcpy(b + 16, p->dst, 4);
    }
    uint8_t *t = b + iph;
    put_be16(t, p->sport);
    put_be16(t + 2, p->dport);
    put_be32(t + 4, p->seq);
    put_be32(t + 8, p->ack);
    t[12] = (uint8_t)((hl / 4) << 4 | ((p->flags >> 8) & 0x0f));
    t[13] = (uint8_t)p->flags;
    put_be16(t + 14, p->win);
    put_be16(t + 18, p->urp);
    if (p->opt && p->opt_len <= hl - 20) memcpy(t + 20, p->opt, p->opt_len);
    struct pcap_pkthdr h;
    memset(&h, 0, sizeof h);
    h.caplen = iph + hl;
    h.len = p->wirelen > h.caplen ? p->wirelen : h.caplen;
    return pcap_offline_filter(&s->prog, &h, b) != 0;
}

/* ---- backend entry points ---------------------------------------------------- */

static sf_src_rc txt_next(void *st, sf_pkt *out, char *err, size_t errlen)
{
    txt_st *s = st;
    for (;;) {
        if (s->qn == 0 && !read_record(s)) {
            if (s->n_tcp_parsed == 0) {
                snprintf(err, errlen, "no tcpdump TCP lines found (%llu other packet lines)",
                         (unsigned long long)s->n_other);
                return SF_SRC_ERROR;
            }
            return SF_SRC_END;
        }
        sf_txt_line *L = q_at(s, 0);
        sf_txseq_res r;
        sf_pkt tp;
        memset(&r, 0, sizeof r);
        memset(&tp, 0, sizeof tp);
        convert_ts(s, L, &tp);
        if (L->kind == SF_TXT_TCP && L->trunc != SF_TXT_TR_PORTS && L->trunc != SF_TXT_TR_HDR && !L->bad_hlen)
            sf_txseq_apply(s->seq, L, tp.ts_missing ? -1 : tp.ts.sec * 1000000000ll + tp.ts.nsec,
                           peek_cb, s, &r);
        fill_record(s, L, &r, &tp, out);
        s->qhead = (s->qhead + 1) % QCAP;
        s->qn--;
        if (s->have_prog && !filter_match(s, out)) continue;
        if (out->status == SF_DEC_TCP) s->n_emitted_tcp++;
        return SF_SRC_PACKET;
    }
}

static void txt_close(void *st)
{
    txt_st *s = st;
    if (!s) return;
    if (s->n_warn > MAX_WARN)
        fprintf(stderr, "synfin: %s: warning: %llu unusable lines in all\n", s->name,
                (unsigned long long)s->n_warn);
    if (s->f) fclose(s->f);
    if (s->have_prog) pcap_freecode(&s->prog);
    if (s->dead) pcap_close(s->dead);
    sf_txseq_free(s->seq);
    free(s->q);
    free(s->rbuf);
    free(s->line);
    free(s->name);
    free(s);
}

int sf_text_open(FILE *f, const char *name, const char *filter, sf_backend *b, char *err, size_t errlen)
{
    txt_st *s = calloc(1, sizeof *s);
    if (!s) { fclose(f); snprintf(err, errlen, "out of memory"); return -1; }
    s->f = f;
    s->name = strdup(name ? name : "-");
    s->rbuf = malloc(RDBUF);
    s->line = malloc(LINE_CAP);
    s->q = calloc(QCAP, sizeof *s->q);
    s->seq = sf_txseq_new(MAX_TUPLES);
    if (!s->name || !s->rbuf || !s->line || !s->q || !s->seq) {
        txt_close(s);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* binary input is not text: a NUL in the first KiB */
    if (fill(s)) {
        size_t n = s->rlen < 1024 ? s->rlen : 1024;
        if (memchr(s->rbuf, '\0', n)) {
            txt_close(s);
            snprintf(err, errlen, "not a capture file or tcpdump text");
            return -1;
        }
    }
    if (filter && *filter) {
        s->dead = pcap_open_dead(DLT_RAW, 65535);
        if (!s->dead || pcap_compile(s->dead, &s->prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "bad filter '%s': %s", filter, s->dead ? pcap_geterr(s->dead) : "pcap_open_dead failed");
            txt_close(s);
            return -1;
        }
        s->have_prog = 1;
    }
    /* look at the start: the timestamp form, and whether any TCP line exists */
    while (s->qn + 2 <= QCAP && (s->qn < TS_WINDOW || s->n_tcp_parsed == 0))
        if (!read_record(s)) break;
    if (s->n_tcp_parsed == 0 && s->eof && s->rpos >= s->rlen) {
        if (s->n_other == 0) snprintf(err, errlen, "not a capture file or tcpdump text (no tcpdump lines found)");
        else snprintf(err, errlen, "no tcpdump TCP lines found (%llu other packet lines)",
                      (unsigned long long)s->n_other);
        txt_close(s);
        return -1;
    }
    decide_ts(s);
    s->day0 = local_day0();
    b->st = s;
    b->next = txt_next;
    b->close = txt_close;
    return 0;
}

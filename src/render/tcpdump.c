/* \summary: tcpdump 4.99 -nn TCP line: timestamp, IP/IP6 prefix, flags, relative seq, options, length */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tcpdump.h"
#include "tcpdump_int.h"
#include "../util/cursor.h"

/* ---- tcpdump's relative sequence table ---- */

typedef struct td_key {
    uint8_t src[16], dst[16];
    uint32_t port;        /* sport << 16 | dport in the collated order */
    uint8_t v6;
} td_key;

typedef struct td_ent {
    td_key k;
    uint32_t seq, ack;
    uint8_t used;
} td_ent;

/* tcpdump never forgets a tuple; we keep at most this many and start
 * afresh beyond (documented in docs/compat.md): bounded memory, ~64 MiB. */
#define TD_MAX_ENTRIES (1u << 20)

struct sf_tdseq {
    td_ent *tab;
    size_t cap, n;
    uint64_t resets;
};

sf_tdseq *sf_tdseq_new(void)
{
    sf_tdseq *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->cap = 1024;
    t->tab = calloc(t->cap, sizeof *t->tab);
    if (!t->tab) { free(t); return NULL; }
    return t;
}

void sf_tdseq_free(sf_tdseq *t)
{
    if (!t) return;
    free(t->tab);
    free(t);
}

static uint64_t key_hash(const td_key *k)
{
    uint64_t h = 1469598103934665603ull;
    const uint8_t *b = (const uint8_t *)k;
    for (size_t i = 0; i < sizeof *k; i++) { h ^= b[i]; h *= 1099511628211ull; }
    return h ^ (h >> 29);
}

static td_ent *td_slot(td_ent *tab, size_t cap, const td_key *k)
{
    size_t i = (size_t)key_hash(k) & (cap - 1);
    while (tab[i].used && memcmp(&tab[i].k, k, sizeof *k) != 0) i = (i + 1) & (cap - 1);
    return &tab[i];
}

/* Find the entry for k, creating it (zeroed, used = 2 meaning "new") if absent. */
static td_ent *td_get(sf_tdseq *t, const td_key *k)
{
    if (t->n >= TD_MAX_ENTRIES) {
        memset(t->tab, 0, t->cap * sizeof *t->tab);
        t->n = 0;
        t->resets++;
    }
    if ((t->n + 1) * 4 > t->cap * 3) {
        size_t nc = t->cap * 2;
        td_ent *nt = calloc(nc, sizeof *nt);
        if (nt) {
            for (size_t i = 0; i < t->cap; i++)
                if (t->tab[i].used) *td_slot(nt, nc, &t->tab[i].k) = t->tab[i];
            free(t->tab);
            t->tab = nt;
            t->cap = nc;
        } else if (t->n + 1 >= t->cap) {
            return NULL;
        }
    }
    td_ent *e = td_slot(t->tab, t->cap, k);
    if (!e->used) {
        memset(e, 0, sizeof *e);
        e->k = *k;
        e->used = 2;
        t->n++;
    }
    return e;
}

/* A stand-in address for a host known only by name (text input). */
static void name_key(uint8_t out[16], const char *name)
{
    uint64_t a = 1469598103934665603ull, b = 0x9e3779b97f4a7c15ull;
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        a ^= *s; a *= 1099511628211ull;
        b ^= *s; b *= 0x100000001b3ull; b ^= b >> 31;
    }
    memcpy(out, &a, 8);
    memcpy(out + 8, &b, 8);
}

/* ---- small formatting helpers ---- */

const char *sf_tcpdump_flags(uint16_t flags, char *buf)
{
    static const struct { uint16_t bit; char c; } tok[] = {
        { 0x01, 'F' }, { 0x02, 'S' }, { 0x04, 'R' }, { 0x08, 'P' },
        { 0x10, '.' }, { 0x20, 'U' }, { 0x40, 'E' }, { 0x80, 'W' },
    };
    size_t n = 0;
    for (size_t i = 0; i < sizeof tok / sizeof tok[0]; i++)
        if (flags & tok[i].bit) buf[n++] = tok[i].c;
    if (!n) { memcpy(buf, "none", 5); return buf; }
    buf[n] = '\0';
    return buf;
}

void sf_tcpdump_addr(char *buf, size_t n, int ipver, const uint8_t *a)
{
    if (ipver == 6) {
        if (!inet_ntop(AF_INET6, a, buf, (socklen_t)n)) snprintf(buf, n, "?");
    } else {
        snprintf(buf, n, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    }
}

/* localtime() is slow; cache the broken-down minute (zone offsets change
 * on whole minutes; old local-mean-time offsets with seconds are computed
 * per call). */
static void ts_local(sf_out *o, int64_t sec, unsigned frac, int digits)
{
    static int64_t cmin = INT64_MIN;
    static int ch, cm, exact;
    static int valid;
    static const char *czone; /* tzname[0] when cached: tzset() changes it */
    int64_t m = sec >= 0 ? sec / 60 : -((-sec + 59) / 60);
    int hh, mm, ss;
    if (m != cmin || czone != tzname[0]) {
        time_t t = (time_t)(m * 60);
        struct tm tm;
        valid = localtime_r(&t, &tm) != NULL;
        if (valid) { ch = tm.tm_hour; cm = tm.tm_min; exact = tm.tm_sec == 0; }
        cmin = m;
        czone = tzname[0];
    }
    if (!valid) { sf_out_str(o, "[localtime() failed]"); return; }
    if (exact) {
        hh = ch; mm = cm; ss = (int)(sec - m * 60);
    } else {
        time_t t = (time_t)sec;
        struct tm tm;
        if (!localtime_r(&t, &tm)) { sf_out_str(o, "[localtime() failed]"); return; }
        hh = tm.tm_hour; mm = tm.tm_min; ss = tm.tm_sec;
    }
    td_pad(o, (uint64_t)hh, 2);
    sf_out_chr(o, ':');
    td_pad(o, (uint64_t)mm, 2);
    sf_out_chr(o, ':');
    td_pad(o, (uint64_t)ss, 2);
    sf_out_chr(o, '.');
    td_pad(o, frac, digits);
}

void sf_tcpdump_ts(sf_out *o, const sf_pkt *p, int ts_mode)
{
    if (p->ts_missing) return;
    /* tcpdump reads with microsecond precision: libpcap divides the
     * (signed 32-bit) nanoseconds of a ns capture by 1000. Text input that
     * carried nanoseconds keeps them (it has no capture behind it). */
    unsigned frac;
    int digits = 6;
    if (!p->l2 && p->ts.prec == 9) {
        frac = p->ts.nsec;
        digits = 9;
    } else if (p->l2 || p->ts_td_usec) {
        frac = p->ts_td_usec; /* what libpcap hands tcpdump, even if out of range */
    } else {
        frac = p->ts.nsec / 1000;
    }
    /* tcpdump 4.99.3 refuses seconds with bit 31 set (before 1970, after 2038) */
    if ((uint32_t)p->ts.sec & 0x80000000u) {
        sf_out_str(o, "[Error converting time]");
        return;
    }
    if (ts_mode == 1) {
        td_num(o, (uint32_t)p->ts.sec); /* tcpdump prints it as a 32-bit unsigned */
        sf_out_chr(o, '.');
        td_pad(o, frac, digits);
    } else {
        ts_local(o, p->ts.sec, frac, digits);
    }
}

/* ---- the line ---- */

static void put_host(sf_out *o, const sf_pkt *p, int dst)
{
    const char *nm = dst ? p->dst_name : p->src_name;
    if (nm) { sf_out_str(o, nm); return; }
    if (p->ipver == 4) { td_ipv4(o, dst ? p->dst : p->src); return; }
    char b[64];
    sf_tcpdump_addr(b, sizeof b, p->ipver, dst ? p->dst : p->src);
    sf_out_str(o, b);
}

int sf_tcpdump_line(sf_out *o, const sf_pkt *p, sf_tdseq *seqt, const sf_tdfmt *f)
{
    /* what reaches here: a decoded TCP header, or a frame cut/malformed
     * inside the TCP header (tcpdump still prints its prefix) */
    int tcp_level = p->status == SF_DEC_TCP ||
                    ((p->status == SF_DEC_TRUNCATED || p->status == SF_DEC_MALFORMED) &&
                     (p->l4 || p->bad_hlen || p->trunc_hdr));
    if (!tcp_level || (p->ipver != 4 && p->ipver != 6)) return 0;

    sf_tcpdump_ts(o, p, f->ts_mode);
    if (!p->ts_missing) sf_out_chr(o, ' ');
    int ext_prefix = 0;
    if (p->ipver == 4) {
        sf_out_str(o, "IP ");
        sf_td_ipv4_prefix(o, p);
    } else {
        sf_out_str(o, "IP6 ");
        ext_prefix = sf_td_ipv6_prefix(o, p);
        if (ext_prefix == 2) return 2; /* tcpdump stops inside the extension headers */
    }

    if (p->status == SF_DEC_TRUNCATED && !p->trunc_hdr) {
        /* ports not captured */
        put_host(o, p, 0);
        sf_out_str(o, " > ");
        put_host(o, p, 1);
        sf_out_str(o, ": [|tcp]");
        return 2;
    }
    if (ext_prefix) {
        td_num(o, p->sport);
        TD_LIT(o, " > ");
        td_num(o, p->dport);
        TD_LIT(o, ": ");
    } else {
        put_host(o, p, 0);
        sf_out_chr(o, '.');
        td_num(o, p->sport);
        TD_LIT(o, " > ");
        put_host(o, p, 1);
        sf_out_chr(o, '.');
        td_num(o, p->dport);
        TD_LIT(o, ": ");
    }
    if (p->trunc_hdr && (p->status == SF_DEC_TRUNCATED || p->l4_caplen < 20)) {
        sf_out_str(o, " [|tcp]");
        return 2;
    }
    uint32_t length = p->seg_len;
    uint32_t hlen = p->hlen;
    if (hlen < 20) {
        sf_out_printf(o, " tcp %u [bad hdr length %u - too short, < 20]", length - hlen, hlen);
        return 2;
    }
    char fb[16];
    TD_LIT(o, "Flags [");
    sf_out_str(o, sf_tcpdump_flags(p->flags, fb));
    sf_out_chr(o, ']');

    uint32_t seq = p->seq, ack = p->ack, thseq = 0, thack = 0;
    int rev = 0;
    if (!f->abs_seq && (p->flags & SF_TH_ACK) && seqt) {
        td_key k;
        memset(&k, 0, sizeof k);
        uint8_t s[16] = { 0 }, d[16] = { 0 };
        size_t al = p->ipver == 6 ? 16 : 4;
        if (p->src_name) name_key(s, p->src_name); else memcpy(s, p->src, al);
        if (p->dst_name) name_key(d, p->dst_name); else memcpy(d, p->dst, al);
        if (p->sport > p->dport) rev = 1;
        else if (p->sport == p->dport && memcmp(s, d, p->src_name || p->dst_name ? 16 : al) > 0)
            rev = 1;
        k.v6 = p->ipver == 6;
        if (rev) {
            memcpy(k.src, d, 16);
            memcpy(k.dst, s, 16);
            k.port = (uint32_t)p->dport << 16 | p->sport;
        } else {
            memcpy(k.src, s, 16);
            memcpy(k.dst, d, 16);
            k.port = (uint32_t)p->sport << 16 | p->dport;
        }
        td_ent *e = td_get(seqt, &k);
        if (e) {
            if (e->used == 2 || (p->flags & SF_TH_SYN)) {
                e->used = 1;
                if (rev) { e->ack = seq; e->seq = ack - 1; }
                else { e->seq = seq; e->ack = ack - 1; }
            } else if (rev) {
                seq -= e->ack; ack -= e->seq;
            } else {
                seq -= e->seq; ack -= e->ack;
            }
            thseq = e->seq;
            thack = e->ack;
        }
    }
    if (hlen > length) {
        sf_out_printf(o, " [bad hdr length %u - too long, > %u]", hlen, length);
        return 2;
    }
    length -= hlen;
    if (length > 0 || (p->flags & (SF_TH_SYN | SF_TH_FIN | SF_TH_RST))) {
        TD_LIT(o, ", seq ");
        td_num(o, seq);
        if (length > 0) {
            sf_out_chr(o, ':');
            td_num(o, (uint32_t)(seq + length));
        }
    }
    if (p->flags & SF_TH_ACK) {
        TD_LIT(o, ", ack ");
        td_num(o, ack);
    }
    TD_LIT(o, ", win ");
    td_num(o, p->win);
    if (p->flags & SF_TH_URG) sf_out_printf(o, ", urg %u", p->urp);
    if (hlen > 20) {
        sf_td_ctx cx = { p, rev, thseq, thack };
        if (!sf_td_options(o, &cx)) return 2; /* tcpdump stopped inside the options */
    }
    TD_LIT(o, ", length ");
    td_num(o, length);
    return 1;
}

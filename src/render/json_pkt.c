/* \summary: the json view's packet record (the hot path): name tables, a per-connection text memo, numbers four at a time */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_int.h"
#include "tcpdump.h"

/* The app name functions come with the app module; tolerate their absence. */
#pragma weak sf_tls_hs_name
#pragma weak sf_tls_ct_name
#pragma weak sf_tls_alert_name
#pragma weak sf_tls_version_name

/*
 * The packet record is the hot path (one ~600-byte line per TCP packet): it
 * is written straight into the output buffer after one capacity check, with
 * printf-free numbers, constant key text copied as literals, and the names
 * of the fixed vocabularies (flags, roles, states, ack checks, analysis
 * flags) taken from per-view tables of fixed-size slots: a slot is copied
 * whole (a few moves, no strlen, no memcpy call) and the pointer advanced by
 * the name's length; the bytes past the name are overwritten by what follows.
 */
#define JN_CAP 32
typedef struct jname {
    char s[JN_CAP];      /* the text, copied whole */
    uint8_t len;
    uint8_t quoted;      /* with its quotes (analysis names) */
    const char *lng;     /* a static name that does not fit a slot: written from here */
} jname;

/* A name with the key text that follows it in the record, e.g.
 * "ESTABLISHED\",\"server_state\":\"", copied whole from a 32-byte slot
 * (two moves); len 0: it does not fit, and is written from the name. */
#define JS_CAP 32
typedef struct jslot {
    char s[JS_CAP - 1];
    uint8_t len;
} jslot;
#define T_FLAGS "\",\"seq\":"
#define T_CSTATE "\",\"server_state\":\""
#define T_SSTATE "\",\"ack_check\":\""
#define T_ACK "\",\"expected_ack\":"
#define T_ROLE "\",\"hs_step\":"

#define JN_ROLE_CAP 80
#define JN_ROLES 512     /* every combination of the 9 role bits */
typedef struct jrole {
    char s[JN_ROLE_CAP - 1];   /* the role text and T_ROLE */
    uint8_t len;         /* 0: not filled yet (a role text is never empty) */
} jrole;

#define JN_ACKS 8        /* ack checks: 5 named, the rest "unknown" */
struct sf_jpkt {
    jslot flags[256];             /* TCP flags as tcpdump writes them ("none" for 0), T_FLAGS */
    /* the last slot of cstate, sstate and ack: any value out of range ("unknown") */
    jslot cstate[SF_ST__COUNT + 1];   /* client state, T_CSTATE */
    jslot sstate[SF_ST__COUNT + 1];   /* server state, T_SSTATE */
    jslot ack[JN_ACKS + 1];       /* T_ACK */
    int slots_ok;                 /* all of them hold their text (they fit) */
    jname an[SF_AN__COUNT];       /* quoted: "\"retransmission\"" */
    jrole role[JN_ROLES];         /* filled on first use */
    struct jep *ep;               /* the address memo (below), JE_SLOTS entries */
    uint64_t fr_last;             /* the frame number in fr_txt (0 at first) */
    char fr_txt[24];              /* its text, copied whole */
    uint8_t fr_len;
    int64_t ts_sec;               /* the seconds of ts_txt, -1 none yet */
    char ts_txt[24];              /* "\"<ts_sec>." (at most 22 bytes), copied whole */
    uint8_t ts_len;
};

/* s must stay valid (the names of track/names.c are static) unless it fits. */
static void jn_set(jname *n, const char *s, int quoted)
{
    size_t l = strlen(s), q = quoted ? 2 : 0;
    memset(n, 0, sizeof *n);
    n->quoted = (uint8_t)quoted;
    if (l + q > JN_CAP) {
        n->lng = s;
        return;
    }
    memcpy(n->s + q / 2, s, l);
    if (quoted)
        n->s[0] = n->s[l + 1] = '"';
    n->len = (uint8_t)(l + q);
}

/* The name at q: the whole slot is copied (the caller reserved JN_CAP bytes past it). */
static inline char *put_jn(char *q, const jname *n)
{
    if (n->lng) {
        size_t l = strlen(n->lng);
        if (n->quoted)
            *q++ = '"';
        memcpy(q, n->lng, l);
        q += l;
        if (n->quoted)
            *q++ = '"';
        return q;
    }
    memcpy(q, n->s, JN_CAP);
    return q + n->len;
}

static void js_set(jslot *n, const char *name, const char *tail)
{
    size_t a = strlen(name), b = strlen(tail);
    memset(n, 0, sizeof *n);
    if (a + b > sizeof n->s)
        return;
    memcpy(n->s, name, a);
    memcpy(n->s + a, tail, b);
    n->len = (uint8_t)(a + b);
}

/* The slot at q (JS_CAP bytes of room), else name and tail. */
#define PUT_JS(q, slot, name, tail) do {                                   \
        const jslot *n_ = (slot);                                          \
        if (n_->len) {                                                     \
            memcpy((q), n_->s, JS_CAP);                                    \
            (q) += n_->len;                                                \
        } else {                                                           \
            (q) = put_s(put_s((q), (name)), tail);                         \
        }                                                                  \
    } while (0)

static void jv_tables(sf_jpkt *v)
{
    char fb[16];
    for (unsigned f = 0; f < 256; f++)   /* at most 8 letters: always fits a slot */
        js_set(&v->flags[f], sf_tcpdump_flags((uint16_t)f, fb), T_FLAGS);
    for (unsigned i = 0; i <= SF_ST__COUNT; i++) {
        js_set(&v->cstate[i], sf_state_name((sf_state)i), T_CSTATE);
        js_set(&v->sstate[i], sf_state_name((sf_state)i), T_SSTATE);
    }
    for (unsigned i = 0; i <= JN_ACKS; i++)
        js_set(&v->ack[i], sf_ack_check_name((sf_ack_check)i), T_ACK);
    v->slots_ok = 1;
    for (unsigned i = 0; i <= SF_ST__COUNT; i++)
        v->slots_ok &= v->cstate[i].len && v->sstate[i].len;
    for (unsigned i = 0; i <= JN_ACKS; i++)
        v->slots_ok &= v->ack[i].len != 0;
    for (unsigned i = 0; i < SF_AN__COUNT; i++)
        jn_set(&v->an[i], sf_an_name(i), 1);
}

/* The role text ("data+fin") and T_ROLE at q, from the cache (JN_ROLE_CAP
 * bytes reserved past q). */
static inline char *put_role(char *q, sf_jpkt *v, uint32_t role)
{
    if (role < JN_ROLES && v->role[role].len) {
        const jrole *r = &v->role[role];
        memcpy(q, r->s, 32);             /* most roles are short: one word of 32 */
        if (r->len > 32)
            memcpy(q + 32, r->s + 32, JN_ROLE_CAP - 32);
        return q + r->len;
    }
    char rb[128];
    size_t l = strlen(sf_role_str(role, rb, sizeof rb));
    if (role < JN_ROLES && l + sizeof T_ROLE - 1 <= sizeof v->role[role].s) {
        jrole *r = &v->role[role];
        memcpy(r->s, rb, l);
        memcpy(r->s + l, T_ROLE, sizeof T_ROLE - 1);
        r->len = (uint8_t)(l + sizeof T_ROLE - 1);
    }
    memcpy(q, rb, l);
    q += l;
    SF_JW_LIT(q, T_ROLE);
    return q;
}

static const char *tls_rec_name(const sf_tls_rec *r, char *buf, size_t n)
{
    /* TLS 1.3 protected record: the outer type (23) hides the real one, which
     * tshark reports as tls.record.opaque_type, not as a content type */
    if (r->opaque)
        return "opaque";
    if (r->content_type == 22 && r->encrypted)
        return "encrypted_handshake";
    if (r->content_type == 22 && r->hs_type >= 0) {
        const char *s = sf_tls_hs_name ? sf_tls_hs_name(r->hs_type) : NULL;
        if (s)
            return s;
        snprintf(buf, n, "handshake_%d", r->hs_type);
        return buf;
    }
    const char *s = sf_tls_ct_name ? sf_tls_ct_name(r->content_type) : NULL;
    if (s)
        return s;
    snprintf(buf, n, "content_type_%u", r->content_type);
    return buf;
}

/* An address as a JSON string: the text input's host name (escaped, at
 * most 255 bytes), else the IP. Room: 6 * 255 + 2. */
static char *put_addr(char *q, const sf_pkt *p, int dst)
{
    const char *name = dst ? p->dst_name : p->src_name;
    if (name)
        return sf_jw_esc(q, name, strnlen(name, 255));
    const uint8_t *a = dst ? p->dst : p->src;
    *q++ = '"';
    q = p->ipver == 6 ? sf_fmt_ipv6(q, a) : sf_fmt_ipv4(q, a);   /* = inet_ntop, "%u.%u.%u.%u" */
    *q++ = '"';
    return q;
}

/*
 * The conn id's digits and the address part of a packet record
 * (,"src":"a","sport":n,"dst":"b","dport":m,"dir":"c2s","flags":") are the
 * same on every packet of a connection and direction: they are kept as text
 * in a direct-mapped memo indexed by conn id and direction. An entry is used
 * only when its key (conn id, direction, IP version, both addresses, both
 * ports: everything the text is made of) equals the packet's, so it is a
 * pure memo: a collision or a reused id costs a rewrite, never other text.
 * Host names of text input and packets without a connection are written
 * directly.
 */
#define JE_SLOTS 16384           /* ~10k connections live at once on a busy link, 2 directions */
#define JE_TXT 168               /* IPv4 needs 98 at most, IPv6 158 */
#define JE_COPY 96               /* copied whole; the rest only when longer */
typedef struct jep {
    /* the first 64 bytes: the key and the conn id */
    uint64_t conn;
    uint64_t addr[4];            /* src, dst as in sf_pkt */
    uint32_t ports;              /* sport | dport << 16 */
    uint16_t vd;                 /* ipver | dir << 8; 0: empty */
    uint8_t clen;                /* conn id digits */
    uint8_t len;                 /* text; 0: not kept (ids of 17 digits and more) */
    char ctxt[16];               /* conn id digits, copied whole */
    char nxt_txt[16];            /* most packets' rel_seq is their predecessor's nxtseq: */
    uint32_t nxt;                /* the last nxtseq written for this direction, */
    uint8_t nxt_len;             /* its text's length; 0: none */
    uint8_t pad[3];
    char txt[JE_TXT];
} jep;   /* 64 + 24 + 168 = 256 bytes */

/* The parts of an entry's key that are packed from p and pi. */
static inline uint32_t je_ports(const sf_pkt *p) { return (uint32_t)p->sport | (uint32_t)p->dport << 16; }
static inline uint16_t je_vd(const sf_pkt *p, const sf_pinfo *pi) { return (uint16_t)(p->ipver | pi->dir << 8); }

/* The key of p's entry differs from e's (0 when equal). */
static inline uint64_t je_diff(const jep *e, const sf_pkt *p, const sf_pinfo *pi)
{
    uint64_t a[4];
    memcpy(a, p->src, 16);
    memcpy(a + 2, p->dst, 16);
    return (e->conn ^ pi->conn) | (e->addr[0] ^ a[0]) | (e->addr[1] ^ a[1]) |
           (e->addr[2] ^ a[2]) | (e->addr[3] ^ a[3]) | ((e->ports ^ je_ports(p)) | (uint32_t)(e->vd ^ je_vd(p, pi)));
}

/* The address part and the direction as written without the memo. Room:
 * 2 * (6 * 255 + 2) + 96 (and 158 + 16 for IPs). */
static char *put_addrs(char *q, const sf_pkt *p, const sf_pinfo *pi)
{
    SF_JW_LIT(q, ",\"src\":");
    q = put_addr(q, p, 0);
    SF_JW_LIT(q, ",\"sport\":");
    q = sf_fmt_u32_wide(q, p->sport);
    SF_JW_LIT(q, ",\"dst\":");
    q = put_addr(q, p, 1);
    SF_JW_LIT(q, ",\"dport\":");
    q = sf_fmt_u32_wide(q, p->dport);
    if (!pi)
        SF_JW_LIT(q, ",\"dir\":null,\"flags\":\"");
    else if (pi->dir)
        SF_JW_LIT(q, ",\"dir\":\"s2c\",\"flags\":\"");
    else
        SF_JW_LIT(q, ",\"dir\":\"c2s\",\"flags\":\"");
    return q;
}

/* Fill e for p (no host names). */
static __attribute__((noinline)) void je_fill(jep *e, const sf_pkt *p, const sf_pinfo *pi)
{
    e->conn = pi->conn;
    memcpy(e->addr, p->src, 16);
    memcpy(e->addr + 2, p->dst, 16);
    e->ports = je_ports(p);
    e->vd = je_vd(p, pi);
    e->nxt_len = 0;
    e->len = 0;
    if (pi->conn >= UINT64_C(10000000000000000))
        return;                              /* len 0: not kept */
    e->clen = (uint8_t)(sf_fmt_u64(e->ctxt, pi->conn) - e->ctxt);
    /* IPs only: at most 158 bytes, and 16 of scratch past the ports */
    e->len = (uint8_t)(put_addrs(e->txt, p, pi) - e->txt);
}

/* Value i of r when v (its value) is below 10^8, else v another way. Room: 16. */
static inline char *put_d4(char *q, const sf_dig4 *r, int i, uint32_t v)
{
    return v < 100000000u ? sf_dig4_put(q, r, i) : sf_fmt_u32_wide(q, v);
}

/* put_u32 for the values that are one digit nearly always (steps, scale). */
static inline char *put_small(char *q, uint32_t v)
{
    if (v < 10) {
        *q = (char)('0' + v);
        return q + 1;
    }
    return sf_fmt_u32_wide(q, v);
}

/* untrusted app text (NUL-terminated within max bytes or cut there), or null when empty */
static char *put_str_or_null(char *q, const char *s, size_t max)
{
    if (!s || !s[0]) {
        LIT_NULL(q);
        return q;
    }
    return sf_jw_esc(q, s, strnlen(s, max));
}

/* a name from the app tables (trusted, but escaped as before: it costs little here) */
static char *put_name(char *q, const char *s, size_t max)
{
    return sf_jw_esc(q, s, strnlen(s, max));
}

/* Every HTTP message whose header block ended in this segment (pipelining),
 * in order: {"method","uri"} for a request, {"status"} for a response; the
 * first is also given by http_method/http_uri/http_status. http_nmsg counts
 * them all, the list holds at most SF_APP_MAX_HTTP. Room: JV_HTTP_MSGS_MAX. */
#define JV_HTTP_MSG_MAX (24 + 6 * 12 + 2 + 6 * 96 + 2)
#define JV_HTTP_MSGS_MAX (64 + SF_APP_MAX_HTTP * JV_HTTP_MSG_MAX)
static char *http_messages(char *q, const sf_appinfo *a)
{
    SF_JW_LIT(q, ",\"http_nmsg\":");
    q = put_u32(q, a->http_nmsg);
    SF_JW_LIT(q, ",\"http_messages\":[");
    unsigned n = a->http_nmsg < SF_APP_MAX_HTTP ? a->http_nmsg : SF_APP_MAX_HTTP;
    for (unsigned i = 0; i < n; i++) {
        const sf_http_msg *m = &a->http_msgs[i];
        if (i)
            *q++ = ',';
        if (m->is_request) {
            SF_JW_LIT(q, "{\"method\":");
            q = sf_jw_esc(q, m->method, strnlen(m->method, sizeof m->method));
            SF_JW_LIT(q, ",\"uri\":");
            q = sf_jw_esc(q, m->uri, strnlen(m->uri, sizeof m->uri));
        } else {
            SF_JW_LIT(q, "{\"status\":");
            q = sf_jw_i64(q, m->status);
        }
        *q++ = '}';
    }
    *q++ = ']';
    return q;
}

/* The app fields and the end of the record. The common segments (no record,
 * no message completed here) are one literal each. Room: JV_APP_MAX. */
#define JV_TLS_MAX (64 + SF_APP_MAX_RECS * (6 * 31 + 3) + 6 * 64 + 6 * 31 + 6 * 63 + 16)
#define JV_HTTP_MAX (96 + 6 * 12 + 6 * 96 + 16 + JV_HTTP_MSGS_MAX)
#define JV_APP_MAX (JV_TLS_MAX > JV_HTTP_MAX ? JV_TLS_MAX : JV_HTTP_MAX)
static char *packet_app(char *q, const sf_appinfo *a)
{
    if (a->proto == SF_APP_TLS) {
        if (!a->nrec && !a->sni[0] && !a->tls_version && a->alert_desc < 0) {
            SF_JW_LIT(q, ",\"app\":\"tls\",\"tls_records\":[],\"tls_sni\":null,"
                         "\"tls_version\":null,\"tls_alert\":null}\n");
            return q;
        }
        SF_JW_LIT(q, ",\"app\":\"tls\",\"tls_records\":[");
        for (unsigned i = 0; i < a->nrec && i < SF_APP_MAX_RECS; i++) {
            char b[32];
            if (i)
                *q++ = ',';
            q = put_name(q, tls_rec_name(&a->rec[i], b, sizeof b), 31);
        }
        SF_JW_LIT(q, "],\"tls_sni\":");
        q = put_str_or_null(q, a->sni, sizeof a->sni);
        SF_JW_LIT(q, ",\"tls_version\":");
        const char *v = a->tls_version && sf_tls_version_name ? sf_tls_version_name(a->tls_version) : NULL;
        q = v ? put_name(q, v, 31) : put_u32_or_null(q, a->tls_version != 0, a->tls_version);
        SF_JW_LIT(q, ",\"tls_alert\":");
        const char *al = a->alert_desc >= 0 && sf_tls_alert_name ? sf_tls_alert_name(a->alert_desc) : NULL;
        q = al ? put_name(q, al, 63)
               : put_u32_or_null(q, a->alert_desc >= 0, (uint32_t)(a->alert_desc >= 0 ? a->alert_desc : 0));
    } else if (a->proto == SF_APP_HTTP) {
        if (!a->http_method[0] && a->http_status <= 0 && !a->http_nmsg) {
            SF_JW_LIT(q, ",\"app\":\"http\",\"http_method\":null,\"http_uri\":null,"
                         "\"http_status\":null,\"http_nmsg\":0,\"http_messages\":[]}\n");
            return q;
        }
        SF_JW_LIT(q, ",\"app\":\"http\",\"http_method\":");
        q = put_str_or_null(q, a->http_method, sizeof a->http_method);
        SF_JW_LIT(q, ",\"http_uri\":");
        q = put_str_or_null(q, a->http_method[0] ? a->http_uri : NULL, sizeof a->http_uri);
        SF_JW_LIT(q, ",\"http_status\":");
        q = put_u32_or_null(q, a->http_status > 0, (uint32_t)(a->http_status > 0 ? a->http_status : 0));
        q = http_messages(q, a);
    } else {
        SF_JW_LIT(q, ",\"app\":null}\n");
        return q;
    }
    SF_JW_LIT(q, "}\n");
    return q;
}

/* The packet's "ts" value: as sf_jw_ts, with the text of the seconds kept
 * from the previous packet (most share it). Room: 40. */
static inline __attribute__((always_inline)) char *put_ts(char *q, sf_jpkt *v, const sf_pkt *p,
                                                          const sf_dig4 *da)
{
    const sf_time *t = &p->ts;
    if (p->ts_missing) {
        LIT_NULL(q);
        return q;
    }
    if (t->sec < 0 || t->nsec >= 1000000000u)
        return sf_jw_ts(q, t);                /* out of range: written as captured */
    if (t->sec != v->ts_sec) {
        char *e = v->ts_txt;
        *e++ = '"';
        e = sf_fmt_u64(e, (uint64_t)t->sec);
        *e++ = '.';
        v->ts_len = (uint8_t)(e - v->ts_txt);
        v->ts_sec = t->sec;
    }
    memcpy(q, v->ts_txt, sizeof v->ts_txt);
    q += v->ts_len;
    /* the fraction: value 3 of da (the microseconds, or the nanoseconds below 10^8) */
    if (t->prec == 6) {
        q = sf_dig4_put6(q, da, 3);
    } else {
        *q++ = (char)('0' + t->nsec / 100000000u);
        q = sf_dig4_put8(q, da, 3);
    }
    *q++ = '"';
    return q;
}

/* Room for the largest packet record: the fixed part (keys, 24 numbers of at
 * most 20 digits, the names with their slot overrun, 17 analysis names, 4
 * SACK blocks), two host names of text input, and the app fields. */
#define JV_PKT_MAX (2048 + SF_AN__COUNT * (JN_CAP + 2) + JN_ROLE_CAP + 128 + \
                    2 * (6 * 255 + 2) + JV_APP_MAX)

/* Written straight into the output buffer after one capacity check. */
void sf_jv_packet(void *self, const sf_pkt *p, const sf_pinfo *pi)
{
    const json_view *jv = self;
    if (p->status != SF_DEC_TCP)
        return;
    if (jv->only_conn >= 0 && (!pi || pi->conn != (uint64_t)jv->only_conn))
        return;
    sf_jpkt *v = jv->pk;
    sf_out *o = jv->out;                  /* sf_out_reserve, its usual case inline */
    char *q0 = o->len + JV_PKT_MAX <= o->cap ? o->buf + o->len : sf_out_reserve(o, JV_PKT_MAX);
    if (!q0)
        return;
    char *q = q0;
    SF_JW_LIT(q, "{\"type\":\"packet\",\"frame\":");
    /* the frame number: most often the previous one plus one, whose text
     * then needs its last digit raised (unless it is a 9) */
    {
        /* (the text is copied out before its digit is raised in both copies:
         * a byte store then a wider load of the same bytes would wait for
         * the store) */
        unsigned n = v->fr_len;
        char c = v->fr_txt[n - 1];
        memcpy(q, v->fr_txt, sizeof v->fr_txt);
        if (p->frame == v->fr_last + 1 && c != '9') {
            q[n - 1] = v->fr_txt[n - 1] = (char)(c + 1);
        } else {
            n = v->fr_len = (uint8_t)(sf_fmt_u64(v->fr_txt, p->frame) - v->fr_txt);
            memcpy(q, v->fr_txt, sizeof v->fr_txt);
        }
        v->fr_last = p->frame;
        q += n;
    }
    /* four numbers formatted at once: seq and ack below their leading 1-2
     * digits, win, and the ts fraction (for put_ts) */
    const uint32_t tn = p->ts.nsec;
    const uint32_t shi = p->seq / 100000000u, ahi = p->ack / 100000000u;
    sf_dig4 da;
    sf_fmt_dig4(&da, p->seq - shi * 100000000u, p->ack - ahi * 100000000u, p->win,
                p->ts.prec == 6 ? tn / 1000u : tn % 100000000u);
    jep *e = NULL;
    if (pi && !p->src_name && !p->dst_name) {
        e = &v->ep[(pi->conn * 2 + pi->dir) & (JE_SLOTS - 1)];
        if (je_diff(e, p, pi))
            je_fill(e, p, pi);
        if (!e->len)
            e = NULL;
    }
    if (e) {
        SF_JW_LIT(q, ",\"conn\":");
        memcpy(q, e->ctxt, sizeof e->ctxt);
        q += e->clen;
        SF_JW_LIT(q, ",\"ts\":");
        q = put_ts(q, v, p, &da);
        memcpy(q, e->txt, JE_COPY);
        if (e->len > JE_COPY)
            memcpy(q + JE_COPY, e->txt + JE_COPY, JE_TXT - JE_COPY);
        q += e->len;
    } else {
        SF_JW_LIT(q, ",\"conn\":");
        q = put_u64_or_null(q, pi != NULL, pi ? pi->conn : 0);
        SF_JW_LIT(q, ",\"ts\":");
        q = put_ts(q, v, p, &da);
        q = put_addrs(q, p, pi);
    }
    char fb[16];                         /* tcpdump's letters: the low 8 bits */
    PUT_JS(q, &v->flags[p->flags & 0xff], sf_tcpdump_flags(p->flags & 0xff, fb), T_FLAGS);
    q = sf_dig4_put_hi(q, &da, 0, shi);
    SF_JW_LIT(q, ",\"ack\":");
    q = sf_dig4_put_hi(q, &da, 1, ahi);
    SF_JW_LIT(q, ",\"win\":");
    q = sf_dig4_put(q, &da, 2);
    SF_JW_LIT(q, ",\"len\":");
    if (!pi) {
        q = put_u32(q, p->len);
        SF_JW_LIT(q, "}\n");
        sf_out_commit(o, (size_t)(q - q0));
        return;
    }
    /* four more at once: len, rel_ack, nxtseq, calc_window */
    sf_dig4 db;
    sf_fmt_dig4(&db, pi->len, pi->rel_ack, pi->nxtseq, pi->calc_window);
    q = put_d4(q, &db, 0, pi->len);
    int rv = pi->rel_valid;
    SF_JW_LIT(q, ",\"rel_seq\":");
    if (!rv) {
        LIT_NULL(q);
    } else if (e && e->nxt_len && e->nxt == pi->rel_seq) {
        memcpy(q, e->nxt_txt, sizeof e->nxt_txt);   /* the text of the same value */
        q += e->nxt_len;
    } else {
        q = put_u32(q, pi->rel_seq);
    }
    SF_JW_LIT(q, ",\"rel_ack\":");
    /* rel_ack and nxtseq (below 10^8: always but in odd captures) are kept
     * as words too: expected_ack and the memo reuse them (a copy read back
     * from the output just written would wait for those stores) */
    const int ra = rv && (p->flags & SF_TH_ACK);    /* rel_ack written (not null) */
    uint64_t raw = 0;
    unsigned ran = 0;                      /* rel_ack's word and length; 0: not kept */
    if (ra && pi->rel_ack < 100000000u) {
        raw = sf_dig4_word(&db, 1, &ran);
        memcpy(q, &raw, 8);
        q += ran;
    } else if (ra) {
        q = sf_fmt_u32_wide(q, pi->rel_ack);
    } else {
        LIT_NULL(q);
    }
    SF_JW_LIT(q, ",\"nxtseq\":");
    if (rv && pi->nxtseq < 100000000u) {
        unsigned n;
        uint64_t w = sf_dig4_word(&db, 2, &n);
        memcpy(q, &w, 8);
        q += n;
        if (e) {                           /* into the memo */
            e->nxt = pi->nxtseq;
            e->nxt_len = (uint8_t)n;
            memcpy(e->nxt_txt, &w, 8);
        }
    } else if (rv) {
        q = sf_fmt_u32_wide(q, pi->nxtseq);
        if (e)
            e->nxt_len = 0;
    } else {
        LIT_NULL(q);
    }
    SF_JW_LIT(q, ",\"role\":\"");
    q = put_role(q, v, pi->role);        /* and T_ROLE */
    q = put_small(q, pi->hs_step);
    SF_JW_LIT(q, ",\"close_step\":");
    q = put_small(q, pi->close_step);
    SF_JW_LIT(q, ",\"client_state\":\"");
    /* each name with the key text after it (T_CSTATE, T_SSTATE, T_ACK); an
     * out-of-range value takes the last slot */
    unsigned cs = (unsigned)pi->client_state, ss = (unsigned)pi->server_state;
    unsigned ak = (unsigned)pi->ack_check;
    cs = cs < SF_ST__COUNT ? cs : SF_ST__COUNT;
    ss = ss < SF_ST__COUNT ? ss : SF_ST__COUNT;
    ak = ak < JN_ACKS ? ak : JN_ACKS;
    if (v->slots_ok) {                   /* always (the vocabularies are short) */
        memcpy(q, v->cstate[cs].s, JS_CAP);
        q += v->cstate[cs].len;
        memcpy(q, v->sstate[ss].s, JS_CAP);
        q += v->sstate[ss].len;
        memcpy(q, v->ack[ak].s, JS_CAP);
        q += v->ack[ak].len;
    } else {
        PUT_JS(q, &v->cstate[cs], sf_state_name((sf_state)cs), T_CSTATE);
        PUT_JS(q, &v->sstate[ss], sf_state_name((sf_state)ss), T_SSTATE);
        PUT_JS(q, &v->ack[ak], sf_ack_check_name((sf_ack_check)ak), T_ACK);
    }
    if (pi->ack_check != SF_ACK_OK && pi->ack_check != SF_ACK_PARTIAL && pi->ack_check != SF_ACK_AHEAD) {
        LIT_NULL(q);
    } else if (ran && pi->expected_ack == pi->rel_ack) {   /* the usual full ACK: rel_ack's text */
        memcpy(q, &raw, 8);
        q += ran;
    } else {
        q = put_u32(q, pi->expected_ack);
    }
    uint32_t an = pi->analysis & ((1u << SF_AN__COUNT) - 1);
    if (an) {
        SF_JW_LIT(q, ",\"analysis\":[");
        for (int n = 0; an; an &= an - 1, n++) {
            if (n)
                *q++ = ',';
            q = put_jn(q, &v->an[__builtin_ctz(an)]);
        }
        *q++ = ']';
    } else {
        SF_JW_LIT(q, ",\"analysis\":[]");
    }
    if (pi->analysis & SF_AN_DUPLICATE_ACK) {
        SF_JW_LIT(q, ",\"dup_ack_num\":");
        q = put_u32(q, pi->dup_ack_num);
        SF_JW_LIT(q, ",\"dup_ack_frame\":");
        q = put_u64(q, pi->dup_ack_frame);
    } else {
        SF_JW_LIT(q, ",\"dup_ack_num\":null,\"dup_ack_frame\":null");
    }
    SF_JW_LIT(q, ",\"acks_frame\":");
    q = put_u64_or_null(q, pi->acks_frame != 0, pi->acks_frame);
    int prec = prec_of(&p->ts);
    SF_JW_LIT(q, ",\"ack_rtt\":");
    if (pi->ack_rtt_ns >= 0)
        q = put_sec(q, pi->ack_rtt_ns, prec);
    else
        LIT_NULL(q);
    SF_JW_LIT(q, ",\"irtt\":");
    if (pi->irtt_ns >= 0)
        q = put_sec(q, pi->irtt_ns, prec);
    else
        LIT_NULL(q);
    SF_JW_LIT(q, ",\"calc_window\":");
    q = put_d4(q, &db, 3, pi->calc_window); /* raw window when the scale is unknown (win_scale -1), as tshark */
    SF_JW_LIT(q, ",\"win_scale\":");
    int ws = pi->win_scale;                 /* -2 .. 14 */
    if (ws < 0) {
        *q++ = '-';
        ws = -ws;
    }
    q = put_small(q, (uint32_t)ws);
    if (p->nsack) {
        SF_JW_LIT(q, ",\"sack\":[");
        for (unsigned i = 0; i < p->nsack && i < SF_MAX_SACK; i++) {
            if (i)
                *q++ = ',';
            *q++ = '[';
            q = put_u32(q, pi->rel_sack[i][0]);
            *q++ = ',';
            q = put_u32(q, pi->rel_sack[i][1]);
            *q++ = ']';
        }
        *q++ = ']';
    }
    q = packet_app(q, &pi->app);           /* ends the record: "}\n" */
    sf_out_commit(o, (size_t)(q - q0));
    if (o->line_flush)
        sf_out_flush(o);
}

sf_jpkt *sf_jpkt_new(void)
{
    sf_jpkt *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->ep = calloc(JE_SLOTS, sizeof *k->ep);   /* zero: every entry empty (vd 0) */
    if (!k->ep) {
        free(k);
        return NULL;
    }
    k->fr_txt[0] = '0';        /* frame 0's text: the first frame (1) raises it */
    k->fr_len = 1;
    k->ts_sec = -1;
    jv_tables(k);
    return k;
}

void sf_jpkt_free(sf_jpkt *k)
{
    if (k)
        free(k->ep);
    free(k);
}

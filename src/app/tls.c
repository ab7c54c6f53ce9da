/* \summary: TLS record layer and handshake messages over one direction's in-order bytes */
#include <stdlib.h>
#include <string.h>
#include "app_int.h"

/* RFC 8446 5.2: a protected record may be up to 2^14 + 256; RFC 5246
 * allowed 2^14 + 2048 for TLSCiphertext. Anything longer is not TLS. */
#define TLS_MAX_REC (16384 + 2048)
/* A hello is parsed from at most this many buffered bytes. */
#define TLS_HELLO_MAX SF_APP_PREFIX

/* RFC 8446 4.1.3: the ServerHello.random of a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C
};

static int ct_ok(uint8_t ct) { return ct >= 20 && ct <= 24; }
static int ver_ok(uint8_t maj, uint8_t min) { return maj == 3 && min <= 4; }

/* Handshake types a plaintext handshake stream may carry (IANA registry). */
static int hs_type_ok(uint8_t t)
{
    switch (t) {
    case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 8: case 11: case 12:
    case 13: case 14: case 15: case 16: case 20: case 21: case 22: case 23: case 24:
    case 25: case 67: case 254:
        return 1;
    }
    return 0;
}

static int rec_len_ok(uint8_t ct, uint32_t len)
{
    if (len > TLS_MAX_REC) return 0;
    switch (ct) {
    case 20: return len >= 1;
    case 21: return len >= 2;
    case 22: return len >= 1;
    default: return 1;
    }
}

int sf_tls_detect(const uint8_t *p, size_t n, int strict)
{
    sf_cur c = sf_cur_make(p, n);
    if (n < 1) return -1;
    uint8_t ct = sf_get_u8(&c);
    if (!ct_ok(ct) || ct == 24) return 0;
    if (n < 3) {
        if (n == 2 && p[1] != 3) return 0;
        return -1;
    }
    uint8_t maj = sf_get_u8(&c), min = sf_get_u8(&c);
    if (!ver_ok(maj, min)) return 0;
    if (n < 5) return -1;
    uint16_t len = sf_get_be16(&c);
    if (!rec_len_ok(ct, len)) return 0;
    if (ct == 20 && len != 1) return 0;
    if (ct == 21 && len == 2 && n >= 7) {           /* plaintext alert: level 1 or 2 */
        uint8_t lvl = sf_get_u8(&c);
        if (lvl != 1 && lvl != 2) return 0;
    }
    if (ct == 22 && n >= 6) {
        uint8_t t = sf_get_u8(&c);
        if (!hs_type_ok(t)) return strict ? 0 : 1;    /* may be encrypted (midstream) */
        if (strict && t != 1 && t != 2 && n >= 9) {   /* resync: want a plausible length */
            uint32_t l = sf_get_be24(&c);
            if (l > (1u << 20)) return 0;
        }
    }
    return 1;
}

/* ---- ClientHello / ServerHello ---- */

/* Order of a version for "highest offered": drafts of 1.3 (0x7fxx) count as 1.3. */
static uint32_t ver_rank(uint16_t v)
{
    if ((v >> 8) == 0x7f) return 0x0304 * 256 + (v & 0xff);
    return (uint32_t)v * 256 + 255;
}
static int is_grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

static void parse_sni(sf_cur *e, sf_tls_hello *h)
{
    uint16_t list = sf_get_be16(e);
    sf_cur l = sf_cur_sub(e, list, NULL);
    while (sf_cur_left(&l) >= 3) {
        uint8_t type = sf_get_u8(&l);
        uint16_t nl = sf_get_be16(&l);
        sf_cur nm = sf_cur_sub(&l, nl, NULL);
        if (type == 0 && !h->sni[0]) {
            sf_app_strcpy(h->sni, sizeof h->sni, nm.p, sf_cur_left(&nm));
            return;
        }
    }
}

static void parse_alpn(sf_cur *e, sf_tls_hello *h)
{
    uint16_t list = sf_get_be16(e);
    sf_cur l = sf_cur_sub(e, list, NULL);
    uint8_t pl = sf_get_u8(&l);
    if (!sf_cur_ok(&l) || pl == 0) return;
    sf_cur nm = sf_cur_sub(&l, pl, NULL);
    sf_app_strcpy(h->alpn, sizeof h->alpn, nm.p, sf_cur_left(&nm));
}

static void parse_versions(sf_cur *e, sf_tls_hello *h)
{
    if (h->is_server) {                       /* selected_version */
        uint16_t v = sf_get_be16(e);
        if (sf_cur_ok(e)) h->version = v;
        return;
    }
    uint8_t l = sf_get_u8(e);
    sf_cur vs = sf_cur_sub(e, l, NULL);
    uint16_t best = 0;
    while (sf_cur_left(&vs) >= 2) {
        uint16_t v = sf_get_be16(&vs);
        if (is_grease(v)) continue;
        if (!best || ver_rank(v) > ver_rank(best)) best = v;
    }
    if (best) h->version = best;
}

/* Parses the body of a ClientHello (type 1) or ServerHello (type 2) from
 * what was buffered (possibly cut short: parses what is there). */
static void parse_hello(const uint8_t *p, size_t n, uint8_t type, sf_tls_hello *h)
{
    static const sf_tls_hello none;
    memcpy(h, &none, sizeof *h);        /* (vector stores; a memset becomes `rep stos`) */
    h->is_server = type == 2;
    if (!p) return;
    sf_cur c = sf_cur_make(p, n);
    h->version = sf_get_be16(&c);
    uint8_t rnd[32];
    if (sf_get_bytes(&c, rnd, sizeof rnd) < 0) return;
    if (h->is_server && memcmp(rnd, hrr_random, sizeof rnd) == 0) h->hrr = 1;
    sf_cur_skip(&c, sf_get_u8(&c));                    /* session id */
    if (h->is_server) {
        h->cipher = sf_get_be16(&c);
        sf_get_u8(&c);                                  /* compression */
    } else {
        sf_cur_skip(&c, sf_get_be16(&c));              /* cipher suites */
        sf_cur_skip(&c, sf_get_u8(&c));                /* compression methods */
    }
    if (!sf_cur_ok(&c) || sf_cur_left(&c) < 2) return;
    uint16_t elen = sf_get_be16(&c);
    sf_cur ex = sf_cur_sub(&c, elen, NULL);
    while (sf_cur_left(&ex) >= 4) {
        uint16_t et = sf_get_be16(&ex), el = sf_get_be16(&ex);
        sf_cur e = sf_cur_sub(&ex, el, NULL);
        switch (et) {
        case 0:  if (!h->is_server) parse_sni(&e, h); break;
        case 16: parse_alpn(&e, h); break;
        case 43: parse_versions(&e, h); break;
        default: break;
        }
    }
}

/* ---- emission ---- */

static void push(sf_app_ctx *x, const sf_tls_rec *e)
{
    sf_appinfo *o = x->out;
    if (o->nrec_total < UINT16_MAX) o->nrec_total++;
    if (o->nrec < SF_APP_MAX_RECS) o->rec[o->nrec++] = *e;
}

static void take_hello(sf_app_ctx *x, const sf_tls_hello *h)
{
    sf_appinfo *o = x->out;
    sf_conn_app *s = x->sum;
    if (h->is_server) {
        o->tls_version = h->version;
        o->cipher = h->cipher;
        o->hrr |= h->hrr;
        if (h->alpn[0]) memcpy(o->alpn, h->alpn, sizeof o->alpn);
        s->tls_version = h->version;
        s->cipher = h->cipher;
        s->hrr |= h->hrr;
        if (h->alpn[0]) memcpy(s->alpn, h->alpn, sizeof s->alpn);
        if (h->version == 0x0304 || (h->version >> 8) == 0x7f) x->ac->tls13 = 1;
    } else {
        if (!o->tls_version) o->tls_version = h->version;
        if (h->sni[0] && !o->sni[0]) memcpy(o->sni, h->sni, sizeof o->sni);
        if (h->alpn[0] && !o->alpn[0]) memcpy(o->alpn, h->alpn, sizeof o->alpn);
        if (!s->cipher) s->tls_version = h->version;   /* offered, until a ServerHello */
        if (h->sni[0] && !s->sni[0]) memcpy(s->sni, h->sni, sizeof s->sni);
        if (h->alpn[0] && !s->alpn[0] && !s->cipher) memcpy(s->alpn, h->alpn, sizeof s->alpn);
    }
}

static void work_free(sf_tls_dir *t)
{
    if (!t->w) return;
    sf_abuf_free(&t->w->msg);
    free(t->w);
    t->w = NULL;
}

/* A record just completed: report it (and the messages that completed in it). */
static void complete_record(sf_app_ctx *x, sf_tls_dir *t)
{
    sf_tls_rec e;
    memset(&e, 0, sizeof e);
    e.content_type = t->ct;
    e.version = t->rec_ver;
    e.hs_type = -1;
    sf_conn_app *s = x->sum;
    int enc_now = t->ccs && !x->ac->tls13;

    switch (t->ct) {
    case 22:
        if (t->npend == 0) {
            e.encrypted = t->rec_enc;
            push(x, &e);
        } else {
            for (unsigned i = 0; i < t->npend; i++) {
                e.hs_type = t->pend[i];
                e.same_record = i > 0;
                push(x, &e);
            }
            /* messages beyond the pending array: counted only */
            for (unsigned i = t->npend; i < t->pend_total; i++)
                if (x->out->nrec_total < UINT16_MAX) x->out->nrec_total++;
        }
        t->npend = 0;
        t->pend_total = 0;
        if (x->have_hello) {                 /* parsed in place (at most one pending) */
            take_hello(x, x->hello);
            x->have_hello = 0;
        } else if (t->w && t->w->have_hello) {
            take_hello(x, &t->w->hello);
            t->w->have_hello = 0;
        }
        if (t->w && !(t->hs_keep && t->hs_hdr_have == 4)) work_free(t);
        break;
    case 21:
        if (s->tls_alerts < UINT16_MAX) s->tls_alerts++;
        if (t->rec_len == 2 && t->alert_have == 2 && !enc_now) {
            e.alert_level = t->alert[0];
            e.alert_desc = t->alert[1];
            if (x->out->alert_desc < 0) x->out->alert_desc = t->alert[1];
            if (s->alert_desc < 0) {
                s->alert_desc = t->alert[1];
                s->alert_from = (uint8_t)x->dir;
            }
        } else {
            e.encrypted = 1;
        }
        push(x, &e);
        break;
    case 20:
        if (!x->ac->tls13) t->ccs = 1;
        push(x, &e);
        break;
    case 23:
        if (x->ac->tls13) {
            e.opaque = 1;
            /* the client's first protected record is its Finished; later ones carry data */
            if (t->nopaque < UINT16_MAX) t->nopaque++;
            if (x->dir == 0 && t->nopaque >= 2) s->tls_app_data = 1;
        } else {
            s->tls_app_data = 1;
        }
        push(x, &e);
        break;
    default:
        push(x, &e);
        break;
    }
    t->in_rec = 0;
    t->hdr_have = 0;
}

/* ---- handshake message stream (plaintext handshake record bodies) ---- */

static void msg_done(sf_app_ctx *x, sf_tls_dir *t)
{
    if (t->hs_keep && t->w) {
        parse_hello(t->w->msg.p, t->w->msg.len, t->hs_type, &t->w->hello);
        t->w->have_hello = 1;
        x->have_hello = 0;                  /* this one replaces a pending one */
        sf_abuf_free(&t->w->msg);
    }
    if (t->npend < SF_APP_MAX_RECS) t->pend[t->npend++] = t->hs_type;
    if (t->pend_total < UINT16_MAX) t->pend_total++;
    t->hs_hdr_have = 0;
    t->hs_keep = 0;
}

static void hs_feed(sf_app_ctx *x, sf_tls_dir *t, sf_cur *b)
{
    while (sf_cur_left(b) > 0 && !t->hs_dead) {
        if (t->hs_hdr_have < 4) {
            if (t->hs_hdr_have == 0 && sf_cur_left(b) >= 4) {   /* the usual: all 4 at once */
                (void)sf_get_bytes(b, t->hs_hdr, 4);
                t->hs_hdr_have = 4;
            }
            while (t->hs_hdr_have < 4 && sf_cur_left(b)) t->hs_hdr[t->hs_hdr_have++] = sf_get_u8(b);
            if (t->hs_hdr_have < 4) return;
            sf_cur h = sf_cur_make(t->hs_hdr, 4);
            t->hs_type = sf_get_u8(&h);
            t->hs_left = sf_get_be24(&h);
            if (!hs_type_ok(t->hs_type)) {          /* not a plaintext handshake: give up */
                t->hs_dead = 1;
                t->hs_hdr_have = 0;
                if (t->npend == 0) t->rec_enc = 1;
                return;
            }
            t->hs_keep = t->hs_type == 1 || t->hs_type == 2;
            if (t->hs_keep && sf_cur_left(b) >= t->hs_left && x->hello) {
                /* the whole hello is in this record's bytes: parse it in
                 * place, as from the buffer below (the same first
                 * TLS_HELLO_MAX bytes), without allocating or copying */
                size_t n = t->hs_left < TLS_HELLO_MAX ? t->hs_left : TLS_HELLO_MAX;
                parse_hello(b->p, n, t->hs_type, x->hello);
                x->have_hello = 1;
                if (t->w) t->w->have_hello = 0;    /* replaced, as below */
                sf_cur_skip(b, t->hs_left);
                t->hs_left = 0;
                t->hs_keep = 0;
                msg_done(x, t);
                continue;
            }
            if (t->hs_keep && x->last_end && t->hs_left > (size_t)(x->last_end - b->p))
                t->hs_keep = 0;     /* cannot complete before the direction ends */
            if (t->hs_keep) {
                if (!t->w) t->w = calloc(1, sizeof *t->w);
                if (!t->w) t->hs_keep = 0;
                else t->w->msg.len = 0;
            }
            if (t->hs_left == 0) { msg_done(x, t); continue; }
        }
        size_t k = sf_cur_left(b) < t->hs_left ? sf_cur_left(b) : t->hs_left;
        if (t->hs_keep && t->w) {
            if (sf_abuf_put(&t->w->msg, b, k, TLS_HELLO_MAX) < 0) t->hs_keep = 0;
        } else {
            sf_cur_skip(b, k);
        }
        t->hs_left -= (uint32_t)k;
        if (t->hs_left == 0) msg_done(x, t);
    }
}

/* ---- record layer ---- */

static int tls_feed(sf_app_ctx *x, sf_tls_dir *t, sf_cur *c, size_t start_limit)
{
    const uint8_t *base = c->p;
    while (sf_cur_left(c) > 0) {
        if (!t->in_rec) {
            if (t->hdr_have == 0 && (size_t)(c->p - base) >= start_limit) return SF_FEED_STOP;
            if (t->hdr_have == 0 && sf_cur_left(c) >= 5) {      /* the usual: all 5 at once */
                (void)sf_get_bytes(c, t->hdr, 5);
                t->hdr_have = 5;
            }
            while (t->hdr_have < 5 && sf_cur_left(c)) t->hdr[t->hdr_have++] = sf_get_u8(c);
            if (t->hdr_have < 5) break;
            sf_cur h = sf_cur_make(t->hdr, 5);
            uint8_t ct = sf_get_u8(&h);
            uint8_t maj = sf_get_u8(&h), min = sf_get_u8(&h);
            uint16_t len = sf_get_be16(&h);
            if (!ct_ok(ct) || !ver_ok(maj, min) || !rec_len_ok(ct, len)) return SF_FEED_DEAD;
            t->ct = ct;
            t->rec_ver = (uint16_t)(maj << 8 | min);
            t->rec_len = t->rec_left = len;
            t->in_rec = 1;
            t->alert_have = 0;
            t->rec_enc = ct == 22 && ((t->ccs && !x->ac->tls13) || t->hs_dead);
            if (len == 0) { complete_record(x, t); continue; }
        }
        size_t k = sf_cur_left(c) < t->rec_left ? sf_cur_left(c) : t->rec_left;
        sf_cur body = sf_cur_sub(c, k, NULL);
        if (t->ct == 22 && !t->rec_enc) {
            hs_feed(x, t, &body);
        } else if (t->ct == 21) {
            while (t->alert_have < 2 && sf_cur_left(&body)) t->alert[t->alert_have++] = sf_get_u8(&body);
        }
        t->rec_left -= (uint32_t)k;
        if (t->rec_left == 0) complete_record(x, t);
    }
    return SF_FEED_OK;
}

int sf_tls_feed(sf_app_ctx *x, sf_tls_dir *t, sf_cur *c, size_t start_limit)
{
    sf_tls_hello h;
    x->hello = &h;
    x->have_hello = 0;
    int r = tls_feed(x, t, c, start_limit);
    if (x->have_hello && r != SF_FEED_DEAD) {
        /* its record goes on in a later segment: keep the hello until then
         * (a dead stream drops its work state anyway) */
        if (!t->w) t->w = calloc(1, sizeof *t->w);
        if (t->w) {
            t->w->hello = h;
            t->w->have_hello = 1;
        }
    }
    x->hello = NULL;
    x->have_hello = 0;
    return r;
}

int sf_tls_at_boundary(const sf_tls_dir *t) { return !t->in_rec && t->hdr_have == 0; }

void sf_tls_dir_free(sf_tls_dir *t) { work_free(t); }

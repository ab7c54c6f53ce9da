/* \summary: tcpdump 4.99's TCP options text: mss, wscale, sackOK, sack, TS, md5, tcp-ao, uto, mptcp, tfo, unknown */
#include <inttypes.h>
#include <stdio.h>
#include "tcpdump_int.h"
#include "../util/cursor.h"

enum {
    OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACKOK = 4, OPT_SACK = 5,
    OPT_ECHO = 6, OPT_ECHOREPLY = 7, OPT_TS = 8, OPT_CC = 11, OPT_CCNEW = 12, OPT_CCECHO = 13,
    OPT_MD5 = 19, OPT_SCPS = 20, OPT_UTO = 28, OPT_TCPAO = 29, OPT_MPTCP = 30,
    OPT_FASTOPEN = 34, OPT_EXP2 = 254
};

static const struct { uint8_t kind; const char *name; } opt_names[] = {
    { OPT_EOL, "eol" }, { OPT_NOP, "nop" }, { OPT_MSS, "mss" }, { OPT_WSCALE, "wscale" },
    { OPT_SACKOK, "sackOK" }, { OPT_SACK, "sack" }, { OPT_ECHO, "echo" },
    { OPT_ECHOREPLY, "echoreply" }, { OPT_TS, "TS" }, { OPT_CC, "cc" }, { OPT_CCNEW, "ccnew" },
    { OPT_CCECHO, "" }, { OPT_MD5, "md5" }, { OPT_SCPS, "scps" }, { OPT_UTO, "uto" },
    { OPT_TCPAO, "tcp-ao" }, { OPT_MPTCP, "mptcp" }, { OPT_FASTOPEN, "tfo" },
    { OPT_EXP2, "exp" },
};

static const char *opt_name(unsigned kind)
{
    for (size_t i = 0; i < sizeof opt_names / sizeof opt_names[0]; i++)
        if (opt_names[i].kind == kind) return opt_names[i].name;
    return NULL;
}

/* hex bytes from a cursor known to hold n of them */
static void hex(sf_out *o, sf_cur *c, unsigned n)
{
    static const char d[] = "0123456789abcdef";
    for (unsigned k = 0; k < n; k++) {
        uint8_t v = sf_get_u8(c);
        sf_out_chr(o, d[v >> 4]);
        sf_out_chr(o, d[v & 15]);
    }
}

/* `d` holds the cookie (datalen bytes, checked by the caller) */
static void fastopen(sf_out *o, sf_cur *d, unsigned datalen, int exp)
{
    if (exp) sf_out_str(o, "tfo");
    if (datalen == 0) {
        sf_out_str(o, " cookiereq");
    } else if (datalen % 2 != 0 || datalen < 4 || datalen > 16) {
        sf_out_str(o, " (invalid)");
    } else {
        sf_out_str(o, " cookie ");
        hex(o, d, datalen);
    }
}

int sf_td_options(sf_out *o, const sf_td_ctx *cx)
{
    const sf_pkt *p = cx->p;
    /* the option bytes captured, read only through the cursor */
    static const uint8_t none[1];
    /* tcpdump reads up to the end of the captured IP payload: a bad option
     * length may make it read (and print) payload bytes as options */
    size_t span = p->opt ? p->opt_len : 0;
    if (p->opt && p->payload == p->opt + p->opt_len) span += p->payload_caplen;
    sf_cur c = p->opt ? sf_cur_make(p->opt, span) : sf_cur_make(none, 0);
    uint32_t hl = (uint32_t)p->hlen - 20; /* option bytes declared */
    char ch = 0;
    const char *proto = " [|tcp]"; /* tcpdump names the last printer entered */
    sf_out_str(o, ", options [");
/* tcpdump's GET_ macros: reading past the capture ends the line with [|tcp] */
#define NEED(n) do { if (!sf_cur_has(&c, (n))) goto longjmp_trunc; } while (0)
/* its LENCHECK: past the declared length is a bad option; past the capture, truncation */
#define LENCHECK(l) do { if ((l) > hl) goto bad; if (!sf_cur_has(&d, (l))) goto trunc; } while (0)
    while (hl > 0) {
        if (ch) sf_out_chr(o, ch);
        NEED(1);
        unsigned opt = sf_get_u8(&c), len;
        if (opt == OPT_EOL || opt == OPT_NOP) {
            len = 1;
        } else {
            NEED(1);
            len = sf_get_u8(&c);
            if (len < 2 || len > hl) goto bad;
            --hl;
        }
        --hl;
        unsigned datalen = 0;
        const char *nm = opt_name(opt);
        if (nm) sf_out_str(o, nm);
        else { TD_LIT(o, "unknown-"); td_num(o, opt); }
        sf_cur d = c; /* the option's data (peeked; c moves past it below) */
        switch (opt) {
        case OPT_MSS:
            datalen = 2;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            td_num(o, sf_get_be16(&d));
            break;
        case OPT_WSCALE:
            datalen = 1;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            td_num(o, sf_get_u8(&d));
            break;
        case OPT_SACK:
            datalen = len - 2;
            if (datalen % 8 != 0) {
                sf_out_str(o, " invalid sack");
            } else {
                sf_out_chr(o, ' ');
                td_num(o, datalen / 8);
                sf_out_chr(o, ' ');
                for (unsigned k = 0; k < datalen; k += 8) {
                    if (k + 4 > hl) goto bad;
                    if (!sf_cur_has(&d, 4)) goto trunc;
                    uint32_t s = sf_get_be32(&d);
                    if (k + 8 > hl) goto bad;
                    if (!sf_cur_has(&d, 4)) goto trunc;
                    uint32_t e = sf_get_be32(&d);
                    if (cx->rev) { s -= cx->thseq; e -= cx->thseq; }
                    else { s -= cx->thack; e -= cx->thack; }
                    sf_out_chr(o, '{');
                    td_num(o, s);
                    sf_out_chr(o, ':');
                    td_num(o, e);
                    sf_out_chr(o, '}');
                }
            }
            break;
        case OPT_CC: case OPT_CCNEW: case OPT_CCECHO: case OPT_ECHO: case OPT_ECHOREPLY:
            datalen = 4;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            td_num(o, sf_get_be32(&d));
            break;
        case OPT_TS:
            datalen = 8;
            LENCHECK(datalen);
            TD_LIT(o, " val ");
            td_num(o, sf_get_be32(&d));
            TD_LIT(o, " ecr ");
            td_num(o, sf_get_be32(&d));
            break;
        case OPT_MD5:
            datalen = 16;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            /* tcpdump built with libcrypto, run without -M */
            if (p->payload_caplen < p->len || !p->l4)
                sf_out_str(o, "snaplen too short, ");
            else
                sf_out_str(o, "shared secret not supplied with -M, ");
            sf_out_str(o, "can't check - ");
            hex(o, &d, 16);
            break;
        case OPT_SCPS: {
            datalen = 2;
            LENCHECK(datalen);
            uint8_t cap = sf_get_u8(&d), id = sf_get_u8(&d);
            TD_LIT(o, " cap ");
            sf_cur one = sf_cur_make(&cap, 1);
            hex(o, &one, 1);
            TD_LIT(o, " id ");
            td_num(o, id);
            break;
        }
        case OPT_TCPAO:
            datalen = len - 2;
            if (datalen < 2) {
                sf_out_str(o, " (invalid)");
            } else {
                LENCHECK(1);
                TD_LIT(o, " keyid ");
                td_num(o, sf_get_u8(&d));
                LENCHECK(2);
                TD_LIT(o, " rnextkeyid ");
                td_num(o, sf_get_u8(&d));
                if (datalen > 2) {
                    sf_out_str(o, " mac 0x");
                    for (unsigned k = 2; k < datalen; k++) {
                        if (k + 1 > hl) goto bad;
                        if (!sf_cur_has(&d, 1)) goto trunc;
                        hex(o, &d, 1);
                    }
                }
            }
            break;
        case OPT_EOL: case OPT_NOP: case OPT_SACKOK:
            break;
        case OPT_UTO: {
            datalen = 2;
            LENCHECK(datalen);
            unsigned uto = sf_get_be16(&d);
            sf_out_printf(o, " 0x%x", uto);
            if (uto & 1) uto = (uto >> 1) * 60;
            else uto >>= 1;
            sf_out_chr(o, ' ');
            td_num(o, uto);
            break;
        }
        case OPT_MPTCP: {
            datalen = len - 2;
            LENCHECK(datalen);
            /* the whole option: kind and length (already read) and its data */
            uint8_t whole[256];
            whole[0] = (uint8_t)opt;
            whole[1] = (uint8_t)len;
            sf_get_bytes(&d, whole + 2, datalen);
            proto = " [|mptcp]";
            if (!sf_td_mptcp(o, whole, len, p->flags)) goto bad;
            break;
        }
        case OPT_FASTOPEN:
            datalen = len - 2;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            fastopen(o, &d, datalen, 0);
            break;
        case OPT_EXP2: {
            datalen = len - 2;
            LENCHECK(datalen);
            if (datalen < 2) goto bad;
            unsigned magic = sf_get_be16(&d);
            sf_out_chr(o, '-');
            if (magic == 0xf989) fastopen(o, &d, datalen - 2, 1);
            else sf_out_printf(o, "%04x", magic);
            break;
        }
        default:
            datalen = len - 2;
            if (datalen) sf_out_str(o, " 0x");
            for (unsigned k = 0; k < datalen; k++) {
                if (k + 1 > hl) goto bad;
                if (!sf_cur_has(&d, 1)) goto trunc;
                hex(o, &d, 1);
            }
            break;
        }
        /* tcpdump moves on by the declared length even past the capture:
         * the next read then ends the line */
        if (sf_cur_skip(&c, datalen)) c.p = c.end;
        hl -= datalen;
        ++datalen;
        if (opt != OPT_EOL && opt != OPT_NOP) ++datalen;
        if (datalen != len) {
            TD_LIT(o, "[len ");
            td_num(o, len);
            sf_out_chr(o, ']');
        }
        ch = ',';
        if (opt == OPT_EOL) break;
    }
    sf_out_chr(o, ']');
    return 1;
bad:
    sf_out_str(o, "[bad opt]");
    if (ch) sf_out_chr(o, ']');
    return 0;
trunc:
    sf_out_str(o, proto);
    if (ch) sf_out_chr(o, '>');
    return 0;
longjmp_trunc:
    sf_out_str(o, proto);
    return 0;
#undef NEED
#undef LENCHECK
}

/* ---- MPTCP (RFC 8684), as tcpdump 4.99.3 prints it ---- */

/* bounds-checked reads at an offset of the option (0 past its end) */
static sf_cur at(const uint8_t *b, unsigned len, unsigned off)
{
    sf_cur c = sf_cur_make(b, len);
    sf_cur_skip(&c, off);
    return c;
}
static uint8_t g8(const uint8_t *b, unsigned len, unsigned off) { sf_cur c = at(b, len, off); return sf_get_u8(&c); }
static uint16_t g16(const uint8_t *b, unsigned len, unsigned off) { sf_cur c = at(b, len, off); return sf_get_be16(&c); }
static uint32_t g32(const uint8_t *b, unsigned len, unsigned off) { sf_cur c = at(b, len, off); return sf_get_be32(&c); }
static uint64_t g64(const uint8_t *b, unsigned len, unsigned off)
{
    sf_cur c = at(b, len, off);
    uint64_t hi = sf_get_be32(&c);
    return hi << 32 | sf_get_be32(&c);
}

int sf_td_mptcp(sf_out *o, const uint8_t *b, unsigned len, uint16_t flags)
{
    if (len < 3) return 0;
    unsigned sub = g8(b, len, 2) >> 4;
    static const char *const names[] = { "capable", "join", "dss", "add-addr", "rem-addr",
                                         "prio", "fail", "fast-close", "unknown" };
    if (sub > 8) sub = 8; /* tcpdump 4.99.3 knows no MP_TCPRST */
    sf_out_printf(o, " %u %s", len, names[sub]);
    switch (sub) {
    case 0: { /* capable */
        if (!((len == 12 || len == 4) && (flags & SF_TH_SYN)) &&
            !((len == 20 || len == 22 || len == 24) && (flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_ACK))
            return 0;
        unsigned ver = g8(b, len, 2) & 0xf;
        if (ver > 1) { sf_out_printf(o, " Unknown Version (%u)", ver); return 1; }
        sf_out_printf(o, " v%u", ver);
        if (g8(b, len, 3) & 0x80) sf_out_str(o, " csum");
        if (len == 12 || len >= 20) {
            sf_out_printf(o, " {0x%" PRIx64, g64(b, len, 4));
            if (len >= 20) sf_out_printf(o, ",0x%" PRIx64, g64(b, len, 12));
            sf_out_chr(o, '}');
        }
        return 1;
    }
    case 1: /* join */
        if (!(len == 12 && (flags & SF_TH_SYN)) &&
            !(len == 16 && (flags & (SF_TH_SYN | SF_TH_ACK)) == (SF_TH_SYN | SF_TH_ACK)) &&
            !(len == 24 && (flags & SF_TH_ACK)))
            return 0;
        if (len != 24) {
            if (g8(b, len, 2) & 1) sf_out_str(o, " backup");
            sf_out_printf(o, " id %u", g8(b, len, 3));
        }
        if (len == 12) sf_out_printf(o, " token 0x%x nonce 0x%x", g32(b, len, 4), g32(b, len, 8));
        else if (len == 16) sf_out_printf(o, " hmac 0x%" PRIx64 " nonce 0x%x", g64(b, len, 4), g32(b, len, 12));
        else {
            sf_out_str(o, " hmac 0x");
            for (unsigned k = 0; k < 20; k++) sf_out_printf(o, "%02x", g8(b, len, 4 + k));
        }
        return 1;
    case 2: { /* dss */
        if (len < 4 || (flags & SF_TH_SYN)) return 0;
        unsigned fl = g8(b, len, 3), rem = len - 4, q = 4;
        if (fl & 0x10) sf_out_str(o, " fin");
        if (fl & 0x01) {
            sf_out_str(o, " ack ");
            if (fl & 0x02) {
                if (rem < 8) return 0;
                sf_out_printf(o, "%" PRIu64, g64(b, len, q)); q += 8; rem -= 8;
            } else {
                if (rem < 4) return 0;
                sf_out_printf(o, "%u", g32(b, len, q)); q += 4; rem -= 4;
            }
        }
        if (fl & 0x04) {
            sf_out_str(o, " seq ");
            if (fl & 0x08) {
                if (rem < 8) return 0;
                sf_out_printf(o, "%" PRIu64, g64(b, len, q)); q += 8; rem -= 8;
            } else {
                if (rem < 4) return 0;
                sf_out_printf(o, "%u", g32(b, len, q)); q += 4; rem -= 4;
            }
            if (rem < 4) return 0;
            sf_out_printf(o, " subseq %u", g32(b, len, q)); q += 4; rem -= 4;
            if (rem < 2) return 0;
            sf_out_printf(o, " len %u", g16(b, len, q)); q += 2; rem -= 2;
            if (rem >= 2) { sf_out_printf(o, " csum 0x%x", g16(b, len, q)); rem -= 2; }
        }
        return rem == 0;
    }
    case 3: { /* add-addr */
        if (!(len == 8 || len == 10 || len == 16 || len == 18 || len == 20 || len == 22 ||
              len == 28 || len == 30))
            return 0;
        static const char *const echo[16] = { "v1", "v1-echo", 0, 0, "v0-ip4", 0, "v0-ip6" };
        const char *e = echo[g8(b, len, 2) & 0xf];
        sf_out_printf(o, " %s id %u", e ? e : "[bad version/echo]", g8(b, len, 3));
        char a[64];
        if (len == 8 || len == 10 || len == 16 || len == 18) {
            uint8_t ad[4];
            sf_cur ac = at(b, len, 4);
            if (sf_get_bytes(&ac, ad, 4)) return 0;
            sf_tcpdump_addr(a, sizeof a, 4, ad);
            sf_out_printf(o, " %s", a);
            if (len == 10 || len == 18) sf_out_printf(o, ":%u", g16(b, len, 8));
            if (len == 16) sf_out_printf(o, " hmac 0x%" PRIx64, g64(b, len, 8));
            if (len == 18) sf_out_printf(o, " hmac 0x%" PRIx64, g64(b, len, 10));
        } else {
            uint8_t ad[16];
            sf_cur ac = at(b, len, 4);
            if (sf_get_bytes(&ac, ad, 16)) return 0;
            sf_tcpdump_addr(a, sizeof a, 6, ad);
            sf_out_printf(o, " %s", a);
            if (len == 22 || len == 30) sf_out_printf(o, ":%u", g16(b, len, 20));
            if (len == 28) sf_out_printf(o, " hmac 0x%" PRIx64, g64(b, len, 20));
            if (len == 30) sf_out_printf(o, " hmac 0x%" PRIx64, g64(b, len, 22));
        }
        return 1;
    }
    case 4: /* rem-addr */
        if (len < 4) return 0;
        sf_out_str(o, " id");
        for (unsigned k = 3; k < len; k++) sf_out_printf(o, " %u", g8(b, len, k));
        return 1;
    case 5: /* prio */
        if (len != 3 && len != 4) return 0;
        sf_out_str(o, (g8(b, len, 2) & 1) ? " backup" : " non-backup");
        if (len == 4) sf_out_printf(o, " id %u", g8(b, len, 3));
        return 1;
    case 6: /* fail */
        if (len != 12) return 0;
        sf_out_printf(o, " seq %" PRIu64, g64(b, len, 4));
        return 1;
    case 7: /* fast-close */
        if (len != 12) return 0;
        sf_out_printf(o, " key 0x%" PRIx64, g64(b, len, 4));
        return 1;
    default:
        return 1;
    }
}

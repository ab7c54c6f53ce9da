/* \summary: tcpdump 4.99's TCP options text: mss, wscale, sackOK, sack, TS, md5, tcp-ao, uto, mptcp, tfo, unknown */
#include <inttypes.h>
#include <stdio.h>
#include "tcpdump_int.h"

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

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static uint16_t be16(const uint8_t *b) { return (uint16_t)(b[0] << 8 | b[1]); }

static void fastopen(sf_out *o, const uint8_t *cp, unsigned datalen, int exp)
{
    if (exp) sf_out_str(o, "tfo");
    if (datalen == 0) {
        sf_out_str(o, " cookiereq");
    } else if (datalen % 2 != 0 || datalen < 4 || datalen > 16) {
        sf_out_str(o, " (invalid)");
    } else {
        sf_out_str(o, " cookie ");
        for (unsigned i = 0; i < datalen; i++) sf_out_printf(o, "%02x", cp[i]);
    }
}

int sf_td_options(sf_out *o, const sf_td_ctx *cx)
{
    const sf_pkt *p = cx->p;
    const uint8_t *b = p->opt;
    uint32_t cap = b ? p->opt_len : 0;  /* option bytes captured */
    uint32_t hl = (uint32_t)p->hlen - 20; /* option bytes declared */
    uint32_t i = 0;
    char ch = 0;
    sf_out_str(o, ", options [");
/* tcpdump's GET_ macros: reading past the capture ends the line with [|tcp] */
#define NEED(n) do { if (i + (n) > cap) goto longjmp_trunc; } while (0)
/* its LENCHECK: past the declared length is a bad option; past the capture, truncation */
#define LENCHECK(l) do { if ((l) > hl) goto bad; if (i + (l) > cap) goto trunc; } while (0)
    while (hl > 0) {
        if (ch) sf_out_chr(o, ch);
        NEED(1);
        unsigned opt = b[i++], len;
        if (opt == OPT_EOL || opt == OPT_NOP) {
            len = 1;
        } else {
            NEED(1);
            len = b[i++];
            if (len < 2 || len > hl) goto bad;
            --hl;
        }
        --hl;
        unsigned datalen = 0;
        const char *nm = opt_name(opt);
        if (nm) sf_out_str(o, nm);
        else { TD_LIT(o, "unknown-"); td_num(o, opt); }
        const uint8_t *cp = b + i;
        switch (opt) {
        case OPT_MSS:
            datalen = 2;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            td_num(o, be16(cp));
            break;
        case OPT_WSCALE:
            datalen = 1;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            td_num(o, cp[0]);
            break;
        case OPT_SACK:
            datalen = len - 2;
            if (datalen % 8 != 0) {
                sf_out_str(o, " invalid sack");
            } else {
                sf_out_printf(o, " %u ", datalen / 8);
                for (unsigned k = 0; k < datalen; k += 8) {
                    LENCHECK(k + 4);
                    uint32_t s = be32(cp + k);
                    LENCHECK(k + 8);
                    uint32_t e = be32(cp + k + 4);
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
            sf_out_printf(o, " %u", be32(cp));
            break;
        case OPT_TS:
            datalen = 8;
            LENCHECK(datalen);
            TD_LIT(o, " val ");
            td_num(o, be32(cp));
            TD_LIT(o, " ecr ");
            td_num(o, be32(cp + 4));
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
            for (unsigned k = 0; k < 16; k++) sf_out_printf(o, "%02x", cp[k]);
            break;
        case OPT_SCPS:
            datalen = 2;
            LENCHECK(datalen);
            sf_out_printf(o, " cap %02x id %u", cp[0], cp[1]);
            break;
        case OPT_TCPAO:
            datalen = len - 2;
            if (datalen < 2) {
                sf_out_str(o, " (invalid)");
            } else {
                LENCHECK(1);
                sf_out_printf(o, " keyid %u", cp[0]);
                LENCHECK(2);
                sf_out_printf(o, " rnextkeyid %u", cp[1]);
                if (datalen > 2) {
                    sf_out_str(o, " mac 0x");
                    for (unsigned k = 2; k < datalen; k++) {
                        LENCHECK(k + 1);
                        sf_out_printf(o, "%02x", cp[k]);
                    }
                }
            }
            break;
        case OPT_EOL: case OPT_NOP: case OPT_SACKOK:
            break;
        case OPT_UTO: {
            datalen = 2;
            LENCHECK(datalen);
            unsigned uto = be16(cp);
            sf_out_printf(o, " 0x%x", uto);
            if (uto & 1) uto = (uto >> 1) * 60;
            else uto >>= 1;
            sf_out_printf(o, " %u", uto);
            break;
        }
        case OPT_MPTCP:
            datalen = len - 2;
            LENCHECK(datalen);
            if (!sf_td_mptcp(o, cp - 2, len, p->flags)) goto bad;
            break;
        case OPT_FASTOPEN:
            datalen = len - 2;
            LENCHECK(datalen);
            sf_out_chr(o, ' ');
            fastopen(o, cp, datalen, 0);
            break;
        case OPT_EXP2: {
            datalen = len - 2;
            LENCHECK(datalen);
            if (datalen < 2) goto bad;
            unsigned magic = be16(cp);
            sf_out_chr(o, '-');
            if (magic == 0xf989) fastopen(o, cp + 2, datalen - 2, 1);
            else sf_out_printf(o, "%04x", magic);
            break;
        }
        default:
            datalen = len - 2;
            if (datalen) sf_out_str(o, " 0x");
            for (unsigned k = 0; k < datalen; k++) {
                LENCHECK(k + 1);
                sf_out_printf(o, "%02x", cp[k]);
            }
            break;
        }
        i += datalen;
        hl -= datalen;
        ++datalen;
        if (opt != OPT_EOL && opt != OPT_NOP) ++datalen;
        if (datalen != len) sf_out_printf(o, "[len %u]", len);
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
    sf_out_str(o, " [|tcp]");
    if (ch) sf_out_chr(o, '>');
    return 0;
longjmp_trunc:
    sf_out_str(o, " [|tcp]");
    return 0;
#undef NEED
#undef LENCHECK
}

/* ---- MPTCP (RFC 8684), as tcpdump 4.99.3 prints it ---- */

static uint64_t be64(const uint8_t *b) { return (uint64_t)be32(b) << 32 | be32(b + 4); }

int sf_td_mptcp(sf_out *o, const uint8_t *b, unsigned len, uint16_t flags)
{
    if (len < 3) return 0;
    unsigned sub = b[2] >> 4;
    static const char *const names[] = { "capable", "join", "dss", "add-addr", "rem-addr",
                                         "prio", "fail", "fast-close", "unknown" };
    if (sub > 8) sub = 8; /* tcpdump 4.99.3 knows no MP_TCPRST */
    sf_out_printf(o, " %u %s", len, names[sub]);
    switch (sub) {
    case 0: { /* capable */
        if (!((len == 12 || len == 4) && (flags & SF_TH_SYN)) &&
            !((len == 20 || len == 22 || len == 24) && (flags & (SF_TH_SYN | SF_TH_ACK)) == SF_TH_ACK))
            return 0;
        unsigned ver = b[2] & 0xf;
        if (ver > 1) { sf_out_printf(o, " Unknown Version (%u)", ver); return 1; }
        sf_out_printf(o, " v%u", ver);
        if (b[3] & 0x80) sf_out_str(o, " csum");
        if (len == 12 || len >= 20) {
            sf_out_printf(o, " {0x%" PRIx64, be64(b + 4));
            if (len >= 20) sf_out_printf(o, ",0x%" PRIx64, be64(b + 12));
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
            if (b[2] & 1) sf_out_str(o, " backup");
            sf_out_printf(o, " id %u", b[3]);
        }
        if (len == 12) sf_out_printf(o, " token 0x%x nonce 0x%x", be32(b + 4), be32(b + 8));
        else if (len == 16) sf_out_printf(o, " hmac 0x%" PRIx64 " nonce 0x%x", be64(b + 4), be32(b + 12));
        else {
            sf_out_str(o, " hmac 0x");
            for (unsigned k = 0; k < 20; k++) sf_out_printf(o, "%02x", b[4 + k]);
        }
        return 1;
    case 2: { /* dss */
        if (len < 4 || (flags & SF_TH_SYN)) return 0;
        unsigned fl = b[3], rem = len - 4;
        const uint8_t *q = b + 4;
        if (fl & 0x10) sf_out_str(o, " fin");
        if (fl & 0x01) {
            sf_out_str(o, " ack ");
            if (fl & 0x02) {
                if (rem < 8) return 0;
                sf_out_printf(o, "%" PRIu64, be64(q)); q += 8; rem -= 8;
            } else {
                if (rem < 4) return 0;
                sf_out_printf(o, "%u", be32(q)); q += 4; rem -= 4;
            }
        }
        if (fl & 0x04) {
            sf_out_str(o, " seq ");
            if (fl & 0x08) {
                if (rem < 8) return 0;
                sf_out_printf(o, "%" PRIu64, be64(q)); q += 8; rem -= 8;
            } else {
                if (rem < 4) return 0;
                sf_out_printf(o, "%u", be32(q)); q += 4; rem -= 4;
            }
            if (rem < 4) return 0;
            sf_out_printf(o, " subseq %u", be32(q)); q += 4; rem -= 4;
            if (rem < 2) return 0;
            sf_out_printf(o, " len %u", be16(q)); q += 2; rem -= 2;
            if (rem >= 2) { sf_out_printf(o, " csum 0x%x", be16(q)); rem -= 2; }
        }
        return rem == 0;
    }
    case 3: { /* add-addr */
        if (!(len == 8 || len == 10 || len == 16 || len == 18 || len == 20 || len == 22 ||
              len == 28 || len == 30))
            return 0;
        static const char *const echo[16] = { "v1", "v1-echo", 0, 0, "v0-ip4", 0, "v0-ip6" };
        const char *e = echo[b[2] & 0xf];
        sf_out_printf(o, " %s id %u", e ? e : "[bad version/echo]", b[3]);
        char a[64];
        if (len == 8 || len == 10 || len == 16 || len == 18) {
            sf_tcpdump_addr(a, sizeof a, 4, b + 4);
            sf_out_printf(o, " %s", a);
            if (len == 10 || len == 18) sf_out_printf(o, ":%u", be16(b + 8));
            if (len == 16) sf_out_printf(o, " hmac 0x%" PRIx64, be64(b + 8));
            if (len == 18) sf_out_printf(o, " hmac 0x%" PRIx64, be64(b + 10));
        } else {
            sf_tcpdump_addr(a, sizeof a, 6, b + 4);
            sf_out_printf(o, " %s", a);
            if (len == 22 || len == 30) sf_out_printf(o, ":%u", be16(b + 20));
            if (len == 28) sf_out_printf(o, " hmac 0x%" PRIx64, be64(b + 20));
            if (len == 30) sf_out_printf(o, " hmac 0x%" PRIx64, be64(b + 22));
        }
        return 1;
    }
    case 4: /* rem-addr */
        if (len < 4) return 0;
        sf_out_str(o, " id");
        for (unsigned k = 3; k < len; k++) sf_out_printf(o, " %u", b[k]);
        return 1;
    case 5: /* prio */
        if (len != 3 && len != 4) return 0;
        sf_out_str(o, (b[2] & 1) ? " backup" : " non-backup");
        if (len == 4) sf_out_printf(o, " id %u", b[3]);
        return 1;
    case 6: /* fail */
        if (len != 12) return 0;
        sf_out_printf(o, " seq %" PRIu64, be64(b + 4));
        return 1;
    case 7: /* fast-close */
        if (len != 12) return 0;
        sf_out_printf(o, " key 0x%" PRIx64, be64(b + 4));
        return 1;
    default:
        return 1;
    }
}

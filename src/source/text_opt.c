/* \summary: tcpdump text input: "options [...]" back into TCP option bytes (mss, wscale, sack, TS, tfo, md5, ...) */
#include <ctype.h>
#include <string.h>
#include "text_parse.h"
#include "text_opt.h"

/* ---- lexing over the option text (NUL-terminated, bounded by end) -------- */

int sf_txo_lit(sf_txo *x, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(x->end - x->p) < n || memcmp(x->p, lit, n) != 0) return 0;
    x->p += n;
    return 1;
}

void sf_txo_sp(sf_txo *x)
{
    while (x->p < x->end && *x->p == ' ') x->p++;
}

int sf_txo_u64(sf_txo *x, uint64_t *v)
{
    const char *p = x->p;
    uint64_t r = 0;
    int d = 0;
    while (p < x->end && isdigit((unsigned char)*p)) {
        uint64_t nr = r * 10 + (uint64_t)(*p - '0');
        if (nr / 10 != r) return 0;
        r = nr;
        p++;
        d++;
    }
    if (!d) return 0;
    x->p = p;
    *v = r;
    return 1;
}

int sf_txo_u32(sf_txo *x, uint32_t *v)
{
    uint64_t r;
    const char *save = x->p;
    if (!sf_txo_u64(x, &r) || r > 0xffffffffu) { x->p = save; return 0; }
    *v = (uint32_t)r;
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* "0x" then 1..16 hex digits as a number. */
int sf_txo_hex64(sf_txo *x, uint64_t *v)
{
    const char *save = x->p;
    if (!sf_txo_lit(x, "0x")) return 0;
    uint64_t r = 0;
    int d = 0;
    while (x->p < x->end && hexval(*x->p) >= 0 && d < 16) {
        r = r << 4 | (uint64_t)hexval(*x->p);
        x->p++;
        d++;
    }
    if (!d || (x->p < x->end && hexval(*x->p) >= 0)) { x->p = save; return 0; }
    *v = r;
    return 1;
}

/* Pairs of hex digits into out (at most max bytes); returns the count. */
size_t sf_txo_hexbytes(sf_txo *x, uint8_t *out, size_t max)
{
    size_t k = 0;
    while (k < max && x->end - x->p >= 2 && hexval(x->p[0]) >= 0 && hexval(x->p[1]) >= 0) {
        out[k++] = (uint8_t)(hexval(x->p[0]) << 4 | hexval(x->p[1]));
        x->p += 2;
    }
    return k;
}

/* ---- byte emission into L->opt -------------------------------------------- */

int sf_txo_put(sf_txo *x, const uint8_t *b, size_t n)
{
    sf_txt_line *L = x->L;
    if (n > (size_t)SF_TXT_OPT_MAX - L->opt_len) {
        x->overflow = 1;
        return -1;
    }
    memcpy(L->opt + L->opt_len, b, n);
    L->opt_len = (uint8_t)(L->opt_len + n);
    return 0;
}

static void be16(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 8); b[1] = (uint8_t)v; }
static void be32(uint8_t *b, uint32_t v) { b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16); b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v; }

/* ---- one option ----------------------------------------------------------- */

/* Kinds whose 4-byte value prints as " %u" (tcpdump shares the printer). */
static const struct { const char *name; uint8_t kind; } u32_opts[] = {
    { "echoreply", 7 }, { "echo", 6 }, { "ccnew", 12 }, { "cc", 11 },
};

/* md5 text in any of tcpdump's forms; the digest is the 32 hex digits
 * (when tcpdump printed them). The text contains ", " so it is scanned
 * up to the end of the digest or to a ',' not followed by a space. */
static int opt_md5(sf_txo *x)
{
    uint8_t b[18] = { 19, 18 };
    const char *p = x->p;
    while (p < x->end && *p != ']' && !(*p == ',' && p + 1 < x->end && p[1] != ' ')) {
        int run = 0;
        while (p + run < x->end && hexval(p[run]) >= 0) run++;
        if (run == 32 && (p == x->p || p[-1] == ' ')) {
            sf_txo y = *x;
            y.p = p;
            sf_txo_hexbytes(&y, b + 2, 16);
            p += 32;
            break;
        }
        p += run ? (size_t)run : 1;
    }
    x->p = p;
    return sf_txo_put(x, b, sizeof b);
}

/* "tfo cookiereq" / "tfo cookie HEX" bodies (after "tfo"); prefix = kind bytes. */
static int opt_tfo(sf_txo *x, int exp)
{
    uint8_t b[2 + 2 + 16];
    size_t h = exp ? 4 : 2;
    b[0] = exp ? 254 : 34;
    if (exp) { b[2] = 0xf9; b[3] = 0x89; }
    sf_txo_sp(x);
    size_t n = 0;
    if (sf_txo_lit(x, "cookiereq")) {
        n = 0;
    } else if (sf_txo_lit(x, "cookie")) {
        sf_txo_sp(x);
        n = sf_txo_hexbytes(x, b + h, 16);
    }
    b[1] = (uint8_t)(h + n);
    return sf_txo_put(x, b, h + n);
}

/* Parse one option at x->p; emits its bytes. Returns the offset of its
 * length byte in L->opt (for "[len N]"), -1 for kinds without one, -2 if
 * nothing recognizable was there. */
static int one_option(sf_txo *x)
{
    sf_txt_line *L = x->L;
    uint8_t b[40];
    uint32_t v, w;
    int at = L->opt_len + 1;
    if (sf_txo_lit(x, "nop")) { b[0] = 1; sf_txo_put(x, b, 1); return -1; }
    if (sf_txo_lit(x, "eol")) { b[0] = 0; sf_txo_put(x, b, 1); return -1; }
    if (sf_txo_lit(x, "mss")) {
        sf_txo_sp(x);
        if (!sf_txo_u32(x, &v)) v = 0;
        b[0] = 2; b[1] = 4; be16(b + 2, v);
        L->mss = (uint16_t)v;
        return sf_txo_put(x, b, 4) ? -2 : at;
    }
    if (sf_txo_lit(x, "wscale")) {
        sf_txo_sp(x);
        if (!sf_txo_u32(x, &v)) v = 0;
        b[0] = 3; b[1] = 3; b[2] = (uint8_t)v;
        L->wscale = (int8_t)(v > 14 ? 14 : v);
        return sf_txo_put(x, b, 3) ? -2 : at;
    }
    if (sf_txo_lit(x, "sackOK")) {
        b[0] = 4; b[1] = 2;
        L->sack_perm = 1;
        return sf_txo_put(x, b, 2) ? -2 : at;
    }
    if (sf_txo_lit(x, "sack")) {
        sf_txo_sp(x);
        if (sf_txo_lit(x, "invalid sack") || sf_txo_lit(x, "invalid")) {
            b[0] = 5; b[1] = 3; b[2] = 0;
            return sf_txo_put(x, b, 3) ? -2 : at;
        }
        uint32_t nb = 0;
        sf_txo_u32(x, &nb);
        sf_txo_sp(x);
        size_t k = 0;
        while (k < 4 && sf_txo_lit(x, "{")) {
            if (!sf_txo_u32(x, &v) || !sf_txo_lit(x, ":") || !sf_txo_u32(x, &w)) break;
            sf_txo_lit(x, "}");
            be32(b + 2 + 8 * k, v);
            be32(b + 6 + 8 * k, w);
            if (L->nsack < SF_TXT_SACK_MAX) {
                L->sack[L->nsack][0] = v;
                L->sack[L->nsack][1] = w;
                L->sack_off[L->nsack] = (uint8_t)(L->opt_len + 2 + 8 * k);
                L->nsack++;
            }
            k++;
        }
        (void)nb;
        b[0] = 5; b[1] = (uint8_t)(2 + 8 * k);
        if (sf_txo_put(x, b, 2 + 8 * k)) { L->nsack = 0; return -2; }
        return at;
    }
    if (sf_txo_lit(x, "TS")) {
        sf_txo_sp(x);
        b[0] = 8; b[1] = 10;
        if (!sf_txo_lit(x, "val")) {
            /* "TS [|tcp]": kind and length only */
            sf_txo_put(x, b, 2);
            L->opt_declared = 8;
            return at;
        }
        sf_txo_sp(x);
        v = w = 0;
        sf_txo_u32(x, &v);
        sf_txo_sp(x);
        if (sf_txo_lit(x, "ecr")) { sf_txo_sp(x); sf_txo_u32(x, &w); }
        be32(b + 2, v); be32(b + 6, w);
        L->has_ts = 1; L->ts_val = v; L->ts_ecr = w;
        return sf_txo_put(x, b, 10) ? -2 : at;
    }
    for (size_t i = 0; i < sizeof u32_opts / sizeof u32_opts[0]; i++) {
        if (sf_txo_lit(x, u32_opts[i].name)) {
            sf_txo_sp(x);
            v = 0;
            sf_txo_u32(x, &v);
            b[0] = u32_opts[i].kind; b[1] = 6; be32(b + 2, v);
            return sf_txo_put(x, b, 6) ? -2 : at;
        }
    }
    if (sf_txo_lit(x, "md5")) return opt_md5(x) ? -2 : at;
    if (sf_txo_lit(x, "scps")) {
        sf_txo_sp(x);
        b[0] = 20; b[1] = 4; b[2] = 0; b[3] = 0;
        if (sf_txo_lit(x, "cap")) {
            sf_txo_sp(x);
            sf_txo_hexbytes(x, b + 2, 1);
            sf_txo_sp(x);
            if (sf_txo_lit(x, "id")) { sf_txo_sp(x); if (sf_txo_u32(x, &v)) b[3] = (uint8_t)v; }
        } else {
            b[1] = 2; /* "scps[bad opt]": no room for its data */
            return sf_txo_put(x, b, 2) ? -2 : at;
        }
        return sf_txo_put(x, b, 4) ? -2 : at;
    }
    if (sf_txo_lit(x, "uto")) {
        uint64_t u = 0;
        sf_txo_sp(x);
        sf_txo_hex64(x, &u);
        sf_txo_sp(x);
        sf_txo_u32(x, &v);
        b[0] = 28; b[1] = 4; be16(b + 2, (uint32_t)u);
        return sf_txo_put(x, b, 4) ? -2 : at;
    }
    if (sf_txo_lit(x, "tcp-ao")) {
        size_t n = 2;
        b[0] = 29;
        sf_txo_sp(x);
        if (sf_txo_lit(x, "keyid")) {
            sf_txo_sp(x); v = 0; sf_txo_u32(x, &v); b[n++] = (uint8_t)v; sf_txo_sp(x);
            if (sf_txo_lit(x, "rnextkeyid")) { sf_txo_sp(x); v = 0; sf_txo_u32(x, &v); b[n++] = (uint8_t)v; sf_txo_sp(x); }
            if (sf_txo_lit(x, "mac 0x")) n += sf_txo_hexbytes(x, b + n, sizeof b - n);
        }
        b[1] = (uint8_t)n;
        return sf_txo_put(x, b, n) ? -2 : at;
    }
    if (sf_txo_lit(x, "mptcp")) return sf_txo_mptcp(x) ? -2 : at;
    if (sf_txo_lit(x, "tfo")) return opt_tfo(x, 0) ? -2 : at;
    if (sf_txo_lit(x, "exp-tfo")) return opt_tfo(x, 1) ? -2 : at;
    if (sf_txo_lit(x, "exp-")) {
        uint8_t m[2] = { 0, 0 };
        sf_txo_hexbytes(x, m, 2);
        b[0] = 254; b[1] = 4; b[2] = m[0]; b[3] = m[1];
        return sf_txo_put(x, b, 4) ? -2 : at;
    }
    if (sf_txo_lit(x, "unknown-")) {
        size_t n = 2;
        v = 0;
        sf_txo_u32(x, &v);
        b[0] = (uint8_t)v;
        if (sf_txo_lit(x, " 0x")) n += sf_txo_hexbytes(x, b + 2, sizeof b - 2);
        b[1] = (uint8_t)n;
        return sf_txo_put(x, b, n) ? -2 : at;
    }
    if (x->p < x->end && isdigit((unsigned char)*x->p)) {
        /* CCECHO (kind 13) prints with an empty name: " %u" */
        v = 0;
        sf_txo_u32(x, &v);
        b[0] = 13; b[1] = 6; be32(b + 2, v);
        return sf_txo_put(x, b, 6) ? -2 : at;
    }
    return -2;
}

/* tcpdump prints every option up to the header length unless an eol stops
 * it, so a list that does not fill whole 32-bit words had an option longer
 * than its text shows: only the experimental option (kind 254) prints less
 * than its data (the magic number). Grow it; else pad with zero bytes. */
static void pad_words(sf_txt_line *L, int exp_off, int ended_eol)
{
    unsigned pad = (4u - L->opt_len % 4u) % 4u;
    if (!pad || L->opt_len + pad > SF_TXT_OPT_MAX) return;
    if (!ended_eol && exp_off >= 0) {
        unsigned at = (unsigned)exp_off + L->opt[exp_off + 1];
        memmove(L->opt + at + pad, L->opt + at, L->opt_len - at);
        memset(L->opt + at, 0, pad);
        L->opt[exp_off + 1] = (uint8_t)(L->opt[exp_off + 1] + pad);
        for (int i = 0; i < L->nsack; i++)
            if (L->sack_off[i] >= at) L->sack_off[i] = (uint8_t)(L->sack_off[i] + pad);
    } else {
        memset(L->opt + L->opt_len, 0, pad);
    }
    L->opt_len = (uint8_t)(L->opt_len + pad);
}

size_t sf_txt_parse_options(const char *s, size_t n, sf_txt_line *L)
{
    sf_txo x = { s, s + n, L, 0 };
    int exp_off = -1, last_eol = 0;
    L->has_opts = 1;
    for (;;) {
        sf_txo_sp(&x);
        if (x.p >= x.end) break;
        if (*x.p == ']') { x.p++; break; }
        if (sf_txo_lit(&x, "[|tcp]")) {
            /* cut before the next option's kind byte */
            L->opt_trunc = 1;
            if (!L->opt_declared) L->opt_declared = 1;
            break;
        }
        if (sf_txo_lit(&x, "[bad opt]")) {
            L->opt_bad = 1;
            sf_txo_lit(&x, "]");
            break;
        }
        const char *before = x.p;
        int start = L->opt_len;
        int lenat = one_option(&x);
        last_eol = lenat == -1 && L->opt_len == start + 1 && L->opt[start] == 0;
        if (lenat == -2) {
            /* unknown text: skip to the next separator */
            x.p = before;
            while (x.p < x.end && *x.p != ',' && *x.p != ']') x.p++;
        } else if (L->opt_len > start && L->opt[start] == 254 && L->opt_len - start == 4 &&
                   !(L->opt[start + 2] == 0xf9 && L->opt[start + 3] == 0x89)) {
            exp_off = start;
        }
        /* trailers tcpdump appends to an option */
        for (;;) {
            uint32_t v;
            sf_txo_sp(&x);
            if (sf_txo_lit(&x, "[len ")) {
                if (sf_txo_u32(&x, &v) && lenat >= 0 && lenat < L->opt_len) L->opt[lenat] = (uint8_t)v;
                sf_txo_lit(&x, "]");
                continue;
            }
            break;
        }
        if (x.p < x.end && *x.p == '[') {
            if (sf_txo_lit(&x, "[|tcp]")) {
                /* cut inside this option: it declared more than was captured */
                L->opt_trunc = 1;
                if (!L->opt_declared) {
                    L->opt_declared = 1;
                    if (lenat >= 0 && lenat < L->opt_len && L->opt[lenat] < 255) L->opt[lenat]++;
                }
                break;
            }
            if (sf_txo_lit(&x, "[bad opt]")) {
                L->opt_bad = 1;
                sf_txo_lit(&x, "]");
                break;
            }
        }
        if (x.p < x.end && *x.p == ',') { x.p++; continue; }
        if (x.p < x.end && *x.p == ']') { x.p++; break; }
        if (x.p == before) x.p++; /* no progress: avoid looping */
    }
    if (x.overflow) L->opt_bad = 1;
    if (!L->opt_trunc && !L->opt_bad) pad_words(L, exp_off, last_eol);
    return (size_t)(x.p - s);
}

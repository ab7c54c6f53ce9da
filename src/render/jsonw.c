/* \summary: small JSON Lines writer over sf_out: string escaping of untrusted bytes, keys, numbers */
#include <string.h>
#include "jsonw.h"
#include "../util/fmt.h"

void sf_jw_begin(sf_jw *w, sf_out *o)
{
    w->o = o;
    w->first = 1;
    sf_out_chr(o, '{');
}

void sf_jw_end(sf_jw *w)
{
    sf_out_chr(w->o, '}');
    sf_out_eol(w->o);
}

void sf_jw_key(sf_jw *w, const char *k)
{
    if (!w->first)
        sf_out_chr(w->o, ',');
    w->first = 0;
    sf_out_chr(w->o, '"');
    sf_out_str(w->o, k);
    sf_out_str(w->o, "\":");
}

/* Length of a valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
    else return 0;
    if (n < len)
        return 0;
    unsigned cp = c & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *sf_jw_esc(char *q, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    *q++ = '"';
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            *q++ = (char)c;
            i++;
        } else if (c == '"' || c == '\\') {
            *q++ = '\\';
            *q++ = (char)c;
            i++;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            *q++ = '\\';
            *q++ = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            i++;
        } else {
            size_t l = c >= 0x80 ? utf8_len(p + i, n - i) : 0;
            if (l) {                     /* valid UTF-8 kept */
                memcpy(q, p + i, l);
                q += l;
                i += l;
            } else {                     /* control, DEL, or not UTF-8: the byte value */
                memcpy(q, "\\u00", 4);
                q[4] = hex[c >> 4];
                q[5] = hex[c & 15];
                q += 6;
                i++;
            }
        }
    }
    *q++ = '"';
    return q;
}

void sf_jw_strn(sf_out *o, const char *s, size_t n)
{
    char *q = sf_out_reserve(o, 6 * n + 2);
    if (!q)
        return;
    sf_out_commit(o, (size_t)(sf_jw_esc(q, s, n) - q));
}

char *sf_jw_u64(char *q, uint64_t v)
{
    return sf_fmt_u64(q, v);
}

char *sf_jw_i64(char *q, int64_t v)
{
    if (v < 0) {
        *q++ = '-';
        return sf_jw_u64(q, (uint64_t)0 - (uint64_t)v);
    }
    return sf_jw_u64(q, (uint64_t)v);
}

/* exactly `digits` digits of v, zero-padded */
static inline char *frac(char *q, uint32_t v, int digits)
{
    return sf_fmt_digits(q, v, digits);
}

char *sf_jw_sec(char *q, int64_t ns, int prec)
{
    if (ns >= 0 && ns < 1000000000) {   /* the usual RTT: "0." and the fraction */
        memcpy(q, "0.", 2);
        return prec == 6 ? frac(q + 2, (uint32_t)ns / 1000u, 6) : frac(q + 2, (uint32_t)ns, 9);
    }
    uint64_t u = (uint64_t)ns;
    if (ns < 0) {
        *q++ = '-';
        u = (uint64_t)0 - (uint64_t)ns;
    }
    uint64_t sec = u / 1000000000u;
    q = sf_fmt_u64(q, sec);
    *q++ = '.';
    uint32_t f = (uint32_t)(u - sec * 1000000000u);
    return prec == 6 ? frac(q, f / 1000u, 6) : frac(q, f, 9);
}

char *sf_jw_ts(char *q, const sf_time *t)
{
    *q++ = '"';
    if (t->sec < 0 || t->nsec >= 1000000000u) {
        /* out of range: as captured, not normalised */
        q = sf_jw_i64(q, t->sec);
        *q++ = '.';
        q = t->prec == 6 ? frac(q, t->nsec / 1000u, t->nsec / 1000u >= 1000000u ? 7 : 6)
                         : frac(q, t->nsec, t->nsec >= 1000000000u ? 10 : 9);
    } else {
        q = sf_jw_u64(q, (uint64_t)t->sec);
        *q++ = '.';
        q = t->prec == 6 ? frac(q, t->nsec / 1000u, 6) : frac(q, t->nsec, 9);
    }
    *q++ = '"';
    return q;
}

void sf_jw_kstr(sf_jw *w, const char *k, const char *s)
{
    sf_jw_key(w, k);
    if (s)
        sf_jw_strn(w->o, s, strlen(s));
    else
        sf_out_str(w->o, "null");
}

void sf_jw_ku64(sf_jw *w, const char *k, uint64_t v)
{
    sf_jw_key(w, k);
    sf_out_u64(w->o, v);
}

void sf_jw_ki64(sf_jw *w, const char *k, int64_t v)
{
    sf_jw_key(w, k);
    sf_out_i64(w->o, v);
}

void sf_jw_kbool(sf_jw *w, const char *k, int v)
{
    sf_jw_key(w, k);
    sf_out_str(w->o, v ? "true" : "false");
}

void sf_jw_knull(sf_jw *w, const char *k)
{
    sf_jw_key(w, k);
    sf_out_str(w->o, "null");
}

void sf_jw_ksec(sf_jw *w, const char *k, int64_t ns, int prec)
{
    sf_jw_key(w, k);
    char *q = sf_out_reserve(w->o, 32);
    if (q)
        sf_out_commit(w->o, (size_t)(sf_jw_sec(q, ns, prec) - q));
}

void sf_jw_kts(sf_jw *w, const char *k, const sf_time *t)
{
    sf_jw_key(w, k);
    char *q = sf_out_reserve(w->o, 40);
    if (q)
        sf_out_commit(w->o, (size_t)(sf_jw_ts(q, t) - q));
}

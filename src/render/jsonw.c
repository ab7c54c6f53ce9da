/* \summary: small JSON Lines writer over sf_out: string escaping of untrusted bytes, keys, numbers */
#include <string.h>
#include "jsonw.h"

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

void sf_jw_strn(sf_out *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    sf_out_chr(o, '"');
    size_t i = 0;
    while (i < n) {
        /* copy the longest run that needs no escaping in one go */
        size_t j = i;
        while (j < n && p[j] >= 0x20 && p[j] < 0x7F && p[j] != '"' && p[j] != '\\')
            j++;
        if (j > i) {
            sf_out_write(o, p + i, j - i);
            i = j;
            continue;
        }
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            char e[2] = { '\\', (char)c };
            sf_out_write(o, e, 2);
            i++;
        } else if (c == '\n') {
            sf_out_write(o, "\\n", 2);
            i++;
        } else if (c == '\r') {
            sf_out_write(o, "\\r", 2);
            i++;
        } else if (c == '\t') {
            sf_out_write(o, "\\t", 2);
            i++;
        } else if (c < 0x80) {           /* other control bytes and DEL */
            char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
            sf_out_write(o, e, 6);
            i++;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l) {
                sf_out_write(o, p + i, l);
                i += l;
            } else {                     /* not UTF-8: keep the byte value visible */
                char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
                sf_out_write(o, e, 6);
                i++;
            }
        }
    }
    sf_out_chr(o, '"');
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

/* "sec.frac" with `digits` decimals of a non-negative or negative ns count */
static void sec_frac(sf_out *o, int64_t ns, int prec)
{
    if (ns < 0) {
        sf_out_chr(o, '-');
        ns = ns == INT64_MIN ? INT64_MAX : -ns;
    }
    int64_t sec = ns / 1000000000LL;
    uint32_t frac = (uint32_t)(ns % 1000000000LL);
    if (prec == 6)
        sf_out_printf(o, "%lld.%06u", (long long)sec, frac / 1000u);
    else
        sf_out_printf(o, "%lld.%09u", (long long)sec, frac);
}

void sf_jw_ksec(sf_jw *w, const char *k, int64_t ns, int prec)
{
    sf_jw_key(w, k);
    sec_frac(w->o, ns, prec);
}

void sf_jw_kts(sf_jw *w, const char *k, const sf_time *t)
{
    sf_jw_key(w, k);
    sf_out_chr(w->o, '"');
    if (t->sec < 0) {
        sec_frac(w->o, t->sec * 1000000000LL + (int64_t)t->nsec, t->prec);
    } else if (t->prec == 6) {
        sf_out_printf(w->o, "%lld.%06u", (long long)t->sec, t->nsec / 1000u);
    } else {
        sf_out_printf(w->o, "%lld.%09u", (long long)t->sec, t->nsec);
    }
    sf_out_chr(w->o, '"');
}

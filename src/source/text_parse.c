/* \summary: tcpdump text input: parse one printed line (timestamp, addresses, flags, seq/ack/win/urg, length) */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <string.h>
#include "text_parse.h"
#include "../decode/packet.h"
#include "../util/cursor.h"

#define LINE_MAX_KEEP 8192   /* only the TCP part matters; the tail may be cut */
#define MAX_TOK 64

/* ---- normalisation: a private, bounded, NUL-terminated copy -------------- */

/* Copy the line through the cursor: UTF-8 BOM dropped, tabs / CR / other
 * control bytes / NBSP (C2 A0) / ideographic space (E3 80 80) become one
 * space each; full-width ， ： ［ ］ become their ASCII forms. Returns the length written (< cap). */
static size_t normalize(const char *line, size_t n, char *buf, size_t cap)
{
    sf_cur c = sf_cur_make((const uint8_t *)line, n);
    size_t o = 0;
    if (sf_cur_has(&c, 3) && c.p[0] == 0xef && c.p[1] == 0xbb && c.p[2] == 0xbf)
        sf_cur_skip(&c, 3);
    while (sf_cur_left(&c) > 0 && o + 1 < cap) {
        uint8_t b = sf_get_u8(&c);
        if (b == 0xc2 && sf_cur_has(&c, 1) && c.p[0] == 0xa0) {
            sf_cur_skip(&c, 1);
            b = ' ';
        } else if (b == 0xe3 && sf_cur_has(&c, 2) && c.p[0] == 0x80 && c.p[1] == 0x80) {
            sf_cur_skip(&c, 2);
            b = ' ';
        } else if (b == 0xef && sf_cur_has(&c, 2) && c.p[0] == 0xbc &&
                   (c.p[1] == 0x8c || c.p[1] == 0x9a || c.p[1] == 0xbb || c.p[1] == 0xbd)) {
            /* full-width , : [ ] typed by an editor with a Chinese input method */
            b = c.p[1] == 0x8c ? ',' : c.p[1] == 0x9a ? ':' : c.p[1] == 0xbb ? '[' : ']';
            sf_cur_skip(&c, 2);
        } else if (b < 0x20 || b == 0x7f) {
            b = ' ';
        }
        buf[o++] = (char)b;
    }
    while (o > 0 && buf[o - 1] == ' ') o--;
    buf[o] = '\0';
    return o;
}

/* ---- small lexical helpers over NUL-terminated text ---------------------- */

static const char *skip_sp(const char *p)
{
    while (*p == ' ') p++;
    return p;
}

static int starts(const char *p, const char *lit)
{
    return strncmp(p, lit, strlen(lit)) == 0;
}

/* Decimal number of at most 20 digits into *v (no sign); returns chars used, 0 if none. */
static size_t read_dec(const char *p, uint64_t *v)
{
    size_t i = 0;
    uint64_t x = 0;
    while (isdigit((unsigned char)p[i]) && i < 20) {
        x = x * 10 + (uint64_t)(p[i] - '0');
        i++;
    }
    if (isdigit((unsigned char)p[i])) return 0;
    *v = x;
    return i;
}

static size_t read_u32(const char *p, uint32_t *v)
{
    uint64_t x;
    size_t n = read_dec(p, &x);
    if (!n || x > 0xffffffffu) return 0;
    *v = (uint32_t)x;
    return n;
}

/* ---- timestamps ----------------------------------------------------------- */

/* Fraction digits -> nanoseconds: 6 digits microseconds, 9 nanoseconds.
 * tcpdump prints an invalid (too large) fraction as is: 7-8 digits are
 * microseconds >= 10^6, 10 digits nanoseconds >= 10^9; kept when they fit. */
static int read_frac(const char *p, size_t n, uint32_t *nsec, uint8_t *prec)
{
    if (n == 0 || n > 10) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)p[i])) return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (n <= 6) {
        for (size_t i = n; i < 9; i++) v *= 10;
        *prec = 6;
    } else if (n == 9 || n == 10) {
        *prec = 9;
    } else {
        v *= 1000;
        *prec = 6;
    }
    if (v > 0xffffffffu) return -1;
    *nsec = (uint32_t)v;
    return 0;
}

/* [-]H+:MM:SS[.frac] as a whole token. */
static int parse_hms(const char *t, size_t n, sf_txt_line *L)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && t[i] == '-') { neg = 1; i++; }
    uint64_t h = 0, m, s;
    size_t d = 0;
    while (i < n && isdigit((unsigned char)t[i]) && d < 7) { h = h * 10 + (uint64_t)(t[i] - '0'); i++; d++; }
    if (d == 0 || i + 6 > n || t[i] != ':' || !isdigit((unsigned char)t[i + 1]) ||
        !isdigit((unsigned char)t[i + 2]) || t[i + 3] != ':' ||
        !isdigit((unsigned char)t[i + 4]) || !isdigit((unsigned char)t[i + 5]))
        return -1;
    m = (uint64_t)((t[i + 1] - '0') * 10 + (t[i + 2] - '0'));
    s = (uint64_t)((t[i + 4] - '0') * 10 + (t[i + 5] - '0'));
    if (m > 59 || s > 60) return -1;
    i += 6;
    uint32_t ns = 0;
    uint8_t prec = 6;
    if (i < n) {
        if (t[i] != '.' || read_frac(t + i + 1, n - i - 1, &ns, &prec)) return -1;
    }
    L->ts_kind = SF_TXT_TS_HMS;
    L->ts_neg = (uint8_t)neg;
    L->ts_sec = (int64_t)(h * 3600 + m * 60 + s);
    L->ts_nsec = ns;
    L->ts_prec = prec;
    return 0;
}

/* seconds.frac (-tt) as a whole token. */
static int parse_epoch(const char *t, size_t n, sf_txt_line *L)
{
    size_t i = 0;
    uint64_t v = 0;
    while (i < n && isdigit((unsigned char)t[i]) && i < 12) { v = v * 10 + (uint64_t)(t[i] - '0'); i++; }
    if (i == 0 || i >= n || t[i] != '.') return -1;
    uint32_t ns;
    uint8_t prec;
    if (read_frac(t + i + 1, n - i - 1, &ns, &prec)) return -1;
    L->ts_kind = SF_TXT_TS_EPOCH;
    L->ts_sec = (int64_t)v;
    L->ts_nsec = ns;
    L->ts_prec = prec;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* YYYY-MM-DD token followed by an HMS token (-tttt). */
static int parse_date(const char *t, size_t n, const char *t2, size_t n2, sf_txt_line *L)
{
    if (n != 10 || t[4] != '-' || t[7] != '-') return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)t[i])) return -1;
    int64_t y = (t[0] - '0') * 1000 + (t[1] - '0') * 100 + (t[2] - '0') * 10 + (t[3] - '0');
    unsigned mo = (unsigned)((t[5] - '0') * 10 + (t[6] - '0'));
    unsigned d = (unsigned)((t[8] - '0') * 10 + (t[9] - '0'));
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return -1;
    if (parse_hms(t2, n2, L) || L->ts_neg) return -1;
    L->ts_kind = SF_TXT_TS_DATE;
    L->ts_sec += days_from_civil(y, mo, d) * 86400;
    return 0;
}

/* ---- tokens --------------------------------------------------------------- */

typedef struct tok { const char *p; size_t n; } tok;

static int tokenize(const char *b, const char *e, tok *t, int max)
{
    int k = 0;
    const char *p = b;
    while (p < e && k < max) {
        while (p < e && *p == ' ') p++;
        if (p >= e) break;
        const char *s = p;
        while (p < e && *p != ' ') p++;
        t[k].p = s;
        t[k].n = (size_t)(p - s);
        k++;
    }
    return k;
}

static int tok_is(const tok *t, const char *lit)
{
    return t->n == strlen(lit) && memcmp(t->p, lit, t->n) == 0;
}

/* Beyond SF_TS_SEC_MAX it is not a timestamp tcpdump printed (and its
 * nanoseconds would not fit in an int64). */
static int ts_ok(const sf_txt_line *L)
{
    return L->ts_sec <= SF_TS_SEC_MAX && L->ts_sec >= -SF_TS_SEC_MAX;
}

/* Find the timestamp among the first tokens (junk such as a prompt or a
 * line number may precede it). Returns the index after it, or -1. */
static int find_ts(const tok *t, int nt, sf_txt_line *L)
{
    for (int i = 0; i < nt && i < 4; i++) {
        if (i + 1 < nt && parse_date(t[i].p, t[i].n, t[i + 1].p, t[i + 1].n, L) == 0 && ts_ok(L))
            return i + 2;
        if (parse_epoch(t[i].p, t[i].n, L) == 0 && ts_ok(L)) return i + 1;
        if (parse_hms(t[i].p, t[i].n, L) == 0 && ts_ok(L)) return i + 1;
        L->ts_kind = SF_TXT_TS_NONE;
        L->ts_sec = 0;
        L->ts_nsec = 0;
        L->ts_neg = 0;
    }
    return -1;
}

/* ---- services and host names ---------------------------------------------- */

static const struct { const char *name; uint16_t port; } services[] = {
    { "ftp-data", 20 }, { "ftp", 21 }, { "ssh", 22 }, { "telnet", 23 }, { "smtp", 25 },
    { "whois", 43 }, { "domain", 53 }, { "gopher", 70 }, { "finger", 79 }, { "http", 80 },
    { "kerberos", 88 }, { "pop3", 110 }, { "sunrpc", 111 }, { "auth", 113 }, { "nntp", 119 },
    { "ntp", 123 }, { "netbios-ssn", 139 }, { "imap2", 143 }, { "imap", 143 }, { "bgp", 179 },
    { "ldap", 389 }, { "https", 443 }, { "microsoft-ds", 445 }, { "submissions", 465 },
    { "rtsp", 554 }, { "submission", 587 }, { "ipp", 631 }, { "ldaps", 636 }, { "msdp", 639 },
    { "ldp", 646 }, { "rsync", 873 }, { "imaps", 993 }, { "pop3s", 995 }, { "socks", 1080 },
    { "openvpn", 1194 }, { "ms-sql-s", 1433 }, { "pptp", 1723 }, { "nfs", 2049 },
    { "mysql", 3306 }, { "ms-wbt-server", 3389 }, { "sip", 5060 }, { "xmpp-client", 5222 },
    { "postgresql", 5432 }, { "amqp", 5672 }, { "x11", 6000 }, { "redis", 6379 },
    { "irc", 6667 }, { "http-alt", 8080 }, { "webcache", 8080 }, { "beep", 10288 },
};

uint16_t sf_txt_service_port(const char *name, size_t n)
{
    if (n == 0 || n >= 64) return 0;
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strlen(services[i].name) == n && memcmp(services[i].name, name, n) == 0)
            return services[i].port;
    char tmp[64];
    memcpy(tmp, name, n);
    tmp[n] = '\0';
    struct servent *se = getservbyname(tmp, "tcp");
    return se ? ntohs((uint16_t)se->s_port) : 0;
}

void sf_txt_name_addr(const char *name, size_t n, int ipver, uint8_t out[16])
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a 64 */
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)name[i];
        h *= 1099511628211ull;
    }
    memset(out, 0, 16);
    if (ipver == 6) {
        out[0] = 0x01; /* 100::/64, RFC 6666 discard-only prefix */
        for (int i = 0; i < 8; i++) out[8 + i] = (uint8_t)(h >> (56 - 8 * i));
    } else {
        uint32_t v = 0xf0000000u | (uint32_t)((h ^ (h >> 32)) & 0x0fffffffu); /* 240.0.0.0/4 */
        out[0] = (uint8_t)(v >> 24); out[1] = (uint8_t)(v >> 16);
        out[2] = (uint8_t)(v >> 8); out[3] = (uint8_t)v;
    }
}

/* "host.port": numeric v4/v6 address or a host name, then a port number or
 * service name. Sets *fam to 4, 6 or 0 (name). Returns 0 or -1. */
static int parse_endpoint(const tok *t, uint8_t addr[16], char *name, uint16_t *port, int *fam, int want_port)
{
    size_t n = t->n;
    if (n == 0 || n >= SF_TXT_NAME_MAX) return -1;
    size_t dot = n;
    if (want_port) {
        while (dot > 0 && t->p[dot - 1] != '.') dot--;
        if (dot < 2) return -1;
        const char *pp = t->p + dot;
        size_t pn = n - dot;
        uint64_t v;
        if (pn > 0 && read_dec(pp, &v) == pn) {
            if (v > 65535) return -1;
            *port = (uint16_t)v;
        } else {
            uint16_t sp = sf_txt_service_port(pp, pn);
            if (!sp) return -1;
            *port = sp;
        }
        dot--; /* host ends before the dot */
    }
    char h[SF_TXT_NAME_MAX];
    memcpy(h, t->p, dot);
    h[dot] = '\0';
    memset(addr, 0, 16);
    name[0] = '\0';
    if (inet_pton(AF_INET, h, addr) == 1) { *fam = 4; return 0; }
    if (inet_pton(AF_INET6, h, addr) == 1) { *fam = 6; return 0; }
    for (size_t i = 0; i < dot; i++) {
        unsigned char ch = (unsigned char)h[i];
        if (ch <= ' ' || ch == '>' || ch == '<' || ch == ',' || ch == '[' || ch == ']' || ch == '(' || ch == ')')
            return -1;
    }
    if (dot == 0 || (isdigit((unsigned char)h[0]) && strspn(h, "0123456789.") == dot)) return -1;
    memcpy(name, h, dot + 1);
    *fam = 0;
    return 0;
}

static int is_port_tok(const tok *t)
{
    uint64_t v;
    return t->n > 0 && t->n <= 5 && read_dec(t->p, &v) == t->n && v <= 65535;
}

/* IPv6 with extension headers: "A > B: DSTOPT 36951 > 80:" (tcpdump prints
 * the addresses first, then each header, then the ports alone). Fills
 * addresses and ext headers; returns the index of A, or -1. */
static int parse_ext_hosts(tok *t, int nt, sf_txt_line *L, int *fs, int *fd)
{
    for (int i = nt - 4; i >= 1; i--) {
        if (!tok_is(&t[i], ">") || t[i + 1].n < 2 || t[i + 1].p[t[i + 1].n - 1] != ':') continue;
        tok d = t[i + 1];
        d.n--;
        uint16_t dummy;
        if (parse_endpoint(&t[i - 1], L->src, L->src_name, &dummy, fs, 0) ||
            parse_endpoint(&d, L->dst, L->dst_name, &dummy, fd, 0) || *fs != 6 || *fd != 6)
            return -1;
        for (int j = i + 2; j < nt - 3 && L->n_ext < 4; j++) {
            if (tok_is(&t[j], "HBH")) L->ext[L->n_ext++] = 0;
            else if (tok_is(&t[j], "DSTOPT")) L->ext[L->n_ext++] = 60;
            else if (tok_is(&t[j], "frag") && j + 1 < nt - 3 && t[j + 1].n > 2 && t[j + 1].p[0] == '(') {
                uint64_t off;
                if (read_dec(t[j + 1].p + 1, &off) && off <= 0xffff) {
                    L->ext_frag_off[L->n_ext] = (uint16_t)off;
                    L->ext[L->n_ext++] = 44;
                }
                j++;
            } else if (tok_is(&t[j], "RT6") && j + 1 < nt - 3 && t[j + 1].p[0] == '(') {
                /* "RT6 (len=0, type=0 [Deprecated], segleft=0)" */
                const char *b = t[j + 1].p, *e = t[nt - 4].p + t[nt - 4].n;
                static const char *const keys[3] = { "len=", "type=", "segleft=" };
                for (int q = 0; q < 3; q++) {
                    const char *k = strstr(b, keys[q]);
                    uint64_t v = 0;
                    if (k && k < e) read_dec(k + strlen(keys[q]), &v);
                    L->ext_rt[L->n_ext][q] = (uint8_t)(v > 255 ? 255 : v);
                }
                L->ext[L->n_ext++] = 43;
                while (j + 1 < nt - 3 && t[j].p[t[j].n - 1] != ')') j++;
            } else {
                L->n_ext = 0; /* a header we do not rebuild: keep the plain form */
                break;
            }
        }
        return i - 1;
    }
    return -1;
}

/* The "SRC > DST:" part from tokens [0, nt). Uses the last three tokens
 * (a lone ":" token or a missing colon is tolerated). Returns the index of
 * SRC, or -1. */
static int parse_hosts(tok *t, int nt, sf_txt_line *L, int want_port)
{
    if (nt > 0 && tok_is(&t[nt - 1], ":")) nt--;
    if (nt < 3) return -1;
    tok d = t[nt - 1];
    if (d.n > 0 && d.p[d.n - 1] == ':') d.n--;
    if (!tok_is(&t[nt - 2], ">")) return -1;
    int fs, fd, si;
    if (want_port && is_port_tok(&t[nt - 3]) && is_port_tok(&d) && nt >= 6) {
        uint64_t v;
        read_dec(t[nt - 3].p, &v);
        L->sport = (uint16_t)v;
        read_dec(d.p, &v);
        L->dport = (uint16_t)v;
        if ((si = parse_ext_hosts(t, nt, L, &fs, &fd)) < 0) return -1;
    } else {
        if (parse_endpoint(&t[nt - 3], L->src, L->src_name, &L->sport, &fs, want_port) ||
            parse_endpoint(&d, L->dst, L->dst_name, &L->dport, &fd, want_port))
            return -1;
        si = nt - 3;
    }
    /* "IP truncated-ip - 768 bytes missing! a.p > b.q:": the frame was shorter than the IP length */
    for (int i = 0; i + 3 < si; i++) {
        uint64_t v;
        if (tok_is(&t[i], "truncated-ip") && tok_is(&t[i + 1], "-") && read_dec(t[i + 2].p, &v) == t[i + 2].n &&
            v <= 0xffffffffu)
            L->ip_missing = (uint32_t)v;
    }
    /* the IP/IP6 keyword closest before SRC */
    int kw = 0;
    for (int i = si - 1; i >= 0 && !kw; i--) {
        if (tok_is(&t[i], "IP")) kw = 4;
        else if (tok_is(&t[i], "IP6")) kw = 6;
    }
    if (fs && fd && fs != fd) return -1;
    int fam = fs ? fs : fd ? fd : kw ? kw : 4;
    L->ipver = (uint8_t)fam;
    L->has_ipkw = kw != 0 || fs || fd;
    if (!fs) sf_txt_name_addr(L->src_name, strlen(L->src_name), fam, L->src);
    if (!fd) sf_txt_name_addr(L->dst_name, strlen(L->dst_name), fam, L->dst);
    L->has_addr = 1;
    L->has_ports = (uint8_t)want_port;
    return si;
}

/* ---- the part after "Flags [...]" ----------------------------------------- */

static const struct { char c; uint16_t bit; } flag_letters[] = {
    { 'F', SF_TH_FIN }, { 'S', SF_TH_SYN }, { 'R', SF_TH_RST }, { 'P', SF_TH_PSH },
    { '.', SF_TH_ACK }, { 'U', SF_TH_URG }, { 'E', SF_TH_ECE }, { 'W', SF_TH_CWR },
};

static int parse_flags(const char *p, size_t n, uint16_t *out)
{
    if (n == 4 && memcmp(p, "none", 4) == 0) { *out = 0; return 0; }
    if (n == 0 || n > 8) return -1;
    uint16_t f = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < sizeof flag_letters / sizeof flag_letters[0]; k++)
            if (flag_letters[k].c == p[i]) break;
        if (k == sizeof flag_letters / sizeof flag_letters[0]) return -1;
        f |= flag_letters[k].bit;
    }
    *out = f;
    return 0;
}

/* Bracketed notes tcpdump prints in the TCP part. Returns chars consumed or 0. */
static size_t parse_note(const char *p, sf_txt_line *L)
{
    uint32_t a, b;
    size_t k;
    if (starts(p, "[|tcp]")) {
        if (!L->trunc) L->trunc = SF_TXT_TR_OPT;
        return 6;
    }
    if (starts(p, "[bad hdr length ") && (k = read_u32(p + 16, &a)) > 0) {
        const char *q = p + 16 + k;
        L->bad_hlen = 1;
        L->hlen = (uint16_t)(a > 0xffff ? 0xffff : a);
        if (starts(q, " - too long, > ") && (k = read_u32(q + 15, &b)) > 0) L->seg_len_hint = b;
        const char *e = strchr(q, ']');
        return e ? (size_t)(e + 1 - p) : strlen(p);
    }
    if (starts(p, "[remaining caplen(") && (k = read_u32(p + 18, &a)) > 0) {
        L->rem_caplen = a + 1;
        const char *e = strchr(p, ']');
        return e ? (size_t)(e + 1 - p) : strlen(p);
    }
    return 0;
}

/* seq/ack/win/urg/options/length after the flags. 0, or -1 with L->why. */
static int parse_tail(const char *p, sf_txt_line *L)
{
    for (;;) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) return 0;
        size_t k;
        if (*p == '[') {
            if ((k = parse_note(p, L)) > 0) {
                if (L->trunc == SF_TXT_TR_OPT && starts(p, "[|tcp]")) return 0;
                p += k;
                continue;
            }
            const char *e = strchr(p, ']');
            p = e ? e + 1 : p + strlen(p);
            continue;
        }
        const char *w = p;
        while (isalpha((unsigned char)*p)) p++;
        size_t wn = (size_t)(p - w);
        const char *v = skip_sp(p);
#define WORD(lit) (wn == sizeof(lit) - 1 && memcmp(w, lit, wn) == 0)
        if (WORD("seq")) {
            if (!(k = read_u32(v, &L->seq))) { L->why = "bad number after 'seq'"; return -1; }
            L->has_seq = 1;
            p = v + k;
            if (*p == ':') {
                if (!(k = read_u32(p + 1, &L->seq_end))) { L->why = "bad end of 'seq a:b'"; return -1; }
                L->has_end = 1;
                p += 1 + k;
            }
        } else if (WORD("ack")) {
            if (!(k = read_u32(v, &L->ack))) { L->why = "bad number after 'ack'"; return -1; }
            L->has_ack = 1;
            p = v + k;
        } else if (WORD("win") || WORD("urg")) {
            uint32_t x;
            if (!(k = read_u32(v, &x)) || x > 0xffff) { L->why = "bad number after 'win'/'urg'"; return -1; }
            if (w[0] == 'w') { L->win = (uint16_t)x; L->has_win = 1; }
            else { L->urp = (uint16_t)x; L->has_urg = 1; }
            p = v + k;
        } else if (WORD("options")) {
            if (*v != '[') { L->why = "no '[' after 'options'"; return -1; }
            L->has_opts = 1;
            p = v + 1 + sf_txt_parse_options(v + 1, strlen(v + 1), L);
            if (L->opt_trunc) { L->trunc = SF_TXT_TR_OPT; return 0; }
            if (L->opt_bad) return 0;
        } else if (WORD("length")) {
            if (!(k = read_u32(v, &L->len))) { L->why = "bad number after 'length'"; return -1; }
            L->has_len = 1;
            p = v + k;
            /* after the length only tcpdump's own truncation notes matter */
            for (;;) {
                p = skip_sp(p);
                if (starts(p, "[|tcp]")) { L->trunc = SF_TXT_TR_PAYLOAD; break; }
                if (starts(p, "[remaining caplen(") && (k = parse_note(p, L)) > 0) { p += k; continue; }
                break;
            }
            return 0;
        } else if (WORD("cksum")) {
            p = v;
            while (*p && *p != ' ' && *p != ',') p++;
            p = skip_sp(p);
            if (*p == '(') {
                const char *e = strchr(p, ')');
                p = e ? e + 1 : p + strlen(p);
            }
        } else {
            /* unknown word or stray text: skip it */
            if (wn == 0) p++;
            while (*p && *p != ' ' && *p != ',') p++;
        }
#undef WORD
    }
}

/* ---- the line ----------------------------------------------------------------- */

/* A non-TCP line: a packet of another protocol (counted), a -v header, or text. */
static sf_txt_kind classify_other(const char *s, sf_txt_line *L)
{
    tok t[MAX_TOK];
    int nt = tokenize(s, s + strlen(s), t, MAX_TOK);
    int after = find_ts(t, nt > 4 ? 4 : nt, L);
    /* only a timestamp at the very start makes a packet line (prose has times too) */
    if (after >= 0 && t[0].p != s) after = -1;
    int kw = 0;
    if (after >= 0 && after < nt) kw = tok_is(&t[after], "IP") ? 4 : tok_is(&t[after], "IP6") ? 6 : 0;
    if (after < 0) {
        L->ts_kind = SF_TXT_TS_NONE;
        L->ts_sec = 0;
        L->ts_nsec = 0;
        /* -t output: no timestamp; a packet line starts with its protocol */
        if (nt >= 3 && (tok_is(&t[0], "IP") || tok_is(&t[0], "IP6")) && strstr(s, " > "))
            kw = tok_is(&t[0], "IP") ? 4 : 6;
        else if (nt >= 2 && tok_is(&t[0], "ARP,"))
            kw = 0;
        else
            return L->kind = SF_TXT_NONE;
    } else if (after >= nt) {
        return L->kind = SF_TXT_NONE;
    }
    L->ipver = (uint8_t)(kw ? kw : 4);
    L->has_ipkw = kw != 0;
    if (kw && strstr(s, "proto TCP (6)") && s[strlen(s) - 1] == ')' && !strstr(s, " > "))
        return L->kind = SF_TXT_VHDR;
    /* "a.p > b.q: seq ..., ack ...": a TCP line whose flags were edited away */
    const char *colon = strstr(s, ": ");
    if (kw && colon && strstr(s, " > ") < colon) {
        const char *w = skip_sp(colon + 1);
        if (starts(w, "seq ") || starts(w, "ack ") || starts(w, "win ")) {
            sf_txt_line H = *L;
            tok h[MAX_TOK];
            int nh = tokenize(s, colon + 1, h, MAX_TOK);
            if (parse_hosts(h, nh, &H, 1) >= 0) {
                L->why = "no 'Flags [...]' in what looks like a TCP line";
                return L->kind = SF_TXT_BAD;
            }
        }
    }
    return L->kind = SF_TXT_OTHER;
}

/* "A.p > B.q:  tcp N [bad hdr length H - too short, < 20]" and the
 * truncated "A > B: [|tcp]" / "A.p > B.q:  [|tcp]" forms (no "Flags"). */
static int parse_flagless_tcp(const char *s, sf_txt_line *L)
{
    const char *m = strstr(s, " tcp ");
    const char *bad = strstr(s, "[bad hdr length ");
    const char *tr = strstr(s, "[|tcp]");
    const char *cut;
    if (bad) {
        if (!m || m > bad) return -1;
        cut = m;
    } else if (tr && tr[6] == '\0') {
        cut = tr;
    } else {
        return -1;
    }
    tok t[MAX_TOK];
    int nt = tokenize(s, cut, t, MAX_TOK);
    int si = parse_hosts(t, nt, L, 1);
    if (si < 0) {
        if (bad || (si = parse_hosts(t, nt, L, 0)) < 0) return -1;
        L->trunc = SF_TXT_TR_PORTS;
    } else if (!bad) {
        L->trunc = SF_TXT_TR_HDR;
    }
    if (find_ts(t, si, L) < 0) L->ts_kind = SF_TXT_TS_NONE;
    if (bad) {
        uint32_t seglen_minus;
        if (!read_u32(m + 5, &seglen_minus)) return -1;
        parse_note(bad, L);
        L->len = seglen_minus;
        L->has_len = 1;
    }
    return 0;
}

sf_txt_kind sf_txt_parse_line(const char *line, size_t n, sf_txt_line *L)
{
    char buf[LINE_MAX_KEEP];
    memset(L, 0, sizeof *L);
    L->wscale = -1;
    L->ipver = 4;
    L->ts_prec = 6;
    normalize(line, n, buf, sizeof buf);
    const char *s = buf;
    while (*s == ' ') s++;
    L->ts_lead_space = s != buf;
    if (!*s) return L->kind = SF_TXT_NONE;

    const char *F = strstr(s, "Flags [");
    uint16_t fl = 0;
    const char *fe = F ? strchr(F + 7, ']') : NULL;
    if (!F || !fe || parse_flags(F + 7, (size_t)(fe - F - 7), &fl)) {
        if (!F && parse_flagless_tcp(s, L) == 0) return L->kind = SF_TXT_TCP;
        memset(L, 0, sizeof *L);
        L->wscale = -1;
        L->ipver = 4;
        L->ts_prec = 6;
        L->ts_lead_space = s != buf;
        return classify_other(s, L);
    }
    L->flags = fl;
    L->has_flags = 1;

    tok t[MAX_TOK];
    int nt = tokenize(s, F, t, MAX_TOK);
    int si = parse_hosts(t, nt, L, 1);
    if (si < 0) {
        L->why = "cannot read 'SRC.PORT > DST.PORT:' before 'Flags'";
        return L->kind = SF_TXT_BAD;
    }
    if (find_ts(t, si, L) < 0) L->ts_kind = SF_TXT_TS_NONE;
    if (parse_tail(fe + 1, L)) return L->kind = SF_TXT_BAD;
    if (!L->has_len && L->has_end) {
        L->len = L->seq_end - L->seq;
    }
    return L->kind = SF_TXT_TCP;
}

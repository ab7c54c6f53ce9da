/* \summary: unit tests of the connection table (track/table.h): key equality against the key's bytes, find/insert/remove */
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "../../src/track/table.h"

static uint64_t tk_state = 0x9E3779B97F4A7C15ull;
static uint32_t tk(uint32_t n) { return t_rand(&tk_state, n); }

/* A TCP packet between two random endpoints; addresses often share a
 * prefix (same /64, same /24) or are equal, ports often equal. */
static void rand_pkt(sf_pkt *p)
{
    memset(p, 0, sizeof *p);
    p->ipver = tk(3) ? 4 : 6;
    const int n = p->ipver == 6 ? 16 : 4;
    for (int i = 0; i < n; i++)
        p->src[i] = (uint8_t)(tk(4) ? 10u + (uint32_t)i : tk(256));
    memcpy(p->dst, p->src, 16);
    switch (tk(4)) {
    case 0: break;                                            /* same address */
    case 1: p->dst[n - 1] ^= (uint8_t)(1 + tk(255)); break;   /* last byte differs */
    case 2: p->dst[tk((uint32_t)n)] ^= (uint8_t)(1 + tk(255)); break;
    default:
        for (int i = 0; i < n; i++)
            p->dst[i] = (uint8_t)tk(256);
    }
    p->sport = (uint16_t)(tk(2) ? 443 : tk(65536));
    p->dport = (uint16_t)(tk(3) ? p->sport : tk(65536));
}

/* What equality of keys means: every byte of the addresses, the ports, the version. */
static int key_bytes_eq(const sf_ckey *x, const sf_ckey *y)
{
    return !memcmp(x->a, y->a, 16) && !memcmp(x->b, y->b, 16) && x->pa == y->pa && x->pb == y->pb &&
           x->ipver == y->ipver;
}

/* The canonical key as its definition says (the lower (address, port) is
 * a; IPv4 addresses take 4 bytes and zeros): what summary.c and minirec.c
 * read back from a record. */
static void ref_key_make(sf_ckey *k, const sf_pkt *p, int *src_is_a)
{
    const size_t n = p->ipver == 6 ? 16 : 4;
    int c = memcmp(p->src, p->dst, n);
    if (c == 0)
        c = (int)p->sport - (int)p->dport;
    const int sa = c <= 0;
    *src_is_a = sa;
    memset(k, 0, sizeof *k);
    memcpy(k->a, sa ? p->src : p->dst, n);
    memcpy(k->b, sa ? p->dst : p->src, n);
    k->pa = sa ? p->sport : p->dport;
    k->pb = sa ? p->dport : p->sport;
    k->ipver = p->ipver;
}

TEST(table_key_make_as_defined)
{
    for (int it = 0; it < 200000; it++) {
        sf_pkt p;
        sf_ckey k, r;
        int sa, sr;
        rand_pkt(&p);
        const uint32_t h = sf_key_make(&k, &p, &sa);
        ref_key_make(&r, &p, &sr);
        T_EQ_INT(sa, sr);
        T_CHECK(key_bytes_eq(&k, &r));
        T_EQ_INT(h, sf_key_hash(&r));
        T_CHECK(sf_key_eq(&k, &r));
        if (t_failed_checks)
            break;
    }
}

TEST(table_key_eq_is_byte_equality)
{
    int eq = 0, ne = 0, v6_tail = 0;
    for (int it = 0; it < 200000; it++) {
        sf_pkt p, q;
        sf_ckey x, y;
        int sa;
        rand_pkt(&p);
        uint32_t hx = sf_key_make(&x, &p, &sa);
        T_EQ_INT(hx, sf_key_hash(&x));
        /* the same connection, seen from the other side */
        q = p;
        memcpy(q.src, p.dst, 16);
        memcpy(q.dst, p.src, 16);
        q.sport = p.dport;
        q.dport = p.sport;
        int sb;
        sf_key_make(&y, &q, &sb);
        T_CHECK(sf_key_eq(&x, &y) && sf_key_eq(&y, &x));
        if (!(p.sport == p.dport && !memcmp(p.src, p.dst, 16)))
            T_CHECK(sa != sb);
        /* one byte or field changed, as a key made from a packet can be */
        y = x;
        const int n = x.ipver == 6 ? 16 : 4;
        switch (tk(5)) {
        case 0: y.a[tk((uint32_t)n)] ^= (uint8_t)(1 + tk(255)); break;
        case 1: y.b[tk((uint32_t)n)] ^= (uint8_t)(1 + tk(255)); break;
        case 2: y.pa ^= (uint16_t)(1 + tk(65535)); break;
        case 3: y.pb ^= (uint16_t)(1 + tk(65535)); break;
        default:   /* an IPv6 key differing only past the first 8 bytes of an address */
            if (x.ipver == 6) {
                (tk(2) ? y.a : y.b)[8 + tk(8)] ^= (uint8_t)(1 + tk(255));
                v6_tail++;
            }
        }
        const int want = key_bytes_eq(&x, &y);
        T_EQ_INT(sf_key_eq(&x, &y), want);
        T_EQ_INT(sf_key_eq(&y, &x), want);
        want ? eq++ : ne++;
        /* an IPv4 key against the IPv6 key of the same bytes */
        if (x.ipver == 4) {
            y = x;
            y.ipver = 6;
            T_CHECK(!sf_key_eq(&x, &y) && !sf_key_eq(&y, &x));
        }
    }
    T_CHECK(eq > 1000 && ne > 100000 && v6_tail > 10000);
}

TEST(table_find_insert_remove)
{
    enum { N = 5000 };
    static sf_ckey keys[N];
    static sf_rhdr *recs[N];
    sf_table t;
    T_EQ_INT(sf_table_init(&t), 0);
    int n = 0;
    for (int it = 0; it < N; it++) {
        sf_pkt p;
        int sa;
        rand_pkt(&p);
        sf_ckey k;
        uint32_t h = sf_key_make(&k, &p, &sa);
        if (sf_table_find(&t, &k, h))
            continue;                 /* drawn twice */
        keys[n] = k;
        recs[n] = sf_table_insert(&t, (uint8_t)(n % SF_NKINDS), &k, h);
        T_CHECK(recs[n] != NULL);
        n++;
    }
    T_EQ_INT(t.live, n);
    for (int i = 0; i < n; i++)
        T_CHECK(sf_table_find(&t, &keys[i], sf_key_hash(&keys[i])) == recs[i]);
    for (int i = 0; i < n; i += 2)
        sf_table_remove(&t, recs[i]);
    for (int i = 0; i < n; i++) {
        const sf_rhdr *f = sf_table_find(&t, &keys[i], sf_key_hash(&keys[i]));
        T_CHECK(i % 2 ? f == recs[i] : f == NULL);
    }
    T_CHECK(n > 4000);
    sf_table_free(&t);
}

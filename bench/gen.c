/* \summary: bench generator: deterministic large realistic pcap (and adversarial SYN floods) */
#include "gen.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* usage: gen [options] -o FILE
 *   -x SCALE        capture scale: SCALE x the 1x duration, same arrival rate (default 1)
 *   --seed N        PRNG seed (default 8); same seed + options = same bytes
 *   --snaplen N     bytes captured per frame (default 160; 0 = whole frames)
 *   --nano          nanosecond pcap (magic a1b23c4d) instead of microsecond
 *   --v6 F          share of IPv6 connections (default 0.12)
 *   --lan           IPv4 addresses of one site (clients 10.1/16, servers
 *                   198.18/15) instead of hosts scattered over the address
 *                   space (an edge tap); see docs/performance.md on tcpdump
 *   --concurrent N  instead: N connections that each do a 3-way handshake and
 *                   stay open (memory per live connection)
 *   --data          with --concurrent: each connection also carries one HTTP
 *                   request and response before going idle
 *   --synflood N    instead: N SYNs from random IPv4 tuples (issue 9: bounded memory)
 *   --rate R        connections (or SYNs) per second (default 370; 100000 for the two above)
 *   -q              no statistics on stderr
 */

#define GEN_WARM_S 4000

/* ---- PRNG: xoshiro256** seeded with splitmix64 ---- */
static uint64_t smix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
void grng_seed(grng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = smix(&seed);
}
static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
uint64_t grng_next(grng *r)
{
    uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45);
    return res;
}
double grng_unit(grng *r) { return (double)(grng_next(r) >> 11) * (1.0 / 9007199254740992.0); }
uint64_t grng_range(grng *r, uint64_t lo, uint64_t hi) { return lo + grng_next(r) % (hi - lo + 1); }
double grng_exp(grng *r, double mean) { return -mean * log(1.0 - grng_unit(r)); }
double grng_lognorm(grng *r, double median, double sigma)
{
    double u1 = grng_unit(r), u2 = grng_unit(r);
    double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
    return median * exp(sigma * z);
}

/* ---- min-heap of connections keyed by their next packet time ---- */
typedef struct heap { gconn **a; size_t n, cap; } heap;
static int64_t key(const gconn *c) { return c->pkt[c->cur].t; }
static int less(const gconn *x, const gconn *y)
{
    int64_t a = key(x), b = key(y);
    return a < b || (a == b && x->id < y->id);
}
static void sift_down(heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < h->n && less(h->a[l], h->a[m])) m = l;
        if (l + 1 < h->n && less(h->a[l + 1], h->a[m])) m = l + 1;
        if (m == i) return;
        gconn *x = h->a[i]; h->a[i] = h->a[m]; h->a[m] = x;
        i = m;
    }
}
static void push(heap *h, gconn *c)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->a = realloc(h->a, h->cap * sizeof *h->a);
        if (!h->a) { fputs("gen: out of memory\n", stderr); exit(1); }
    }
    size_t i = h->n++;
    h->a[i] = c;
    while (i > 0 && less(h->a[i], h->a[(i - 1) / 2])) {
        size_t p = (i - 1) / 2;
        gconn *x = h->a[i]; h->a[i] = h->a[p]; h->a[p] = x;
        i = p;
    }
}

static void usage(void)
{
    fputs("usage: gen [-x SCALE] [--seed N] [--snaplen N] [--nano] [--lan] [--v6 F] [--rate R]\n"
          "           [--concurrent N [--data] | --synflood N] [-q] -o FILE\n", stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    double scale = 1, v6 = 0.12, rate = 0;
    uint64_t seed = 8, concurrent = 0, flood = 0;
    uint32_t snaplen = 160;
    int nano = 0, quiet = 0, lan = 0, g_data = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-o") && v) { out = v; i++; }
        else if (!strcmp(a, "-x") && v) { scale = atof(v); i++; }
        else if (!strcmp(a, "--seed") && v) { seed = strtoull(v, NULL, 0); i++; }
        else if (!strcmp(a, "--snaplen") && v) { snaplen = (uint32_t)strtoul(v, NULL, 0); i++; }
        else if (!strcmp(a, "--v6") && v) { v6 = atof(v); i++; }
        else if (!strcmp(a, "--rate") && v) { rate = atof(v); i++; }
        else if (!strcmp(a, "--concurrent") && v) { concurrent = strtoull(v, NULL, 0); i++; }
        else if (!strcmp(a, "--synflood") && v) { flood = strtoull(v, NULL, 0); i++; }
        else if (!strcmp(a, "--nano")) nano = 1;
        else if (!strcmp(a, "--lan")) lan = 1;
        else if (!strcmp(a, "--data")) g_data = 1;
        else if (!strcmp(a, "-q")) quiet = 1;
        else usage();
    }
    if (!out || scale <= 0) usage();
    if (snaplen == 0) snaplen = 262144;
    if (snaplen < 96) snaplen = 96;

    gctx g;
    memset(&g, 0, sizeof g);
    grng_seed(&g.r, seed);
    g.next_id = 1;
    g.nclients = 6000;
    g.nservers = 4000;
    g.v6share = v6;
    g.lan = lan;
    g.conc_data = g_data;
    g.cport = malloc(g.nclients * sizeof *g.cport);
    for (uint32_t i = 0; i < g.nclients; i++) g.cport[i] = (uint16_t)grng_range(&g.r, 32768, 60999);

    gwriter w;
    if (gw_open(&w, out, nano, snaplen)) { perror(out); return 1; }

    uint64_t conns = 0, v6conns = 0;
    size_t maxlive = 0;
    if (flood) {
        if (rate <= 0) rate = 100000;
        g.t_end = INT64_MAX;
        for (uint64_t i = 0; i < flood; i++) {
            gconn *c = gc_new_syn(&g, (int64_t)((double)i * 1e9 / rate));
            gw_packet(&w, c, &c->pkt[0]);
            gc_free(c);
        }
        conns = flood;
    } else {
        heap h = { 0 };
        int64_t t_start, t;
        uint64_t left = concurrent;
        if (concurrent) {
            if (rate <= 0) rate = 100000;
            t_start = 0;
            g.t_end = INT64_MAX;
        } else {
            if (rate <= 0) rate = 370;
            /* Start the arrivals GEN_WARM_S before the capture, longer than
             * any scripted connection lives (pooled sessions: up to ~3,700 s),
             * so that the capture opens on the steady state: as many
             * connections are open at its start as at its end, and 1x and 4x
             * captures differ in total connections, not in concurrent ones
             * (the memory-flatness target). Packets before 0 are dropped. */
            t_start = -(int64_t)GEN_WARM_S * GSEC;
            g.t_end = (int64_t)(300.0 * scale * GSEC);
        }
        t = t_start;
        for (;;) {
            while ((concurrent ? left > 0 : t < g.t_end) && (h.n == 0 || t <= key(h.a[0]))) {
                gconn *c = concurrent ? gc_new_handshake(&g, t) : gc_new(&g, t);
                if (concurrent) left--;
                if (c) {
                    push(&h, c);
                    conns++;
                    v6conns += c->v6;
                }
                t += (int64_t)(grng_exp(&g.r, 1.0 / rate) * GSEC) + 1;
                if (t >= 0 && h.n > maxlive) maxlive = h.n;   /* in the capture */
            }
            if (h.n == 0) break;
            gconn *c = h.a[0];
            gw_packet(&w, c, &c->pkt[c->cur]);
            if (++c->cur < c->npkt) {
                sift_down(&h, 0);
            } else {
                h.a[0] = h.a[--h.n];
                gc_free(c);
                if (h.n) sift_down(&h, 0);
            }
        }
        free(h.a);
    }
    if (gw_close(&w)) { perror(out); return 1; }
    free(g.cport);
    if (!quiet) {
        fprintf(stderr, "gen: %s: %llu packets, %llu connections (%llu IPv6), %.1f MB file, %.1f MB on the wire\n",
                out, (unsigned long long)w.pkts, (unsigned long long)conns, (unsigned long long)v6conns,
                (double)w.bytes / 1e6, (double)w.wirebytes / 1e6);
        if (!flood && !concurrent) {
            static const char *const kn[] = { "http", "tls", "bulk", "upload", "ssh", "db", "refused", "unanswered" };
            fprintf(stderr, "gen: scripted kinds (conns/packets):");
            for (int i = 0; i < 8; i++) fprintf(stderr, " %s=%llu/%llu", kn[i], (unsigned long long)g.kinds[i], (unsigned long long)g.kpkts[i]);
            fprintf(stderr, "; up to %zu scripted at once\n", maxlive);
        }
    }
    return 0;
}

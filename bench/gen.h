/* \summary: bench generator internals: simulated connections, packet scripts, pcap writer */
#ifndef SF_BENCH_GEN_H
#define SF_BENCH_GEN_H
#include <stdint.h>
#include <stdio.h>

/* Times are nanoseconds relative to the capture start (may be negative
 * while a connection is being scripted; such packets are dropped). */
#define GMS  1000000LL
#define GSEC 1000000000LL

/* deterministic PRNG (xoshiro256**, seeded by splitmix64) */
typedef struct grng { uint64_t s[4]; } grng;
void grng_seed(grng *r, uint64_t seed);
uint64_t grng_next(grng *r);
double grng_unit(grng *r);                         /* [0,1) */
uint64_t grng_range(grng *r, uint64_t lo, uint64_t hi); /* [lo,hi] */
double grng_lognorm(grng *r, double median, double sigma);
double grng_exp(grng *r, double mean);

/* Application messages (one per request/response/record flight). */
enum { M_HTTP_REQ = 1, M_HTTP_POST, M_HTTP_RESP, M_TLS_CH, M_TLS_SFLIGHT, M_TLS_CFIN,
       M_TLS_APP, M_SSH_BANNER, M_BIN };

typedef struct gmsg {
    uint8_t type, dir;
    uint16_t aux;    /* variant: HTTP status/path kind, ... */
    uint32_t len;    /* total bytes on the stream (header + body) */
    uint32_t param;  /* body length */
} gmsg;

/* One scripted packet. seq/ack are absolute. */
typedef struct gpkt {
    int64_t t;
    uint32_t seq, ack;
    uint32_t len, moff;      /* payload length; offset within message */
    uint32_t sl, sr;         /* one SACK block (absolute) when sack != 0 */
    uint16_t win;            /* raw window field */
    uint16_t msg;            /* message index + 1, 0 = none */
    uint8_t dir, flags, sack, pad;
} gpkt;

typedef struct gconn {
    uint64_t id;
    uint8_t kind;
    uint8_t v6, ts, sackok, winopt;   /* timestamps on; SACK permitted; Windows-style SYN options */
    uint8_t addr[2][16];              /* [0] client, [1] server */
    uint8_t mac[6];                   /* client MAC */
    uint16_t port[2];
    uint32_t isn[2];
    uint16_t mss[2];                  /* announced MSS */
    uint8_t ws[2];                    /* announced window scale */
    uint8_t ttl[2];
    uint16_t ipid[2];
    uint32_t flow[2];                 /* IPv6 flow labels */
    uint32_t tsbase[2], lastts[2];
    uint32_t host;                    /* server name number */
    int64_t rtt, procc, procs, ser, rto;
    double loss;
    /* scripting state */
    uint32_t snd[2], rcv[2];          /* snd_nxt of each side; rcv_nxt of each side */
    uint64_t got[2];                  /* bytes received by each side (window growth) */
    uint16_t seg[2];                  /* payload bytes per full segment sent by each side */
    gmsg *msg; uint32_t nmsg, capmsg;
    gpkt *pkt; uint32_t npkt, cappkt, cur;
} gconn;

/* Generator context: one per run. */
typedef struct gctx {
    grng r;
    uint64_t next_id;
    int64_t t_end;          /* capture end (ns) */
    uint16_t *cport;        /* next ephemeral port per client */
    uint32_t nclients, nservers;
    double v6share;
    int lan;                /* addresses of one site (10.1/16 -> 198.18/15) */
    int conc_data;          /* concurrent mode: each connection also does one HTTP exchange */
    /* counts */
    uint64_t kinds[16], kpkts[16];
} gctx;

/* gen_conn.c: script a new connection of a random kind starting at t0,
 * packets sorted by time and clipped to [0, t_end). NULL if none is left. */
gconn *gc_new(gctx *g, int64_t t0);
/* A connection that only does a 3-way handshake (concurrent mode), or only
 * sends one SYN from a random tuple (flood mode). */
gconn *gc_new_handshake(gctx *g, int64_t t0);
gconn *gc_new_syn(gctx *g, int64_t t0);
void gc_free(gconn *c);

/* gen_wire.c: pcap writer */
typedef struct gwriter {
    FILE *f;
    int nano;
    uint32_t snaplen;
    int64_t epoch_ns;       /* absolute time of t = 0 */
    uint64_t pkts, bytes, wirebytes;
    uint8_t *buf;
} gwriter;
int gw_open(gwriter *w, const char *path, int nano, uint32_t snaplen);
void gw_packet(gwriter *w, gconn *c, const gpkt *p);
int gw_close(gwriter *w);
/* Header bytes of message m (HTTP text, TLS hello...) into buf (>= 2048
 * bytes); returns their count. Bytes past it are body filler. */
uint32_t gw_msg_header(const gconn *c, const gmsg *m, uint8_t *buf);

#endif

/* \summary: live capture from an interface through libpcap (pcap_create, immediate mode) */
#include "live.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "live_priv.h"
#include "../decode/decode.h"

typedef struct live_st {
    pcap_t *p;
    pcap_dumper_t *dump;
    const char *write_path;
    int dlt;
    int nano;               /* timestamps in nanoseconds */
    int quiet;
    int dead;               /* an error ended the capture: next() returns END */
    int draining;           /* stop asked: hand out what the kernel already holds */
    int fd;                 /* pcap_get_selectable_fd, polled while waiting (-1: none) */
    int breaks;
    struct timespec drain_end;
    int64_t count;          /* -c, -1 = unlimited */
    uint64_t captured;      /* packets handed out (tcpdump's "captured") */
} live_st;

/* The signal handler's view of the one running capture. */
static pcap_t *volatile g_live;
static volatile sig_atomic_t g_stop_sig;

static void on_stop_signal(int sig)
{
    g_stop_sig = sig;
    if (g_live) pcap_breakloop(g_live); /* wakes a blocked pcap_next_ex */
}

static void set_stop_handlers(int on)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (on) {
        sa.sa_handler = on_stop_signal;
        sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills a stuck run */
    } else {
        sa.sa_handler = SIG_DFL;
    }
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old;
        if (on && sigs[i] == SIGHUP && sigaction(SIGHUP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue; /* cooperate with nohup, as tcpdump */
        sigaction(sigs[i], &sa, NULL);
    }
}

/* A stop signal arrived: switch to non-blocking reads and hand out, for at
 * most LIVE_DRAIN_MS, the packets the kernel had already captured, so
 * that what happened before the Ctrl-C is all shown and written. */
#define LIVE_DRAIN_MS 200
/* How long a quiet capture waits before reporting SF_SRC_IDLE. */
#define LIVE_IDLE_MS 1000

static void start_drain(live_st *st)
{
    char eb[PCAP_ERRBUF_SIZE];
    st->draining = 1;
    pcap_setnonblock(st->p, 1, eb);
    clock_gettime(CLOCK_MONOTONIC, &st->drain_end);
    st->drain_end.tv_nsec += LIVE_DRAIN_MS * 1000000L;
    if (st->drain_end.tv_nsec >= 1000000000L) {
        st->drain_end.tv_sec++;
        st->drain_end.tv_nsec -= 1000000000L;
    }
}

static int drain_over(const live_st *st)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > st->drain_end.tv_sec ||
           (now.tv_sec == st->drain_end.tv_sec && now.tv_nsec >= st->drain_end.tv_nsec);
}

static sf_src_rc live_next(void *vst, sf_pkt *out, char *err, size_t errlen)
{
    live_st *st = vst;
    for (;;) {
        if (st->dead) return SF_SRC_END;
        if (st->count >= 0 && st->captured >= (uint64_t)st->count) return SF_SRC_END;
        if (g_stop_sig && !st->draining) start_drain(st);
        if (st->draining && drain_over(st)) return SF_SRC_END;
        struct pcap_pkthdr *h;
        const u_char *data;
        int r = pcap_next_ex(st->p, &h, &data);
        if (r == 0) { /* nothing ready (non-blocking), or nothing left when draining */
            if (st->draining) return SF_SRC_END;
            if (st->fd >= 0) {
                /* Wait ourselves: libpcap's own buffer timeout does not return
                 * on an idle TPACKET_V3 ring. A signal interrupts the poll. */
                struct pollfd pfd = { st->fd, POLLIN, 0 };
                if (poll(&pfd, 1, LIVE_IDLE_MS) != 0) continue;
            }
            /* Quiet for LIVE_IDLE_MS: let the engine emit connections that ended. */
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            memset(out, 0, sizeof *out);
            out->ts.sec = now.tv_sec;
            out->ts.nsec = (uint32_t)now.tv_nsec;
            out->ts.prec = st->nano ? 9 : 6;
            return SF_SRC_IDLE;
        }
        if (r == PCAP_ERROR_BREAK) { /* from the signal handler's pcap_breakloop */
            if (!g_stop_sig || ++st->breaks > 3) return SF_SRC_END;
            continue;
        }
        if (r < 0) {
            st->dead = 1;
            snprintf(err, errlen, "capture stopped: %s", pcap_geterr(st->p));
            return SF_SRC_ERROR;
        }
        st->captured++;
        if (st->dump) {
            /* Flushed per packet (tcpdump -U): the file is whole at any stop. */
            pcap_dump((u_char *)st->dump, h, data);
            if (pcap_dump_flush(st->dump) != 0) {
                st->dead = 1;
                snprintf(err, errlen, "write error on %s: %s", st->write_path, strerror(errno));
                return SF_SRC_ERROR;
            }
        }
        memset(out, 0, sizeof *out);
        out->ts.sec = h->ts.tv_sec;
        out->ts.nsec = st->nano ? (uint32_t)h->ts.tv_usec : (uint32_t)h->ts.tv_usec * 1000u;
        out->ts.prec = st->nano ? 9 : 6;
        out->ts_td_usec = out->ts.nsec / 1000u; /* the microseconds tcpdump prints */
        out->caplen = h->caplen;
        out->wirelen = h->len;
        out->dlt = st->dlt;
        sf_decode(out, st->dlt, data);
        return SF_SRC_PACKET;
    }
}

#define PLURAL(n) ((n) == 1 ? "" : "s")

static void live_close(void *vst)
{
    live_st *st = vst;
    if (!st) return;
    int stopped_by_signal = g_stop_sig != 0;
    set_stop_handlers(0);
    g_live = NULL;
    if (st->dump) {
        pcap_dump_flush(st->dump);
        pcap_dump_close(st->dump);
    }
    if (!st->quiet) {
        /* tcpdump's closing counts, after a newline when ^C was echoed. */
        struct pcap_stat ps;
        if (stopped_by_signal) fputc('\n', stderr);
        fprintf(stderr, "%llu packet%s captured\n", (unsigned long long)st->captured, PLURAL(st->captured));
        if (pcap_stats(st->p, &ps) == 0) {
            fprintf(stderr, "%u packet%s received by filter\n", ps.ps_recv, PLURAL(ps.ps_recv));
            fprintf(stderr, "%u packet%s dropped by kernel\n", ps.ps_drop, PLURAL(ps.ps_drop));
            if (ps.ps_ifdrop)
                fprintf(stderr, "%u packet%s dropped by interface\n", ps.ps_ifdrop, PLURAL(ps.ps_ifdrop));
        } else {
            fprintf(stderr, "synfin: pcap_stats: %s\n", pcap_geterr(st->p));
        }
    }
    pcap_close(st->p);
    free(st);
}

/* Activation failures, in words a user can act on. */
static void activate_error(pcap_t *p, const char *dev, int rc, char *err, size_t errlen)
{
    const char *detail = pcap_geterr(p);
    switch (rc) {
    case PCAP_ERROR_PERM_DENIED:
        snprintf(err, errlen, "%s: no permission to capture (%s); live capture needs root or the "
                 "CAP_NET_RAW capability (run with sudo, or: setcap cap_net_raw,cap_net_admin=eip synfin)",
                 dev, detail && *detail ? detail : "permission denied");
        break;
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(err, errlen, "%s: no such interface (synfin -D lists the interfaces)", dev);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(err, errlen, "%s: the interface is not up", dev);
        break;
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        snprintf(err, errlen, "%s: no permission to turn promiscuous mode on (%s)", dev, detail);
        break;
    default:
        snprintf(err, errlen, "%s: %s%s%s", dev, pcap_statustostr(rc),
                 detail && *detail ? ": " : "", detail ? detail : "");
        break;
    }
}

static int set_filter(pcap_t *p, const char *dev, const char *filter, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE];
    bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
    if (pcap_lookupnet(dev, &net, &mask, ebuf) < 0) mask = PCAP_NETMASK_UNKNOWN;
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter, 1, mask) < 0) {
        snprintf(err, errlen, "bad filter expression '%s': %s", filter, pcap_geterr(p));
        return -1;
    }
    int rc = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot set the filter: %s", dev, pcap_geterr(p));
        return -1;
    }
    return 0;
}

int sf_live_open_backend(const sf_live_cfg *cfg, int quiet, sf_backend *b, char *err, size_t errlen)
{
    const char *dev = cfg->iface;
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    if (g_live) {
        snprintf(err, errlen, "only one live capture at a time");
        return -1;
    }
    if (cfg->write_path && strcmp(cfg->write_path, "-") == 0) {
        snprintf(err, errlen, "-w -: standard output carries the view; give a file name");
        return -1;
    }
    pcap_t *p = pcap_create(dev, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s: %s", dev, ebuf);
        return -1;
    }
    int snap = cfg->snaplen > 0 ? cfg->snaplen : 262144;
    pcap_set_snaplen(p, snap);
    pcap_set_promisc(p, cfg->promisc ? 1 : 0);
    pcap_set_immediate_mode(p, 1);    /* every packet as it arrives */
    pcap_set_timeout(p, 1000);
    if (cfg->buffer_kib > 0) pcap_set_buffer_size(p, cfg->buffer_kib * 1024);

    int rc = pcap_activate(p);
    if (rc < 0) {
        activate_error(p, dev, rc, err, errlen);
        pcap_close(p);
        return -1;
    }
    if (rc > 0 && !quiet) /* a warning, e.g. promiscuous mode not supported */
        fprintf(stderr, "synfin: warning: %s: %s (%s)\n", dev, pcap_statustostr(rc), pcap_geterr(p));

    int dlt = pcap_datalink(p);
    if (!sf_decode_dlt_supported(dlt)) {
        const char *n = pcap_datalink_val_to_name(dlt);
        snprintf(err, errlen, "%s: link-type %s (%d) is not supported", dev, n ? n : "?", dlt);
        pcap_close(p);
        return -1;
    }
    if (cfg->filter && *cfg->filter && set_filter(p, dev, cfg->filter, err, errlen)) {
        pcap_close(p);
        return -1;
    }

    live_st *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        pcap_close(p);
        return -1;
    }
    st->p = p;
    /* Non-blocking reads plus our own poll(), so that a quiet interface still
     * returns to the caller every LIVE_IDLE_MS (see live_next). */
    {
        char nb[PCAP_ERRBUF_SIZE];
        st->fd = pcap_setnonblock(p, 1, nb) == 0 ? pcap_get_selectable_fd(p) : -1;
        if (st->fd < 0) pcap_setnonblock(p, 0, nb);
    }
    st->dlt = dlt;
    st->nano = pcap_get_tstamp_precision(p) == PCAP_TSTAMP_PRECISION_NANO;
    st->quiet = quiet;
    st->count = cfg->count;
    st->write_path = cfg->write_path;
    if (cfg->write_path) {
        st->dump = pcap_dump_open(p, cfg->write_path);
        if (!st->dump) {
            snprintf(err, errlen, "-w %s: %s", cfg->write_path, pcap_geterr(p));
            pcap_close(p);
            free(st);
            return -1;
        }
    }

    /* The device and the -w file are open: root is no longer needed. */
    if (sf_priv_drop(cfg->user, err, errlen)) {
        if (st->dump) pcap_dump_close(st->dump);
        pcap_close(p);
        free(st);
        return -1;
    }

    g_stop_sig = 0;
    g_live = p;
    set_stop_handlers(1);
    if (!quiet) {
        const char *dn = pcap_datalink_val_to_name(dlt);
        const char *dd = pcap_datalink_val_to_description(dlt);
        fprintf(stderr, "synfin: listening on %s, link-type %s (%s), snapshot length %d bytes\n",
                dev, dn ? dn : "?", dd ? dd : "?", pcap_snapshot(p));
    }
    memset(b, 0, sizeof *b);
    b->st = st;
    b->next = live_next;
    b->close = live_close;
    return 0;
}

sf_source *sf_source_open_live(const sf_live_cfg *cfg, char *err, size_t errlen)
{
    sf_backend b;
    if (sf_live_open_backend(cfg, 0, &b, err, errlen)) return NULL;
    return sf_source_from_backend(&b, cfg->iface, err, errlen);
}

/* ---- -D ---- */

static const struct { unsigned bit; const char *name; } if_flag_names[] = {
    { PCAP_IF_UP, "Up" },
    { PCAP_IF_RUNNING, "Running" },
    { PCAP_IF_WIRELESS, "Wireless" },
    { PCAP_IF_LOOPBACK, "Loopback" },
};

int sf_live_list_ifaces(void)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, ebuf) < 0) {
        fprintf(stderr, "synfin: cannot list interfaces: %s\n", ebuf);
        return 1;
    }
    if (!all) {
        fprintf(stderr, "synfin: no interfaces found (live capture may need root or CAP_NET_RAW)\n");
        return 1;
    }
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        printf("%d.%s", i, d->name);
        if (d->description) printf(" (%s)", d->description);
        printf(" [");
        int any = 0;
        for (size_t k = 0; k < sizeof if_flag_names / sizeof if_flag_names[0]; k++)
            if (d->flags & if_flag_names[k].bit) {
                printf("%s%s", any ? ", " : "", if_flag_names[k].name);
                any = 1;
            }
        if (!any) printf("none");
        unsigned cs = d->flags & PCAP_IF_CONNECTION_STATUS;
        int wl = (d->flags & PCAP_IF_WIRELESS) != 0;
        if (cs == PCAP_IF_CONNECTION_STATUS_CONNECTED) printf(", %s", wl ? "Associated" : "Connected");
        else if (cs == PCAP_IF_CONNECTION_STATUS_DISCONNECTED) printf(", %s", wl ? "Not associated" : "Disconnected");
        printf("]\n");
    }
    pcap_freealldevs(all);
    return fflush(stdout) == 0 ? 0 : 1;
}

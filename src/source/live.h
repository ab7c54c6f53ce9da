/* \summary: live capture from an interface (libpcap) */
#ifndef SF_LIVE_H
#define SF_LIVE_H
#include <stdint.h>
#include "source.h"

typedef struct sf_live_cfg {
    const char *iface;
    const char *filter;
    int snaplen;
    int buffer_kib;     /* 0 = libpcap default */
    int promisc;
    const char *write_path; /* -w, or NULL */
    const char *user;   /* -Z, or NULL for the default */
    int64_t count;      /* -c, -1 = unlimited */
} sf_live_cfg;

/* Open a live capture as a source: pcap_create, immediate mode, filter,
 * privilege drop after activation. SIGINT/SIGTERM end it cleanly (next()
 * returns SF_SRC_END). On close, prints tcpdump's closing counts on stderr. */
sf_source *sf_source_open_live(const sf_live_cfg *cfg, char *err, size_t errlen);
/* -D: list interfaces on stdout; returns the exit status. */
int sf_live_list_ifaces(void);
#endif

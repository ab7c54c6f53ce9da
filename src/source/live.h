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
struct sf_backend;
/* The live backend alone (sf_source_open_live wraps it with quiet = 0;
 * synfin lab's capture uses it directly). quiet = 1: no "listening on"
 * banner and no closing counts. Fills *b on success (the caller owns it
 * and must call b->close) and returns 0; returns -1 with err set otherwise.
 * Only one live capture per process (the signal handler stops it). */
int sf_live_open_backend(const sf_live_cfg *cfg, int quiet, struct sf_backend *b, char *err, size_t errlen);
/* -D: list interfaces on stdout; returns the exit status. */
int sf_live_list_ifaces(void);
#endif

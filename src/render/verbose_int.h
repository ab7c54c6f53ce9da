/* \summary: internals of the verbose (field tree) view */
#ifndef SF_VERBOSE_INT_H
#define SF_VERBOSE_INT_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "view.h"

/* A growable text buffer (one frame's tree). Out of memory is sticky. */
typedef struct sf_vbuf {
    char *p;
    size_t len, cap;
    int oom;
} sf_vbuf;

void sf_vb_printf(sf_vbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A tree line: `level` indentation steps of 4 spaces, then the formatted text. */
void sf_vb_line(sf_vbuf *b, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void sf_vb_free(sf_vbuf *b);

/* Wireshark-style "0.000122000" (9 decimals) seconds. */
void sf_v_secs(char *buf, size_t n, int64_t ns);
/* Printable copy of untrusted text (controls dropped, invalid UTF-8 as '?'). */
void sf_v_clean(char *dst, size_t n, const char *s, size_t max);

/* Layers (verbose_link.c): frame header, link layer, IPv4/IPv6. */
void sf_v_frame(sf_vbuf *b, const sf_pkt *p, int64_t first_ns, int64_t prev_ns);
void sf_v_link(sf_vbuf *b, const sf_pkt *p);
void sf_v_ip(sf_vbuf *b, const sf_pkt *p);
const char *sf_v_ethertype_name(uint16_t t);

/* TCP (verbose_tcp.c). The [SEQ/ACK analysis] part is written by
 * sf_v_seqack; when `irtt_at` is non-NULL and the iRTT line would be due
 * but is not known yet, *irtt_at receives the offset in b where it belongs
 * (else SIZE_MAX). */
void sf_v_tcp(sf_vbuf *b, const sf_pkt *p, const sf_pinfo *pi,
              int64_t conn_first_ns, int64_t conn_prev_ns, size_t *irtt_at);
/* Checksum of a TCP segment over the pseudo-header: 0 ok (fills *calc with
 * the right value, *partial with the pseudo-header-only sum); -1 when the
 * segment is not fully captured. Exposed for unit tests. */
int sf_v_tcp_cksum(const sf_pkt *p, uint16_t *calc, uint16_t *partial);

/* Application layer (verbose_app.c): TLS records and HTTP message from pi->app. */
void sf_v_app(sf_vbuf *b, const sf_pkt *p, const sf_pinfo *pi);

#endif

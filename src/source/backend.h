/* \summary: internal: the per-input backend interface behind sf_source */
#ifndef SF_BACKEND_H
#define SF_BACKEND_H
#include <pcap/pcap.h>
#include <stdio.h>
#include "source.h"
#include "paging.h"
#include "../decode/decode.h"

/* One open input. source.c owns the sequencing across inputs (frame
 * numbers count on), detection of the format from the first bytes, and
 * error bookkeeping; a backend only produces frames from one stream.
 * next() fills out->ts/caplen/wirelen/dlt and decodes the frame (or, for
 * text, builds the record directly); it must NOT set out->frame (source.c
 * does). On SF_SRC_ERROR it writes the problem (without file name or
 * packet number, which source.c prefixes) into err. */
typedef struct sf_backend {
    void *st;
    sf_src_rc (*next)(void *st, sf_pkt *out, char *err, size_t errlen);
    void (*close)(void *st);
    /* Optional (NULL = one per delivered record): the backend's count of
     * frames consumed from this input so far, counting those a BPF filter
     * skipped, so that frame numbers stay the input's own numbering; read
     * in place (it is read for every packet). source.c zeroes the struct
     * before calling an open function. */
    const uint64_t *consumed;
    /* Optional (NULL = never): 1 if the SF_SRC_ERROR just returned was about
     * the record delivered before it (e.g. its caplen exceeded the snaplen)
     * and the input goes on; 0 if the input is finished. */
    int (*resumable)(void *st);
    /* Optional (NULL = none; additive, session 5): next() for the usual
     * record only, without the error text, called once a packet before
     * next(): 1 = delivered exactly as next() would have; 0 = nothing
     * consumed or changed, call next() (which reads the same record).
     * again = 1: *out holds what a backend's next or next_quick left in
     * it last, untouched since (it may decode with sf_decode_again).
     * source.c calls it only for a backend that also gives consumed. */
    int (*next_quick)(void *st, sf_pkt *out, int again);
    /* Optional (NULL = the backend pages nothing; additive, session 7): a
     * backend reading a mapped file hands its paging to pg's thread
     * (paging.h), or takes it back with pg NULL. Called from the reading
     * thread; pg outlives the backend or a later call with NULL. */
    void (*set_paging)(void *st, sf_paging *pg);
} sf_backend;

/* Compile a BPF filter for the capture backends (pcapfile.c, pcapmmap.c)
 * with p (an open or dead handle of link type dlt). 0, or -1 with err set
 * ("bad filter 'F' for link type T: libpcap's message"). */
static inline int sf_backend_filter(pcap_t *p, int dlt, const char *filter, struct bpf_program *prog,
                                    char *err, size_t errlen)
{
    if (pcap_compile(p, prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0) return 0;
    const char *nm = pcap_datalink_val_to_name(dlt);
    snprintf(err, errlen, "bad filter '%s' for link type %s: %s", filter, nm ? nm : "?", pcap_geterr(p));
    return -1;
}

/* Deliver a captured frame: its time (nsec; td_usec, the microseconds
 * tcpdump prints, packet.h), lengths, and the decoded record (sf_decode
 * clears the rest; no memset needed) -- with sf_decode_again when `again`
 * (its promise: *out holds what a backend's decode left in it last,
 * untouched since). */
static inline void sf_backend_frame_td_again(sf_pkt *out, int64_t sec, uint32_t nsec, int prec, uint32_t td_usec,
                                             uint32_t caplen, uint32_t wirelen, int dlt, const uint8_t *data,
                                             int again)
{
    out->ts.sec = sec;
    out->ts.nsec = nsec;
    out->ts.prec = (uint8_t)prec;
    out->ts_td_usec = td_usec;
    out->caplen = caplen;
    out->wirelen = wirelen;
    if (again) sf_decode_again(out, dlt, data);
    else sf_decode(out, dlt, data);
}

/* The same with sf_decode always. */
static inline void sf_backend_frame_td(sf_pkt *out, int64_t sec, uint32_t nsec, int prec, uint32_t td_usec,
                                       uint32_t caplen, uint32_t wirelen, int dlt, const uint8_t *data)
{
    sf_backend_frame_td_again(out, sec, nsec, prec, td_usec, caplen, wirelen, dlt, data, 0);
}

/* The same from frac_ns (nanoseconds, or a broken file's out-of-range
 * field, kept as tcpdump shows it). */
static inline void sf_backend_frame(sf_pkt *out, int64_t sec, long frac_ns, int prec, uint32_t caplen,
                                    uint32_t wirelen, int dlt, const uint8_t *data)
{
    sf_backend_frame_td(out, sec, (uint32_t)frac_ns, prec, (uint32_t)(frac_ns / 1000), caplen, wirelen, dlt, data);
}

/* sf_backend_frame(out, sec, (long)(int32_t)usec * 1000, 6, ...) for a
 * microsecond field as read (pcapmmap.c's common case), without the
 * division by 1000 that gives the field back. */
static inline void sf_backend_frame_us(sf_pkt *out, int64_t sec, uint32_t usec, uint32_t caplen,
                                       uint32_t wirelen, int dlt, const uint8_t *data)
{
    sf_backend_frame_td(out, sec, usec * 1000u, 6, usec, caplen, wirelen, dlt, data);
}

/* libpcap file backend (source/pcapfile.c). `f` is an open stream
 * positioned at the first byte of the capture; ownership passes to the
 * backend (pcap_fopen_offline closes it). Returns 0, or -1 with err set. */
int sf_pcapfile_open(FILE *f, const char *filter, sf_backend *b, char *err, size_t errlen);

/* Same, with the capture's native timestamp precision (6 or 9, from
 * sf_capture_prec; 0 = unknown, taken as 6): records keep nanoseconds
 * when the file has them (ts.prec = 9). */
int sf_pcapfile_open_prec(FILE *f, const char *filter, int prec, sf_backend *b, char *err,
                          size_t errlen);

/* Native timestamp precision (6 or 9) of a pcap/pcapng capture from its
 * first bytes (pcap magic; pcapng first IDB's if_tsresol); 6 if unknown. */
int sf_capture_prec(const unsigned char *b, size_t n);

/* tcpdump text backend (source/text.c): `f` positioned at the start,
 * ownership passes to the backend. `name` is used in warnings
 * ("FILE:LINE: ..."). Returns 0, or -1 with err set (e.g. nothing parsed). */
int sf_text_open(FILE *f, const char *name, const char *filter, sf_backend *b, char *err, size_t errlen);

/* Wrap one already-open backend as a source (live capture, source/live.c):
 * source.c numbers its frames from 1 and prefixes errors with `name`
 * (borrowed, must outlive the source); the source owns b->st from then on
 * and calls b->close on sf_source_close (also when this returns NULL).
 * Returns NULL with err set on failure. (Implemented in source.c.) */
sf_source *sf_source_from_backend(const sf_backend *b, const char *name, char *err, size_t errlen);

/* 1 if the first bytes look like pcap or pcapng (by magic number). */
int sf_is_capture_magic(const unsigned char *b, size_t n);

#endif

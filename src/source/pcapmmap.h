/* \summary: zero-copy reader for classic pcap files (mmap), a faster twin of the libpcap file backend */
#ifndef SF_PCAPMMAP_H
#define SF_PCAPMMAP_H
#include <stdio.h>
#include "backend.h"

/* Try to read `f` (positioned at its first byte) by mapping it: only a
 * regular file in classic pcap format 2.4 (µs or ns, either byte order)
 * with link type EN10MB, LINUX_SLL or LINUX_SLL2. Delivers exactly what
 * sf_pcapfile_open_prec would (same frames, timestamps, decode, BPF filter
 * through libpcap's compiler, same messages for cut-short and oversized
 * records), without libpcap's per-record copy and fread.
 * Returns 0 and takes ownership of f (the backend closes it); 1 when the
 * input is not one it handles (f untouched, still at its first byte: use
 * the libpcap backend); -1 with err set (f closed) for a bad filter. */
int sf_pcapmmap_open(FILE *f, const char *filter, sf_backend *b, char *err, size_t errlen);

#endif

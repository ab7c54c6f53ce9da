/* \summary: link/IP/TCP decoder entry point */
#ifndef SF_DECODE_H
#define SF_DECODE_H
#include "packet.h"

/* Decode one captured frame of link type `dlt` into *p. `data` (caplen
 * bytes, borrowed) must stay valid while *p is used. frame, ts, caplen and
 * wirelen must be set by the caller beforehand; everything else is filled.
 * Never reads outside [data, data+caplen). Returns p->status. */
sf_dec_status sf_decode(sf_pkt *p, int dlt, const uint8_t *data);

/* 1 if libpcap link type `dlt` is one we decode. */
int sf_decode_dlt_supported(int dlt);

/* Parse p->opt[0..p->opt_len) into p->mss, wscale, sack_perm, has_ts/ts_val/
 * ts_ecr, nsack/sack (absent ones reset). For backends that build records
 * without a capture (text input) and supply synthesized option bytes. */
void sf_decode_tcp_options(sf_pkt *p);

#endif

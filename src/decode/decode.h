/* \summary: link/IP/TCP decoder entry point */
#ifndef SF_DECODE_H
#define SF_DECODE_H
#include "packet.h"

/* Decode one captured frame of link type `dlt` into *p. `data` (caplen
 * bytes, borrowed) must stay valid while *p is used. frame, ts, caplen and
 * wirelen must be set by the caller beforehand; everything else is filled.
 * Never reads outside [data, data+caplen). Returns p->status. */
sf_dec_status sf_decode(sf_pkt *p, int dlt, const uint8_t *data);

/* sf_decode, for a record nobody but sf_decode and sf_decode_again wrote
 * since they last decoded into it (but frame, ts, caplen, wirelen and
 * ts_td_usec, set anew as for sf_decode), or one zeroed since (the
 * caller's promise; never garbage): the same result, without writing
 * again the fields that stay the same from one usual frame to the next. */
sf_dec_status sf_decode_again(sf_pkt *p, int dlt, const uint8_t *data);

/* 1 if libpcap link type `dlt` is one we decode. */
int sf_decode_dlt_supported(int dlt);

/* Parse p->opt[0..p->opt_len) into p->mss, wscale, sack_perm, has_ts/ts_val/
 * ts_ecr, nsack/sack (absent ones reset). For backends that build records
 * without a capture (text input) and supply synthesized option bytes. */
void sf_decode_tcp_options(sf_pkt *p);

#endif

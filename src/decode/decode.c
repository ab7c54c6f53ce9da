/* \summary: STUB (owner: decode helper) */
#include "decode.h"
sf_dec_status sf_decode(sf_pkt *p, int dlt, const uint8_t *data) { (void)dlt; (void)data; p->status = SF_DEC_UNSUPPORTED; return p->status; }
int sf_decode_dlt_supported(int dlt) { (void)dlt; return 0; }

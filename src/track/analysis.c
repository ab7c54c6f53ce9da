/* \summary: STUB (owner: analysis helper) */
#include "analysis.h"
void sf_an_init(sf_an_conn *a) { a->placeholder = 0; }
void sf_an_packet(sf_an_conn *a, const sf_pkt *p, sf_pinfo *pi, sf_conn *c, const uint32_t isn[2])
{ (void)a; (void)p; (void)pi; (void)c; (void)isn; }
void sf_an_free(sf_an_conn *a) { (void)a; }

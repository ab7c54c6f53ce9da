/* \summary: the general decoder: link -> IPv4/IPv6 -> TCP, into one sf_pkt, for every frame the fast path (fast.c) leaves */
#include "decode_int.h"

sf_dec_status sf_dec_general(sf_pkt *p, int dlt, const uint8_t *data)
{
    /* keep what the caller set; clear everything else */
    uint64_t frame = p->frame;
    sf_time ts = p->ts;
    uint32_t caplen = p->caplen, wirelen = p->wirelen, td_usec = p->ts_td_usec;
    memset(p, 0, sizeof *p);
    p->ts_td_usec = td_usec;
    p->frame = frame;
    p->ts = ts;
    p->caplen = caplen;
    p->wirelen = wirelen;
    p->dlt = dlt;
    p->wscale = -1;
    p->l2 = data;
    static const uint8_t none[1];
    if (!data) { caplen = 0; data = none; }

    sf_cur c = sf_cur_make(data, caplen);
    uint16_t et = 0;
    sf_dec_status st = sf_dec_link(p, dlt, &c, &et);
    if (st == SF_DEC_TCP) {
        size_t used = (size_t)(c.p - data);
        uint32_t wire = wirelen > used ? (uint32_t)(wirelen - used) : 0;
        /* some files record a wire length shorter than what was captured */
        if (wire < sf_cur_left(&c)) wire = (uint32_t)sf_cur_left(&c);
        st = et == SF_ETH_IPV4 ? sf_dec_ipv4(p, &c, wire) : sf_dec_ipv6(p, &c, wire);
    }
    if (st == SF_DEC_TCP) p->why = NULL;
    p->status = st;
    return st;
}

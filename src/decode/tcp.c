/* \summary: TCP decoder: fixed header, options (mss, wscale, sackOK, sack, TS, ...), payload bounds */
#include "decode_int.h"

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACKOK = 4, OPT_SACK = 5,
       OPT_TS = 8 };

void sf_dec_tcp_options(sf_pkt *p)
{
    p->mss = 0;
    p->wscale = -1;
    p->sack_perm = 0;
    p->has_ts = 0;
    p->ts_val = p->ts_ecr = 0;
    p->nsack = 0;
    if (!p->opt) return;
    sf_cur c = sf_cur_make(p->opt, p->opt_len);
    while (sf_cur_left(&c) > 0) {
        uint8_t kind = sf_get_u8(&c);
        if (kind == OPT_EOL) break;
        if (kind == OPT_NOP) continue;
        uint8_t len = sf_get_u8(&c);
        if (!sf_cur_ok(&c) || len < 2) break; /* malformed: stop, keep what we have */
        int sh = 0;
        sf_cur b = sf_cur_sub(&c, (size_t)len - 2, &sh);
        if (sh) break; /* cut by snaplen */
        switch (kind) {
        case OPT_MSS:
            if (len == 4) p->mss = sf_get_be16(&b);
            break;
        case OPT_WSCALE:
            if (len == 3) p->wscale = (int8_t)sf_get_u8(&b);
            break;
        case OPT_SACKOK:
            if (len == 2) p->sack_perm = 1;
            break;
        case OPT_TS:
            if (len == 10) {
                p->has_ts = 1;
                p->ts_val = sf_get_be32(&b);
                p->ts_ecr = sf_get_be32(&b);
            }
            break;
        case OPT_SACK:
            if ((len - 2) % 8 == 0) {
                while (sf_cur_left(&b) >= 8 && p->nsack < SF_MAX_SACK) {
                    p->sack[p->nsack][0] = sf_get_be32(&b);
                    p->sack[p->nsack][1] = sf_get_be32(&b);
                    p->nsack++;
                }
            }
            break;
        default:
            break;
        }
    }
}

void sf_decode_tcp_options(sf_pkt *p) { sf_dec_tcp_options(p); }

sf_dec_status sf_dec_tcp(sf_pkt *p, sf_cur *c, uint32_t seg_len)
{
    p->l4 = c->p;
    p->l4_caplen = (uint32_t)sf_cur_left(c);
    p->seg_len = seg_len;
    sf_cur h = *c;
    p->sport = sf_get_be16(&h);
    p->dport = sf_get_be16(&h);
    if (!sf_cur_ok(&h)) { p->why = "TCP ports cut short"; return SF_DEC_TRUNCATED; }
    p->seq = sf_get_be32(&h);
    p->ack = sf_get_be32(&h);
    uint16_t offflags = sf_get_be16(&h);
    if (!sf_cur_ok(&h)) {
        /* ports there, flags not: keep what is known */
        p->trunc_hdr = 1;
        p->why = "TCP flags cut short";
        return SF_DEC_TRUNCATED;
    }
    p->hlen = (uint16_t)((offflags >> 12) * 4);
    p->flags = offflags & 0x0fff;
    p->win = sf_get_be16(&h);
    p->cksum = sf_get_be16(&h);
    p->urp = sf_get_be16(&h);
    if (!sf_cur_ok(&h)) {
        p->trunc_hdr = 1;
        p->why = "TCP header cut short";
    }
    if (p->hlen < 20) {
        p->bad_hlen = 1;
        p->why = "TCP header length < 20";
        return SF_DEC_MALFORMED;
    }
    if (p->hlen > seg_len) {
        p->bad_hlen = 1;
        p->why = "TCP header length > segment length";
        return SF_DEC_MALFORMED;
    }
    p->len = seg_len - p->hlen;
    if (!p->trunc_hdr) {
        uint32_t ol = p->hlen - 20u;
        uint32_t have = (uint32_t)sf_cur_left(&h);
        p->opt = h.p;
        p->opt_len = have < ol ? have : ol;
        p->trunc_opt = have < ol;
        if (p->opt_len == 0) p->opt = NULL;
        sf_dec_tcp_options(p);
        if (!p->trunc_opt) {
            sf_cur_skip(&h, ol);
            uint32_t pc = (uint32_t)sf_cur_left(&h);
            p->payload = h.p;
            p->payload_caplen = pc < p->len ? pc : p->len;
            if (p->payload_caplen == 0) p->payload = NULL;
        }
    } else {
        p->wscale = -1;
    }
    return SF_DEC_TCP;
}

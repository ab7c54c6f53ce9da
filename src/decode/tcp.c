/* \summary: TCP decoder: fixed header, options (mss, wscale, sackOK, sack, TS, ...), payload bounds */
#include "decode_int.h"

enum { OPT_EOL = 0, OPT_NOP = 1, OPT_MSS = 2, OPT_WSCALE = 3, OPT_SACKOK = 4, OPT_SACK = 5,
       OPT_TS = 8 };

void sf_dec_tcp_options(sf_pkt *p)
{
    sf_dec_no_options(p);
    if (!p->opt) return;
    /* each option is read in place once its kind, length and body are
     * known to be there (peeks at offsets below `len`, checked) */
    sf_cur c = sf_cur_make(p->opt, p->opt_len);
    if (sf_cur_left(&c) == 20 && sf_peek_be16(&c, 0) == 0x0204 &&
        sf_peek_be32(&c, 4) == 0x0402080a && (sf_peek_be32(&c, 16) >> 8) == 0x010303) {
        /* Linux's SYN and SYN-ACK: mss, sackOK, timestamps, nop, wscale --
         * what the loop below finds too, in one step */
        p->mss = sf_peek_be16(&c, 2);
        p->sack_perm = 1;
        p->has_ts = 1;
        p->ts_val = sf_peek_be32(&c, 8);
        p->ts_ecr = sf_peek_be32(&c, 12);
        p->wscale = (int8_t)sf_peek_u8(&c, 19);
        return;
    }
    if (sf_cur_left(&c) == 12 && (sf_peek_be32(&c, 0) >> 16) == 0x0204 &&
        (sf_peek_be32(&c, 4) >> 8) == 0x010303 && sf_peek_be32(&c, 8) == 0x01010402) {
        /* Windows' SYN and SYN-ACK: mss, nop, wscale, nop, nop, sackOK */
        p->mss = sf_peek_be16(&c, 2);
        p->wscale = (int8_t)sf_peek_u8(&c, 7);
        p->sack_perm = 1;
        return;
    }
    size_t n = (sf_cur_left(&c) - 16) / 8;
    if (sf_cur_left(&c) >= 24 && sf_cur_left(&c) == 16 + 8 * n && n <= 3 &&
        sf_peek_be32(&c, 0) == 0x0101080a && sf_peek_be32(&c, 12) == (0x01010500u | (2 + 8 * n))) {
        /* nop, nop, timestamps, nop, nop, SACK with 1-3 blocks: a segment
         * after a loss */
        p->has_ts = 1;
        p->ts_val = sf_peek_be32(&c, 4);
        p->ts_ecr = sf_peek_be32(&c, 8);
        for (size_t i = 0; i < n; i++) {
            p->sack[i][0] = sf_peek_be32(&c, 16 + 8 * i);
            p->sack[i][1] = sf_peek_be32(&c, 20 + 8 * i);
        }
        p->nsack = (uint8_t)n;
        return;
    }
    while (sf_cur_has(&c, 1)) {
        uint8_t kind = sf_peek_u8(&c, 0);
        if (kind == OPT_EOL) break;
        if (kind == OPT_NOP) { sf_cur_skip(&c, 1); continue; }
        if (!sf_cur_has(&c, 2)) break; /* no length byte: stop, keep what we have */
        uint8_t len = sf_peek_u8(&c, 1);
        if (len < 2) break;            /* malformed: stop, keep what we have */
        if (!sf_cur_has(&c, len)) break; /* cut by snaplen */
        switch (kind) {
        case OPT_MSS:
            if (len == 4) p->mss = sf_peek_be16(&c, 2);
            break;
        case OPT_WSCALE:
            if (len == 3) p->wscale = (int8_t)sf_peek_u8(&c, 2);
            break;
        case OPT_SACKOK:
            if (len == 2) p->sack_perm = 1;
            break;
        case OPT_TS:
            if (len == 10) {
                p->has_ts = 1;
                p->ts_val = sf_peek_be32(&c, 2);
                p->ts_ecr = sf_peek_be32(&c, 6);
            }
            break;
        case OPT_SACK:
            if ((len - 2) % 8 == 0) {
                for (size_t o = 2; o + 8 <= len && p->nsack < SF_MAX_SACK; o += 8) {
                    p->sack[p->nsack][0] = sf_peek_be32(&c, o);
                    p->sack[p->nsack][1] = sf_peek_be32(&c, o + 4);
                    p->nsack++;
                }
            }
            break;
        default:
            break;
        }
        sf_cur_skip(&c, len);
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

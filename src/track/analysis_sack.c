/* \summary: synfin's SACK-aware extra analyses: D-SACK reports and retransmissions of already SACKed data */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

/*
 * Two flags Wireshark 4.0 does not have, off unless SF_AN_OPT_SACK is set
 * (docs/analysis.md, "Extra analyses"). They never change a Wireshark-named
 * flag.
 *
 *  dsack                         an ACK whose first SACK block reports data
 *                                the receiver got twice (RFC 2883 section 4)
 *  sack_spurious_retransmission  a segment Wireshark calls a retransmission
 *                                (or out-of-order) whose bytes the peer had
 *                                already reported in a SACK block: the
 *                                receiver held them, the resend was needless
 *
 * For the second one each direction keeps a small scoreboard: the byte
 * ranges above the cumulative ACK that the peer has SACKed, at most
 * SF_AN_SACK_RANGES of them, merged; ranges the cumulative ACK passes are
 * dropped; when a new range does not fit, the one lowest in sequence space
 * is forgotten (receivers report the newest blocks first).
 */

#define LT_SEQ(x, y) ((int32_t)((uint32_t)(x) - (uint32_t)(y)) < 0)
#define LE_SEQ(x, y) ((int32_t)((uint32_t)(x) - (uint32_t)(y)) <= 0)

unsigned sf_an_opts_set;

void sf_an_set_options(unsigned opts) { sf_an_opts_set = opts; }

/* ranges are kept relative to nothing: absolute seqs, compared modulo 2^32
 * against the cumulative ACK `base`; sorted by distance from base */
static void board_prune(sf_an_board *b, uint32_t ack)
{
    uint8_t w = 0;
    for (uint8_t i = 0; i < b->n; i++) {
        sf_an_range r = b->r[i];
        if (LE_SEQ(r.right, ack))
            continue;                       /* all acknowledged cumulatively */
        if (LT_SEQ(r.left, ack))
            r.left = ack;
        b->r[w++] = r;
    }
    b->n = w;
}

static void board_add(sf_an_board *b, uint32_t left, uint32_t right, uint32_t ack)
{
    if (!LT_SEQ(left, right) || LE_SEQ(right, ack))
        return;
    if (LT_SEQ(left, ack))
        left = ack;
    /* merge with every range it overlaps or touches */
    uint8_t w = 0;
    for (uint8_t i = 0; i < b->n; i++) {
        sf_an_range r = b->r[i];
        if (LE_SEQ(r.left, right) && LE_SEQ(left, r.right)) {
            if (LT_SEQ(r.left, left))
                left = r.left;
            if (LT_SEQ(right, r.right))
                right = r.right;
            continue;
        }
        b->r[w++] = r;
    }
    b->n = w;
    /* insert sorted by distance above the cumulative ACK */
    uint32_t key = left - ack;
    uint8_t at = 0;
    while (at < b->n && b->r[at].left - ack < key)
        at++;
    if (b->n == SF_AN_SACK_RANGES) {        /* full: forget the lowest range */
        if (at == 0)
            return;                         /* the new one is the lowest */
        memmove(&b->r[0], &b->r[1], (size_t)(at - 1) * sizeof b->r[0]);
        at--;
        b->n--;
    }
    memmove(&b->r[at + 1], &b->r[at], (size_t)(b->n - at) * sizeof b->r[0]);
    b->r[at].left = left;
    b->r[at].right = right;
    b->n++;
}

static int board_covers(const sf_an_board *b, uint32_t seq, uint32_t end)
{
    for (uint8_t i = 0; i < b->n; i++)
        if (LE_SEQ(b->r[i].left, seq) && LE_SEQ(end, b->r[i].right))
            return 1;
    return 0;
}

uint32_t sf_an_sack_packet(sf_an_conn *a, int d, const sf_pkt *p, uint32_t seglen, uint32_t fl)
{
    uint32_t out = 0;
    const int acked = (p->flags & SF_TH_ACK) != 0;

    /* D-SACK: the first block lies at or below the ACK number, or inside the second */
    if (acked && p->nsack >= 1) {
        uint32_t l0 = p->sack[0][0], r0 = p->sack[0][1];
        if (LE_SEQ(r0, p->ack) ||
            (p->nsack >= 2 && LE_SEQ(p->sack[1][0], l0) && LE_SEQ(r0, p->sack[1][1])))
            out |= SF_AN_DSACK;
    }

    /* this segment against what the peer reported SACKed of our data */
    if (a->ext && seglen > 0 &&
        (fl & (SF_AN_RETRANSMISSION | SF_AN_OUT_OF_ORDER)) && !(fl & SF_AN_SPURIOUS_RETRANSMISSION) &&
        board_covers(&a->ext->b[d], p->seq, p->seq + seglen))
        out |= SF_AN_SACK_SPURIOUS_RETRANSMISSION;

    /* this packet's ACK and SACK blocks describe the peer's data */
    if (acked && (p->nsack || a->ext)) {
        if (!a->ext && !(a->ext = calloc(1, sizeof *a->ext)))
            return out;                     /* no memory: the extra flags stay off */
        sf_an_board *b = &a->ext->b[!d];
        board_prune(b, p->ack);
        for (int i = (out & SF_AN_DSACK) ? 1 : 0; i < p->nsack && i < SF_MAX_SACK; i++)
            board_add(b, p->sack[i][0], p->sack[i][1], p->ack);
    }
    return out;
}

void sf_an_sack_free(sf_an_conn *a)
{
    free(a->ext);
    a->ext = NULL;
}

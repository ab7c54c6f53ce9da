/* \summary: the analysis' list of unacknowledged segments per direction: growing it, and what an ACK removes */
#include <stdlib.h>
#include <string.h>
#include "analysis_int.h"

/* Wireshark's sequence comparisons (note GT is written from y-x). */
#define LE_SEQ(x, y) ((int32_t)((uint32_t)(x) - (uint32_t)(y)) <= 0)
#define GT_SEQ(x, y) ((int32_t)((uint32_t)(y) - (uint32_t)(x)) < 0)

/* First heap capacity (doubling after, up to SF_AN_MAX_UNACKED). */
#define SEG_HEAP_FIRST 8

/* Heap lists of the first capacity given back, kept for the next list that
 * outgrows the inline room: most heap lists live for a few packets (a burst
 * the peer then acknowledges), and malloc + free cost more than the rest of
 * their life. Per thread (the engine's), at most SEG_CACHE_MAX blocks
 * (12 KiB); what is cached at exit stays reachable from here. */
#define SEG_CACHE_MAX 64
static _Thread_local sf_an_seg *seg_cache[SEG_CACHE_MAX];
static _Thread_local unsigned seg_ncache;

void sf_an_seg_release(sf_an_flow *f)
{
    if (f->capseg == SEG_HEAP_FIRST && seg_ncache < SEG_CACHE_MAX)
        seg_cache[seg_ncache++] = f->seg.heap;
    else
        free(f->seg.heap);
    f->seg.heap = NULL;
    f->nseg = f->capseg = 0;
}

__attribute__((noinline)) sf_an_seg *sf_an_seg_grow(sf_an_flow *f)
{
    sf_an_seg *arr;
    if (f->capseg == 0) {                              /* inline list full: to the heap */
        arr = seg_ncache ? seg_cache[--seg_ncache] : malloc(SEG_HEAP_FIRST * sizeof *arr);
        if (!arr)
            return NULL;
        memcpy(arr, f->seg.in, (size_t)f->nseg * sizeof *arr);
        f->seg.heap = arr;
        f->capseg = SEG_HEAP_FIRST;
        return arr;
    }
    uint32_t cap = (uint32_t)f->capseg * 2u;
    if (cap > SF_AN_MAX_UNACKED)
        cap = SF_AN_MAX_UNACKED;
    if (cap <= f->capseg)
        return NULL;
    arr = realloc(f->seg.heap, cap * sizeof *arr);
    if (!arr)
        return NULL;
    f->seg.heap = arr;
    f->capseg = (uint16_t)cap;
    return arr;
}

void sf_an_seg_ack(sf_an_flow *r, uint32_t ack, int64_t now, sf_pinfo *pi)
{
    const uint16_t n = r->nseg;
    if (n == 0)
        return;
    sf_an_seg *arr = sf_an_seg_arr(r);
    uint16_t w = 0;
    int matched = 0;
    for (uint16_t i = 0; i < n; i++) {
        sf_an_seg *s = &arr[i];
        if (ack == s->nextseq) {
            if (!matched) {
                matched = 1;
                pi->acks_frame = s->frame;
                if (now != SF_AN_NO_TIME && s->ts != SF_AN_NO_TIME) {
                    int64_t rtt = now - s->ts;
                    /* tshark shows ack_rtt only when it is not zero */
                    pi->ack_rtt_ns = rtt != 0 ? rtt : -1;
                }
            }
            continue;                                   /* delete */
        }
        if (GT_SEQ(ack, s->seq) && LE_SEQ(ack, s->nextseq))
            s->seq = ack;                               /* partly acked: keep the rest */
        else if (!GT_SEQ(s->nextseq, ack))
            continue;                                   /* old: delete */
        if (w != i)                                     /* close the gap left by deletions */
            arr[w] = *s;
        w++;
    }
    r->nseg = w;
    if (w == 0 && r->capseg)                            /* nothing outstanding: give the memory back */
        sf_an_seg_release(r);
}

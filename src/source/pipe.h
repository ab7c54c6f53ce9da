/* \summary: internal: a reader thread that runs a packet source ahead of its consumer, through a bounded ring */
#ifndef SF_PIPE_H
#define SF_PIPE_H
#include <stddef.h>
#include "source.h"

/*
 * The second core (issue 8): one thread reads and decodes frames while the
 * caller tracks connections and renders. The producer calls src->next into
 * a ring of slots and copies every byte a record points to (frame, options,
 * payload, host names, error text) into a bounded arena, so a record stays
 * valid after the source has moved on (libpcap reuses its buffer; the mmap
 * reader hands pages back). The consumer sees exactly the sequence of
 * return codes, records, messages and failure counts that calling
 * src->next directly would give, in order. Memory: `slots` records plus
 * `arena` bytes, whatever the input.
 */
typedef struct sf_pipe sf_pipe;

typedef struct sf_pipe_src {
    void *ctx;
    /* Runs on the pipe's thread only (never concurrently with the consumer's
     * calls into ctx). Same contract as sf_source_next; SF_SRC_IDLE is not
     * expected (live capture is not piped). */
    sf_src_rc (*next)(void *ctx, sf_pkt *out);
    /* The message of the SF_SRC_ERROR just returned by next. */
    const char *(*error)(void *ctx);
    /* Failures counted so far (sf_source_failures). */
    int (*failures)(void *ctx);
} sf_pipe_src;

/* Start the thread. slots: a power of two >= 4; arena: bytes, a power of
 * two >= 4096 (records larger than half of it are reported as errors: give
 * it at least twice the largest record, e.g. 4 MiB). src->ctx is the thread's until
 * sf_pipe_stop returns. NULL if out of memory or no thread could start
 * (the caller then reads directly). */
sf_pipe *sf_pipe_start(const sf_pipe_src *src, unsigned slots, size_t arena);

/* Consumer: the next record, as src->next would have returned it, in
 * *out (the pipe's; with its pointers valid until the next call or
 * sf_pipe_stop). After SF_SRC_END every further call returns SF_SRC_END. */
sf_src_rc sf_pipe_next(sf_pipe *p, const sf_pkt **out);

/* The message of the last SF_SRC_ERROR the consumer received ("" if none). */
const char *sf_pipe_error(const sf_pipe *p);

/* src->failures as it stood when the consumer's last record was read, so
 * that records read ahead but never consumed (e.g. after -c N) don't count. */
int sf_pipe_failures(const sf_pipe *p);

/* Hand records on to a third thread: from now on sf_pipe_next no longer
 * releases the record it returned last; whoever holds them calls
 * sf_pipe_release (from any one thread, in order). Before the consumer
 * sleeps for want of records, it calls on_wait(ctx) (if not NULL): the
 * holder must then release what it can without waiting for more, since
 * the reader may be waiting for exactly those. Call before the first
 * sf_pipe_next. */
void sf_pipe_defer_release(sf_pipe *p, void (*on_wait)(void *), void *ctx);
/* The ticket of the record sf_pipe_next returned last (1, 2, ...). */
uint64_t sf_pipe_ticket(const sf_pipe *p);
/* Deferred mode: the records with tickets up to this one are done with
 * (may be rewritten); later ones are still held. Tickets passed must not
 * decrease. */
void sf_pipe_release(sf_pipe *p, uint64_t ticket);

/* Stop the thread (it may be blocked on a full ring or still reading),
 * join it, free everything. NULL is ignored. */
void sf_pipe_stop(sf_pipe *p);

#endif

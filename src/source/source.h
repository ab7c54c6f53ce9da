/* \summary: packet sources: capture files (libpcap), stdin, live interfaces, tcpdump text */
#ifndef SF_SOURCE_H
#define SF_SOURCE_H
#include <stdint.h>
#include "../decode/packet.h"

typedef struct sf_source sf_source;

typedef enum sf_src_rc {
    SF_SRC_PACKET = 1,   /* *out holds the next frame (decoded; any status) */
    SF_SRC_IDLE = 2,     /* live only: no packet arrived for a while; out->ts holds the
                          * current time (only ts is valid), for sf_engine_tick */
    SF_SRC_END = 0,      /* all inputs consumed */
    SF_SRC_ERROR = -1    /* fatal for this input: sf_source_error() says file, packet number, problem */
} sf_src_rc;

/* Open capture files in order ("-" = stdin), frame numbers counting on
 * across them, with an optional BPF filter compiled by libpcap. Text files
 * (tcpdump output) are detected and parsed (source/text.c). Returns NULL
 * and prints a message naming the file on failure to open the first one. */
sf_source *sf_source_open_files(const char *const *paths, int n, const char *filter, char *err, size_t errlen);

/* Next frame. The record's pointers stay valid until the next call.
 * After SF_SRC_ERROR on one file the caller may call again to continue
 * with the next file (the error is remembered for the exit status). */
sf_src_rc sf_source_next(sf_source *s, sf_pkt *out);
/* The same, without a copy: *out points to the source's record (valid,
 * with its pointers, until the next call). SF_SRC_IDLE: (*out)->ts. */
sf_src_rc sf_source_next_ref(sf_source *s, const sf_pkt **out);
const char *sf_source_error(const sf_source *s);
/* Number of inputs that ended in error so far. */
int sf_source_failures(const sf_source *s);
void sf_source_close(sf_source *s);

/* Read and decode ahead on a second thread (src/source/pipe.c), up to
 * `slots` records and `arena` bytes of their data (powers of two) ahead of
 * the caller; 0 for the defaults below. sf_source_next, _error and
 * _failures then give exactly what they would give without it. Files only
 * (-1 for a live source, which hands packets on as they come); -1 also if
 * no thread could start (the source then reads directly). Call before the
 * first sf_source_next. */
#define SF_READ_AHEAD_SLOTS 4096u
#define SF_READ_AHEAD_ARENA ((size_t)4 << 20)
int sf_source_read_ahead(sf_source *s, unsigned slots, size_t arena);

/* With read-ahead, a record (and what it points to) can outlive the next
 * sf_source_next_ref, for another thread to render: after
 * sf_source_defer_release (0; -1 without read-ahead, when records are
 * only valid until the next call), records stay valid until released by
 * sf_source_release(s, ticket) -- the records with tickets up to `ticket`,
 * in order, from one thread -- where sf_source_ticket gives the ticket of
 * the record returned last. Until released they hold the reader back, so
 * before sf_source_next_ref sleeps for want of records it calls
 * on_wait(ctx): the holder must then get on with releasing them. */
int sf_source_defer_release(sf_source *s, void (*on_wait)(void *), void *ctx);

/* A file read through the mmap reader is paged in ahead of the reader and
 * released behind it by another thread (source/paging.h), which calls
 * sf_source_page_work from time to time; the reading thread then takes no
 * page faults and makes no madvise calls (issue 8: json's render thread
 * does it for the engine thread). on = 1 (0; -1 with read-ahead, for a
 * live source, or out of memory) before that thread starts; on = 0 takes
 * it back (0), with no other thread calling sf_source_page_work. Other
 * inputs (libpcap, text) are unaffected. */
int sf_source_page_elsewhere(sf_source *s, int on);
/* The other thread: do what paging work there is (cheap when none; never
 * waits for the reader). */
void sf_source_page_work(sf_source *s);
uint64_t sf_source_ticket(const sf_source *s);
void sf_source_release(sf_source *s, uint64_t ticket);

#endif

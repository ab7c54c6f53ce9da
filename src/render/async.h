/* \summary: internal: run a view on a thread of its own, fed through a bounded ring by the engine */
#ifndef SF_ASYNC_H
#define SF_ASYNC_H
#include <stdint.h>
#include "view.h"

/*
 * The last stage of the pipeline (issue 8): [reader thread (decode) ->]
 * engine (this thread) -> render thread (a view writing its text). The
 * engine's callbacks copy the per-packet record (sf_pinfo) or the
 * connection record (sf_conn) into a ring; the render thread calls the
 * wrapped view in the same order with the same values, so its output is
 * byte for byte what it would be without the thread. The packet itself
 * (sf_pkt and the bytes it points to) is not copied: it stays in the
 * source's read-ahead ring until the render thread releases it through
 * `link` (sf_source_defer_release) -- except in lean mode (below).
 */
typedef struct sf_async_link {
    void *ctx;
    uint64_t (*ticket)(void *ctx);                /* engine thread: the packet's ticket */
    void (*release)(void *ctx, uint64_t ticket);  /* render thread: done up to ticket */
    /* Lean (for a view that reads of sf_pkt only frame, ts, ts_missing,
     * status, ipver, src, dst, sport, dport, flags, seq, ack, win, len, nsack,
     * src_name and dst_name: the json view): those fields are copied with
     * the core of sf_pinfo into the ring, about four cache lines per packet,
     * so the packet need not outlive the engine's callback (no read-ahead
     * ring, no tickets) and sf_async_pinfo_buf is not used. The other
     * sf_pkt fields read as 0 and the pointers as NULL. Of pi->app, a lean
     * view may read proto, nrec, rec[0..nrec), the strings sni, alpn,
     * http_method and http_uri, tls_version, alert_desc, hrr, cipher,
     * http_status, http_nmsg and http_msgs[0..http_nmsg): they are as the
     * engine set them. The other app fields are not carried (they read as
     * 0 or their sf_appinfo_none value) unless a hello, an alert or an HTTP
     * header ended in the segment: then all of pi is copied. */
    int lean;
    /* Optional (NULL = none): the render thread calls it from time to time
     * (every 16 entries it gives back, and before it sleeps) for the
     * source's paging (sf_source_page_work); it must be cheap when there
     * is nothing to do and never wait for the engine thread. */
    void (*page_work)(void *ctx);
} sf_async_link;

typedef struct sf_async sf_async;

/* Wrap *inner (which writes to *out) into *outer and start the render
 * thread. From then on only the render thread touches inner and out,
 * until outer->finish returns (the thread has ended; out is the caller's
 * again) or outer->destroy. Returns NULL (nothing started, *outer
 * untouched) if out of memory or no thread could start. */
sf_async *sf_view_async(sf_view *outer, const sf_view *inner, sf_out *out, const sf_async_link *link);

/* Wait until everything handed over so far is rendered and out flushed
 * (before a message on stderr, so that the output before it comes first). */
void sf_async_sync(sf_async *a);

/* out's error as the render thread last saw it (sf_out_error), without a race. */
int sf_async_out_error(const sf_async *a);

/* Engine thread, before it sleeps waiting for the source: wake the render
 * thread if it sleeps with entries pending (it waits for a full batch
 * otherwise, and the source may be waiting for the packets those entries
 * hold). `self` is the sf_async. */
void sf_async_kick(void *self);

/* For sf_engine_pinfo_buf(e, sf_async_pinfo_buf, a): the engine builds each
 * packet's sf_pinfo right in the ring slot its packet callback then fills,
 * instead of copying ~1 KB per packet into it. `self` is the sf_async. */
sf_pinfo *sf_async_pinfo_buf(void *self);

#endif

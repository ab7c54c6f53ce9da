/* \summary: stable snake_case names of states, roles, open/close kinds, sides, ack checks and analysis flags */
#include <string.h>
#include "track.h"

/* The tables below are an interface (text and JSON output, docs/names.md):
 * add names at the end, never rename. */

static const char *const state_names[SF_ST__COUNT] = {
    [SF_ST_CLOSED] = "CLOSED",
    [SF_ST_LISTEN] = "LISTEN",
    [SF_ST_SYN_SENT] = "SYN_SENT",
    [SF_ST_SYN_RECEIVED] = "SYN_RECEIVED",
    [SF_ST_ESTABLISHED] = "ESTABLISHED",
    [SF_ST_FIN_WAIT_1] = "FIN_WAIT_1",
    [SF_ST_FIN_WAIT_2] = "FIN_WAIT_2",
    [SF_ST_CLOSE_WAIT] = "CLOSE_WAIT",
    [SF_ST_CLOSING] = "CLOSING",
    [SF_ST_LAST_ACK] = "LAST_ACK",
    [SF_ST_TIME_WAIT] = "TIME_WAIT",
};

static const char *const open_names[SF_OPEN__COUNT] = {
    [SF_OPEN_HANDSHAKE] = "handshake",
    [SF_OPEN_SIMULTANEOUS] = "simultaneous_open",
    [SF_OPEN_REFUSED] = "refused",
    [SF_OPEN_UNANSWERED] = "unanswered",
    [SF_OPEN_SYN_ACK_ONLY] = "syn_ack_only",
    [SF_OPEN_MIDSTREAM] = "midstream",
    [SF_OPEN_INCOMPLETE] = "handshake_incomplete",
};

static const char *const close_names[SF_CLOSE__COUNT] = {
    [SF_CLOSE_OPEN] = "open",
    [SF_CLOSE_FIN_4WAY] = "fin_4way",
    [SF_CLOSE_FIN_3WAY] = "fin_3way",
    [SF_CLOSE_FIN_WITH_DATA] = "fin_with_data",
    [SF_CLOSE_SIMULTANEOUS] = "simultaneous",
    [SF_CLOSE_HALF_CLOSE] = "half_close",
    [SF_CLOSE_RST_CLIENT] = "rst_client",
    [SF_CLOSE_RST_SERVER] = "rst_server",
    [SF_CLOSE_RST_AFTER_FIN] = "rst_after_fin",
    [SF_CLOSE_REFUSED] = "refused",
    [SF_CLOSE_UNANSWERED] = "unanswered",
    [SF_CLOSE_HALF_CLOSED_AT_END] = "half_closed_at_end",
};

static const char *const side_names[] = { "none", "client", "server", "both" };

static const char *const ack_check_names[] = { "no_ack", "ok", "partial", "ahead", "unknown" };

static const char *const an_names[SF_AN__COUNT] = {
    "retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order",
    "lost_segment", "ack_lost_segment", "duplicate_ack", "zero_window", "zero_window_probe",
    "zero_window_probe_ack", "window_update", "window_full", "keep_alive", "keep_alive_ack",
    "reused_ports", "dsack", "sack_spurious_retransmission",
};

/* role bits in bit order, with their lengths (no strlen per packet) */
#define ROLE(s) { s, sizeof s - 1 }
static const struct { const char *s; size_t len; } role_names[] = {
    ROLE("syn"), ROLE("syn_ack"), ROLE("handshake_ack"), ROLE("data"), ROLE("ack"), ROLE("fin"),
    ROLE("rst"), ROLE("keepalive"), ROLE("window_probe"),
};

#define NAME_OF(tab, i) ((unsigned)(i) < sizeof(tab) / sizeof(tab[0]) && (tab)[i] ? (tab)[i] : "unknown")

const char *sf_state_name(sf_state s) { return NAME_OF(state_names, s); }
const char *sf_open_name(sf_open_kind k) { return NAME_OF(open_names, k); }
const char *sf_close_name(sf_close_kind k) { return NAME_OF(close_names, k); }
const char *sf_side_name(sf_side s) { return NAME_OF(side_names, s); }
const char *sf_ack_check_name(sf_ack_check a) { return NAME_OF(ack_check_names, a); }
const char *sf_an_name(unsigned bit_index) { return NAME_OF(an_names, bit_index); }

char *sf_role_str(uint32_t role, char *buf, size_t n)
{
    size_t len = 0;
    if (!buf || n == 0)
        return buf;
    for (uint32_t m = role & ((1u << (sizeof role_names / sizeof role_names[0])) - 1u); m; m &= m - 1u) {
        const unsigned b = (unsigned)__builtin_ctz(m);
        const size_t l = role_names[b].len, sep = len ? 1 : 0;
        if (len + sep + l >= n)
            break;               /* keep whole names only */
        if (sep)
            buf[len++] = '+';
        memcpy(buf + len, role_names[b].s, l);
        len += l;
    }
    if (len == 0 && n > 5) {
        memcpy(buf, "other", 6);
        return buf;
    }
    buf[len] = 0;
    return buf;
}

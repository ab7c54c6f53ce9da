/* \summary: message tables of the explain view (English, Chinese) */
#ifndef SF_I18N_H
#define SF_I18N_H

/* Message ids. Every message is a printf format whose conversions are all
 * "%s" (numbers are formatted by the caller), in the order given in the
 * comment; a translation may reorder them with positional "%1$s" forms.
 * tests/unit/test_render.c checks both tables against each other. */
typedef enum sf_msg {
    SF_M_CLIENT,            /* "client" */
    SF_M_SERVER,            /* "server" */
    SF_M_CLIENT_CAP,        /* "Client" (start of a sentence) */
    SF_M_SERVER_CAP,
    SF_M_ARROW_C2S,         /* "client → server" */
    SF_M_ARROW_S2C,
    SF_M_CONN_HEAD,         /* id, client endpoint, server endpoint */
    SF_M_CONN_INFERRED,     /* (no args) roles were inferred */
    SF_M_CONN_PKTS,         /* packets, start time */
    SF_M_CONN_PKTS_NOTIME,  /* packets */
    SF_M_FRAME,             /* frame, +time, direction, flags, seq/ack text, len */
    SF_M_FRAME_NOTIME,      /* frame, direction, flags, seq/ack text, len */
    SF_M_ELIDED,            /* count, first frame, last frame */
    /* handshake */
    SF_M_SYN,               /* side, raw ISN */
    SF_M_SYN_AGAIN,         /* side, raw ISN, time since the previous SYN */
    SF_M_SYNACK,            /* server ISN, ack, client ISN */
    SF_M_SYNACK_BADACK,     /* server ISN, ack, client ISN, expected ack */
    SF_M_SYNACK_NOSYN,      /* server ISN, ack */
    SF_M_HS3,               /* ack, server ISN */
    SF_M_HS3_NOISN,         /* ack */
    SF_M_HS_DONE,           /* iRTT */
    /* data */
    SF_M_DATA,              /* side, bytes, first rel byte, last rel byte */
    SF_M_DATA_APP,          /* side, bytes, first, last, application text */
    SF_M_APP_HTTP_REQ,      /* label: "an HTTP request: GET /x" */
    SF_M_APP_HTTP_RESP,     /* label */
    SF_M_APP_TLS,           /* label */
    SF_M_APP_OTHER,         /* label */
    SF_M_PIGGY,             /* ack, peer, last byte confirmed */
    SF_M_PIGGY_FIN,         /* ack, peer, peer FIN rel seq */
    SF_M_HALF_CLOSE,        /* peer, side, peer, side */
    /* pure ACKs */
    SF_M_ACK_DATA,          /* side, ack, peer, last byte confirmed */
    SF_M_ACK_CUMULATIVE,    /* (no args) said once per connection */
    SF_M_ACK_COVERS,        /* frame, application text, rtt */
    SF_M_ACK_FIN,           /* side, ack, peer, peer FIN rel seq */
    SF_M_ACK_SAME,          /* side, ack */
    SF_M_ACK_SYN_ONLY,      /* side, ack */
    SF_M_ACKS_FRAME,        /* frame, rtt */
    SF_M_INFLIGHT,          /* peer, count of unacknowledged bytes */
    SF_M_ACK_AHEAD,         /* (no args) acks data never seen */
    SF_M_LAST_OF_CLOSE,     /* (no args) */
    /* close */
    SF_M_FIN_FIRST,         /* side, FIN rel seq */
    SF_M_FIN_FIRST_BOTH,    /* side, FIN rel seq (the close turns out simultaneous) */
    SF_M_FIN_ON_DATA,       /* side, FIN rel seq */
    SF_M_ACTIVE_CLOSER,     /* side */
    SF_M_FIN_MERGED,        /* side, peer, ack, peer FIN rel seq */
    SF_M_FIN_SECOND,        /* side, FIN rel seq, peer, frame where the peer FIN was acked */
    SF_M_FIN_SECOND_NOACK,  /* side, FIN rel seq */
    SF_M_FIN_CROSSED,       /* side, peer, ack, peer FIN rel seq */
    SF_M_FIN_AGAIN,         /* side */
    /* resets and others */
    SF_M_RST_REFUSED,       /* side, port, ack, client ISN */
    SF_M_RST_REFUSED_NOISN, /* side, port */
    SF_M_RST_AFTER_FIN,     /* side, peer */
    SF_M_RST,               /* side */
    SF_M_RST_NOACK,         /* (no args): RST without ACK flag */
    SF_M_KEEPALIVE,         /* side, seq */
    SF_M_KEEPALIVE_ZW,      /* peer, side, seq, peer */
    SF_M_WINDOW_PROBE,      /* side */
    SF_M_OTHER,             /* side, flags */
    /* analysis flags (#4) */
    SF_M_AN_RETRANSMISSION,
    SF_M_AN_FAST_RETRANSMISSION,
    SF_M_AN_SPURIOUS_RETRANSMISSION,
    SF_M_AN_OUT_OF_ORDER,
    SF_M_AN_LOST_SEGMENT,
    SF_M_AN_ACK_LOST_SEGMENT,
    SF_M_AN_DUPLICATE_ACK,       /* number, frame, ack */
    SF_M_AN_ZERO_WINDOW,         /* side */
    SF_M_AN_ZERO_WINDOW_PROBE,
    SF_M_AN_ZERO_WINDOW_PROBE_ACK,
    SF_M_AN_WINDOW_UPDATE,       /* side, window bytes */
    SF_M_AN_WINDOW_FULL,         /* peer */
    SF_M_AN_KEEP_ALIVE,
    SF_M_AN_KEEP_ALIVE_ACK,
    SF_M_AN_REUSED_PORTS,
    /* states */
    SF_M_STATE_FIRST,       /* Side, state, gloss */
    SF_M_STATE_CHANGE,      /* Side, from, to, gloss */
    SF_M_GLOSS_CLOSED, SF_M_GLOSS_LISTEN, SF_M_GLOSS_SYN_SENT, SF_M_GLOSS_SYN_RECEIVED,
    SF_M_GLOSS_ESTABLISHED, SF_M_GLOSS_FIN_WAIT_1, SF_M_GLOSS_FIN_WAIT_2,
    SF_M_GLOSS_CLOSE_WAIT, SF_M_GLOSS_CLOSING, SF_M_GLOSS_LAST_ACK, SF_M_GLOSS_TIME_WAIT,
    /* summary */
    SF_M_SUM_TITLE,         /* id */
    SF_M_SUM_OPEN_HS,       /* SYN frame, SYN+ACK frame, ACK frame, iRTT */
    SF_M_SUM_OPEN_HS_RETRY, /* count of SYN retransmissions */
    SF_M_SUM_OPEN_SIMUL,
    SF_M_SUM_OPEN_REFUSED,  /* frame of the RST */
    SF_M_SUM_OPEN_UNANSWERED, /* number of SYNs */
    SF_M_SUM_OPEN_SYNACK_ONLY,
    SF_M_SUM_OPEN_MIDSTREAM,
    SF_M_SUM_OPEN_INCOMPLETE,
    SF_M_SUM_TIME_WAIT_BOTH,
    SF_M_SUM_DATA,          /* c2s pkts, c2s bytes, s2c pkts, s2c bytes */
    SF_M_SUM_HTTP,          /* requests, method, uri, status */
    SF_M_SUM_HTTP_NOSTATUS, /* requests, method, uri */
    SF_M_SUM_TLS,           /* version */
    SF_M_SUM_TLS_NOVER,
    SF_M_SUM_SNI,           /* server name */
    SF_M_SUM_ALERT,         /* Side, alert name, level, gloss */
    SF_M_SUM_CLOSE_4WAY,    /* closer, other */
    SF_M_SUM_CLOSE_3WAY,    /* closer, other */
    SF_M_SUM_CLOSE_DATA,    /* closer, frame */
    SF_M_SUM_CLOSE_SIMUL,
    SF_M_SUM_CLOSE_HALF,    /* closer, other, bytes after the first FIN */
    SF_M_SUM_CLOSE_HALF_NOBYTES, /* closer, other */
    SF_M_SUM_CLOSE_RST,     /* Side, frame */
    SF_M_SUM_CLOSE_RST_AFTER_FIN, /* closer, frame, other, frame */
    SF_M_SUM_CLOSE_OPEN,
    SF_M_SUM_CLOSE_HALF_OPEN, /* side that sent a FIN */
    SF_M_SUM_CLOSE_SEQ,     /* list "FIN (frame 8); FIN+ACK (frame 9); ACK (frame 10)" */
    SF_M_SUM_CLOSE_ITEM,    /* what, frame */
    SF_M_SUM_SEP,           /* list separator "; " */
    SF_M_SUM_TIME_WAIT,     /* side, other, other's final state */
    SF_M_SUM_FINAL,         /* client state, server state */
    SF_M_SUM_DURATION,      /* duration */
    SF_M_SUM_RTT,           /* min, avg, max, samples */
    SF_M_SUM_AN,            /* list "retransmission x3, ..." */
    SF_M_SUM_AN_NONE,
    SF_M_SUM_RETRANS_BYTES, /* client bytes, server bytes */
    SF_M_SUM_ELIDED,        /* packets not shown */
    SF_M_SUM_RETRY,         /* client ip, server endpoint, prev conn id, reason, delay, new port */
    SF_M_SUM_RETRY_OK,      /* how */
    SF_M_SUM_RETRY_FAIL,
    SF_M_REASON_ALERT,      /* alert name */
    SF_M_REASON_RST,
    SF_M_REASON_REFUSED,
    SF_M_REASON_UNANSWERED,
    SF_M_HOW_TLS,
    SF_M_HOW_HTTP,          /* status */
    SF_M_HOW_TCP,
    /* alert glosses */
    SF_M_ALERT_CLOSE_NOTIFY, SF_M_ALERT_UNKNOWN_CA, SF_M_ALERT_BAD_CERTIFICATE,
    SF_M_ALERT_CERTIFICATE_UNKNOWN, SF_M_ALERT_CERTIFICATE_EXPIRED,
    SF_M_ALERT_HANDSHAKE_FAILURE, SF_M_ALERT_PROTOCOL_VERSION, SF_M_ALERT_OTHER,
    /* counted nouns: singular then plural, one arg (the number) */
    SF_M_N_PACKET, SF_M_N_PACKETS, SF_M_N_BYTE, SF_M_N_BYTES, SF_M_N_REQUEST, SF_M_N_REQUESTS,
    SF_M_N_TIME, SF_M_N_TIMES, SF_M_N_SAMPLE, SF_M_N_SAMPLES,
    SF_M_FATAL, SF_M_WARNING,
    SF_M__COUNT
} sf_msg;

extern const char *const sf_msg_en[SF_M__COUNT];
extern const char *const sf_msg_zh[SF_M__COUNT];

/* The table for a language ("zh" -> Chinese, anything else English). */
const char *const *sf_msgs(const char *lang);

#endif

/* \summary: Zeek's conn.log conn_state and history, reproduced from Zeek's TCP endpoint state machine */
#include <string.h>
#include "fast.h"

/*
 * Follows Zeek's TCPSessionAdapter::Process / UpdateStateMachine and
 * base/protocols/conn/main.zeek's conn_state(). Zeek chooses its own
 * originator: the sender of the first packet, flipped when that packet is
 * not a pure SYN and its source port looks like a server port ('^' in the
 * history). Approximations (docs/compat.md): checksums are not verified
 * (as `zeek -C`), content gaps ('G') are judged from ACKs beyond the data
 * seen, and the list of likely server ports is a fixed table.
 */

/* Z_* endpoint states, H_* history-once bits, X_* scaled events: fast.h */

/* Ports Zeek's analyzers register (likely_server_ports), TCP only; in
 * ascending order (the search stops at the first one not below the port). */
static const uint16_t likely_server[] = {
    21, 22, 25, 53, 80, 81, 88, 110, 135, 139, 143, 389, 443, 445, 502, 563, 585, 587,
    614, 631, 636, 989, 990, 992, 993, 995, 1080, 2811, 3128, 3268, 3306, 3389, 5222,
    5223, 5269, 5900, 6666, 6667, 6668, 6669, 8000, 8080, 8888, 20000
};

static int likely_server_port(uint16_t port)
{
    const size_t n = sizeof likely_server / sizeof likely_server[0];
    if (port > likely_server[n - 1])  /* ephemeral ports, the usual client side */
        return 0;
    for (size_t i = 0;; i++)
        if (likely_server[i] >= port)
            return likely_server[i] == port;
}

static void add_hist(sf_rec *r, char c)
{
    if (r->z.hlen < SF_ZEEK_HMAX) {
        r->z.hist[r->z.hlen++] = c;
        r->z.hist[r->z.hlen] = 0;
    }
}

int sf_zeek_hist_once(sf_rec *r, int orig, uint32_t mask, char code)
{
    if (!orig) {
        mask <<= 16;
        code = (char)(code - 'A' + 'a');
    }
    if (!(r->z.seen & mask)) {
        r->z.seen |= mask;
        add_hist(r, code);
        return 0;
    }
    return 1;
}

void sf_zeek_hist_scaled(sf_rec *r, int orig, int which, char code)
{
    sf_zep *e = &r->z.ep[orig ? 0 : 1];
    uint32_t thr = 1;
    for (uint8_t i = 0; i < e->exp[which]; i++)
        thr *= 10;
    if (++e->cnt[which] == thr) {
        add_hist(r, orig ? code : (char)(code - 'A' + 'a'));
        if (e->exp[which] < 9)
            e->exp[which]++;
        else
            e->cnt[which] = 0;
    }
}

static void set_state(sf_zep *e, uint8_t s)
{
    if (s != e->state) {
        e->prev_state = e->state;
        e->state = s;
    }
}

void sf_zeek_init(sf_rec *r, int d, const sf_pkt *p)
{
    memset(&r->z, 0, sizeof r->z);
    r->z.orig_dir = (uint8_t)d;
    const uint16_t f = p->flags;
    if (!(f & SF_TH_SYN) || (f & SF_TH_ACK)) {
        int flip = 0;
        if (likely_server_port(p->sport)) {
            if (likely_server_port(p->dport))
                flip = !(f & SF_TH_SYN) && p->sport < p->dport;
            else
                flip = 1;
        }
        if (flip) {
            r->z.orig_dir = (uint8_t)!d;
            add_hist(r, '^');
        }
    }
}

static void flip_roles(sf_rec *r)
{
    sf_zep t = r->z.ep[0];
    r->z.ep[0] = r->z.ep[1];
    r->z.ep[1] = t;
    r->z.orig_dir = (uint8_t)!r->z.orig_dir;
    add_hist(r, '^');
}

void sf_zeek_packet(sf_rec *restrict r, int d, const sf_pkt *restrict p, uint32_t len)
{
    int orig = d == r->z.orig_dir;
    sf_zep *E = &r->z.ep[orig ? 0 : 1], *P = &r->z.ep[orig ? 1 : 0];
    const uint16_t f = p->flags;
    const int syn = (f & SF_TH_SYN) != 0, ack = (f & SF_TH_ACK) != 0;
    const int fin = (f & SF_TH_FIN) != 0, rst = (f & SF_TH_RST) != 0;
    const uint32_t seq = p->seq;

    uint32_t seg_len = len + (uint32_t)syn + (uint32_t)fin;
    if (rst)
        seg_len -= len;
    const uint32_t seq_one_past = seq + seg_len;
    uint32_t last_seq = seq_one_past;    /* init_endpoint's own copy */

    /* init_endpoint */
    switch (E->state) {
    case Z_INACTIVE:
        if (syn) {
            E->start = E->ackseq = seq;
        } else {
            E->start = E->ackseq = seq - 1;
            last_seq = seq;
        }
        E->last = last_seq;
        E->gap_to = E->last;
        break;
    case Z_SYN_SENT:
    case Z_SYN_ACK_SENT:
        if (syn && seq != E->start) {
            E->start = E->ackseq = seq;
            E->last = E->gap_to = last_seq;
        }
        break;
    case Z_ESTABLISHED:
    case Z_PARTIAL:
        if (syn) {
            E->start = E->ackseq = seq;
            E->last = E->gap_to = last_seq;
        }
        break;
    case Z_RESET:
        if (syn && E->prev_state == Z_INACTIVE) {
            E->start = E->ackseq = seq;
            E->last = E->gap_to = last_seq;
        }
        break;
    default:
        break;
    }
    const uint32_t rel_seq = seq - E->start;

    /* update_history */
    int bits = syn + fin + rst;
    if (bits > 1) {
        if (fin && rst)
            sf_zeek_hist_once(r, orig, H_FIN_RST, 'I');
        else
            sf_zeek_hist_once(r, orig, H_MULTI, 'Q');
    } else if (bits == 1) {
        if (syn) {
            char code = ack ? 'H' : 'S';
            if (sf_zeek_hist_once(r, orig, H_SYN, code) && rel_seq != E->last_syn)
                add_hist(r, orig ? code : (char)(code - 'A' + 'a'));
            E->last_syn = rel_seq;
        }
        if (fin) {
            if (sf_zeek_hist_once(r, orig, H_FIN, 'F') && rel_seq + len != E->last_fin)
                add_hist(r, orig ? 'F' : 'f');
            E->last_fin = rel_seq + len;
        }
        if (rst) {
            if (sf_zeek_hist_once(r, orig, H_RST, 'R') && rel_seq != E->last_rst)
                add_hist(r, orig ? 'R' : 'r');
            E->last_rst = rel_seq;
        }
    } else if (len) {
        sf_zeek_hist_once(r, orig, H_DATA, 'D');
    } else if (ack) {
        sf_zeek_hist_once(r, orig, H_ACK, 'A');
    }

    /* update_window: a zero window, unless boring */
    if (p->win == 0 && !rst && P->state != Z_CLOSED && E->state != Z_RESET)
        sf_zeek_hist_scaled(r, orig, X_WIN0, 'W');

    if (fin && E->fin_cnt < 255)
        E->fin_cnt++;

    if (ack) {
        if (P->state == Z_INACTIVE) {
            P->start = P->ackseq = P->last = P->gap_to = p->ack - 1;   /* init_peer */
        } else if (!rst && SF_SEQ_GT(p->ack, P->ackseq) &&
                   !(p->ack == 0 && (int32_t)(p->ack - P->ackseq) > 1048576)) {
            P->ackseq = p->ack;
        }
    }

    /* update_last_seq */
    last_seq = seq_one_past;
    int32_t delta = (int32_t)(last_seq - E->last);
    if ((syn || rst) && (delta > 1048576 || delta < -1048576))
        ;
    else if (fin && E->last == E->start + 1)
        E->last = last_seq;
    else if (E->state == Z_RESET)
        ;
    else if (delta > 0)
        E->last = last_seq;
    else if (len > 0)
        sf_zeek_hist_scaled(r, orig, X_RXMIT, 'T');
    if (SF_SEQ_GT(E->last, E->gap_to))
        E->gap_to = E->last;

    /* UpdateStateMachine */
    switch (E->state) {
    case Z_INACTIVE:
        if (syn) {
            if (orig) {
                set_state(E, ack ? Z_SYN_ACK_SENT : Z_SYN_SENT);
            } else {
                if (!ack && P->state == Z_SYN_ACK_SENT && seq == E->start) {
                    /* SYN / SYN-ACK reversal: the responder is the real originator */
                    set_state(P, Z_ESTABLISHED);
                    flip_roles(r);      /* the sender moves to ep[0] */
                    E = &r->z.ep[0];
                    P = &r->z.ep[1];
                    orig = 1;
                }
                if (P->state == Z_SYN_SENT)
                    set_state(P, Z_ESTABLISHED);
                set_state(E, Z_ESTABLISHED);
            }
        }
        if (fin)
            set_state(E, Z_CLOSED);
        if (rst)
            set_state(E, Z_RESET);
        if (E->state == Z_INACTIVE) {
            if (!orig && len == 0 && r->z.ep[0].state == Z_SYN_SENT)
                ;
            else if (ack && P->state == Z_ESTABLISHED)
                set_state(E, Z_ESTABLISHED);
            else
                set_state(E, Z_PARTIAL);
        }
        break;
    case Z_SYN_SENT:
    case Z_SYN_ACK_SENT:
        if (fin)
            set_state(E, Z_CLOSED);
        if (rst)
            set_state(E, Z_RESET);
        break;
    case Z_ESTABLISHED:
    case Z_PARTIAL:
        if (syn && E->state == Z_PARTIAL && P->state == Z_INACTIVE && !ack)
            set_state(E, Z_SYN_SENT);
        if (fin && !rst) {
            set_state(E, Z_CLOSED);
            if (P->state == Z_RESET && P->prev_state == Z_CLOSED)
                set_state(P, Z_CLOSED);
        }
        if (rst)
            set_state(E, Z_RESET);
        break;
    case Z_CLOSED:
        if (rst && P->state != Z_CLOSED)
            set_state(E, Z_RESET);
        break;
    default:
        break;
    }

    /* AckReceived: an ACK beyond everything the peer was seen to send is a
     * content gap in the peer's stream (not judged on FIN/RST packets) */
    if (ack && !fin && !rst && E->state == Z_ESTABLISHED && P->state == Z_ESTABLISHED &&
        SF_SEQ_GT(p->ack, P->gap_to)) {
        P->gap_to = p->ack;
        sf_zeek_hist_scaled(r, !orig, X_GAP, 'G');
    }
}

/* Zeek's TCP_Endpoint::Size(), without the wrap bookkeeping. */
static uint32_t ep_size(const sf_zep *e)
{
    if (e->state == Z_INACTIVE)
        return 0;
    uint32_t a = e->last - e->start, b = e->ackseq - e->start;
    uint32_t size = (int32_t)a > (int32_t)b ? a : b;
    if ((int32_t)size < 0)
        size = 0;
    if (size != 0)
        size--;
    if (e->fin_cnt > 0 && size != 0)
        size--;
    return size;
}

/* main.zeek: /\^?S[^HAFGIQ]*R.*\/ == history */
static int hist_rstos0(const char *h)
{
    if (*h == '^')
        h++;
    if (*h++ != 'S')
        return 0;
    for (; *h; h++) {
        if (*h == 'R')
            return 1;
        if (strchr("HAFGIQ", *h))
            return 0;
    }
    return 0;
}

/* conn_state names, NUL-padded to the size of sf_conn.zeek_state */
enum { ZS_REJ, ZS_RSTRH, ZS_RSTR, ZS_RSTOS0, ZS_OTH, ZS_RSTO, ZS_SF, ZS_SH, ZS_S2, ZS_SHR, ZS_S3, ZS_S0, ZS_S1 };
static const char zs[][8] = { "REJ", "RSTRH", "RSTR", "RSTOS0", "OTH", "RSTO", "SF", "SH", "S2",
                              "SHR", "S3", "S0", "S1" };

void sf_zeek_finish(const sf_rec *r, sf_conn *c)
{
    _Static_assert(sizeof r->z.hist == sizeof c->zeek_history, "zeek_history holds the letters");
    memcpy(c->zeek_history, r->z.hist, sizeof c->zeek_history);
    const sf_zep *o = &r->z.ep[0], *s = &r->z.ep[1];
    const uint8_t os = o->state, rs = s->state;
    const int o_inactive = os == Z_INACTIVE || os == Z_PARTIAL;
    const int r_inactive = rs == Z_INACTIVE || rs == Z_PARTIAL;
    const char *st;

    if (rs == Z_RESET) {
        if (os == Z_SYN_SENT || os == Z_SYN_ACK_SENT ||
            (os == Z_RESET && ep_size(o) == 0 && ep_size(s) == 0))
            st = zs[ZS_REJ];
        else if (o_inactive)
            st = zs[ZS_RSTRH];
        else
            st = zs[ZS_RSTR];
    } else if (os == Z_RESET) {
        if (r_inactive)
            st = hist_rstos0(c->zeek_history) ? zs[ZS_RSTOS0] : zs[ZS_OTH];
        else
            st = zs[ZS_RSTO];
    } else if (rs == Z_CLOSED && os == Z_CLOSED) {
        st = zs[ZS_SF];
    } else if (os == Z_CLOSED) {
        st = r_inactive ? zs[ZS_SH] : zs[ZS_S2];
    } else if (rs == Z_CLOSED) {
        st = o_inactive ? zs[ZS_SHR] : zs[ZS_S3];
    } else if (os == Z_SYN_SENT && rs == Z_INACTIVE) {
        st = zs[ZS_S0];
    } else if (os == Z_ESTABLISHED && rs == Z_ESTABLISHED) {
        st = zs[ZS_S1];
    } else {
        st = zs[ZS_OTH];
    }
    _Static_assert(sizeof zs[0] == sizeof c->zeek_state, "conn_state names fit");
    memcpy(c->zeek_state, st, sizeof c->zeek_state);
}

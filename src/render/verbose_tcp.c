/* \summary: verbose view: the TCP field tree (Wireshark-like), checksum check, options, SEQ/ACK analysis */
#include <stdio.h>
#include <string.h>
#include "verbose_int.h"
#include "../util/cursor.h"

static uint32_t sum16(const uint8_t *d, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2) s += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1) s += (uint32_t)d[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

int sf_v_tcp_cksum(const sf_pkt *p, uint16_t *calc, uint16_t *partial)
{
    if (!p->l2 || !p->l4 || p->seg_len < 20 || p->l4_caplen < p->seg_len) return -1;
    uint32_t ps = 0;
    int alen = p->ipver == 6 ? 16 : 4;
    ps = sum16(p->src, (size_t)alen, ps);
    ps = sum16(p->dst, (size_t)alen, ps);
    ps += 6;
    ps += p->seg_len & 0xffff;
    ps += p->seg_len >> 16;
    *partial = fold(ps);
    /* the segment with its checksum field taken as zero */
    uint32_t s = sum16(p->l4, 16, ps);
    s = sum16(p->l4 + 18, p->seg_len - 18, s);
    *calc = (uint16_t)~fold(s);
    return 0;
}

static const char *flag_names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE" };

static void flag_bit(sf_vbuf *b, uint16_t f, int bit, const char *name)
{
    char pat[16];
    /* 12 bits shown as "... . .... ...." groups of 3/4/4 as Wireshark does */
    int pos = 0;
    for (int i = 11; i >= 0; i--) {
        pat[pos++] = i == bit ? ((f >> bit) & 1 ? '1' : '0') : '.';
        if (i == 8 || i == 4) pat[pos++] = ' ';
    }
    pat[pos] = '\0';
    sf_vb_line(b, 2, "%s = %s: %s", pat, name, (f >> bit) & 1 ? "Set" : "Not set");
}

static void options(sf_vbuf *b, const sf_pkt *p, const sf_pinfo *pi)
{
    if (!p->opt || !p->opt_len) return;
    /* header line: the list of option names */
    char list[512];
    size_t at = (size_t)snprintf(list, sizeof list, "Options: (%u bytes)", p->opt_len);
    for (int pass = 0; pass < 2; pass++) {
        sf_cur c = sf_cur_make(p->opt, p->opt_len);
        int nsack = 0;
        while (sf_cur_left(&c)) {
            uint8_t kind = sf_get_u8(&c);
            const char *nm = NULL;
            uint8_t len = 1;
            if (kind > 1) {
                len = sf_get_u8(&c);
                if (!sf_cur_ok(&c) || len < 2) {
                    if (pass) sf_vb_line(b, 2, "[Option kind %u: length %u, malformed or cut short]", kind, len);
                    break;
                }
            }
            sf_cur body = sf_cur_make(c.p, 0);
            if (kind > 1) {
                int sh = 0;
                body = sf_cur_sub(&c, (size_t)len - 2, &sh);
                if (sh) {
                    if (pass) sf_vb_line(b, 2, "[Option kind %u cut short by the snapshot length]", kind);
                    break;
                }
            }
            switch (kind) {
            case 0:
                nm = "End of Option List (EOL)";
                if (pass) { sf_vb_line(b, 2, "TCP Option - End of Option List (EOL)"); sf_vb_line(b, 3, "Kind: End of Option List (0)"); }
                break;
            case 1:
                nm = "No-Operation (NOP)";
                if (pass) { sf_vb_line(b, 2, "TCP Option - No-Operation (NOP)"); sf_vb_line(b, 3, "Kind: No-Operation (1)"); }
                break;
            case 2: {
                nm = "Maximum segment size";
                uint16_t mss = sf_get_be16(&body);
                if (pass) {
                    sf_vb_line(b, 2, "TCP Option - Maximum segment size: %u bytes", mss);
                    sf_vb_line(b, 3, "Kind: Maximum Segment Size (2)");
                    sf_vb_line(b, 3, "Length: %u", len);
                    sf_vb_line(b, 3, "MSS Value: %u", mss);
                }
                break;
            }
            case 3: {
                nm = "Window scale";
                uint8_t sh = sf_get_u8(&body);
                if (pass) {
                    sf_vb_line(b, 2, "TCP Option - Window scale: %u (multiply by %lu)", sh, sh < 31 ? 1UL << sh : 0UL);
                    sf_vb_line(b, 3, "Kind: Window Scale (3)");
                    sf_vb_line(b, 3, "Length: %u", len);
                    sf_vb_line(b, 3, "Shift count: %u", sh);
                    sf_vb_line(b, 3, "[Multiplier: %lu]", sh < 31 ? 1UL << sh : 0UL);
                }
                break;
            }
            case 4:
                nm = "SACK permitted";
                if (pass) {
                    sf_vb_line(b, 2, "TCP Option - SACK permitted");
                    sf_vb_line(b, 3, "Kind: SACK Permitted (4)");
                    sf_vb_line(b, 3, "Length: %u", len);
                }
                break;
            case 5:
                nm = "SACK";
                if (pass) {
                    char edges[256];
                    size_t e = 0;
                    edges[0] = '\0';
                    sf_cur s2 = body;
                    int k = 0;
                    while (sf_cur_left(&s2) >= 8 && e < sizeof edges) {
                        uint32_t l = sf_get_be32(&s2), r = sf_get_be32(&s2);
                        int rel = pi && pi->rel_valid && nsack + k < SF_MAX_SACK;
                        if (rel) { l = pi->rel_sack[nsack + k][0]; r = pi->rel_sack[nsack + k][1]; }
                        e += (size_t)snprintf(edges + e, sizeof edges - e, " %u-%u", l, r);
                        k++;
                    }
                    sf_vb_line(b, 2, "TCP Option - SACK%s", edges);
                    sf_vb_line(b, 3, "Kind: SACK (5)");
                    sf_vb_line(b, 3, "Length: %u", len);
                    s2 = body;
                    for (int j = 0; sf_cur_left(&s2) >= 8; j++) {
                        uint32_t l = sf_get_be32(&s2), r = sf_get_be32(&s2);
                        if (pi && pi->rel_valid && j < SF_MAX_SACK) {
                            sf_vb_line(b, 3, "left edge = %u (relative)", pi->rel_sack[j][0]);
                            sf_vb_line(b, 3, "right edge = %u (relative)", pi->rel_sack[j][1]);
                        }
                        sf_vb_line(b, 3, "left edge (raw) = %u, right edge (raw) = %u", l, r);
                    }
                    nsack += k;
                }
                break;
            case 8: {
                nm = "Timestamps";
                uint32_t v = sf_get_be32(&body), e = sf_get_be32(&body);
                if (pass) {
                    sf_vb_line(b, 2, "TCP Option - Timestamps: TSval %u, TSecr %u", v, e);
                    sf_vb_line(b, 3, "Kind: Time Stamp Option (8)");
                    sf_vb_line(b, 3, "Length: %u", len);
                    sf_vb_line(b, 3, "Timestamp value: %u", v);
                    sf_vb_line(b, 3, "Timestamp echo reply: %u", e);
                }
                break;
            }
            case 19: nm = "TCP MD5 signature"; goto generic;
            case 28: nm = "User Timeout"; goto generic;
            case 29: nm = "TCP-AO"; goto generic;
            case 30: nm = "Multipath TCP"; goto generic;
            case 34: nm = "TCP Fast Open Cookie"; goto generic;
            default:
                nm = "Unknown";
            generic:
                if (pass) {
                    sf_vb_line(b, 2, "TCP Option - %s", nm);
                    sf_vb_line(b, 3, "Kind: %s (%u)", nm, kind);
                    sf_vb_line(b, 3, "Length: %u", len);
                }
                break;
            }
            if (!pass && at < sizeof list) at += (size_t)snprintf(list + at, sizeof list - at, ", %s", nm);
        }
        if (!pass) sf_vb_line(b, 1, "%s", list);
    }
    if (p->trunc_opt) sf_vb_line(b, 2, "[Options cut short by the snapshot length]");
}

static const char *an_text(unsigned bit)
{
    switch (1u << bit) {
    case SF_AN_RETRANSMISSION: return "This frame is a (suspected) retransmission";
    case SF_AN_FAST_RETRANSMISSION: return "This frame is a (suspected) fast retransmission";
    case SF_AN_SPURIOUS_RETRANSMISSION: return "This frame is a (suspected) spurious retransmission";
    case SF_AN_OUT_OF_ORDER: return "This frame is a (suspected) out-of-order segment";
    case SF_AN_LOST_SEGMENT: return "Previous segment(s) not captured (common at capture start)";
    case SF_AN_ACK_LOST_SEGMENT: return "ACKed segment that wasn't captured (common at capture start)";
    case SF_AN_DUPLICATE_ACK: return "Duplicate ACK";
    case SF_AN_ZERO_WINDOW: return "TCP Zero Window segment";
    case SF_AN_ZERO_WINDOW_PROBE: return "TCP Zero Window Probe";
    case SF_AN_ZERO_WINDOW_PROBE_ACK: return "TCP Zero Window Probe ACK";
    case SF_AN_WINDOW_UPDATE: return "TCP Window Update";
    case SF_AN_WINDOW_FULL: return "TCP Window Full";
    case SF_AN_KEEP_ALIVE: return "TCP Keep-Alive";
    case SF_AN_KEEP_ALIVE_ACK: return "TCP Keep-Alive ACK";
    case SF_AN_REUSED_PORTS: return "TCP Port numbers reused";
    default: return "?";
    }
}

static void seqack(sf_vbuf *b, const sf_pkt *p, const sf_pinfo *pi, size_t *irtt_at)
{
    char x[40];
    if (irtt_at) *irtt_at = SIZE_MAX;
    if (!(pi->acks_frame || p->len || pi->analysis)) return;
    sf_vb_line(b, 1, "[SEQ/ACK analysis]");
    if (pi->acks_frame) {
        sf_vb_line(b, 2, "[This is an ACK to the segment in frame: %llu]", (unsigned long long)pi->acks_frame);
        if (pi->ack_rtt_ns >= 0) {
            sf_v_secs(x, sizeof x, pi->ack_rtt_ns);
            sf_vb_line(b, 2, "[The RTT to ACK the segment was: %s seconds]", x);
        }
    }
    if (pi->irtt_ns >= 0) {
        sf_v_secs(x, sizeof x, pi->irtt_ns);
        sf_vb_line(b, 2, "[iRTT: %s seconds]", x);
    } else if (irtt_at && (pi->role & (SF_ROLE_SYN | SF_ROLE_SYN_ACK))) {
        *irtt_at = b->len; /* filled in once the handshake's ACK is seen */
    }
    if (pi->analysis) {
        sf_vb_line(b, 2, "[TCP Analysis Flags]");
        for (unsigned k = 0; k < SF_AN__COUNT; k++) {
            if (!(pi->analysis & (1u << k))) continue;
            if ((1u << k) == SF_AN_DUPLICATE_ACK) {
                sf_vb_line(b, 3, "[This is a TCP duplicate ack] (duplicate_ack)");
                sf_vb_line(b, 3, "[Duplicate ACK #: %u]", pi->dup_ack_num);
                sf_vb_line(b, 3, "[Duplicate to the ACK in frame: %llu]", (unsigned long long)pi->dup_ack_frame);
            } else {
                sf_vb_line(b, 3, "[%s] (%s)", an_text(k), sf_an_name(k));
            }
        }
    }
}

void sf_v_tcp(sf_vbuf *b, const sf_pkt *p, const sf_pinfo *pi,
              int64_t conn_first_ns, int64_t conn_prev_ns, size_t *irtt_at)
{
    if (irtt_at) *irtt_at = SIZE_MAX;
    int rel = pi && pi->rel_valid;
    uint16_t f = p->flags, win = p->win, ck = p->cksum, urp = p->urp, hlen = p->hlen;
    uint32_t seq = p->seq, ack = p->ack;
    uint16_t sport = p->sport, dport = p->dport;
    if (p->l2 && p->l4 && !p->trunc_hdr) { /* capture input: read the header bytes themselves */
        sf_cur cu = sf_cur_make(p->l4, p->l4_caplen);
        sport = sf_get_be16(&cu);
        dport = sf_get_be16(&cu);
        seq = sf_get_be32(&cu);
        ack = sf_get_be32(&cu);
        uint16_t off = sf_get_be16(&cu);
        win = sf_get_be16(&cu);
        ck = sf_get_be16(&cu);
        urp = sf_get_be16(&cu);
        if (sf_cur_ok(&cu)) { hlen = (uint16_t)((off >> 12) * 4); f = off & 0x0fff; }
        else { seq = p->seq; ack = p->ack; sport = p->sport; dport = p->dport; win = p->win; ck = p->cksum; urp = p->urp; }
    }
    uint32_t shown_seq = rel ? pi->rel_seq : seq, shown_ack = rel ? pi->rel_ack : ack;
    if (f & SF_TH_ACK)
        sf_vb_line(b, 0, "Transmission Control Protocol, Src Port: %u, Dst Port: %u, Seq: %u, Ack: %u, Len: %u",
                   sport, dport, shown_seq, shown_ack, p->len);
    else
        sf_vb_line(b, 0, "Transmission Control Protocol, Src Port: %u, Dst Port: %u, Seq: %u, Len: %u",
                   sport, dport, shown_seq, p->len);
    sf_vb_line(b, 1, "Source Port: %u", sport);
    sf_vb_line(b, 1, "Destination Port: %u", dport);
    if (pi) {
        sf_vb_line(b, 1, "[Stream index: %llu]", (unsigned long long)pi->conn);
        static const char cf[] = "RFDASS";
        char fl[8];
        for (int i = 0; i < 6; i++) fl[i] = (pi->completeness >> (5 - i)) & 1 ? cf[i] : '-';
        fl[6] = '\0';
        sf_vb_line(b, 1, "[Conversation completeness so far: %u (%s)]", pi->completeness, fl);
    }
    sf_vb_line(b, 1, "[TCP Segment Len: %u]", p->len);
    if (rel) {
        sf_vb_line(b, 1, "Sequence Number: %u    (relative sequence number)", pi->rel_seq);
        sf_vb_line(b, 1, "Sequence Number (raw): %u", seq);
        sf_vb_line(b, 1, "[Next Sequence Number: %u    (relative sequence number)]", pi->nxtseq);
    } else {
        sf_vb_line(b, 1, "Sequence Number: %u", seq);
        if (pi) sf_vb_line(b, 1, "[Next Sequence Number: %u]", pi->nxtseq);
    }
    if (f & SF_TH_ACK) {
        if (rel) sf_vb_line(b, 1, "Acknowledgment Number: %u    (relative ack number)", pi->rel_ack);
        else sf_vb_line(b, 1, "Acknowledgment Number: %u", ack);
        sf_vb_line(b, 1, "Acknowledgment number (raw): %u", ack);
    } else {
        sf_vb_line(b, 1, "Acknowledgment Number: 0");
        sf_vb_line(b, 1, "Acknowledgment number (raw): %u", ack);
    }
    unsigned off = hlen / 4u;
    sf_vb_line(b, 1, "%u%u%u%u .... = Header Length: %u bytes (%u)%s", (off >> 3) & 1, (off >> 2) & 1, (off >> 1) & 1,
               off & 1, hlen, off, p->bad_hlen ? " [bad header length]" : "");
    char names[64] = "";
    size_t at = 0;
    for (int i = 0; i <= 8; i++) /* Wireshark lists them low bit first: "SYN, ACK" */
        if (f & (1u << i)) at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", at ? ", " : "", flag_names[i]);
    sf_vb_line(b, 1, "Flags: 0x%03x (%s)", f, at ? names : "<None>");
    char resv[16];
    snprintf(resv, sizeof resv, "%u%u%u. .... ....", (f >> 11) & 1, (f >> 10) & 1, (f >> 9) & 1);
    sf_vb_line(b, 2, "%s = Reserved: %s", resv, (f & 0xe00) ? "Set" : "Not set");
    flag_bit(b, f, 8, "Accurate ECN");
    flag_bit(b, f, 7, "Congestion Window Reduced");
    flag_bit(b, f, 6, "ECN-Echo");
    flag_bit(b, f, 5, "Urgent");
    flag_bit(b, f, 4, "Acknowledgment");
    flag_bit(b, f, 3, "Push");
    flag_bit(b, f, 2, "Reset");
    flag_bit(b, f, 1, "Syn");
    flag_bit(b, f, 0, "Fin");
    {
        static const char letters[] = "RRRACEUAPRSF"; /* bits 11..0 */
        char s[64];
        size_t k = 0;
        for (int i = 11; i >= 0; i--) {
            if (f & (1u << i)) s[k++] = letters[11 - i];
            else { memcpy(s + k, "·", 2); k += 2; }
        }
        s[k] = '\0';
        sf_vb_line(b, 2, "[TCP Flags: %s]", s);
    }
    sf_vb_line(b, 1, "Window: %u", win);
    if (pi) {
        if (f & SF_TH_SYN) {
            sf_vb_line(b, 1, "[Calculated window size: %u]", win);
        } else {
            sf_vb_line(b, 1, "[Calculated window size: %u]", pi->calc_window);
            if (pi->win_scale >= 0) sf_vb_line(b, 1, "[Window size scaling factor: %lu]", 1UL << pi->win_scale);
            else if (pi->win_scale == -1) sf_vb_line(b, 1, "[Window size scaling factor: -1 (unknown)]");
            else sf_vb_line(b, 1, "[Window size scaling factor: -2 (no window scaling used)]");
        }
    }
    uint16_t calc, partial;
    if (!p->l2) {
        sf_vb_line(b, 1, "[Checksum: not in the text input]");
    } else if (sf_v_tcp_cksum(p, &calc, &partial) < 0) {
        sf_vb_line(b, 1, "Checksum: 0x%04x [unverified]", ck);
        sf_vb_line(b, 1, "[Checksum Status: Unverified (segment not fully captured)]");
    } else if (calc == ck) {
        sf_vb_line(b, 1, "Checksum: 0x%04x [correct]", ck);
        sf_vb_line(b, 1, "[Calculated Checksum: 0x%04x]", calc);
        sf_vb_line(b, 1, "[Checksum Status: Good]");
    } else if (ck == partial || (unsigned)ck + (unsigned)partial == 0xffffu) { /* folded sum, or its complement */
        sf_vb_line(b, 1, "Checksum: 0x%04x [partial: pseudo-header sum only]", ck);
        sf_vb_line(b, 1, "[Calculated Checksum: 0x%04x]", calc);
        sf_vb_line(b, 1, "[Checksum Status: Offloaded (the field holds only the pseudo-header sum: the sender "
                   "leaves the checksum to the network card, and the capture saw the packet before that; not an error)]");
    } else {
        sf_vb_line(b, 1, "Checksum: 0x%04x incorrect, should be 0x%04x", ck, calc);
        sf_vb_line(b, 1, "[Calculated Checksum: 0x%04x]", calc);
        sf_vb_line(b, 1, "[Checksum Status: Bad]");
    }
    sf_vb_line(b, 1, "Urgent Pointer: %u", urp);
    options(b, p, pi);
    if (pi && conn_first_ns >= 0 && !p->ts_missing) {
        char x[40];
        int64_t t = p->ts.sec * 1000000000LL + p->ts.nsec;
        sf_vb_line(b, 1, "[Timestamps]");
        sf_v_secs(x, sizeof x, t - conn_first_ns);
        sf_vb_line(b, 2, "[Time since first frame in this TCP stream: %s seconds]", x);
        sf_v_secs(x, sizeof x, conn_prev_ns >= 0 ? t - conn_prev_ns : 0);
        sf_vb_line(b, 2, "[Time since previous frame in this TCP stream: %s seconds]", x);
    }
    if (pi) {
        seqack(b, p, pi, irtt_at);
        /* what synfin's engine concluded (not in Wireshark) */
        char role[64];
        sf_role_str(pi->role, role, sizeof role);
        sf_vb_line(b, 1, "[synfin: role %s%s%s, client %s, server %s, ack check %s]", role,
                   pi->hs_step ? ", handshake step " : "", pi->hs_step ? (pi->hs_step == 1 ? "1/3" : pi->hs_step == 2 ? "2/3" : "3/3") : "",
                   sf_state_name(pi->client_state), sf_state_name(pi->server_state), sf_ack_check_name(pi->ack_check));
    }
    if (p->len) {
        if (p->payload_caplen < p->len)
            sf_vb_line(b, 1, "TCP payload (%u bytes, %u captured)", p->len, p->payload_caplen);
        else
            sf_vb_line(b, 1, "TCP payload (%u bytes)", p->len);
    }
}

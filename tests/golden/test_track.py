# \summary: connection engine vs tshark (tcp.stream, seq/ack/len, iRTT, completeness), Zeek, the lab manifest and the seeds
"""
For every capture with a *.tshark.tsv oracle (seeds, lab, zeek, tcpdump/tcp) runs
`synfin json` and compares, frame by frame:
    conn = tcp.stream, rel_seq = tcp.seq, rel_ack = tcp.ack, len = tcp.len,
    nxtseq = tcp.nxtseq, irtt = tcp.analysis.initial_rtt (to the microsecond),
    completeness = tcp.completeness.
Differences that are understood are listed in tests/golden/track_known_diffs.txt
(capture, field, frames, reason; explained in docs/compat.md); anything else fails.
Then: Zeek's conn_state/history (zeek/oracle/*.zeek-conn.log), every connection of
lab/manifest.json (open, close, active closer, events), and the seeds' facts.
Prints agreement counts per field; the last line is "N passed, N failed".
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GROUPS = ("seeds", "lab", "zeek", "tcpdump/tcp")
FIELDS = ("conn", "rel_seq", "rel_ack", "len", "nxtseq", "irtt", "completeness")

T = corpus.Tally()
check = T.check


def run_json(path):
    r = corpus.run_synfin(["json", path], timeout=120)
    # exit 1 = an input problem reported on stderr (e.g. caplen > snaplen); the
    # packets are still analysed. A crash or a sanitizer report is a failure.
    if r.returncode not in (0, 1) or "runtime error" in r.stderr or "Sanitizer" in r.stderr:
        print("FAIL %s: synfin json exit %d: %s" % (path, r.returncode, r.stderr[-300:]))
        return None, None, r
    pkts, conns = {}, {}
    for line in r.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            print("FAIL invalid JSON line from %s: %r" % (path, line[:120]))
            return None, None, r
        if o.get("type") == "packet" and o.get("conn") is not None:
            pkts[o["frame"]] = o
        elif o.get("type") == "conn":
            conns[o["conn"]] = o
    return pkts, conns, r


def load_known():
    """capture -> field -> set of frames (or {"*"}) that may differ."""
    known = {}
    p = os.path.join(HERE, "track_known_diffs.txt")
    if not os.path.exists(p):
        return known
    for line in open(p, encoding="utf-8"):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        cap, field, frames = parts[0], parts[1], parts[2]
        s = known.setdefault(cap, {}).setdefault(field, set())
        if frames == "*":
            s.add("*")
        else:
            for part in frames.split(","):
                if "-" in part:
                    a, b = part.split("-")
                    s.update(range(int(a), int(b) + 1))
                else:
                    s.add(int(part))
    return known


# tcp.completeness bits a connection's first packet adds in tshark's second pass
def else_bits(flags, length):
    syn, ack = "S" in flags, "." in flags
    fin, rst = "F" in flags, "R" in flags
    b = 0
    if syn and ack:
        b |= 2
    if ack and not syn:
        b |= 8 if length > 0 else 4
    if fin and ack:
        b |= 16
    if rst:
        b |= 32
    return b


def usec(s):
    return int(round(float(s) * 1e6))


def compare_capture(cap, known, agree, total):
    rows = corpus.tshark_rows(cap)
    if rows is None:
        return None
    pkts, conns, r = run_json(cap.path)
    if pkts is None:
        check(False, "%s: json output parses" % cap)
        return None
    first_pkt = {}
    for fr in sorted(pkts):
        first_pkt.setdefault(pkts[fr]["conn"], pkts[fr])
    kn = known.get(str(cap), {})
    diffs = {f: [] for f in FIELDS}
    for row in rows:
        fr = int(row["frame.number"])
        if row["tcp.stream"] == "":
            continue
        p = pkts.get(fr)
        for f in FIELDS:
            want = None
            got = None
            if f == "conn":
                want, got = int(row["tcp.stream"]), (p["conn"] if p else None)
            elif p is None:
                want, got = "frame", None
            elif f == "rel_seq":
                want = int(row["tcp.seq"])
                got = p["rel_seq"] if p["rel_seq"] is not None else p["seq"]
            elif f == "rel_ack":
                want = int(row["tcp.ack"]) if row["tcp.ack"] else None
                got = p["rel_ack"] if p["rel_ack"] is not None else p["ack"]
            elif f == "len":
                want = int(row["tcp.len"]) if row["tcp.len"] else None
                got = p["len"] if p["rel_seq"] is not None else None
            elif f == "nxtseq":
                want = int(row["tcp.nxtseq"]) if row["tcp.nxtseq"] else None
                got = p["nxtseq"]
            elif f == "irtt":
                if not row["tcp.analysis.initial_rtt"]:
                    continue          # tshark shows it only in the SEQ/ACK analysis tree
                want = usec(row["tcp.analysis.initial_rtt"])
                c = conns.get(p["conn"])
                got = usec(c["irtt"]) if c and c["irtt"] is not None else None
            elif f == "completeness":
                want = int(row["tcp.completeness"]) if row["tcp.completeness"] else None
                c = conns.get(p["conn"])
                if c is None:
                    got = None
                else:
                    got = c["completeness"]
                    fp = first_pkt[p["conn"]]
                    if fr != fp["frame"]:
                        got |= else_bits(fp["flags"], fp["len"])
            total[f] = total.get(f, 0) + 1
            if want == got:
                agree[f] = agree.get(f, 0) + 1
            else:
                diffs[f].append((fr, want, got))
    # a connection has an iRTT exactly when tshark shows one on some frame of it
    shown = {}
    for row in rows:
        if row["tcp.stream"] != "":
            st = int(row["tcp.stream"])
            shown[st] = shown.get(st, False) or bool(row["tcp.analysis.initial_rtt"])
    for cid, c in conns.items():
        total["irtt_present"] = total.get("irtt_present", 0) + 1
        if (c["irtt"] is not None) == shown.get(cid, False):
            agree["irtt_present"] = agree.get("irtt_present", 0) + 1
        elif "irtt_present" not in kn:
            check(False, "%s conn %d: irtt %s, tshark shows %s" % (cap, cid, c["irtt"], shown.get(cid)))
    for f in FIELDS:
        allowed = kn.get(f, set())
        bad = [d for d in diffs[f] if "*" not in allowed and d[0] not in allowed]
        check(not bad, "%s %s: %d frame(s) differ from tshark, e.g. frame %s want %r got %r" %
              (cap, f, len(bad), bad[0][0] if bad else 0, bad[0][1] if bad else 0,
               bad[0][2] if bad else 0))
    return pkts, conns


def zeek_checks(cap, conns):
    base = corpus.zeek_conn(cap)
    if not base:
        return
    for z in base:
        if z.get("proto") != "tcp":
            continue
        a = "%s:%s" % (z["id.orig_h"], z["id.orig_p"])
        b = "%s:%s" % (z["id.resp_h"], z["id.resp_p"])
        mine = [c for c in conns.values() if {c["client"], c["server"]} == {a, b}]
        if not check(len(mine) == 1, "%s: one connection for zeek's %s -> %s" % (cap, a, b)):
            continue
        c = mine[0]
        check(c["zeek_state"] == z["conn_state"], "%s: zeek_state %s, zeek says %s" %
              (cap, c["zeek_state"], z["conn_state"]))
        check(c["zeek_history"] == z["history"], "%s: zeek_history %s, zeek says %s" %
              (cap, c["zeek_history"], z["history"]))
        print("zeek %s: %s %s (zeek: %s %s)" % (cap.stem, c["zeek_state"], c["zeek_history"],
                                                 z["conn_state"], z["history"]))


OPEN_MAP = {"handshake": "handshake", "refused_rst": "refused", "syn_unanswered": "unanswered"}
CLOSE_MAP = {"fin_three_way_merged": "fin_3way", "fin_four_way": "fin_4way",
             "half_close_then_fin": "half_close", "simultaneous_fin": "simultaneous",
             "rst_by_client": "rst_client", "rst_by_server": "rst_server",
             "fin_then_rst_by_client": "rst_after_fin", "fin_then_rst_by_server": "rst_after_fin",
             "half_closed_at_end": "half_closed_at_end", "open_at_end": "open"}


def analysis_active(results):
    """True once the analysis module (issue 4) reports flags of its own anywhere."""
    for pkts, _ in results.values():
        for p in pkts.values():
            if any(a != "reused_ports" for a in p["analysis"]):
                return True
    return False


def manifest_checks(root, results):
    active = analysis_active(results)
    if not active:
        print("note: the analysis module reports no flags yet; manifest events that come "
              "from it (keepalive_probes, zero_window) are skipped")
    path = os.path.join(root, "lab", "manifest.json")
    if not os.path.exists(path):
        check(False, "lab/manifest.json present")
        return
    m = json.load(open(path))
    for s in m["scenarios"]:
        res = results.get("lab/" + s["pcap"])
        if not check(res is not None, "lab %s analysed" % s["name"]):
            continue
        pkts, conns = res
        check(len(conns) == s["connection_count"], "lab %s: %d connections, manifest says %d" %
              (s["name"], len(conns), s["connection_count"]))
        for mc in s["connections"]:
            same = sorted((c for c in conns.values()
                           if c["client"] == mc["client"] and c["server"] == mc["server"]),
                          key=lambda c: c["conn"])
            # several connections on one tuple (port reuse): the manifest's order
            idx = [x for x in s["connections"]
                   if x["client"] == mc["client"] and x["server"] == mc["server"]].index(mc)
            tag = "lab %s conn %d (%s)" % (s["name"], mc["index"], mc["client"])
            if not check(idx < len(same), "%s found" % tag):
                continue
            c = same[idx]
            want_open = OPEN_MAP.get(mc["open"], mc["open"])
            check(c["open"] == want_open, "%s: open %s, manifest %s" % (tag, c["open"], mc["open"]))
            if mc["close"] == "none":
                want_close = {"refused": "refused", "unanswered": "unanswered"}.get(want_open, "open")
            else:
                want_close = CLOSE_MAP.get(mc["close"], mc["close"])
            check(c["close"] == want_close, "%s: close %s, manifest %s" % (tag, c["close"], mc["close"]))
            check(c["active_closer"] == mc["active_closer"], "%s: active_closer %s, manifest %s" %
                  (tag, c["active_closer"], mc["active_closer"]))
            mine = [p for p in pkts.values() if p["conn"] == c["conn"]]
            obs = mc.get("observed", {})
            for key, mk in (("c2s_pkts", "packets_from_client"), ("s2c_pkts", "packets_from_server"),
                            ("c2s_bytes", "client_payload_bytes"), ("s2c_bytes", "server_payload_bytes"),
                            ("first_frame", "first_frame"), ("last_frame", "last_frame"),
                            ("client_isn", "client_isn"), ("server_isn", "server_isn")):
                if obs.get(mk) is not None:
                    check(c[key] == obs[mk], "%s: %s %s, observed %s %s" % (tag, key, c[key], mk, obs[mk]))
            if "duration_s" in obs:
                check(abs(float(c["duration"]) - obs["duration_s"]) < 1e-6,
                      "%s: duration %s, observed %s" % (tag, c["duration"], obs["duration_s"]))
            if obs.get("tshark_tcp_stream"):
                check(c["conn"] in obs["tshark_tcp_stream"], "%s: conn %s, tshark tcp.stream %s" %
                      (tag, c["conn"], obs["tshark_tcp_stream"]))
            if "syn_count" in obs:
                check(c["syn_retransmits"] == max(obs["syn_count"] - 1, 0),
                      "%s: syn_retransmits %s, observed syn_count %s" % (tag, c["syn_retransmits"], obs["syn_count"]))
            counts = mc.get("event_counts", {})
            for ev in mc.get("events", []):
                n = counts.get(ev)
                if ev == "syn_retransmission":
                    got = c["syn_retransmits"]
                elif ev in ("keepalive_probes", "zero_window") and not active:
                    continue
                elif ev == "keepalive_probes":
                    got = sum(1 for p in mine if p["dir"] == "c2s" and "keep_alive" in p["analysis"])
                elif ev == "zero_window":
                    got = sum(1 for p in mine if p["dir"] == "s2c" and "zero_window" in p["analysis"])
                elif ev == "port_reuse":
                    got = sum(1 for p in mine if "reused_ports" in p["analysis"])
                elif ev == "retransmission":
                    # "client segments that re-send already sent bytes, from raw sequence numbers"
                    got = resent_segments(mine)
                else:
                    check(False, "%s: unknown manifest event %s" % (tag, ev))
                    continue
                check(got == n if n is not None else got > 0,
                      "%s: event %s: %s, manifest %s" % (tag, ev, got, n))


def resent_segments(pkts):
    """Client segments carrying bytes below the highest seq already sent (raw numbers)."""
    top, n = None, 0
    for p in sorted(pkts, key=lambda p: p["frame"]):
        if p["dir"] != "c2s" or p["len"] == 0:
            continue
        s = p["seq"]
        if top is not None and ((s - top) & 0xFFFFFFFF) >= 0x80000000:
            n += 1
        end = (s + p["len"]) & 0xFFFFFFFF
        if top is None or ((end - top) & 0xFFFFFFFF) < 0x80000000:
            top = end
    return n


def seed_checks(results):
    r = results.get("seeds/seed003-curl-hello.pcap")
    if check(r is not None, "seed003 analysed"):
        pkts, conns = r
        check(len(conns) == 1, "seed003: one connection")
        c = conns.get(0, {})
        check(c.get("client") == "192.168.0.50:58626", "seed003: client 192.168.0.50:58626")
        check(c.get("open") == "handshake", "seed003: open handshake (%s)" % c.get("open"))
        check(c.get("close") == "fin_3way", "seed003: close fin_3way (%s)" % c.get("close"))
        check(c.get("active_closer") == "client", "seed003: the client closes first")
        check(c.get("time_wait") == "client", "seed003: the client ends in TIME_WAIT")
        check(pkts[7]["role"] == "ack" and pkts[7]["close_step"] == 0,
              "seed003: frame 7 is a pure ack (%s)" % pkts[7]["role"])
        check(pkts[8]["role"] == "fin" and pkts[8]["close_step"] == 1, "seed003: frame 8 is the first FIN")
        check([pkts[i]["hs_step"] for i in (1, 2, 3)] == [1, 2, 3], "seed003: handshake steps 1-3")
        check((pkts[2]["client_state"], pkts[2]["server_state"]) == ("SYN_SENT", "SYN_RECEIVED"),
              "seed003: after the SYN-ACK client SYN_SENT, server SYN_RECEIVED")
        check((pkts[10]["client_state"], pkts[10]["server_state"]) == ("TIME_WAIT", "CLOSED"),
              "seed003: at the end client TIME_WAIT, server CLOSED")
        check(all(p["ack_check"] in ("ok", "no_ack") for p in pkts.values()),
              "seed003: every ACK acknowledges all the peer sent")
    r = results.get("seeds/seed004-http-9999.pcap")
    if check(r is not None, "seed004 analysed"):
        pkts, conns = r
        c = conns.get(0, {})
        check(c.get("active_closer") == "server", "seed004: the server closes first")
        check(c.get("close") == "fin_with_data", "seed004: close fin_with_data (%s)" % c.get("close"))
        fin = [p for p in pkts.values() if "F" in p["flags"] and p["dir"] == "s2c"]
        check(len(fin) == 1 and "P" in fin[0]["flags"] and fin[0]["len"] > 0 and
              fin[0]["role"] == "data+fin", "seed004: the server's FIN rides on data ([FP.])")
    r = results.get("seeds/seed001-https-443-30pkts.pcap")
    if check(r is not None, "seed001 30pkts analysed"):
        pkts, conns = r
        check(len(conns) == 3, "seed001: three connections (%d)" % len(conns))
        by_port = {int(c["client"].rsplit(":", 1)[1]): c for c in conns.values()}
        c = by_port.get(41032, {})
        check(c.get("open") == "midstream" and c.get("close") == "fin_3way",
              "seed001: 41032 midstream + fin_3way (%s, %s)" % (c.get("open"), c.get("close")))
        check(c.get("client_inferred") is True and c.get("active_closer") == "client",
              "seed001: 41032 client inferred, closes first")
        for port in (41033, 41034):
            c = by_port.get(port, {})
            check(c.get("open") == "handshake" and c.get("close") == "open",
                  "seed001: %d handshake, still open (%s, %s)" % (port, c.get("open"), c.get("close")))


def seed001_close_checks(results):
    # the seed's close captured on the client and on the server: FIN, FIN+ACK, ACK
    for side in ("client", "server"):
        r = results.get("seeds/seed001-close-%s-side.pcap" % side)
        if not check(r is not None, "seed001 close (%s side) analysed" % side):
            continue
        pkts, conns = r
        c = conns.get(0, {})
        check(len(conns) == 1 and c.get("close") == "fin_3way" and c.get("active_closer") == "client"
              and c.get("open") == "midstream" and c.get("time_wait") == "client",
              "seed001 close (%s side): midstream, fin_3way, client closes, client TIME_WAIT (%s %s %s)" %
              (side, c.get("open"), c.get("close"), c.get("active_closer")))
        check([pkts[i]["close_step"] for i in (1, 2, 3)] == [1, 2, 3],
              "seed001 close (%s side): close steps 1, 2, 3" % side)


def conns_view_checks():
    cap = os.path.join(corpus.ROOT, "seeds", "seed001-https-443-30pkts.pcap")
    r = corpus.run_synfin(["conns", cap])
    lines = r.stdout.splitlines()
    rows = [l.split() for l in lines[1:4]]
    check(r.returncode == 0 and lines[0].split()[:3] == ["ID", "CLIENT", "SERVER"] and len(rows) == 3,
          "conns view: a header and three rows for seed001")
    if len(rows) == 3:
        # the row of 41032 is written when it ends, before the open ones (id order at the end)
        check([x[0] for x in rows] == ["0", "1", "2"], "conns view: ids 0, 1, 2")
        check(rows[0][1:9] == ["114.242.250.59:41032*", "172.17.51.219:443", "midstream", "fin_3way",
                                "client", "client", "2/0", "1/0"],
              "conns view: 41032 row %s" % rows[0][1:9])
        check(rows[1][3:9] == ["handshake", "open", "none", "none", "7/616", "5/3335"] and
              rows[1][11:13] == ["S1", "ShADad"], "conns view: 41033 row %s" % rows[1])
    check(any(l.startswith("3 connections, 30 TCP packets") for l in lines), "conns view: totals line")
    check(any("inferred" in l for l in lines), "conns view: explains the * of an inferred client")


def main():
    known = load_known()
    agree, total = {}, {}
    results = {}
    caps = corpus.captures(GROUPS)
    check(len(caps) > 0, "tests/corpus has captures")
    for cap in caps:
        res = compare_capture(cap, known, agree, total)
        if res:
            results[str(cap)] = res
            if cap.group == "zeek":
                zeek_checks(cap, res[1])
    print("per-frame agreement with tshark -2 (%d captures; irtt_present is per connection):" %
          len(results))
    for f in FIELDS + ("irtt_present",):
        t = total.get(f, 0)
        a = agree.get(f, 0)
        print("  %-13s %6d / %6d  %6.2f%%" % (f, a, t, 100.0 * a / t if t else 0.0))
    manifest_checks(corpus.ROOT, results)
    seed_checks(results)
    seed001_close_checks(results)
    conns_view_checks()
    shared = corpus.shared_root()
    if shared:
        print("note: ../shared/corpus present; tests/corpus is the copy checked here")
    T.finish()


if __name__ == "__main__":
    main()

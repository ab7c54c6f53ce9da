# \summary: golden tests of tcpdump text input: same analysis as the pcap, round trip of the lines, the seeds
"""
Three checks, each printing its agreement:

1. Analysis agreement. For every capture of the corpus (seeds, lab, zeek,
   tcpdump/tcp) that has tcpdump text oracles, feed oracle/NAME.tcpdump-nn.txt,
   -nnS.txt and -tt.txt to `synfin json` and compare with `synfin json` on the
   capture itself, for the fields the text carries: per TCP packet frame
   (non-TCP lines keep their frame numbers), conn, dir,
   role, client_state, server_state, rel_seq, rel_ack, len, and what follows
   from them (ack_check, the analysis flags); per connection
   open, close, active_closer and the other fields that do not depend on
   time or payload. What the text cannot carry is counted apart and must stay
   rare (docs/text-input.md): a keep-alive whose pattern was not recognised,
   segments the capture cut short (snaplen, truncated-ip), packets tcpdump
   printed without their TCP header.
2. Round trip: `synfin --plain` on the -nn text (and -S on -nnS, -tt on -tt)
   reproduces the text's TCP lines up to `length N`, with TZ=UTC.
3. The seed documents' own text: the analyses the seeds describe.

Captures come from tests/corpus; ../shared/corpus is swept as well when it is
present. Under SYNFIN_TEST_MODE=asan only every 4th capture is run (the
sanitized binary is ~5x slower); the seeds always run.
"""
import difflib
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

GROUPS = ("seeds", "lab", "zeek", "tcpdump/tcp")
KINDS = (("nn", []), ("nnS", ["-S"]), ("tt", ["-tt"]))
PKT_FIELDS = ("frame", "conn", "dir", "role", "client_state", "server_state", "rel_seq", "rel_ack", "len",
              "ack_check", "analysis")
CONN_FIELDS = ("open", "close", "active_closer", "client_inferred", "time_wait", "client_state", "server_state",
               "syn_retransmits", "c2s_pkts", "c2s_bytes", "s2c_pkts", "s2c_bytes", "client_isn", "server_isn",
               "completeness", "zeek_state", "zeek_history", "first_frame", "last_frame")
LENGTH_RE = re.compile(r"^(.*?, length \d+)")
TCP_LINE_RE = re.compile(r"\bIP6? .*(Flags \[|: +\[\|tcp\]$|: +tcp \d+ \[bad hdr length)")
# Documented round-trip differences (docs/text-input.md): what the text does not carry.
RT_KNOWN = (
    ("md5 shared secret not supplied with -M", "payload not in the text: md5 prints 'snaplen too short'"),
    ("truncated-ip - ", "IP total length not in the text: no 'truncated-ip' prefix"),
)

T = corpus.Tally()
check = T.check


def run_json(path, extra=()):
    r = corpus.run_synfin(["json"] + list(extra) + [path], timeout=300)
    pk, cn = [], []
    for line in r.stdout.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("type") == "packet":
            pk.append(o)
        elif o.get("type") == "conn":
            cn.append(o)
    return r, pk, cn


def pkey(o):
    return (o.get("src"), o.get("sport"), o.get("dst"), o.get("dport"), o.get("flags"), o.get("len"))


def align(a, b):
    """Pairs (i, j) of packets that correspond, by their addressing and flags."""
    if len(a) == len(b):
        return list(zip(range(len(a)), range(len(b))))
    sm = difflib.SequenceMatcher(None, [pkey(x) for x in a], [pkey(x) for x in b], autojunk=False)
    out = []
    for blk in sm.get_matching_blocks():
        out.extend((blk.a + k, blk.b + k) for k in range(blk.size))
    return out


def keepalive_seq(p):
    """tcpdump prints no seq on a zero-length segment: a keep-alive (seq = next - 1)
    or a zero-window probe's peer cannot be told from the text."""
    an = p.get("analysis") or []
    return any(x in an for x in ("keep_alive", "zero_window_probe", "out_of_order", "retransmission"))


def compare_capture(cap, stats, verbose):
    r0, pk0, cn0 = run_json(cap.path)
    if r0.returncode not in (0, 1) or not pk0:
        return
    for kind, opts in KINDS:
        tpath = cap.oracle_path("tcpdump-%s.txt" % kind)
        if not tpath or tpath.endswith(".gz"):
            continue
        # packets tcpdump printed without a TCP header ("IP bad-len 0", "[|tcp]")
        # cannot be analysed from the text
        text = corpus.read_text(tpath)
        shown = sum(1 for l in text.splitlines() if TCP_LINE_RE.search(l) and "Flags [" in l)
        r1, pk1, cn1 = run_json(tpath)
        if r1.returncode < 0 or "Sanitizer" in r1.stderr or "runtime error" in r1.stderr:
            check(False, "%s %s: crashed\n%s" % (cap, kind, r1.stderr[-1500:]))
            continue
        st = stats.setdefault(kind, {"pk": 0, "pk_ok": 0, "f": 0, "f_ok": 0, "known": 0, "cut": 0, "cn_known": 0,
                                     "cn": 0, "cn_ok": 0, "missing": 0, "unshown": 0})
        pairs = align(pk0, pk1)
        cut_before = st["cut"]
        unshown = max(0, len(pk0) - shown)
        st["unshown"] += unshown
        st["missing"] += max(0, len(pk0) - len(pairs) - unshown)
        shown = 0
        for i, j in pairs:
            a, b = pk0[i], pk1[j]
            st["pk"] += 1
            bad = [f for f in PKT_FIELDS if a.get(f) != b.get(f)]
            st["f"] += len(PKT_FIELDS)
            st["f_ok"] += len(PKT_FIELDS) - len(bad)
            if not bad:
                st["pk_ok"] += 1
            elif set(bad) <= {"rel_seq", "role", "analysis", "ack_check"} and keepalive_seq(a):
                st["known"] += 1
            elif a.get("nxtseq") is None and b.get("nxtseq") is not None:
                st["cut"] += 1  # the capture cut this segment short; the text does not say so
            elif "truncated-ip" in text and set(bad) <= {"len", "role", "analysis", "ack_check"} and (a.get("len") or 0) < (b.get("len") or 0):
                st["cut"] += 1  # frame shorter than its IP length: the engine reads the frame length
            elif verbose and shown < 3:
                shown += 1
                print("  %s %s frame %s: %s" % (cap, kind, a.get("frame"),
                      ", ".join("%s %r != %r" % (f, b.get(f), a.get(f)) for f in bad)))
        m = {c.get("conn"): c for c in cn1}
        for o in cn0:
            st["cn"] += 1
            c = m.get(o.get("conn"))
            if c and all(o.get(f) == c.get(f) for f in CONN_FIELDS):
                st["cn_ok"] += 1
            elif unshown or st["cut"] > cut_before:
                st["cn_known"] += 1  # holds a packet the text cannot show in full (counted above)
            elif verbose:
                print("  %s %s conn %s: %s" % (cap, kind, o.get("conn"),
                      ", ".join("%s %r != %r" % (f, c.get(f) if c else None, o.get(f))
                                for f in CONN_FIELDS if not c or o.get(f) != c.get(f))))


def prefix(line):
    m = LENGTH_RE.match(line)
    return m.group(1) if m else line.rstrip()


def round_trip(cap, rt):
    for kind, opts in KINDS:
        tpath = cap.oracle_path("tcpdump-%s.txt" % kind)
        if not tpath or tpath.endswith(".gz"):
            continue
        theirs = [prefix(l) for l in corpus.read_text(tpath).splitlines() if TCP_LINE_RE.search(l)]
        if not theirs:
            continue
        r = corpus.run_synfin(["--plain"] + opts + [tpath], timeout=300)
        if r.returncode < 0 or "Sanitizer" in r.stderr or "runtime error" in r.stderr:
            check(False, "round trip %s %s: crashed\n%s" % (cap, kind, r.stderr[-1500:]))
            continue
        ours = [prefix(l) for l in r.stdout.splitlines() if TCP_LINE_RE.search(l)]
        st = rt.setdefault(kind, [0, 0, 0])
        st[1] += len(theirs)
        if len(ours) != len(theirs):
            check(False, "round trip %s %s: %d lines for %d" % (cap, kind, len(ours), len(theirs)))
            continue
        for o, t in zip(ours, theirs):
            if o == t:
                st[0] += 1
            elif any(k in t for k, _ in RT_KNOWN):
                st[2] += 1
            else:
                check(False, "round trip %s %s:\n  want %s\n  got  %s" % (cap, kind, t, o))


def seeds():
    root = corpus.ROOT
    s = os.path.join(root, "seeds")

    def conns(name, extra=()):
        r, pk, cn = run_json(os.path.join(s, name), extra)
        check(r.returncode == 0, "%s: exit %d: %s" % (name, r.returncode, r.stderr.strip()[:300]))
        return pk, {"%s" % c.get("client"): c for c in cn}, cn

    # the 30-packet capture: three connections, 41032 seen only from its close
    pk, by, cn = conns("seed001-https-443-30pkts.txt")
    check(len(cn) == 3, "seed001 30pkts: %d connections, want 3" % len(cn))
    c32 = by.get("114.242.250.59:41032", {})
    check(c32.get("open") == "midstream" and c32.get("close") == "fin_3way" and
          c32.get("active_closer") == "client",
          "seed001 30pkts 41032: open %s close %s closer %s, want midstream fin_3way client"
          % (c32.get("open"), c32.get("close"), c32.get("active_closer")))
    for port in (41033, 41034):
        c = by.get("114.242.250.59:%d" % port, {})
        check(c.get("open") == "handshake" and c.get("close") == "open",
              "seed001 30pkts %d: open %s close %s, want handshake open" % (port, c.get("open"), c.get("close")))
    check(len(pk) == 30, "seed001 30pkts: %d TCP packets, want 30" % len(pk))
    # the same analysis as the capture, packet by packet
    _, pk0, _ = run_json(os.path.join(s, "seed001-https-443-30pkts.pcap"))
    same = sum(1 for a, b in zip(pk0, pk) if all(a.get(f) == b.get(f) for f in PKT_FIELDS))
    check(same == 30 and len(pk0) == 30, "seed001 30pkts: %d/30 packets agree with the pcap" % same)

    # the close excerpts: FIN, FIN+ACK, ACK = a three-packet close by the first sender
    for name, client in (("seed001-close-client-side.txt", "192.168.43.226:54739"),
                         ("seed001-close-server-side.txt", "114.242.249.148:58188")):
        pk, by, cn = conns(name)
        c = by.get(client, {})
        check(len(cn) == 1 and c.get("close") == "fin_3way" and c.get("active_closer") == "client",
              "%s: close %s closer %s, want fin_3way client" % (name, c.get("close"), c.get("active_closer")))
        roles = [p.get("role") for p in pk]
        check(roles[:1] == ["fin"] and len(roles) == 3, "%s: roles %s" % (name, roles))
        check(pk and pk[-1].get("client_state") == "TIME_WAIT" and pk[-1].get("server_state") == "CLOSED",
              "%s: after the last ACK client %s server %s, want TIME_WAIT CLOSED"
              % (name, pk[-1].get("client_state") if pk else None, pk[-1].get("server_state") if pk else None))

    # the cleaned table: realigned columns, a Chinese header row, no win/options, absolute seq
    pk, by, cn = conns("seed001-cleaned-table.txt")
    c = by.get("114.242.250.59:41033", {})
    check(len(cn) == 1 and c.get("open") == "handshake", "cleaned table: %d conns, open %s" % (len(cn), c.get("open")))
    check([p.get("rel_seq") for p in pk[:4]] == [0, 0, 1, 1] and [p.get("rel_ack") for p in pk[:4]] == [None, 1, 1, 1],
          "cleaned table: rel seq/ack of the first packets %s %s"
          % ([p.get("rel_seq") for p in pk[:4]], [p.get("rel_ack") for p in pk[:4]]))
    check(pk and pk[3].get("len") == 523 and pk[3].get("rel_seq") == 1, "cleaned table: 4th packet")
    check(not any("zero_window" in (p.get("analysis") or []) for p in pk),
          "cleaned table: no win column must not read as a zero window")

    # seed004: host names, the server closes first with its FIN on data
    pk, by, cn = conns("seed004-http-9999.txt")
    check(len(cn) == 1, "seed004: %d conns" % len(cn))
    c = cn[0] if cn else {}
    check(str(c.get("client", "")).endswith(":56996") and str(c.get("server", "")).endswith(":9999"),
          "seed004: client %s server %s" % (c.get("client"), c.get("server")))
    check(c.get("client") == "localhost:56996",
          "seed004: the conn record names the host as written: %s" % c.get("client"))
    path = os.path.join(corpus.ROOT, "seeds", "seed004-http-9999.txt")
    r = corpus.run_synfin([path])
    ends = [l for l in r.stdout.splitlines() if " end \u00b7 client " in l]
    check(len(ends) == 1 and "client localhost:56996 " in ends[0],
          "seed004: the lines view's end-of-connection line names the host: %r" % ends[:1])
    check(c.get("active_closer") == "server" and c.get("close") in ("fin_with_data", "fin_4way"),
          "seed004: close %s closer %s, want the server's FIN on data" % (c.get("close"), c.get("active_closer")))
    fp = [p for p in pk if p.get("flags") == "FP."]
    check(len(fp) == 1 and "fin" in (fp[0].get("role") or "") and "data" in (fp[0].get("role") or ""),
          "seed004: the [FP.] packet's role is %s" % (fp[0].get("role") if fp else None))
    _, pk0, cn0 = run_json(os.path.join(s, "seed004-http-9999.pcap"))
    same = sum(1 for a, b in zip(pk0, pk) if all(a.get(f) == b.get(f) for f in PKT_FIELDS))
    check(same == len(pk0) == len(pk) == 11, "seed004: %d/11 packets agree with the pcap" % same)
    check(cn0 and all(cn0[0].get(f) == c.get(f) for f in CONN_FIELDS), "seed004: conn summary differs from the pcap")

    # stdin, and what people paste around the lines
    txt = corpus.read_text(os.path.join(s, "seed004-http-9999.txt"))
    pasted = "\ufeff[root@host ~]# tcpdump -i eth0 port 9999\r\n" + txt.replace("\n", "\r\n").replace(" IP ", "\tIP  ")
    r = subprocess.run([corpus.synfin_path(), "json", "-"], input=pasted.encode(), capture_output=True,
                       env=dict(os.environ, TZ="UTC"), timeout=60)
    n = sum(1 for l in r.stdout.decode().splitlines() if '"type":"packet"' in l)
    check(r.returncode == 0 and n == 11, "seed004 pasted on stdin (BOM, CRLF, tabs, prompt): %d packets" % n)


def bad_inputs():
    tmp = os.path.join(corpus.REPO, "build", "test-text-tmp")
    os.makedirs(tmp, exist_ok=True)
    cases = (
        ("prose.txt", b"hello\nthis is not tcpdump output\n", "not a capture file or tcpdump text"),
        ("udp.txt", b"21:15:38.705610 IP 1.2.3.4.5 > 6.7.8.9.10: UDP, length 49\n", "no tcpdump TCP lines found"),
        ("binary.bin", bytes(range(256)) * 8, "not a capture file"),
    )
    for name, data, msg in cases:
        p = os.path.join(tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        r = corpus.run_synfin([p])
        check(r.returncode == 1 and msg in r.stderr and name in r.stderr,
              "%s: exit %d, stderr %r" % (name, r.returncode, r.stderr.strip()[:200]))
    # a broken line among good ones: a warning naming file and line, the rest still analysed
    p = os.path.join(tmp, "broken.txt")
    with open(p, "w") as f:
        f.write("10:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 100, win 1000, length 0\n"
                "10:00:00.000100 IP 10.0.0.2.80 > 10.0.0.1.1000: Flags [S.], seq oops, ack 101, win 1000, length 0\n"
                "10:00:00.000200 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [R], seq 101, win 0, length 0\n")
    r = corpus.run_synfin(["--plain", p])
    check(r.returncode == 0 and "broken.txt:2: warning:" in r.stderr and len(r.stdout.splitlines()) == 2,
          "broken line: exit %d, stderr %r, %d lines" % (r.returncode, r.stderr.strip()[:200], len(r.stdout.splitlines())))


def main():
    verbose = "-v" in sys.argv
    asan = corpus.mode() == "asan"
    caps = corpus.captures(GROUPS)
    shared = corpus.shared_root()
    if shared:
        have = {(c.group, c.name) for c in caps}
        caps += [c for c in corpus.captures(GROUPS, root=shared) if (c.group, c.name) not in have]
    if asan:
        caps = [c for i, c in enumerate(caps) if c.group == "seeds" or i % 4 == 0]
        print("asan mode: sampling %d captures (every 4th, and the seeds)" % len(caps))
    stats, rt = {}, {}
    for cap in caps:
        compare_capture(cap, stats, verbose)
        round_trip(cap, rt)
    for kind, _ in KINDS:
        st = stats.get(kind)
        if not st:
            continue
        print("analysis %-3s: packets %d/%d agree on all of %s; fields %d/%d; connections %d/%d agree on %s "
              "(%d hold a packet the text cannot show in full)"
              % (kind, st["pk_ok"], st["pk"], ",".join(PKT_FIELDS), st["f_ok"], st["f"], st["cn_ok"], st["cn"],
                 ",".join(CONN_FIELDS), st["cn_known"]))
        print("  documented: %d keep-alive/probe seq not in the text, %d segments cut short (snaplen, truncated-ip), "
              "%d packets tcpdump printed without TCP header; unaligned %d"
              % (st["known"], st["cut"], st["unshown"], st["missing"]))
        bad = st["pk"] - st["pk_ok"] - st["known"] - st["cut"]
        check(bad == 0, "analysis %s: %d packets differ from the pcap (run with -v)" % (kind, bad))
        check(st["missing"] == 0, "analysis %s: %d pcap packets without a text counterpart" % (kind, st["missing"]))
        check(st["cn_ok"] + st["cn_known"] == st["cn"],
              "analysis %s: %d connections differ" % (kind, st["cn"] - st["cn_ok"] - st["cn_known"]))
        check(st["cn_known"] * 20 <= st["cn"], "analysis %s: too many connections with cut packets" % kind)
        check(st["known"] * 200 <= st["pk"] and st["cut"] * 200 <= st["pk"],
              "analysis %s: too many documented differences" % kind)
    for kind, _ in KINDS:
        if kind in rt:
            ok, n, known = rt[kind]
            print("round trip %-3s: %d/%d TCP lines identical (%d documented differences)" % (kind, ok, n, known))
            check(ok + known == n, "round trip %s: %d lines differ" % (kind, n - ok - known))
            check(known * 500 <= n, "round trip %s: too many documented differences" % kind)
    seeds()
    bad_inputs()
    T.finish()


if __name__ == "__main__":
    main()

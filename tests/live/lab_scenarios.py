#!/usr/bin/env python3
# \summary: synfin lab tests: every scenario yields the open/close kinds it is built for, and leaves nothing behind.
#
# Runs `synfin lab SCENARIO --view json -w TMP` for each scenario (root only;
# otherwise every case is skipped), reads the JSON records after the lab's
# "== synfin json" line, and checks each connection's open and close kinds,
# closer, bytes (from the lab's own narration), app details and analysis
# flags. After each run: no process of ours is left in a network namespace
# that did not exist before, no named namespace appeared, and no socket on
# the lab's addresses exists on the host.
# Last line: "N passed, N failed, N skipped".
import json
import os
import re
import subprocess
import sys
import tempfile

SYNFIN = os.path.abspath(os.environ.get("SYNFIN", "./synfin"))
ASAN = os.environ.get("SYNFIN_TEST_MODE") == "asan"
SLOW = 3 if ASAN else 1

passed = failed = skipped = 0


def check(cond, what, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}" + (f": {detail}" if detail else ""))
    return cond


def skip(what, why):
    global skipped
    skipped += 1
    print(f"SKIP {what}: {why}")


def finish():
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


def netns_of_all():
    """{pid: (netns inode, exe)} for every process we can see."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            ns = os.readlink(f"/proc/{d}/ns/net")
            exe = os.readlink(f"/proc/{d}/exe")
        except OSError:
            continue
        out[int(d)] = (ns, exe)
    return out


def named_netns():
    try:
        return sorted(os.listdir("/run/netns"))
    except OSError:
        return []


def host_lab_sockets():
    """Sockets on the host bound to the lab's 192.0.2.x addresses (must be none)."""
    found = []
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                local = line.split()[1]
                ip = bytes.fromhex(local.split(":")[0])[::-1]
                if ip[:3] == bytes([192, 0, 2]):
                    found.append(local)
    except OSError:
        pass
    return found


def run_lab(name, args, tmp, view="json"):
    pcap = os.path.join(tmp, f"{name}{''.join(args).replace('-', '_')}.pcap")
    argv = [SYNFIN, "lab", name] + args + ["-w", pcap] + (["--view", view] if view else [])
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=60 * SLOW)
    except subprocess.TimeoutExpired as e:
        return None, str(e), "", pcap
    return r.returncode, r.stdout, r.stderr, pcap


def split_output(out, view):
    marker = f"== synfin {view} "
    if marker not in out:
        return out, ""
    head, tail = out.split(marker, 1)
    tail = tail.split("\n", 1)[1] if "\n" in tail else ""
    return head, tail


def narrated_bytes(narr, who, pattern):
    """Sum of the 'N bytes' the lab says `who` sent in lines matching pattern."""
    total = 0
    for line in narr.splitlines():
        m = re.match(r"\s+(\w+)\s+(.*)", line)
        if m and m.group(1) == who and re.search(pattern, m.group(2)):
            b = re.search(r"\((\d+) bytes", m.group(2))
            if b:
                total += int(b.group(1))
    return total


def fin_close(c, closer="client"):
    return c["close"] in ("fin_3way", "fin_4way") and c["active_closer"] == closer


# Each: (scenario, args, check(conns, packets, narration) -> list of (ok, what, detail))
def exp_http(cs, pk, narr):
    c = cs[0]
    req = narrated_bytes(narr, "client", r'sends "GET')
    resp = narrated_bytes(narr, "server", r'sends "HTTP')
    return [
        (c["open"] == "handshake" and fin_close(c), "handshake, FIN close started by the client",
         f"{c['open']}/{c['close']}/{c['active_closer']}"),
        (req > 0 and c["c2s_bytes"] == req and c["s2c_bytes"] == resp,
         f"bytes each way = what the client and server sent ({req}/{resp})", f"{c['c2s_bytes']}/{c['s2c_bytes']}"),
        (c.get("http_method") == "GET" and c.get("http_status") == 200, "HTTP GET answered by 200",
         f"{c.get('http_method')} {c.get('http_status')}"),
    ]


def exp_tls(version):
    def f(cs, pk, narr):
        c = cs[0]
        return [
            (c["open"] == "handshake" and fin_close(c), "handshake, FIN close started by the client",
             f"{c['open']}/{c['close']}/{c['active_closer']}"),
            (c.get("app") == "tls" and c.get("tls_version") == version and c.get("tls_sni") == "lab.synfin.test",
             f"TLS ({version}, SNI lab.synfin.test) recognised",
             f"{c.get('app')} {c.get('tls_version')} {c.get('tls_sni')}"),
            (not c.get("tls_alert"), "no alert", str(c.get("tls_alert"))),
        ]
    return f


def exp_badcert(cs, pk, narr):
    a, b = cs[0], cs[1]
    return [
        (a["open"] == "handshake" and fin_close(a), "first connection: handshake, FIN close by the client",
         f"{a['open']}/{a['close']}/{a['active_closer']}"),
        (a.get("tls_alert") == "unknown_ca" and a.get("tls_alert_from") == "client",
         "first connection: the client's unknown_ca alert", f"{a.get('tls_alert')} from {a.get('tls_alert_from')}"),
        (b["open"] == "handshake" and fin_close(b) and not b.get("tls_alert") and b["s2c_bytes"] > a["s2c_bytes"],
         "second connection: reconnected, handshake and data, FIN close", f"{b['open']}/{b['close']} {b.get('tls_alert')}"),
        (a["client"].split(":")[0] == b["client"].split(":")[0] and a["client"] != b["client"],
         "the retry comes from a new client port", f"{a['client']} {b['client']}"),
    ]


def exp_refused(cs, pk, narr):
    c = cs[0]
    return [(c["open"] == "refused" and c["close"] == "refused", "SYN answered by RST: refused/refused",
             f"{c['open']}/{c['close']}")]


def exp_reset(kind, closer):
    def f(cs, pk, narr):
        c = cs[0]
        return [
            (c["open"] == "handshake" and c["close"] == kind and c["active_closer"] == closer,
             f"handshake, then {kind} (abortive close by the {closer})",
             f"{c['open']}/{c['close']}/{c['active_closer']}"),
            (not any("F" in p["flags"] for p in pk), "no FIN at all", ""),
        ]
    return f


def exp_halfclose(cs, pk, narr):
    c = cs[0]
    chunks = narrated_bytes(narr, "server", r"sends chunk")
    return [
        (c["open"] == "handshake" and c["close"] == "half_close" and c["active_closer"] == "client",
         "handshake, then half_close started by the client", f"{c['open']}/{c['close']}/{c['active_closer']}"),
        (chunks > 0 and c["s2c_bytes"] == chunks, f"the server's {chunks} bytes after the client's FIN are counted",
         str(c["s2c_bytes"])),
    ]


def exp_keepalive(cs, pk, narr):
    c = cs[0]
    ka = sum("keep_alive" in p["analysis"] for p in pk)
    kack = sum("keep_alive_ack" in p["analysis"] for p in pk)
    return [
        (c["open"] == "handshake" and c["close"] == "fin_4way" and c["active_closer"] == "client",
         "handshake, then fin_4way started by the client", f"{c['open']}/{c['close']}/{c['active_closer']}"),
        (ka >= 2 and kack >= 2, f"keep-alive probes ({ka}) and their ACKs ({kack})", ""),
    ]


def exp_timeout(cs, pk, narr):
    c = cs[0]
    return [
        (c["open"] == "unanswered" and c["close"] == "unanswered", "unanswered/unanswered",
         f"{c['open']}/{c['close']}"),
        (c["syn_retransmits"] >= 1 and c["s2c_pkts"] == 0, f"{c['syn_retransmits']} SYN retransmission(s), no answer",
         f"{c['syn_retransmits']} {c['s2c_pkts']}"),
    ]


SCENARIOS = [
    ("http", [], 1, exp_http),
    ("tls", [], 1, exp_tls("TLSv1.2")),
    ("tls", ["--tls13"], 1, exp_tls("TLSv1.3")),
    ("tls", ["--bad-cert"], 2, exp_badcert),
    ("refused", [], 1, exp_refused),
    ("reset", [], 1, exp_reset("rst_client", "client")),
    ("reset", ["--server"], 1, exp_reset("rst_server", "server")),
    ("half-close", [], 1, exp_halfclose),
    ("keepalive", [], 1, exp_keepalive),
    ("timeout", [], 1, exp_timeout),
]


def leftovers(before_ns, before_named):
    after = netns_of_all()
    me = os.path.realpath(SYNFIN)
    stray = [pid for pid, (ns, exe) in after.items()
             if ns not in before_ns and os.path.realpath(exe.replace(" (deleted)", "")) == me]
    return stray, named_netns() != before_named, host_lab_sockets()


def main():
    if not os.access(SYNFIN, os.X_OK):
        check(False, f"{SYNFIN} exists")
        finish()
    r = subprocess.run([SYNFIN, "lab"], capture_output=True, text=True)
    names = sorted({s[0] for s in SCENARIOS})
    listed = [n for n in names if re.search(rf"^\s+{re.escape(n)}\s", r.stdout, re.M)]
    check(r.returncode == 0 and listed == names, "synfin lab lists every scenario", r.stdout)
    r = subprocess.run([SYNFIN, "lab", "no-such-scenario"], capture_output=True, text=True)
    check(r.returncode == 2 and "no-such-scenario" in r.stderr, "unknown scenario: exit 2", r.stderr)
    if os.geteuid() != 0:
        for s in SCENARIOS:
            skip(f"lab {s[0]} {' '.join(s[1])}", "not root: synfin lab needs root (CI runs it as root)")
        finish()

    def as_nobody():
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    r = subprocess.run([SYNFIN, "lab", "http"], capture_output=True, text=True, preexec_fn=as_nobody)
    check(r.returncode == 1 and "root" in r.stderr, "lab as a normal user: says it needs root, exit 1", r.stderr)

    with tempfile.TemporaryDirectory(prefix="synfin-lab-") as tmp:
        os.chmod(tmp, 0o755)
        for name, args, nconn, expect in SCENARIOS:
            label = f"lab {name}{' ' + ' '.join(args) if args else ''}"
            before_ns = {ns for ns, _ in netns_of_all().values()}
            before_named = named_netns()
            rc, out, err, pcap = run_lab(name, args, tmp)
            if rc is None:
                check(False, f"{label}: finishes within {60 * SLOW} s", out)
                continue
            if rc == 1 and ("cannot create a private network namespace" in err
                            or ("capture on lo" in err and "permission" in err)):
                # Root, but in a sandbox that forbids namespaces or raw sockets.
                for n2, a2, _, _ in SCENARIOS[SCENARIOS.index((name, args, nconn, expect)):]:
                    skip(f"lab {n2} {' '.join(a2)}", "this machine does not allow it: " + err.strip())
                break
            narr, body = split_output(out, "json")
            recs = []
            for line in body.splitlines():
                try:
                    recs.append(json.loads(line))
                except ValueError:
                    pass
            conns = [o for o in recs if o.get("type") == "conn"]
            pkts = [o for o in recs if o.get("type") == "packet"]
            ok = check(rc == 0 and len(conns) == nconn and os.path.getsize(pcap) > 24,
                       f"{label}: exit 0, pcap saved, {nconn} connection(s)",
                       f"exit {rc}, {len(conns)} conns; stderr: {err.strip()[-300:]}")
            m = re.search(r"(\d+) packets? saved to (\S+)", narr)
            check(m is not None and int(m.group(1)) == len(pkts) and m.group(2) == pcap,
                  f"{label}: says where the pcap is and how many packets it holds ({len(pkts)})",
                  m.group(0) if m else narr[-300:])
            if ok:
                for good, what, detail in expect(conns, pkts, narr):
                    check(good, f"{label}: {what}", detail)
            stray, named, socks = leftovers(before_ns, before_named)
            check(not stray and not named and not socks,
                  f"{label}: no process, namespace or socket left behind",
                  f"processes {stray}, named netns changed {named}, host sockets {socks}")

        if skipped:
            finish()
        # The default view is explain, on the same capture machinery.
        rc, out, err, pcap = run_lab("http", [], tmp, view=None)
        narr, body = split_output(out, "explain")
        check(rc == 0 and len(body.strip()) > 0, "lab http with the default explain view prints an explanation",
              f"exit {rc}: {err.strip()[-300:]}")
    finish()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# \summary: live capture tests: synfin -i lo against connections this test makes itself.
#
# Needs root (or CAP_NET_RAW): without it every case is reported as skipped.
# Checks: the connections reported are exactly the ones made (open/close
# kinds, bytes each way); lines stream as packets arrive; -c N; SIGINT and
# SIGTERM stop cleanly with tcpdump's closing counts and a complete -w file
# that libpcap reads to the last packet; the capturing process no longer
# runs as uid 0 once the device is open; clear errors.
# Last line: "N passed, N failed, N skipped".
import json
import os
import pwd
import re
import selectors
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

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


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Capture:
    """synfin VIEW -i lo ... FILTER, running; stdout collected by a thread."""

    def __init__(self, view_args, filt, extra=(), env=None, preexec=None, iface="lo"):
        argv = [SYNFIN] + list(view_args) + ["-i", iface] + list(extra) + [filt]
        self.argv = argv
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env, preexec_fn=preexec)
        self.lines = []
        self.err = ""
        self.ready = False
        sel = selectors.DefaultSelector()
        sel.register(self.p.stderr, selectors.EVENT_READ)
        deadline = time.time() + 10 * SLOW
        buf = b""
        while time.time() < deadline and b"\n" not in buf:
            if not sel.select(timeout=0.2):
                if self.p.poll() is not None:
                    break
                continue
            chunk = os.read(self.p.stderr.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
        sel.close()
        self.err = buf.decode(errors="replace")
        self.ready = "listening on" in self.err
        self.t = threading.Thread(target=self._read_stdout, daemon=True)
        self.t.start()

    def _read_stdout(self):
        for line in self.p.stdout:
            self.lines.append((time.time(), line.decode(errors="replace").rstrip("\n")))

    def status(self):
        try:
            with open(f"/proc/{self.p.pid}/status") as f:
                return dict(l.split(":", 1) for l in f if ":" in l)
        except OSError:
            return {}

    def stop(self, sig=signal.SIGINT, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        return self.wait(timeout)

    def wait(self, timeout=10):
        try:
            rc = self.p.wait(timeout=timeout * SLOW)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
            self.err += "\n(killed: did not stop)"
        self.err += self.p.stderr.read().decode(errors="replace")
        self.t.join(5)
        return rc


def closing_counts(err):
    """tcpdump's three closing lines -> dict, or None."""
    out = {}
    for line in err.splitlines():
        for key in ("captured", "received by filter", "dropped by kernel"):
            if line.endswith(f"packets {key}") or line.endswith(f"packet {key}"):
                out[key] = int(line.split()[0])
    return out if len(out) == 3 else None


def pcap_records(path):
    """Parse a classic pcap file: (linktype, [caplen...]); raises on a cut record."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError(f"{len(data)} bytes: no pcap header")
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        raise ValueError(f"bad magic {magic:#x}")
    link = struct.unpack(e + "I", data[20:24])[0]
    off, caps = 24, []
    while off < len(data):
        if off + 16 > len(data):
            raise ValueError(f"record header cut at byte {off}")
        _, _, incl, _ = struct.unpack(e + "IIII", data[off:off + 16])
        if off + 16 + incl > len(data):
            raise ValueError(f"record body cut at byte {off}")
        caps.append(incl)
        off += 16 + incl
    return link, caps


# ---- the connections this test makes (client side, server side) ----

def make_connections(port):
    """Four connections on 127.0.0.1:port; returns {client "ip:port": expectation}."""
    exp = {}
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(8)
    lst.settimeout(5)

    def client():
        c = socket.socket()
        c.settimeout(5)
        c.bind(("127.0.0.1", 0))
        return c

    def recv_exact(s, n):
        got = b""
        while len(got) < n:
            b = s.recv(n - len(got))
            if not b:
                break
            got += b
        return got

    def recv_eof(s):
        got = b""
        while True:
            b = s.recv(65536)
            if not b:
                return got
            got += b

    # A: request 100 bytes, response 3000 bytes, the client closes first.
    c = client()
    c.connect(("127.0.0.1", port))
    s, _ = lst.accept()
    c.sendall(b"a" * 100)
    recv_exact(s, 100)
    s.sendall(b"b" * 3000)
    recv_exact(c, 3000)
    name = "%s:%d" % c.getsockname()
    c.close()
    recv_eof(s)
    s.close()
    exp[name] = dict(what="full exchange, client closes", open={"handshake"},
                     close={"fin_3way", "fin_4way"}, active_closer="client", c2s_bytes=100, s2c_bytes=3000)

    # B: 10 bytes, then the client aborts (SO_LINGER 0): RST.
    c = client()
    c.connect(("127.0.0.1", port))
    s, _ = lst.accept()
    c.sendall(b"c" * 10)
    recv_exact(s, 10)
    name = "%s:%d" % c.getsockname()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    time.sleep(0.05)
    s.close()
    exp[name] = dict(what="abortive close by the client", open={"handshake"}, close={"rst_client"},
                     active_closer="client", c2s_bytes=10, s2c_bytes=0)

    # C: refused: nothing listens on 127.0.0.2:port.
    c = client()
    name = "%s:%d" % c.getsockname()
    try:
        c.connect(("127.0.0.2", port))
        refused = False
    except ConnectionRefusedError:
        refused = True
    c.close()
    exp[name] = dict(what="refused (RST to the SYN)", open={"refused"}, close={"refused"},
                     c2s_bytes=0, s2c_bytes=0, refused_by_kernel=refused)

    # D: half-close: 20 bytes then shutdown(SHUT_WR); the server still sends 500.
    c = client()
    c.connect(("127.0.0.1", port))
    s, _ = lst.accept()
    c.sendall(b"d" * 20)
    c.shutdown(socket.SHUT_WR)
    recv_eof(s)
    s.sendall(b"e" * 500)
    s.close()
    recv_eof(c)
    name = "%s:%d" % c.getsockname()
    c.close()
    exp[name] = dict(what="half-close, then the server sends", open={"handshake"}, close={"half_close"},
                     active_closer="client", c2s_bytes=20, s2c_bytes=500)
    lst.close()
    return exp


def parse_json(lines):
    pk, cn, bad = [], [], []
    for _, l in lines:
        try:
            o = json.loads(l)
        except ValueError:
            bad.append(l)
            continue
        t = o.get("type")
        if t == "stats":  # the run's closing totals
            continue
        (pk if t == "packet" else cn if t == "conn" else bad).append(o)
    return pk, cn, bad


def compare_conns(label, conns, exp):
    by_client = {c["client"]: c for c in conns}
    check(sorted(by_client) == sorted(exp) and len(conns) == len(exp),
          f"{label}: exactly the {len(exp)} connections made",
          f"got {sorted(c['client'] + '>' + c['server'] for c in conns)}, made {sorted(exp)}")
    for name, e in exp.items():
        c = by_client.get(name)
        if not c:
            check(False, f"{label}: {e['what']} ({name}) reported")
            continue
        got = dict(open=c["open"], close=c["close"], active_closer=c.get("active_closer"),
                   c2s_bytes=c["c2s_bytes"], s2c_bytes=c["s2c_bytes"])
        ok = (c["open"] in e["open"] and c["close"] in e["close"]
              and c["c2s_bytes"] == e["c2s_bytes"] and c["s2c_bytes"] == e["s2c_bytes"]
              and ("active_closer" not in e or c.get("active_closer") == e["active_closer"]))
        check(ok, f"{label}: {e['what']}: open {c['open']}, close {c['close']}, "
                  f"bytes {c['c2s_bytes']}/{c['s2c_bytes']}", f"got {got}, expected {e}")


def default_drop_uid():
    for n in ("synfin", "_synfin", "nobody"):
        try:
            return n, pwd.getpwnam(n).pw_uid
        except KeyError:
            pass
    return "nobody", 65534


def test_json_sigint(tmp):
    port = free_port()
    wfile = os.path.join(tmp, "live.pcap")
    cap = Capture(["json"], f"tcp port {port}", ["-w", wfile])
    if not cap.ready:
        cap.stop(signal.SIGKILL)
        if "permission" in cap.err or "CAP_NET_RAW" in cap.err:
            skip("live capture", "the capture device cannot be opened: " + cap.err.strip())
            return False
        check(False, "synfin json -i lo starts", cap.err.strip())
        return False
    check(True, "synfin json -i lo -w FILE starts and says 'listening on lo'")

    # Privileges: the device is open, so root must be gone.
    st = cap.status()
    uids = st.get("Uid", "").split()
    name, want = default_drop_uid()
    check(len(uids) == 4 and all(u == str(want) for u in uids),
          f"capturing process runs as {name} (uid {want}), not root, after opening the device",
          f"Uid: {st.get('Uid', '?').strip()}")
    check(st.get("CapEff", "").strip() in ("0000000000000000",),
          "capturing process has no effective capabilities", st.get("CapEff", "?").strip())
    gids = st.get("Groups", "").split()
    check("0" not in gids, "capturing process kept no supplementary group 0", st.get("Groups", "?"))

    exp = make_connections(port)
    time.sleep(0.3 * SLOW)
    rc = cap.stop(signal.SIGINT)
    check(rc == 0, "SIGINT stops the capture with exit status 0", f"exit {rc}; stderr {cap.err!r}")
    pk, cn, bad = parse_json(cap.lines)
    check(not bad, "every stdout line is a JSON packet, conn or stats record", repr(bad[:3]))
    compare_conns("live json", cn, exp)

    frames = [p["frame"] for p in pk]
    check(frames == list(range(1, len(frames) + 1)), "live frame numbers run 1..N",
          repr(frames[:10]))
    counts = closing_counts(cap.err)
    check(counts is not None, "tcpdump's closing counts on stderr (captured / received by filter / "
          "dropped by kernel)", repr(cap.err))
    if counts:
        check(counts["captured"] == len(pk), f"'{counts['captured']} packets captured' = "
              f"{len(pk)} packet records")
        check(counts["received by filter"] >= counts["captured"], "received by filter >= captured")
    try:
        link, caps = pcap_records(wfile)
        check(link == 1 and len(caps) == len(pk),
              f"-w file is a complete pcap: {len(caps)} records, all whole, "
              f"as many as packets shown ({len(pk)})", f"link {link}")
    except (OSError, ValueError) as e:
        check(False, "-w file is a complete pcap", str(e))
        return True
    r = subprocess.run(["tcpdump", "-nn", "-r", wfile], capture_output=True, text=True) \
        if shutil_which("tcpdump") else None
    if r is not None:
        n = len([l for l in r.stdout.splitlines() if "Flags [" in l])
        check(r.returncode == 0 and n == len(pk), f"tcpdump -r reads the -w file to the last "
              f"packet ({n} of {len(pk)})", r.stderr.strip())
    # The same file through the file backend gives the same connections.
    r = subprocess.run([SYNFIN, "json", wfile], capture_output=True, text=True)
    fpk, fcn, _ = parse_json([(0, l) for l in r.stdout.splitlines()])
    compare_conns("json of the -w file", fcn, exp)
    check([(p["frame"], p["flags"], p["len"]) for p in fpk] == [(p["frame"], p["flags"], p["len"]) for p in pk],
          "live packet records equal the -w file's (frame, flags, len)")
    return True


def shutil_which(name):
    for d in os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":") + ["/usr/sbin", "/usr/bin"]:
        if os.access(os.path.join(d, name), os.X_OK):
            return True
    return False


def one_connection(port, payload=b"hello"):
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", port))
    lst.listen(1)
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    s, _ = lst.accept()
    c.sendall(payload)
    s.recv(100)
    c.close()
    s.recv(100)
    s.close()
    lst.close()


def tcpdump_prefix(line):
    """A tcpdump TCP line up to and including 'length N'."""
    m = re.match(r"(.*? length \d+)", line)
    return m.group(1) if m else line


def test_lines_stream_sigterm(tmp):
    port = free_port()
    wfile = os.path.join(tmp, "lines.pcap")
    env = dict(os.environ, TZ="UTC")
    cap = Capture(["--plain"], f"tcp port {port}", ["-w", wfile], env=env)
    if not check(cap.ready, "synfin --plain -i lo starts", cap.err):
        cap.stop(signal.SIGKILL)
        return
    t0 = time.time()
    one_connection(port)
    deadline = t0 + 3 * SLOW
    while time.time() < deadline and not any("Flags [S]" in l for _, l in cap.lines):
        time.sleep(0.05)
    running = cap.p.poll() is None
    seen = [l for _, l in cap.lines]
    check(running and any("Flags [S]" in l for l in seen),
          "lines view prints packets as they arrive (SYN line out while still capturing)", repr(seen[:3]))
    time.sleep(0.3 * SLOW)
    rc = cap.stop(signal.SIGTERM)
    flags = [l for _, l in cap.lines if "Flags [" in l]
    check(rc == 0 and closing_counts(cap.err) is not None, "SIGTERM stops cleanly with the closing counts",
          f"exit {rc}, stderr {cap.err!r}")
    counts = closing_counts(cap.err) or {}
    check(len(flags) >= 7 and counts.get("captured") == len(flags),
          f"all {len(flags)} packets of the connection printed, = packets captured",
          f"{counts} vs {len(flags)}")
    if shutil_which("tcpdump"):
        r = subprocess.run(["tcpdump", "-nn", "-r", wfile], capture_output=True, text=True, env=env)
        td = [tcpdump_prefix(l) for l in r.stdout.splitlines() if "Flags [" in l]
        mine = [tcpdump_prefix(l) for l in flags]
        check(td == mine and len(td) == len(flags),
              f"live lines = tcpdump -nn -r of the -w file, byte for byte up to 'length N' ({len(td)} lines)",
              "\n".join(f"  {a}\n  {b}" for a, b in zip(mine, td) if a != b)[:600])


def test_conn_emitted_while_running():
    """conns -i: a connection that ended is reported while the capture still
    runs, with no later packet to push it out (the engine's clock is advanced
    on the capture's idle timeouts)."""
    port = free_port()
    cap = Capture(["conns"], f"tcp port {port}")
    if not check(cap.ready, "synfin conns -i lo starts", cap.err):
        cap.stop(signal.SIGKILL)
        return
    one_connection(port)
    deadline = time.time() + 20 * SLOW  # linger after the close is 10 s of capture time
    row = None
    while time.time() < deadline and row is None:
        row = next((l for _, l in cap.lines if f":{port} " in l and "fin_" in l), None)
        time.sleep(0.2)
    running = cap.p.poll() is None
    check(row is not None and running,
          "conns -i: the finished connection's row appears while still capturing (no later packet)",
          repr([l for _, l in cap.lines][:4]))
    cap.stop(signal.SIGINT)


def test_count():
    port = free_port()
    cap = Capture(["--plain"], f"tcp port {port}", ["-c", "3"])
    if not check(cap.ready, "synfin -c 3 -i lo starts", cap.err):
        cap.stop(signal.SIGKILL)
        return
    one_connection(port, b"x" * 50)
    rc = cap.wait(10)
    flags = [l for _, l in cap.lines if "Flags [" in l]
    counts = closing_counts(cap.err) or {}
    check(rc == 0 and len(flags) == 3 and counts.get("captured") == 3,
          "-c 3 stops by itself after 3 packets ('3 packets captured')",
          f"exit {rc}, {len(flags)} lines, stderr {cap.err!r}")
    check("[S]" in flags[0] if flags else False, "the first of them is the SYN", repr(flags[:1]))


def test_any():
    port = free_port()
    cap = Capture(["--plain"], f"tcp port {port}", ["-c", "3"], iface="any")
    if not check(cap.ready, "synfin -i any starts", cap.err):
        cap.stop(signal.SIGKILL)
        return
    one_connection(port)
    rc = cap.wait(10)
    flags = [l for _, l in cap.lines if "Flags [" in l]
    check(rc == 0 and "LINUX_SLL" in cap.err and len(flags) == 3 and "[S]" in flags[0],
          "-i any: Linux cooked frames decoded, handshake lines shown", f"exit {rc}: {cap.err.strip()}")


def run_err(args, preexec=None):
    r = subprocess.run([SYNFIN] + args, capture_output=True, text=True, timeout=20 * SLOW,
                       preexec_fn=preexec)
    return r.returncode, r.stderr


def as_nobody():
    nob = pwd.getpwnam("nobody")
    os.setgroups([])
    os.setgid(nob.pw_gid)
    os.setuid(nob.pw_uid)


def test_errors(tmp):
    rc, err = run_err(["-i", "nosuchif0", "tcp"])
    check(rc == 1 and "nosuchif0" in err and "no such interface" in err,
          "unknown interface: clear message, exit 1", f"exit {rc}: {err.strip()}")
    rc, err = run_err(["-i", "lo", "tcp prot 80"])
    check(rc == 2 and "filter" in err and "syntax error" in err,
          "bad filter: libpcap's message, exit 2", f"exit {rc}: {err.strip()}")
    rc, err = run_err(["-i", "lo", "-Z", "no_such_user_xyz", "tcp"])
    check(rc != 0 and "no_such_user_xyz" in err, "-Z with an unknown user is refused", f"exit {rc}: {err.strip()}")
    rc, err = run_err(["-i", "lo", "-w", os.path.join(tmp, "no", "such", "dir.pcap"), "tcp"])
    check(rc == 1 and "-w" in err, "-w into a missing directory: clear message, exit 1", f"exit {rc}: {err.strip()}")
    rc, err = run_err(["-i", "lo", "tcp"], preexec=as_nobody)
    check(rc == 1 and "CAP_NET_RAW" in err and "root" in err,
          "no permission: says root or CAP_NET_RAW is needed, exit 1", f"exit {rc}: {err.strip()}")
    r = subprocess.run([SYNFIN, "-D"], capture_output=True, text=True)
    check(r.returncode == 0 and any(l.split(".", 1)[1].startswith("lo ") for l in r.stdout.splitlines() if "." in l),
          "-D lists the interfaces (lo among them)", r.stdout + r.stderr)


def test_user_option():
    try:
        daemon = pwd.getpwnam("daemon")
    except KeyError:
        skip("-Z daemon", "no user 'daemon'")
        return
    port = free_port()
    cap = Capture(["--plain"], f"tcp port {port}", ["-Z", "daemon"])
    if not check(cap.ready, "synfin -Z daemon -i lo starts", cap.err):
        cap.stop(signal.SIGKILL)
        return
    st = cap.status()
    check(st.get("Uid", "").split() == [str(daemon.pw_uid)] * 4 and st.get("Gid", "").split() == [str(daemon.pw_gid)] * 4,
          f"-Z daemon: real, effective, saved and fs uid/gid all daemon's ({daemon.pw_uid}/{daemon.pw_gid})",
          f"Uid {st.get('Uid', '?').strip()} Gid {st.get('Gid', '?').strip()}")
    cap.stop(signal.SIGINT)


def main():
    if not os.access(SYNFIN, os.X_OK):
        check(False, f"{SYNFIN} exists")
        finish()
    if os.geteuid() != 0:
        for t in ("live json capture", "lines streaming", "-c", "errors", "-Z"):
            skip(t, "not root: live capture tests need root (CI runs them as root)")
        finish()
    with tempfile.TemporaryDirectory(prefix="synfin-live-") as tmp:
        os.chmod(tmp, 0o755)
        if not test_json_sigint(tmp):
            if skipped:
                finish()
        test_lines_stream_sigterm(tmp)
        test_count()
        test_conn_emitted_while_running()
        test_any()
        test_errors(tmp)
        test_user_option()
    finish()


if __name__ == "__main__":
    main()

# \summary: the reader and render threads change nothing: every view, with and without them, prints the same bytes
"""
synfin writes the lines/json/verbose text on a thread of its own, and for
lines and verbose reads and decodes files ahead on a third (json's render
thread gets the fields it prints copied instead; docs/performance.md).
SYNFIN_NO_THREAD=1 does all of it on one thread. For every capture of tests/corpus (seeds, lab,
zeek, tcpdump/tcp, and a sample of tcpdump/robustness) and every view, both
must give the same stdout, stderr and exit status -- including runs over
several files with a missing and a cut one (errors come after the output of
the packets before them), -c N, and tcpdump text input.
Under SYNFIN_TEST_MODE=asan every 4th capture is run (the ASan binary is slow).
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

SYNFIN = corpus.synfin_path()
ASAN = os.environ.get("SYNFIN_TEST_MODE") == "asan"
T = corpus.Tally()
check = T.check


def run(args, threads):
    env = dict(os.environ, TZ="UTC")
    if threads:
        env.pop("SYNFIN_NO_THREAD", None)
    else:
        env["SYNFIN_NO_THREAD"] = "1"
    r = subprocess.run([SYNFIN] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return r.returncode, r.stdout, r.stderr


def same(args, what):
    a, b = run(args, True), run(args, False)
    ok = a == b
    if not ok:
        for name, x, y in (("exit", a[0], b[0]), ("stdout", a[1], b[1]), ("stderr", a[2], b[2])):
            if x != y:
                print("  %s differs for %s (threads: %d bytes, one thread: %d bytes)" %
                      (name, what, len(x) if isinstance(x, bytes) else x, len(y) if isinstance(y, bytes) else y))
    check(ok, what)
    return a


VIEWS = (["--plain"], [], ["json"], ["conns"], ["verbose"], ["explain"], ["ladder"], ["-S", "--plain"])

caps = list(corpus.captures(("seeds", "lab", "zeek", "tcpdump/tcp")))
robust = list(corpus.captures(("tcpdump/robustness",)))[::10]
if ASAN:
    caps, robust = caps[::4], robust[::4]
runs = 0
for cap in caps:
    for v in VIEWS:
        same(v + [cap.path], "%s %s" % (" ".join(v) or "lines", cap))
        runs += 1
for cap in robust:
    for v in (["--plain"], ["json"]):
        same(v + [cap.path], "%s %s" % (" ".join(v), cap))
        runs += 1

# several inputs, a missing one and one cut inside a record; -c; text input
seed = os.path.join(corpus.ROOT, "seeds", "seed003-curl-hello.pcap")
bulk = os.path.join(corpus.ROOT, "lab", "loss-bulk.pcap")
text = os.path.join(corpus.ROOT, "seeds", "seed001-close-client-side.txt")
with tempfile.TemporaryDirectory() as d:
    cut = os.path.join(d, "cut.pcap")
    with open(seed, "rb") as f:
        data = f.read()
    with open(cut, "wb") as f:
        f.write(data[:len(data) - 30])
    for v in VIEWS:
        r = same(v + [seed, os.path.join(d, "missing.pcap"), cut, bulk], "%s several files with errors" % v)
        check(r[0] == 1 and b"missing.pcap" in r[2] and b"cut.pcap" in r[2],
              "%s several files: exit 1 naming both bad files (%r)" % (v, r[2][:200]))
        for n in ("1", "7", "500"):
            same(v + ["-c", n, bulk, seed], "%s -c %s" % (v, n))
        same(v + [text, seed], "%s text then pcap" % v)
        runs += 5

# text input whose hosts are names, not numbers: json's render thread gets
# the packets' fields copied (lean entries, render/async.h), the names too
named = os.path.join(corpus.ROOT, "seeds", "seed004-http-9999.txt")
for v in (["json"], ["--plain"], ["verbose"]):
    r = same(v + [named], "%s text input with host names" % v)
    check(r[0] == 0 and (v == ["verbose"] or (b"localhost" in r[1] and b"bogon" in r[1])),
          "%s text input with host names: the names are printed" % v)
    runs += 1

# a tiny read-ahead ring (8 records; 1 MiB, room for the largest frame) with the
# render thread's batches of 2048: the reader waits for packets the render
# thread holds; the engine must wake it before waiting itself (no deadlock)
def run_env(args, extra):
    env = dict(os.environ, TZ="UTC", **extra)
    env.pop("SYNFIN_NO_THREAD", None)
    r = subprocess.run([SYNFIN] + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return r.returncode, r.stdout, r.stderr


for cap in caps[::3]:
    for v in (["json"], ["--plain"], ["verbose"]):
        try:
            a = run_env(v + [cap.path], {"SYNFIN_READ_AHEAD": "8:1048576"})
        except subprocess.TimeoutExpired:
            check(False, "%s %s with a tiny read-ahead ring: hung" % (v, cap))
            continue
        b = run(v + [cap.path], False)
        check(a == b, "%s %s with a tiny read-ahead ring (8 records)" % (v, cap))
        runs += 1

# json's render thread pages the mapped file for the engine (src/source/paging.c):
# it must also release what is behind, so that a file far larger than the
# window (8 MiB ahead) leaves the peak RSS flat. A 96 MiB capture of 60 KB
# segments; held whole, its pages alone would be 96 MiB of RSS.
# A child's ru_maxrss counts the process it was forked from, before its exec:
# here this Python, grown large by now. So a fresh, small Python starts synfin
# and reports its exit status and peak RSS.
MEASURE = ("import os, subprocess, sys\n"
           "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
           "_, st, ru = os.wait4(p.pid, 0)\n"
           "print(os.waitstatus_to_exitcode(st), ru.ru_maxrss)\n")


def peak_rss_kib(args, extra):
    env = dict(os.environ, TZ="UTC", **extra)
    r = subprocess.run([sys.executable, "-c", MEASURE, SYNFIN] + args, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    try:
        rc, kib = (int(x) for x in r.stdout.split())
    except ValueError:
        return -1, 0, r.stderr
    return rc, kib, r.stderr


if not ASAN:                             # (ASan's shadow memory makes RSS meaningless here)
    import pcapgen                       # noqa: E402
    with tempfile.TemporaryDirectory() as d:
        big = os.path.join(d, "big.pcap")
        with open(big, "wb") as f:
            w = pcapgen.PcapWriter(f)
            c, s_ = "10.0.0.1", "10.0.0.2"
            w.tcp(1.0, c, 40000, s_, 80, 1000, 0, pcapgen.SYN)
            w.tcp(1.001, s_, 80, c, 40000, 5000, 1001, pcapgen.SYN | pcapgen.ACK)
            w.tcp(1.002, c, 40000, s_, 80, 1001, 5001, pcapgen.ACK)
            seq = 1001
            for i in range(1680):        # 1680 x ~60 KB = 96 MiB
                w.tcp(1.01 + i * 0.0001, c, 40000, s_, 80, seq, 5001, pcapgen.ACK | pcapgen.PSH, payload_len=60000)
                seq += 60000
        size_mib = os.path.getsize(big) >> 20
        for extra, what in (({}, "threads (the render thread pages)"), ({"SYNFIN_NO_THREAD": "1"}, "one thread")):
            rc, kib, err = peak_rss_kib(["json", big], extra)
            check(rc == 0 and kib < 40 * 1024,
                  "json on a %d MiB capture, %s: peak RSS %d KiB < 40 MiB (exit %d, %r)" % (size_mib, what, kib, rc, err[:200]))
            runs += 1

print("%d runs compared (views: %s)" % (runs, ", ".join(" ".join(v) or "lines" for v in VIEWS)))
T.finish()

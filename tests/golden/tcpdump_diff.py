# \summary: differential check against the local tcpdump: mutated corpus packets and random IPv6 extension chains
"""Used by test_tcpdump_lines.py (and runnable alone: python3 tcpdump_diff.py [N] [SEED]).

Builds pcap files from corpus packets with random byte changes and snaplen cuts, and
from random IPv6 extension-header chains, runs the local `tcpdump -nn -r` and
`synfin --plain` on each (TZ=UTC), and compares their TCP lines on the prefix up to
`length N`. Files where tcpdump guesses nothing for an IP length of 0 (`bad-len 0`,
BIG TCP/TSO: a documented difference, docs/compat.md) are skipped. Needs tcpdump
4.99.3 (the oracles' version); returns None when it is not installed.
"""
import difflib
import glob
import os
import random
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

LENGTH_RE = re.compile(r"^(.*?, length \d+)")
TCP_RE = re.compile(r"\bIP6? .*Flags \[")


def prefix(line):
    m = LENGTH_RE.match(line)
    return m.group(1) if m else line.rstrip()


def tcpdump_version():
    try:
        r = subprocess.run(["tcpdump", "--version"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"tcpdump version (\S+)", (r.stdout + r.stderr).decode("utf-8", "replace"))
    return m.group(1) if m else None


def records(b):
    off, out = 24, []
    while off + 16 <= len(b):
        cl = struct.unpack("<I", b[off + 8:off + 12])[0]
        out.append(bytearray(b[off:off + 16 + cl]))
        off += 16 + cl
    return out


def mutated(rng, srcs):
    b = open(rng.choice(srcs), "rb").read()
    rs = records(b)
    out = bytearray(b[:24])
    for r in rng.sample(rs, min(len(rs), 20)):
        r = bytearray(r)
        for _ in range(rng.randint(1, 6)):
            if len(r) > 17:
                r[rng.randint(16, len(r) - 1)] = rng.randint(0, 255)
        if rng.random() < 0.2:
            cl = struct.unpack("<I", r[8:12])[0]
            nc = rng.randint(0, cl)
            r = r[:16 + nc]
            r[8:12] = struct.pack("<I", nc)
        out += r
    return bytes(out)


def ipv6_chains(rng, n=40):
    def tcp(opts):
        return struct.pack(">HHIIHHHH", 40000, 80, 1000, 2000, ((20 + len(opts)) // 4) << 12 | 0x18,
                           512, 0, 0) + opts + b"hi"

    def ext(kind, nxt):
        if kind in (0, 60):
            k = rng.choice([0, 1])
            return bytes([nxt, k, 1, 4 + 8 * k]) + bytes(4 + 8 * k)
        if kind == 43:
            t = rng.choice([0, 2, 4, 3])
            if t in (0, 2):
                na = rng.choice([0, 1, 2])
                return bytes([nxt, 2 * na, t, rng.randint(0, na)]) + bytes(4) + bytes(range(16)) * na
            if t == 4:
                na = rng.choice([1, 2])
                return bytes([nxt, 2 * na, 4, 0, na - 1, 0, 0, 7]) + bytes(range(16)) * na
            return bytes([nxt, 0, t, 0]) + bytes(4)
        if kind == 44:
            return bytes([nxt, 0]) + struct.pack(">HI", rng.choice([0, 0, 8]) | rng.choice([0, 1]),
                                                 rng.randint(0, 99999))
        return bytes([nxt, 2, 0, 0]) + struct.pack(">II", 0x1234, 5) + bytes([0xde, 0xad, 0xbe, 0xef])

    pk = []
    for _ in range(n):
        chain = [rng.choice([0, 60, 43, 44, 51]) for _ in range(rng.randint(1, 3))]
        chain = [chain[0]] + [c for c in chain[1:] if c != 0]
        body = tcp(rng.choice([b"", bytes([2, 4, 5, 0xb4]), bytes([1, 1, 8, 10]) + bytes(8)]))
        exts = b"".join(ext(k, nx) for k, nx in zip(chain, chain[1:] + [6]))
        ip = struct.pack(">IHBB", 0x60000000, len(exts) + len(body), chain[0], 64)
        ip += bytes(15) + b"\x01" + bytes(15) + b"\x02"
        pk.append(b"\0" * 12 + b"\x86\xdd" + ip + exts + body)
    hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    return hdr + b"".join(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)) + p
                          for i, p in enumerate(pk))


def run(n_files=40, seed=1, verbose=False):
    """Returns (files compared, files skipped, list of (file description, diff lines)),
    or None when tcpdump 4.99.3 is not available."""
    if tcpdump_version() != "4.99.3":
        return None
    rng = random.Random(seed)
    srcs = [p for p in glob.glob(os.path.join(corpus.ROOT, "*", "*.pcap"))
            + glob.glob(os.path.join(corpus.ROOT, "tcpdump", "tcp", "*.pcap"))
            if os.path.getsize(p) < 3000000 and open(p, "rb").read(4) == b"\xd4\xc3\xb2\xa1"
            and "bigtcp" not in p and "_tso" not in p]  # BIG TCP/TSO: documented
    env = dict(os.environ, TZ="UTC")
    compared = skipped = 0
    bad = []
    with tempfile.TemporaryDirectory(prefix="synfin-diff-") as tmp:
        for i in range(n_files):
            data = ipv6_chains(rng) if i % 4 == 3 else mutated(rng, srcs)
            path = os.path.join(tmp, "f%d.pcap" % i)
            with open(path, "wb") as f:
                f.write(data)
            t = subprocess.run(["tcpdump", "-nn", "-r", path], capture_output=True, env=env,
                               timeout=30).stdout.decode("utf-8", "replace").splitlines()
            if any("bad-len 0" in l for l in t):
                skipped += 1
                continue
            s = corpus.run_synfin(["--plain", path], timeout=30).stdout.splitlines()
            a = [prefix(l) for l in t if TCP_RE.search(l)]
            b = [prefix(l) for l in s if TCP_RE.search(l)]
            compared += 1
            if a != b:
                d = [x for x in difflib.unified_diff(a, b, lineterm="", n=0)
                     if x[:1] in "+-" and x[:3] not in ("+++", "---")]
                bad.append(("file %d (seed %d)" % (i, seed), d))
                if verbose:
                    print("\n".join(d[:6]))
    return compared, skipped, bad


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    r = run(n, seed, verbose=True)
    if r is None:
        print("tcpdump 4.99.3 not installed")
    else:
        print("compared %d files, skipped %d, %d differ" % (r[0], r[1], len(r[2])))

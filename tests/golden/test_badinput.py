# \summary: bad input: each case of issue 2 item 5 gives one clear message, the right exit status, and the packets before the fault
"""Builds the bad files at test time from a good capture (seed003, Linux cooked,
10 TCP packets) and checks, for every case: the message on stderr names the
file, the packet number and the problem; the exit status (1 for unusable input,
2 for usage errors); and that every packet before the fault was printed.
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

GOOD = os.path.join(corpus.ROOT, "seeds", "seed003-curl-hello.pcap")
passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s %s" % (name, detail))


def records(data):
    """Offsets and caplens of the records of a little-endian pcap."""
    out, off = [], 24
    while off + 16 <= len(data):
        cl = struct.unpack("<I", data[off + 8:off + 12])[0]
        out.append((off, cl))
        off += 16 + cl
    return out


def run(args, stdin=None):
    return corpus.run_synfin(args, timeout=20, stdin=stdin)


def tcp_lines(out):
    return [l for l in out.splitlines() if "Flags [" in l]


def case(name, args, status, must, npkts=None, stdin=None, first_lines=None):
    """Run synfin; check exit status, that stderr holds every string of `must`
    on one line, and how many TCP lines were printed."""
    try:
        r = run(args, stdin=stdin)
    except subprocess.TimeoutExpired:
        check(name, False, "hangs")
        return None
    check(name + " exit status", r.returncode == status,
          "got %d, want %d; stderr: %s" % (r.returncode, status, r.stderr.strip()))
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    hit = [l for l in lines if all(m in l for m in must)]
    check(name + " message", len(hit) == 1,
          "want one stderr line with %r; got: %r" % (must, lines))
    check(name + " no crash", "Sanitizer" not in r.stderr and "runtime error" not in r.stderr,
          r.stderr[-500:])
    if npkts is not None:
        got = tcp_lines(r.stdout)
        check(name + " packets before the fault", len(got) == npkts,
              "printed %d TCP lines, want %d" % (len(got), npkts))
        if first_lines is not None and len(got) >= len(first_lines):
            check(name + " packets are the right ones", got[:len(first_lines)] == first_lines)
    return r


def main():
    good = open(GOOD, "rb").read()
    recs = records(good)
    ref = tcp_lines(run(["--plain", GOOD]).stdout)
    check("reference capture", len(ref) == 10 and len(recs) == 10,
          "seed003 should have 10 TCP packets, got %d" % len(ref))
    tmp = tempfile.mkdtemp(prefix="synfin-bad-")
    try:
        def write(name, data):
            p = os.path.join(tmp, name)
            with open(p, "wb") as f:
                f.write(data)
            return p

        # 1. missing file
        missing = os.path.join(tmp, "no-such-file.pcap")
        case("missing file", ["--plain", missing], 1, [missing, "cannot open", "No such file"], 0)
        # a missing file whose name mentions "filter" is still an input error (1), not usage (2)
        mf = os.path.join(tmp, "bad filter-notes.pcap")
        case("missing file named like a filter", ["--plain", mf], 1, [mf, "cannot open"], 0)

        # 2. unreadable file: a directory always; a mode-000 file when not root
        d = os.path.join(tmp, "adir.pcap")
        os.mkdir(d)
        case("unreadable (directory)", ["--plain", d], 1, [d, "directory"], 0)
        if os.geteuid() != 0:
            p = write("unreadable.pcap", good)
            os.chmod(p, 0)
            case("unreadable (mode 000)", ["--plain", p], 1, [p, "cannot open", "Permission denied"], 0)
        else:
            print("note: running as root, the mode-000 case cannot be unreadable; directory case used")

        # 3. not a capture: binary garbage; and an empty file
        p = write("garbage.pcap", bytes(range(256)) * 4)
        case("not a capture", ["--plain", p], 1, [p, "not a capture"], 0)
        p = write("empty.pcap", b"")
        case("empty file", ["--plain", p], 1, [p, "empty"], 0)

        # 4. cut inside the record header of packet 3 (7 of its 16 header bytes)
        off3 = recs[2][0]
        p = write("cut-header.pcap", good[:off3 + 7])
        case("cut in record header", ["--plain", p], 1,
             [p, "packet 3", "record header", "7 of 16"], 2, first_lines=ref[:2])

        # 5. cut inside the body of packet 3 (20 of its bytes)
        p = write("cut-body.pcap", good[:off3 + 16 + 20])
        cl3 = recs[2][1]
        case("cut in record body", ["--plain", p], 1,
             [p, "packet 3", "packet data", "20 of %d" % cl3], 2, first_lines=ref[:2])

        # the same through stdin ("-"): a pipe, not seekable
        with open(p, "rb") as f:
            case("cut in record body, stdin", ["--plain", "-"], 1, ["(stdin)", "packet 3"], 2, stdin=f)

        # 6. caplen > snaplen: file snaplen 120, packet 4 has caplen 165 (it is
        #    printed as libpcap reads it, cut to 120 bytes; the file goes on)
        hdr = bytearray(good[:24])
        struct.pack_into("<I", hdr, 16, 120)
        big = [i + 1 for i, (_, cl) in enumerate(recs) if cl > 120]
        p = write("caplen-over-snaplen.pcap", bytes(hdr) + good[24:])
        r = case("caplen > snaplen", ["--plain", p], 1,
                 [p, "packet %d" % big[0], "exceeds the file's snapshot length 120"], None)
        if r is not None:
            got = tcp_lines(r.stdout)
            check("caplen > snaplen: packets before it printed", got[:big[0] - 1] == ref[:big[0] - 1])
            check("caplen > snaplen: file goes on", len(got) == 10, "printed %d" % len(got))
            errs = [l for l in r.stderr.splitlines() if "snapshot length" in l]
            check("caplen > snaplen: one line per record", len(errs) == len(big),
                  "%d lines for records %s" % (len(errs), big))

        # 7. unsupported link type (USER0 = 147)
        hdr = bytearray(good[:24])
        struct.pack_into("<I", hdr, 20, 147)
        p = write("user0.pcap", bytes(hdr) + good[24:])
        case("unsupported link type", ["--plain", p], 1, [p, "unsupported link type", "147"], 0)

        # 8. bad filter: usage error, exit 2, nothing read
        case("bad filter", ["--plain", GOOD, "port nonsense"], 2, ["bad filter", "nonsense"], 0)

        # 9. several inputs: a bad one in the middle does not stop the others;
        #    frame numbers count on across files
        cut = write("cut2.pcap", good[:off3 + 7])
        r = case("bad file among good ones", ["--plain", GOOD, missing, cut, GOOD], 1,
                 [missing, "cannot open"], 10 + 2 + 10)
        if r is not None:
            msgs = [l for l in r.stderr.splitlines() if "packet 3" in l]
            check("second failure reported with frame number", len(msgs) == 1 and "frame 13" in msgs[0],
                  repr(r.stderr))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    corpus.summary(passed, failed)


if __name__ == "__main__":
    main()

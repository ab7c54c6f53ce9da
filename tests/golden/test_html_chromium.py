#!/usr/bin/env python3
# \summary: the ladder view's --html report opened by headless Chromium: every connection and arrow in the DOM, a screenshot
"""
Writes `synfin ladder --html` for multi-connection captures, opens the file in
headless Chromium (Debian package `chromium`), and checks:
  - from the DOM Chromium built (--dump-dom): one table row and one section per
    connection, one arrow per packet, as many as tshark's oracle counts per
    tcp.stream (independent of synfin); every table link leads to a section;
  - no external resource is referenced, and hostile text from the capture (an
    HTTP request line with markup, built here) arrives as text, not as markup;
  - a screenshot is written (build/test-logs/ladder-*.png) and is not blank.
Chromium missing: installed with apt-get when root, else the test is skipped
with a message (0 passed, 0 failed).
"""
import html.parser
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus  # noqa: E402

T = corpus.Tally()
check = T.check


def find_chromium():
    for n in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(n)
        if p:
            return p
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("chromium is missing; installing the Debian package chromium")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        r = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            print("apt-get install chromium failed: %s" % r.stderr.strip()[-300:])
        return shutil.which("chromium")
    return None


def chromium(binary, args, timeout=120):
    """Runs headless Chromium with a fresh profile; one retry (a loaded machine can
    make it time out). Returns a CompletedProcess (returncode -1 on a timeout)."""
    for attempt in range(2):
        prof = tempfile.mkdtemp(prefix="synfin-chromium-")
        try:
            cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   "--user-data-dir=" + prof] + args
            r = subprocess.run(cmd, capture_output=True, timeout=timeout, text=True, errors="replace")
        except subprocess.TimeoutExpired:
            r = subprocess.CompletedProcess(args, -1, "", "chromium timed out after %d s" % timeout)
        finally:
            shutil.rmtree(prof, ignore_errors=True)
        if r.returncode == 0:
            return r
        print("note: chromium attempt %d failed (%d): %s" % (attempt + 1, r.returncode, r.stderr.strip()[-200:]))
    return r


class Dom(html.parser.HTMLParser):
    """Collects what the checks need from Chromium's serialised DOM."""

    def __init__(self):
        super().__init__()
        self.rows = []            # data-conn of table rows
        self.sections = {}        # data-conn -> number of arrows
        self.arrow_frames = {}    # data-conn -> list of frames
        self.links = []           # href values
        self.ids = set()
        self.external = []        # src/href leaving the page
        self.scripts = 0
        self.cur = None
        self.text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "script":
            self.scripts += 1
        for k in ("src", "href", "xlink:href"):
            v = a.get(k)
            if v is None:
                continue
            if k == "href" and tag == "a":
                self.links.append(v)
            if not v.startswith("#"):
                self.external.append("%s %s=%s" % (tag, k, v))
        cls = (a.get("class") or "").split()
        if tag == "tr" and "conn-row" in cls:
            self.rows.append(a.get("data-conn"))
        if tag == "section" and "conn" in cls:
            self.cur = a.get("data-conn")
            self.sections[self.cur] = 0
            self.arrow_frames[self.cur] = []
        if tag == "g" and "arrow" in cls and self.cur is not None:
            self.sections[self.cur] += 1
            self.arrow_frames[self.cur].append(int(a.get("data-frame", "0")))

    def handle_data(self, data):
        self.text.append(data)


def png_info(path):
    """(width, height, share of non-white pixels) of an 8-bit RGB/RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    pos, idat = 8, b""
    w = h = depth = ctype = 0
    while pos < len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif typ == b"IDAT":
            idat += body
        pos += 12 + n
    if depth != 8 or ctype not in (2, 6):
        return (w, h, None)
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    prev = bytearray(stride)
    inked = 0
    i = 0
    for _ in range(h):
        ft = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ft == 1:
                line[x] = (line[x] + a) & 255
            elif ft == 2:
                line[x] = (line[x] + b) & 255
            elif ft == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        for x in range(0, stride, bpp):
            if line[x] < 200 or line[x + 1] < 200 or line[x + 2] < 200:
                inked += 1
        prev = line
    return (w, h, inked / float(w * h) if w and h else 0.0)


def hostile_pcap(path):
    """A one-connection Ethernet capture whose HTTP request line carries markup."""
    def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
        th = struct.pack(">HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        tot = 20 + len(th) + len(payload)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, tot, 1, 0x4000, 64, 6, 0, bytes(src), bytes(dst))
        eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        return eth + ip + th + payload
    c, s = [10, 0, 0, 1], [10, 0, 0, 2]
    req = b"GET /<script>alert('x')</script>&amp; HTTP/1.1\r\nHost: <b>evil</b>\r\n\r\n"
    pkts = [tcp(c, s, 40000, 80, 1000, 0, 0x02), tcp(s, c, 80, 40000, 5000, 1001, 0x12),
            tcp(c, s, 40000, 80, 1001, 5001, 0x10), tcp(c, s, 40000, 80, 1001, 5001, 0x18, req),
            tcp(s, c, 80, 40000, 5001, 1001 + len(req), 0x10)]
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000, 1000 * i, len(p), len(p)))
            f.write(p)


def oracle_counts(group, name):
    """tshark: packets per tcp.stream (as str keys)."""
    rows = corpus.tshark_rows(corpus.Capture(corpus.ROOT, group, name)) or []
    out = {}
    for r in rows:
        if r["tcp.stream"] != "":
            out[r["tcp.stream"]] = out.get(r["tcp.stream"], 0) + 1
    return out


def main():
    binary = find_chromium()
    if not binary:
        print("SKIP: headless Chromium is not installed (Debian package 'chromium'); "
              "run as root to have it installed, or: apt-get install chromium")
        corpus.summary(0, 0)
    logdir = os.path.join(corpus.REPO, os.environ.get("BUILD", "build"), "test-logs")
    os.makedirs(logdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="synfin-html-")
    try:
        cases = [("lab", "concurrent-50.pcap"), ("lab", "tls-unknown-ca-then-retry.pcap"),
                 ("seeds", "seed001-https-443-30pkts.pcap")]
        if corpus.mode() == "asan":  # Chromium dominates the time: one capture is enough there
            print("asan mode: only %s (and the hostile capture)" % cases[1][1])
            cases = cases[1:2]
        for group, name in cases:
            want = oracle_counts(group, name)
            check(len(want) > 1, "%s: the oracle has several connections" % name)
            out = os.path.join(work, name + ".html")
            r = corpus.run_synfin(["ladder", "--html", out, os.path.join(corpus.ROOT, group, name)], timeout=120)
            if not check(r.returncode == 0 and os.path.exists(out), "%s: synfin ladder --html: %s" % (name, r.stderr.strip())):
                continue
            d = chromium(binary, ["--dump-dom", "file://" + out])
            if not check(d.returncode == 0 and "<html" in d.stdout, "%s: chromium --dump-dom: %s" % (name, d.stderr[-300:])):
                continue
            dom = Dom()
            dom.feed(d.stdout)
            got = dict(dom.sections)
            print("%s: %d connections, %d arrows in the DOM; tshark: %d streams, %d packets"
                  % (name, len(got), sum(got.values()), len(want), sum(want.values())))
            check(sorted(got) == sorted(want), "%s: one section per tshark stream (%s vs %s)" % (name, sorted(got), sorted(want)))
            check(sorted(dom.rows) == sorted(want), "%s: one table row per connection" % name)
            for k, n in want.items():
                check(got.get(k) == n, "%s: connection %s has %s arrows, tshark counts %d packets" % (name, k, got.get(k), n))
                fr = dom.arrow_frames.get(k, [])
                check(fr == sorted(fr), "%s: connection %s arrows in frame order" % (name, k))
            check(all(l.startswith("#") and l[1:] in dom.ids for l in dom.links),
                  "%s: every link leads to an element of the page" % name)
            check(not dom.external, "%s: no external resource (%s)" % (name, dom.external[:3]))
            check(dom.scripts == 0, "%s: no script element" % name)
            if group == "seeds":
                continue  # two screenshots are enough
            shot = os.path.join(logdir, "ladder-%s.png" % name.rsplit(".", 1)[0])
            if os.path.exists(shot):
                os.unlink(shot)
            s = chromium(binary, ["--screenshot=" + shot, "--window-size=1100,1400", "--hide-scrollbars",
                                  "file://" + out])
            info = png_info(shot) if os.path.exists(shot) else None
            print("%s: screenshot %s %s" % (name, shot, info))
            check(s.returncode == 0 and info is not None and info[0] == 1100 and info[1] == 1400,
                  "%s: screenshot written at 1100x1400" % name)
            check(info is not None and info[2] is not None and 0.01 < info[2] < 0.6,
                  "%s: the screenshot shows a drawing (share of inked pixels %s)" % (name, info and info[2]))

        # hostile text from the capture stays text
        pc = os.path.join(work, "hostile.pcap")
        hostile_pcap(pc)
        out = os.path.join(work, "hostile.html")
        r = corpus.run_synfin(["ladder", "--html", out, pc])
        check(r.returncode == 0, "hostile: synfin ladder --html: %s" % r.stderr.strip())
        d = chromium(binary, ["--dump-dom", "file://" + out])
        dom = Dom()
        dom.feed(d.stdout)
        text = "".join(dom.text)
        check(dom.scripts == 0, "hostile: the <script> of the request line did not become an element")
        check(sum(dom.sections.values()) == 5, "hostile: 5 arrows (got %s)" % dom.sections)
        check("/<script>alert('x')</script>&amp;" in text, "hostile: the request line is shown as text")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    T.finish()


if __name__ == "__main__":
    main()

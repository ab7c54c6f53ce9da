# \summary: shared helpers for the golden tests: find captures and read their oracles
"""
Usage (from a test in tests/golden/):
    import corpus
    for cap in corpus.captures(("seeds", "lab", "zeek", "tcpdump/tcp")):
        lines = corpus.oracle_lines(cap, "tcpdump-nn")     # list of str, or None
        rows = corpus.tshark_rows(cap)                    # list of dicts, or None
    corpus.run_synfin(["--plain", cap.path])             # CompletedProcess, TZ=UTC

Oracle files may be stored plain or gzip-compressed (NAME.gz); both read the same.
The copy in tests/corpus/ is what tests rely on; ../shared/corpus (when present)
can be swept as well: shared_root() returns it or None (and says so once).
"""
import csv
import gzip
import io
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ROOT = os.path.join(REPO, "tests", "corpus")
GROUPS = ("seeds", "lab", "zeek", "tcpdump/tcp", "tcpdump/robustness")
CAPTURE_EXT = (".pcap", ".pcapng", ".cap")

_said_absent = False


def shared_root():
    """../shared/corpus next to the repository, or None (printing a note once)."""
    global _said_absent
    for cand in (os.path.join(REPO, "..", "shared", "corpus"),
                 os.environ.get("SYNFIN_SHARED_CORPUS", "")):
        if cand and os.path.isdir(cand):
            return os.path.normpath(cand)
    if not _said_absent:
        print("note: ../shared/corpus is absent; using tests/corpus only")
        _said_absent = True
    return None


class Capture:
    """One capture file and where its oracles live."""

    def __init__(self, root, group, name):
        self.root = root
        self.group = group            # "seeds", "tcpdump/tcp", ...
        self.name = name              # file name, e.g. "seed003-curl-hello.pcap"
        self.path = os.path.join(root, group, name)
        self.stem = name.rsplit(".", 1)[0]
        self.oracle_dir = os.path.join(root, group, "oracle")

    def __repr__(self):
        return "%s/%s" % (self.group, self.name)

    def oracle_path(self, kind):
        """Path of oracle `kind` (e.g. "tcpdump-nn.txt", "tshark.tsv"), plain or .gz, or None."""
        p = os.path.join(self.oracle_dir, "%s.%s" % (self.stem, kind))
        if os.path.exists(p):
            return p
        if os.path.exists(p + ".gz"):
            return p + ".gz"
        return None


def captures(groups=GROUPS, root=None):
    """Captures under root (default tests/corpus) in the given groups, sorted."""
    root = root or ROOT
    out = []
    for g in groups:
        d = os.path.join(root, g)
        if not os.path.isdir(d):
            continue
        for n in sorted(os.listdir(d)):
            if n.endswith(CAPTURE_EXT):
                out.append(Capture(root, g, n))
    return out


def open_text(path):
    """Open a text file, transparently gunzipping NAME.gz (UTF-8, bad bytes replaced)."""
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def read_text(path):
    with open_text(path) as f:
        return f.read()


def oracle_lines(cap, kind):
    """Lines (without newline) of oracle `kind`: "tcpdump-nn", "tcpdump-nnS", "tcpdump-tt",
    or a full suffix such as "tcpdump-nn.txt". None if that oracle is absent."""
    if "." not in kind:
        kind += ".txt"
    p = cap.oracle_path(kind)
    if p is None:
        return None
    return read_text(p).splitlines()


def tshark_rows(cap):
    """The *.tshark.tsv oracle as a list of dicts keyed by field name (all values str;
    empty string when tshark printed nothing). None if absent."""
    p = cap.oracle_path("tshark.tsv")
    if p is None:
        return None
    with open_text(p) as f:
        rd = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = list(rd)
    if not rows:
        return []
    head = rows[0]
    out = []
    for r in rows[1:]:
        r = r + [""] * (len(head) - len(r))
        out.append(dict(zip(head, r)))
    return out


def zeek_conn(cap):
    """The *.zeek-conn.log oracle as a list of dicts (Zeek's #fields), or None."""
    p = cap.oracle_path("zeek-conn.log")
    if p is None:
        return None
    fields, out = None, []
    for line in read_text(p).splitlines():
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        elif line and not line.startswith("#") and fields:
            out.append(dict(zip(fields, line.split("\t"))))
    return out


def synfin_path():
    p = os.environ.get("SYNFIN", "./synfin")
    if not os.path.isabs(p):
        p = os.path.join(REPO, p)
    return p


def mode():
    return os.environ.get("SYNFIN_TEST_MODE", "normal")


def run_synfin(args, timeout=60, stdin=None, env_extra=None):
    """Run synfin with TZ=UTC; returns subprocess.CompletedProcess (text, errors replaced).
    Raises subprocess.TimeoutExpired on a hang."""
    env = dict(os.environ)
    env["TZ"] = "UTC"
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    if env_extra:
        env.update(env_extra)
    return subprocess.run([synfin_path()] + list(args), stdin=stdin, capture_output=True,
                          timeout=timeout, env=env, cwd=REPO, encoding="utf-8",
                          errors="replace")


class Tally:
    """Counts checks; t.check(ok, what) prints FAIL lines, t.finish() the closing line."""

    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL", what)
        return ok

    def finish(self):
        summary(self.passed, self.failed)


def summary(passed, failed):
    """Print the closing line the test runner reads, and exit accordingly."""
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)

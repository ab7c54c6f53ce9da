#!/usr/bin/env python3
"""valgrind memcheck on a sample (issue 9 item 2): the normal build (not the
ASan one) under `valgrind --error-exitcode=99 --leak-check=full
--errors-for-leak-kinds=definite,indirect`, on a handful of captures through
every view, plus the option paths (-S -tt, --plain, --lang zh, --ascii,
--svg/--html, stdin, a BPF filter, several files, a file cut short).

Per run it asserts: no memcheck error and no definite/indirect leak (exit
99 otherwise), the exit status synfin has without valgrind, and the same
stdout byte for byte (so valgrind watched the real work).

Skips (0 passed, 0 failed) when valgrind is absent or under
SYNFIN_TEST_MODE=asan (valgrind cannot run an ASan binary); CI installs
valgrind through mk/deps.sh's test set. Runtime: ~1 minute on 2 cores.
"""
import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..'))
SYNFIN = os.environ.get('SYNFIN', os.path.join(TOP, 'synfin'))
MODE = os.environ.get('SYNFIN_TEST_MODE', 'normal')
C = os.path.join(TOP, 'tests', 'corpus')
VIEWS = ['lines', 'conns', 'json', 'explain', 'ladder', 'verbose']
VALGRIND = ['valgrind', '-q', '--error-exitcode=99', '--leak-check=full',
            '--errors-for-leak-kinds=definite,indirect', '--track-fds=no']

SAMPLE = [
    ('seed003', os.path.join(C, 'seeds', 'seed003-curl-hello.pcap')),
    ('lab TLS alert+retry', os.path.join(C, 'lab', 'tls-unknown-ca-then-retry.pcap')),
    ('zeek HTTP pipelined', os.path.join(C, 'zeek', 'http_pipelined-requests.pcap')),
    ('zeek TLS 1.3 HelloRetryRequest', os.path.join(C, 'zeek', 'tls_hrr.pcap')),
    ('tcpdump truncated TCP', os.path.join(C, 'tcpdump', 'tcp', 'tcp-auth-heapoverflow.pcap')),
    ('-nn text oracle', os.path.join(C, 'seeds', 'oracle', 'seed001-https-443-30pkts.tcpdump-nn.txt')),
]


def run(args, stdin_path=None, vg=True, cwd=None):
    env = dict(os.environ, TZ='UTC', LC_ALL='C.UTF-8')
    stdin = open(stdin_path, 'rb') if stdin_path else subprocess.DEVNULL
    try:
        p = subprocess.run((VALGRIND if vg else []) + [SYNFIN] + args, stdin=stdin,
                           capture_output=True, env=env, timeout=120, cwd=cwd)
    except subprocess.TimeoutExpired:
        return None, b'', b'timeout'
    finally:
        if stdin_path:
            stdin.close()
    return p.returncode, p.stdout, p.stderr


def job(name, args, stdin_path=None, cwd=None):
    """Returns None on success, else the reason."""
    rc0, out0, _ = run(args, stdin_path, vg=False, cwd=cwd)
    rc, out, err = run(args, stdin_path, vg=True, cwd=cwd)
    e = err.decode('utf-8', 'replace')
    if rc is None:
        return 'hang under valgrind (> 120 s)'
    if rc == 99 or '==' in e and ('Invalid' in e or 'uninitialised' in e or 'definitely lost' in e):
        lines = [l for l in e.splitlines() if l.startswith('==')]
        return 'memcheck: ' + ' | '.join(lines[:6])
    if rc != rc0:
        return 'exit %s under valgrind, %s without' % (rc, rc0)
    if out != out0:
        return 'stdout differs under valgrind (%d vs %d bytes)' % (len(out), len(out0))
    if not out0 and rc0 == 0:
        return 'no output'
    return None


def main():
    if MODE == 'asan':
        print('skipped: valgrind runs on the normal build (SYNFIN_TEST_MODE=asan)')
        print('0 passed, 0 failed')
        return 0
    if not shutil.which('valgrind'):
        print('skipped: valgrind is not installed (Debian package valgrind; mk/deps.sh test)')
        print('0 passed, 0 failed')
        return 0
    missing = [p for _, p in SAMPLE if not os.path.exists(p)]
    if missing:
        print('FAIL sample missing: %s' % missing)
        print('0 passed, 1 failed')
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        seed = SAMPLE[0][1]
        # a capture cut short inside a record: every packet before the cut, exit 1
        cut = os.path.join(tmp, 'cut.pcap')
        with open(seed, 'rb') as f:
            b = f.read()
        with open(cut, 'wb') as f:
            f.write(b[:len(b) - 40])
        jobs = [('%s %s' % (n, v), [v, p]) for n, p in SAMPLE for v in VIEWS]
        jobs += [
            ('seed003 lines -S -tt', ['-S', '-tt', seed]),
            ('seed003 lines --plain', ['--plain', seed]),
            ('lab TLS explain --lang zh', ['explain', '--lang', 'zh', SAMPLE[1][1]]),
            ('lab TLS ladder --ascii --conn 1', ['ladder', '--ascii', '--conn', '1', SAMPLE[1][1]]),
            ('lab TLS ladder --svg --html', ['ladder', '--svg', os.path.join(tmp, 'l.svg'),
                                             '--html', os.path.join(tmp, 'l.html'), SAMPLE[1][1]]),
            ('zeek HTTP json with a BPF filter', ['json', SAMPLE[2][1], 'tcp port 80']),
            ('two files (pcap, pcapng), frame numbers counting on',
             ['json', seed, os.path.join(C, 'tcpdump', 'tcp', 'bgp-orf.pcapng')]),
            ('cut-short capture (exit 1)', ['conns', cut]),
            ('cut-short capture, verbose (exit 1)', ['verbose', cut]),
        ]
        stdin_jobs = [('stdin pcap explain', ['explain', '-'], seed),
                      ('stdin text lines', ['lines', '-'], SAMPLE[5][1])]
        passed = failed = 0
        with cf.ThreadPoolExecutor(max_workers=2) as ex:
            futs = [(n, ex.submit(job, n, a)) for n, a in jobs]
            futs += [(n, ex.submit(job, n, a, s)) for n, a, s in stdin_jobs]
            for n, fu in futs:
                res = fu.result()
                if res is None:
                    passed += 1
                    print('ok   ' + n)
                else:
                    failed += 1
                    print('FAIL %s: %s' % (n, res))
        rc, _, _ = run(['conns', cut], vg=False)
        if rc == 1:
            passed += 1
            print('ok   cut-short capture exits 1 (the valgrind runs agree)')
        else:
            failed += 1
            print('FAIL cut-short capture exits %s, want 1' % rc)
    print('valgrind memcheck: %d runs of the normal build (%d captures x %d views + options)'
          % (len(jobs) + len(stdin_jobs), len(SAMPLE), len(VIEWS)))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Sanitizer/robustness sweep: every capture in tests/corpus (and every -nn text
oracle) through every view. Asserts: no crash (signal), no hang (timeout), no
sanitizer report, exit status 0 or 1 (1 only with a 'synfin:' message naming
the problem), and that nothing is printed after a fatal error message is
missing a file name. Under SYNFIN_TEST_MODE=asan this runs the ASan+UBSan build.
Also sweeps ../shared/corpus when present (only files not already copied).
"""
import os, subprocess, sys, concurrent.futures as cf

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..'))
SYNFIN = os.environ.get('SYNFIN', os.path.join(TOP, 'synfin'))
MODE = os.environ.get('SYNFIN_TEST_MODE', 'normal')
VIEWS = ['lines', 'conns', 'json', 'explain', 'ladder', 'verbose']
TIMEOUT = 20 if MODE == 'asan' else 2
# one synfin per core (at least 2): each run is single-threaded
WORKERS = min(max(os.cpu_count() or 2, 2), 8)
BAD = ('runtime error', 'AddressSanitizer', 'LeakSanitizer', 'UndefinedBehaviorSanitizer')

def inputs():
    seen, out = set(), []
    roots = [os.path.join(TOP, 'tests', 'corpus')]
    shared = os.path.normpath(os.path.join(TOP, '..', 'shared', 'corpus'))
    if os.path.isdir(shared):
        roots.append(shared)
    else:
        print('note: ../shared/corpus absent; sweeping tests/corpus only')
    for r in roots:
        for d, _, fs in os.walk(r):
            for f in sorted(fs):
                if f.endswith(('.pcap', '.pcapng')) or f.endswith('.tcpdump-nn.txt'):
                    if f in seen:
                        continue
                    seen.add(f)
                    out.append(os.path.join(d, f))
    return sorted(out)

def run(path, view):
    env = dict(os.environ, TZ='UTC', ASAN_OPTIONS='detect_leaks=1:abort_on_error=0',
               UBSAN_OPTIONS='print_stacktrace=1:halt_on_error=1')
    try:
        p = subprocess.run([SYNFIN, view, path], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=TIMEOUT, env=env)
    except subprocess.TimeoutExpired:
        return 'hang (> %ds)' % TIMEOUT
    err = p.stderr.decode('utf-8', 'replace')
    if p.returncode < 0:
        return 'killed by signal %d' % -p.returncode
    if any(b in err for b in BAD):
        return 'sanitizer report: ' + err.strip().splitlines()[0][:200]
    if p.returncode not in (0, 1):
        return 'exit %d: %s' % (p.returncode, err.strip()[:200])
    if p.returncode == 1 and 'synfin:' not in err:
        return 'exit 1 without a message'
    return None

def main():
    files = inputs()
    views = VIEWS
    jobs = [(f, v) for f in files for v in views]
    passed = failed = 0
    with cf.ThreadPoolExecutor(max_workers=WORKERS) as ex:
        for (f, v), res in zip(jobs, ex.map(lambda a: run(*a), jobs)):
            if res is None:
                passed += 1
            else:
                failed += 1
                print('FAIL %s %s: %s' % (v, os.path.relpath(f, TOP), res))
    print('swept %d inputs x %d views (%s build, %d at a time)' % (len(files), len(views), MODE, WORKERS))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0

if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""--sack-analysis: the SACK-aware extra flags appear only when asked for, and
never change a Wireshark-named flag. The capture is built here: a segment is
retransmitted after it was already acknowledged, and the receiver answers with
a D-SACK block (RFC 2883) covering it."""
import json, os, struct, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from pcapgen import PcapWriter, SYN, ACK, PSH  # noqa: E402

TOP = os.path.normpath(os.path.join(HERE, '..', '..'))
SYNFIN = os.environ.get('SYNFIN', os.path.join(TOP, 'synfin'))
passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    passed += bool(cond)
    failed += not cond
    print(('ok   ' if cond else 'FAIL ') + name + ('' if cond or not detail else ': ' + detail))


def build(path):
    c, s, cisn, sisn = '10.2.0.1', '10.2.0.2', 1000, 50000
    sackok = b'\x04\x02'
    with open(path, 'wb') as f:
        w = PcapWriter(f)
        w.tcp(1.000, c, 40001, s, 80, cisn, 0, SYN, opts=sackok)
        w.tcp(1.010, s, 80, c, 40001, sisn, cisn + 1, SYN | ACK, opts=sackok)
        w.tcp(1.020, c, 40001, s, 80, cisn + 1, sisn + 1, ACK)
        w.tcp(1.030, s, 80, c, 40001, sisn + 1, cisn + 1, PSH | ACK, 100)      # frame 4
        w.tcp(1.040, c, 40001, s, 80, cisn + 1, sisn + 101, ACK)               # frame 5 acks it
        w.tcp(1.300, s, 80, c, 40001, sisn + 1, cisn + 1, PSH | ACK, 100)      # frame 6 resent
        dsack = b'\x01\x01\x05\x0a' + struct.pack('!II', sisn + 1, sisn + 101)
        w.tcp(1.310, c, 40001, s, 80, cisn + 1, sisn + 101, ACK, opts=dsack)   # frame 7 D-SACK


def frames(path, *opts):
    p = subprocess.run([SYNFIN, 'json'] + list(opts) + [path], capture_output=True, text=True,
                       env=dict(os.environ, TZ='UTC'))
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return p.returncode, {r['frame']: r for r in recs if r.get('type') == 'packet'}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, 'dsack.pcap')
        build(path)
        rc0, off = frames(path)
        rc1, on = frames(path, '--sack-analysis')
    check('exit 0 with and without the option', rc0 == 0 and rc1 == 0)
    check('frame 6 is a (spurious) retransmission either way',
          'retransmission' in off.get(6, {}).get('analysis', []) and
          off[6]['analysis'] == [a for a in on[6]['analysis'] if a in off[6]['analysis']],
          '%s / %s' % (off.get(6, {}).get('analysis'), on.get(6, {}).get('analysis')))
    check('default: no extra flag anywhere',
          not any(a in ('dsack', 'sack_spurious_retransmission') for r in off.values() for a in r['analysis']))
    check('--sack-analysis: frame 7 flagged dsack', 'dsack' in on.get(7, {}).get('analysis', []),
          str(on.get(7, {}).get('analysis')))
    same = all([a for a in on[f]['analysis'] if a not in ('dsack', 'sack_spurious_retransmission')]
               == off[f]['analysis'] for f in off)
    check('--sack-analysis: Wireshark-named flags unchanged on every frame', same)
    check('--sack-analysis is in --help',
          '--sack-analysis' in subprocess.run([SYNFIN, '--help'], capture_output=True, text=True).stdout)
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""tcpdump text without timestamps (-t), alone or mixed with timed lines (an
edited paste): no RTT, iRTT or stall is ever computed against an unknown time,
while the acknowledged frame is still found."""
import json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, '..', '..'))
SYNFIN = os.environ.get('SYNFIN', os.path.join(TOP, 'synfin'))
passed = failed = 0


def check(name, cond, detail=''):
    global passed, failed
    passed += bool(cond)
    failed += not cond
    print(('ok   ' if cond else 'FAIL ') + name + ('' if cond or not detail else ': ' + detail))


C, S = 'IP 10.3.0.1.40000 > 10.3.0.2.80', 'IP 10.3.0.2.80 > 10.3.0.1.40000'
LINES = [
    ('12:00:00.000000 ', C + ': Flags [S], seq 100, win 65535, length 0'),
    ('12:00:00.010000 ', S + ': Flags [S.], seq 500, ack 101, win 65535, length 0'),
    ('12:00:00.020000 ', C + ': Flags [.], ack 1, win 65535, length 0'),
    ('', C + ': Flags [P.], seq 1:11, ack 1, win 65535, length 10'),          # untimed
    ('12:00:00.040000 ', S + ': Flags [.], ack 11, win 65535, length 0'),
    ('12:00:00.050000 ', C + ': Flags [P.], seq 11:21, ack 1, win 65535, length 10'),
    ('', S + ': Flags [.], ack 21, win 65535, length 0'),                      # untimed
]


def run(text):
    p = subprocess.run([SYNFIN, 'json', '-'], input=text, capture_output=True, text=True,
                       env=dict(os.environ, TZ='UTC'))
    recs = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    return (p.returncode, {r['frame']: r for r in recs if r.get('type') == 'packet'},
            [r for r in recs if r.get('type') == 'conn'])


def main():
    rc, pk, cn = run(''.join(t + l + '\n' for t, l in LINES))
    check('mixed: exit 0, 7 packets', rc == 0 and len(pk) == 7, str(rc))
    check('mixed: frame 5 acks frame 4 (untimed data), with no RTT',
          pk.get(5, {}).get('acks_frame') == 4 and pk[5].get('ack_rtt') is None, str(pk.get(5)))
    check('mixed: frame 7 (untimed ACK) acks frame 6, with no RTT',
          pk.get(7, {}).get('acks_frame') == 6 and pk[7].get('ack_rtt') is None, str(pk.get(7)))
    check('mixed: the handshake iRTT is still measured (20 ms)',
          cn and cn[0].get('irtt') in ('0.020000', 0.02, '0.020000000'), str(cn[0].get('irtt') if cn else None))
    rc, pk, cn = run(''.join(l + '\n' for _, l in LINES))
    check('untimed: exit 0, 7 packets', rc == 0 and len(pk) == 7)
    check('untimed: acked frames found, no RTT anywhere',
          pk.get(5, {}).get('acks_frame') == 4 and all(r.get('ack_rtt') is None for r in pk.values()),
          str([(f, r.get('acks_frame'), r.get('ack_rtt')) for f, r in pk.items()]))
    check('untimed: no iRTT', cn and cn[0].get('irtt') is None, str(cn[0].get('irtt') if cn else None))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Build libFuzzer seed corpora from tests/corpus (and the committed regressions).

usage: mkseeds.py OUTDIR     -> OUTDIR/{decode,pipeline,text,app,mmapdiff}/

Each target's input starts with option bytes (see the target's comment);
seeds rotate through them so that every view and option has seeds:
  decode    [dlt|snap|view|ns] [flags] frame           frames of pcap and pcapng files
  pipeline  [view|flags] [b1] file                     captures (<= 64 KiB, larger ones
            cut at 64 KiB), the same as pcapng, text oracles in every timestamp form
  text      [view|flags] text                          tcpdump text oracles and seeds,
            rewritten into the -t, -ttt, -tttt, -ttttt forms too
  app       [0x80] [port] records                      per-connection conversations
            (both directions, in capture order) from the captures; chunked streams
  mmapdiff  [filter] file                              classic pcap files and cut copies
"""
import datetime, hashlib, os, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, '..', 'corpus')
DLT_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7, 239: 8}
MAXF = 65536
TARGETS = ('decode', 'pipeline', 'text', 'app', 'mmapdiff')
counts = {t: 0 for t in TARGETS}


def put(out, t, data):
    d = os.path.join(out, t)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    p = os.path.join(d, name)
    if not os.path.exists(p):
        counts[t] += 1
        with open(p, 'wb') as f:
            f.write(data)


# ---- reading captures (seed building only; synfin reads them with libpcap) ----

def read_pcap(b, limit):
    """Classic pcap -> (dlt, [(sec, frac, frame)]) or None."""
    if len(b) < 24:
        return None
    magic = b[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return None
    dlt = struct.unpack(e + 'I', b[20:24])[0] & 0x0fffffff
    off, out = 24, []
    while off + 16 <= len(b) and len(out) < limit:
        sec, frac, incl = struct.unpack(e + 'III', b[off:off + 12])
        if incl > 262144 or off + 16 + incl > len(b):
            break
        out.append((sec, frac, b[off + 16:off + 16 + incl]))
        off += 16 + incl
    return dlt, out


def read_pcapng(b, limit):
    """pcapng -> (dlt of the first interface, [(0, 0, frame)]) or None."""
    if len(b) < 28 or b[:4] != b'\x0a\x0d\x0d\x0a':
        return None
    e = '<' if b[8:12] == b'\x4d\x3c\x2b\x1a' else '>'
    off, dlts, out = 0, [], []
    while off + 12 <= len(b) and len(out) < limit:
        typ, blen = struct.unpack(e + 'II', b[off:off + 8])
        if blen < 12 or off + blen > len(b):
            break
        body = b[off + 8:off + blen - 4]
        if typ == 1 and len(body) >= 8:
            dlts.append(struct.unpack(e + 'H', body[:2])[0])
        elif typ == 6 and len(body) >= 20:
            ifc, _, _, cap, _ = struct.unpack(e + 'IIIII', body[:20])
            if ifc < len(dlts) and ifc == 0:
                out.append((0, 0, body[20:20 + cap]))
        elif typ == 3 and len(body) >= 4 and dlts:
            out.append((0, 0, body[4:]))
        off += blen
    return (dlts[0] if dlts else None), out


def frames_of(path, limit=40):
    with open(path, 'rb') as f:
        b = f.read()
    r = read_pcap(b, limit) or read_pcapng(b, limit)
    return r if r else (None, [])


def ip_of(dlt, fr):
    """(ip bytes) for Ethernet/SLL/SLL2/RAW frames, else None."""
    if dlt == 1:
        off, et = 12, None
        while off + 2 <= len(fr):
            et = fr[off:off + 2]
            if et in (b'\x81\x00', b'\x88\xa8'):
                off += 4
                continue
            break
        return fr[off + 2:] if et in (b'\x08\x00', b'\x86\xdd') else None
    if dlt == 113:
        return fr[16:] if fr[14:16] in (b'\x08\x00', b'\x86\xdd') else None
    if dlt == 276:
        return fr[20:] if fr[0:2] in (b'\x08\x00', b'\x86\xdd') else None
    if dlt in (101, 12, 228, 229):
        return fr
    return None


def tcp_of(ip):
    """(src, dst, sport, dport, seq, flags, payload, caplen-cut?) or None."""
    if not ip or len(ip) < 20:
        return None
    v = ip[0] >> 4
    if v == 4:
        if ip[9] != 6:
            return None
        ihl = (ip[0] & 15) * 4
        tot = struct.unpack('>H', ip[2:4])[0]
        src, dst, tcp, end = ip[12:16], ip[16:20], ip[ihl:], tot - ihl
    elif v == 6 and len(ip) >= 40:
        if ip[6] != 6:
            return None
        plen = struct.unpack('>H', ip[4:6])[0]
        src, dst, tcp, end = ip[8:24], ip[24:40], ip[40:], plen
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack('>HHI', tcp[:8])
    hl = (tcp[12] >> 4) * 4
    wire = max(0, end - hl)
    pay = tcp[hl:hl + wire]
    return src, dst, sport, dport, seq, tcp[13], pay, wire


# ---- seeds per target ----

def seed_decode(out, dlt, frames, k):
    if dlt not in DLT_INDEX:
        return
    for i, (_, _, fr) in enumerate(frames):
        views = (0, 1, 3)[(i + k) % 3] << 5       # lines, verbose, json
        put(out, 'decode', bytes([DLT_INDEX[dlt] | views, (i * 5 + k) & 0x0f]) + fr)


def conversations(dlt, frames):
    """TCP payload records per connection, in capture order: {key: [(dir, payload, cut)]}."""
    convs, first = {}, {}
    for _, _, fr in frames:
        t = tcp_of(ip_of(dlt, fr))
        if not t:
            continue
        src, dst, sp, dp, seq, fl, pay, wire = t
        a, b = (src, sp), (dst, dp)
        key = (a, b) if a < b else (b, a)
        if key not in first:
            first[key] = a if (fl & 0x12) != 0x12 else b   # the client
        d = 0 if a == first[key] else 1
        if wire:
            convs.setdefault(key, []).append((d, pay, len(pay) < wire))
    return convs


def seed_app(out, dlt, frames, port_idx):
    for recs in conversations(dlt, frames).values():
        blob, stream = b'', b''
        for d, pay, cut in recs[:64]:
            pay = pay[:4096]
            kind = 2 if cut else 0
            blob += bytes([d | kind << 1]) + struct.pack('>H', len(pay)) + pay
            stream += pay
            if len(blob) > 16384:
                break
        if blob:
            put(out, 'app', bytes([0x80, port_idx]) + blob)
            put(out, 'app', bytes([0x10, 0x55]) + stream[:8192])


def to_pcapng(dlt, frames, nano):
    """The same frames as pcapng (SHB, IDB with if_tsresol when nano, EPBs)."""
    def block(t, body):
        body += b'\0' * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack('<II', t, n) + body + struct.pack('<I', n)
    shb = block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1))
    opts = (struct.pack('<HHB3x', 9, 1, 9) if nano else b'') + struct.pack('<HH', 0, 0)
    idb = block(1, struct.pack('<HHI', dlt, 0, 262144) + opts)
    out = shb + idb
    for sec, frac, fr in frames:
        ts = sec * (10**9 if nano else 10**6) + frac
        out += block(6, struct.pack('<IIIII', 0, ts >> 32, ts & 0xffffffff, len(fr), len(fr)) + fr)
    return out


def seed_capture(out, path, k):
    with open(path, 'rb') as f:
        b = f.read()
    view = k % 6 | ((k // 6) % 32) << 3
    b1 = (k * 37) & 0x7f            # bit 7 (mmap reader) set on classic pcap below
    dlt, frames = frames_of(path)
    # tcpdump's robustness captures are mostly other protocols: those reach
    # the decoder only (the decode target has their frames); keep the ones
    # with TCP, and one in 8 of the rest, so the corpus loads in seconds
    has_tcp = any(tcp_of(ip_of(dlt, fr)) for _, _, fr in frames)
    if '/robustness/' in path and not has_tcp and k % 8:
        seed_decode(out, dlt, frames, k)
        return
    put(out, 'pipeline', bytes([view, b1]) + b[:MAXF])
    if read_pcap(b, 1):
        put(out, 'pipeline', bytes([(view + 1) % 6, b1 | 0x80]) + b[:MAXF])
        if dlt in (1, 113, 276):       # what the mmap reader takes
            put(out, 'mmapdiff', bytes([k & 3]) + b[:MAXF])
            if len(b) > 64:
                put(out, 'mmapdiff', bytes([0]) + b[:len(b) * 2 // 3])
    if dlt is None:
        return
    seed_decode(out, dlt, frames, k)
    seed_app(out, dlt, frames, k & 3)
    if read_pcap(b, 1) and frames and k % 3 == 0:   # a pcapng twin of some classic captures
        nano = b[:4] in (b'\x4d\x3c\xb2\xa1', b'\xa1\xb2\x3c\x4d')
        put(out, 'pipeline', bytes([(view + 2) % 6, b1 & 0x1f]) + to_pcapng(dlt, frames, nano)[:MAXF])


# -- text in every timestamp form tcpdump prints, from a -tt oracle --

def tt_forms(text):
    """Rewrite '-tt' lines (epoch.frac first) into the -t, -ttt, -tttt, -ttttt forms."""
    forms = {'t': [], 'ttt': [], 'tttt': [], 'ttttt': []}
    prev = first = None
    for line in text.splitlines():
        head, _, rest = line.partition(' ')
        try:
            sec, frac = head.split('.')
            t = int(sec) + int(frac) / 10 ** len(frac)
            w = len(frac)
        except ValueError:
            for f in forms:
                forms[f].append(line)
            continue
        first = t if first is None else first
        d = 0 if prev is None else t - prev
        prev = t
        dt = datetime.datetime.fromtimestamp(int(sec), datetime.timezone.utc)
        forms['t'].append(rest)
        forms['ttt'].append('%02d:%02d:%02d.%0*d %s' % (d // 3600, d // 60 % 60, d % 60, w,
                                                     round(d % 1 * 10 ** w), rest))
        forms['tttt'].append('%s.%s %s' % (dt.strftime('%Y-%m-%d %H:%M:%S'), frac, rest))
        e = t - first
        forms['ttttt'].append('%02d:%02d:%02d.%0*d %s' % (e // 3600, e // 60 % 60, e % 60, w,
                                                       round(e % 1 * 10 ** w), rest))
    return {f: '\n'.join(v).encode() + b'\n' for f, v in forms.items()}


def seed_text(out, path, k):
    with open(path, 'rb') as f:
        b = f.read(8192)
    if b'\n' in b:
        b = b[:b.rfind(b'\n') + 1]
    view = k % 6 | ((k // 6) % 32) << 3
    put(out, 'text', bytes([view]) + b)
    if k % 4 == 0:
        put(out, 'pipeline', bytes([view, 0]) + b)
    if path.endswith('.tcpdump-tt.txt') and k % 2 == 0:
        for i, v in enumerate(tt_forms(b.decode('utf-8', 'replace')).values()):
            put(out, 'text', bytes([(view + i + 1) % 6]) + v[:8192])


def main():
    out = sys.argv[1]
    k = kt = 0
    for dirpath, dirs, files in sorted(os.walk(ROOT)):
        dirs.sort()
        for fn in sorted(files):
            p = os.path.join(dirpath, fn)
            if fn.endswith(('.pcap', '.pcapng')):
                seed_capture(out, p, k)
                k += 1
            elif fn.endswith('.txt') and ('tcpdump' in fn or 'seed' in fn):
                seed_text(out, p, kt)
                kt += 1
    for t in TARGETS:
        d = os.path.join(HERE, 'regress', t)
        if os.path.isdir(d):
            for fn in sorted(os.listdir(d)):
                with open(os.path.join(d, fn), 'rb') as f:
                    put(out, t, f.read())
    print('seeds: ' + ', '.join('%s %d' % (t, counts[t]) for t in TARGETS))


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Build libFuzzer seed corpora from tests/corpus (and the committed regressions).

usage: mkseeds.py OUTDIR     -> OUTDIR/{decode,pipeline,text,app}/
"""
import os, struct, sys, hashlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'corpus')
DLT_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7, 239: 8}

def put(d, data):
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)

def pcap_frames(path, limit=40):
    """Classic pcap only (seed building, not a reader synfin uses)."""
    with open(path, 'rb') as f:
        b = f.read()
    if len(b) < 24:
        return None, []
    magic = b[:4]
    if magic in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1'):
        e = '<'
    elif magic in (b'\xa1\xb2\xc3\xd4', b'\xa1\xb2\x3c\x4d'):
        e = '>'
    else:
        return None, []
    dlt = struct.unpack(e + 'I', b[20:24])[0] & 0x0fffffff
    off, out = 24, []
    while off + 16 <= len(b) and len(out) < limit:
        incl = struct.unpack(e + 'I', b[off + 8:off + 12])[0]
        if incl > 262144 or off + 16 + incl > len(b):
            break
        out.append(b[off + 16:off + 16 + incl])
        off += 16 + incl
    return dlt, out

def tcp_payload(dlt, fr):
    if dlt == 1 and len(fr) > 14 and fr[12:14] == b'\x08\x00':
        ip = fr[14:]
    elif dlt == 113 and len(fr) > 16 and fr[14:16] == b'\x08\x00':
        ip = fr[16:]
    else:
        return b''
    if len(ip) < 20 or ip[9] != 6:
        return b''
    ihl = (ip[0] & 15) * 4
    tcp = ip[ihl:]
    if len(tcp) < 20:
        return b''
    return tcp[(tcp[12] >> 4) * 4:]

def main():
    out = sys.argv[1]
    for dirpath, _, files in os.walk(ROOT):
        for fn in sorted(files):
            p = os.path.join(dirpath, fn)
            if fn.endswith(('.pcap', '.pcapng')):
                if os.path.getsize(p) <= 65536:
                    with open(p, 'rb') as f:
                        put(os.path.join(out, 'pipeline'), b'\x00' + f.read())
                dlt, frames = pcap_frames(p)
                if dlt in DLT_INDEX:
                    stream = b''
                    for fr in frames:
                        put(os.path.join(out, 'decode'), bytes([DLT_INDEX[dlt]]) + fr)
                        stream += tcp_payload(dlt, fr)
                    if stream:
                        put(os.path.join(out, 'app'), b'\x10\x00' + stream[:8192])
            elif fn.endswith('.txt') and ('tcpdump' in fn or 'seed' in fn):
                with open(p, 'rb') as f:
                    put(os.path.join(out, 'text'), f.read(4096))
    reg = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'regress')
    for t in ('decode', 'pipeline', 'text', 'app'):
        d = os.path.join(reg, t)
        if os.path.isdir(d):
            for fn in os.listdir(d):
                with open(os.path.join(d, fn), 'rb') as f:
                    put(os.path.join(out, t), f.read())

if __name__ == '__main__':
    main()

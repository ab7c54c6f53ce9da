# \summary: build small pcap captures by construction for tests (writer only)
"""A tiny classic-pcap WRITER for tests that need captures with exact,
known properties (sequence wrap, huge byte counts, many SYNs). synfin itself
reads captures only through libpcap.

    w = PcapWriter(fileobj, snaplen=262144, nsec=False)
    w.tcp(ts, src, sport, dst, dport, seq, ack, flags, payload_len=0,
          win=65535, opts=b'', caplen_limit=None)
"""
import struct

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def _csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def ip4(s):
    return bytes(int(x) for x in s.split('.'))


class PcapWriter:
    def __init__(self, f, snaplen=262144, nsec=False):
        self.f = f
        self.snaplen = snaplen
        self.nsec = nsec
        magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
        f.write(struct.pack('<IHHiIII', magic, 2, 4, 0, 0, snaplen, 1))  # DLT_EN10MB

    def frame(self, ts, data, wirelen):
        sec = int(ts)
        frac = int(round((ts - sec) * (1e9 if self.nsec else 1e6)))
        self.f.write(struct.pack('<IIII', sec, frac, len(data), wirelen))
        self.f.write(data)

    def tcp(self, ts, src, sport, dst, dport, seq, ack, flags, payload_len=0,
            win=65535, opts=b'', caplen_limit=None, ipid=1):
        """One Ethernet/IPv4/TCP frame. The payload is zeros; only the first
        caplen_limit bytes of the frame are stored (wire length stays whole)."""
        while len(opts) % 4:
            opts += b'\x01'
        thl = 20 + len(opts)
        total = 20 + thl + payload_len
        assert total <= 65535
        iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, total, ipid & 0xffff, 0x4000, 64, 6, 0,
                          ip4(src), ip4(dst))
        iph = iph[:10] + struct.pack('!H', _csum(iph)) + iph[12:]
        tcph = struct.pack('!HHIIBBHHH', sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                           (thl // 4) << 4, flags, win, 0, 0) + opts
        eth = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00'
        wire = len(eth) + total
        keep = wire if caplen_limit is None else min(wire, caplen_limit, self.snaplen)
        head = eth + iph + tcph
        if keep <= len(head):
            data = head[:keep]
        else:
            data = head + bytes(keep - len(head))
        self.frame(ts, data, wire)

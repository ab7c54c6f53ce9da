# \summary: canned HTTP/1.1 server + client on loopback, for tests/golden/app/http-pipeline-chunked.pcap
import socket, threading, time, sys
PORT = int(sys.argv[1])
big = b"x" * 20000
def serve(conn):
    buf = b""
    def resp_for(line):
        m, u = line.split(b" ")[:2]
        if u == b"/chunked":
            return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
                    b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n")
        if m == b"HEAD":
            return b"HTTP/1.1 200 OK\r\nContent-Length: 12345\r\n\r\n"
        if u == b"/empty":
            return b"HTTP/1.1 204 No Content\r\n\r\n"
        if u == b"/big":
            return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(big) + big
        if m == b"POST":
            return b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found"
    while True:
        try:
            d = conn.recv(65536)
        except OSError:
            break
        if not d: break
        buf += d
        while b"\r\n\r\n" in buf:
            head, rest = buf.split(b"\r\n\r\n", 1)
            cl = 0
            for h in head.split(b"\r\n")[1:]:
                if h.lower().startswith(b"content-length:"): cl = int(h.split(b":")[1])
            if len(rest) < cl: break
            buf = rest[cl:]
            conn.sendall(resp_for(head.split(b"\r\n")[0]))
            time.sleep(0.02)
    conn.close()
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", PORT)); s.listen(5)
def acc():
    for _ in range(3):
        c, _ = s.accept(); threading.Thread(target=serve, args=(c,)).start()
threading.Thread(target=acc, daemon=True).start()
time.sleep(0.2)
# connection 1: pipelined requests in one send, then a split request
c = socket.create_connection(("127.0.0.1", PORT))
c.sendall(b"GET /chunked HTTP/1.1\r\nHost: a.test\r\n\r\nGET /empty HTTP/1.1\r\nHost: a.test\r\n\r\n")
time.sleep(0.2)
c.sendall(b"POST /form?x=1 HTTP/1.1\r\nHost: a.test\r\nContent-Le")
time.sleep(0.05)
c.sendall(b"ngth: 7\r\n\r\nabc=def")
time.sleep(0.2)
c.sendall(b"GET /missing HTTP/1.1\r\nHost: a.test\r\n\r\n")
time.sleep(0.2)
c.shutdown(socket.SHUT_WR); time.sleep(0.1); c.close()
# connection 2: HEAD (response has Content-Length but no body), then GET
c = socket.create_connection(("127.0.0.1", PORT))
c.sendall(b"HEAD /head HTTP/1.1\r\nHost: h.test\r\n\r\n")
time.sleep(0.2)
c.sendall(b"GET /after-head HTTP/1.1\r\nHost: h.test\r\n\r\n")
time.sleep(0.2)
c.shutdown(socket.SHUT_WR); time.sleep(0.1); c.close()
# connection 3: keep-alive beyond the 16 KiB prefix
c = socket.create_connection(("127.0.0.1", PORT))
c.sendall(b"GET /big HTTP/1.1\r\nHost: b.test\r\n\r\n")
time.sleep(0.2)
c.sendall(b"GET /after-big HTTP/1.1\r\nHost: b.test\r\n\r\n")
time.sleep(0.2)
c.shutdown(socket.SHUT_WR); time.sleep(0.1); c.close()
time.sleep(0.3)

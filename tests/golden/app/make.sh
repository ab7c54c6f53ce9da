#!/bin/sh
# \summary: regenerate the app-recognition test captures and their tshark oracles
# Needs root (tcpdump on lo), openssl, python3, tshark 4.0.x. Loopback only.
#   tls-sni.pcap               openssl s_server/s_client: TLS 1.3 with SNI + ALPN (port 34443),
#                              TLS 1.2 with SNI, NewSessionTicket, encrypted alerts (port 34444)
#   http-pipeline-chunked.pcap make_http.py: pipelined requests, chunked body with trailer,
#                              204, POST split mid-header, HEAD, keep-alive past 16 KiB (port 34480)
set -e
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
cd "$tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 3650 \
    -subj "/CN=synfin.example" 2>/dev/null
tcpdump -i lo -w tls-sni.pcap -U 'tcp port 34443 or tcp port 34444' 2>/dev/null & tp=$!
sleep 1
openssl s_server -accept 34443 -cert cert.pem -key key.pem -alpn h2 -naccept 1 -quiet >/dev/null 2>&1 & s1=$!
openssl s_server -accept 34444 -cert cert.pem -key key.pem -no_tls1_3 -naccept 1 -quiet >/dev/null 2>&1 & s2=$!
sleep 1
(echo hello-tls13; sleep 0.5) | openssl s_client -connect 127.0.0.1:34443 -servername synfin.example \
    -alpn h2,http/1.1 -quiet >/dev/null 2>&1 || true
(echo hello-tls12; sleep 0.5) | openssl s_client -connect 127.0.0.1:34444 -servername www.synfin-test.org \
    -tls1_2 -quiet >/dev/null 2>&1 || true
sleep 1
kill $s1 $s2 2>/dev/null || true
sleep 0.5
kill $tp; wait $tp 2>/dev/null || true
tcpdump -i lo -w http-pipeline-chunked.pcap -U 'tcp port 34480' 2>/dev/null & tp=$!
sleep 1
python3 "$here/make_http.py" 34480
sleep 0.5
kill $tp; wait $tp 2>/dev/null || true
fields="frame.number frame.time_epoch ip.src ipv6.src tcp.srcport ip.dst ipv6.dst tcp.dstport tcp.stream tcp.flags.str tcp.seq tcp.seq_raw tcp.ack tcp.ack_raw tcp.len tcp.nxtseq tcp.window_size tcp.analysis.flags tcp.analysis.retransmission tcp.analysis.fast_retransmission tcp.analysis.spurious_retransmission tcp.analysis.out_of_order tcp.analysis.lost_segment tcp.analysis.ack_lost_segment tcp.analysis.duplicate_ack tcp.analysis.duplicate_ack_num tcp.analysis.zero_window tcp.analysis.zero_window_probe tcp.analysis.window_update tcp.analysis.window_full tcp.analysis.keep_alive tcp.analysis.keep_alive_ack tcp.analysis.reused_ports tcp.analysis.acks_frame tcp.analysis.ack_rtt tcp.analysis.initial_rtt tcp.completeness tls.record.content_type tls.handshake.type tls.handshake.extensions_server_name tls.alert_message.desc http.request.method http.request.uri http.response.code"
args=""; for f in $fields; do args="$args -e $f"; done
mkdir -p "$here/oracle"
for p in tls-sni http-pipeline-chunked; do
    cp $p.pcap "$here/"
    { echo "$fields" | tr ' ' '\t'; TZ=UTC LC_ALL=C.UTF-8 tshark -2 -r $p.pcap -T fields $args 2>/dev/null; } \
        > "$here/oracle/$p.tshark.tsv"
done
tshark --version 2>/dev/null | head -1 > "$here/oracle/TOOLS.txt"
echo "tshark -2 -T fields, same fields as tests/corpus/*/oracle/TOOLS.txt; written by make.sh" >> "$here/oracle/TOOLS.txt"
rm -rf "$tmp"

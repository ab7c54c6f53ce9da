#!/bin/sh
# \summary: synfin benchmark (issue #8): build optimised, generate the captures once, time synfin against the libpcap floor and other tools, check the targets
#
# Called by `make bench` (make -C bench). Environment:
#   RUNS=3            timed runs per command (the median is reported)
#   BENCH_BUDGET=45   stop repeating a command once its runs took this many seconds
#   BENCH_SCALE=4     the large capture for the memory-flatness check (x the 1x one)
#   BENCH_CONC=1000000  concurrent connections for the per-connection memory check
#   BENCH_QUICK=1     smoke run: 0.1x capture, 1 run, 100k concurrent (targets still printed)
# Output: the table and the targets on stdout; bench/out/results.md keeps the
# table (docs/performance.md quotes it); bench/out/stderr.log the tools' stderr.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cd "$root" || exit 1
O=bench/out
BIN=$O/bin
RUNS=${RUNS:-3}
BUDGET=${BENCH_BUDGET:-45}
SCALE=${BENCH_SCALE:-4}
CONC=${BENCH_CONC:-1000000}
QUICK=${BENCH_QUICK:-0}
X1=1
BASE=50000          # per-connection slope between BASE and MID live connections,
MID=250000          # both below the engine's default cap (~256 MiB of records)
if [ "$QUICK" = 1 ]; then RUNS=1; X1=0.1; SCALE=4; CONC=200000; BASE=20000; MID=100000; fi
mkdir -p "$O"
: > "$O/stderr.log"
: > "$O/results.txt"
start=$(date +%s)

for t in gen floor rtime; do
  [ -x "$BIN/$t" ] || { echo "bench: $BIN/$t missing (run through make -C bench)"; exit 1; }
done

# ---- synfin, optimised, in its own build directory ----
echo "bench: building synfin (-O2 -DNDEBUG) in build/bench"
if ! make -s -j2 BUILD=build/bench OPT="-O2 -DNDEBUG" build/bench/synfin >"$O/build.log" 2>&1; then
  echo "bench: the optimised build failed:"; tail -n 20 "$O/build.log"; exit 1
fi
SF=build/bench/synfin

# ---- captures (cached under bench/out, keyed by the generator's source and options) ----
stamp=$(cat bench/gen.h bench/gen.c bench/gen_conn.c bench/gen_wire.c | md5sum | cut -c1-16)
cap() { # NAME GEN-ARGS...
  f=$O/$1.pcap; shift
  key="$stamp $*"
  if [ -f "$f" ] && [ "$(cat "$f.key" 2>/dev/null)" = "$key" ]; then return 0; fi
  echo "bench: generating $f ($*)"
  rm -f "$f" "$f.key"
  "$BIN/gen" "$@" -o "$f.tmp" 2>"$f.info" || { cat "$f.info"; exit 1; }
  mv "$f.tmp" "$f" && echo "$key" > "$f.key"
}
cap bench-1x -x "$X1"
cap bench-big -x "$(awk -v a="$X1" -v b="$SCALE" 'BEGIN{print a*b}')"
cap conc-base --concurrent "$BASE"
cap conc-mid --concurrent "$MID"
cap conc-max --concurrent "$CONC"
cap synflood --synflood "$CONC"
DBASE=$BASE; DMAX=$((BASE * 3))
cap concd-base --concurrent "$DBASE" --data
cap concd-max --concurrent "$DMAX" --data
C1=$O/bench-1x.pcap

# Page cache in the same state for every capture: the file's cached pages
# dropped (dd iflag=nocache), then read twice. The mmap reader's mapped pages
# count in RSS, and how many depends on the size of the page cache's folios,
# which differs between a file just written by gen and one read back (seen:
# 20.5 vs 23.7 MiB for the same run of conns on the 1x capture).
warm() {
  for f in "$@"; do dd if="$f" iflag=nocache count=0 status=none 2>/dev/null || true; done
  cat "$@" > /dev/null; cat "$@" > /dev/null
}
# m ID RUNS CMD... : time CMD (stdout to /dev/null), record "ID median min max rsskib exit runs cpu"
m() {
  id=$1; n=$2; shift 2
  printf 'bench: %-14s %s\n' "$id" "$*"
  r=$("$BIN/rtime" -n "$n" -b "$BUDGET" -- "$@" 2>>"$O/stderr.log") || r="0 0 0 0 99 0 0"
  echo "$id $r" >> "$O/results.txt"
}
get() { awk -v id="$1" -v f="$2" '$1 == id { print $f; exit }' "$O/results.txt"; }

set -- $("$BIN/floor" "$C1")
PKTS=$1
CONNS=$(sed -n 's/.* packets, \([0-9]*\) connections.*/\1/p' "$O/bench-1x.pcap.info")
FSIZE=$(wc -c < "$C1")
warm "$C1"
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- speed on the 1x capture ----
# The floor and the commands compared with it are timed in turns (floor,
# conns, json, ..., then again), so that a drift of the machine's speed
# during the run (a shared VM: seen up to 30 % on the floor) weighs on both
# sides of each ratio alike; each row is the median of its turns (at least
# 15, or RUNS if more: the VM drifts by up to 30 % within minutes).
: > "$O/turns.txt"
mi() { # ID CMD... : one timed run, appended to turns.txt
  id=$1; shift
  r=$("$BIN/rtime" -n 1 -b "$BUDGET" -- "$@" 2>>"$O/stderr.log") || r="0 0 0 0 99 0 0"
  echo "$id $r" >> "$O/turns.txt"
}
TURNS=$RUNS; [ "$QUICK" = 1 ] || [ "$TURNS" -ge 15 ] || TURNS=15
echo "bench: floor, conns, json (and on one thread) in $TURNS turns"
i=0
while [ "$i" -lt "$TURNS" ]; do
  mi floor "$BIN/floor" "$C1"
  mi conns "$SF" conns "$C1"
  mi json "$SF" json "$C1"
  mi conns1 env SYNFIN_NO_THREAD=1 "$SF" conns "$C1"
  mi json1 env SYNFIN_NO_THREAD=1 "$SF" json "$C1"
  i=$((i + 1))
done
# "ID median min max rss exit runs cpu" per ID, as rtime -n N prints
for id in floor conns json conns1 json1; do
  awk -v id="$id" '$1 == id { n++; w[n] = $2; c[n] = $8; if ($5 > rss) rss = $5; if ($6 != 0) ex = $6 }
    function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    END { mn = w[1]; mx = w[1]; for (i = 1; i <= n; i++) { if (w[i] < mn) mn = w[i]; if (w[i] > mx) mx = w[i] }
      printf "%s %.3f %.3f %.3f %d %d %d %.3f\n", id, med(w, n), mn, mx, rss, ex + 0, n, med(c, n) }' \
    "$O/turns.txt" >> "$O/results.txt"
done
m plain "$RUNS" "$SF" --plain "$C1"
m lines "$RUNS" "$SF" "$C1"
m plainS "$RUNS" "$SF" --plain -S "$C1"
m tcpdump "$RUNS" tcpdump -nn -r "$C1"
m tcpdumpS "$RUNS" tcpdump -nn -S -r "$C1"
if command -v tshark >/dev/null 2>&1; then m tshark "$RUNS" tshark -q -z conv,tcp -r "$C1"; fi
if command -v tcptrace >/dev/null 2>&1; then m tcptrace "$RUNS" tcptrace -n -l "$C1"; fi
m floor2 "$RUNS" "$BIN/floor" "$C1"   # again at the end: the machine is shared, watch the drift
load1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- memory ----
warm "$O/bench-big.pcap"
m conns_big 1 "$SF" conns "$O/bench-big.pcap"
m floor_big 1 "$BIN/floor" "$O/bench-big.pcap"
# evictions: the json view's closing stats record
evicted() { "$SF" json "$1" 2>/dev/null | tail -n 1 | sed -n 's/.*"evicted_idle":\([0-9]*\),"evicted_cap":\([0-9]*\).*/\1 \2/p'; }
warm "$O/conc-base.pcap" "$O/conc-mid.pcap" "$O/conc-max.pcap"
m conc_base 1 "$SF" conns "$O/conc-base.pcap"
m conc_mid 1 "$SF" conns "$O/conc-mid.pcap"
m conc_max 1 "$SF" conns "$O/conc-max.pcap"
EV_MID=$(evicted "$O/conc-mid.pcap"); EV_MAX=$(evicted "$O/conc-max.pcap")
warm "$O/synflood.pcap"
m synflood 1 "$SF" conns "$O/synflood.pcap"
EV_FLOOD=$(evicted "$O/synflood.pcap")
warm "$O/concd-base.pcap" "$O/concd-max.pcap"
m concd_base 1 "$SF" conns "$O/concd-base.pcap"
m concd_max 1 "$SF" conns "$O/concd-max.pcap"
EV_D=$(evicted "$O/concd-max.pcap")
evsum() { set -- $1; echo $(( ${1:-0} + ${2:-0} )); }
evtxt() { set -- $1; echo "${1:-?} idle + ${2:-?} cap"; }

# ---- same lines as tcpdump? (first 200k packets) ----
N=200000
tcpdump -nn -c $N -r "$C1" 2>/dev/null > "$O/lines.tcpdump"
"$SF" --plain -c $N "$C1" 2>/dev/null > "$O/lines.synfin"
same=$(awk 'NR == FNR { a[FNR] = $0; n = FNR; next } FNR <= n && a[FNR] == $0 { s++ } END { print s + 0 }' "$O/lines.tcpdump" "$O/lines.synfin")
tdl=$(wc -l < "$O/lines.tcpdump"); sfl=$(wc -l < "$O/lines.synfin")

# ---- report ----
FL=$(get floor 2); FLC=$(get floor 8)
conc() { sed -n 's/.*up to \([0-9]*\) scripted at once.*/\1/p' "$1"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() { # ID LABEL
  id=$1; label=$2
  if ! grep -q "^$id " "$O/results.txt"; then return; fi
  t=$(get "$id" 2); rss=$(get "$id" 5); ex=$(get "$id" 6); n=$(get "$id" 7); c=$(get "$id" 8)
  if [ "$ex" != 0 ]; then note=" exit $ex"; else note=""; fi
  awk -v l="$label" -v t="$t" -v fl="$FL" -v c="$c" -v flc="$FLC" -v p="$PKTS" -v r="$rss" -v n="$n" -v note="$note" 'BEGIN {
    if (t <= 0) t = 1e-9; if (c <= 0) c = 1e-9;
    printf "| %-38s | %4d | %8.3f | %7.2fx | %7.3f | %7.2fx | %6.2f | %8.1f |%s\n", l, n, t, t / fl, c, c / flc, p / t / 1e6, r / 1024, note }'
}
{
  echo "Capture: $C1: $PKTS packets, $CONNS connections, $(awk -v s="$FSIZE" 'BEGIN{printf "%.0f", s/1e6}') MB (bench/gen.c, seed 8)"
  echo "Machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); load average $load0 at start, $load1 after the speed runs"
  echo "Versions: $(tcpdump --version 2>&1 | head -n 2 | tr '\n' ' ')$(command -v tshark >/dev/null && tshark --version 2>/dev/null | head -n 1)"
  echo
  echo "| command (1x capture, page cache warm) | runs | wall s   | / floor  | CPU s   | / floor  | Mpkt/s | RSS MiB  |"
  echo "|----------------------------------------|------|----------|----------|---------|----------|--------|----------|"
  row floor "libpcap floor (pcap_next_ex only)"
  row conns "synfin conns"
  row json "synfin json > /dev/null"
  row conns1 "synfin conns, one thread"
  row json1 "synfin json, one thread"
  row plain "synfin --plain > /dev/null (lines)"
  row lines "synfin (annotated lines) > /dev/null"
  row plainS "synfin --plain -S > /dev/null"
  row tcpdump "tcpdump -nn -r > /dev/null"
  row tcpdumpS "tcpdump -nn -S -r > /dev/null"
  row tshark "tshark -q -z conv,tcp"
  row tcptrace "tcptrace -n -l"
  row floor2 "libpcap floor, again after the runs"
  command -v tshark >/dev/null 2>&1 || echo "| tshark: not installed (skipped) | | | | | |"
  command -v tcptrace >/dev/null 2>&1 || echo "| tcptrace: not installed (skipped; apt-get install tcptrace) | | | | | |"
} > "$O/results.md"

B=$(get conns_big 5); S1=$(get conns 5); CB=$(get conc_base 5); CMID=$(get conc_mid 5); CM=$(get conc_max 5)
PERCONN=$(awk -v a="$CB" -v b="$CMID" -v n="$MID" -v m="$BASE" 'BEGIN { printf "%.0f", (b - a) * 1024 / (n - m) }')
{
  echo
  echo "Memory (synfin conns, peak RSS; evictions from the json view's stats record as idle/cap):"
  echo "- 1x capture: $(mib "$S1") MiB; ${SCALE}x capture ($(sed -n 's/.*: \([0-9]*\) packets.*/\1/p' "$O/bench-big.pcap.info") packets): $(mib "$B") MiB in $(get conns_big 2) s (floor $(get floor_big 2) s)"
  echo "  (connections in all: $CONNS and $(sed -n 's/.* packets, \([0-9]*\) connections.*/\1/p' "$O/bench-big.pcap.info"); open at once, at most, as the generator scripted them: $(conc "$O/bench-1x.pcap.info") and $(conc "$O/bench-big.pcap.info"))"
  echo "- concurrent handshaked connections: $BASE: $(mib "$CB") MiB; $MID: $(mib "$CMID") MiB (evicted $(evtxt "$EV_MID")) -> $PERCONN bytes per live connection"
  echo "- $CONC concurrent handshaked connections: $(mib "$CM") MiB, evicted $(evtxt "$EV_MAX")"
  echo "- $CONC SYNs from random tuples (issue #9): $(mib "$(get synflood 5)") MiB in $(get synflood 2) s, evicted $(evtxt "$EV_FLOOD")"
  echo "- connections that also exchanged one HTTP request/response: $DBASE: $(mib "$(get concd_base 5)") MiB; $DMAX: $(mib "$(get concd_max 5)") MiB (evicted $(evtxt "$EV_D")) -> $(awk -v a="$(get concd_base 5)" -v b="$(get concd_max 5)" -v n="$DMAX" -v m="$DBASE" 'BEGIN { printf "%.0f", (b - a) * 1024 / (n - m) }') bytes per live connection (informational)"
  echo
  echo "Same lines: synfin --plain vs tcpdump -nn on the first $N packets: $same of $tdl tcpdump lines identical (synfin printed $sfl)"
} >> "$O/results.md"
cat "$O/results.md"

# ---- targets ----
fails=0
verdict() { # LABEL OK(0/1) MEASURED
  if [ "$2" = 1 ]; then v=PASS; else v=FAIL; fails=$((fails + 1)); fi
  printf '%-4s  %-64s %s\n' "$v" "$1" "$3"
}
ok() { awk "BEGIN { exit !($1) }" && echo 1 || echo 0; }
rc_ok() { [ "$(get "$1" 6)" = 0 ] && echo 1 || echo 0; }
echo
echo "Targets (issue #8; ratios of wall-clock medians, CPU-time ratio in brackets):"
busy=$(awk -v l="$load0" -v n="$(nproc)" 'BEGIN { split(l, a, " "); print (a[1] > n) ? 1 : 0 }')
[ "$busy" = 1 ] && echo "      WARNING: the machine was busy (load $load0 on $(nproc) cores): wall times are inflated; see the CPU ratios"
ratio() { awk -v a="$(get "$1" "$3")" -v b="$(get "$2" "$3")" 'BEGIN { if (b <= 0) b = 1e-9; printf "%.2f", a / b }'; }
# the median of the per-turn ratios (each turn's run over that turn's floor),
# shown beside the verdict, which is the ratio of the medians
pratio() { awk -v id="$1" '$1 == "floor" { f[++nf] = $2 } $1 == id { x[++nx] = $2 }
    END { n = 0; for (i = 1; i <= nx && i <= nf; i++) if (f[i] > 0) r[++n] = x[i] / f[i]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
      if (n == 0) print "?"; else printf "%.2f", n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2 }' "$O/turns.txt"; }
r=$(ratio conns floor 2); rc=$(ratio conns floor 8)
verdict "synfin conns <= 3x the libpcap floor" "$(ok "$r <= 3 && $(rc_ok conns)")" "${r}x [cpu ${rc}x; per turn $(pratio conns)x]"
r=$(ratio json floor 2); rc=$(ratio json floor 8)
verdict "synfin json > /dev/null <= 3x the libpcap floor" "$(ok "$r <= 3 && $(rc_ok json)")" "${r}x [cpu ${rc}x; per turn $(pratio json)x]"
r=$(ratio tcpdump plain 2); rc=$(ratio tcpdump plain 8)
verdict "lines (--plain) >= 3x faster than tcpdump -nn -r" "$(ok "$r >= 3 && $(rc_ok plain)")" "${r}x faster [cpu ${rc}x]"
r2=$(ratio tcpdumpS plainS 2)
echo "      (stricter, no relative-seq table on either side: tcpdump -nn -S vs synfin --plain -S: ${r2}x faster)"
verdict "peak RSS of conns <= 64 MiB on the 1x capture" "$(ok "$S1 <= 65536 && $(rc_ok conns)")" "$(mib "$S1") MiB"
r=$(awk -v a="$B" -v b="$S1" 'BEGIN{printf "%.2f", a/b}')
verdict "peak RSS flat from 1x to ${SCALE}x (<= 1.25x)" "$(ok "$r <= 1.25 && $(rc_ok conns_big)")" "${r}x ($(mib "$S1") -> $(mib "$B") MiB)"
verdict "<= 256 bytes per live connection ($BASE -> $MID, no eviction)" "$(ok "$PERCONN <= 256 && $(evsum "$EV_MID") == 0 && $(rc_ok conc_mid)")" "$PERCONN bytes"
verdict "$CONC concurrent connections held in <= 300 MiB" "$(ok "$CM <= 307200 && $(evsum "$EV_MAX") == 0 && $(rc_ok conc_max)")" "$(mib "$CM") MiB, $(evsum "$EV_MAX") evicted"
echo
echo "bench: done in $(( $(date +%s) - start )) s; table in $O/results.md; $fails target(s) failed"
[ "$fails" = 0 ]

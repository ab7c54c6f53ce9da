#!/bin/sh
# Runs every test program and script; each prints "N passed, N failed" as its
# last line. This script sums them and ends with the total on its own line.
# usage: tests/run.sh normal|asan      (env: BUILD, SYNFIN)
set -u
mode="${1:-normal}"
BUILD="${BUILD:-build}"
SYNFIN="${SYNFIN:-./synfin}"
export SYNFIN BUILD SYNFIN_TEST_MODE="$mode"
tp=0; tf=0; broken=""
log="$BUILD/test-logs"; mkdir -p "$log"
run() { # name cmd...
  name="$1"; shift
  out="$log/$(echo "$name" | tr '/ ' '__').log"
  "$@" >"$out" 2>&1
  st=$?
  line=$(grep -E '^([A-Za-z_-]+: )?[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
  p=$(echo "$line" | sed -E 's/^([A-Za-z_-]+: )?([0-9]+) passed.*/\2/'); f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
  [ -z "$line" ] && { p=0; f=1; }
  [ "$st" -ne 0 ] && [ "$f" = 0 ] && f=1
  tp=$((tp + p)); tf=$((tf + f))
  if [ "$f" != 0 ]; then
    broken="$broken $name"
    echo "FAIL $name ($p passed, $f failed; exit $st) -- log: $out"
    grep -E 'FAIL|ERROR|runtime error|AddressSanitizer' "$out" | head -n 20 | sed 's/^/    /'
  else
    echo "ok   $name ($p passed)"
  fi
}
echo "== synfin tests ($mode build: $SYNFIN)"
run unit "$BUILD/unit"
for t in tests/golden/test_*.py; do
  [ -e "$t" ] || continue
  run "$(basename "$t" .py)" python3 "$t"
done
for t in tests/golden/test_*.sh tests/live/test_*.sh; do
  [ -e "$t" ] || continue
  run "$(basename "$t" .sh)" sh "$t"
done
echo "== $mode:$broken"
echo "$mode: $tp passed, $tf failed"
[ "$tf" -eq 0 ]

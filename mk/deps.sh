#!/bin/sh
# Install (as root) or name (otherwise) the Debian packages a target needs.
# usage: mk/deps.sh build|test|bench|fuzz
set -u
need_build="gcc make libc6-dev libpcap-dev libssl-dev"
case "${1:-build}" in
  build) pkgs="$need_build" ;;
  test)  pkgs="$need_build clang libclang-rt-14-dev python3 iproute2 chromium valgrind" ;;
  bench) pkgs="$need_build python3 tcpdump time" ;;
  fuzz)  pkgs="$need_build clang libclang-rt-14-dev" ;;
  *) echo "mk/deps.sh: unknown set '$1'" >&2; exit 2 ;;
esac
[ -n "${SYNFIN_EXTRA_PKGS:-}" ] && pkgs="$pkgs $SYNFIN_EXTRA_PKGS"
missing=""
for p in $pkgs; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "synfin: installing Debian packages:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || { echo "synfin: apt-get update failed" >&2; exit 1; }
  # shellcheck disable=SC2086
  apt-get install -y -qq $missing >/dev/null || { echo "synfin: apt-get install$missing failed" >&2; exit 1; }
  exit 0
fi
echo "synfin: missing Debian packages:$missing" >&2
echo "        install them as root:  apt-get install$missing" >&2
exit 1

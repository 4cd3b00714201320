#!/bin/sh
# Install what hyrun needs from Debian 12's archive (as root):
#   contrib/install-deps.sh build   compilers, autotools, the four libraries,
#                                   busybox-static and jq for the demo bundle
#   contrib/install-deps.sh test    the above plus bats, valgrind, the
#                                   reference runtimes and the real clients
set -eu
BUILD="build-essential autoconf automake libtool pkg-config
	libseccomp-dev libcap-dev libyajl-dev libmnl-dev
	busybox-static jq file"
TEST="bats valgrind clang-format iproute2 procps psmisc util-linux time bc uidmap passwd
	runc crun criu containerd podman"

case "${1:-}" in
build) pkgs=$BUILD ;;
test) pkgs="$BUILD $TEST" ;;
*) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
[ "$(id -u)" = 0 ] || { echo "install-deps: run as root to install:$missing" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing

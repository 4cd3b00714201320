#!/bin/sh
# Install what hyrun needs from Debian 12's archive (as root):
#   contrib/install-deps.sh build   compilers, autotools, the four libraries,
#                                   busybox-static and jq for the demo bundle
#   contrib/install-deps.sh vm      VM mode: the guest kernel build from
#                                   Debian's kernel source, and QEMU for the
#                                   nested test VM (tests/vm/run-nested.sh)
#   contrib/install-deps.sh test    build + vm, plus bats, valgrind, clang
#                                   (libFuzzer), the reference runtimes and
#                                   the real clients, gnuplot-nox (hyrun
#                                   bench's plot)
set -eu
BUILD="build-essential autoconf automake libtool pkg-config
	libseccomp-dev libcap-dev libyajl-dev libmnl-dev libsystemd-dev
	busybox-static jq file"
TEST="bats valgrind clang-format clang-14 libclang-rt-14-dev iproute2 procps psmisc util-linux time bc uidmap passwd
	runc crun criu containerd podman systemd dbus
	python3-grpcio python3-grpc-tools containernetworking-plugins docker.io
	gnuplot-nox"
# kvm-shim/kernel/build.sh (tinyconfig + fragment, vmlinux and bzImage) and
# the nested test VM (QEMU's TCG with an emulated AMD-V CPU; its kernel is
# fetched with apt-get download, so it needs no package here)
VM="qemu-system-x86 linux-source-6.1 xz-utils make gcc flex bison bc
	libelf-dev libssl-dev cpio kmod perl binutils python3"

case "${1:-}" in
build) pkgs=$BUILD ;;
vm) pkgs="$BUILD $VM" ;;
test) pkgs="$BUILD $VM $TEST" ;;
*) echo "usage: $0 build|vm|test" >&2; exit 2 ;;
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

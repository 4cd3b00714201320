#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `hyrun bench` in the nested test VM ("L1", tests/vm/l1.sh), for a host
# whose own /dev/kvm cannot boot a Linux guest: boots L1 once with a build
# tree's hyrun, runs `hyrun bench --quick ARGS...` there, brings
# results.tsv back over the console (base64 between markers) and renders
# the table, results.json, report.md and compare.svg here.
#
#   contrib/bench/in-l1.sh [-B BUILD_DIR] [-K VMLINUX] [-o OUT_DIR] [BENCH ARGS...]
#
#   -B  the build tree (default: _build next to this source tree)
#   -K  the guest kernel (default: kvm-shim/kernel/build.sh's cached one)
#   -o  where the results go (default ./hyrun-bench-l1-DATE)
#   BENCH ARGS  more `hyrun bench` options (default: --quick)
#
# HYRUN_L1_MEM (MiB, default 3072 here), HYRUN_L1_TIMEOUT (s, default
# 1800) and the rest of l1.sh's environment apply.  Everything measured
# here is nested: L1 runs under QEMU's software emulation (TCG), so times
# say little about hardware KVM; exits per operation and memory do.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/vm/l1.sh"

build=$top/_build
kernel=""
out=""
# our options first; the rest (--quick, --containers N...) are hyrun bench's
while [ $# -gt 0 ]; do
	case $1 in
	-B) build=$(cd "$2" && pwd); shift 2 ;;
	-K) kernel=$(realpath "$2"); shift 2 ;;
	-o) out=$2; shift 2 ;;
	-h) echo "usage: $0 [-B BUILD_DIR] [-K VMLINUX] [-o OUT_DIR] [BENCH ARGS...]"; exit 0 ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || set -- --quick
die() { echo "bench-in-l1: $*" >&2; exit 1; }
for f in hyrun hyrun-agent hyrun-vmm hyrun-bench hyrun-bench-report hyrun-bench-probe tests/vm/kvm-probe; do
	[ -x "$build/$f" ] || die "$build/$f is missing (make -C $build)"
done
# container mode alone needs no guest kernel
case " $* " in
*" --modes container "* | *" --modes=container "*) ;;
*) [ -n "$kernel" ] || kernel=$("$top/kvm-shim/kernel/build.sh") || die "the guest kernel build failed" ;;
esac
out=${out:-./hyrun-bench-l1-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-bench-l1.XXXXXX")
trap 'rm -rf "$work"' EXIT
l1_kernel ""
root=$work/root
l1_root "$root"
for f in hyrun hyrun-agent hyrun-vmm hyrun-bench hyrun-bench-report hyrun-bench-probe tests/vm/kvm-probe; do
	l1_copy "$root" "$build/$f"
done
[ -z "$kernel" ] || l1_copy "$root" "$kernel"
for f in jq ip tc; do
	l1_copy "$root" "$(command -v $f)" || die "$f not found"
done
l1_modules "$root" veth tun sch_ingress act_mirred cls_u32 overlay
l1_copy "$root" "$top/tests/vm/l1.sh"
hy=$(realpath "$build/hyrun")
kopt=""
[ -z "$kernel" ] || kopt="--kernel $kernel"
# /init: the modules, then /bench-l1.sh on a root on a tmpfs (container
# mode's pivot_root refuses the initramfs: tests/vm/l1.sh, l1_move_root)
{
	l1_init_head
	cat <<EOI
. $(realpath "$top/tests/vm/l1.sh")
l1_move_root 90% /bench-l1.sh
echo "bench-l1: cannot move L1's root to a tmpfs (container mode will fail)"
exec /bin/sh /bench-l1.sh
EOI
} >"$root/init"
cat >"$root/bench-l1.sh" <<EOI
mount -t cgroup2 none /sys/fs/cgroup
mount -t tmpfs none /run
mkdir -p /var && ln -s /run /var/run
mount -t debugfs none /sys/kernel/debug
ip link set lo up
echo "bench-l1: L1 up at \$(cut -d' ' -f1 /proc/uptime) s, root on \$(stat -fc %T /)"
if ! $(realpath "$build/tests/vm/kvm-probe") 10; then
	echo "bench-l1: flake: no working /dev/kvm in this boot"
	reboot -f
fi
mkdir -p /out
IP=$(realpath "$(command -v ip)") HYRUN_BENCH_LIBEXEC=$(dirname "$hy") TMPDIR=/tmp \
	$hy bench --out /out $kopt $* 2>&1
echo "bench-l1: bench exit \$?"
echo "bench-l1: results begin"
base64 /out/results.tsv
echo "bench-l1: results end"
reboot -f
EOI
chmod +x "$root/init" "$root/bench-l1.sh"
l1_pack "$root" "$work/l1.cpio"
echo "bench-in-l1: L1 initramfs $(($(stat -c %s "$work/l1.cpio") / 1048576)) MiB; hyrun bench $*"
export HYRUN_L1_MEM=${HYRUN_L1_MEM:-3072} HYRUN_L1_TIMEOUT=${HYRUN_L1_TIMEOUT:-1800}
for try in 1 2 3; do
	l1_boot "$work/l1.cpio" "$work/console" |
		awk '/^bench-l1: results begin/ { s = 1 } !s { print; fflush() } /^bench-l1: results end/ { s = 0 }' || true
	grep -q '^bench-l1: flake' "$work/console" || break
	echo "bench-in-l1: boot $try hit the L1 flake (no guest ran): booting again"
done
sed -n '/^bench-l1: results begin/,/^bench-l1: results end/p' "$work/console" | sed '1d;$d' |
	base64 -d >"$out/results.tsv" || die "no results came back (see the console above)"
[ -s "$out/results.tsv" ] || die "no results came back (see the console above)"
printf 'info\tmeasured_in\t\tthe nested test VM (L1: QEMU TCG, -m %s, kvm_amd), on %s\n' \
	"$HYRUN_L1_MEM" "$(uname -n), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/results.tsv"
"$build/hyrun-bench-report" "$out"
grep -q '^bench-l1: bench exit 0' "$work/console" || die "hyrun bench failed in L1"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Investigate the L1 flake (tests/vm/l1.sh): boot L1 N times with only
# kvm-probe in it and record, per boot, each probe's outcome, when it ran
# (L1 uptime), L1's clocksource and its TSC messages.  The knobs of l1.sh
# (HYRUN_L1_CPU, _SMP, _APPEND, _KVM_AMD, _QEMU_ARGS) select the variant.
#
#   tests/vm/flake.sh [-B BUILD_DIR] [-n BOOTS] [-p PROBES] [-w SECONDS] [-l]
#
# -p probes per boot (5 s each), -w wait this long after the kvm modules
# before the first probe, -l then boot the guest kernel (build.sh's) with
# QEMU and tests/vm/tiny-init (9p share, virtio-console port on QEMU's
# stdout through /proc/self/fd/1: L1 has no /dev/stdout), kernel log on a file), twice (timeout 40 s each).  Prints one line
# per boot and a count.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/l1.sh"
build=$here/../../_build
boots=5
probes=3
wait=0
linux=0
while getopts B:n:p:w:l o; do
	case $o in
	B) build=$OPTARG ;;
	n) boots=$OPTARG ;;
	p) probes=$OPTARG ;;
	w) wait=$OPTARG ;;
	l) linux=1 ;;
	*) exit 2 ;;
	esac
done
probe=$(realpath "$build/tests/vm/kvm-probe")
l1_kernel ""
work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-flake.XXXXXX")
trap 'rm -rf "$work"' EXIT
l1_root "$work/root"
l1_copy "$work/root" "$probe"
l2=""
if [ "$linux" = 1 ]; then
	kernel=$(realpath "$("$here/../../kvm-shim/kernel/build.sh")")
	qemu=$(realpath "$(command -v qemu-system-x86_64)")
	l1_copy "$work/root" "$kernel"
	l1_copy "$work/root" "$qemu"
	mkdir -p "$work/root/usr/share/qemu" "$work/tiny/dev"
	for f in bios-microvm.bin qboot.rom pvh.bin linuxboot_dma.bin kvmvapic.bin; do
		[ -e "/usr/share/qemu/$f" ] && cp -L "/usr/share/qemu/$f" "$work/root/usr/share/qemu/"
	done
	cp "$build/tests/vm/tiny-init" "$work/tiny/init"
	mknod "$work/tiny/dev/console" c 5 1
	l1_pack "$work/tiny" "$work/root/tiny.cpio"
	l2="for j in $(seq ${FLAKE_L2_BOOTS:-2}); do
	t=\$(cut -d' ' -f1 /proc/uptime)
	timeout 40 $qemu -enable-kvm -cpu host -M microvm,acpi=off -m 128 -nodefaults -no-user-config \\
		-display none -no-reboot -kernel $kernel -initrd /tiny.cpio -serial file:/tmp/l2con \\
		-append 'console=ttyS0 reboot=t panic=-1 ${FLAKE_L2_APPEND:-quiet}' \\
		-fsdev local,id=f0,path=/tmp,security_model=none -device virtio-9p-device,fsdev=f0,mount_tag=rootfs \\
		-device virtio-serial-device -chardev file,id=c1,path=/proc/self/fd/1,append=on -device virtserialport,chardev=c1,name=hyrun.stdout \\
		</dev/null >/tmp/l2 2>&1
	cat /tmp/l2con >>/tmp/l2
	t2=\$(cut -d' ' -f1 /proc/uptime)
	if grep -q 'guest up' /tmp/l2; then r=ok; else r=HANG; fi
	sed 's/^/flake: l2: /' /tmp/l2 | tail -n ${FLAKE_L2_LINES:-5}
	echo \"flake: linux \$j at \$t s: \$r \$(echo \$t \$t2 | awk '{print \$2 - \$1}') s\"
done"
fi
{
	l1_init_head
	cat <<EOI
mount -t debugfs none /sys/kernel/debug
sleep $wait
for i in \$(seq $probes); do
	t=\$(cut -d' ' -f1 /proc/uptime)
	if $probe 5 >/tmp/p 2>&1; then r=ok; else r=FLAKE; fi
	echo "flake: probe \$i at \$t s: \$r \$(grep -o 'exits [0-9]*\$' /tmp/p | head -n1)"
done
$l2
echo "flake: clocksource \$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
dmesg | grep -iE 'tsc|clocksource|kvm' | sed 's/^/flake: dmesg /' | tail -n 12
reboot -f
EOI
} >"$work/root/init"
chmod +x "$work/root/init"
l1_pack "$work/root" "$work/l1.cpio"
echo "flake.sh: $boots boots, $probes probes each after ${wait} s; cpu=${HYRUN_L1_CPU:-max} smp=${HYRUN_L1_SMP:-1} tsc_khz=$(l1_tsc_khz) append='${HYRUN_L1_APPEND:-}' kvm_amd='${HYRUN_L1_KVM_AMD:-}' qemu='${HYRUN_L1_QEMU_ARGS:-}'"
bad=0
for b in $(seq "$boots"); do
	HYRUN_L1_TIMEOUT=${HYRUN_L1_TIMEOUT:-120} l1_boot "$work/l1.cpio" "$work/console" >/dev/null 2>&1 || true
	res=$(sed -n 's/^flake: \(probe\|linux\) [0-9]* at \([0-9.]*\) s: \([A-Za-z]*\)\(.*\)/\1:\3@\2\4/p' "$work/console" | tr '\n' ' ')
	echo "boot $b: $res"
	[ -n "${FLAKE_VERBOSE:-}" ] && grep '^flake: \(clock\|dmesg\|l2\)' "$work/console"
	case $res in *FLAKE* | *HANG*) bad=$((bad + 1)) ;; esac
done
echo "flake.sh: a probe or an L2 Linux failed in $bad of $boots boots"

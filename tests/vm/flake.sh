#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Investigate the L1 flake (tests/vm/l1.sh): boot L1 N times with only
# kvm-probe in it and record, per boot, each probe's outcome, when it ran
# (L1 uptime), L1's clocksource and its TSC messages.  The knobs of l1.sh
# (HYRUN_L1_CPU, _SMP, _APPEND, _KVM_AMD, _QEMU_ARGS) select the variant.
#
#   tests/vm/flake.sh [-B BUILD_DIR] [-n BOOTS] [-p PROBES] [-w SECONDS]
#
# -p probes per boot (5 s each), -w wait this long after the kvm modules
# before the first probe.  Prints one line per boot and a count.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/l1.sh"
build=$here/../../_build
boots=5
probes=3
wait=0
while getopts B:n:p:w: o; do
	case $o in
	B) build=$OPTARG ;;
	n) boots=$OPTARG ;;
	p) probes=$OPTARG ;;
	w) wait=$OPTARG ;;
	*) exit 2 ;;
	esac
done
probe=$(realpath "$build/tests/vm/kvm-probe")
l1_kernel ""
work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-flake.XXXXXX")
trap 'rm -rf "$work"' EXIT
l1_root "$work/root"
l1_copy "$work/root" "$probe"
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
	res=$(sed -n 's/^flake: probe [0-9]* at \([0-9.]*\) s: \([A-Za-z]*\).*/\2@\1/p' "$work/console" | tr '\n' ' ')
	echo "boot $b: $res"
	[ -n "${FLAKE_VERBOSE:-}" ] && grep '^flake: \(clock\|dmesg\)' "$work/console"
	case $res in FLAKE*) bad=$((bad + 1)) ;; esac
done
echo "flake.sh: first probe failed in $bad of $boots boots"

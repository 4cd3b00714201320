#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# PCI passthrough end to end (VFIO), in a nested test VM built for it: L1
# is a q35 machine with QEMU's emulated Intel IOMMU (interrupt remapping
# on) and QEMU's `edu` PCI device (1234:11e8), booted with intel_iommu=on
# iommu=pt (and no_timer_check: on a loaded host the IO-APIC timer check
# under TCG failed, "timer doesn't work through Interrupt-remapped
# IO-APIC", a panic); in L1 edu is bound to vfio-pci and gets a group /dev/vfio/N
# (shared/facts/test-vm-variants.md, "IOMMU + VFIO").  Then, in L1:
#  - a VM-mode container whose linux.devices lists the group sees edu on
#    its guest's PCI bus, reads its identification register, has it compute
#    5! through BAR0 and receives its MSI, then its INTx twice
#    (tests/vm/edu.c); an e1000e's MSI-X vectors 0 and 2 reach it
#    (QEMU's 82574: edu has no MSI-X); delete frees the
#    group; the same by PCI address (annotation io.hyrun.vm.vfio);
#  - a container-mode container with the same device entry has the node
#    and opens it;
#  - a missing group, a group in use, a device not on vfio-pci and a host
#    without IOMMU groups each fail create with the path and the reason,
#    leaving no state, cgroup or VMM behind.
#
#   vfio-in-l1.sh [-B BUILD_DIR] [-K VMLINUX] [-o TAP_FILE] [-M OLD_VMLINUX]
#
# -M: also measure the boot cost of PCI in the guest kernel (exits and time
# of plain guests, 3 boots each): OLD_VMLINUX (a kernel without PCI), the
# kernel with pci=off (hyrun's default without a device), with pci=conf1.
#
# Prints TAP.  Needs qemu-system-x86_64 and jq on the host; about 1 minute.
set -eu
if [ "${1:-}" = --in-l1 ]; then
	shift
	in_l1=1
else
	in_l1=0
fi

# ======================== inside L1 =========================================
if [ "$in_l1" = 1 ]; then
	set +e
	# pivot_root (container mode) refuses a root on the initramfs
	. /l1.sh
	l1_move_root 80% /vfio-in-l1.sh --in-l1
	[ -n "${HYRUN_L1_MOVED:-}" ] || { echo "vfio: cannot move to a root on a tmpfs"; exit 1; }
	. /bundles/env
	mkdir -p /run /sys/fs/cgroup /tmp
	mount -t tmpfs none /run
	mount -t cgroup2 none /sys/fs/cgroup
	echo "+cpuset +cpu +io +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
	ulimit -l unlimited
	ROOT=/run/hyrun-vfio
	n=0
	hy() { timeout 120 "$HYRUN" --root "$ROOT" "$@"; }
	ok() {
		n=$((n + 1))
		if [ "$1" = 0 ]; then echo "ok $n - $2"; else
			echo "not ok $n - $2"
			sed 's/^/#   /' /tmp/out | tail -n 30
		fi
	}
	echo "vfio: L1 /init at $(cut -d' ' -f1 /proc/uptime) s"
	addr=""
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x1234 ] && [ "$(cat "$d/device")" = 0x11e8 ] && addr=${d##*/}
	done
	[ -n "$addr" ] || { echo "vfio: no edu device in L1"; echo "1..0 # no edu"; exit 1; }
	echo vfio-pci >"/sys/bus/pci/devices/$addr/driver_override"
	echo "$addr" >/sys/bus/pci/drivers_probe
	group=$(basename "$(readlink "/sys/bus/pci/devices/$addr/iommu_group")")
	node=/dev/vfio/$group
	majmin=$(cat "/sys/class/vfio/$group/dev" 2>/dev/null)
	[ -c "$node" ] && [ -n "$majmin" ] || { echo "vfio: edu ($addr) did not get a VFIO group node"; ls -l /dev/vfio; exit 1; }
	maj=${majmin%:*}
	min=${majmin#*:}
	echo "vfio: edu $addr in IOMMU group $group, $node ($majmin)"
	# an e1000e (QEMU's 82574) for MSI-X, which edu does not have
	naddr=""
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x10d3 ] && naddr=${d##*/}
	done
	nnode=/dev/vfio/none
	nmajmin=0:0
	if [ -n "$naddr" ]; then
		echo vfio-pci >"/sys/bus/pci/devices/$naddr/driver_override"
		echo "$naddr" >/sys/bus/pci/drivers_probe
		ngroup=$(basename "$(readlink "/sys/bus/pci/devices/$naddr/iommu_group")")
		nnode=/dev/vfio/$ngroup
		nmajmin=$(cat "/sys/class/vfio/$ngroup/dev" 2>/dev/null || echo 0:0)
		echo "vfio: e1000e $naddr in IOMMU group $ngroup, $nnode ($nmajmin)"
	fi
	sed -i "s|@NNODE@|$nnode|g; s|\"major\": 77703|\"major\": ${nmajmin%:*}|; s|\"minor\": 77704|\"minor\": ${nmajmin#*:}|" /bundles/vm-msix/config.json
	for c in /bundles/*/config.json; do
		sed -i "s|@NODE@|$node|g; s|@ADDR@|$addr|g; s|\"major\": 77701|\"major\": $maj|; s|\"minor\": 77702|\"minor\": $min|" "$c"
	done
	# nothing_left ID: no state, cgroup or VMM of container ID
	nothing_left() {
		hy list | grep -qw "$1" && { echo "left: state of $1"; return 1; }
		[ -e "/sys/fs/cgroup/hyrun-vfio/$1" ] && { echo "left: cgroup of $1"; return 1; }
		ps | grep -v grep | grep -q "hyrun:vmm" && { echo "left: a VMM"; return 1; }
		return 0
	}
	# boot cost (-M): exits and time of a plain guest, for the figures
	# (not TAP): the kernel without PCI, with PCI and pci=off (the default
	# without a device), with PCI probing an empty bus (pci=conf1)
	for b in plain-old plain plain-probe; do
		[ -d "/bundles/$b" ] || continue
		for i in 1 2 3; do
			hy --debug run -b "/bundles/$b" "vfio-$b" >/tmp/out 2>&1
			echo "vfio: boot cost $b: $(sed -n 's/.*vm: guest stopped after \(.*\)/\1/p' /tmp/out | tail -n1)"
			hy delete -f "vfio-$b" >/dev/null 2>&1
		done
	done
	echo "1..12"

	# the device, driven from the guest
	t0=$(cut -d' ' -f1 /proc/uptime)
	hy --debug run -b /bundles/vm vfio-vm >/tmp/out 2>&1
	rc=$?
	echo "vfio: with edu assigned: $(sed -n 's/.*vm: guest stopped after \(.*\)/\1/p' /tmp/out | tail -n1)"
	grep -E "^(edu|id|liveness|factorial|msi|intx|no )" /tmp/out | sed 's/^/vfio: guest: /'
	t1=$(cut -d' ' -f1 /proc/uptime)
	echo "vfio: VM-mode run took $(echo "$t0 $t1" | awk '{ printf "%.1f", $2 - $1 }') s"
	grep -q "^edu at " /tmp/out && grep -q "^id 0x010000ed" /tmp/out && grep -q "^factorial 5 = 120" /tmp/out && [ "$rc" = 0 ]
	ok $? "vm: a VFIO group in linux.devices: the guest sees edu on its PCI bus, reads 0x010000ed and computes 5! = 120 through BAR0"
	grep -q "^msi received [1-9]" /tmp/out
	ok $? "vm: the device's MSI reaches the guest (KVM irqfd on an MSI route; the guest's vfio-pci eventfd counts it)"
	grep -q "^intx received [1-9][0-9]*, then [1-9]" /tmp/out
	ok $? "vm: the device's INTx reaches the guest once MSI is off, and again after the guest unmasks it (MP table PCI entry, KVM irqfd with resample, VFIO unmask)"
	hy delete -f vfio-vm >/dev/null 2>&1
	(exec 3<>"$node" && echo "opened $node") >/tmp/out 2>&1 && nothing_left vfio-vm >>/tmp/out
	ok $? "vm: after delete the group is free (it opens again) and nothing is left"

	hy --debug run -b /bundles/vm-msix vfio-msix >/tmp/out 2>&1
	rc=$?
	grep -E "^(e1000e|msix|vector|no )" /tmp/out | sed 's/^/vfio: guest (e1000e): /'
	grep -q "^msix vector 0 received [1-9][0-9]*, vector 2 received [1-9]" /tmp/out && [ "$rc" = 0 ]
	ok $? "vm: MSI-X: the guest enables 3 vectors of an e1000e, the device's interrupt reaches vector 0, then vector 2 (the VMM emulates the MSI-X table: a KVM route per vector)"
	hy delete -f vfio-msix >/dev/null 2>&1

	hy run -b /bundles/vm-addr vfio-addr >/tmp/out 2>&1
	rc=$?
	grep -E "^(intx|no )" /tmp/out | sed 's/^/vfio: guest (nointxmask): /'
	grep -q "^id 0x010000ed" /tmp/out
	ok $? "vm: io.hyrun.vm.vfio names the device by PCI address ($addr)"
	grep -q "^intx received [1-9][0-9]*, then [1-9]" /tmp/out && [ "$rc" = 0 ]
	ok $? "vm: INTx again after the first with a guest driver that masks at the IOAPIC, not the device (vfio_pci.nointxmask=1): only the VMM's resample eventfd unmasks the line on the host"
	hy delete -f vfio-addr >/dev/null 2>&1

	hy run -b /bundles/ctr vfio-ctr >/tmp/out 2>&1
	grep -q "^opened" /tmp/out
	ok $? "container: the group's node is in the container (the device cgroup allows it) and opens"
	hy delete -f vfio-ctr >/dev/null 2>&1

	# fail CASE ID BUNDLE PATTERN: create fails naming the path and the reason
	fail() {
		hy run -b "/bundles/$3" "$2" >/tmp/out 2>&1
		rc=$?
		[ "$rc" != 0 ] && grep -q "$4" /tmp/out && nothing_left "$2" >>/tmp/out
		ok $? "$1"
		hy delete -f "$2" >/dev/null 2>&1
	}
	fail "vm: a missing group fails create: \`/dev/vfio/4242\`: no such VFIO group, nothing left" \
		vfio-missing missing '/dev/vfio/4242.*no such VFIO group'
	sleep 30 3<>"$node" &
	holder=$!
	sleep 0.2
	fail "vm: a group in use fails create: the group is in use, nothing left" vfio-busy vm \
		"$node.*in use"
	kill "$holder"
	wait "$holder" 2>/dev/null
	fail "vm: a device not on vfio-pci (the host bridge, by address) fails create naming its group, nothing left" \
		vfio-wrong wrong 'IOMMU group [0-9]* has no device bound to vfio-pci'
	# a host without an IOMMU: no IOMMU groups (an empty folder over them)
	mount -t tmpfs none /sys/kernel/iommu_groups
	fail "vm: no IOMMU (no IOMMU groups) fails create: no IOMMU on this host, nothing left" \
		vfio-noiommu missing 'no IOMMU on this host'
	umount /sys/kernel/iommu_groups
	echo "vfio: done at $(cut -d' ' -f1 /proc/uptime) s"
	exit 0
fi

# ======================== on the host =======================================
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/l1.sh"
build=$top/_build
kernel=""
tapout=""
old_kernel=""
while getopts B:K:o:M: o; do
	case $o in
	M) old_kernel=$(realpath "$OPTARG") ;;
	B) build=$(cd "$OPTARG" && pwd) ;;
	K) kernel=$(realpath "$OPTARG") ;;
	o) tapout=$OPTARG ;;
	*) echo "usage: $0 [-B BUILD_DIR] [-K VMLINUX] [-o TAP_FILE]" >&2; exit 2 ;;
	esac
done
die() {
	echo "vfio-in-l1: $*" >&2
	exit 1
}
for f in hyrun hyrun-agent tests/vm/edu; do
	[ -x "$build/$f" ] || die "$build/$f is missing (make -C $build hyrun hyrun-agent tests/vm/edu)"
done
command -v jq >/dev/null || die "jq not found"
[ -n "$kernel" ] || kernel=$("$top/kvm-shim/kernel/build.sh") || die "the guest kernel build failed"
work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-vfio.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
l1_kernel ""
l1_root "$root"
l1_modules "$root" vfio-pci vfio_iommu_type1
for f in hyrun hyrun-agent; do l1_copy "$root" "$build/$f"; done
l1_copy "$root" "$kernel"
B=$root/bundles
mkdir -p "$B"
HYRUN=$build/hyrun sh "$top/contrib/make-busybox-bundle.sh" "$B/template" >/dev/null
cp "$build/tests/vm/edu" "$B/template/rootfs/edu"
# bundle NAME JQ-FILTER: the template, no network, in a cgroup of its own
bundle() {
	cp -a "$B/template" "$B/$1"
	jq --arg k "$kernel" ".root.readonly = false | .process.terminal = false
		| .linux.namespaces |= map(select(.type != \"network\"))
		| .linux.cgroupsPath = \"/hyrun-vfio/$1\" | $2" \
		"$B/template/config.json" >"$B/$1/config.json"
}
vm='.annotations["io.hyrun.isolation"] = "vm" | .annotations["io.hyrun.vm.kernel"] = $k
	| .annotations["io.hyrun.vm.network"] = "none" | .annotations["io.hyrun.vm.memory"] = "128"'
dev='.linux.devices += [{"path": "@NODE@", "type": "c", "major": 77701, "minor": 77702}]'
# the guest workload binds edu to its own vfio-pci (no-IOMMU mode) for the
# MSI: all capabilities, sysfs writable, every device node allowed
priv='.process.capabilities = (.process.capabilities | map_values(["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_MKNOD","CAP_SYS_ADMIN","CAP_SYS_RAWIO","CAP_SETUID","CAP_SETGID","CAP_KILL","CAP_SYSLOG"]))
	| .mounts |= map(if .destination == "/sys" then .options -= ["ro"] else . end)
	| .linux.resources.devices = [{"allow": true, "access": "rwm"}]
	| .linux.maskedPaths = [] | .linux.readonlyPaths = []
	| .vm.kernel = {"path": $k, "parameters": ["vfio.enable_unsafe_noiommu_mode=1"]}'
# on a failure the guest kernel's PCI lines go to the log
bundle vm "$vm | $dev | $priv | .process.args = [\"sh\", \"-c\", \"/edu probe; r=\$?; /edu irq || r=1; /edu intx || r=1; [ \$r = 0 ] || dmesg | grep -iE 'pci|vfio|msi|irq|intx' | tail -n 40; exit \$r\"]"
# by address; its guest's vfio-pci masks INTx at the interrupt controller,
# not with the device's INTx-disable bit (nointxmask): VFIO on the host
# then unmasks the line only through the VMM's resample eventfd
bundle vm-addr "$vm | .annotations[\"io.hyrun.vm.vfio\"] = \"@ADDR@\" | $priv
	| .vm.kernel.parameters += [\"vfio_pci.nointxmask=1\"]
	| .process.args = [\"sh\", \"-c\", \"/edu probe; r=\$?; /edu intx || r=1; exit \$r\"]"
bundle vm-msix "$vm | .linux.devices += [{\"path\": \"@NNODE@\", \"type\": \"c\", \"major\": 77703, \"minor\": 77704}] | $priv
	| .process.args = [\"sh\", \"-c\", \"/edu msix; r=\$?; [ \$r = 0 ] || dmesg | grep -iE 'pci|vfio|msi' | tail -n 40; exit \$r\"]"
bundle ctr "$dev | .linux.resources.devices += [{\"allow\": true, \"type\": \"c\", \"major\": 77701, \"minor\": 77702, \"access\": \"rwm\"}] | .process.args = [\"sh\", \"-c\", \"ls -l @NODE@ && exec 3<>@NODE@ && echo opened @NODE@\"]"
bundle missing "$vm | .linux.devices += [{\"path\": \"/dev/vfio/4242\", \"type\": \"c\", \"major\": 243, \"minor\": 99}] | .process.args = [\"true\"]"
if [ -n "$old_kernel" ]; then
	l1_copy "$root" "$old_kernel"
	bundle plain "$vm | .process.args = [\"true\"]"
	bundle plain-probe "$vm | .vm.kernel = {\"path\": \$k, \"parameters\": [\"pci=conf1\"]} | .process.args = [\"true\"]"
	jq --arg k "$old_kernel" '.annotations["io.hyrun.vm.kernel"] = $k' "$B/plain/config.json" >"$work/c.json"
	cp -a "$B/plain" "$B/plain-old" && cp "$work/c.json" "$B/plain-old/config.json"
	sed -i "s|/hyrun-vfio/plain\"|/hyrun-vfio/plain-old\"|" "$B/plain-old/config.json"
fi
bundle wrong "$vm | .annotations[\"io.hyrun.vm.vfio\"] = \"0000:00:00.0\" | .process.args = [\"true\"]"
rm -rf "$B/template"
printf 'HYRUN=%s\n' "$(realpath "$build/hyrun")" >"$B/env"
cp "$0" "$root/vfio-in-l1.sh"
cp "$here/l1.sh" "$root/l1.sh"
{
	l1_init_head
	echo 'sh /vfio-in-l1.sh --in-l1 2>&1 | sed "s/^/vfio-l1: /"'
	echo 'reboot -f'
} >"$root/init"
chmod +x "$root/init"
l1_pack "$root" "$work/l1.cpio"
t0=$(date +%s)
HYRUN_L1_MACHINE="q35,kernel-irqchip=split" \
	HYRUN_L1_QEMU_ARGS="-device intel-iommu,intremap=on -device edu -device e1000e ${HYRUN_L1_QEMU_ARGS:-}" \
	HYRUN_L1_APPEND="intel_iommu=on iommu=pt no_timer_check ${HYRUN_L1_APPEND:-}" \
	HYRUN_L1_TIMEOUT=${HYRUN_L1_TIMEOUT:-400} \
	l1_boot "$work/l1.cpio" "$work/console" >"$work/console.raw" 2>&1 || true
t1=$(date +%s)
sed -n 's/^vfio-l1: //p' "$work/console" >"$work/all"
grep -E '^(ok |not ok |#|1\.\.)' "$work/all" >"$work/tap" || true
grep '^vfio: ' "$work/all" || true
cat "$work/tap"
echo "# vfio-in-l1: L1 boot and cases took $((t1 - t0)) s"
[ -z "$tapout" ] || cp "$work/tap" "$tapout"
planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$work/tap" | head -n1)
ran=$(grep -cE '^(ok|not ok) ' "$work/tap" || true)
if [ -z "$planned" ] || [ "$ran" != "$planned" ]; then
	echo "vfio-in-l1: ${ran:-0} of ${planned:-?} cases reported; last console lines:"
	tail -n 40 "$work/console" | sed 's/^/  /'
	exit 1
fi
! grep -q '^not ok ' "$work/tap"

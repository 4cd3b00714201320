# SPDX-License-Identifier: GPL-2.0-or-later
# Shell functions for the nested test VM ("L1"), sourced by
# tests/unit/guests/run-in-l1.sh (unit-test binaries) and
# tests/vm/run-nested.sh (VM mode end to end); POSIX sh.  run-in-l1.sh
# copies it into L1 at its own path: scripts run there source it too
# (l1_move_root).
#
# L1 is a small Linux VM under QEMU's software emulation (TCG) with an
# emulated AMD-V CPU: its kernel's kvm_amd gives a real /dev/kvm on hosts
# whose own /dev/kvm is missing or cannot boot a Linux guest
# (shared/facts/nested-kvm.md).  Its kernel is Debian's cloud kernel (KVM as
# modules), fetched once with apt-get download into $HYRUN_L1_CACHE.
#
#   l1_kernel [KERNEL_ROOT]    sets L1_KROOT, L1_KVER, L1_VMLINUZ
#   l1_root ROOT               busybox (with its applets), kvm modules, dirs
#   l1_copy ROOT FILE          FILE at the same path, with its shared libraries
#   l1_modules ROOT MOD...     more of L1's kernel modules (veth, tun, ...), with
#                              what they depend on, loaded by l1_init_head
#   l1_init_head               the first lines of an /init (mounts, kvm modules)
#   l1_pack ROOT CPIO          an uncompressed newc cpio of ROOT
#   l1_boot CPIO CONSOLE       boot L1 once; its console (CR-free) in CONSOLE
#   l1_move_root SIZE SCRIPT [ARG...]   (in L1) a root on a tmpfs, SCRIPT
#                              run again there (pivot_root needs a real root)
#
# Environment: HYRUN_L1_CACHE (default /var/tmp/hyrun-l1), HYRUN_L1_CPU
# (default max), HYRUN_L1_MEM (MiB, default 1024), HYRUN_L1_SMP (default 1),
# HYRUN_L1_TIMEOUT (s, default 300), HYRUN_L1_APPEND (more L1 kernel command
# line), HYRUN_L1_KVM_AMD (kvm_amd module parameters), HYRUN_L1_QEMU_ARGS
# (more QEMU options, e.g. -icount shift=auto), HYRUN_L1_MACHINE (QEMU's -M,
# default microvm,acpi=off; the passthrough test's is q35), HYRUN_L1_TSC_KHZ (below;
# 0 leaves it out).
#
# The L1 flake and its cure: some L1 boots ran no L2 instruction at all
# (KVM_RUN never returned, 0 exits) for every guest of that boot.  Cause
# (found 2026-11-25, tests/vm/flake.sh): under TCG, L1's TSC calibration
# against the PIT often fails ("tsc: Unable to calibrate against PIT ...
# Marking TSC unstable due to could not calculate TSC khz"; more often the
# busier the host), tsc_khz stays 0, and KVM's vcpu_enter_guest then loops
# on KVM_REQ_CLOCK_UPDATE (kvm_guest_time_update returns early while
# cpu_tsc_khz is 0) without ever entering the guest, until a signal.
# Cure: tell L1 its TSC rate, tsc_early_khz= (TCG's TSC runs at the host's
# TSC rate).  The callers still probe for the symptom and boot again.

l1_die() {
	echo "l1: $*" >&2
	exit 1
}

# l1_kernel [KERNEL_ROOT]: an unpacked linux-image-*-cloud-amd64 package.
l1_kernel() {
	L1_KROOT=${1:-}
	if [ -z "$L1_KROOT" ]; then
		_cache=${HYRUN_L1_CACHE:-/var/tmp/hyrun-l1}
		L1_KROOT=$_cache/root
		if [ ! -d "$L1_KROOT/boot" ]; then
			mkdir -p "$_cache" || return 1
			_pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
			[ -n "$_pkg" ] || l1_die "cannot resolve linux-image-cloud-amd64 (apt-get update?)"
			(cd "$_cache" && apt-get download "$_pkg" >/dev/null) || l1_die "apt-get download $_pkg failed"
			dpkg-deb -x "$_cache/$_pkg"_*.deb "$L1_KROOT.tmp" && mv "$L1_KROOT.tmp" "$L1_KROOT" || return 1
		fi
	fi
	L1_KVER=$(ls "$L1_KROOT/lib/modules" | head -n1)
	L1_VMLINUZ=$L1_KROOT/boot/vmlinuz-$L1_KVER
	[ -f "$L1_VMLINUZ" ] || l1_die "no L1 kernel in $L1_KROOT"
	# the package has no modules.dep (its postinst runs depmod)
	if [ ! -s "$L1_KROOT/lib/modules/$L1_KVER/modules.dep" ]; then
		/sbin/depmod -b "$L1_KROOT" "$L1_KVER" || l1_die "depmod for $L1_KVER failed (apt-get install kmod)"
	fi
}

# l1_modules ROOT MOD...: L1's modules MOD (names as modprobe takes them)
# and every module they need, in load order, appended to ROOT/mods/order;
# l1_init_head's /init insmods them after kvm.
l1_modules() {
	_root=$1
	shift
	for _m in "$@"; do
		# modprobe resolves the dependencies from the package's modules.dep
		/sbin/modprobe -d "$L1_KROOT" -S "$L1_KVER" --show-depends "$_m" ||
			l1_die "no module $_m in L1's kernel $L1_KVER"
	done | awk '$1 == "insmod" { print $2 }' | while read -r _ko; do
		_base=$(basename "$_ko")
		grep -qxF "$_base" "$_root/mods/order" 2>/dev/null && continue
		cp "$_ko" "$_root/mods/$_base" && echo "$_base" >>"$_root/mods/order" || exit 1
	done
}

# l1_copy ROOT FILE: FILE (symlinks followed) at its own absolute path in
# ROOT, and the shared libraries it links (with the dynamic loader).
l1_copy() {
	_f=$(realpath "$2")
	mkdir -p "$1$(dirname "$_f")" && cp -L "$_f" "$1$_f" || return 1
	case $(file -bL "$_f") in
	*"dynamically linked"*)
		for _lib in $(ldd "$_f" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
			[ -e "$1$_lib" ] && continue
			mkdir -p "$1$(dirname "$_lib")" && cp -L "$_lib" "$1$_lib" || return 1
		done
		;;
	esac
}

# l1_root ROOT: the skeleton every L1 initramfs has.  Busybox's applets are
# linked into /bin so that scripts run in L1 read like ordinary sh.
l1_root() {
	_bb=$(command -v busybox) || l1_die "busybox not found (apt-get install busybox-static)"
	mkdir -p "$1/bin" "$1/sbin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/run" "$1/mods" "$1/etc" || return 1
	cp "$_bb" "$1/bin/busybox" || return 1
	for _a in $("$_bb" --list); do
		[ -e "$1/bin/$_a" ] || ln -s busybox "$1/bin/$_a"
	done
	for _m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko; do
		cp "$L1_KROOT/lib/modules/$L1_KVER/kernel/$_m" "$1/mods/" || return 1
	done
}

# l1_init_head: mounts, the kvm modules, a PATH.
l1_init_head() {
	cat <<EOI
#!/bin/busybox sh
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox insmod /mods/irqbypass.ko
/bin/busybox insmod /mods/kvm.ko
/bin/busybox insmod /mods/kvm-amd.ko ${HYRUN_L1_KVM_AMD:-}
[ -f /mods/order ] && while read -r m; do /bin/busybox insmod "/mods/\$m"; done </mods/order
EOI
}

# l1_pack ROOT CPIO: uncompressed (an L2-less L1 unpacks gzip slowly too).
l1_pack() {
	(cd "$1" && find . | busybox cpio -o -H newc >"$2" 2>/dev/null)
}

# l1_tsc_khz: the host's TSC rate in kHz, which is L1's under TCG (rdtsc
# reads the host's counter); HYRUN_L1_TSC_KHZ overrides, 0 means none.
l1_tsc_khz() {
	if [ -n "${HYRUN_L1_TSC_KHZ:-}" ]; then
		echo "$HYRUN_L1_TSC_KHZ"
	else
		awk -F: '/^cpu MHz/ { printf "%d\n", $2 * 1000; exit }' /proc/cpuinfo
	fi
}

# l1_boot CPIO CONSOLE: one L1 boot under a host-side timeout; the console
# goes to stdout and, without carriage returns, to CONSOLE.  Returns
# QEMU's status (124: the timeout hit).
l1_boot() {
	_rc=0
	_tsc=$(l1_tsc_khz)
	[ "${_tsc:-0}" = 0 ] && _tsc="" || _tsc="tsc_early_khz=$_tsc"
	{ timeout "${HYRUN_L1_TIMEOUT:-300}" qemu-system-x86_64 -accel tcg -cpu "${HYRUN_L1_CPU:-max}" \
		-M "${HYRUN_L1_MACHINE:-microvm,acpi=off}" -m "${HYRUN_L1_MEM:-1024}" -smp "${HYRUN_L1_SMP:-1}" \
		-nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-kernel "$L1_VMLINUZ" -initrd "$1" ${HYRUN_L1_QEMU_ARGS:-} \
		-append "console=ttyS0 reboot=t panic=-1 random.trust_cpu=on nokaslr quiet loglevel=1 $_tsc ${HYRUN_L1_APPEND:-}" \
		</dev/null || _rc=$?; echo "l1-qemu-status $_rc"; } | tr -d '\r' | tee "$2"
	_rc=$(sed -n 's/^l1-qemu-status //p' "$2")
	return "${_rc:-1}"
}

# l1_move_root SIZE SCRIPT [ARG...]: run inside L1, by a script that needs
# a real root.  pivot_root(2) refuses a root on the initramfs (EINVAL: the
# rootfs is the namespace's root and cannot be unmounted), and hyrun's
# container mode and criu pivot.  So a copy of the root on a tmpfs of SIZE
# (tmpfs's size=, e.g. 80%) is moved over / (as switch_root does; a chroot
# alone would not do for criu, which wants the mount namespace's root to be
# its root) and SCRIPT runs again there under /bin/sh with
# HYRUN_L1_MOVED=1.  Returns at once when that is already set (SCRIPT's
# second run); returns 1 when the move failed (the initramfs is then still
# the root).  Proc, sys and dev are mounted afresh in the new root;
# anything else mounted before the move (/run, cgroup2) stays behind.
l1_move_root() {
	[ -z "${HYRUN_L1_MOVED:-}" ] || return 0
	_size=$1 _script=$(realpath "$2")
	shift 2
	mkdir -p /newroot && mount -t tmpfs -o "size=$_size" none /newroot || return 1
	for _d in /*; do
		case $_d in
		/proc | /sys | /dev | /run | /newroot) mkdir -p "/newroot$_d" ;;
		*) cp -a "$_d" /newroot/ || return 1 ;;
		esac
	done
	mount -t proc proc /newroot/proc && mount -t sysfs sys /newroot/sys &&
		mount -t devtmpfs dev /newroot/dev || return 1
	cd /newroot && mount --move . / && HYRUN_L1_MOVED=1 exec chroot . /bin/sh "$_script" "$@"
	return 1
}

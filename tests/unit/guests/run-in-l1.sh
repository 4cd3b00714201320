#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run unit-test binaries that need a working /dev/kvm inside a small "L1"
# Linux VM under QEMU's software emulation (TCG) with an emulated AMD-V CPU,
# whose kvm_amd gives a real KVM (shared/facts/nested-kvm.md).  For hosts
# whose own /dev/kvm is missing or cannot run the guests.
#
#   run-in-l1.sh [-k KERNEL_ROOT] TEST_BINARY...
#
# KERNEL_ROOT is an unpacked Debian linux-image-*-cloud-amd64 package (its
# boot/vmlinuz-* and the kvm modules); without -k it is downloaded with
# apt-get into $HYRUN_L1_CACHE (default /var/tmp/hyrun-l1).
#
# Some L1 boots run no L2 instruction at all: KVM_RUN never returns, 0 exits,
# for every guest of that boot, while the same binaries pass in the next boot
# (measured 2026-11-25: 3 of 9 boots with KASLR; with nokaslr 3 of 18 with
# -cpu max, 3 of 8 with -cpu qemu64,+svm,+npt, 3 of 8 with kvm_amd npt=0 -
# none of these cures it).  Such a boot is retried (HYRUN_L1_TRIES, 3 by
# default) and said so; any other failure is not.  Needs
# qemu-system-x86_64 and busybox (static).  Guest binaries are looked up in
# GUEST_DIR when set.  Exit status: the first failing test's, else 0.
set -eu

kroot=""
if [ "${1:-}" = "-k" ]; then kroot=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: $0 [-k KERNEL_ROOT] TEST_BINARY..." >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "$0: qemu-system-x86_64 not found" >&2; exit 77; }
busybox=$(command -v busybox) || { echo "$0: busybox not found" >&2; exit 77; }

if [ -z "$kroot" ]; then
  cache=${HYRUN_L1_CACHE:-/var/tmp/hyrun-l1}
  kroot=$cache/root
  if [ ! -d "$kroot/boot" ]; then
    mkdir -p "$cache" && cd "$cache"
    pkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/{print $2; exit}')
    apt-get download "$pkg" >/dev/null
    dpkg-deb -x "$cache"/"$pkg"_*.deb "$kroot"
    cd - >/dev/null
  fi
fi
kver=$(ls "$kroot/lib/modules" | head -n1)

work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-l1.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/mods"
cp "$busybox" "$root/bin/busybox"
for m in virt/lib/irqbypass.ko arch/x86/kvm/kvm.ko arch/x86/kvm/kvm-amd.ko; do
  cp "$kroot/lib/modules/$kver/kernel/$m" "$root/mods/"
done

# Each test at its own absolute path, with the shared libraries it links.
copy_at_same_path () {
  mkdir -p "$root$(dirname "$1")" && cp -L "$1" "$root$1"
}
tests=""
for t in "$@"; do
  t=$(realpath "$t")
  copy_at_same_path "$t"
  for lib in $(ldd "$t" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do copy_at_same_path "$lib"; done
  tests="$tests $t"
done
# HYRUN_TEST_* variables naming files (a guest kernel, busybox) are
# copied in at the same path and exported to the tests.
exports=""
for v in $(env | sed -n 's/^\(HYRUN_TEST_[A-Z_]*\)=.*/\1/p'); do
  eval "f=\$$v"
  [ -f "$f" ] && copy_at_same_path "$(realpath "$f")" && f=$(realpath "$f")
  exports="$exports $v=$f"
done
if [ -n "${GUEST_DIR:-}" ]; then
  mkdir -p "$root$GUEST_DIR" && cp "$GUEST_DIR"/*.bin "$root$GUEST_DIR/"
fi

# /init: modules, then each test, one result marker per test on the console.
cat > "$root/init" <<EOI
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
/bin/busybox insmod /mods/irqbypass.ko
/bin/busybox insmod /mods/kvm.ko
/bin/busybox insmod /mods/kvm-amd.ko ${HYRUN_L1_KVM_AMD:-}
${exports:+export $exports}
for t in $tests; do
  \$t >/tmp/out 2>&1; rc=\$?; /bin/busybox cat /tmp/out
  echo "hyrun-l1: \$t exit \$rc"
  # The L1 flake (below): no point running the rest in this boot.
  /bin/busybox grep -q 'stop=interrupted code=0 exits=0 ' /tmp/out && break
done
/bin/busybox reboot -f
EOI
chmod +x "$root/init"
(cd "$root" && find . | "$busybox" cpio -o -H newc >"$work/init.cpio" 2>/dev/null)

run_l1 () {
  timeout 300 qemu-system-x86_64 -accel tcg -cpu "${HYRUN_L1_CPU:-max}" -M microvm,acpi=off -m 1024 -smp 1 \
    -nodefaults -no-user-config -display none -serial stdio -no-reboot \
    -kernel "$kroot/boot/vmlinuz-$kver" -initrd "$work/init.cpio" \
    -append "console=ttyS0 reboot=t panic=-1 random.trust_cpu=on nokaslr quiet loglevel=1" \
    | tr -d '\r' | tee "$work/console"
}

for try in $(seq 1 "${HYRUN_L1_TRIES:-3}"); do
  run_l1
  # test_vmm_guest (run first) prints "stop=interrupted ... exits=0" for a
  # guest that never ran: the L1 flake above, not a VMM failure.
  grep -q 'stop=interrupted code=0 exits=0 ' "$work/console" || break
  echo "$0: L1 boot $try of ${HYRUN_L1_TRIES:-3} ran no guest instruction (the known L1 flake)" >&2
done

status=$(awk '/^hyrun-l1: .* exit [0-9]+/ { if ($NF != 0) { print $NF; exit } }' "$work/console")
ran=$(grep -c '^hyrun-l1: ' "$work/console" || true)
[ "$ran" -eq $# ] || { echo "$0: only $ran of $# tests reported" >&2; exit 1; }
exit "${status:-0}"

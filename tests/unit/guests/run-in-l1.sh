#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run unit-test binaries that need a working /dev/kvm inside the nested test
# VM ("L1", tests/vm/l1.sh; shared/facts/nested-kvm.md).  For hosts whose
# own /dev/kvm is missing or cannot run the guests.
#
#   run-in-l1.sh [-k KERNEL_ROOT] [-o CONSOLE] TEST_BINARY...
#
# KERNEL_ROOT is an unpacked Debian linux-image-*-cloud-amd64 package; without
# -k it is downloaded into $HYRUN_L1_CACHE (tests/vm/l1.sh).  -o CONSOLE:
# the console of the last boot (not of a retried one) is copied there; each
# test's output is between "hyrun-l1: begin TEST" and "hyrun-l1: TEST exit N"
# (tests/run-all.sh reads each test's TAP and status from it).
# ASAN_OPTIONS and UBSAN_OPTIONS are passed on (sanitized tests report on
# the console).  HYRUN_L1_MODULES: more L1 kernel modules to load.
#
# A boot hit by the known L1 flake (no L2 instruction runs; test_vmm_guest,
# run first, then prints "stop=interrupted ... exits=0") is retried
# (HYRUN_L1_TRIES, 3 by default) and said so; any other failure is not.
# Needs qemu-system-x86_64 and busybox (static).  The guest binaries in
# GUEST_DIR (folders, space-separated) are copied in at the same paths.  Exit status: the first failing test's, else 0.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../vm/l1.sh"

kroot=""
out=""
while getopts k:o: o; do
  case $o in
  k) kroot=$OPTARG ;;
  o) out=$OPTARG ;;
  *) echo "usage: $0 [-k KERNEL_ROOT] [-o CONSOLE] TEST_BINARY..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-k KERNEL_ROOT] [-o CONSOLE] TEST_BINARY..." >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "$0: qemu-system-x86_64 not found" >&2; exit 77; }
command -v busybox >/dev/null || { echo "$0: busybox not found" >&2; exit 77; }
l1_kernel "$kroot"

work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-l1.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
l1_root "$root"
# more of L1's kernel modules a test needs (names as modprobe takes them)
[ -z "${HYRUN_L1_MODULES:-}" ] || l1_modules "$root" $HYRUN_L1_MODULES

# Each test at its own absolute path, with the shared libraries it links;
# tests/vm/l1.sh too, at its own: test scripts source it (l1_move_root).
l1_copy "$root" "$here/../../vm/l1.sh"
tests=""
for t in "$@"; do
  t=$(realpath "$t")
  l1_copy "$root" "$t"
  tests="$tests $t"
done
# HYRUN_TEST_* variables naming files (a guest kernel, busybox) are
# copied in at the same path and exported to the tests.
exports=""
for v in $(env | sed -n 's/^\(HYRUN_TEST_[A-Z_]*\)=.*/\1/p'); do
  eval "f=\$$v"
  [ -f "$f" ] && l1_copy "$root" "$f" && f=$(realpath "$f")
  exports="$exports $v=$f"
done
for v in ASAN_OPTIONS UBSAN_OPTIONS; do
  eval "f=\${$v:-}"
  [ -z "$f" ] || exports="$exports $v=$f"
done
# (the folders the tests were built with, space-separated: a sanitized
# build's tests look in their own)
for d in ${GUEST_DIR:-}; do
  mkdir -p "$root$d" && cp "$d"/*.bin "$root$d/"
done

# /init: modules, then each test, one result marker per test on the console.
{
  l1_init_head
  cat <<EOI
${exports:+export $exports}
for t in $tests; do
  echo "hyrun-l1: begin \$t"
  \$t >/tmp/out 2>&1; rc=\$?; cat /tmp/out
  echo "hyrun-l1: \$t exit \$rc"
  # The L1 flake (above): no point running the rest in this boot.
  grep -q 'stop=interrupted code=0 exits=0 ' /tmp/out && break
done
reboot -f
EOI
} >"$root/init"
chmod +x "$root/init"
l1_pack "$root" "$work/init.cpio"

for try in $(seq 1 "${HYRUN_L1_TRIES:-3}"); do
  l1_boot "$work/init.cpio" "$work/console" || true
  # test_vmm_guest (run first) prints "stop=interrupted ... exits=0" for a
  # guest that never ran: the L1 flake above, not a VMM failure.
  grep -q 'stop=interrupted code=0 exits=0 ' "$work/console" || break
  echo "$0: L1 boot $try of ${HYRUN_L1_TRIES:-3} ran no guest instruction (the known L1 flake)" >&2
done

[ -z "$out" ] || cp "$work/console" "$out"
status=$(awk '/^hyrun-l1: .* exit [0-9]+/ { if ($NF != 0) { print $NF; exit } }' "$work/console")
ran=$(grep -c '^hyrun-l1: .* exit [0-9]*$' "$work/console" || true)
[ "$ran" -eq $# ] || { echo "$0: only $ran of $# tests reported" >&2; exit 1; }
exit "${status:-0}"

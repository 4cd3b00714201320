#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `ctr run --rm IMAGE ID true` through containerd 1.6 and its runc v2 shim:
# hyrun in VM mode (hyrun-vm) against hyrun in container mode, interleaved,
# BENCH_N of each (default 5), medians in milliseconds.  Run in the nested
# test VM by tests/vm/clients/run.sh (its "bench" case): these are
# nested-TCG figures (L1 under QEMU's software emulation, every guest exit
# ~50 us, guest code ~17x slower than native), a comparison of the two
# modes there, not a prediction for hardware.
#   contrib/bench/ctr-run.sh [-B BUILD_DIR] [-K VMLINUX]
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
HYRUN_L1_TIMEOUT=${HYRUN_L1_TIMEOUT:-1800} sh "$top/tests/vm/clients/run.sh" -o "$out" "$@" bench >/dev/null 2>&1 || {
	cat "$out" >&2
	echo "ctr-run: the bench did not run (above)" >&2
	exit 1
}
grep '^# bench: ' "$out" | sed 's/^# bench: /nested-TCG: /'
awk '/^# bench: .* vm mode: median/ { vm = $0; sub(/.*median /, "", vm); sub(/ ms.*/, "", vm) }
	/^# bench: .* container mode: median/ { c = $0; sub(/.*median /, "", c); sub(/ ms.*/, "", c) }
	END { if (vm && c) printf "nested-TCG: VM mode / container mode = %.1f\n", vm / c }' "$out"

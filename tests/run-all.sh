#!/bin/bash
# The whole hyrun test suite, as CI runs it (as root, on Debian 12):
#   1. build (-Werror) and the unit tests (TAP), each also under valgrind
#   2. the bats integration suite against the real binary
#   3. an ASan+UBSan build: unit tests and the integration suite again
#   4. end to end under a real containerd and a real podman
#   5. VM mode end to end: the guest kernel (cached), then every VM-mode
#      case in the nested test VM (tests/vm/run-nested.sh), or directly
#      where the host has hardware KVM; the KVM unit tests in L1; the guest
#      agent against QEMU; VM mode driven by the real containerd and
#      podman in L1 (tests/vm/clients/run.sh)
#   6. the README's demo (contrib/demo.sh): both of its hello lines
# Every step's TAP lines are counted; the last line is the summary,
# "N passed, N failed, N skipped".  A skip is not a pass: each is listed
# with its reason.
#   tests/run-all.sh [--quick]   --quick: steps 1 and 2 only
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
JOBS=$(nproc)
QUICK=0
[ "${1:-}" = --quick ] && QUICK=1

passed=0
failed=0
skipped=0
failures=()
LOGDIR=${LOGDIR:-$TOP/_test-logs}
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

say() { printf '\n=== %s\n' "$*"; }

# count_tap NAME LOGFILE: add a TAP log's results to the totals.
count_tap() {
	local name=$1 log=$2 ok nok skip
	ok=$(grep -cE '^ok ' "$log" || true)
	skip=$(grep -ciE '^ok .*# skip' "$log" || true)
	nok=$(grep -cE '^not ok ' "$log" || true)
	ok=$((ok - skip))
	passed=$((passed + ok))
	skipped=$((skipped + skip))
	failed=$((failed + nok))
	grep -E '^not ok ' "$log" | sed "s|^|  FAIL [$name] |" || true
	grep -iE '^ok .*# skip' "$log" | sed "s|^|  skip [$name] |" || true
	while read -r l; do failures+=("[$name] $l"); done < <(grep -E '^not ok ' "$log" || true)
	echo "$name: $ok passed, $nok failed, $skip skipped"
}

# step_fail NAME WHY: a step that could not run counts as one failure.
step_fail() {
	failed=$((failed + 1))
	failures+=("[$1] $2")
	echo "FAIL [$1] $2"
}

# build DIR CONFIGURE-ARGS...
build() {
	local dir=$1
	shift
	mkdir -p "$dir"
	(cd "$dir" && "$TOP/configure" -q "$@" && make -j"$JOBS" -s && make -j"$JOBS" -s check TESTS=) \
		>"$LOGDIR/build-$(basename "$dir").log" 2>&1
}

# host_kvm: this host's KVM is a standard one (VT-x/AMD-V) that boots the
# Linux guest of test_vmm_linux; otherwise the KVM unit tests run in L1.
host_kvm() {
	[ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo
}

# unit DIR NAME [valgrind]: run each unit test program, TAP counted.
unit() {
	local dir=$1 name=$2 vg=${3:-} t log
	for t in "$dir"/tests/unit/test_*; do
		[ -x "$t" ] && [ -f "$t" ] || continue
		log=$LOGDIR/$name-$(basename "$t").tap
		case $(basename "$t") in
		test_vmm_guest | test_virtio_guest | test_vmm_linux)
			if [ ! -w /dev/kvm ]; then
				# they drive real guests: without a /dev/kvm here they run
				# in the nested test VM in the vm stage (counted there)
				echo "ok 1 - $(basename "$t") # SKIP no /dev/kvm on this host; runs in L1 in the vm stage" >"$log"
				count_tap "$name/$(basename "$t")" "$log"
				continue
			fi ;;
		esac
		if [ -n "$vg" ] && { [ "$(basename "$t")" = test_seccomp ] || [ "$(basename "$t")" = test_vmm_sandbox ]; }; then
			# valgrind cannot follow a process through its own seccomp
			# filters (its syscalls get filtered too): it hangs there
			echo "ok 1 - valgrind/$(basename "$t") # SKIP valgrind cannot run under seccomp filters" >"$log"
			count_tap "$name/$(basename "$t")" "$log"
			continue
		fi
		if [ -n "$vg" ]; then
			# forked children exit through _exit or exec: leaks are checked
			# in the test process only; a child's memory errors are not
			# printed, but it exits 99 on them and its test sees that
			timeout 600 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
				--child-silent-after-fork=yes --trace-children=no "$t" >"$log" 2>"$log.valgrind"
			local rc=$?
			count_tap "$name/$(basename "$t")" "$log"
			if [ "$rc" = 99 ]; then
				step_fail "$name/$(basename "$t")" "valgrind reported errors (see $log.valgrind)"
			fi
		else
			timeout 600 "$t" >"$log" 2>&1
			count_tap "$name/$(basename "$t")" "$log"
		fi
	done
}

# integration NAME BUILD-DIR
integration() {
	local log=$LOGDIR/$1.tap
	BUILD_DIR=$2 BATS_TEST_TIMEOUT=120 timeout 1800 bats --tap "$TOP/tests/integration" >"$log" 2>&1
	count_tap "$1" "$log"
}

say "build"
autoreconf -fi >"$LOGDIR/autoreconf.log" 2>&1 || step_fail build "autoreconf (see $LOGDIR/autoreconf.log)"
if build "$TOP/_build"; then
	say "unit tests"
	unit "$TOP/_build" unit
	say "unit tests under valgrind"
	unit "$TOP/_build" valgrind valgrind
	say "format"
	if make -C "$TOP/_build" -s check-format >"$LOGDIR/format.log" 2>&1; then
		passed=$((passed + 1)); echo "format: clean"
	else
		step_fail format "clang-format differences (see $LOGDIR/format.log)"
	fi
	say "integration (bats)"
	integration integration "$TOP/_build"
else
	step_fail build "build failed (see $LOGDIR/build-_build.log)"
	tail -30 "$LOGDIR/build-_build.log"
fi

if [ "$QUICK" = 0 ]; then
	say "ASan + UBSan build"
	if build "$TOP/_build-asan" --enable-asan --enable-ubsan; then
		export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=98
		unit "$TOP/_build-asan" asan-unit
		say "integration under ASan + UBSan"
		integration asan-integration "$TOP/_build-asan"
		if grep -lE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$LOGDIR"/asan-* >/dev/null 2>&1; then
			step_fail asan "sanitizer reports in: $(grep -lE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$LOGDIR"/asan-* | tr '\n' ' ')"
		fi
		unset ASAN_OPTIONS UBSAN_OPTIONS
	else
		step_fail asan "ASan+UBSan build failed (see $LOGDIR/build-_build-asan.log)"
	fi

	say "end to end: containerd and podman"
	log=$LOGDIR/e2e.tap
	HYRUN=$TOP/_build/hyrun BATS_TEST_TIMEOUT=300 timeout 1500 \
		bats --tap "$TOP/tests/e2e" >"$log" 2>&1
	count_tap e2e "$log"
fi

# vm: the guest kernel, then tests/vm/run-nested.sh; each case is counted.
# Whatever keeps the cases from running (no kernel source, no QEMU, the L1
# flake on every boot, an L1 that did not finish) is a failure, never a
# silent pass.  Bounded: 15 minutes in all (flaky boots end in ~15 s each).
vm_stage() {
	local kernel log=$LOGDIR/vm.log tap=$LOGDIR/vm.tap rc=0
	if ! kernel=$(kvm-shim/kernel/build.sh 2>"$LOGDIR/guest-kernel.log"); then
		step_fail vm "guest kernel build failed (see $LOGDIR/guest-kernel.log; contrib/install-deps.sh vm)"
		return
	fi
	echo "guest kernel: $kernel"
	if ! command -v qemu-system-x86_64 >/dev/null; then
		step_fail vm "qemu-system-x86_64 not found: no nested test VM (contrib/install-deps.sh vm)"
		return
	fi
	HYRUN_L1_TIMEOUT=420 HYRUN_VM_CASE_TIMEOUT=60 timeout 900 \
		sh tests/vm/run-nested.sh -B "$TOP/_build" -K "$kernel" -o "$tap" >"$log" 2>&1 || rc=$?
	grep -E '^run-nested: ' "$log" || true
	if [ -s "$tap" ]; then
		count_tap vm "$tap"
	fi
	if [ "$rc" != 0 ] && ! grep -qE '^not ok ' "$tap" 2>/dev/null; then
		step_fail vm "run-nested.sh exited $rc without a failing case (see $log)"
	fi
	# layer 2: the KVM unit tests (bare-metal guests driving the VMM, and
	# a Linux boot through the loaders), in L1 when this host's KVM
	# cannot run them (they skip here, with their reason, in the unit stage)
	if ! host_kvm; then
		(cd _build && make -s tests/unit/test_vmm_guest tests/unit/test_virtio_guest \
			tests/unit/test_vmm_linux >/dev/null 2>&1)
		HYRUN_TEST_KERNEL=$kernel HYRUN_TEST_BUSYBOX=/bin/busybox \
			GUEST_DIR=$TOP/_build/tests/unit/guests HYRUN_L1_TIMEOUT=420 timeout 900 \
			sh tests/unit/guests/run-in-l1.sh _build/tests/unit/test_vmm_guest \
			_build/tests/unit/test_virtio_guest _build/tests/unit/test_vmm_linux \
			>"$LOGDIR/vm-kvm-unit.log" 2>&1
		grep -E '^(ok|not ok) ' "$LOGDIR/vm-kvm-unit.log" >"$LOGDIR/vm-kvm-unit.tap" || true
		count_tap vm-kvm-unit "$LOGDIR/vm-kvm-unit.tap"
		[ -s "$LOGDIR/vm-kvm-unit.tap" ] ||
			step_fail vm-kvm-unit "the KVM unit tests did not run in L1 (see $LOGDIR/vm-kvm-unit.log)"
	fi
	# the guest agent and kernel against a reference VMM (QEMU, no KVM)
	timeout 300 python3 tests/vm/agent-in-qemu.py "$TOP/_build/hyrun" "$TOP/_build/hyrun-agent" \
		"$kernel" >"$LOGDIR/vm-agent-qemu.tap" 2>&1
	count_tap vm-agent-qemu "$LOGDIR/vm-agent-qemu.tap"
	grep -qE '^1\.\.[1-9]' "$LOGDIR/vm-agent-qemu.tap" ||
		step_fail vm-agent-qemu "agent-in-qemu.py ran no case (see $LOGDIR/vm-agent-qemu.tap)"
}

# vm-clients: VM mode under the real containerd and podman, in L1
# (tests/vm/clients/run.sh); each case is counted.  Bounded: 20 minutes.
clients_stage() {
	local kernel log=$LOGDIR/vm-clients.log tap=$LOGDIR/vm-clients.tap rc=0
	kernel=$(kvm-shim/kernel/build.sh 2>>"$LOGDIR/guest-kernel.log") ||
		{ step_fail vm-clients "guest kernel build failed (see $LOGDIR/guest-kernel.log)"; return; }
	HYRUN_L1_TIMEOUT=900 HYRUN_CLIENT_CASE_TIMEOUT=120 timeout 1200 \
		sh tests/vm/clients/run.sh -B "$TOP/_build" -K "$kernel" -o "$tap" >"$log" 2>&1 || rc=$?
	grep -E '^clients: ' "$log" || true
	[ -s "$tap" ] && count_tap vm-clients "$tap"
	if [ "$rc" != 0 ] && ! grep -qE '^not ok ' "$tap" 2>/dev/null; then
		step_fail vm-clients "tests/vm/clients/run.sh exited $rc without a failing case (see $log)"
	fi
}

# demo: the README's first command's demo, as a newcomer sees it (the
# build is the one above; VM mode in the nested test VM here)
demo_stage() {
	local log=$LOGDIR/demo.log tap=$LOGDIR/demo.tap n=0 want
	DEMO_BUNDLE=$LOGDIR/demo-bundle timeout 600 contrib/demo.sh >"$log" 2>&1
	echo "# contrib/demo.sh exited $?" >>"$log"
	: >"$tap"
	for want in "Hello from inside a hyrun container: hostname hyrun, pid 1" \
		"Hello from inside a hyrun VM: guest kernel"; do
		n=$((n + 1))
		if grep -qF "$want" "$log"; then
			echo "ok $n - demo prints: $want" >>"$tap"
		else
			echo "not ok $n - demo prints: $want (see $log)" >>"$tap"
		fi
	done
	count_tap demo "$tap"
}

if [ "$QUICK" = 0 ]; then
	say "VM mode end to end (nested test VM)"
	if [ -x "$TOP/_build/hyrun" ]; then
		vm_stage
		say "VM mode under containerd and podman (nested test VM)"
		clients_stage
	else
		step_fail vm "no build to test"
	fi
fi

if [ "$QUICK" = 0 ]; then
	say "demo (contrib/demo.sh)"
	demo_stage
fi

say "summary"
for f in "${failures[@]}"; do echo "  $f"; done
echo "logs: $LOGDIR"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The runner's self-test: tests/run-all.sh's stage functions (sourced, so
# the very code CI runs) driven with fake sub-suites.  Each way a sub-suite
# can fail quietly (a deleted unit binary, a crash after some ok lines, a
# whole-file skip without a reason, a hang, a bats killed midway or
# missing, a hung L1, a short VM run, a sanitizer report in a passing
# test) must turn the summary's last line red; the same fakes in good
# health must leave it green (so that each check can fail both ways).
# Prints TAP; run by tests/run-all.sh, or alone:
#   tests/runner-selftest.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-runner-selftest.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
n=0
bad=0

# fake PATH EXIT-STATUS TAP-LINES...: a unit-test program (or a stub) that
# prints the lines and exits so; an EXIT-STATUS of SEGV, HANG or KILL
# crashes, hangs or is killed instead.
fake() {
	local path=$1 st=$2
	shift 2
	mkdir -p "$(dirname "$path")"
	{
		echo '#!/bin/sh'
		printf 'printf "%%s\\n"'
		printf " '%s'" "$@"
		echo
		case $st in
		SEGV) echo 'kill -SEGV $$' ;;
		KILL) echo 'kill -KILL $$' ;;
		HANG) echo 'exec sleep 600' ;;
		*) echo "exit $st" ;;
		esac
	} >"$path"
	chmod +x "$path"
}

# fake_build DIR PROGRAM...: a build folder whose Makefile declares the
# unit tests PROGRAM... (tests/unit/NAME), as automake's TESTS does.
fake_build() {
	local d=$1 p list=""
	shift
	mkdir -p "$d/tests/unit"
	for p in "$@"; do list="$list tests/unit/$p"; done
	printf 'TESTS =%s\nall:\n' "$list" >"$d/Makefile"
}

# scenario red|green WHAT WHY COMMAND...: COMMAND with run-all.sh sourced,
# a fresh tally and log folder, in a subshell; then the summary's last line
# must (red) or must not (green) count a failure, and red, a failure must
# give WHY (an extended regular expression) as its reason.
scenario() {
	local want=$1 what=$2 why=$3 dir last got
	shift 3
	n=$((n + 1))
	dir=$work/$n
	mkdir -p "$dir/logs"
	last=$(
		LOGDIR=$dir/logs
		# shellcheck source=tests/run-all.sh
		. "$here/run-all.sh"
		tally_reset
		UNIT_TIMEOUT=3 BATS_TIMEOUT=3 L1_UNIT_TIMEOUT=3 VM_TIMEOUT=3
		cd "$dir" && "$@" >"$dir/out" 2>&1
		summary >>"$dir/out"
		tail -n1 "$dir/out"
	)
	case $last in
	*" passed, 0 failed, "*" skipped") got=green ;;
	*" passed, "*" failed, "*" skipped") got=red ;;
	*) got="no summary line" ;;
	esac
	if [ "$got" = red ] && [ -n "$why" ] && ! grep -qE "^FAIL .*($why)" "$dir/out"; then
		got="red, but not for \"$why\""
	fi
	if [ "$got" = "$want" ]; then
		echo "ok $n - $what: $want ($last)"
	else
		bad=$((bad + 1))
		echo "not ok $n - $what: expected $want, got $got ($last)"
		sed 's/^/#   /' "$dir/out"
	fi
}

# --- unit tests -------------------------------------------------------------
B=$work/build
fake_build "$B" test_a test_b test_skip
fake "$B/tests/unit/test_a" 0 "1..2" "ok 1 - one" "ok 2 - two"
fake "$B/tests/unit/test_b" 0 "1..1" "ok 1 - one"
fake "$B/tests/unit/test_skip" 77 "1..1" "ok 1 - kvm # SKIP no /dev/kvm here"

# unit_with PROGRAM STATUS LINES...: the fake build, PROGRAM replaced.
unit_with() {
	local b=$work/build-$n
	rm -rf "$b" && cp -a "$B" "$b"
	fake "$b/tests/unit/$1" "$2" "${@:3}"
	unit "$b" unit
}

unit_deleted() {
	local b=$work/build-$n
	rm -rf "$b" && cp -a "$B" "$b" && rm "$b/tests/unit/test_b"
	unit "$b" unit
}

echo "1..19"
scenario green "unit tests in health (a skip with its reason is not a failure)" "" unit "$B" unit
scenario red "a unit binary deleted from the build" "is missing" unit_deleted
scenario red "a unit test that crashes (SIGSEGV) after some ok lines" "killed by signal 11.*ran 2 of 3" unit_with test_a SEGV "1..3" "ok 1 - one" "ok 2 - two"
scenario red "a unit test that exits 2 after all its ok lines" "exited 2" unit_with test_a 2 "1..2" "ok 1 - one" "ok 2 - two"
scenario red "a unit test that hangs (the timeout kills it)" "timed out" unit_with test_a HANG "1..2" "ok 1 - one"
scenario red "a unit test that ran fewer tests than it planned" "ran 2 of 3 planned" unit_with test_a 0 "1..3" "ok 1 - one" "ok 2 - two"
scenario red "a unit test with no plan" "no TAP plan" unit_with test_a 0 "ok 1 - one"
scenario red "a unit test that exits 77 (skip) without a reason" "exited 77 \\(a skip\\) without saying why" unit_with test_skip 77 "1..1" "ok 1 - kvm"

# --- sanitizer reports ----------------------------------------------------
# a sanitized unit test whose tests all pass, and whose process wrote a
# report to the log_path run-all.sh gave it (as ASan does: path.PID)
fake "$B/tests/unit/test_b.san" 0 "1..1" "ok 1 - one"
sed -i '2i p=${ASAN_OPTIONS##*log_path=}; echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow" >"${p%%:*}.$$"' \
	"$B/tests/unit/test_b.san"
unit_sanitized() {
	local b=$work/build-$n
	rm -rf "$b" && cp -a "$B" "$b" && mv "$b/tests/unit/test_b.san" "$b/tests/unit/test_b"
	unit "$b" asan-unit asan
}
scenario red "a sanitizer report from a passing unit test" "sanitizer reports: .*/asan\\." unit_sanitized

# a real one where a compiler with the sanitizers is at hand: a test that
# expects its child to fail, and sees it fail (UBSan's halt), passes; the
# child's report, its stderr thrown away, is only in the log_path file
sanprog() {
	local b=$work/build-$n
	rm -rf "$b" && cp -a "$B" "$b" && rm -f "$b/tests/unit/test_b.san"
	cat >"$b/ub.c" <<'EOC'
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
int
main (int argc, char **argv)
{
  int st = 0, x = INT_MAX - 1;
  pid_t p;

  printf ("1..1\n");
  fflush (stdout);
  p = fork ();
  if (p == 0)
    {
      if (freopen ("/dev/null", "w", stderr) == NULL)
        _exit (4);
      x += argc + 1; /* signed overflow */
      _exit (x == 0 ? 0 : 3);
    }
  waitpid (p, &st, 0);
  printf ("ok 1 - the child failed, as this test expects (status %d)\n", WEXITSTATUS (st));
  return argv[0] == NULL;
}
EOC
	cc -fsanitize=address,undefined -fno-sanitize-recover=undefined -static-libasan -static-libubsan \
		-o "$b/tests/unit/test_b" "$b/ub.c" || return 1
	unit "$b" asan-unit asan
}
if printf 'int main(void){return 0;}\n' >"$work/probe.c" &&
	cc -fsanitize=address,undefined -static-libasan -static-libubsan -o "$work/probe" "$work/probe.c" 2>/dev/null; then
	scenario red "a real UBSan report (signed overflow) in a child whose failure the passing test expects" "sanitizer reports: .*/ubsan\\." sanprog
else
	n=$((n + 1))
	echo "ok $n - a real UBSan report # SKIP no cc with -fsanitize=address,undefined -static-libasan here"
fi

# --- bats -----------------------------------------------------------------
fake "$work/bats-good" 0 "1..2" "ok 1 - a" "ok 2 - b"
fake "$work/bats-killed" KILL "1..5" "ok 1 - a" "ok 2 - b"
fake "$work/bats-hung" HANG "1..5" "ok 1 - a"
fake "$work/bats-status" 1 "1..2" "ok 1 - a" "ok 2 - b"
bats_with() {
	BATS=$1
	integration integration "$work/build"
}
# a sanitized hyrun in a passing bats test: the report goes to log_path
fake "$work/bats-san" 0 "1..1" "ok 1 - run expects a non-zero exit and gets UBSan 98"
sed -i '2i p=${UBSAN_OPTIONS##*log_path=}; echo "x.c:1:2: runtime error: signed integer overflow" >"${p%%:*}.$$"' \
	"$work/bats-san"
bats_san() {
	BATS=$work/bats-san
	integration asan-integration "$work/build" asan
}
scenario green "bats in health" "" bats_with "$work/bats-good"
scenario red "bats killed midway (SIGKILL after 2 of 5)" "killed by signal 9.*ran 2 of 5" bats_with "$work/bats-killed"
scenario red "bats hung (the timeout kills it)" "timed out.*ran 1 of 5" bats_with "$work/bats-hung"
scenario red "bats missing" "could not be run" bats_with "$work/no-such-bats"
scenario red "bats exiting 1 without a failing test" "exited 1 without a failing test" bats_with "$work/bats-status"
scenario red "a sanitizer report from a passing bats test" "sanitizer report .*/ubsan\\..*runtime error" bats_san

# --- the KVM unit tests in L1 -----------------------------------------------
# a stub run-in-l1.sh: the console of a healthy boot (-o), or one that hangs
cat >"$work/l1-good" <<'EOS'
#!/bin/sh
[ "$1" = -o ] && out=$2 && shift 2
for t; do
	t=$(realpath -m "$t")
	echo "hyrun-l1: begin $t"; echo "1..1"; echo "ok 1 - guest"; echo "hyrun-l1: $t exit 0"
done >"$out"
EOS
printf '#!/bin/sh\nexec sleep 600\n' >"$work/l1-hung"
chmod +x "$work/l1-good" "$work/l1-hung"
l1_with() {
	RUN_IN_L1=$1
	l1_units "$work/build/tests/unit/test_vmm_guest" "$work/build-asan/tests/unit/test_vmm_guest"
}
scenario green "the KVM unit tests in L1 in health" "" l1_with "$work/l1-good"
scenario red "a hung L1 (the timeout kills it)" "did not report in L1 \\(run-in-l1.sh: timed out" l1_with "$work/l1-hung"

# --- the VM cases -----------------------------------------------------------
# a stub run-nested.sh whose TAP (-o) has 2 of 3 planned cases, exit 0
cat >"$work/nested-short" <<'EOS'
#!/bin/sh
while getopts B:K:o: o; do [ "$o" = o ] && out=$OPTARG; done
printf '1..3\nok 1 - a\nok 2 - b\n' >"$out"
EOS
chmod +x "$work/nested-short"
vm_with() {
	RUN_NESTED=$1
	vm_cases /nonexistent/vmlinux
}
scenario red "a VM run that reported 2 of 3 planned cases and exited 0" "ran 2 of 3 planned" vm_with "$work/nested-short"

[ "$n" = 19 ] || echo "not ok $((n + 1)) - the self-test ran $n scenarios, not 19"
[ "$bad" = 0 ] && [ "$n" = 19 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The security regressions, shown to catch what they guard against: with a
# test build (configure --enable-test-hooks, common/test_hook.h) each
# protection below is turned off (HYRUN_TEST_DISABLE) and its tests in
# security.bats must then FAIL; with it on, they must pass (so a failure
# without it is the protection's, not a broken setup).  Prints TAP: one
# line for all of them on, one per protection off.
#
#   inverted.sh HOOKS_BUILD_DIR
#
# A test whose protection is off and that still passes is a test that
# cannot fail: this stage says so as a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
BATS=${BATS:-bats}

# protection (HYRUN_TEST_DISABLE name) | bats -f filter of its tests
cases="selfexe-seal|CVE-2019-5736: the runtime binary cannot be reached
cwd-check|CVE-2024-21626: exec --cwd through an inherited fd
exec-dumpable|CVE-2016-9962: exec is not dumpable
procfs-check|CVE-2019-16884
path-in-root|CVE-2019-19921, CVE-2021-30465, CVE-2023-27561
exec-cap-inheritable|CVE-2022-29162"

n=0
failed=0
count=$(echo "$cases" | wc -l)
echo "1..$((count + 1))"
log=$(mktemp "${TMPDIR:-/tmp}/hyrun-inverted.XXXXXX")
trap 'rm -f "$log"' EXIT
# with every protection on, in one bats run: all these tests pass (the
# plain integration stage runs them in the ordinary build too; this run
# checks the test build itself, and the tests that need it)
all=$(echo "$cases" | cut -d'|' -f2 | paste -sd'|')
n=$((n + 1))
env BUILD_DIR="$build" HYRUN_TEST_HOOKS=1 timeout 300 "$BATS" --tap -f "$all" "$here/security.bats" >"$log" 2>&1
rc=$?
if [ "$rc" = 0 ] && [ "$(grep -c '^ok ' "$log")" -ge "$count" ] && ! grep -q '# skip' "$log"; then
	echo "ok $n - with every protection on, the $(grep -c '^ok ' "$log") tests pass"
else
	failed=$((failed + 1))
	echo "not ok $n - with every protection on, the tests do not all pass (bats exit $rc)"
	sed 's/^/#   /' "$log" | tail -20
fi
# each protection off in turn: its tests must fail
while IFS='|' read -r prot filter; do
	n=$((n + 1))
	if env BUILD_DIR="$build" HYRUN_TEST_HOOKS=1 HYRUN_TEST_DISABLE="$prot" timeout 300 "$BATS" --tap -f "$filter" "$here/security.bats" >"$log" 2>&1; then
		failed=$((failed + 1))
		echo "not ok $n - with $prot off: \"$filter\" still passes (it cannot catch what it guards against)"
		sed 's/^/#   /' "$log" | tail -20
	elif grep -q '^not ok ' "$log"; then
		echo "ok $n - with $prot off: \"$filter\" fails, as it must ($(grep -c '^not ok ' "$log") failing)"
	else
		failed=$((failed + 1))
		echo "not ok $n - with $prot off: \"$filter\" did not run (no test failed; bats itself did)"
		sed 's/^/#   /' "$log" | tail -20
	fi
done <<EOC
$cases
EOC
echo "# inverted: $n checks, $failed failed"
[ "$failed" = 0 ]

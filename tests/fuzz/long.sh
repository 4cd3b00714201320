#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The long fuzz run: each target for SECONDS (default 3600, one hour) in
# turn, at the lowest CPU priority, through run.sh (same build, corpora
# and crash handling), and a Markdown table of the figures for README.md's
# results: executions, executions/s, coverage, crash or not, wall time.
#
#   tests/fuzz/long.sh [SECONDS] [TARGET...]
#
# One target at a time on one core: 8 targets x 1 h is eight hours of one
# core on a machine shared with other work.  The table goes to stdout
# and to $FUZZ_BUILD/long-<date>.md; the per-target TAP lines to
# $FUZZ_BUILD/long-<date>.tap.  Exit status: non-zero if a target crashed
# (its input is in $FUZZ_BUILD/crashes/, to keep in corpus/<target>/
# with the fix).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-3600}
[ $# -gt 0 ] && shift
targets=${*:-spec seccomp p9 virtq vmproto boot console net}
build=${FUZZ_BUILD:-$top/_build-fuzz}
stamp=$(date -u +%Y%m%d-%H%M)
mkdir -p "$build"
tap=$build/long-$stamp.tap
md=$build/long-$stamp.md
: >"$tap"
rc=0
{
	echo "| target | run | execs | execs/s | coverage | result |"
	echo "| --- | --- | --- | --- | --- | --- |"
} >"$md"
for t in $targets; do
	t0=$(date +%s)
	line=$(FUZZ_BUILD=$build nice -n 19 "$here/run.sh" "$secs" "$t" | grep -E '^(not )?ok ')
	t1=$(date +%s)
	echo "$line" >>"$tap"
	# "ok 1 - fuzz_T: S s, N execs (R/s), cov: C, no crash"
	execs=$(echo "$line" | sed -n 's/.* \([0-9]*\) execs.*/\1/p')
	rate=$(echo "$line" | sed -n 's/.*(\([0-9]*\)\/s).*/\1/p')
	cov=$(echo "$line" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	case $line in
	ok*) result="no crash" ;;
	*) result="CRASH (see $build/crashes/)"; rc=1 ;;
	esac
	echo "| \`fuzz_$t\` | $((t1 - t0)) s | ${execs:-?} | ${rate:-?} | ${cov:-?} | $result |" >>"$md"
done
cat "$md"
echo "(TAP: $tap; table: $md)" >&2
exit "$rc"

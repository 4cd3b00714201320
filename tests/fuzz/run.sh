#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c, clang with
# -fsanitize=fuzzer,address,undefined) and run each for SECONDS (default
# 30) from its seed corpus.  Prints TAP, one line per target with its
# executions and executions/s; a crash fails the target and leaves its
# input in the build dir's crashes/ (add it to corpus/<target>/ with the
# fix).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     (TARGET: spec seccomp p9 virtq vmproto boot console net)
#
# FUZZ_BUILD (default <top>/_build-fuzz) holds a clang build of the
# libraries, made on first use; FUZZ_CC overrides the compiler (clang-14,
# else clang); FUZZ_JOBS (default 1) targets run at once, one per core
# (CI: 2).  The long run is tests/fuzz/long.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${1:-30}
[ $# -gt 0 ] && shift
targets=${*:-spec seccomp p9 virtq vmproto boot console net}
build=${FUZZ_BUILD:-$top/_build-fuzz}
cc=${FUZZ_CC:-$(command -v clang-14 || command -v clang || echo clang-14)}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

die() {
	echo "1..1"
	echo "not ok 1 - fuzz: $*"
	exit 1
}

command -v "$cc" >/dev/null 2>&1 || die "no clang ($cc): contrib/install-deps.sh test"
mkdir -p "$build" || die "mkdir $build"
if [ ! -f "$build/Makefile" ]; then
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf"
	(cd "$build" && "$top/configure" -q CC="$cc" \
		CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $san") >"$build/configure.log" 2>&1 ||
		die "configure with $cc failed (see $build/configure.log)"
fi
make -C "$build" -s -j2 libhycommon.a libhyspec.a libhycontainer.a libhyvmm.a >"$build/make.log" 2>&1 ||
	die "building the libraries with $cc failed (see $build/make.log)"
var() {
	sed -n "s/^$1 = //p" "$build/Makefile" | head -n1
}
yajl=$(var YAJL_LIBS)
seccomp=$(var SECCOMP_LIBS)
cap=$(var CAP_LIBS)

# run_one N T: build and run target T, its TAP line (numbered N) and
# diagnostics on stdout
run_one() {
	n=$1 t=$2
	case $t in
	spec) libs="$build/libhyspec.a $build/libhycommon.a $yajl $seccomp $cap" ;;
	seccomp) libs="$build/libhycontainer.a $build/libhyspec.a $build/libhycommon.a $yajl $seccomp $cap" ;;
	*) libs="$build/libhyvmm.a $build/libhycommon.a $seccomp -lpthread" ;;
	esac
	bin=$build/fuzz_$t
	# shellcheck disable=SC2086 # word splitting of the library lists
	if ! "$cc" -std=gnu11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer $san -I"$top" -I"$build" \
		-o "$bin" "$here/fuzz_$t.c" $libs >"$build/fuzz_$t.build.log" 2>&1; then
		echo "not ok $n - fuzz_$t: does not build"
		sed 's/^/# /' "$build/fuzz_$t.build.log" | tail -n 20
		return 1
	fi
	work=$build/corpus/$t
	mkdir -p "$work" "$build/crashes"
	log=$build/fuzz_$t.log
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
		"$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
		"$work" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | head -n1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | head -n1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n1)
	if [ "$rc" = 0 ]; then
		echo "ok $n - fuzz_$t: ${secs} s, ${execs:-?} execs (${rate:-?}/s), $cov, no crash"
		return 0
	fi
	echo "not ok $n - fuzz_$t: exit $rc after ${execs:-?} execs (log $log)"
	grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 8 | sed 's/^/# /'
	return 1
}

jobs=${FUZZ_JOBS:-1}
n=0
failed=0
# shellcheck disable=SC2086 # the target list, split into words
set -- $targets
while [ $# -gt 0 ]; do
	# a batch of up to $jobs targets at once; their lines in order
	batch=""
	k=0
	while [ $# -gt 0 ] && [ $k -lt "$jobs" ]; do
		n=$((n + 1))
		k=$((k + 1))
		(run_one $n "$1" >"$build/run-$n.tap"; echo $? >"$build/run-$n.rc") &
		batch="$batch $n"
		shift
	done
	wait
	for i in $batch; do
		cat "$build/run-$i.tap"
		[ "$(cat "$build/run-$i.rc")" = 0 ] || failed=$((failed + 1))
		rm -f "$build/run-$i.tap" "$build/run-$i.rc"
	done
done
echo "1..$n"
echo "# fuzz: $n targets, $failed failed"
[ "$failed" = 0 ]

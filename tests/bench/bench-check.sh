#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# `hyrun bench` checked, as TAP (run by tests/run-all.sh's bench stage):
# the real command in container mode on this host with the smallest sizes
# (VM mode needs the nested test VM: contrib/bench/in-l1.sh), every metric
# measured, results.json valid, nothing left behind; and the report and
# plot rendered from a two-mode result set (VM figures made up, as the
# fixture says), so the comparison path is checked on every host.
#
#   tests/bench/bench-check.sh [BUILD_DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build}
HYRUN=$build/hyrun
work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-bench-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
echo "1..8"

# 1. bad input
out=$("$HYRUN" bench --containers 0 2>&1) && rc=0 || rc=$?
case "$rc:$out" in
0:*) notok "bench: --containers 0 fails clearly" "it succeeded: $out" ;;
*"--containers"*"1..500"*) ok "bench: --containers 0 fails clearly ($out)" ;;
*) notok "bench: --containers 0 fails clearly" "exit $rc: $out" ;;
esac

# 2. an unknown --only part (the driver's check: no container is made)
out=$("$HYRUN" bench --only io,bogus --out "$work/only" 2>&1) && rc=0 || rc=$?
case "$rc:$out" in
2:*'--only: unknown part "bogus"'*start*ksm*) ok "bench: --only with an unknown part fails naming it and the parts ($out)" ;;
*) notok "bench: --only with an unknown part fails naming it and the parts" "exit $rc: $out" ;;
esac

# 3. the real run, container mode
netns_before=$(ip netns list 2>/dev/null | grep -c '^hyb' || true)
t0=$(date +%s)
timeout 600 "$HYRUN" bench --quick --runs 1 --containers 2 --modes container --out "$work/out" >"$work/log" 2>&1 && rc=0 || rc=$?
t1=$(date +%s)
if [ "$rc" = 0 ]; then
	ok "bench: --quick --modes container runs to the end ($((t1 - t0)) s)"
else
	notok "bench: --quick --modes container runs to the end" "exit $rc after $((t1 - t0)) s; last lines:" "$(tail -n 15 "$work/log")"
fi

# 4. every container metric, positive
missing=""
for m in start_ms syscall_ns forkexec_us cpu_ns seqwrite_mbs seqread_mbs meta_us tcp_mbs tcprr_us \
	mem_rss_kb@1 mem_pss_kb@1 mem_rss_kb@2 mem_pss_kb@2; do
	awk -F'\t' -v m="$m" '$1 == "sample" && $2 == m && $3 == "container" && $4 > 0 { f = 1 } END { exit !f }' \
		"$work/out/results.tsv" 2>/dev/null || missing="$missing $m"
done
[ -z "$missing" ] && ok "bench: a positive sample of each container measurement (start, syscall, fork+exec, cpu, file I/O, TCP, memory at 1 and 2)" ||
	notok "bench: a positive sample of each container measurement" "missing:$missing"

# 5. results.json, the table, the report
if jq -e '.results | map(select(.metric == "start_ms" and .mode == "container" and .p50 > 0)) | length == 1' \
	"$work/out/results.json" >/dev/null 2>&1 && grep -q '^start latency' "$work/log" && [ -s "$work/out/report.md" ]; then
	ok "bench: results.json (start_ms p50), the printed table and report.md"
else
	notok "bench: results.json (start_ms p50), the printed table and report.md" "$(ls "$work/out" 2>&1)"
fi

# 6. nothing left: containers, netns, mounts, workspace
left=""
[ -z "$(ls -d /run/hyrun-bench.* 2>/dev/null)" ] || left="$left state roots: $(ls -d /run/hyrun-bench.*)"
[ "$(ip netns list 2>/dev/null | grep -c '^hyb' || true)" -le "$netns_before" ] || left="$left netns: $(ip netns list | grep '^hyb')"
! grep -q hyrun-bench /proc/mounts || left="$left mounts: $(grep hyrun-bench /proc/mounts)"
[ -z "$left" ] && ok "bench: leaves no container state, netns or mount behind" || notok "bench: leaves nothing behind" "$left"

# 7-8. the comparison path, from a fixture with both modes
mkdir -p "$work/fix"
{
	printf 'info\thost\t\tfixture (made-up VM figures)\n'
	printf 'info\tbase_exits\t\t3700\n'
	for v in 20 22 25; do printf 'sample\tstart_ms\tcontainer\t%s\n' $v; done
	for v in 900 1000 1100; do printf 'sample\tstart_ms\tvm\t%s\n' $v; done
	printf 'sample\tsyscall_ns\tcontainer\t100\nsample\tsyscall_ns\tvm\t110\nexits\tsyscall_ns\tvm\t0.000\n'
	printf 'sample\tseqread_mbs\tcontainer\t2000\nsample\tseqread_mbs\tvm\t200\nexits\tseqread_mbs\tvm\t3.1\nmmio\tseqread_mbs\tvm\t10.8\np9\tseqread_mbs\tvm\t2.9\n'
	printf 'sample\tmem_pss_kb@1\tcontainer\t400\nsample\tmem_pss_kb@1\tvm\t40000\n'
	printf 'sample\tksm_pss_kb\tvm-ksm-off\t40000\nsample\tksm_pss_kb\tvm-ksm-on\t30000\n'
	printf 'sample\tksm_pages_shared\tvm-ksm-on\t1000\nsample\tksm_pages_sharing\tvm-ksm-on\t9000\nsample\tksm_saved_kb\tvm-ksm-on\t36000\n'
	printf 'info\tksm_guests\t\t10\n'
} >"$work/fix/results.tsv"
"$build/hyrun-bench-report" "$work/fix" >"$work/fix/table" 2>"$work/fix/err"
if grep -q '^start latency.*22 (25).*1000 (1100).*45.45x' "$work/fix/table" &&
	grep -q '^rootfs sequential read.*0.10x.*3.1 (10.8) *2.9$' "$work/fix/table" &&
	grep -q '^## KSM' "$work/fix/report.md" && grep -q 'pages_sharing 9000' "$work/fix/report.md" &&
	grep -q 'shared vs own\|shared kernel\|own kernel' "$work/fix/report.md"; then
	ok "bench report: p50 (p99), the VM/container ratio, exits (and MMIO exits) and 9P requests per op, a KSM section and the explanations"
else
	notok "bench report: p50 (p99), the VM/container ratio, exits per op, a KSM section" "$(cat "$work/fix/table" "$work/fix/err")"
fi
if ! command -v gnuplot >/dev/null; then
	skip "bench report: compare.svg has a bar per compared measurement" "no gnuplot (contrib/install-deps.sh test)"
elif grep -q '<svg' "$work/fix/compare.svg" 2>/dev/null && [ "$(wc -l <"$work/fix/compare.dat")" = 4 ] &&
	grep -q 'compare.svg' "$work/fix/report.md"; then
	ok "bench report: compare.svg has a bar per compared measurement (4), linked from report.md"
else
	notok "bench report: compare.svg has a bar per compared measurement" "$(cat "$work/fix/err" "$work/fix/compare.dat" 2>&1)"
fi
[ "$fails" = 0 ]

#!/bin/bash
# Container start benchmark: `run` of /bin/true in a busybox bundle with
# hyrun, Debian's crun and runc, interleaved in random order in one run.
#   tests/bench/start.sh [ITERATIONS]     (default 60 per runtime; root)
# Prints each runtime's median and p90 wall time, the ratio to hyrun, and
# the peak RSS of the runtime process (GNU time's %M over 5 extra runs).
# crun 1.8 refuses this host's hybrid cgroup layout, so the whole benchmark
# runs in one private mount namespace with /sys/fs/cgroup/unified
# unmounted (entered once: a wrapper per run would add its own ~25 ms to
# every runtime and hide their differences).  Each run is timed with
# bash's $EPOCHREALTIME around a subshell that execs the runtime.
# A measurement, not a test: it asserts nothing and never fails CI.
set -eu
if [ -z "${HYRUN_BENCH_NS:-}" ]; then
	exec unshare -m --propagation private env HYRUN_BENCH_NS=1 "$0" "$@"
fi
umount /sys/fs/cgroup/unified 2>/dev/null || true
cd "$(dirname "$0")/../.."
TOP=$(pwd)
N=${1:-60}
HYRUN=${HYRUN:-$TOP/_build/hyrun}
WORK=$(mktemp -d /tmp/hyrun-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# What users run is stripped (make install-strip, distribution packages),
# as Debian's crun and runc are: measure a stripped copy.  The copy is in
# a 0755 temp dir, beside nothing else: hyrun finds no agent there, which
# `run` of a container does not need.
strip -o "$WORK/hyrun" "$HYRUN"
HYRUN=$WORK/hyrun

runtimes=()
declare -A BIN
BIN[hyrun]=$HYRUN
BIN[crun]=$(command -v crun || true)
BIN[runc]=$(command -v runc || true)
for r in hyrun crun runc; do
	if [ -n "${BIN[$r]}" ] && [ -x "${BIN[$r]}" ]; then
		runtimes+=("$r")
	else
		echo "note: $r not installed, left out (apt-get install $r)"
	fi
done
[ -x /usr/bin/time ] || { echo "GNU time missing: apt-get install time" >&2; exit 1; }

HYRUN= contrib/make-busybox-bundle.sh "$WORK/bundle" -- /bin/true >/dev/null
# one cgroup per run is part of the work; no network namespace setup differs
jq 'del(.linux.resources)' "$WORK/bundle/config.json" >"$WORK/c" && mv "$WORK/c" "$WORK/bundle/config.json"

# wrapped RUNTIME ID [TIME-PREFIX...]: one `run`, from the bundle.
wrapped() {
	local r=$1 id=$2
	shift 2
	(cd "$WORK/bundle" && exec "$@" "${BIN[$r]}" --root "$WORK/root-$r" run "$id") \
		</dev/null >/dev/null 2>&1
}

# warm-up: page cache, first-run costs
for r in "${runtimes[@]}"; do
	for i in 1 2 3; do wrapped "$r" "warm-$i" || { echo "$r failed to run the bundle" >&2; exit 1; }; done
done

order=$(for r in "${runtimes[@]}"; do for i in $(seq "$N"); do echo "$r"; done; done | shuf)
i=0
for r in $order; do
	i=$((i + 1))
	t0=${EPOCHREALTIME/./}
	wrapped "$r" "b$i"
	t1=${EPOCHREALTIME/./}
	echo "$((t1 - t0))" >>"$WORK/t-$r"
done

for r in "${runtimes[@]}"; do
	for j in 1 2 3 4 5; do
		wrapped "$r" "rss$j" /usr/bin/time -f %M -o "$WORK/rss-$r-$j"
	done
	sort -n "$WORK"/rss-"$r"-* | tail -1 >"$WORK/rss-$r"
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p90() { sort -n "$1" | awk '{a[NR]=$1} END {print a[int(NR*0.9)]}'; }

h=$(median "$WORK/t-hyrun")
echo
echo "run of /bin/true, $N runs each, interleaved in random order ($(nproc) CPUs, $(uname -r))"
printf '%-8s %12s %12s %14s %14s\n' runtime "median ms" "p90 ms" "ratio/hyrun" "peak RSS KiB"
for r in "${runtimes[@]}"; do
	m=$(median "$WORK/t-$r")
	printf '%-8s %12.2f %12.2f %14.2f %14s\n' "$r" "$(echo "$m / 1000" | bc -l)" \
		"$(echo "$(p90 "$WORK/t-$r") / 1000" | bc -l)" "$(echo "$m / $h" | bc -l)" "$(cat "$WORK/rss-$r")"
done
for r in crun runc; do
	[ -f "$WORK/t-$r" ] || continue
	printf 'hyrun median / %s median: %.2f\n' "$r" "$(echo "$h / $(median "$WORK/t-$r")" | bc -l)"
done

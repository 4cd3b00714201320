#!/usr/bin/env bats
# A create killed with SIGKILL at each of its stages leaves nothing that
# `delete --force` does not remove: no state entry, cgroup, mount or
# process.  Needs the test build (configure --enable-test-hooks, run by
# run-all's security-inverted stage), where HYRUN_TEST_STOP=STAGE makes
# the process at that stage stop itself.
load ../helpers

# descendants PID: PID's descendants' pids.
descendants() {
	local c
	for c in $(pgrep -P "$1"); do
		echo "$c"
		descendants "$c"
	done
}

# stopped_at PID: PID or a descendant of it waits at the stage (named
# hyrun:stopped by the test build); prints that pid.
stopped_at() {
	local p
	for p in "$1" $(descendants "$1"); do
		if [ "$(cat "/proc/$p/comm" 2>/dev/null)" = hyrun:stopped ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# kill_at STAGE: create stops at STAGE; SIGKILL the stopped process and
# the create, then delete --force; nothing may be left.
kill_at() {
	[ -n "${HYRUN_TEST_HOOKS:-}" ] || skip "needs a build with configure --enable-test-hooks (HYRUN_TEST_HOOKS=1)"
	local pid stopped i=0 left
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p'
	(cd "$BUNDLE" && HYRUN_TEST_STOP=$1 exec "$HYRUN" --root "$ROOT" create "$ID" </dev/null >/dev/null 2>&1) &
	pid=$!
	until stopped=$(stopped_at "$pid"); do
		i=$((i + 1))
		[ "$i" -lt 200 ] || { kill -9 "$pid"; echo "create never stopped at $1" >&2; return 1; }
		kill -0 "$pid" 2>/dev/null || { echo "create ended before $1" >&2; return 1; }
		sleep 0.1
	done
	echo "stopped at $1: pid $stopped (create $pid)"
	kill -9 "$stopped" "$pid"
	wait "$pid" || true
	run hy delete --force "$ID"
	echo "delete --force: $status $output"
	run hy state "$ID"
	[ "$status" -ne 0 ]
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$ID" 2>/dev/null)
	[ -z "$left" ] || { echo "cgroup left: $left" >&2; return 1; }
	refute_grep -F "$BUNDLE" /proc/self/mountinfo
	i=0
	while kill -0 "$stopped" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || { echo "process $stopped left" >&2; return 1; }
		sleep 0.1
	done
	# the id is free again: a new create of it works
	hy create "$ID" </dev/null >/dev/null 2>&1
	hy delete --force "$ID"
}

@test "faults: create killed once its state is written: delete --force leaves nothing" {
	kill_at create-state
}

@test "faults: create killed once its cgroup is made: delete --force leaves nothing" {
	kill_at create-cgroup
}

@test "faults: create killed in the init, namespaces made: delete --force leaves nothing" {
	kill_at init-namespaces
}

@test "faults: create killed in the init, mounts done: delete --force leaves nothing" {
	kill_at init-mounts
}

@test "faults: create killed in the init, pivot done: delete --force leaves nothing" {
	kill_at init-pivot
}

@test "faults: create killed in the init just before READY (before the exec): delete --force leaves nothing" {
	kill_at init-before-ready
}


#!/usr/bin/env bats
# hyrun delete [--force]: nothing stays behind.
load helpers

@test "delete of a running container needs --force" {
	args payload sleep 30
	hy_detach "$ID"
	run hy delete "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" running
	local pid
	pid=$(hy state "$ID" | jq -r .pid)
	hy delete --force "$ID"
	[ ! -d "/proc/$pid" ] || [ "$(awk '/^State/ {print $2}' /proc/$pid/status)" = Z ]
	run hy state "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
}

@test "delete removes the cgroup, the state and every mount" {
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p'
	args payload sleep 30
	hy_detach "$ID"
	[ -d "/sys/fs/cgroup/memory/hyrun-test/$ID" ] || [ -d "/sys/fs/cgroup/hyrun-test/$ID" ]
	hy delete --force "$ID"
	[ ! -d "/sys/fs/cgroup/memory/hyrun-test/$ID" ]
	[ ! -d "/sys/fs/cgroup/pids/hyrun-test/$ID" ]
	[ ! -d "/sys/fs/cgroup/hyrun-test/$ID" ]
	residue_check
}

@test "delete --force of a created container kills the init" {
	hy_create --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	hy delete --force "$ID"
	# gone, or a zombie of a parent that does not reap
	wait_for "the init $pid is gone" none_alive "$pid"
}

@test "delete --force of a missing container succeeds, without --force fails" {
	run hy delete --force nosuch
	assert_eq "$status" 0
	run hy delete nosuch
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
}

@test "a create whose runtime was killed leaves nothing after delete --force" {
	# a createRuntime hook that never returns stops create midway
	cfg '.hooks.createRuntime = [{"path": "/bin/sleep", "args": ["sleep", "37"]}]'
	# $! must be hyrun itself, not a subshell around it
	(cd "$BUNDLE" && exec "$HYRUN" --root "$ROOT" create "$ID" </dev/null >/dev/null 2>&1) &
	local pid=$! hook
	# the hook runs (a child of hyrun): create is stopped midway
	wait_for "the createRuntime hook runs" children_running "$pid" 1 sleep
	hook=$(children_of "$pid")
	kill -KILL "$pid"
	wait "$pid" || true
	# this test's hook only, not every "sleep 37" on the host
	kill -KILL $hook 2>/dev/null || true
	hy delete --force "$ID"
	residue_check
}

@test "a failing create leaves no state, cgroup or mount" {
	cfg '.mounts += [{"destination": "/mnt", "type": "bind", "source": "/does/not/exist", "options": ["bind"]}]'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" /does/not/exist
	residue_check
}

# Issue: delete --force failed with EBUSY.  A paused container whose
# processes sit in sub-cgroups of their own (made here from the host, as a
# container with a writable cgroupfs would) and an exec'd process still
# running: delete --force kills, thaws, removes bottom-up, leaves nothing.
@test "delete --force of a paused container with its own sub-cgroups and an exec'd process leaves nothing" {
	local ctl sub pid
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p'
	args payload sleep 60
	hy_detach "$ID"
	hy exec -d "$ID" payload sleep 60
	pid=$(hy state "$ID" | jq -r .pid)
	for ctl in memory pids cpu,cpuacct freezer unified ""; do
		[ -d "/sys/fs/cgroup/$ctl/hyrun-test/$ID" ] || continue
		sub=/sys/fs/cgroup/$ctl/hyrun-test/$ID/inner/deeper
		mkdir -p "$sub"
		echo "$pid" >"$sub/cgroup.procs"
	done
	[ -d "/sys/fs/cgroup/memory/hyrun-test/$ID/inner/deeper" ] || [ -d "/sys/fs/cgroup/hyrun-test/$ID/inner/deeper" ]
	hy pause "$ID"
	assert_eq "$(hy state "$ID" | jq -r .status)" paused
	hy delete --force "$ID"
	run hy state "$ID"
	[ "$status" -ne 0 ]
	for ctl in memory pids cpu,cpuacct freezer unified ""; do
		[ ! -d "/sys/fs/cgroup/$ctl/hyrun-test/$ID" ] || { echo "cgroup left in $ctl"; false; }
	done
}

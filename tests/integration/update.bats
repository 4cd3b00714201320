#!/usr/bin/env bats
# hyrun update: flags and --resources FILE|- (containerd sends stdin).
load helpers

# lim V1-CONTROLLER V1-FILE V2-FILE: the container's file, from its v1
# hierarchy or, on a pure v2 host, its one cgroup.
lim() {
	if [ -d "/sys/fs/cgroup/$1" ]; then
		cat "/sys/fs/cgroup/$1/hyrun-test/$ID/$2"
	else
		cat "/sys/fs/cgroup/hyrun-test/$ID/$3"
	fi
}
mem() { lim memory memory.limit_in_bytes memory.max; }
pids() { lim pids pids.max pids.max; }

setup() {
	setup_running '{"memory": {"limit": 67108864}, "pids": {"limit": 100}}'
}

@test "update flags change the running container's limits" {
	hy update --memory 128m --memory-reservation 64M --pids-limit 50 --cpu-shares 256 --cpu-quota 20000 --cpu-period 100000 "$ID"
	assert_eq "$(mem)" 134217728
	assert_eq "$(lim memory memory.soft_limit_in_bytes memory.low)" 67108864
	assert_eq "$(pids)" 50
	if [ -d /sys/fs/cgroup/cpu ]; then
		assert_eq "$(lim cpu cpu.shares -)" 256
		assert_eq "$(lim cpu cpu.cfs_quota_us -)" 20000
	else
		# runc's shares -> weight: 256 -> 35
		assert_eq "$(lim - - cpu.weight)" 35
		assert_eq "$(lim - - cpu.max)" "20000 100000"
	fi
}

@test "update --resources - reads linux.resources JSON from stdin" {
	echo '{"memory": {"limit": 33554432}, "pids": {"limit": 7}}' | hy update --resources - "$ID"
	assert_eq "$(mem)" 33554432
	assert_eq "$(pids)" 7
}

@test "update --resources FILE, and a flag on top of it" {
	echo '{"pids": {"limit": 9}}' >"$BATS_TEST_TMPDIR/r.json"
	hy update --resources "$BATS_TEST_TMPDIR/r.json" --memory 48m "$ID"
	assert_eq "$(pids)" 9
	assert_eq "$(mem)" 50331648
}

@test "update refuses bad input and leaves the limits as they were" {
	run hy update --memory lots "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "--memory"
	run sh -c "echo '{\"memory\": {\"limit\": \"x\"}}' | '$HYRUN' --root '$ROOT' update --resources - '$ID'"
	[ "$status" -ne 0 ]
	assert_contains "$output" "memory.limit"
	run hy update --nosuchflag 1 "$ID"
	[ "$status" -ne 0 ]
	assert_eq "$(mem)" 67108864
}

@test "update of a stopped or unknown container fails" {
	run hy update --memory 1g nosuch
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
	hy kill "$ID" KILL
	wait_status "$ID" stopped
	run hy update --memory 1g "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" stopped
}

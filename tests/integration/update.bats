#!/usr/bin/env bats
# hyrun update: flags and --resources FILE|- (containerd sends stdin).
load helpers

mem() { cat "/sys/fs/cgroup/memory/hyrun-test/$ID/$1"; }

setup() {
	setup_running '{"memory": {"limit": 67108864}, "pids": {"limit": 100}}'
}

@test "update flags change the running container's limits" {
	hy update --memory 128m --memory-reservation 64M --pids-limit 50 --cpu-shares 256 --cpu-quota 20000 --cpu-period 100000 "$ID"
	assert_eq "$(mem memory.limit_in_bytes)" 134217728
	assert_eq "$(mem memory.soft_limit_in_bytes)" 67108864
	assert_eq "$(cat /sys/fs/cgroup/pids/hyrun-test/$ID/pids.max)" 50
	assert_eq "$(cat /sys/fs/cgroup/cpu/hyrun-test/$ID/cpu.shares)" 256
	assert_eq "$(cat /sys/fs/cgroup/cpu/hyrun-test/$ID/cpu.cfs_quota_us)" 20000
}

@test "update --resources - reads linux.resources JSON from stdin" {
	echo '{"memory": {"limit": 33554432}, "pids": {"limit": 7}}' | hy update --resources - "$ID"
	assert_eq "$(mem memory.limit_in_bytes)" 33554432
	assert_eq "$(cat /sys/fs/cgroup/pids/hyrun-test/$ID/pids.max)" 7
}

@test "update --resources FILE, and a flag on top of it" {
	echo '{"pids": {"limit": 9}}' >"$BATS_TEST_TMPDIR/r.json"
	hy update --resources "$BATS_TEST_TMPDIR/r.json" --memory 48m "$ID"
	assert_eq "$(cat /sys/fs/cgroup/pids/hyrun-test/$ID/pids.max)" 9
	assert_eq "$(mem memory.limit_in_bytes)" 50331648
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
	assert_eq "$(mem memory.limit_in_bytes)" 67108864
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

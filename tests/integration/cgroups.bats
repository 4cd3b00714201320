#!/usr/bin/env bats
# linux.cgroupsPath and linux.resources memory, pids, cpu.
# cgroup v1 is tested for real (this host's layout is hybrid v1 + a
# hugetlb-only cgroup2 at /sys/fs/cgroup/unified); the v2 code path runs
# for real on a cgroup2 mount in a private mount namespace (creating,
# entering and removing the cgroup; the v2 resource files are covered by
# tests/unit/test_cgroup_v2 against a prepared tree).
load helpers

v1() { echo "/sys/fs/cgroup/$1/hyrun-test/$ID"; }

@test "memory, pids and cpu limits land in the v1 cgroup files" {
	[ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 memory hierarchy on this host"
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"limit": 67108864, "reservation": 33554432}, "pids": {"limit": 42}, "cpu": {"shares": 512, "quota": 50000, "period": 100000}}'
	args payload sleep 30
	hy_detach "$ID"
	assert_eq "$(cat "$(v1 memory)/memory.limit_in_bytes")" 67108864
	assert_eq "$(cat "$(v1 memory)/memory.soft_limit_in_bytes")" 33554432
	assert_eq "$(cat "$(v1 pids)/pids.max")" 42
	assert_eq "$(cat "$(v1 cpu)/cpu.shares")" 512
	assert_eq "$(cat "$(v1 cpu)/cpu.cfs_quota_us")" 50000
	assert_eq "$(cat "$(v1 cpu)/cpu.cfs_period_us")" 100000
	local pid
	pid=$(hy state "$ID" | jq -r .pid)
	grep -qx "$pid" "$(v1 memory)/cgroup.procs"
	grep -qx "$pid" "$(v1 pids)/cgroup.procs"
	hy delete --force "$ID"
	[ ! -d "$(v1 memory)" ]
}

@test "the pids limit is enforced inside the container" {
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"pids": {"limit": 3}}'
	args sh -c 'payload sleep 1 & payload sleep 1 & payload sleep 1 & payload sleep 1 & wait; echo done'
	run hy_run "$ID"
	assert_contains "$output" "can't fork"
}

@test "the memory limit is enforced: the process is OOM-killed" {
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"limit": 16777216, "swap": 16777216}}'
	# a shell string that grows past 16 MiB
	args sh -c 'x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while :; do x=$x$x; done'
	run hy_run "$ID"
	assert_eq "$status" 137
}

@test "without cgroupsPath the container gets a cgroup named after its id" {
	cfg 'del(.linux.cgroupsPath)'
	args sh -c 'cat /proc/self/cgroup'
	run hy_run "$ID"
	assert_contains "$output" "$ID"
}

@test "a relative cgroupsPath is placed under the runtime's cgroup" {
	cfg --arg p "hyrun-test-rel/$ID" '.linux.cgroupsPath = $p'
	args sh -c 'grep memory /proc/self/cgroup'
	run hy_run "$ID"
	assert_contains "$output" "hyrun-test-rel/$ID"
}

@test "an existing cgroup is joined" {
	mkdir -p "/sys/fs/cgroup/memory/hyrun-test-join-$ID" "/sys/fs/cgroup/pids/hyrun-test-join-$ID"
	cfg --arg p "/hyrun-test-join-$ID" '.linux.cgroupsPath = $p'
	args sh -c 'grep memory /proc/self/cgroup'
	run hy_run "$ID"
	assert_contains "$output" "hyrun-test-join-$ID"
	rmdir /sys/fs/cgroup/*/"hyrun-test-join-$ID" 2>/dev/null || true
}

@test "an invalid resource value names the field and leaves no cgroup" {
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"cpu": {"cpus": "not-a-cpu-list"}}'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.resources.cpu.cpus"
	[ ! -d "$(v1 cpuset)" ]
}

@test "cgroup v2: the cgroup is created, entered and removed on a cgroup2 mount" {
	grep -q cgroup2 /proc/filesystems || skip "kernel without cgroup2"
	cfg --arg p "/hyrun-test-v2/$ID" '.linux.cgroupsPath = $p | del(.linux.resources)'
	args sh -c 'cat /proc/self/cgroup'
	# a private mount namespace where /sys/fs/cgroup is a pure cgroup2 mount
	run unshare -m sh -c "mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup &&
		cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run '$ID' </dev/null; rc=\$?;
		[ -d /sys/fs/cgroup/hyrun-test-v2/$ID ] && echo LEFT; rmdir /sys/fs/cgroup/hyrun-test-v2 2>/dev/null; exit \$rc"
	assert_eq "$status" 0
	# the v1 hierarchies still exist in the kernel, only unmounted here
	assert_contains "$output" "0::/hyrun-test-v2/$ID"
	[[ "$output" != *LEFT* ]]
}

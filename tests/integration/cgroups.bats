#!/usr/bin/env bats
# linux.cgroupsPath and linux.resources memory, pids, cpu.
# cgroup v1 is tested for real (this host's layout is hybrid v1 + a
# hugetlb-only cgroup2 at /sys/fs/cgroup/unified); the v2 code path runs
# for real on a cgroup2 mount in a private mount namespace (creating,
# entering and removing the cgroup; the v2 resource files are covered by
# tests/unit/test_cgroup_v2 against a prepared tree).
load helpers

v1() { echo "/sys/fs/cgroup/$1/hyrun-test/$ID"; }

# in_cgroup2 SCRIPT: SCRIPT where /sys/fs/cgroup is a pure cgroup2: the
# host's own on a pure v2 host, else a private cgroup2 mount in a new
# mount namespace (the v1 controllers stay in the kernel, unmounted there).
in_cgroup2() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		sh -c "$1"
	else
		unshare -m sh -c "mount --make-rprivate / && mount -t cgroup2 none /sys/fs/cgroup && $1"
	fi
}

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
	# no cgroup namespace (runc's spec has one on v2): the path shows
	cfg 'del(.linux.cgroupsPath) | .linux.namespaces |= map(select(.type != "cgroup"))'
	args sh -c 'cat /proc/self/cgroup'
	run hy_run "$ID"
	assert_contains "$output" "$ID"
}

@test "a relative cgroupsPath is placed under the runtime's cgroup" {
	cfg --arg p "hyrun-test-rel/$ID" '.linux.cgroupsPath = $p | .linux.namespaces |= map(select(.type != "cgroup"))'
	args sh -c 'grep :memory: /proc/self/cgroup || grep ^0:: /proc/self/cgroup'
	run hy_run "$ID"
	assert_contains "$output" "hyrun-test-rel/$ID"
}

@test "an existing cgroup is joined" {
	if [ -d /sys/fs/cgroup/memory ]; then
		mkdir -p "/sys/fs/cgroup/memory/hyrun-test-join-$ID" "/sys/fs/cgroup/pids/hyrun-test-join-$ID"
	else
		mkdir -p "/sys/fs/cgroup/hyrun-test-join-$ID" # pure v2
	fi
	cfg --arg p "/hyrun-test-join-$ID" '.linux.cgroupsPath = $p | .linux.namespaces |= map(select(.type != "cgroup"))'
	args sh -c 'grep :memory: /proc/self/cgroup || grep ^0:: /proc/self/cgroup'
	run hy_run "$ID"
	assert_contains "$output" "hyrun-test-join-$ID"
	rmdir /sys/fs/cgroup/*/"hyrun-test-join-$ID" /sys/fs/cgroup/"hyrun-test-join-$ID" 2>/dev/null || true
}

@test "an invalid resource value names the field and leaves no cgroup" {
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"cpu": {"cpus": "not-a-cpu-list"}}'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.resources.cpu.cpus"
	[ ! -d "$(v1 cpuset)" ]
	[ ! -d "/sys/fs/cgroup/hyrun-test/$ID" ]
}

@test "cgroup v2: the cgroup is created, entered and removed on a cgroup2 mount" {
	grep -q cgroup2 /proc/filesystems || skip "kernel without cgroup2"
	cfg --arg p "/hyrun-test-v2/$ID" '.linux.cgroupsPath = $p | del(.linux.resources) | .linux.namespaces |= map(select(.type != "cgroup"))'
	args sh -c 'cat /proc/self/cgroup'
	# a pure cgroup2 at /sys/fs/cgroup (a private mount on a v1 host)
	run in_cgroup2 "cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run '$ID' </dev/null; rc=\$?;
		[ -d /sys/fs/cgroup/hyrun-test-v2/$ID ] && echo LEFT; rmdir /sys/fs/cgroup/hyrun-test-v2 2>/dev/null; exit \$rc"
	assert_eq "$status" 0
	assert_contains "$output" "0::/hyrun-test-v2/$ID"
	[[ "$output" != *LEFT* ]]
}

@test "cgroup v1: every resource field this host has lands in its file" {
	[ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 hierarchy on this host"
	local dev
	dev=$(lsblk -dno MAJ:MIN | head -n1 | tr -d ' ')
	cfg --arg p "/hyrun-test/$ID" --argjson maj "${dev%:*}" --argjson min "${dev#*:}" '.linux.cgroupsPath = $p | .linux.resources = {
		"memory": {"limit": 134217728, "reservation": 67108864, "swap": 268435456, "swappiness": 10, "disableOOMKiller": true, "kernelTCP": 16777216},
		"cpu": {"shares": 256, "quota": 20000, "period": 100000, "burst": 10000, "cpus": "0", "mems": "0"},
		"pids": {"limit": 50},
		"blockIO": {"throttleReadBpsDevice": [{"major": $maj, "minor": $min, "rate": 1048576}],
			"throttleWriteIOPSDevice": [{"major": $maj, "minor": $min, "rate": 100}]},
		"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"}]}'
	args payload sleep 30
	hy_detach "$ID"
	assert_eq "$(cat "$(v1 memory)/memory.limit_in_bytes")" 134217728
	assert_eq "$(cat "$(v1 memory)/memory.soft_limit_in_bytes")" 67108864
	assert_eq "$(cat "$(v1 memory)/memory.memsw.limit_in_bytes")" 268435456
	assert_eq "$(cat "$(v1 memory)/memory.swappiness")" 10
	grep -qx "oom_kill_disable 1" "$(v1 memory)/memory.oom_control"
	assert_eq "$(cat "$(v1 memory)/memory.kmem.tcp.limit_in_bytes")" 16777216
	assert_eq "$(cat "$(v1 cpu)/cpu.shares")" 256
	assert_eq "$(cat "$(v1 cpu)/cpu.cfs_quota_us")" 20000
	assert_eq "$(cat "$(v1 cpu)/cpu.cfs_burst_us")" 10000
	assert_eq "$(cat "$(v1 cpuset)/cpuset.cpus")" 0
	assert_eq "$(cat "$(v1 cpuset)/cpuset.mems")" 0
	assert_eq "$(cat "$(v1 pids)/pids.max")" 50
	assert_eq "$(cat "$(v1 blkio)/blkio.throttle.read_bps_device")" "$dev 1048576"
	assert_eq "$(cat "$(v1 blkio)/blkio.throttle.write_iops_device")" "$dev 100"
	# the default devices are allowed too (runc's list), and nothing wider
	grep -qx "c 1:3 rwm" "$(v1 devices)/devices.list"
	refute_grep "^a " "$(v1 devices)/devices.list"
	hy delete --force "$ID"
	[ ! -d "$(v1 memory)" ]
}

@test "cgroup v1: a paused container does not advance, and resumes" {
	[ -d /sys/fs/cgroup/freezer ] || skip "no cgroup v1 freezer on this host (cgroups_v2.bats has the v2 freezer)"
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .root.readonly = false'
	# a line per loop: the count only grows, and is readable at any time
	args sh -c 'while :; do echo x >> /count; done'
	hy_detach "$ID"
	wait_file_contains "$BUNDLE/rootfs/count" x
	hy pause "$ID"
	assert_eq "$(hy state "$ID" | jq -r .status)" paused
	grep -qx FROZEN "$(v1 freezer)/freezer.state"
	local a b
	a=$(wc -l <"$BUNDLE/rootfs/count")
	sleep 0.5
	b=$(wc -l <"$BUNDLE/rootfs/count")
	assert_eq "$a" "$b"
	hy resume "$ID"
	assert_eq "$(hy state "$ID" | jq -r .status)" running
	wait_for "the count grew past $b after resume" lines_above "$BUNDLE/rootfs/count" "$b"
	hy delete --force "$ID"
}

# Without CFQ (this host: BFQ only) blkio.weight is not there; runc then
# writes the weight to blkio.bfq.weight, and so does hyrun.  A leaf weight
# has no BFQ file: that is an error naming the field.
@test "cgroup v1: blockIO.weight falls back to blkio.bfq.weight; a field the host cannot honour is an error naming it" {
	[ -d /sys/fs/cgroup/blkio ] || skip "no cgroup v1 blkio hierarchy on this host"
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"blockIO": {"weight": 500}}'
	args payload sleep 30
	if [ ! -e /sys/fs/cgroup/blkio/blkio.weight ] && [ ! -e /sys/fs/cgroup/blkio/blkio.bfq.weight ]; then
		# neither CFQ nor BFQ (some hosts of this kind): runc fails to
		# write the file; hyrun says which field the kernel cannot honour
		run hy_create "$ID"
		[ "$status" -ne 0 ]
		assert_contains "$output" "linux.resources.blockIO.weight: not supported by this kernel"
		[ ! -e "$ROOT/$ID" ]
		skip "neither blkio.weight nor blkio.bfq.weight on this host: the fallback is not exercised (the error is)"
	fi
	hy_detach "$ID"
	if [ -e "$(v1 blkio)/blkio.weight" ]; then
		assert_eq "$(cat "$(v1 blkio)/blkio.weight")" 500
	else
		assert_eq "$(sed -n 's/^default //p; /^[0-9]*$/p' "$(v1 blkio)/blkio.bfq.weight")" 500
	fi
	hy delete --force "$ID"
	[ -e "$(v1 blkio)/../blkio.leaf_weight" ] && skip "this host has blkio.leaf_weight"
	cfg '.linux.resources = {"blockIO": {"leafWeight": 500}}'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "blockIO.leafWeight"
	[ ! -e "$ROOT/$ID" ]
	if [ ! -d /sys/fs/cgroup/net_cls ]; then
		cfg '.linux.resources = {"network": {"classID": 1048577}}'
		run hy_create "$ID"
		[ "$status" -ne 0 ]
		assert_contains "$output" "network.classID"
	fi
}

@test "cgroup v2: device rules become an eBPF filter the kernel enforces (on a cgroup2 mount)" {
	grep -q cgroup2 /proc/filesystems || skip "kernel without cgroup2"
	# deny everything but /dev/null and the default devices (runc's list,
	# which allows mknod of any device but not its use)
	cfg --arg p "/hyrun-test-v2/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"devices": [
		{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rw"}]}
		| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	args sh -c 'echo x > /dev/null && echo null-ok; mknod /dev/kmsg2 c 1 11 && echo mknod-ok; head -c1 /dev/kmsg2 >/dev/null 2>&1 || echo kmsg-denied; head -c1 /dev/zero >/dev/null && echo zero-ok'
	run in_cgroup2 "cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run '$ID' </dev/null; rc=\$?;
		rmdir /sys/fs/cgroup/hyrun-test-v2 2>/dev/null; exit \$rc"
	assert_eq "$status" 0
	assert_contains "$output" null-ok
	assert_contains "$output" mknod-ok
	assert_contains "$output" kmsg-denied
	assert_contains "$output" zero-ok
}

@test "cgroup v1: memory.kernel lands in kmem.limit_in_bytes, or a warning says this kernel ignores it" {
	[ -f /sys/fs/cgroup/memory/memory.kmem.limit_in_bytes ] || skip "this kernel has no memory.kmem.limit_in_bytes"
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"kernel": 50593792}}'
	args payload sleep 30
	hy_detach "$ID"
	if [ "$(cat "$(v1 memory)/memory.kmem.limit_in_bytes")" = 50593792 ]; then
		refute_grep "ignores kernel memory limits" "$BATS_TEST_TMPDIR/detach.log"
	else
		grep -q "linux.resources.memory.kernel: this kernel ignores kernel memory limits" \
			"$BATS_TEST_TMPDIR/detach.log"
	fi
	hy delete --force "$ID"
}

# Docker 20.10 sends blockIO.weight 0 (and zero cpu/pids values) for every
# container; runc treats zero as "not set".  Same case under runc in the
# same test: both start, and the kernel's values stay.
@test "create: zero resource values mean not set, as runc (Docker's blockIO.weight 0)" {
	command -v runc >/dev/null || skip "runc is not installed (the reference)"
	local zeros='{"blockIO": {"weight": 0, "leafWeight": 0}, "cpu": {"shares": 0, "quota": 0, "period": 0, "realtimeRuntime": 0, "realtimePeriod": 0}, "pids": {"limit": 0}, "memory": {"limit": 0, "reservation": 0, "swap": 0, "kernel": 0}, "network": {"classID": 0}}'
	local rt shares quota pids
	cfg --arg p "/hyrun-test/$ID" --argjson r "$zeros" '.linux.cgroupsPath = $p | .linux.resources = $r'
	args payload sleep 30
	for rt in "$HYRUN" runc; do
		(cd "$BUNDLE" && "$rt" --root "$BATS_TEST_TMPDIR/root-$(basename "$rt")" run -d "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1) ||
			{ cat "$BATS_TEST_TMPDIR/out"; false; }
		if [ -d /sys/fs/cgroup/cpu ]; then
			shares=$(cat "$(v1 cpu)/cpu.shares")
			quota=$(cat "$(v1 cpu)/cpu.cfs_quota_us")
			pids=$(cat "$(v1 pids)/pids.max")
			echo "$rt: shares $shares quota $quota pids $pids"
			assert_eq "$shares" 1024
			assert_eq "$quota" -1
		else
			# pure v2: the kernel's defaults, weight 100 and no quota
			shares=$(cat "/sys/fs/cgroup/hyrun-test/$ID/cpu.weight")
			quota=$(cat "/sys/fs/cgroup/hyrun-test/$ID/cpu.max")
			pids=$(cat "/sys/fs/cgroup/hyrun-test/$ID/pids.max")
			echo "$rt: weight $shares cpu.max $quota pids $pids"
			assert_eq "$shares" 100
			assert_eq "$quota" "max 100000"
		fi
		assert_eq "$pids" max
		"$rt" --root "$BATS_TEST_TMPDIR/root-$(basename "$rt")" delete --force "$ID"
		[ ! -d "$(v1 cpu)" ]
		[ ! -d "/sys/fs/cgroup/hyrun-test/$ID" ]
	done
}

# With a cgroup namespace /sys/fs/cgroup shows the container's own cgroups
# (a new mount of each hierarchy in the namespace), without one the
# container's cgroup directories bound there: either way the limits read
# back inside as configured and no host cgroup is visible.  The same
# bundle under runc in this test gives the same output.
@test "cgroup files inside the container show its own limits, with and without a cgroup namespace, as runc" {
	[ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 memory hierarchy on this host"
	local res='{"memory": {"limit": 134217728, "reservation": 67108864, "swappiness": 10}, "cpu": {"shares": 256, "quota": 30000, "period": 100000, "cpus": "0", "mems": "0"}, "pids": {"limit": 77}}'
	local ns rt out
	args sh -c 'cd /sys/fs/cgroup && cat memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes memory/memory.swappiness cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us cpuset/cpuset.cpus pids/pids.max; ls memory | grep -c -e slice -e hyrun || true'
	for ns in with without; do
		cfg --arg p "/hyrun-test/$ID" --argjson r "$res" --arg ns "$ns" '.linux.cgroupsPath = $p | .linux.resources = $r |
			.linux.namespaces |= (map(select(.type != "cgroup")) + (if $ns == "with" then [{"type": "cgroup"}] else [] end))'
		for rt in "$HYRUN" runc; do
			command -v "$rt" >/dev/null || continue
			run sh -c "cd '$BUNDLE' && '$rt' --root '$BATS_TEST_TMPDIR/root-$(basename "$rt")' run '$ID' </dev/null"
			echo "$rt, $ns a cgroup namespace: $status: $output"
			assert_eq "$status" 0
			[ "$rt" = runc ] && assert_eq "$output" "$out"
			out=$output
		done
		assert_eq "$out" "134217728
67108864
10
256
30000
100000
0
77
0"
	done
}

# Pure v2 (a private cgroup2 mount here; the test VM runs the real thing):
# the cgroup mount is a new cgroup2 mount, as runc's: in a cgroup
# namespace rooted at the container's own cgroup; without one the whole
# hierarchy, as under runc (criu wants a real cgroup2 mount there).
@test "cgroup v2: /sys/fs/cgroup is a cgroup2 mount, the container's own cgroup in a cgroup namespace, as runc" {
	grep -q cgroup2 /proc/filesystems || skip "kernel without cgroup2"
	local ns
	args sh -c 'cat /sys/fs/cgroup/cgroup.procs | head -n1; ls /sys/fs/cgroup | grep -c hyrun-test-v2 || true'
	for ns in with without; do
		cfg --arg p "/hyrun-test-v2/$ID" --arg ns "$ns" '.linux.cgroupsPath = $p |
			.linux.namespaces |= (map(select(.type != "cgroup")) + (if $ns == "with" then [{"type": "cgroup"}] else [] end))'
		run in_cgroup2 "cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run '$ID' </dev/null; rc=\$?;
			rmdir /sys/fs/cgroup/hyrun-test-v2 2>/dev/null; exit \$rc"
		echo "$ns a cgroup namespace: $status: $output"
		assert_eq "$status" 0
		if [ "$ns" = with ]; then
			# its own cgroup: pid 1 (the shell) in it, no host cgroup shows
			assert_eq "$(echo "$output" | head -n1)" 1
			assert_eq "$(echo "$output" | tail -n1)" 0
		else
			# the whole hierarchy, the container's parent cgroup in it
			assert_eq "$(echo "$output" | tail -n1)" 1
		fi
	done
}

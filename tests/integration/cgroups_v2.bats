#!/usr/bin/env bats
# Pure cgroup v2, each resource checked twice: in the container's cgroup
# files from the host, and from inside the container (a cgroup namespace:
# its /sys/fs/cgroup is its own cgroup).  Device rules as the eBPF program
# the kernel runs, freezer, cgroup.kill, memory.events, events --stats and
# update.  These need a pure v2 host: this project's hosts are v1, so CI
# runs them in the test VM (tests/vm/bats-in-l1.sh, whose init mounts
# cgroup2 alone); on a v1 host each skips saying so.
load helpers

CG() { echo "/sys/fs/cgroup/hyrun-test/$ID"; }

v2_only() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
		skip "needs a pure cgroup v2 host (/sys/fs/cgroup is $(stat -fc %T /sys/fs/cgroup) here); runs in the test VM (tests/vm/bats-in-l1.sh)"
}

# has_ctrl NAME: the root offers the controller NAME.
has_ctrl() {
	grep -qw "$1" /sys/fs/cgroup/cgroup.controllers
}

# run_v2 RESOURCES-JSON: a detached `payload sleep 60` in /hyrun-test/$ID
# with those resources and its own cgroup namespace.
run_v2() {
	cfg '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
	setup_running_keep "$1"
}

# setup_running without a new bundle (the cfg edits made so far stay).
setup_running_keep() {
	cfg --arg p "/hyrun-test/$ID" --argjson r "${1:-null}" \
		'.linux.cgroupsPath = $p | if $r then .linux.resources = $r else . end'
	args payload sleep 60
	hy_detach "$ID"
}

# both FILE VALUE: the container's FILE reads VALUE from the host and from
# inside the container.
both() {
	assert_eq "$(cat "$(CG)/$1")" "$2"
	assert_eq "$(hy exec "$ID" cat "/sys/fs/cgroup/$1")" "$2"
}

@test "cgroup v2: memory.max, memory.low, memory.swap.max (the spec's memory+swap less memory) and memory.high/min/oom.group through unified" {
	v2_only
	run_v2 '{"memory": {"limit": 67108864, "reservation": 16777216, "swap": 100663296},
		"unified": {"memory.high": "50331648", "memory.min": "8388608", "memory.oom.group": "1"}}'
	both memory.max 67108864
	both memory.low 16777216
	both memory.swap.max 33554432
	both memory.high 50331648
	both memory.min 8388608
	both memory.oom.group 1
	# the container's pid 1 is in its own cgroup: "0::/" in its namespace
	assert_eq "$(hy exec "$ID" cat /proc/1/cgroup)" "0::/"
	grep -qx "$(hy state "$ID" | jq -r .pid)" "$(CG)/cgroup.procs"
}

@test "cgroup v2: cpu.weight from cpu.shares (runc's conversion: 1024 -> 100, 512 -> 59), cpu.max, cpu.idle, cpu.max.burst" {
	v2_only
	run_v2 '{"cpu": {"shares": 512, "quota": 20000, "period": 50000, "burst": 10000}}'
	both cpu.weight 59
	both cpu.max "20000 50000"
	both cpu.max.burst 10000
	hy update --cpu-shares 1024 "$ID"
	both cpu.weight 100
	hy delete --force "$ID"
	# cpu.idle: the cgroup is SCHED_IDLE (Linux 5.15+)
	run_v2 '{"cpu": {"idle": 1}}'
	both cpu.idle 1
}

@test "cgroup v2: cpuset.cpus and cpuset.mems" {
	v2_only
	has_ctrl cpuset || skip "no cpuset controller at the root of this host"
	run_v2 '{"cpu": {"cpus": "0", "mems": "0"}}'
	both cpuset.cpus 0
	both cpuset.mems 0
	assert_eq "$(hy exec "$ID" cat /sys/fs/cgroup/cpuset.cpus.effective)" 0
}

@test "cgroup v2: pids.max, enforced inside the container" {
	v2_only
	run_v2 '{"pids": {"limit": 4}}'
	both pids.max 4
	run hy exec "$ID" sh -c 'payload sleep 5 & payload sleep 5 & payload sleep 5 & payload sleep 5 & wait; echo done'
	assert_contains "$output" "can't fork"
}

# A block device to throttle: the test VM loads brd (/dev/ram0, b 1:0).
ram_disk() {
	[ -b /dev/ram0 ] || skip "no /dev/ram0 (the brd module) on this host to throttle"
	echo "$(stat -c '%t' /dev/ram0 | xargs printf '%d'):$(stat -c '%T' /dev/ram0 | xargs printf '%d')"
}

@test "cgroup v2: io.max from the throttle lists, io.weight from blockIO.weight (runc's conversion 10..1000 -> 1..10000)" {
	v2_only
	has_ctrl io || skip "no io controller at the root of this host"
	local dev
	dev=$(ram_disk)
	run_v2 "$(jq -nc --argjson maj "${dev%:*}" --argjson min "${dev#*:}" '{"blockIO": {"weight": 500,
		"throttleReadBpsDevice": [{"major": $maj, "minor": $min, "rate": 1048576}],
		"throttleWriteIOPSDevice": [{"major": $maj, "minor": $min, "rate": 100}]}}')"
	both io.max "$dev rbps=1048576 wbps=max riops=max wiops=100"
	if [ -e "$(CG)/io.bfq.weight" ]; then
		assert_eq "$(sed -n 's/^default //p' "$(CG)/io.bfq.weight")" 500
	else
		assert_eq "$(sed -n 's/^default //p' "$(CG)/io.weight")" 4950
	fi
}

@test "cgroup v2: hugetlb.<size>.max and .rsvd.max; rdma.max refuses a device the host lacks, naming the field" {
	v2_only
	has_ctrl hugetlb || skip "no hugetlb controller at the root of this host"
	run_v2 '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
	both hugetlb.2MB.max 4194304
	[ ! -e "$(CG)/hugetlb.2MB.rsvd.max" ] || both hugetlb.2MB.rsvd.max 4194304
	hy delete --force "$ID"
	has_ctrl rdma || skip "no rdma controller at the root of this host"
	cfg '.linux.resources = {"rdma": {"hyrun_no_such_hca": {"hcaHandles": 2, "hcaObjects": 10}}}'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.resources.rdma.hyrun_no_such_hca"
	assert_contains "$output" "rdma.max"
	[ ! -e "$ROOT/$ID" ]
	[ ! -d "$(CG)" ]
}

@test "cgroup v2: unified keys are checked: a path, a name without a controller, a controller not available, a file that does not exist" {
	v2_only
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p'
	bad_config '.linux.resources = {"unified": {"../memory.max": "1"}}' 'linux.resources.unified.../memory.max: must be a file name'
	bad_config '.linux.resources = {"unified": {"memoryhigh": "1"}}' 'linux.resources.unified.memoryhigh: must be CONTROLLER.PARAMETER'
	bad_config '.linux.resources = {"unified": {"nosuchctl.max": "1"}}' 'the nosuchctl controller is not available in this cgroup'
	bad_config '.linux.resources = {"unified": {"memory.nosuch": "1"}}' 'linux.resources.unified.memory.nosuch'
	[ ! -d "$(CG)" ]
}

# Devices: each rule form against real device nodes (linux.devices makes
# them): /dev/kmsg c 1:11 (not in runc's default list; opened write-only:
# reading it needs CAP_SYSLOG whatever the cgroup says) and the block
# device /dev/ram0 b 1:0 (the test VM loads brd).  The eBPF program
# refuses with EPERM.
dev_nodes() {
	[ -b /dev/ram0 ] || skip "no /dev/ram0 (the brd module) on this host"
	cfg '.linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438},
		{"path": "/dev/ram0", "type": "b", "major": 1, "minor": 0, "fileMode": 432}]'
}

# opens RULES-JSON MODE WANT PATH...: with these device rules, `payload
# open PATH... MODE` prints WANT (one line per path, joined by spaces).
opens() {
	local rules=$1 mode=$2 want=$3
	shift 3
	cfg --argjson d "$rules" '.linux.resources = {"devices": $d}'
	args payload open "$@" "$mode"
	run hy_run "$ID"
	echo "rules $rules, mode $mode: $output"
	assert_eq "$status" 0
	assert_eq "$(echo "$output" | tr '\n' ' ')" "$want"
}

@test "cgroup v2 devices: deny all but the defaults; a wildcard type, block vs char, a major wildcard; a later rule wins" {
	v2_only
	dev_nodes
	local d=(/dev/kmsg /dev/ram0 /dev/null)
	# deny all: the devices the config does not allow fail to open
	opens '[{"allow": false, "access": "rwm"}]' w "/dev/kmsg:EPERM /dev/ram0:EPERM /dev/null:ok " "${d[@]}"
	# "a": every type
	opens '[{"allow": true, "type": "a", "access": "rwm"}]' w "/dev/kmsg:ok /dev/ram0:ok /dev/null:ok " "${d[@]}"
	# char 1:* allows /dev/kmsg (c 1:11), not the block device 1:0
	opens '[{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "access": "rwm"}]' w \
		"/dev/kmsg:ok /dev/ram0:EPERM /dev/null:ok " "${d[@]}"
	# block 1:* allows /dev/ram0, not the char device 1:11
	opens '[{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": 1, "access": "rwm"}]' w \
		"/dev/kmsg:EPERM /dev/ram0:ok /dev/null:ok " "${d[@]}"
	# a later rule overrides an earlier one: allow 1:11, then deny it
	opens '[{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rwm"}, {"allow": false, "type": "c", "major": 1, "minor": 11, "access": "rwm"}]' w \
		"/dev/kmsg:EPERM /dev/ram0:EPERM /dev/null:ok " "${d[@]}"
}

@test "cgroup v2 devices: partial access r, w and m are enforced separately" {
	v2_only
	dev_nodes
	local r_only='[{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": 1, "minor": 0, "access": "r"}]'
	local w_only='[{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": 1, "minor": 0, "access": "w"}]'
	opens "$r_only" r "/dev/ram0:ok " /dev/ram0
	opens "$r_only" w "/dev/ram0:EPERM " /dev/ram0
	opens "$r_only" rw "/dev/ram0:EPERM " /dev/ram0
	opens "$w_only" w "/dev/ram0:ok " /dev/ram0
	opens "$w_only" r "/dev/ram0:EPERM " /dev/ram0
	# m: mknod of 1:11 is allowed, opening the node it made is not (runc's
	# default list allows mknod of any device: m alone cannot be denied)
	cfg '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "m"}]}
		| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"]) | .root.readonly = false'
	args sh -c 'mknod /dev/kmsg2 c 1 11 && echo mknod-ok; payload open /dev/kmsg2 w'
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "$(echo "$output" | tr '\n' ' ')" "mknod-ok /dev/kmsg2:EPERM "
}

@test "cgroup v2 devices: update --resources replaces the rules of a running container" {
	v2_only
	dev_nodes
	run_v2 '{"devices": [{"allow": false, "access": "rwm"}]}'
	assert_eq "$(hy exec "$ID" payload open /dev/ram0 r)" "/dev/ram0:EPERM"
	echo '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "b", "major": 1, "minor": 0, "access": "r"}]}' |
		hy update --resources - "$ID"
	assert_eq "$(hy exec "$ID" payload open /dev/ram0 r)" "/dev/ram0:ok"
	assert_eq "$(hy exec "$ID" payload open /dev/ram0 w)" "/dev/ram0:EPERM"
	# and back: the old program is gone, not stacked
	echo '{"devices": [{"allow": false, "access": "rwm"}]}' | hy update --resources - "$ID"
	assert_eq "$(hy exec "$ID" payload open /dev/ram0 r)" "/dev/ram0:EPERM"
	assert_eq "$(hy exec "$ID" payload open /dev/null rw)" "/dev/null:ok"
}

@test "cgroup v2: update changes memory, swap (memory+swap), pids, cpu; seen inside the container" {
	v2_only
	run_v2 '{"memory": {"limit": 67108864, "swap": 134217728}, "pids": {"limit": 100}}'
	both memory.swap.max 67108864
	hy update --memory 96m --memory-swap 128m --pids-limit 50 --cpu-quota 30000 --cpu-period 100000 "$ID"
	both memory.max 100663296
	both memory.swap.max 33554432
	both pids.max 50
	both cpu.max "30000 100000"
	# swap alone: taken against the memory.max in force
	hy update --memory-swap 160m "$ID"
	both memory.swap.max 67108864
	echo '{"unified": {"memory.high": "83886080"}}' | hy update --resources - "$ID"
	both memory.high 83886080
	run hy update --memory-swap 32m "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.resources.memory.swap"
	both memory.swap.max 67108864
}

@test "cgroup v2: pause returns once the cgroup is frozen (cgroup.events frozen 1), the workload does not advance; resume thaws" {
	v2_only
	cfg '.root.readonly = false'
	args sh -c 'while :; do echo x >> /count; done'
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p'
	hy_detach "$ID"
	wait_file_contains "$BUNDLE/rootfs/count" x
	hy pause "$ID"
	# no polling: frozen when pause returned
	grep -qx "frozen 1" "$(CG)/cgroup.events"
	assert_eq "$(cat "$(CG)/cgroup.freeze")" 1
	assert_eq "$(hy state "$ID" | jq -r .status)" paused
	local a b
	a=$(wc -l <"$BUNDLE/rootfs/count")
	sleep 0.5
	b=$(wc -l <"$BUNDLE/rootfs/count")
	assert_eq "$a" "$b"
	# a signal to all does not thaw a paused container
	hy kill --all "$ID" CONT
	assert_eq "$(hy state "$ID" | jq -r .status)" paused
	hy resume "$ID"
	grep -qx "frozen 0" "$(CG)/cgroup.events"
	wait_for "the count grew past $b after resume" lines_above "$BUNDLE/rootfs/count" "$b"
}

# procs_at_least N: `ps` lists at least N processes of the container.
procs_at_least() {
	[ "$(hy ps --format json "$ID" | jq length)" -ge "$1" ]
}

@test "cgroup v2: kill --all KILL (cgroup.kill) ends every process, those in a sub-cgroup too" {
	v2_only
	args sh -c 'payload sleep 60 & payload sleep 60 & payload sleep 60 --ready'
	cfg --arg p "/hyrun-test/$ID" '.linux.cgroupsPath = $p'
	hy_detach "$ID"
	wait_file_contains "$BATS_TEST_TMPDIR/detach.log" ready
	local pids
	wait_for "three processes in the container (sh execs the last)" procs_at_least 3
	pids=$(hy ps --format json "$ID" | jq -r '.[]')
	# one of them in a cgroup below the container's (as one the
	# container makes in its cgroup namespace)
	mkdir "$(CG)/sub"
	echo "$pids" | tail -n1 >"$(CG)/sub/cgroup.procs"
	grep -q . "$(CG)/sub/cgroup.procs"
	hy kill --all "$ID" KILL
	wait_for "every process gone" none_alive $pids
	wait_status "$ID" stopped
	grep -qx "populated 0" "$(CG)/cgroup.events"
	hy delete "$ID"
	[ ! -d "$(CG)" ]
}

@test "cgroup v2: events reports an OOM kill from memory.events; events --stats is runc's JSON from the v2 files" {
	v2_only
	run_v2 '{"memory": {"limit": 33554432, "swap": 33554432}, "pids": {"limit": 100}}'
	run hy events --stats "$ID"
	assert_eq "$status" 0
	echo "$output"
	jq -e --arg id "$ID" '.type == "stats" and .id == $id' <<<"$output"
	# memory.max as the limit, swap as v1's memory+swap (swap.max 0 + memory)
	jq -e '.data.memory.usage.limit == 33554432 and .data.memory.usage.usage > 0' <<<"$output"
	jq -e '.data.memory.swap.limit == 33554432' <<<"$output"
	jq -e '.data.pids.current == 1 and .data.pids.limit == 100' <<<"$output"
	jq -e '.data.cpu.usage.total > 0' <<<"$output"
	# memory.stat as runc's raw map; hugetlb per page size
	jq -e '.data.memory.raw.anon > 0 and (.data.memory.cache // 0) == .data.memory.raw.file' <<<"$output"
	! has_ctrl hugetlb || jq -e '.data.hugetlb["2MB"].failcnt == 0' <<<"$output"
	hy events --interval 30s "$ID" >"$BATS_TEST_TMPDIR/events" 2>&1 &
	local ev=$!
	wait_for "a first stats event" grep -q '"type":"stats"' "$BATS_TEST_TMPDIR/events"
	run hy exec "$ID" sh -c 'x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while :; do x=$x$x; done'
	assert_eq "$status" 137
	# well before the next 30 s tick: the inotify watch on memory.events
	wait_for "the OOM event" grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events"
	grep -qE '^oom_kill [1-9]' "$(CG)/memory.events"
	hy kill "$ID" KILL
	wait "$ev" || true
	assert_eq "$(grep -c '"type":"oom"' "$BATS_TEST_TMPDIR/events")" 1
}

@test "cgroup v2: a controller a delegated subtree cannot enable is an error naming its cgroup.subtree_control" {
	v2_only
	has_ctrl memory || skip "no memory controller at the root of this host"
	local parent=/sys/fs/cgroup/hyrun-deleg-$ID
	mkdir "$parent"
	# a process of its own in the parent: the kernel then refuses to
	# enable controllers for its children (EBUSY), as in a container whose
	# init sits in its cgroup namespace's root
	payload_bg=$(sh -c "echo \$\$ > $parent/cgroup.procs && exec sleep 60" >/dev/null 2>&1 & echo $!)
	wait_for "the sleeper in $parent" grep -qx "$payload_bg" "$parent/cgroup.procs"
	cfg --arg p "/hyrun-deleg-$ID/c" '.linux.cgroupsPath = $p | .linux.resources = {"memory": {"limit": 33554432}}'
	run hy_create "$ID"
	kill "$payload_bg"
	wait_for "the sleeper gone" none_alive "$payload_bg"
	rmdir "$parent/c" 2>/dev/null || true
	rmdir "$parent"
	echo "$output"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.resources.memory.limit: cannot enable the memory controller in \`$parent/cgroup.subtree_control\`"
	assert_contains "$output" "has processes of its own"
	[ ! -e "$ROOT/$ID" ]
}

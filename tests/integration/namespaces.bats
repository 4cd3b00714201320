#!/usr/bin/env bats
# linux.namespaces: new ones of every type, joined ones by path, id
# mappings, time offsets.
load helpers

ns_of() { readlink "/proc/$1/ns/$2"; }


@test "each new namespace differs from the host's" {
	cfg '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
	args payload sleep 30
	hy_detach "$ID"
	local pid t
	pid=$(hy state "$ID" | jq -r .pid)
	for t in mnt pid net ipc uts cgroup; do
		[ "$(ns_of "$pid" $t)" != "$(ns_of $$ $t)" ] || { echo "$t shared with the host" >&2; return 1; }
	done
	hy delete --force "$ID"
}

@test "the process is pid 1 of a new pid namespace" {
	args sh -c 'echo $$'
	run hy_run "$ID"
	assert_eq "$output" 1
}

@test "a new network namespace has only lo, and it is up" {
	args sh -c 'ls /sys/class/net; cat /sys/class/net/lo/operstate; cat /sys/class/net/lo/flags'
	run hy_run "$ID"
	assert_eq "${lines[0]}" lo
	assert_eq "${#lines[@]}" 3
	# IFF_UP (0x1) set
	(( ${lines[2]} & 1 ))
}

@test "without a network namespace the host's interfaces are seen" {
	cfg '.linux.namespaces |= map(select(.type != "network"))'
	args ls /sys/class/net
	run hy_run "$ID"
	assert_eq "$(echo "$output" | sort)" "$(ls /sys/class/net | sort)"
}

@test "joining a network namespace by path" {
	local ns=hyrun-test-$$
	ip netns add "$ns"
	ip -n "$ns" link add dummy7 type veth peer name dummy8
	cfg --arg p "/run/netns/$ns" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	args ls /sys/class/net
	run hy_run "$ID"
	ip netns del "$ns"
	assert_contains "$output" dummy7
}

@test "joining another container's ipc and uts namespaces" {
	cfg '.hostname = "first"'
	args payload sleep 30
	hy_detach "$ID-a"
	local pid
	pid=$(hy state "$ID-a" | jq -r .pid)
	cfg --arg u "/proc/$pid/ns/uts" --arg i "/proc/$pid/ns/ipc" \
		'del(.hostname) | .linux.namespaces |= map(if .type == "uts" then .path = $u elif .type == "ipc" then .path = $i else . end)'
	args hostname
	run hy_run "$ID-b"
	assert_eq "$output" first
	hy delete --force "$ID-a"
}

@test "joining another container's pid namespace" {
	args payload sleep 30
	hy_detach "$ID-a"
	local pid
	pid=$(hy state "$ID-a" | jq -r .pid)
	cfg --arg p "/proc/$pid/ns/pid" '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)'
	args sh -c 'cat /proc/1/cmdline | tr "\0" " "'
	run hy_run "$ID-b"
	assert_contains "$output" "payload sleep 30"
	hy delete --force "$ID-a"
}

@test "a user namespace with uid and gid mappings" {
	cfg '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
	# the rootfs must be reachable by the mapped root
	open_path_to "$BUNDLE/rootfs"
	args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; payload id'
	run hy_run "$ID"
	assert_eq "$status" 0
	[[ "${lines[0]}" =~ ^\ +0\ +100000\ +65536$ ]]
	[[ "${lines[1]}" =~ ^\ +0\ +200000\ +65536$ ]]
	assert_eq "${lines[2]}" "uid=0 gid=0 groups="
}

@test "the process in a user namespace runs as the mapped host uid" {
	cfg '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	open_path_to "$BUNDLE/rootfs"
	args payload sleep 30
	hy_detach "$ID"
	local pid
	pid=$(hy state "$ID" | jq -r .pid)
	assert_eq "$(awk '/^Uid/ {print $2}' /proc/$pid/status)" 100000
	hy delete --force "$ID"
}

@test "a time namespace with monotonic and boottime offsets" {
	[ -e /proc/self/ns/time ] || skip "kernel without time namespaces"
	cfg '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": 86400, "nanosecs": 0}, "boottime": {"secs": 172800, "nanosecs": 0}}'
	args cat /proc/self/timens_offsets /proc/uptime
	run hy_run "$ID"
	assert_contains "${lines[0]}" "monotonic"
	assert_contains "$output" "86400"
	local up host
	up=$(echo "${lines[2]}" | cut -d. -f1)
	host=$(cut -d. -f1 /proc/uptime)
	(( up - host >= 172790 ))
}

@test "a cgroup namespace shows the container's cgroup as /" {
	cfg '.linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])'
	# v1: the memory hierarchy's line; pure v2: the one line, 0::
	args sh -c 'grep :memory: /proc/self/cgroup || grep ^0:: /proc/self/cgroup'
	run hy_run "$ID"
	[[ "$output" =~ ^[0-9]+:(memory)?:/$ ]] || { echo "not its own cgroup as /: $output"; false; }
}

@test "without a mount namespace the runtime's is inherited, chrooted into the rootfs; delete removes its mounts" {
	cfg '.linux.namespaces |= map(select(.type != "mount")) | del(.linux.maskedPaths, .linux.readonlyPaths) | .root.readonly = false'
	args sh -c 'ls /bin/payload; cat /proc/self/mounts >/dev/null && echo proc; sleep 30'
	hy_detach "$ID"
	wait_file_contains "$BATS_TEST_TMPDIR/detach.log" proc
	local pid
	pid=$(hy state "$ID" | jq -r .pid)
	assert_eq "$(ns_of "$pid" mnt)" "$(ns_of $$ mnt)"
	# like runc, its /proc and /dev are mounts in the host's namespace
	grep -qF " $BUNDLE/rootfs/proc " /proc/self/mountinfo
	hy delete --force "$ID"
	# unlike runc, delete takes them away (teardown checks none is left)
	refute_grep -F " $BUNDLE/rootfs/" /proc/self/mountinfo
}

@test "without a mount namespace, paths it would remount or hide on the host are refused by name" {
	local f
	for f in '.linux.maskedPaths = ["/proc/kcore"]' '.linux.readonlyPaths = ["/proc/sys"]' \
		'.linux.rootfsPropagation = "private"' '.root.readonly = true'; do
		cfg '.linux.namespaces |= map(select(.type != "mount")) | del(.linux.maskedPaths, .linux.readonlyPaths, .linux.rootfsPropagation) | .root.readonly = false'
		cfg "$f"
		run hy_create "$ID"
		[ "$status" -ne 0 ]
		assert_contains "$output" "requires a mount namespace"
		case $f in
		*maskedPaths*) assert_contains "$output" linux.maskedPaths ;;
		*readonlyPaths*) assert_contains "$output" linux.readonlyPaths ;;
		*rootfsPropagation*) assert_contains "$output" linux.rootfsPropagation ;;
		*root.readonly*) assert_contains "$output" root.readonly ;;
		esac
		refute_grep -F " $BUNDLE/rootfs/" /proc/self/mountinfo
	done
}

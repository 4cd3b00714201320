#!/usr/bin/env bats
# process.*: args, env, cwd, user, umask, rlimits, oomScoreAdj,
# noNewPrivileges; hostname, domainname, sysctls.
load helpers

@test "env reaches the process, PATH is used to find args[0]" {
	cfg '.process.env = ["PATH=/usr/bin:/bin", "FOO=bar baz", "HOME=/root"]'
	args payload env FOO
	run hy_run "$ID"
	assert_eq "$output" "bar baz"
}

@test "HOME is set from the user's passwd entry when env has none" {
	cfg '.process.env = ["PATH=/bin"]'
	args payload env HOME
	run hy_run "$ID"
	assert_eq "$output" /root
}

@test "cwd is the process's working directory, created if missing" {
	cfg '.process.cwd = "/var/tmp/made/here"'
	args payload cwd
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "$output" /var/tmp/made/here
}

@test "user uid, gid and additionalGids" {
	cfg '.process.user = {"uid": 1000, "gid": 1001, "additionalGids": [5, 6]}'
	args payload id
	run hy_run "$ID"
	assert_eq "$output" "uid=1000 gid=1001 groups=5,6"
}

@test "a user with no additionalGids and no /etc/group entry has no groups (as runc)" {
	cfg '.process.user = {"uid": 1000, "gid": 1001}'
	args payload id
	run hy_run "$ID"
	assert_eq "$output" "uid=1000 gid=1001 groups="
}

@test "umask" {
	cfg '.process.user.umask = 63'
	args payload umask
	run hy_run "$ID"
	assert_eq "$output" 0077
}

@test "rlimits" {
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 123, "hard": 456}, {"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	args payload rlimit NOFILE
	run hy_run "$ID"
	assert_eq "$output" "123 456"
	args payload rlimit CORE
	run hy_run "$ID-b"
	assert_eq "$output" "0 0"
}

@test "oomScoreAdj" {
	cfg '.process.oomScoreAdj = 123'
	args payload cat /proc/self/oom_score_adj
	run hy_run "$ID"
	assert_eq "$output" 123
}

@test "noNewPrivileges sets NoNewPrivs" {
	cfg '.process.noNewPrivileges = true'
	args payload status NoNewPrivs
	run hy_run "$ID"
	assert_eq "$output" 1
	cfg '.process.noNewPrivileges = false'
	run hy_run "$ID-b"
	assert_eq "$output" 0
}

@test "capabilities: the effective set is what the spec lists" {
	# CAP_CHOWN (0) and CAP_KILL (5) only: 0x21
	cfg '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_KILL"], "effective": ["CAP_CHOWN", "CAP_KILL"], "permitted": ["CAP_CHOWN", "CAP_KILL"]}'
	args payload status CapEff
	run hy_run "$ID"
	assert_eq "$output" 0000000000000021
	args payload status CapBnd
	run hy_run "$ID-b"
	assert_eq "$output" 0000000000000021
}

@test "capabilities: an unknown name is warned about and skipped, as runc" {
	command -v runc >/dev/null || skip "runc not installed (apt-get install runc)"
	cfg '.process.capabilities = {"bounding": ["CAP_CHOWN", "CAP_NOPE"], "effective": ["CAP_CHOWN", "CAP_NOPE"], "permitted": ["CAP_CHOWN"]}'
	args payload status CapEff
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_contains "$output" 'ignoring unknown or unavailable capability "CAP_NOPE"'
	assert_eq "$(echo "$output" | grep -v warning)" 0000000000000001
	run sh -c "cd '$BUNDLE' && runc --root '$BATS_TEST_TMPDIR/runc' run '$ID-runc' </dev/null 2>&1"
	assert_eq "$status" 0
	assert_contains "$output" "ignoring unknown or unavailable capabilities: [CAP_NOPE]"
	assert_eq "$(echo "$output" | grep -v warning)" 0000000000000001
}

@test "hostname and domainname" {
	cfg '.hostname = "box" | .domainname = "example.org"'
	args payload hostname
	run hy_run "$ID"
	assert_eq "$output" "box example.org"
}

@test "sysctls are written in the container's namespaces" {
	cfg '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.msgmax": "4096"}'
	args sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax'
	run hy_run "$ID"
	assert_eq "$output" "1
4096"
}

@test "a sysctl outside the container's namespaces is refused" {
	cfg '.linux.sysctl = {"vm.swappiness": "10"}'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" vm.swappiness
}

@test "no host fd reaches the container process" {
	args payload fds
	run sh -c "exec 7</etc/hostname; cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run '$ID' </dev/null"
	assert_eq "$status" 0
	assert_eq "$output" ""
}

@test "output matches runc for the same bundle" {
	command -v runc >/dev/null || skip "runc not installed (apt-get install runc)"
	cfg '.process.user = {"uid": 7, "gid": 8, "additionalGids": [9]} | .hostname = "cmp"'
	cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": 99, "hard": 99}]'
	args sh -c 'payload id; payload hostname; payload rlimit NOFILE; payload cwd; payload status CapEff; payload umask'
	run hy_run "$ID"
	local ours=$output
	run sh -c "cd '$BUNDLE' && runc --root '$BATS_TEST_TMPDIR/runc' run '$ID-runc' </dev/null"
	assert_eq "$ours" "$output"
}

@test "LSM labels: a host without AppArmor or SELinux gives a clear error" {
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" = Y ] && skip "AppArmor is enabled on this host: the label would be applied"
	cfg '.process.apparmorProfile = "hyrun-test"'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "process.apparmorProfile: AppArmor is not enabled"
	[ -d /sys/fs/selinux ] && skip "SELinux is present on this host"
	cfg 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "process.selinuxLabel: SELinux is not enabled"
}

@test "a non-root user with seccomp and without noNewPrivileges starts (the filter loads before the uid switch)" {
	cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = false'
	cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	args sh -c 'payload id; mkdir /tmp/x 2>&1 || true'
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "${lines[0]}" "uid=1000 gid=1000 groups="
	assert_contains "${lines[1]}" "Read-only file system"
}

@test "process set-up errors fail create, not start (a capability the runtime does not hold)" {
	# setpriv drops CAP_SYS_RESOURCE from hyrun's bounding set, so root's
	# exec of hyrun holds it in no set: the init cannot grant it
	cfg '.process.capabilities.permitted += ["CAP_SYS_RESOURCE"] | .process.capabilities.effective += ["CAP_SYS_RESOURCE"]'
	run setpriv --bounding-set -sys_resource "$HYRUN" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_contains "$output" "process.capabilities"
	run hy state "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
}

# runtime-spec 1.2 fields are applied, not accepted and ignored.
@test "process.scheduler, process.ioPriority and linux.personality are applied; linux.memoryPolicy and linux.intelRdt are refused by name" {
	cfg '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5} | .process.ioPriority = {"class": "IOPRIO_CLASS_IDLE", "priority": 0} | .linux.personality = {"domain": "LINUX32"}'
	args sh -c 'sed -n "s/^policy *: *//p; s/^prio *: *//p" /proc/self/sched; ionice; uname -m'
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "$output" "3
125
idle
i686"
	cfg '.process.scheduler = {"policy": "SCHED_OTHER", "flags": ["SCHED_FLAG_BOGUS"]}'
	run hy_run "$ID-b"
	[ "$status" -ne 0 ]
	assert_contains "$output" 'process.scheduler.flags[0]: unknown scheduler flag "SCHED_FLAG_BOGUS"'
	cfg 'del(.process.scheduler) | .linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
	run hy_run "$ID-c"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.memoryPolicy: not supported"
	cfg 'del(.linux.memoryPolicy) | .linux.intelRdt = {"closID": "x"}'
	run hy_run "$ID-d"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.intelRdt: not supported"
}

# runc gives pipes used as stdio to the process's user: a non-root
# process can reopen /dev/stdout and /dev/stderr.
@test "stdio pipes belong to the process user when terminal is false, as runc" {
	local rt
	cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.terminal = false'
	args sh -c 'echo out >/dev/stdout && echo err >/dev/stderr'
	for rt in "$HYRUN" runc; do
		command -v "$rt" >/dev/null || continue
		run sh -c "cd '$BUNDLE' && '$rt' --root '$BATS_TEST_TMPDIR/root-$(basename "$rt")' run '$ID' </dev/null 2>&1 | cat"
		echo "$rt: $status $output"
		assert_eq "$status" 0
		# runc copies stdout and stderr on their own: either order
		assert_eq "$(echo "$output" | sort)" "err
out"
	done
}

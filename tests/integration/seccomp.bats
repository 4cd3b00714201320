#!/usr/bin/env bats
# linux.seccomp: actions, errnoRet, argument conditions, architectures,
# flags; the filter applies to the container process and to exec.
load helpers

# seccomp JSON-OBJECT: set linux.seccomp.
seccomp() { cfg --argjson s "$1" '.linux.seccomp = $s'; }

@test "SCMP_ACT_ERRNO with errnoRet: the call fails with that errno" {
	# mkdir -> EROFS (30), getcwd untouched
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	args sh -c 'mkdir /tmp/x; echo rc=$?'
	run hy_run "$ID"
	assert_contains "$output" "Read-only file system"
	assert_contains "$output" "rc=1"
}

@test "SCMP_ACT_ERRNO without errnoRet gives EPERM" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	args sh -c 'mkdir /tmp/x'
	run hy_run "$ID"
	assert_contains "$output" "Operation not permitted"
}

@test "SCMP_ACT_KILL_PROCESS kills the process with SIGSYS" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	# not pid 1 of a pid namespace, so the signal is visible as the exit
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args payload cwd
	run hy_run "$ID"
	assert_eq "$status" 159
}

@test "SCMP_ACT_TRAP raises SIGSYS" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_TRAP"}]}'
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args payload cwd
	run hy_run "$ID"
	assert_eq "$status" 159
}

@test "argument conditions: only the matching call is blocked" {
	# block personality(0xffffffff) (a query), allow the rest
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [{"index": 0, "value": 63, "op": "SCMP_CMP_EQ"}]}]}'
	cfg '.process.user.umask = 18'
	args payload umask
	run hy_run "$ID"
	# payload calls umask(0): not 63, so allowed; the runtime set 022 before the filter
	assert_eq "$output" 0022
}

@test "a default ERRNO filter with an allow list runs the process" {
	local allow
	allow=$(jq -c -n '["read","write","exit","exit_group","brk","mmap","munmap","mprotect","arch_prctl","set_tid_address","set_robust_list","rseq","prlimit64","getrandom","newfstatat","fstat","uname","readlinkat","getcwd","ioctl","rt_sigaction","rt_sigprocmask","execve","close","openat","futex","getppid","getpid"]')
	seccomp "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": $allow, \"action\": \"SCMP_ACT_ALLOW\"}]}"
	cfg '.process.noNewPrivileges = true'
	args payload cwd
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "$output" /
	# and a call outside the list (umask) fails with the default errno, EPERM
	args payload umask-raw 18
	run hy_run "$ID-b"
	assert_eq "$output" "18:errno=EPERM "
}

@test "syscall names unknown to libseccomp are ignored, like runc" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["no_such_syscall_xyz", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	args payload exit 0
	run hy_run "$ID"
	assert_eq "$status" 0
}

@test "the filter shows in /proc/self/status and covers exec'd processes" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30}]}'
	args payload sleep 60
	hy_detach "$ID"
	run hy exec "$ID" payload status Seccomp
	assert_eq "$output" 2
	run hy exec "$ID" sh -c 'mkdir /tmp/y'
	assert_contains "$output" "Read-only file system"
	hy delete --force "$ID"
}

@test "SECCOMP_FILTER_FLAG_LOG and SPEC_ALLOW flags are accepted" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"], "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_LOG"}]}'
	args payload exit 0
	run hy_run "$ID"
	assert_eq "$status" 0
}

@test "SCMP_ACT_NOTIFY without a listenerPath is refused naming it" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" listenerPath
}

@test "SCMP_ACT_NOTIFY: the listener gets the fd and the state, and answers the call" {
	local sock=$BATS_TEST_TMPDIR/listener.sock
	"$BUILD_DIR/tests/integration/helpers/seccomp-listener" "$sock" --timeout 20 >"$BATS_TEST_TMPDIR/listener.out" 2>&1 &
	local lpid=$!
	wait_for "the listener listens" test -S "$sock"
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"$sock\", \"listenerMetadata\": \"meta-42\", \"syscalls\": [{\"names\": [\"mkdir\", \"mkdirat\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}"
	args sh -c 'mkdir /tmp/notified; echo rc=$?'
	run hy_run "$ID"
	kill "$lpid" 2>/dev/null || true
	assert_contains "$output" "Invalid cross-device link"
	local state
	state=$(head -1 "$BATS_TEST_TMPDIR/listener.out")
	jq -e '.fds == ["seccompFd"] and .metadata == "meta-42" and .state.id == "'"$ID"'"' <<<"$state"
	grep -q "answered syscall" "$BATS_TEST_TMPDIR/listener.out"
}

# op_case OP VALUE [VALUE_TWO] BLOCKED ALLOWED: umask(BLOCKED) fails with
# EPERM under the rule, umask(ALLOWED) does not.
op_case() {
	local op=$1 v=$2 v2=$3 blocked=$4 allowed=$5 arg
	arg=$(jq -nc --arg op "$op" --argjson v "$v" --argjson v2 "$v2" \
		'{index: 0, value: $v, op: $op} + (if $v2 > 0 then {valueTwo: $v2} else {} end)')
	seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"umask\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"args\": [$arg]}]}"
	args payload umask-raw "$blocked" "$allowed"
	run hy_run "$ID"
	[ "$status" -eq 0 ] || { echo "$op: run failed: $output" >&2; return 1; }
	assert_contains "$output" "$blocked:errno=EPERM"
	assert_contains "$output" "$allowed:ok"
	hy delete -f "$ID" >/dev/null 2>&1 || true
}

@test "argument conditions: every operator blocks exactly the calls it matches" {
	op_case SCMP_CMP_NE 63 0 62 63
	op_case SCMP_CMP_LT 10 0 5 10
	op_case SCMP_CMP_LE 10 0 10 11
	op_case SCMP_CMP_EQ 63 0 63 62
	op_case SCMP_CMP_GE 10 0 10 9
	op_case SCMP_CMP_GT 10 0 11 10
	# (arg & 070) == 020
	op_case SCMP_CMP_MASKED_EQ 56 16 23 7
}

@test "SCMP_ACT_LOG allows the call, SCMP_ACT_TRACE without a tracer fails it with ENOSYS" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["umask"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_EQ"}]}, {"names": ["umask"], "action": "SCMP_ACT_TRACE", "args": [{"index": 0, "value": 6, "op": "SCMP_CMP_EQ"}]}]}'
	args payload umask-raw 5 6
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_contains "$output" "5:ok"
	# the kernel answers ENOSYS when no tracer is attached: not EPERM
	assert_contains "$output" "6:errno=other"
}

@test "SCMP_ACT_KILL_THREAD (and SCMP_ACT_KILL) kill the calling thread with SIGSYS" {
	local a
	for a in SCMP_ACT_KILL_THREAD SCMP_ACT_KILL; do
		seccomp "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"getcwd\"], \"action\": \"$a\"}]}"
		cfg '.linux.namespaces |= map(select(.type != "pid"))'
		args payload cwd
		run hy_run "$ID"
		[ "$status" -eq 159 ] || { echo "$a: exit $status" >&2; return 1; }
		hy delete -f "$ID" >/dev/null 2>&1 || true
	done
}

@test "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without a NOTIFY rule is refused naming the flag" {
	seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"], "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	args payload exit 0
	run hy_run "$ID"
	# runc's 1, from create: with noNewPrivileges the filter loads after
	# start, but it is built (and refused) before the container exists
	[ "$status" -eq 1 ]
	assert_contains "$output" "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY"
	assert_eq "$(jq .process.noNewPrivileges "$BUNDLE/config.json")" true
	run hy create "$ID" </dev/null
	[ "$status" -eq 1 ]
	assert_contains "$output" "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY"
	assert_eq "$(ls "$ROOT")" ""
}

#!/usr/bin/env bats
# hyrun run: foreground output and exit codes, --detach, --pid-file.
load helpers

@test "run prints the process output and exits with its code" {
	args sh -c 'echo out; echo err >&2; exit 7'
	run hy_run "$ID"
	assert_eq "$status" 7
	assert_contains "$output" out
	assert_contains "$output" err
	# the container is gone after a foreground run
	run hy state "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
}

@test "run of a process killed by a signal exits 128+N" {
	# not pid 1 (which ignores signals it has no handler for): sh's child
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args payload kill 9
	run hy_run "$ID"
	assert_eq "$status" 137
	args payload kill 15
	run hy_run "$ID-b"
	assert_eq "$status" 143
}

@test "run exits 137 when the container is killed from outside" {
	args payload sleep 30
	hy_run "$ID" >"$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$! rc=0
	wait_status "$ID" running
	hy kill "$ID" KILL
	wait "$pid" || rc=$?
	assert_eq "$rc" 137
}

@test "run forwards SIGTERM to the container process" {
	args payload sleep 30 --ready
	# $! must be hyrun itself, not a subshell around it
	(cd "$BUNDLE" && exec "$HYRUN" --root "$ROOT" run "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1) &
	local pid=$! rc=0
	wait_file_contains "$BATS_TEST_TMPDIR/out" ready
	kill -TERM "$pid"
	wait "$pid" || rc=$?
	assert_eq "$rc" 143
	assert_eq "$(cat "$BATS_TEST_TMPDIR/out")" "ready
SIGTERM"
}

@test "run passes stdin to the process" {
	args sh -c 'read line; echo "got $line"'
	run sh -c "echo hello | (cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run '$ID')"
	assert_eq "$status" 0
	assert_eq "$output" "got hello"
}

@test "run --detach leaves the container running and writes the pid file" {
	args payload sleep 30
	hy_detach --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	assert_eq "$(hy state "$ID" | jq -r .status)" running
	assert_eq "$(hy state "$ID" | jq -r .pid)" "$pid"
	assert_eq "$(tr '\0' ' ' </proc/$pid/cmdline)" "payload sleep 30 "
	hy kill "$ID" KILL
	wait_status "$ID" stopped
	hy delete "$ID"
}

@test "run --bundle uses the given bundle from another directory" {
	args sh -c 'echo bundled'
	run sh -c "cd / && '$HYRUN' --root '$ROOT' run --bundle '$BUNDLE' '$ID' </dev/null"
	assert_eq "$status" 0
	assert_eq "$output" bundled
}

@test "run --preserve-fds passes extra fds to the process" {
	args payload fds
	run sh -c "cd '$BUNDLE' && exec 3</etc/hostname 4>/dev/null && '$HYRUN' --root '$ROOT' run --preserve-fds 1 '$ID' </dev/null"
	assert_eq "$status" 0
	assert_contains "$output" "3 /etc/hostname"
	[[ "$output" != *"4 "* ]]
}

@test "run of a missing executable fails with its name" {
	args /bin/does-not-exist
	run hy_run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "does-not-exist"
}

@test "run with the same id twice fails while the first exists" {
	args payload sleep 30
	hy_detach "$ID"
	run hy run -d "$ID" </dev/null
	[ "$status" -ne 0 ]
	assert_contains "$output" "$ID"
	hy delete --force "$ID"
}

@test "socket activation: LISTEN_FDS fds and env reach the process (runc's behaviour)" {
	args sh -c 'echo "$LISTEN_FDS $LISTEN_PID"; payload fds'
	run sh -c "cd '$BUNDLE' && exec 3</etc/hostname && LISTEN_FDS=1 LISTEN_PID=\$\$ exec '$HYRUN' --root '$ROOT' run '$ID' </dev/null"
	assert_eq "$status" 0
	assert_eq "${lines[0]}" "1 1"
	assert_contains "$output" "3 /etc/hostname"
	# a LISTEN_PID that is not hyrun's is ignored
	run sh -c "cd '$BUNDLE' && exec 3</etc/hostname && LISTEN_FDS=1 LISTEN_PID=1 exec '$HYRUN' --root '$ROOT' run '$ID-b' </dev/null"
	assert_eq "${lines[0]}" " "
}

# podman and conmon turn these runc messages into exit codes 127 and 126:
# hyrun's say the same words (runc's are Go's, in lower case).
@test "run: a missing or non-executable process binary fails with runc's wording" {
	command -v runc >/dev/null || skip "runc not installed (apt-get install runc)"
	local a rt want
	for a in /nonexistent nosuchcmd /etc/passwd; do
		args "$a"
		for rt in "$HYRUN" runc; do
			run sh -c "cd '$BUNDLE' && '$rt' --root '$BATS_TEST_TMPDIR/root-$(basename "$rt")' run '$ID' </dev/null"
			echo "$rt $a: $status $output"
			[ "$status" -ne 0 ]
			"$rt" --root "$BATS_TEST_TMPDIR/root-$(basename "$rt")" delete -f "$ID" 2>/dev/null || true
			case $a in
			/nonexistent) want='exec: "/nonexistent": stat /nonexistent: no such file or directory' ;;
			nosuchcmd) want='exec: "nosuchcmd": executable file not found in $PATH' ;;
			*) want='exec: "/etc/passwd": permission denied' ;;
			esac
			# runc's log line escapes the quotes
			assert_contains "$(printf '%s' "$output" | sed 's/\\"/"/g')" "$want"
		done
	done
}

# runc 1.2's run --keep: the container stays, stopped, until delete.
@test "run --keep keeps the container, stopped, until delete; --keep with --detach is refused" {
	args payload exit 3
	run sh -c "cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run --keep '$ID' </dev/null"
	assert_eq "$status" 3
	assert_eq "$(hy state "$ID" | jq -r .status)" stopped
	hy delete "$ID"
	run hy state "$ID"
	[ "$status" -ne 0 ]
	run sh -c "cd '$BUNDLE' && '$HYRUN' --root '$ROOT' run --keep -d '$ID' </dev/null"
	[ "$status" -ne 0 ]
	assert_contains "$output" "--keep and --detach cannot be used together"
}

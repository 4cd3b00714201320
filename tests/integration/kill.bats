#!/usr/bin/env bats
# hyrun kill [--all] ID [SIGNAL]
load helpers

@test "kill with no signal sends SIGTERM" {
	args payload sleep 30 --ready
	hy_detach "$ID"
	wait_file_contains "$BATS_TEST_TMPDIR/detach.log" ready
	hy kill "$ID"
	wait_status "$ID" stopped
	wait_file_contains "$BATS_TEST_TMPDIR/detach.log" SIGTERM
	hy delete "$ID"
}

@test "kill takes names with and without SIG and numbers" {
	local sig
	for sig in KILL SIGKILL 9; do
		args payload sleep 30
		hy_detach "$ID"
		hy kill "$ID" "$sig"
		wait_status "$ID" stopped
		hy delete "$ID"
	done
}

@test "kill refuses an unknown signal and leaves the container running" {
	args payload sleep 30
	hy_detach "$ID"
	run hy kill "$ID" SIGNOPE
	[ "$status" -ne 0 ]
	assert_contains "$output" SIGNOPE
	assert_eq "$(hy state "$ID" | jq -r .status)" running
	hy delete --force "$ID"
}

@test "kill --all signals every process of the container" {
	# without a pid namespace killing the init does not take the others
	cfg '.linux.namespaces |= map(select(.type != "pid"))'
	args sh -c 'payload sleep 60 & payload sleep 60 & wait'
	hy_detach "$ID"
	local pid kids
	pid=$(hy state "$ID" | jq -r .pid)
	# both children exist before the kill (their ppid is the init)
	wait_for "both children of $pid run payload" children_running "$pid" 2
	kids=$(children_of "$pid")
	hy kill --all "$ID" KILL
	wait_status "$ID" stopped
	# this container's processes, not every "payload sleep 60" on the host
	wait_for "the children ($kids) are gone" none_alive $kids
	hy delete "$ID"
}

@test "kill of a created container delivers the signal to the init" {
	hy_create "$ID"
	hy kill "$ID" KILL
	wait_status "$ID" stopped
	hy delete "$ID"
}

@test "kill of a stopped container fails like runc" {
	args payload exit 0
	hy_detach "$ID"
	wait_status "$ID" stopped
	run hy kill "$ID" KILL
	[ "$status" -ne 0 ]
	assert_contains "$output" "not running"
	hy delete "$ID"
}

#!/usr/bin/env bats
# hyrun events [--stats] [--interval]: runc's JSON.
load helpers

setup() {
	setup_running '{"memory": {"limit": 33554432}, "pids": {"limit": 100}}'
}

@test "events --stats prints one stats event with memory, cpu and pids" {
	run hy events --stats "$ID"
	assert_eq "$status" 0
	assert_eq "${#lines[@]}" 1
	jq -e '.type == "stats" and .id == "'"$ID"'"' <<<"$output"
	jq -e '.data.memory.usage.limit == 33554432 and .data.memory.usage.usage > 0' <<<"$output"
	jq -e '.data.pids.current == 1 and .data.pids.limit == 100' <<<"$output"
	jq -e '.data.cpu.usage.total > 0' <<<"$output"
}

@test "events streams stats every interval and reports an OOM kill" {
	hy events --interval 200ms "$ID" >"$BATS_TEST_TMPDIR/events" 2>&1 &
	local ev=$!
	wait_for "a first stats event" grep -q '"type":"stats"' "$BATS_TEST_TMPDIR/events"
	# a process that outgrows the 32 MiB limit
	run hy exec "$ID" sh -c 'x=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa; while :; do x=$x$x; done'
	wait_for "the OOM event" grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events"
	wait_for "a second stats event" stats_events_at_least 2
	hy kill "$ID" KILL
	wait "$ev" || true
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/events")" -ge 2 ]
	grep -q '"type":"oom"' "$BATS_TEST_TMPDIR/events"
	hy delete "$ID"
}

stats_events_at_least() {
	[ "$(grep -c '"type":"stats"' "$BATS_TEST_TMPDIR/events")" -ge "$1" ]
}

@test "events on a stopped or unknown container fails" {
	run hy events --stats nosuch
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
	run hy events --interval soon "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "--interval"
}

#!/usr/bin/env bats
# create / start / state / delete, the way containerd drives them.
load helpers

@test "create, start, state and delete walk created -> running -> stopped" {
	args payload sleep 2
	hy_create --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	run hy state "$ID"
	assert_eq "$status" 0
	assert_eq "$(jq -r .status <<<"$output")" created
	assert_eq "$(jq -r .pid <<<"$output")" "$(cat "$BATS_TEST_TMPDIR/pid")"
	assert_eq "$(jq -r .id <<<"$output")" "$ID"
	assert_eq "$(jq -r .bundle <<<"$output")" "$BUNDLE"
	assert_eq "$(jq -r .rootfs <<<"$output")" "$BUNDLE/rootfs"
	# like runc, the bundle's ociVersion
	assert_eq "$(jq -r .ociVersion <<<"$output")" "$(jq -r .ociVersion "$BUNDLE/config.json")"
	# the process has not run yet
	assert_contains "$(tr '\0' ' ' </proc/$(cat "$BATS_TEST_TMPDIR/pid")/cmdline)" create
	hy start "$ID"
	assert_eq "$(hy state "$ID" | jq -r .status)" running
	wait_status "$ID" stopped
	hy delete "$ID"
	run hy state "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
}

@test "state has runc's fields and annotations" {
	cfg '.annotations = {"org.example.k": "v"}'
	hy_create "$ID"
	run hy state "$ID"
	assert_eq "$(jq -c 'keys' <<<"$output")" \
		'["annotations","bundle","created","id","ociVersion","owner","pid","rootfs","status"]'
	assert_eq "$(jq -r '.annotations["org.example.k"]' <<<"$output")" v
	# created is RFC 3339 with nanoseconds, like runc's
	[[ "$(jq -r .created <<<"$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]+Z$ ]]
	hy delete --force "$ID"
}

@test "start of a running or stopped container fails" {
	args payload exit 0
	hy_create "$ID"
	hy start "$ID"
	wait_status "$ID" stopped
	run hy start "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "stopped"
	hy delete "$ID"
}

@test "commands on an unknown id fail with 'does not exist'" {
	local c
	for c in start state delete "kill" pause resume ps; do
		run hy $c nosuch
		[ "$status" -ne 0 ] || { echo "$c succeeded" >&2; return 1; }
		assert_contains "$output" "does not exist"
	done
}

@test "invalid container ids are refused" {
	local id
	for id in ../x "a/b" "" ".." "a b" "$(printf 'a%.0s' $(seq 1100))"; do
		run hy_create -- "$id"
		[ "$status" -ne 0 ] || { echo "id '$id' accepted" >&2; return 1; }
	done
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

@test "create --console-socket hands the pty master to the receiver" {
	cfg '.process.terminal = true'
	args sh -c 'tty; echo in-tty'
	local recv=$BUILD_DIR/tests/integration/helpers/console-receiver
	[ -x "$recv" ] || { echo "console-receiver not built" >&2; return 1; }
	"$recv" "$BATS_TEST_TMPDIR/console.sock" --timeout 10 >"$BATS_TEST_TMPDIR/console.out" 2>&1 &
	local rpid=$!
	wait_for "the console receiver listens" test -S "$BATS_TEST_TMPDIR/console.sock"
	hy_create --console-socket "$BATS_TEST_TMPDIR/console.sock" "$ID"
	hy start "$ID"
	wait_status "$ID" stopped
	wait "$rpid" || true
	run cat "$BATS_TEST_TMPDIR/console.out"
	assert_contains "$output" /dev/pts/
	assert_contains "$output" in-tty
	hy delete "$ID"
}

@test "concurrent commands on one container do not corrupt its state" {
	args payload sleep 30
	hy_detach "$ID"
	local i pids=()
	for i in $(seq 20); do
		hy state "$ID" >"$BATS_TEST_TMPDIR/s$i" &
		pids+=($!)
	done
	hy pause "$ID" >/dev/null 2>&1 &
	pids+=($!)
	hy resume "$ID" >/dev/null 2>&1 &
	pids+=($!)
	for i in "${pids[@]}"; do wait "$i" || true; done
	for i in $(seq 20); do jq -e .id "$BATS_TEST_TMPDIR/s$i" >/dev/null; done
	jq -e .id "$ROOT/$ID/state.json" >/dev/null
	local st
	st=$(hy state "$ID" | jq -r .status)
	[ "$st" = running ] || [ "$st" = paused ]
	hy delete --force "$ID"
}

# kill, pause, resume, start and exec of a stopped container: runc's
# messages and exit statuses, the same case run under runc in this test.
@test "a stopped container refuses kill, pause, resume, start and exec as runc does" {
	command -v runc >/dev/null || skip "runc not installed (apt-get install runc)"
	local rt out c
	args payload exit 0
	for rt in "$HYRUN" runc; do
		out=$BATS_TEST_TMPDIR/$(basename "$rt").out
		: >"$out"
		(cd "$BUNDLE" && "$rt" --root "$BATS_TEST_TMPDIR/root-$(basename "$rt")" run -d "$ID" </dev/null)
		# run -d returns before the process has exited
		wait_for "$rt: the process stopped" sh -c "'$rt' --root '$BATS_TEST_TMPDIR/root-$(basename "$rt")' state '$ID' | grep -q '\"stopped\"'"
		for c in "kill $ID KILL" "pause $ID" "resume $ID" "start $ID" "exec $ID true"; do
			run "$rt" --root "$BATS_TEST_TMPDIR/root-$(basename "$rt")" $c
			# the message without runc's time="..." level=error msg="..." frame
			echo "$c: $status $(echo "$output" | sed -n 's/.*msg="\(.*\)"$/\1/p; s/^hyrun: //p')" >>"$out"
		done
		"$rt" --root "$BATS_TEST_TMPDIR/root-$(basename "$rt")" delete "$ID"
	done
	cat "$BATS_TEST_TMPDIR/hyrun.out"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/hyrun.out")" "$(cat "$BATS_TEST_TMPDIR/runc.out")"
}

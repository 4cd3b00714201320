#!/usr/bin/env bats
# Rootless: hyrun run by an unprivileged user created for the test, with
# `hyrun spec --rootless` (one mapping of the user's own ids, written
# directly) and with several mappings (through newuidmap/newgidmap and
# /etc/subuid, /etc/subgid).  No cgroup: none is delegated to the user.
load helpers

USER_NAME=hyrun-rootless

setup_file() {
	id "$USER_NAME" >/dev/null 2>&1 || useradd --no-create-home --shell /bin/sh "$USER_NAME"
	grep -q "^$USER_NAME:" /etc/subuid || echo "$USER_NAME:300000:65536" >>/etc/subuid
	grep -q "^$USER_NAME:" /etc/subgid || echo "$USER_NAME:300000:65536" >>/etc/subgid
	make_template
	# The user may not reach the build tree (a mktemp -d clone is 0700):
	# it runs its own copy of the binary under test.
	cp "$HYRUN" "$BATS_FILE_TMPDIR/hyrun"
	chmod 755 "$BATS_FILE_TMPDIR/hyrun"
	open_path_to "$BATS_FILE_TMPDIR/hyrun"
	export USER_HYRUN=$BATS_FILE_TMPDIR/hyrun
}

setup() {
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	ROOT=$BUNDLE/state
	cp -a "$BATS_FILE_TMPDIR/template" "$BUNDLE"
	rm "$BUNDLE/config.json"
	chown -R "$USER_NAME" "$BUNDLE"
	open_path_to "$BUNDLE"
	as_user "$USER_HYRUN" spec --rootless
	cfg '.process.terminal = false'
	ID=rl$$-$BATS_TEST_NUMBER
}

teardown() {
	as_user "$USER_HYRUN" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1 || true
	[ -z "$(ls -A "$ROOT" 2>/dev/null)" ]
}

# as_user CMD...: run CMD as the test user in the bundle.
as_user() {
	local q
	q=$(printf '%q ' "$@")
	su -s /bin/sh "$USER_NAME" -c "cd '$BUNDLE' && $q" </dev/null
}

@test "rootless: spec --rootless maps the user's own uid and gid" {
	jq -e --arg u "$(id -u "$USER_NAME")" '.linux.uidMappings == [{"containerID": 0, "hostID": ($u | tonumber), "size": 1}]' "$BUNDLE/config.json"
	jq -e '[.linux.namespaces[].type] | index("user") != null and index("network") == null' "$BUNDLE/config.json"
}

@test "rootless: run as an unprivileged user, root inside, the user outside" {
	args sh -c 'payload id; cat /proc/self/uid_map; payload hostname'
	run as_user "$USER_HYRUN" --root "$ROOT" run "$ID"
	assert_eq "$status" 0
	# setgroups is denied: the group list stays as the kernel left it
	assert_contains "${lines[0]}" "uid=0 gid=0"
	[[ "${lines[1]}" =~ ^\ +0\ +$(id -u "$USER_NAME")\ +1$ ]]
}

@test "rootless: detached, state and kill work and the process runs as the user" {
	args payload sleep 60
	as_user "$USER_HYRUN" --root "$ROOT" run -d "$ID" >/dev/null 2>&1
	local pid
	pid=$(as_user "$USER_HYRUN" --root "$ROOT" state "$ID" | jq -r .pid)
	assert_eq "$(awk '/^Uid/ {print $2}' /proc/$pid/status)" "$(id -u "$USER_NAME")"
	as_user "$USER_HYRUN" --root "$ROOT" kill "$ID" KILL
	wait_for "the container's process $pid is gone" none_alive "$pid"
	as_user "$USER_HYRUN" --root "$ROOT" delete "$ID"
}

@test "rootless: several mappings go through newuidmap and newgidmap" {
	command -v newuidmap >/dev/null || skip "newuidmap not installed (apt-get install uidmap)"
	local u su sg
	u=$(id -u "$USER_NAME")
	# the user's ranges (useradd may have allotted them already)
	su=$(awk -F: -v n="$USER_NAME" '$1 == n {print $2; exit}' /etc/subuid)
	sg=$(awk -F: -v n="$USER_NAME" '$1 == n {print $2; exit}' /etc/subgid)
	cfg --argjson u "$u" --argjson su "$su" --argjson sg "$sg" '.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $su, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $sg, "size": 65536}]'
	args sh -c 'cat /proc/self/uid_map /proc/self/gid_map | wc -l'
	run as_user "$USER_HYRUN" --root "$ROOT" run "$ID"
	assert_eq "$status" 0
	assert_eq "$output" 4
}

@test "rootless: resources without a delegated cgroup are an error" {
	cfg '.linux.resources = {"pids": {"limit": 10}}'
	run as_user "$USER_HYRUN" --root "$ROOT" run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" cgroup
}

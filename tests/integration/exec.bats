#!/usr/bin/env bats
# hyrun exec: a new process in a running container (runc's flags).
load helpers

setup() {
	setup_running
}

@test "exec runs in the container's namespaces and cgroup, exit code returned" {
	run hy exec "$ID" sh -c 'echo $$; grep :memory: /proc/self/cgroup || grep ^0:: /proc/self/cgroup; readlink /proc/1/exe; exit 5'
	assert_eq "$status" 5
	[ "${lines[0]}" -gt 1 ]
	if jq -e '.linux.namespaces | any(.type == "cgroup")' "$BUNDLE/config.json" >/dev/null; then
		# its cgroup namespace (runc's spec has one on v2): its cgroup is /
		assert_eq "${lines[1]}" "0::/"
	else
		assert_contains "${lines[1]}" "/hyrun-test/$ID"
	fi
	assert_eq "${lines[2]}" /bin/payload
}

@test "exec --user, --env, --cwd, --additional-gids" {
	run hy exec --user 1000:1001 -g 7 --env FOO=bar --cwd /tmp "$ID" sh -c 'payload id; echo $FOO; pwd'
	assert_eq "$output" "uid=1000 gid=1001 groups=7
bar
/tmp"
}

@test "exec --process with --detach and --pid-file, as containerd calls it" {
	local pid
	# the rootfs is read-only: the process writes its marker to the
	# container's /dev/shm (a tmpfs), read here through the init's /proc root
	echo '{"args": ["payload", "write", "/dev/shm/exec-marker", "from the process file"], "cwd": "/", "user": {"uid": 0, "gid": 0}, "env": ["PATH=/bin"]}' >"$BATS_TEST_TMPDIR/process.json"
	hy exec --process "$BATS_TEST_TMPDIR/process.json" --detach --pid-file "$BATS_TEST_TMPDIR/epid" "$ID" </dev/null
	[ -s "$BATS_TEST_TMPDIR/epid" ]
	pid=$(hy state "$ID" | jq -r .pid)
	wait_file_contains "/proc/$pid/root/dev/shm/exec-marker" "from the process file"
}

@test "exec keeps the container's seccomp filter and capabilities" {
	local pid
	pid=$(hy state "$ID" | jq -r .pid)
	run hy exec "$ID" payload status CapEff
	assert_eq "$output" "$(awk '/^CapEff/ {print $2}' /proc/$pid/status)"
	# the bundle's set (CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE)...
	assert_eq "$output" 0000000020000420
	# ...and exactly CAP_SYS_ADMIN (bit 21) more
	run hy exec --cap CAP_SYS_ADMIN "$ID" payload status CapEff
	assert_eq "$output" 0000000020200420
}

@test "exec --no-new-privs" {
	run hy exec --no-new-privs "$ID" payload status NoNewPrivs
	assert_eq "$output" 1
}

@test "exec into a stopped, a paused or an unknown container fails" {
	run hy exec nosuch true
	[ "$status" -ne 0 ]
	assert_contains "$output" "does not exist"
	hy pause "$ID"
	run hy exec "$ID" true
	[ "$status" -ne 0 ]
	assert_contains "$output" paused
	hy resume "$ID"
	hy kill "$ID" KILL
	wait_status "$ID" stopped
	run hy exec "$ID" true
	[ "$status" -ne 0 ]
	assert_contains "$output" stopped
}

@test "exec of a missing program names it" {
	run hy exec "$ID" /no/such/prog
	[ "$status" -ne 0 ]
	assert_contains "$output" /no/such/prog
}

@test "exec'd processes hold no runtime fd" {
	run hy exec "$ID" payload fds
	assert_eq "$status" 0
	assert_eq "$output" ""
}

# Issue: the exec path loaded seccomp after the uid switch ("seccomp: load
# the filter: Operation canceled"); init, exec and the guest agent now share
# one finalize sequence (libcontainer/finalize.c).  runc prints the same.
@test "exec --user 1000 with a seccomp profile and without noNewPrivileges runs, filter applied, as runc" {
	local rt root out=
	cfg '.process.noNewPrivileges = false | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
	args payload sleep 30
	for rt in "$HYRUN" runc; do
		command -v "$rt" >/dev/null || continue
		root=$BATS_TEST_TMPDIR/root-$(basename "$rt")
		(cd "$BUNDLE" && "$rt" --root "$root" run -d "$ID" </dev/null)
		run "$rt" --root "$root" exec --user 1000:1000 "$ID" sh -c 'payload id; mkdir /tmp/d 2>&1 || echo denied'
		echo "$rt: $status: $output"
		assert_eq "$status" 0
		assert_contains "$output" "uid=1000"
		assert_contains "$output" denied
		[ -z "$out" ] || assert_eq "$output" "$out"
		out=$output
		"$rt" --root "$root" delete --force "$ID"
	done
}

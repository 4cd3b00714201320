#!/usr/bin/env bats
# hyrun spec, hyrun features
load helpers

@test "spec writes a config that hyrun runs" {
	rm "$BUNDLE/config.json"
	hy spec
	jq -e '.process.args == ["sh"] and .root.path == "rootfs"' "$BUNDLE/config.json"
	# runc's spec adds a cgroup namespace on a pure cgroup v2 host
	local want='["ipc","mount","network","pid","uts"]'
	[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || want='["cgroup","ipc","mount","network","pid","uts"]'
	jq -e --argjson w "$want" '[.linux.namespaces[].type] | sort == $w' "$BUNDLE/config.json"
	cfg '.process.terminal = false'
	args sh -c 'echo from-default-spec'
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "$output" from-default-spec
}

@test "spec refuses to overwrite config.json" {
	run hy spec
	[ "$status" -ne 0 ]
	assert_contains "$output" config.json
}

@test "spec --rootless maps the user and drops network and cgroups" {
	rm "$BUNDLE/config.json"
	hy spec --rootless
	local want='["ipc","mount","pid","user","uts"]'
	[ "$(stat -fc %T /sys/fs/cgroup)" != cgroup2fs ] || want='["cgroup","ipc","mount","pid","user","uts"]'
	jq -e --argjson w "$want" '[.linux.namespaces[].type] | sort == $w' "$BUNDLE/config.json"
	jq -e '.linux.uidMappings[0].size == 1 and .linux.resources == null' "$BUNDLE/config.json"
}

@test "spec --bundle writes into another directory" {
	mkdir "$BATS_TEST_TMPDIR/other"
	"$HYRUN" spec --bundle "$BATS_TEST_TMPDIR/other"
	jq -e .ociVersion "$BATS_TEST_TMPDIR/other/config.json"
}

@test "features lists what this build and host support" {
	run "$HYRUN" features
	assert_eq "$status" 0
	jq -e '.ociVersionMax == "1.2.0"' <<<"$output"
	jq -e '.linux.namespaces | index("time") != null and index("user") != null' <<<"$output"
	jq -e '.linux.capabilities | index("CAP_SYS_ADMIN") != null' <<<"$output"
	jq -e '.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null' <<<"$output"
	jq -e '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' <<<"$output"
	jq -e '.linux.cgroup.v1 == true and .linux.cgroup.v2 == true and .linux.cgroup.systemd == true' <<<"$output"
	jq -e '.mountOptions | index("rbind") != null' <<<"$output"
	jq -e '.annotations["io.hyrun.isolation"] != null' <<<"$output"
}

@test "--version prints the version and the spec version" {
	run "$HYRUN" --version
	assert_eq "$status" 0
	assert_contains "$output" "hyrun version"
	assert_contains "$output" "spec: 1.2.0"
}

@test "every command has --help" {
	local c
	for c in create start run state kill delete list ps pause resume spec features exec update events; do
		run "$HYRUN" $c --help
		assert_eq "$status" 0
		assert_contains "$output" "$c"
	done
}

@test "--systemd-cgroup without systemd as PID 1: a clear error naming the bus, nothing left" {
	# the driver itself runs in tests/vm/systemd-in-l1.sh (systemd as PID 1)
	[ ! -d /run/systemd/system ] || skip "systemd is PID 1 here"
	run hy --systemd-cgroup run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "hyrun-$ID.scope"
	assert_contains "$output" "system bus"
	run hy state "$ID"
	[ "$status" -ne 0 ]
}

@test "--systemd-cgroup: a cgroupsPath that is not slice:prefix:name is refused, as runc" {
	cfg '.linux.cgroupsPath = "/hyrun-test/x"'
	run hy --systemd-cgroup run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" 'expected "slice:prefix:name" for systemd cgroups'
	cfg '.linux.cgroupsPath = "bad-name:p:x"'
	run hy --systemd-cgroup run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" 'invalid systemd slice name "bad-name"'
}

@test "--log-format json writes JSON lines with level, msg and time" {
	args payload exit 0
	cfg '.process.args = ["/nonexistent"]'
	run hy --log "$BATS_TEST_TMPDIR/log.json" --log-format json run "$ID"
	[ "$status" -ne 0 ]
	jq -e 'select(.level == "error") | .msg and .time' "$BATS_TEST_TMPDIR/log.json"
}

@test "spec: the default config is one runc 1.1 and crun 1.8 accept (ociVersion 1.0.2-dev, runc's)" {
	local d=$BATS_TEST_TMPDIR/s
	mkdir -p "$d"
	"$HYRUN" spec --bundle "$d"
	assert_eq "$(jq -r .ociVersion "$d/config.json")" 1.0.2-dev
}

@test "--log with the text format writes runc's logrus lines (time=\"...\" level=... msg=\"...\")" {
	local log=$BATS_TEST_TMPDIR/log.txt
	run "$HYRUN" --root "$ROOT" --log "$log" state nosuch
	[ "$status" -ne 0 ]
	grep -qE '^time="[0-9T:-]+Z" level=error msg="container \\"nosuch\\" does not exist"$' "$log" ||
		{ cat "$log"; false; }
}

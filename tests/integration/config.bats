#!/usr/bin/env bats
# Malformed config.json: one line naming the JSON path, non-zero exit,
# nothing left behind (teardown checks the residue).
load helpers

@test "invalid JSON names the line and column" {
	printf '{"ociVersion": "1.2.0",\n "process": {' >"$BUNDLE/config.json"
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "config.json: invalid JSON at line 2"
}

@test "a missing config.json or rootfs names the path" {
	mv "$BUNDLE/config.json" "$BUNDLE/config.old"
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" config.json
	mv "$BUNDLE/config.old" "$BUNDLE/config.json"
	cfg '.root.path = "nosuchroot"'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" nosuchroot
	[ ! -e "$ROOT/$ID" ]
}

@test "wrong types name the JSON path" {
	bad_config '.process.args = "sh"' "process.args"
	bad_config '.process.user.uid = "root"' "process.user.uid"
	bad_config '.linux.namespaces[0].type = 7' "linux.namespaces[0].type"
	bad_config '.mounts[1].options = "ro"' "mounts[1].options"
	bad_config '.process.rlimits = [{"type": "RLIMIT_NOFILE", "soft": -1, "hard": 1}]' "process.rlimits[0].soft"
}

@test "missing required fields name the JSON path" {
	bad_config 'del(.ociVersion)' "ociVersion"
	bad_config 'del(.process.cwd)' "process.cwd"
	bad_config 'del(.mounts[0].destination)' "mounts[0].destination"
	bad_config '.process.args = []' "process.args"
}

@test "bad values name the JSON path" {
	# the template's namespaces are runc spec's: one more on pure cgroup v2
	bad_config '.linux.namespaces += [{"type": "bogus"}]' "linux.namespaces[$(jq '.linux.namespaces | length' "$BUNDLE/config.json")].type"
	bad_config '.process.cwd = "relative"' "process.cwd"
	bad_config '.mounts[0].options += ["nosuchopt"]' "mounts[0]"
	bad_config '.mounts[0].destination = "relative/dest"' "mounts[0].destination"
	bad_config '.process.rlimits = [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]' "process.rlimits[0].type"
	bad_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOPE"}' "linux.seccomp.defaultAction"
	bad_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_BOGUS"}]}]}' "linux.seccomp.syscalls[0].args[0].op"
	bad_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_BOGUS"]}' "linux.seccomp.architectures[0]"
	bad_config '.linux.namespaces += [{"type": "pid"}]' "linux.namespaces"
}

@test "a namespace path that does not exist is named" {
	cfg '.linux.namespaces |= map(if .type == "network" then .path = "/nonexistent/netns" else . end)'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" /nonexistent/netns
}

@test "unknown fields are ignored, as the spec requires" {
	cfg '.process.bogusField = 1 | .extra = {"a": [1, 2]} | .linux.notAField = "x"'
	args payload exit 0
	run hy_run "$ID"
	assert_eq "$status" 0
}

@test "a config without process can be created but not started" {
	cfg 'del(.process)'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" process
}

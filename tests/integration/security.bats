#!/usr/bin/env bats
# Regressions for runc's CVE history: the bundle is untrusted.
load helpers

@test "CVE-2019-5736: the runtime binary cannot be reached from the container's init" {
	local before
	before=$(sha256sum <"$HYRUN")
	hy_create --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
	local pid
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	# the init runs a sealed memfd copy, not the file on disk
	assert_contains "$(readlink /proc/$pid/exe)" memfd:
	run sh -c "echo overwritten >/proc/$pid/exe"
	[ "$status" -ne 0 ]
	run sh -c "echo overwritten >>/proc/$pid/exe"
	[ "$status" -ne 0 ]
	hy delete --force "$ID"
	assert_eq "$(sha256sum <"$HYRUN")" "$before"
}

@test "CVE-2019-5736: a container that execs /proc/self/exe gets the sealed copy" {
	local before
	before=$(sha256sum <"$HYRUN")
	# args[0] resolved at exec time is the init's own exe
	args /proc/self/exe --version
	hy_run "$ID" >/dev/null 2>&1 || true
	# whatever ran, it was not the host file opened for writing
	args sh -c 'for p in /proc/[0-9]*; do { echo x >"$p/exe"; } 2>/dev/null && echo WROTE; done; echo done'
	run hy_run "$ID-b"
	assert_eq "$output" done
	assert_eq "$(sha256sum <"$HYRUN")" "$before"
}

@test "CVE-2024-21626: no leaked fd makes a cwd outside the rootfs" {
	local n
	for n in 3 4 5 6 7 8 9; do
		cfg --arg c "/proc/self/fd/$n" '.process.cwd = $c'
		args payload cwd
		local output status=0
		output=$(hy_run "$ID-$n" 2>&1) || status=$?
		if [ "$status" -eq 0 ]; then
			[[ "$output" != *unreachable* ]] || { echo "fd $n: cwd $output" >&2; return 1; }
			[[ "$output" == /* ]]
		fi
	done
}

@test "CVE-2024-21626: the process holds no fd of the runtime's" {
	args payload fds
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "$output" ""
}

@test "CVE-2019-16884: /proc writes refuse a fake procfs mounted over /proc" {
	local fake=$BATS_TEST_TMPDIR/fakeproc
	mkdir -p "$fake/sys/kernel" "$fake/self"
	echo 8192 >"$fake/sys/kernel/msgmax"
	echo 0 >"$fake/self/oom_score_adj"
	cfg --arg f "$fake" '.mounts += [{"destination": "/proc", "type": "bind", "source": $f, "options": ["rbind"]}] | .linux.sysctl = {"kernel.msgmax": "4096"}'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "not on procfs"
	assert_eq "$(cat "$fake/sys/kernel/msgmax")" 8192
	cfg 'del(.linux.sysctl) | .process.oomScoreAdj = 500'
	run hy_create "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "not on procfs"
	assert_eq "$(cat "$fake/self/oom_score_adj")" 0
}

@test "a mount target symlinked out of the rootfs lands inside it" {
	local host=$BATS_TEST_TMPDIR/hostdir
	mkdir -p "$host"
	ln -s "$host" "$BUNDLE/rootfs/evil-abs"
	ln -s ../../../../../../../../../../.."$host" "$BUNDLE/rootfs/evil-rel"
	cfg '.mounts += [{"destination": "/evil-abs", "type": "tmpfs", "source": "tmpfs"}, {"destination": "/evil-rel/sub", "type": "tmpfs", "source": "tmpfs"}]'
	args sh -c 'echo inside >/evil-abs/marker; echo inside >/evil-rel/sub/marker; grep -c tmpfs /proc/self/mountinfo >/dev/null; echo ok'
	run hy_run "$ID"
	assert_eq "$output" ok
	# the host directory got neither a mount nor the files
	[ -z "$(ls -A "$host")" ]
	# the targets were created inside the rootfs
	[ -d "$BUNDLE/rootfs$host" ]
}

@test "a bind source symlinked in the bundle is not followed to a host path at mount time" {
	# /etc/passwd in the rootfs becomes a symlink to the host's /etc/shadow:
	# a bind of a host file onto it must not overwrite the host's file.
	echo decoy >"$BATS_TEST_TMPDIR/decoy"
	rm "$BUNDLE/rootfs/etc/hostname"
	ln -s /etc/hostname "$BUNDLE/rootfs/etc/hostname"
	local before
	before=$(cat /etc/hostname)
	cfg --arg s "$BATS_TEST_TMPDIR/decoy" '.mounts += [{"destination": "/etc/hostname", "type": "bind", "source": $s, "options": ["bind"]}]'
	args cat /etc/hostname
	run hy_run "$ID"
	assert_eq "$(cat /etc/hostname)" "$before"
	! grep -q " /etc/hostname " /proc/self/mountinfo
}

@test "the container cannot see the runtime's state directory or the bundle path" {
	args sh -c "ls '$ROOT' 2>/dev/null && echo SEEN; ls '$BUNDLE' 2>/dev/null && echo SEEN; echo done"
	run hy_run "$ID"
	assert_eq "$output" done
}

# runc refuses proc and sysfs on anything but an ordinary directory (the
# symlinked-/proc attacks); so does hyrun, naming the mount, and leaves
# nothing behind.
@test "security: a rootfs whose /proc is a symlink is refused, as runc" {
	local rt
	rm -rf "$BUNDLE/rootfs/proc"
	ln -s /tmp "$BUNDLE/rootfs/proc"
	args true
	for rt in "$HYRUN" runc; do
		command -v "$rt" >/dev/null || continue
		run sh -c "cd '$BUNDLE' && '$rt' --root '$BATS_TEST_TMPDIR/root-$(basename "$rt")' run '$ID' </dev/null"
		echo "$rt: $status $output"
		[ "$status" -ne 0 ]
		assert_contains "$output" "must be mounted on"
		"$rt" --root "$BATS_TEST_TMPDIR/root-$(basename "$rt")" delete -f "$ID" 2>/dev/null || true
	done
	run hy state "$ID"
	[ "$status" -ne 0 ]
}

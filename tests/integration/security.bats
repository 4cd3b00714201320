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

@test "CVE-2019-19921, CVE-2021-30465, CVE-2023-27561: a mount target symlinked out of the rootfs lands inside it" {
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

# A directory fd of the caller's is open in hyrun while the process's cwd
# is set (the fds are closed only at its execve): /proc/self/fd/7 leads
# out of the rootfs, as a leaked fd of runc's did (CVE-2024-21626).  The
# process must never run there: getcwd inside shows it.
@test "CVE-2024-21626: run with a cwd through an inherited fd is refused, not run outside the root" {
	cfg '.process.cwd = "/proc/self/fd/7"'
	args payload cwd
	run hy_run "$ID" 7<"$BATS_TEST_TMPDIR"
	echo "$status: $output"
	# refused: the init closed the fd before its chdir, or the check
	[ "$status" -ne 0 ]
	assert_contains "$output" "process.cwd"
}

@test "CVE-2024-21626: exec --cwd through an inherited fd is refused, not run outside the root" {
	setup_running
	run hy exec --cwd /proc/self/fd/7 "$ID" payload cwd 7<"$BATS_TEST_TMPDIR"
	echo "$status: $output"
	[ "$status" -ne 0 ]
	assert_contains "$output" "outside the container's root"
	# an ordinary cwd still works
	run hy exec --cwd /tmp "$ID" payload cwd
	assert_eq "$output" /tmp
}

# Between joining the container and its execve the exec'd process holds
# the runtime's memory and fds: it must not be dumpable there, or a
# container process of the same uid (no CAP_SYS_PTRACE) can open
# /proc/PID/fd (or ptrace it) (CVE-2016-9962).  The test build stops the
# process there, its capabilities already the container's (HYRUN_TEST_STOP:
# before, its full set alone keeps the init out); the init looks at it.
@test "CVE-2016-9962: exec is not dumpable before its execve (a container process cannot open its fds)" {
	[ -n "${HYRUN_TEST_HOOKS:-}" ] || skip "needs a build with configure --enable-test-hooks (HYRUN_TEST_HOOKS=1; the security-inverted stage has one)"
	args sh -c 'i=0; while [ $i -lt 200 ]; do for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = hyrun:stopped ] || continue; if [ -n "$(readlink $p/fd/0 2>/dev/null)" ]; then echo READABLE; else echo DENIED; fi; exit 0; done; i=$((i + 1)); sleep 0.1; done; echo NOT-SEEN'
	hy_detach "$ID"
	(HYRUN_TEST_STOP=exec-before-execve hy exec "$ID" true </dev/null >/dev/null 2>&1 &)
	local i=0
	until grep -qE 'READABLE|DENIED|NOT-SEEN' "$BATS_TEST_TMPDIR/detach.log"; do
		i=$((i + 1))
		[ "$i" -lt 300 ] || break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/detach.log"
	# the init ends, its pid namespace with it (the stopped process too)
	grep -qx DENIED "$BATS_TEST_TMPDIR/detach.log"
}

# runc's exec --cap put the capability in the inheritable set too: with a
# file of inheritable file capabilities the process could pass it on
# through an execve (CVE-2022-29162).  hyrun leaves that set as the
# process's config has it.
@test "CVE-2022-29162: exec --cap does not fill the inheritable set" {
	setup_running
	run hy exec --cap CAP_NET_ADMIN "$ID" grep -E '^Cap(Inh|Prm)' /proc/self/status
	echo "$output"
	assert_eq "$status" 0
	assert_contains "$output" "CapInh:	0000000000000000"
	# the capability did arrive where it belongs
	[[ "$output" != *"CapPrm:	0000000000000000"* ]]
}

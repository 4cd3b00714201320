#!/usr/bin/env bats
# mounts, root.readonly, rootfsPropagation, maskedPaths, readonlyPaths,
# /dev, linux.devices, --no-pivot.
load helpers

# mount_line PATH: the container's mountinfo fields for PATH (from stdin).
@test "tmpfs with options, size and mode" {
	cfg '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=1m", "mode=750"]}]'
	args sh -c 'grep " /data " /proc/self/mountinfo; stat -c %a /data'
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_contains "${lines[0]}" "nosuid,nodev,noexec"
	assert_contains "${lines[0]}" "size=1024k"
	assert_eq "${lines[1]}" 750
}

@test "bind mounts: read-write, read-only, and rbind of a tree" {
	mkdir -p "$BATS_TEST_TMPDIR/src/sub" "$BATS_TEST_TMPDIR/ro"
	mount -t tmpfs none "$BATS_TEST_TMPDIR/src/sub"
	echo hostfile >"$BATS_TEST_TMPDIR/src/sub/f"
	cfg --arg s "$BATS_TEST_TMPDIR/src" --arg r "$BATS_TEST_TMPDIR/ro" \
		'.mounts += [{"destination": "/rw", "type": "bind", "source": $s, "options": ["rbind"]}, {"destination": "/ro", "type": "bind", "source": $r, "options": ["bind", "ro"]}]'
	args sh -c 'cat /rw/sub/f; echo written >/rw/new; touch /ro/x 2>/dev/null && echo ro-writable || echo ro-refused'
	run hy_run "$ID"
	umount "$BATS_TEST_TMPDIR/src/sub"
	assert_eq "${lines[0]}" hostfile
	assert_eq "${lines[1]}" ro-refused
	assert_eq "$(cat "$BATS_TEST_TMPDIR/src/new")" written
}

@test "a bind mount of a file creates the target file" {
	echo content >"$BATS_TEST_TMPDIR/file"
	cfg --arg s "$BATS_TEST_TMPDIR/file" '.mounts += [{"destination": "/etc/injected", "type": "bind", "source": $s, "options": ["bind", "ro"]}]'
	args cat /etc/injected
	run hy_run "$ID"
	assert_eq "$output" content
}

# (runc spec's template has a cgroup mount at /sys/fs/cgroup already: this
# second one goes over it; on pure v2 the kernel refuses cgroup2 twice on
# one mount point, EBUSY, and the container's cgroup is bound instead, as
# runc does.  One "memory" hierarchy on v1, one memory.max on v2.)
@test "proc, sysfs, devpts, mqueue and cgroup are mounted" {
	cfg '.mounts += [{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	args sh -c 'for m in /proc /sys /dev/pts /dev/mqueue /dev/shm; do grep -q " $m " /proc/self/mountinfo && echo $m; done; ls /sys/fs/cgroup | grep -cx -e memory -e memory.max'
	run hy_run "$ID"
	assert_eq "$output" "/proc
/sys
/dev/pts
/dev/mqueue
/dev/shm
1"
}

@test "root.readonly makes / read-only, other mounts stay writable" {
	cfg '.root.readonly = true'
	args sh -c '{ touch /x; } 2>/dev/null && echo root-writable || echo root-ro; { touch /tmp/x; } 2>/dev/null && echo tmp-writable || echo tmp-ro'
	cfg '.mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}]'
	run hy_run "$ID"
	assert_eq "$output" "root-ro
tmp-writable"
}

@test "maskedPaths hide files and directories, readonlyPaths are read-only" {
	mkdir -p "$BUNDLE/rootfs/secret"
	echo s >"$BUNDLE/rootfs/secret/f"
	cfg '.linux.maskedPaths = ["/secret", "/proc/kallsyms", "/does/not/exist"] | .linux.readonlyPaths = ["/proc/sys"]'
	args sh -c 'ls /secret | wc -l; wc -c </proc/kallsyms; { echo 1 >/proc/sys/kernel/msgmax; } 2>/dev/null && echo sys-writable || echo sys-ro'
	run hy_run "$ID"
	assert_eq "$output" "0
0
sys-ro"
}

@test "maskedPaths: a /dev/null that is not the null device is refused, never bound (CVE-2025-31133)" {
	# no /dev tmpfs: the rootfs's own /dev, whose null is a symlink to a file
	mkdir -p "$BUNDLE/rootfs/dev"
	rm -f "$BUNDLE/rootfs/dev/null"
	echo swapped-in >"$BUNDLE/rootfs/target"
	ln -s /target "$BUNDLE/rootfs/dev/null"
	echo secret >"$BUNDLE/rootfs/secret"
	cfg '.mounts |= map(select(.destination != "/dev")) | .linux.maskedPaths = ["/secret"]'
	args cat /secret
	run hy_run "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "maskedPaths"
	assert_contains "$output" "not the null device"
	[[ "$output" != *swapped-in* ]]
}

@test "the default devices, the /dev symlinks and linux.devices" {
	cfg '.linux.devices = [{"path": "/dev/fuse-test", "type": "c", "major": 10, "minor": 229, "fileMode": 432, "uid": 0, "gid": 0}]'
	args sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo $d; done; for l in fd stdin ptmx; do readlink /dev/$l; done; stat -c "%t:%T %a" /dev/fuse-test'
	run hy_run "$ID"
	assert_eq "$output" "null
zero
full
random
urandom
tty
/proc/self/fd
/proc/self/fd/0
pts/ptmx
a:e5 660"
}

@test "rootfsPropagation shared lets host mounts propagate in" {
	mkdir -p "$BATS_TEST_TMPDIR/prop"
	mount --bind "$BATS_TEST_TMPDIR/prop" "$BATS_TEST_TMPDIR/prop"
	mount --make-shared "$BATS_TEST_TMPDIR/prop"
	cfg --arg s "$BATS_TEST_TMPDIR/prop" '.linux.rootfsPropagation = "rslave" | .mounts += [{"destination": "/prop", "type": "bind", "source": $s, "options": ["rbind", "rslave"]}]'
	args sh -c 'for i in $(seq 50); do [ -e /prop/late/marker ] && { echo propagated; exit 0; }; sleep 0.1; done; echo not-propagated'
	hy_detach "$ID"
	mkdir -p "$BATS_TEST_TMPDIR/late"
	echo m >"$BATS_TEST_TMPDIR/late/marker"
	mkdir -p "$BATS_TEST_TMPDIR/prop/late"
	mount --bind "$BATS_TEST_TMPDIR/late" "$BATS_TEST_TMPDIR/prop/late"
	wait_status "$ID" stopped
	umount "$BATS_TEST_TMPDIR/prop/late"
	umount "$BATS_TEST_TMPDIR/prop"
	assert_eq "$(cat "$BATS_TEST_TMPDIR/detach.log")" propagated
	hy delete "$ID"
}

@test "a private rootfs propagates nothing back to the host" {
	cfg '.linux.rootfsPropagation = "private" | .root.readonly = false'
	cfg '.process.capabilities |= with_entries(.value += ["CAP_SYS_ADMIN"])'
	args sh -c 'mkdir -p /m && mount -t tmpfs none /m && echo mounted'
	run hy_run "$ID"
	assert_eq "$output" mounted
	refute_grep " $BUNDLE/rootfs/m " /proc/self/mountinfo
}

@test "--no-pivot runs the container with MS_MOVE + chroot" {
	args sh -c 'echo nopivot; ls /'
	run hy run --no-pivot "$ID" </dev/null
	assert_eq "$status" 0
	assert_eq "${lines[0]}" nopivot
	# / is the bundle's rootfs
	assert_eq "$(printf '%s\n' "${lines[@]:1}" | LC_ALL=C sort)" "$(ls -A "$BUNDLE/rootfs" | LC_ALL=C sort)"
}

@test "rootfsPropagation shared, slave, private and unbindable give the container's / that propagation" {
	local np p want line
	# the rootfs on a shared mount of its own, so a slave has a master
	mount --bind "$BUNDLE" "$BUNDLE"
	mount --make-shared "$BUNDLE"
	for np in "" --no-pivot; do
		# a plain "slave" applies to / alone: the rootfs's own (shared)
		# parent is then made private, as runc does, and so is the root
		for p in shared:shared rshared:shared slave:none rslave:master private:none rprivate:none \
			unbindable:unbindable runbindable:unbindable; do
			want=${p#*:}
			cfg --arg p "${p%%:*}" '.linux.rootfsPropagation = $p'
			args sh -c 'while read -r a b c d mp e f; do [ "$mp" != / ] || echo "$f"; done </proc/self/mountinfo'
			run hy run $np "$ID" </dev/null
			assert_eq "$status" 0
			line=$output
			case $want in
			none) [[ "$line" != *shared:* && "$line" != *master:* && "$line" != *unbindable* ]] ||
				{ echo "${p%%:*} $np: / has '$line'" >&2; umount "$BUNDLE"; return 1; } ;;
			*) assert_contains "$line" "$want" || { echo "${p%%:*} $np" >&2; umount "$BUNDLE"; return 1; } ;;
			esac
		done
	done
	umount "$BUNDLE"
}

@test "recursive mount options (rro, rnosuid, rnodev, rnoexec, rnoatime) reach the mounts below a bind; ro does not; nosymfollow" {
	local src=$BATS_TEST_TMPDIR/rsrc
	mkdir -p "$src/sub"
	mount -t tmpfs none "$src/sub"
	ln -s /etc/hostname "$src/sub/link"
	cfg --arg s "$src" '.mounts += [
		{"destination": "/r", "type": "bind", "source": $s, "options": ["rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnoatime"]},
		{"destination": "/p", "type": "bind", "source": $s, "options": ["rbind", "ro"]},
		{"destination": "/n", "type": "bind", "source": ($s + "/sub"), "options": ["bind", "nosymfollow"]}]'
	args sh -c 'touch /r/sub/x 2>/dev/null && echo r-writable || echo r-readonly
		touch /p/sub/x 2>/dev/null && echo p-writable || echo p-readonly
		while read -r a b c d mp opts rest; do [ "$mp" != /r/sub ] || echo "$opts"; done </proc/self/mountinfo
		cat /n/link >/dev/null 2>&1 && echo followed || echo not-followed'
	run hy_run "$ID"
	umount "$src/sub"
	assert_eq "$status" 0
	assert_eq "${lines[0]}" r-readonly
	# a plain ro applies to the bind itself only, as mount(2) does
	assert_eq "${lines[1]}" p-writable
	local o
	for o in ro nosuid nodev noexec noatime; do
		[[ ",${lines[2]}," == *",$o,"* ]] || { echo "/r/sub lacks $o: ${lines[2]}" >&2; return 1; }
	done
	assert_eq "${lines[3]}" not-followed
	run "$HYRUN" features
	assert_contains "$output" '"rro"'
	assert_contains "$output" '"nosymfollow"'
}

@test "mounts: tmpfs mode= and size= are applied exactly" {
	cfg '.mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1750", "size=2m"]}]'
	args sh -c 'stat -c %a /t; df -k /t | tail -n1'
	run hy_run "$ID"
	assert_eq "$status" 0
	assert_eq "$(echo "$output" | head -n1)" 1750
	assert_eq "$(echo "$output" | tail -n1 | awk '{print $2}')" 2048
}

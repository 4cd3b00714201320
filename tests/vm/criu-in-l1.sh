#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Checkpoint/restore for real, in the nested test VM (L1, Debian's 6.1
# cloud kernel), where criu works; on this project's hosts `criu check`
# fails (their kernel: "kerndat_vdso_fill_symtable failed").  Run inside L1
# by tests/unit/guests/run-in-l1.sh as a test program (tests/run-all.sh's
# vm stage), with
#   HYRUN_TEST_HYRUN   the hyrun binary (static)
#   HYRUN_TEST_CRIU    Debian's criu (copied in with its libraries)
#   HYRUN_TEST_BUNDLE  a tar of a busybox bundle (criu-in-l1.sh --bundle)
#   HYRUN_TEST_TAR     GNU tar (criu saves tmpfs contents with it)
#   HYRUN_TEST_IP      iproute2's ip (criu saves the network namespace with it)
# and L1's modules HYRUN_L1_MODULES="unix_diag inet_diag tcp_diag udp_diag
# raw_diag netlink_diag af_packet_diag tun veth nf_tables nfnetlink" (what
# `criu check` probes).  Prints TAP; without a working `criu check` every
# case is a failure naming criu's reason (L1 is where it must work).
# POSIX sh: L1 has busybox.
#   criu-in-l1.sh --bundle TAR HYRUN   (on the host) makes that bundle's tar
set -u
if [ "${1:-}" = --bundle ]; then
	# the workload counts in /tmp/count, ten times a second, from 1; it is
	# its own session leader (setsid, as under containerd's shim): criu
	# refuses a session whose leader is outside the pid namespace; its
	# stdio is the container's own /dev/null (criu cannot dump an fd of a
	# file on a mount outside the container without --external or
	# --inherit-fd, which hyrun does not pass yet); it shares L1's network
	# namespace (criu saves a namespace of its own with iptables-save and
	# ip6tables-save, which L1 does not have)
	t=$(mktemp -d) && HYRUN=$3 sh "$(dirname "$0")/../../contrib/make-busybox-bundle.sh" "$t/bundle" >/dev/null &&
		jq '.process.args = ["setsid", "sh", "-c", "exec </dev/null >/dev/null 2>&1; i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done"]
			| .root.readonly = false | .process.terminal = false
			| .linux.namespaces |= map(select(.type != "network"))' "$t/bundle/config.json" >"$t/config.json" &&
		mv "$t/config.json" "$t/bundle/config.json" && tar -cf "$2" -C "$t" bundle
	rc=$?
	rm -rf "$t"
	exit "$rc"
fi
HYRUN=$HYRUN_TEST_HYRUN
CRIU=$HYRUN_TEST_CRIU
ROOT=/run/hyrun-criu
W=/tmp/criu-cases
n=0
failed=0

# ok CONDITION-STATUS NAME [WHY]: one TAP line.
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2${3:+ # $3}"
	fi
}

hy() {
	(cd "$W/bundle" && exec timeout 120 "$HYRUN" --root "$ROOT" "$@")
}

status() {
	hy state "$1" 2>/dev/null | sed -n 's/.*"status"[[:space:]]*:[[:space:]]*"\([a-z]*\)".*/\1/p'
}

# count: the counter the container's loop writes (its /tmp/count).
count() {
	cat "$W/bundle/rootfs/tmp/count" 2>/dev/null || echo 0
}

# wait_count_above N [SECONDS]: the counter passes N.
wait_count_above() {
	i=0
	while [ "$(count)" -le "$1" ]; do
		i=$((i + 1))
		[ "$i" -lt $((${2:-30} * 10)) ] || return 1
		sleep 0.1
	done
}

# criu_errors IMAGE-DIR: the errors of criu's logs there.
criu_errors() {
	grep -hE "Error|Warn" "$1"/*.log 2>/dev/null | tail -n 15 | sed 's/^/#   criu: /'
}

# --- L1's set-up: what a host has and this initramfs does not -------------
# pivot_root (hyrun's, criu's) refuses a root on the initramfs: a copy of
# it on a tmpfs is moved over / (as switch_root does; criu wants the
# mount namespace's root to be its root, so a chroot is not enough)
if [ -z "${CRIU_IN_L1_MOVED:-}" ]; then
	mkdir -p /newroot
	mount -t tmpfs -o size=80% none /newroot
	for d in /*; do
		case $d in /proc | /sys | /dev | /run | /newroot) mkdir -p "/newroot$d" ;; *) cp -a "$d" /newroot/ ;; esac
	done
	mount -t proc proc /newroot/proc
	mount -t sysfs sys /newroot/sys
	mount -t devtmpfs dev /newroot/dev
	self=$(realpath "$0")
	cd /newroot && mount --move . / && CRIU_IN_L1_MOVED=1 exec chroot . /bin/sh "$self"
	echo "# cannot move to a root on a tmpfs"
fi
ip link set lo up
# criu locks the container's network during a dump; its default method
# runs iptables-restore, which L1 lacks: nftables is built into criu
mkdir -p /etc/criu
echo "network-lock nftables" >/etc/criu/default.conf
mkdir -p /dev/pts /run /sys/fs/cgroup "$W"
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -sf pts/ptmx /dev/ptmx
grep -q " /sys/fs/cgroup " /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup
grep -q " /run " /proc/mounts || mount -t tmpfs none /run
mkdir -p "$ROOT"
# criu runs `tar` with GNU options to save tmpfs contents (the container's
# /dev): GNU tar (HYRUN_TEST_TAR) ahead of busybox's
# and iproute2's ip (HYRUN_TEST_IP; `ip addr save` and restore) for the
# container's network namespace
export PATH="$(dirname "$CRIU"):$(dirname "${HYRUN_TEST_TAR:-/usr/bin/tar}"):$(dirname "${HYRUN_TEST_IP:-/usr/sbin/ip}"):$PATH"
echo "1..4"
tar -xf "$HYRUN_TEST_BUNDLE" -C "$W" || echo "# no bundle: $HYRUN_TEST_BUNDLE"

# 1: criu itself
out=$("$CRIU" check 2>&1)
rc=$?
echo "$out" | sed 's/^/# criu check: /'
ok "$rc" "criu check passes in L1 (Debian's 6.1 kernel)" "$(echo "$out" | tail -n1)"

# 2: the round trip: the restored process goes on counting from where the
# checkpoint stopped it (its memory came back), not from 1
hy run -d cr1 </dev/null >"$W/run.log" 2>&1 || sed 's/^/# run: /' "$W/run.log"
wait_count_above 3 10 || {
	# nothing to checkpoint: the remaining cases fail at once, saying so
	for c in "checkpoint and restore" "checkpoint --leave-running" "restore into a new id"; do
		ok 1 "$c" "the container to checkpoint did not run (see above)"
	done
	exit 1
}
hy checkpoint --image-path "$W/img1" cr1 >"$W/ck1.log" 2>&1
rc=$?
at=$(count)
gone=$(status cr1)
hy restore --detach --image-path "$W/img1" cr1 </dev/null >"$W/rs1.log" 2>&1
rc2=$?
st=$(status cr1)
wait_count_above "$at" 30
rc3=$?
first=$(count)
echo "# checkpoint exit $rc at count $at, state after it: \"$gone\"; restore exit $rc2, status $st, count then $first"
sed 's/^/#   /' "$W/ck1.log" "$W/rs1.log"
criu_errors "$W/img1"
[ "$rc" = 0 ] && [ -z "$gone" ] && [ "$rc2" = 0 ] && [ "$st" = running ] && [ "$rc3" = 0 ] &&
	[ "$first" -gt "$at" ] && [ "$first" -lt $((at + 50)) ]
ok $? "checkpoint stops and removes the container; restore brings it back running, counting on from $at"

# 3: --leave-running: the container runs on, and the image is complete
hy checkpoint --leave-running --image-path "$W/img2" cr1 >"$W/ck2.log" 2>&1
rc=$?
at=$(count)
st=$(status cr1)
wait_count_above "$at" 30
rc2=$?
sed 's/^/#   /' "$W/ck2.log"
criu_errors "$W/img2"
echo "# checkpoint --leave-running exit $rc, status after: $st"
[ "$rc" = 0 ] && [ "$st" = running ] && [ "$rc2" = 0 ] && [ -s "$W/img2/inventory.img" ]
ok $? "checkpoint --leave-running leaves the container running and writes an image"
hy delete --force cr1 >/dev/null 2>&1

# 4: restore into a new id, from the --leave-running image
hy restore --detach --image-path "$W/img2" cr2 </dev/null >"$W/rs2.log" 2>&1
rc=$?
st=$(status cr2)
at=$(count)
wait_count_above "$at" 30
rc2=$?
sed 's/^/#   /' "$W/rs2.log"
criu_errors "$W/img2"
echo "# restore as cr2 exit $rc, status $st"
[ "$rc" = 0 ] && [ "$st" = running ] && [ "$rc2" = 0 ] && [ -z "$(status cr1)" ]
ok $? "restore into a new id runs the checkpointed process under that id"
hy delete --force cr2 >/dev/null 2>&1

[ -z "$(ls -A "$ROOT")" ] || { echo "# state left: $(ls -A "$ROOT")"; failed=$((failed + 1)); }
[ "$failed" = 0 ]

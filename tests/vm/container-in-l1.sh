#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Container mode for real where this project's hosts cannot run it, in the
# nested test VM (L1: Debian's 6.1 cloud kernel, a pure cgroup2):
#  - checkpoint/restore with criu (on the hosts `criu check` fails: their
#    kernel gives "kerndat_vdso_fill_symtable failed");
#  - cgroup v2 limits, `update` and the freezer on a real cgroup2 (the hosts
#    are cgroup v1; test_cgroup_v2 checks the files against a plain folder).
# Run inside L1 by tests/unit/guests/run-in-l1.sh as a test program
# (tests/run-all.sh's vm stage), with
#   HYRUN_TEST_HYRUN   the hyrun binary (static)
#   HYRUN_TEST_BUNDLE  a tar of two busybox bundles (container-in-l1.sh --bundle)
#   HYRUN_TEST_CRIU    Debian's criu (copied in with its libraries; unset:
#                      the checkpoint cases skip saying so)
#   HYRUN_TEST_TAR     GNU tar (criu saves tmpfs contents with it)
#   HYRUN_TEST_IP      iproute2's ip
# and L1's modules HYRUN_L1_MODULES="unix_diag inet_diag tcp_diag udp_diag
# raw_diag netlink_diag af_packet_diag tun veth nf_tables nfnetlink" (what
# `criu check` probes).  Prints TAP.  POSIX sh: L1 has busybox.
#   container-in-l1.sh --bundle TAR HYRUN   (on the host) makes the bundles' tar
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
		mv "$t/config.json" "$t/bundle/config.json" &&
		# the cgroup v2 cases' bundle: the same workload, with limits
		cp -a "$t/bundle" "$t/bundle-cg" &&
		jq '.linux.cgroupsPath = "/hyrun-test/cg1"
			| .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50},
				"cpu": {"quota": 20000, "period": 100000}}' "$t/bundle/config.json" >"$t/bundle-cg/config.json" &&
		tar -cf "$2" -C "$t" bundle bundle-cg
	rc=$?
	rm -rf "$t"
	exit "$rc"
fi
HYRUN=$HYRUN_TEST_HYRUN
CRIU=${HYRUN_TEST_CRIU:-}
ROOT=/run/hyrun-l1-cases
W=/tmp/l1-cases
B=bundle
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

# hy ARGS...: hyrun in bundle $B.
hy() {
	(cd "$W/$B" && exec timeout 120 "$HYRUN" --root "$ROOT" "$@")
}

status() {
	hy state "$1" 2>/dev/null | sed -n 's/.*"status"[[:space:]]*:[[:space:]]*"\([a-z]*\)".*/\1/p'
}

# count: the counter the container's loop writes (its /tmp/count).
count() {
	cat "$W/$B/rootfs/tmp/count" 2>/dev/null || echo 0
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
# pivot_root (hyrun's, criu's) refuses a root on the initramfs: a root on
# a tmpfs (tests/vm/l1.sh, l1_move_root), then this script again
. "$(dirname "$(realpath "$0")")/l1.sh"
l1_move_root 80% "$0" || echo "# cannot move to a root on a tmpfs"
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
PATH="$(dirname "${CRIU:-/usr/sbin/criu}"):$(dirname "${HYRUN_TEST_TAR:-/usr/bin/tar}"):$(dirname "${HYRUN_TEST_IP:-/usr/sbin/ip}"):$PATH"
export PATH
echo "1..8"
tar -xf "$HYRUN_TEST_BUNDLE" -C "$W" || echo "# no bundle: $HYRUN_TEST_BUNDLE"

# --- checkpoint/restore ----------------------------------------------------
checkpoint_cases() {
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
	hy delete --force cr1 >/dev/null 2>&1
	return
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
}

if [ -n "$CRIU" ]; then
	checkpoint_cases
else
	for c in "criu check" "checkpoint and restore" "checkpoint --leave-running" "restore into a new id"; do
		n=$((n + 1))
		echo "ok $n - $c # SKIP no criu on the host to copy in (apt-get install criu)"
	done
fi

# --- cgroup v2: limits, update, freezer -------------------------------------
B=bundle-cg
CG=/sys/fs/cgroup/hyrun-test/cg1
rm -f "$W/$B/rootfs/tmp/count"

# cg_is FILE VALUE: the container's cgroup file FILE reads VALUE.
cg_is() {
	v=$(cat "$CG/$1" 2>&1)
	[ "$v" = "$2" ] || { echo "# $CG/$1: \"$v\", expected \"$2\""; return 1; }
}

hy run -d cg1 </dev/null >"$W/run-cg.log" 2>&1 || sed 's/^/# run: /' "$W/run-cg.log"
wait_count_above 3 10
cg_is memory.max 67108864 && cg_is pids.max 50 && cg_is cpu.max "20000 100000" &&
	grep -qx "$(hy state cg1 | sed -n 's/.*"pid"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p')" "$CG/cgroup.procs"
ok $? "cgroup v2: run applies memory.max, pids.max and cpu.max in the container's own cgroup (on a pure cgroup2)"

hy update --memory 128m --pids-limit 80 --cpu-quota 30000 --cpu-period 100000 cg1 2>&1 | sed 's/^/# update: /'
cg_is memory.max 134217728 && cg_is pids.max 80 && cg_is cpu.max "30000 100000"
ok $? "cgroup v2: update changes the running container's memory.max, pids.max and cpu.max"

hy pause cg1 2>&1 | sed 's/^/# pause: /'
st=$(status cg1)
a=$(count)
sleep 1
b=$(count)
echo "# paused: status $st, cgroup.freeze $(cat $CG/cgroup.freeze 2>&1), count $a -> $b; $(grep frozen $CG/cgroup.events 2>&1)"
[ "$st" = paused ] && cg_is cgroup.freeze 1 && grep -qx "frozen 1" "$CG/cgroup.events" && [ "$a" = "$b" ] &&
	hy resume cg1 && [ "$(status cg1)" = running ] && cg_is cgroup.freeze 0 && wait_count_above "$b" 30
ok $? "cgroup v2: pause freezes the cgroup (frozen 1, the workload does not advance for 1 s), resume thaws it"

hy delete --force cg1 2>&1 | sed 's/^/# delete: /'
[ ! -e "$CG" ] && [ -z "$(status cg1)" ]
ok $? "cgroup v2: delete removes the container's cgroup"
rmdir /sys/fs/cgroup/hyrun-test 2>/dev/null

[ -z "$(ls -A "$ROOT")" ] || { echo "# state left: $(ls -A "$ROOT")"; failed=$((failed + 1)); }
[ "$failed" = 0 ]

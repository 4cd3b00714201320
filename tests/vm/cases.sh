#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The VM-mode cases, end to end: hyrun runs prepared busybox bundles with
# io.hyrun.isolation=vm on a working /dev/kvm.  Run by tests/vm/run-nested.sh,
# inside the nested test VM (L1) or directly on a host with hardware KVM;
# POSIX sh, busybox is enough.
#
#   cases.sh BUNDLES [CASE...]
#
# BUNDLES holds one bundle per case (made by run-nested.sh: busybox rootfs,
# annotations, process.args) and a file "env" with HYRUN (the binary),
# KERNEL (the guest vmlinux), GUEST_RELEASE (its uname -r) and T (seconds
# each hyrun command may take).  Prints TAP,
# one line per check; after a failing one the case's log as "# " lines.
# Every command has a timeout: a hung guest fails its case, not the run.
set -u
B=$1
shift
T=90
. "$B/env"
ROOT=${HYRUN_VM_STATE:-/run/hyrun-vm-test}
LOGS=${HYRUN_VM_LOGS:-/tmp/hyrun-vm-logs}
mkdir -p "$ROOT" "$LOGS"
n=0
failed=0

# hy ARGS...: the runtime under test with this run's state root.
hy() {
	timeout "$T" "$HYRUN" --root "$ROOT" "$@"
}

# check NAME COMMAND...: one TAP line; COMMAND's output is the case log,
# shown only on failure.  A failing COMMAND says why on its last line
# ("why: ..."); it runs in a subshell.
check() {
	local name=$1 log rc t0 t1 why
	shift
	n=$((n + 1))
	log=$LOGS/$n.log
	t0=$(uptime_cs)
	# fd 3 is this TAP stream, for a case that shows output (demo)
	("$@") 3>&1 >"$log" 2>&1
	rc=$?
	t1=$(uptime_cs)
	secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", ($2 - $1) / 100 }')
	echo "(case took $secs s)" >>"$log"
	if [ "$rc" = 0 ]; then
		echo "ok $n - $name ($secs s)"
	else
		failed=$((failed + 1))
		why=$(sed -n 's/^why: //p' "$log" | tail -n1)
		echo "not ok $n - $name # ${why:-exit $rc}"
		echo "# --- log of case $n ($log)"
		tail -n 40 "$log" | sed 's/^/#   /'
		echo "# ---"
	fi
}

# uptime_cs: the time since boot in centiseconds (date has only seconds).
uptime_cs() {
	sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime
}

# why TEXT: fail the case (each runs in a subshell) saying why.
why() {
	echo "why: $*"
	exit 1
}

# residue ID: no state, no cgroup, no VMM left behind by container ID.
residue() {
	local left
	[ ! -e "$ROOT/$1" ] || why "state dir $ROOT/$1 left"
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "*$1*" 2>/dev/null)
	[ -z "$left" ] || why "cgroup left: $left"
	left=$(pgrep -x 'hyrun:vmm')
	[ -z "$left" ] || why "VMM process left: $left"
}

# status ID: the "status" of `hyrun state ID`.
status() {
	hy state "$1" | sed -n 's/.*"status"[[:space:]]*:[[:space:]]*"\([a-z]*\)".*/\1/p'
}

is_status() {
	[ "$(status "$1")" = "$2" ]
}

pid_of() {
	hy state "$1" | sed -n 's/.*"pid"[[:space:]]*:[[:space:]]*\([0-9]*\).*/\1/p'
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.2 s.
wait_for() {
	local i=0 max=$(($1 * 5))
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt "$max" ] || return 1
		sleep 0.2
	done
}

# --- the cases -----------------------------------------------------------

case_uname() {
	local out host
	out=$(hy run -b "$B/uname" vm-uname </dev/null) || why "hyrun run failed (exit $?): $out"
	host=$(uname -r)
	echo "guest: $out, this kernel: $host, expected: $GUEST_RELEASE"
	[ -n "$out" ] || why "no output"
	[ "$out" != "$host" ] || why "printed this kernel's release $host: not in a guest"
	[ -z "$GUEST_RELEASE" ] || [ "$out" = "$GUEST_RELEASE" ] || why "printed $out, the guest kernel is $GUEST_RELEASE"
	residue vm-uname
}

case_exit_code() {
	local rc=0
	hy run -b "$B/exit7" vm-exit7 </dev/null || rc=$?
	[ "$rc" = 7 ] || why "exit status $rc, expected 7"
	residue vm-exit7
}

case_stdio() {
	local out
	out=$(echo "hello from stdin" | hy run -b "$B/stdio" vm-stdio 2>"$LOGS/stdio.err")
	echo "stdout: $out"
	echo "stderr: $(cat "$LOGS/stdio.err")"
	[ "$out" = "got: hello from stdin" ] || why "stdout was \"$out\", expected \"got: hello from stdin\""
	grep -qx "to stderr" "$LOGS/stdio.err" || why "\"to stderr\" did not reach stderr"
	residue vm-stdio
}

# The workload writes from-guest, then waits for from-host, which this
# side writes only after from-guest appeared: shared live both ways.
case_shared_rootfs() {
	local r=$B/share/rootfs pid rc=0
	rm -f "$r/from-guest" "$r/from-host"
	hy run -b "$B/share" vm-share </dev/null >"$LOGS/share.out" 2>&1 &
	pid=$!
	if wait_for 60 test -s "$r/from-guest"; then
		echo "host side" >"$r/from-host.tmp" && mv "$r/from-host.tmp" "$r/from-host"
	fi
	wait "$pid" || rc=$?
	cat "$LOGS/share.out"
	[ "$(cat "$r/from-guest" 2>/dev/null)" = "written inside" ] || why "from-guest did not appear in the rootfs folder"
	grep -qx "read inside: host side" "$LOGS/share.out" || why "from-host was not visible inside"
	[ "$rc" = 0 ] || why "hyrun run exited $rc"
	residue vm-share
}

# create/start/state/kill/delete on one container, one check each.
LC=vm-life
case_create() {
	local pid comm
	rm -f "$LOGS/life.out"
	hy create -b "$B/life" $LC </dev/null >"$LOGS/life.out" 2>&1 || why "create failed: $(cat "$LOGS/life.out")"
	[ "$(status $LC)" = created ] || why "status after create: $(status $LC)"
	pid=$(pid_of $LC)
	comm=$(cat "/proc/$pid/comm" 2>/dev/null)
	echo "pid $pid ($comm)"
	[ "$comm" = "hyrun:vmm" ] || why "pid $pid is \"$comm\", not the VMM (hyrun:vmm)"
}

case_start() {
	hy start $LC || why "start failed"
	wait_for 60 grep -q ready "$LOGS/life.out" || why "the workload never printed ready: $(cat "$LOGS/life.out")"
	[ "$(status $LC)" = running ] || why "status after start: $(status $LC)"
}

# freezer_report: the container's cgroup and the state of every thread in it.
freezer_report() {
	local d t
	for d in /sys/fs/cgroup/hyrun/$LC /sys/fs/cgroup/freezer/hyrun/$LC; do
		[ -d "$d" ] || continue
		echo "$d:"; cat "$d/cgroup.events" "$d/freezer.state" 2>/dev/null
		for t in $(cat "$d/cgroup.threads" "$d/tasks" 2>/dev/null); do
			echo "  task $t: $(cut -d' ' -f2,3 /proc/$t/stat 2>/dev/null) wchan=$(cat /proc/$t/wchan 2>/dev/null)"
		done
	done
}

# The VMM is the container's cgroup: pause freezes it, vCPUs included,
# so the guest's workload does not advance until resume.
case_pause() {
	local n1 n2
	hy pause $LC || { freezer_report; why "pause failed"; }
	[ "$(status $LC)" = paused ] || why "status after pause: $(status $LC)"
	n1=$(grep -c tick "$LOGS/life.out")
	sleep 2
	n2=$(grep -c tick "$LOGS/life.out")
	echo "ticks while paused: $n1 -> $n2"
	[ "$n1" = "$n2" ] || why "the workload advanced while paused ($n1 -> $n2 ticks)"
	hy resume $LC || why "resume failed"
	[ "$(status $LC)" = running ] || why "status after resume: $(status $LC)"
	wait_for 30 sh -c "[ \$(grep -c tick '$LOGS/life.out') -gt $n2 ]" ||
		why "the workload did not advance after resume"
}

case_kill() {
	hy kill $LC TERM || why "kill failed"
	wait_for 30 grep -q "got TERM" "$LOGS/life.out" || why "the trap did not run: $(cat "$LOGS/life.out")"
	wait_for 30 is_status $LC stopped || why "status after the workload exited: $(status $LC)"
}

case_delete() {
	local pid
	pid=$(pid_of $LC)
	hy delete $LC || { hy delete --force $LC; why "delete failed"; }
	[ -z "$pid" ] || [ "$pid" = 0 ] || [ ! -e "/proc/$pid" ] || why "VMM pid $pid still there"
	residue $LC
}

# bad_input BUNDLE ID EXPECTED: run fails, one clear line, nothing left.
bad_input() {
	local out rc=0
	out=$(hy run -b "$B/$1" "$2" </dev/null 2>&1) || rc=$?
	echo "exit $rc: $out"
	[ "$rc" != 0 ] || why "hyrun run succeeded"
	case $out in *"$3"*) ;; *) why "error does not mention \"$3\": $out" ;; esac
	residue "$2"
}

case_no_kernel() {
	bad_input nokernel vm-nokernel "io.hyrun.vm.kernel"
}

case_tiny_memory() {
	bad_input tinymem vm-tinymem "io.hyrun.vm.memory"
}

# QEMU as the VMM, same kernel and device types: an environment check while
# hyrun's VMM is not ready (run-nested.sh -q).
case_qemu() {
	local r=$B/qemu/rootfs out
	echo "host side" >"$r/from-host"
	rm -f "$r/from-guest"
	rc=0
	out=$(timeout "$T" qemu-system-x86_64 -enable-kvm -cpu host -M microvm,acpi=off -m 128 -smp 1 \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$KERNEL" -initrd "$B/qemu/tiny-init.cpio" \
		-serial file:"$LOGS/qemu-console.log" -append "console=ttyS0 reboot=t panic=-1 quiet" \
		-fsdev local,id=f0,path="$r",security_model=none \
		-device virtio-9p-device,fsdev=f0,mount_tag=rootfs \
		-device virtio-serial-device -chardev file,id=c1,path=/proc/self/fd/1,append=on \
		-device virtserialport,chardev=c1,name=hyrun.stdout </dev/null 2>&1) || rc=$?
	echo "$out"
	echo "qemu exit status $rc; the guest's console:"
	cat "$LOGS/qemu-console.log"
	echo "$out" | grep -q "tiny-init: guest up" || why "no marker from the guest"
	echo "$out" | grep -q "tiny-init: from-host: host side" || why "the share's file was not visible inside"
	[ -s "$r/from-guest" ] || why "the guest's file did not appear in the share"
}

# prestart and poststart run on the host with the VMM's pid in the state,
# poststop after delete.
case_hooks() {
	local out pid
	rm -f /tmp/vm-hook-prestart /tmp/vm-hook-poststart /tmp/vm-hook-poststop
	out=$(hy run -b "$B/hooks" vm-hooks </dev/null 2>&1) || why "hyrun run failed (exit $?): $out"
	echo "$out"
	echo "$out" | grep -q hooked || why "the workload did not run"
	cat /tmp/vm-hook-prestart /tmp/vm-hook-poststart /tmp/vm-hook-poststop 2>&1
	grep -q '"id":"vm-hooks"' /tmp/vm-hook-prestart || why "prestart did not get the state"
	pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' /tmp/vm-hook-prestart)
	[ -n "$pid" ] && [ "$pid" != 0 ] || why "prestart's state has no pid"
	[ -s /tmp/vm-hook-poststart ] || why "poststart did not run"
	[ -s /tmp/vm-hook-poststop ] || why "poststop did not run"
	residue vm-hooks
}

# contrib/demo.sh's case: its output is shown, as TAP comments.
case_demo() {
	local out
	out=$(hy --debug run -b "$B/demo" vm-demo </dev/null 2>&1) || why "hyrun run failed (exit $?): $out"
	echo "$out" | sed 's/^/# /' >&3
	residue vm-demo
}

ALL="uname exit_code stdio shared_rootfs create start pause kill delete hooks no_kernel tiny_memory"
[ $# -gt 0 ] || set -- $ALL
echo "1..$#"
for c in "$@"; do
	case $c in
	uname) check "vm: run prints the guest kernel's release, not this kernel's" case_uname ;;
	exit_code) check "vm: run propagates the exit code (sh -c 'exit 7')" case_exit_code ;;
	stdio) check "vm: run relays stdin, stdout and stderr" case_stdio ;;
	shared_rootfs) check "vm: the rootfs folder is shared live (a write inside appears, a file placed there is seen)" case_shared_rootfs ;;
	create) check "vm: create leaves the VMM as the container's pid, status created" case_create ;;
	start) check "vm: start runs the workload, status running" case_start ;;
	pause) check "vm: pause freezes the VM (the workload does not advance), resume thaws it" case_pause ;;
	kill) check "vm: kill TERM reaches the workload's trap, then status stopped" case_kill ;;
	delete) check "vm: delete leaves no state, cgroup or VMM" case_delete ;;
	no_kernel) check "vm: a missing guest kernel fails run clearly, nothing left" case_no_kernel ;;
	tiny_memory) check "vm: io.hyrun.vm.memory=1 fails run clearly, nothing left" case_tiny_memory ;;
	hooks) check "vm: prestart, poststart and poststop hooks run on the host around the VM" case_hooks ;;
	demo) check "vm: the demo bundle runs in a guest (contrib/demo.sh)" case_demo ;;
	qemu) check "vm: QEMU boots the guest kernel with the same devices (environment check)" case_qemu ;;
	*) echo "cases.sh: unknown case $c" >&2; exit 2 ;;
	esac
done
echo "# cases: $n run, $failed failed"
[ "$failed" = 0 ]

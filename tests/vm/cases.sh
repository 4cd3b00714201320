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
	command -v pgrep >/dev/null || why "no pgrep: cannot look for a VMM left"
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

# A memory limit: the VMM's cgroup gets it (the host limit covers the
# whole VM) and the guest's RAM is sized from it.  On pure cgroup v2 (L1)
# hyrun enables the controllers in each ancestor (/hyrun-test/default).
case_memory_limit() {
	local id=vm-memlimit cg=/sys/fs/cgroup/hyrun-test/default/vm-memlimit out kb max
	hy create -b "$B/memlimit" $id </dev/null >"$LOGS/memlimit.out" 2>&1 ||
		why "create failed: $(cat "$LOGS/memlimit.out")"
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		max=$(cat $cg/memory.max 2>/dev/null)
		echo "$cg: memory.max $max, pids.max $(cat $cg/pids.max 2>/dev/null)"
		echo "subtree_control of the parents: $(cat /sys/fs/cgroup/hyrun-test/cgroup.subtree_control) / $(cat /sys/fs/cgroup/hyrun-test/default/cgroup.subtree_control)"
	else
		max=$(cat /sys/fs/cgroup/memory/hyrun-test/default/vm-memlimit/memory.limit_in_bytes 2>/dev/null)
	fi
	[ "$max" = 268435456 ] || { hy delete --force $id; why "memory limit in the VMM's cgroup: \"$max\", expected 268435456"; }
	hy start $id || { hy delete --force $id; why "start failed"; }
	wait_for 60 is_status $id stopped || { hy delete --force $id; why "the workload did not end"; }
	out=$(cat "$LOGS/memlimit.out")
	echo "guest MemTotal: $out"
	kb=${out%% kB*}
	hy delete $id || why "delete failed"
	[ -n "$kb" ] && [ "$kb" -gt 131072 ] && [ "$kb" -le 262144 ] ||
		why "guest MemTotal \"$out\" is not within 128..256 MiB"
	residue $id
	[ ! -d $cg ] || why "cgroup $cg left"
	rmdir /sys/fs/cgroup/hyrun-test/default /sys/fs/cgroup/hyrun-test 2>/dev/null || true
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

# --- exec: one running container (the execw bundle), several processes --
EC=vm-exec

case_exec_setup() {
	rm -f "$LOGS/exec.out"
	hy create -b "$B/execw" $EC </dev/null >"$LOGS/exec.out" 2>&1 || why "create failed: $(cat "$LOGS/exec.out")"
	hy start $EC || why "start failed"
	wait_for 60 grep -q ready "$LOGS/exec.out" || why "the workload never printed ready: $(cat "$LOGS/exec.out")"
	[ "$(status $EC)" = running ] || why "status: $(status $EC)"
}

case_exec_uname() {
	local out
	out=$(hy exec $EC uname -r </dev/null) || why "exec failed (exit $?): $out"
	echo "exec printed: $out, this kernel: $(uname -r), guest: $GUEST_RELEASE"
	[ "$out" != "$(uname -r)" ] || why "printed this kernel's release: not in the guest"
	[ -z "$GUEST_RELEASE" ] || [ "$out" = "$GUEST_RELEASE" ] || why "printed $out, the guest kernel is $GUEST_RELEASE"
}

# The exec'd process is in the workload's UTS and pid namespaces: its
# hostname, and pid 1 is the workload's shell.
case_exec_namespaces() {
	local out
	out=$(hy exec $EC sh -c 'hostname; tr "\0" " " </proc/1/cmdline; echo; echo "self $$"' </dev/null) ||
		why "exec failed (exit $?): $out"
	echo "$out"
	[ "$(echo "$out" | sed -n 1p)" = vm-exec-host ] || why "hostname is not the container's (vm-exec-host)"
	echo "$out" | sed -n 2p | grep -q "echo ready" || why "pid 1 is not the workload's shell"
}

case_exec_exit_code() {
	local rc=0
	hy exec $EC sh -c 'exit 5' </dev/null || rc=$?
	echo "exit 5 -> $rc"
	[ "$rc" = 5 ] || why "exit status $rc, expected 5"
	rc=0
	hy exec $EC sh -c 'kill -KILL $$' </dev/null || rc=$?
	echo "kill -KILL \$\$ -> $rc"
	[ "$rc" = 137 ] || why "a SIGKILLed process gave $rc, expected 137 (128+9)"
}

case_exec_stdio() {
	local out
	out=$(printf 'hello from stdin\nline two\n' | hy exec $EC sh -c 'read l; echo "got: $l"; cat; echo "to stderr" >&2' 2>"$LOGS/exec.err")
	echo "stdout: $out"
	echo "stderr: $(cat "$LOGS/exec.err")"
	[ "$out" = "got: hello from stdin
line two" ] || why "stdout was \"$out\""
	grep -qx "to stderr" "$LOGS/exec.err" || why "\"to stderr\" did not reach stderr"
}

# --process FILE, as containerd and podman pass it: user, cwd, env,
# rlimits and capabilities are the file's.
case_exec_process_file() {
	local out f=$LOGS/process.json
	cat >"$f" <<'EOP'
{"terminal": false, "user": {"uid": 1000, "gid": 1001}, "cwd": "/tmp",
 "args": ["sh", "-c", "echo $FOO; id -u; id -g; pwd; ulimit -n; grep CapBnd /proc/self/status"],
 "env": ["PATH=/bin:/sbin:/usr/bin", "FOO=from-the-file"],
 "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}],
 "capabilities": {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"], "permitted": ["CAP_KILL"]}}
EOP
	out=$(hy exec --process "$f" $EC </dev/null) || why "exec failed (exit $?): $out"
	echo "$out"
	[ "$out" = "from-the-file
1000
1001
/tmp
256
CapBnd:	0000000000000020" ] || why "the process did not get the file's user/cwd/env/rlimits/capabilities"
}

case_exec_flags() {
	local out
	out=$(hy exec --cwd /etc --env FOO=from-a-flag --user 1000:1002 $EC sh -c 'echo $FOO; id -u; id -g; pwd' </dev/null) ||
		why "exec failed (exit $?): $out"
	echo "$out"
	[ "$out" = "from-a-flag
1000
1002
/etc" ] || why "the flags did not apply"
}

# --detach --pid-file, with subreaper in the shim's place: the pid is a
# host process (the proxy) that lives as long as the guest process and
# exits with its status.
case_exec_detach() {
	local out
	rm -f "$LOGS/detach.pid"
	out=$("$SUBREAPER" "$LOGS/detach.pid" "$HYRUN" --root "$ROOT" exec --detach --pid-file "$LOGS/detach.pid" \
		$EC sh -c 'sleep 2; echo detached output; exit 6' </dev/null 2>&1) || why "subreaper: $out"
	echo "$out"
	echo "$out" | grep -q "^proxy: [0-9]* hyrun:vm-exec$" || why "the pid file's process is not the exec proxy"
	echo "$out" | grep -qx "detached output" || why "the output did not come through the proxy"
	echo "$out" | grep -qx "status: exit 6" || why "the proxy did not exit with the process's status (exit 6)"
	awk '/^lived:/ { exit !($2 >= 1.0) }' <<EOS || why "the proxy ended before the guest process could have"
$out
EOS
}

# A signal to the proxy pid (what the shim sends for `ctr task kill
# --exec-id`) reaches the guest process: TERM runs its trap.
case_exec_kill() {
	local out
	rm -f "$LOGS/kill.pid"
	out=$("$SUBREAPER" -k 15 "$LOGS/kill.pid" "$HYRUN" --root "$ROOT" exec --detach --pid-file "$LOGS/kill.pid" \
		$EC sh -c 'trap "echo got TERM; exit 4" TERM; sleep 30 & wait' </dev/null 2>&1) || why "subreaper: $out"
	echo "$out"
	echo "$out" | grep -qx "got TERM" || why "the guest process's trap did not run"
	echo "$out" | grep -qx "status: exit 4" || why "the proxy did not exit 4"
}

# SIGKILL cannot be relayed: the proxy dies, and the VMM kills the guest
# process whose proxy went away.
case_exec_kill9() {
	local out left
	rm -f "$LOGS/kill9.pid"
	out=$("$SUBREAPER" -k 9 "$LOGS/kill9.pid" "$HYRUN" --root "$ROOT" exec --detach --pid-file "$LOGS/kill9.pid" \
		$EC sleep 41 </dev/null 2>&1) || why "subreaper: $out"
	echo "$out"
	echo "$out" | grep -qx "status: signal 9" || why "the proxy did not die of SIGKILL"
	wait_for 10 sh -c "! '$HYRUN' --root '$ROOT' exec $EC ps </dev/null | grep -q 'sleep 41'" ||
		why "the guest process outlived its proxy: $(hy exec $EC ps </dev/null)"
}

# More than one chunk each way, byte for byte.
case_exec_bulk() {
	local want got n
	want=$(yes 0123456789abcdef | head -c 1000000 | md5sum)
	got=$(hy exec $EC sh -c 'yes 0123456789abcdef | head -c 1000000' </dev/null | md5sum)
	echo "1 MB out: $got (want $want)"
	[ "$got" = "$want" ] || why "1 MB of output did not arrive intact"
	n=$(head -c 300000 /dev/zero | hy exec $EC wc -c)
	echo "300 kB in: $n"
	[ "$n" -eq 300000 ] || why "the process read $n bytes of 300000"
}

# Two execs at once: each gets its own output and status.
case_exec_concurrent() {
	local pid out rc=0
	hy exec $EC sh -c 'sleep 1; echo first; exit 3' </dev/null >"$LOGS/conc.out" 2>&1 &
	pid=$!
	out=$(hy exec $EC echo second </dev/null) || why "the second exec failed: $out"
	wait "$pid" || rc=$?
	echo "first: $(cat "$LOGS/conc.out") (exit $rc), second: $out"
	[ "$out" = second ] || why "the second exec printed \"$out\""
	[ "$(cat "$LOGS/conc.out")" = first ] || why "the first exec printed \"$(cat "$LOGS/conc.out")\""
	[ "$rc" = 3 ] || why "the first exec exited $rc, expected 3"
}

case_exec_errors() {
	local out rc=0
	out=$(hy exec $EC /no/such/program </dev/null 2>&1) || rc=$?
	echo "missing program: exit $rc: $out"
	[ "$rc" != 0 ] || why "exec of a missing program succeeded"
	case $out in *"/no/such/program"*) ;; *) why "the error does not name the program: $out" ;; esac
	rc=0
	out=$(hy exec -t $EC true </dev/null 2>&1) || rc=$?
	echo "terminal: exit $rc: $out"
	[ "$rc" != 0 ] || why "a terminal exec succeeded"
	case $out in *"terminal"*"io.hyrun.isolation=vm"*) ;; *) why "the terminal refusal is unclear: $out" ;; esac
	rc=0
	out=$(hy exec vm-no-such-container true </dev/null 2>&1) || rc=$?
	echo "missing container: exit $rc: $out"
	[ "$rc" != 0 ] || why "exec into a missing container succeeded"
	out=$(hy exec $EC echo still running </dev/null) || why "exec after the failures failed: $out"
	[ "$out" = "still running" ] || why "exec after the failures printed \"$out\""
	[ "$(status $EC)" = running ] || why "the container is $(status $EC) after the failed execs"
}

case_exec_stopped() {
	local out rc=0
	hy kill $EC KILL || why "kill failed"
	wait_for 30 is_status $EC stopped || why "status after kill: $(status $EC)"
	out=$(hy exec $EC true </dev/null 2>&1) || rc=$?
	echo "stopped: exit $rc: $out"
	[ "$rc" != 0 ] || why "exec into a stopped container succeeded"
	case $out in *stopped*) ;; *) why "the error does not say stopped: $out" ;; esac
	hy delete $EC || { hy delete --force $EC; why "delete failed"; }
	residue $EC
}

ALL="uname exit_code stdio shared_rootfs create start pause kill delete memory_limit hooks no_kernel tiny_memory exec_setup exec_uname exec_namespaces exec_exit_code exec_stdio exec_process_file exec_flags exec_detach exec_kill exec_kill9 exec_bulk exec_concurrent exec_errors exec_stopped"
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
	memory_limit) check "vm: a memory limit is the VMM cgroup's (pure v2: controllers enabled in each ancestor) and sizes the guest's RAM" case_memory_limit ;;
	no_kernel) check "vm: a missing guest kernel fails run clearly, nothing left" case_no_kernel ;;
	tiny_memory) check "vm: io.hyrun.vm.memory=1 fails run clearly, nothing left" case_tiny_memory ;;
	hooks) check "vm: prestart, poststart and poststop hooks run on the host around the VM" case_hooks ;;
	exec_setup) check "vm exec: a container to exec into (create, start)" case_exec_setup ;;
	exec_uname) check "vm exec: runs in the guest (uname -r is the guest kernel's)" case_exec_uname ;;
	exec_namespaces) check "vm exec: joins the workload's UTS and pid namespaces" case_exec_namespaces ;;
	exec_exit_code) check "vm exec: the exit code propagates (exit 5; 137 for SIGKILL)" case_exec_exit_code ;;
	exec_stdio) check "vm exec: relays stdin, stdout and stderr" case_exec_stdio ;;
	exec_process_file) check "vm exec: --process FILE sets user, cwd, env, rlimits, capabilities" case_exec_process_file ;;
	exec_flags) check "vm exec: --cwd, --env, --user apply" case_exec_flags ;;
	exec_detach) check "vm exec: --detach --pid-file gives a host proxy that exits with the process's status" case_exec_detach ;;
	exec_kill) check "vm exec: a signal to the proxy pid reaches the guest process" case_exec_kill ;;
	exec_kill9) check "vm exec: SIGKILL of the proxy kills the guest process" case_exec_kill9 ;;
	exec_bulk) check "vm exec: 1 MB out and 300 kB in arrive intact" case_exec_bulk ;;
	exec_concurrent) check "vm exec: two execs at once keep their own output and status" case_exec_concurrent ;;
	exec_errors) check "vm exec: a missing program, a terminal, a missing container fail clearly; the container runs on" case_exec_errors ;;
	exec_stopped) check "vm exec: into a stopped container fails clearly" case_exec_stopped ;;
	demo) check "vm: the demo bundle runs in a guest (contrib/demo.sh)" case_demo ;;
	qemu) check "vm: QEMU boots the guest kernel with the same devices (environment check)" case_qemu ;;
	*) echo "cases.sh: unknown case $c" >&2; exit 2 ;;
	esac
done
echo "# cases: $n run, $failed failed"
[ "$failed" = 0 ]

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
# a state root and a log folder of this run's own (another run, or a
# container of the host's, is never looked at)
mkdir -p /run
ROOT=${HYRUN_VM_STATE:-$(mktemp -d /run/hyrun-vm-test.XXXXXX)}
LOGS=${HYRUN_VM_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/hyrun-vm-logs.XXXXXX")}
mkdir -p "$ROOT" "$LOGS"
# every VMM this run starts inherits this marker (vmms_of_run)
export HYRUN_VM_CASES_RUN="$ROOT"
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

# note TEXT: a "# " line in the TAP stream, shown for a passing case too
# (what a case measured).
note() {
	echo "# $*" >&3
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
	left=$(vmms_of_run)
	[ -z "$left" ] || why "VMM process left: $left"
}

# vmms_of_run: the pids of this run's VMMs (named hyrun:vmm, with this
# run's HYRUN_VM_CASES_RUN), not every VMM of the host.  From /proc: L1's
# busybox has no pgrep (with it, the check this replaces never saw a VMM).
vmms_of_run() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(cat "$d/comm" 2>/dev/null)" = "hyrun:vmm" ] || continue
		tr '\0' '\n' <"$d/environ" 2>/dev/null | grep -qxF "HYRUN_VM_CASES_RUN=$ROOT" && echo "${d#/proc/}"
	done
	return 0
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
	local pid comm caps
	rm -f "$LOGS/life.out"
	hy create -b "$B/life" $LC </dev/null >"$LOGS/life.out" 2>&1 || why "create failed: $(cat "$LOGS/life.out")"
	[ "$(status $LC)" = created ] || why "status after create: $(status $LC)"
	pid=$(pid_of $LC)
	comm=$(cat "/proc/$pid/comm" 2>/dev/null)
	echo "pid $pid ($comm)"
	[ "$comm" = "hyrun:vmm" ] || why "pid $pid is \"$comm\", not the VMM (hyrun:vmm)"
	# residue's VMM check must be able to see this run's VMMs
	vmms_of_run | grep -qx "$pid" || why "the VMM $pid is not found by vmms_of_run (no HYRUN_VM_CASES_RUN)"
	# the VMM keeps only what its devices use (kvm-shim/vmm/sandbox.h):
	# the 9P server's file-system capabilities and CAP_NET_ADMIN (0x101f)
	caps=$(grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' "/proc/$pid/status" | tr -s '\t\n' '  ')
	echo "VMM: $caps"
	[ "$caps" = "CapInh: 0000000000000000 CapPrm: 000000000000101f CapEff: 000000000000101f CapBnd: 000000000000101f CapAmb: 0000000000000000 " ] ||
		why "the VMM's capabilities are not the file-system ones and CAP_NET_ADMIN: $caps"
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
	# update: lower is the host cgroup's; above the RAM the VM booted
	# with (256 - 16 MiB for the VMM) cannot be used: a clear error
	out=$(hy update --memory 1g $id 2>&1) && { hy delete --force $id; why "update --memory 1g of a 240 MiB VM succeeded"; }
	echo "update --memory 1g: $out"
	case $out in *"cannot grow"*) ;; *) hy delete --force $id; why "update --memory 1g: $out" ;; esac
	hy update --memory 250m $id || { hy delete --force $id; why "update --memory 250m failed"; }
	[ -f /sys/fs/cgroup/cgroup.controllers ] && { max=$(cat $cg/memory.max); [ "$max" = 262144000 ] || { hy delete --force $id; why "memory.max after update: $max"; }; }
	hy start $id || { hy delete --force $id; why "start failed"; }
	wait_for 60 is_status $id stopped || { hy delete --force $id; why "the workload did not end"; }
	out=$(cat "$LOGS/memlimit.out")
	echo "guest MemTotal: $out"
	kb=${out%% kB*}
	hy delete $id || why "delete failed"
	[ -n "$kb" ] && [ "$kb" -gt 131072 ] && [ "$kb" -le 245760 ] ||
		why "guest MemTotal \"$out\" is not within 128..240 MiB (256 MiB less the VMM's 16)"
	residue $id
	[ ! -d $cg ] || why "cgroup $cg left"
	rmdir /sys/fs/cgroup/hyrun-test/default /sys/fs/cgroup/hyrun-test 2>/dev/null || true
}

# Free page reporting (devices/virtio_balloon.c): memory the guest frees
# goes back to the host: the VMM's RSS falls after the workload frees
# 100 MB it had filled.
case_free_pages() {
	local id=vm-balloon pid rss_full rss i
	hy run -d -b "$B/balloon" $id </dev/null >"$LOGS/balloon.out" 2>&1 || why "run failed: $(cat "$LOGS/balloon.out")"
	pid=$(pid_of $id)
	wait_for 60 grep -q filled "$LOGS/balloon.out" || { hy delete --force $id; why "the workload never filled its memory"; }
	rss_full=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status)
	wait_for 30 grep -q freed "$LOGS/balloon.out" || { hy delete --force $id; why "the workload never freed"; }
	i=0
	while :; do
		rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status)
		[ $((rss_full - rss)) -gt 61440 ] && break
		i=$((i + 1))
		[ $i -lt 60 ] || { hy delete --force $id; why "VMM RSS $rss_full kB filled, still $rss kB 30 s after the guest freed 100 MB"; }
		sleep 0.5
	done
	echo "VMM RSS: $rss_full kB filled, $rss kB after the guest freed ($(( (rss_full - rss) / 1024 )) MiB back)"
	hy delete --force $id || why "delete failed"
	residue $id
}

# ram_flags PID: the VmFlags of the VMM's guest RAM mapping (the one of
# 128 MiB or more: the bundles' io.hyrun.vm.memory is 128).
ram_flags() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { size = 0 } /^Size:/ { size = $2 }
		/^VmFlags:/ && size >= 131072 { sub(/^VmFlags: */, ""); print; exit }' "/proc/$1/smaps"
}

# KSM (io.hyrun.vm.ksm): with "true" the guest RAM mapping carries the
# mergeable flag (smaps "mg", MADV_MERGEABLE), with "false" it does not.
case_ksm() {
	local id pid flags want
	for want in true false; do
		id=vm-ksm-$want
		hy run -d -b "$B/ksm-$want" $id </dev/null >"$LOGS/$id.out" 2>&1 || why "run ($want) failed: $(cat "$LOGS/$id.out")"
		pid=$(pid_of $id)
		flags=$(ram_flags "$pid")
		echo "io.hyrun.vm.ksm=$want: VMM $pid guest RAM VmFlags: $flags"
		hy delete --force $id || why "delete failed"
		residue $id
		[ -n "$flags" ] || why "no guest RAM mapping of 128 MiB in /proc/$pid/smaps"
		case " $flags :$want" in
		*" mg "*:true) ;;
		*" mg "*:false) why "ksm=false: guest RAM is mergeable ($flags)" ;;
		*:true) why "ksm=true: guest RAM is not mergeable ($flags)" ;;
		esac
	done
}

# io.hyrun.vm.rootfs-cache: "loose" mounts the rootfs cache=loose and
# does the same metadata work in fewer 9P requests than "none" (the
# VMM's counts in the debug log); the guest's writes are in the host
# folder once the container is gone; a file placed before the start is
# read inside either way.
case_rootfs_cache() {
	local c id r n none=""
	for c in none loose; do
		id=vm-rcache-$c r=$B/rcache-$c/rootfs
		echo "host $c" >"$r/from-host"
		rm -f "$r/from-guest" "$LOGS/$id.log"
		hy --debug --log "$LOGS/$id.log" run -b "$B/rcache-$c" $id </dev/null >"$LOGS/$id.out" 2>&1 || why "run ($c) failed: $(cat "$LOGS/$id.out")"
		cat "$LOGS/$id.out"
		n=$(sed -n 's/.*vm: 9P rootfs: \([0-9]*\) requests.*/\1/p' "$LOGS/$id.log" | tail -n1)
		echo "rootfs-cache=$c: $(grep 'vm: 9P rootfs' "$LOGS/$id.log" | sed 's/.*vm: 9P rootfs: //')"
		residue $id
		grep -q "^done" "$LOGS/$id.out" || why "the workload ($c) did not finish"
		case $c:$(head -n1 "$LOGS/$id.out") in
		none:*cache=loose* | none:*,loose*) why "rootfs-cache=none mounted loose" ;;
		loose:*loose*) ;;
		loose:*) why "rootfs-cache=loose: the mount is not loose" ;;
		esac
		[ "$(cat "$r/from-guest" 2>/dev/null)" = "cached host $c" ] || why "rootfs-cache=$c: from-guest is \"$(cat "$r/from-guest" 2>/dev/null)\""
		[ -n "$n" ] || why "rootfs-cache=$c: no 9P request count in the debug log"
		[ -z "$none" ] || [ "$n" -lt "$none" ] || why "loose took $n requests, none $none: no fewer"
		none=$n
	done
}

case_rootfs_cache_bad() {
	bad_input rcachebad vm-rcache-bad "io.hyrun.vm.rootfs-cache"
}

case_ksm_bad() {
	bad_input ksmbad vm-ksm-bad "io.hyrun.vm.ksm"
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
	# the hooks write into this run's bundles folder (run-nested.sh)
	local h=$B/hooks-out
	rm -f $h/vm-hook-prestart $h/vm-hook-poststart $h/vm-hook-poststop
	out=$(hy run -b "$B/hooks" vm-hooks </dev/null 2>&1) || why "hyrun run failed (exit $?): $out"
	echo "$out"
	echo "$out" | grep -q hooked || why "the workload did not run"
	cat $h/vm-hook-prestart $h/vm-hook-poststart $h/vm-hook-poststop 2>&1
	grep -q '"id":"vm-hooks"' $h/vm-hook-prestart || why "prestart did not get the state"
	pid=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' $h/vm-hook-prestart)
	[ -n "$pid" ] && [ "$pid" != 0 ] || why "prestart's state has no pid"
	[ -s $h/vm-hook-poststart ] || why "poststart did not run"
	[ -s $h/vm-hook-poststop ] || why "poststop did not run"
	residue vm-hooks
}

# contrib/demo.sh's case: its output is shown, as TAP comments.
case_demo() {
	local out
	out=$(hy --debug run -b "$B/demo" vm-demo </dev/null 2>&1) || why "hyrun run failed (exit $?): $out"
	echo "$out" | sed 's/^/# /' >&3
	residue vm-demo
}

# --- volumes: the vols bundle's bind mounts (run-nested.sh) -------------
# volumes runs it; the other volumes_* cases read what it printed.
VOLS=/tmp/hyrun-vm-vols
VC=vm-vols

case_volumes() {
	local pid rc=0 vmm=
	umount "$VOLS/shm" 2>/dev/null
	rm -rf "$VOLS" "$LOGS/vols.vmm" "$LOGS/vols.leak"
	mkdir -p "$VOLS/data" "$VOLS/ro" "$VOLS/rro" "$VOLS/shm" || why "mkdir $VOLS"
	echo "read only" >"$VOLS/ro/file"
	echo "127.0.0.1 first" >"$VOLS/hosts"
	mount -t tmpfs -o size=8m shm "$VOLS/shm" || why "mount a tmpfs on $VOLS/shm"
	# /run shared: a mount the VMM made outside a namespace of its own
	# would show up in this one
	mount --make-rshared /run || why "mount --make-rshared /run"
	hy run -b "$B/vols" $VC </dev/null >"$LOGS/vols.out" 2>&1 &
	pid=$!
	if wait_for 90 test -s "$VOLS/data/from-guest"; then
		vmm=$(vmms_of_run | head -n1)
		echo "staging in the VMM's mount namespace:"
		grep " $ROOT/$VC/vols" "/proc/$vmm/mountinfo" >"$LOGS/vols.vmm"
		cat "$LOGS/vols.vmm"
		echo "staging in this one:"
		grep " $ROOT/$VC/vols" /proc/self/mountinfo >"$LOGS/vols.leak" && cat "$LOGS/vols.leak"
		echo "host side" >"$VOLS/data/from-host.tmp" && mv "$VOLS/data/from-host.tmp" "$VOLS/data/from-host"
		echo "127.0.0.1 second" >"$VOLS/hosts"
	fi
	wait "$pid" || rc=$?
	cat "$LOGS/vols.out"
	[ "$rc" = 0 ] || why "hyrun run exited $rc"
	[ "$(cat "$VOLS/data/from-guest" 2>/dev/null)" = "written inside" ] ||
		why "the guest's write did not reach the host folder"
	grep -qx "data read: host side" "$LOGS/vols.out" || why "the file placed on the host was not seen in the guest"
	[ -s "$LOGS/vols.vmm" ] || why "no staging mount in the VMM's (pid ${vmm:-none}) mount namespace"
	[ ! -s "$LOGS/vols.leak" ] || why "the staging mounts leaked into the host's mount namespace"
}

case_volumes_ro() {
	cat "$LOGS/vols.out"
	grep -q "^ro: .*Read-only file system" "$LOGS/vols.out" || why "a write to the ro volume did not fail with EROFS"
	grep -q "^rro: .*Read-only file system" "$LOGS/vols.out" || why "a write to the rro volume did not fail with EROFS"
	grep -qx "ro read: read only" "$LOGS/vols.out" || why "the ro volume's file was not readable"
	[ ! -e "$VOLS/ro/new" ] && [ ! -e "$VOLS/rro/new" ] || why "a file appeared in a read-only volume's folder"
}

case_volumes_file() {
	cat "$LOGS/vols.out"
	grep -qx "hosts: 127.0.0.1 first" "$LOGS/vols.out" || why "the guest did not read the bound file"
	grep -qx "hosts later: 127.0.0.1 second" "$LOGS/vols.out" || why "the guest did not see the host's change of the file"
}

case_volumes_shm() {
	cat "$LOGS/vols.out"
	grep -q "^shm: [^ ]* /dev/shm tmpfs .*size=8192k" "$LOGS/vols.out" ||
		why "/dev/shm in the guest is not a tmpfs of the source's size (8 MiB)"
	grep -qx "shm write: in-shm" "$LOGS/vols.out" || why "/dev/shm is not writable"
	[ ! -e "$VOLS/shm/f" ] || why "the guest's /dev/shm wrote into the host's tmpfs"
}

# rootfs/etc, relative to the bundle: from the rootfs share, not staged
case_volumes_rootfs() {
	local want
	want=$(head -n1 "$B/vols/rootfs/etc/passwd")
	cat "$LOGS/vols.out"
	grep -qxF "inner: $want" "$LOGS/vols.out" || why "the bind of rootfs/etc did not show its passwd ($want)"
	[ -s "$LOGS/vols.vmm" ] && ! grep "rootfs/etc" "$LOGS/vols.vmm" || why "rootfs/etc was staged (or no staging seen)"
}

case_volumes_residue() {
	umount "$VOLS/shm" || why "umount $VOLS/shm"
	residue $VC
	! grep "$VOLS\|/vols " /proc/self/mountinfo || why "a mount is left"
	rm -rf "$VOLS"
}

case_volume_device() {
	bad_input voldev vm-voldev "mounts[7]: bind mount of \`/dev/null\` on \`/dev/hostnull\`: a character device"
}

# A user namespace (0 -> 100000): the 9P server acts with the mapped ids,
# so what the container's root makes in the shared rootfs is host uid
# 100000's, setuid bit and all, never host root's.
case_userns_share() {
	local r=$B/userns/rootfs out
	chown -R 100000:100000 "$r" || why "chown the rootfs"
	out=$(hy run -b "$B/userns" vm-userns </dev/null 2>&1) || why "hyrun run failed (exit $?): $out"
	echo "$out"
	echo "$out" | grep -qx "inside: uid 0" || why "the workload did not run as the namespace's root"
	echo "on the host: $(stat -c '%u:%g %a' "$r/made-inside")"
	[ "$(stat -c '%u:%g %a' "$r/made-inside")" = "100000:100000 4755" ] || why "made-inside is not 100000:100000 4755 on the host"
	residue vm-userns
}

# A guest walks the rootfs's symlinks that point out of it (absolute, and
# climbing with ..), then works in race/sub while the host side swaps
# race with a symlink to a folder outside, again and again (a rename
# racing the guest's walks: its working folder's fid keeps the path
# race/sub, which then leads outside).  The guest resolves symlinks
# itself (in its own root); the 9P server resolves every path beneath the
# rootfs and follows none (fs/p9_server.c: RESOLVE_BENEATH |
# RESOLVE_NO_SYMLINKS) and the VMM's Landlock rules reach nothing
# outside it, so nothing outside is read or written.  Either alone keeps
# the guest in; with both off (openat2's .resolve = 0 and no
# vmm_sandbox_fs) the guest read race/sub/f of the folder outside.
case_escape() {
	local r=$B/escape/rootfs out=/escape-outside swaps=0 pid rc=0 o
	rm -rf "$out" "$r/race" "$r/race.d" "$r/race-ready" "$r/race-stop" "$r/lnk-abs" "$r/lnk-rel"
	mkdir -p "$out/sub" "$r/race/sub" || why "mkdir"
	echo host-secret >"$out/secret"
	echo host-secret-sub >"$out/sub/f"
	echo inside >"$r/race/sub/f"
	ln -s "$out" "$r/lnk-abs"
	ln -s "../../../../../../../..$out" "$r/lnk-rel"
	hy run -b "$B/escape" vm-escape </dev/null >"$LOGS/escape.out" 2>&1 &
	pid=$!
	wait_for 60 test -e "$r/race-ready" || { hy delete --force vm-escape; why "the guest never got to its race: $(cat "$LOGS/escape.out")"; }
	# 40 times: a folder for a while, then a symlink out for a while
	while [ $swaps -lt 40 ] && kill -0 $pid 2>/dev/null; do
		sleep 0.02
		mv "$r/race" "$r/race.d" && ln -s "$out" "$r/race" && sleep 0.02 && rm "$r/race" && mv "$r/race.d" "$r/race" ||
			{ echo "swap failed"; break; }
		swaps=$((swaps + 1))
	done
	touch "$r/race-stop"
	wait $pid || rc=$?
	o=$(cat "$LOGS/escape.out")
	note "escape: $swaps swaps of race while the guest read; $(echo "$o" | grep -c '^f:inside') reads inside; $(echo "$o" | grep '^rounds')"
	echo "$o" | grep -v '^f:inside$' | head -20
	[ "$rc" = 0 ] || why "hyrun run exited $rc"
	echo "$o" | grep -q "host-secret" && why "the guest read a file outside the rootfs: $(echo "$o" | grep host-secret | head -3)"
	echo "$o" | grep -E "^(READ|WROTE)" && why "a symlink out of the rootfs was followed"
	[ "$(find "$out" | sort | tr '\n' ' ')" = "$out $out/secret $out/sub $out/sub/f " ] || why "the folder outside changed: $(find "$out")"
	[ "$(cat "$out/sub/f")" = host-secret-sub ] || why "a file outside was overwritten"
	echo "$o" | grep -q '^f:inside$' || why "the guest never read race/sub/f (the loop did not run)"
	[ "$swaps" = 40 ] || why "only $swaps swaps (the guest ended first?)"
	residue vm-escape
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

# Both ways at once, with the control channel busy beside them: 16 MiB
# through `exec cat` (stdin in, stdout out) while other execs run and
# signals go to the container.  With the blocking channel this hung in L1
# (the transfer never ended; 4 MiB with a slow reader did not show it).  A blocking
# control channel deadlocked here: the VMM stuck in a write to the guest
# while the guest's output waited for the VMM, for good.
case_exec_duplex() {
	local big=$LOGS/duplex.in pid i rc=0 want got out
	head -c 16777216 /dev/urandom >"$big"
	want=$(md5sum <"$big")
	(hy exec $EC cat <"$big" | md5sum >"$LOGS/duplex.sum") &
	pid=$!
	sleep 1
	for i in 1 2 3; do
		hy kill $EC URG || why "kill URG $i during the transfer failed (the control channel is stuck?)"
		out=$(hy exec $EC echo "side $i" </dev/null) || why "exec $i during the transfer failed: $out"
		[ "$out" = "side $i" ] || why "exec $i during the transfer printed \"$out\""
	done
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -lt 600 ] || { kill "$pid"; why "the transfer did not end within 120 s"; }
		sleep 0.2
	done
	wait "$pid" || rc=$?
	got=$(cat "$LOGS/duplex.sum")
	echo "16 MiB through cat: $got (want $want), rc $rc"
	[ "$got" = "$want" ] || why "16 MiB through cat did not come back intact"
	out=$(hy exec $EC echo after </dev/null) || why "exec after the transfer failed: $out"
	[ "$(status $EC)" = running ] || why "the container is $(status $EC) after the transfer"
}

# The workload floods its stdout and nobody reads it (a fifo whose reader
# never reads): the vCPU writing the output must not block while it holds
# the console device (the control port shares it), so kill TERM still
# reaches the workload and delete leaves nothing.
case_flood() {
	local id=vm-flood fifo=$LOGS/flood.fifo rd vmm
	rm -f "$fifo"
	mkfifo "$fifo" || why "mkfifo"
	sleep 300 <"$fifo" &
	rd=$!
	hy run -d -b "$B/flood" $id </dev/null >"$fifo" 2>"$LOGS/flood.err" || { kill $rd; why "run -d failed: $(cat "$LOGS/flood.err")"; }
	sleep 5
	vmm=$(pid_of $id)
	echo "VMM $vmm after 5 s of flooding: $(grep -E 'VmRSS' /proc/$vmm/status 2>/dev/null)"
	hy kill $id TERM || { kill $rd; hy delete --force $id; why "kill TERM failed"; }
	wait_for 60 is_status $id stopped || { kill $rd; hy delete --force $id; why "TERM did not stop the flooding workload within 60 s (status $(status $id))"; }
	# the VMM itself ends, though its stdout is still never read
	wait_for 30 sh -c "! kill -0 $vmm 2>/dev/null" || { kill $rd; hy delete --force $id; why "the VMM $vmm did not end (blocked on its unread stdout?)"; }
	kill $rd
	hy delete $id || { hy delete --force $id; why "delete failed"; }
	# (residue would see the exec cases' container, still running)
	[ ! -e "$ROOT/$id" ] || why "state dir $ROOT/$id left"
}

# fault_at STAGE (test build only: configure --enable-test-hooks): create
# stops at STAGE (HYRUN_TEST_STOP: vm-vmm-started, the VMM built and its
# vCPUs running; vm-agent-ready, the agent up, before CONFIG); the stopped
# VMM and the create are killed with SIGKILL; delete --force must leave no
# state, cgroup, VMM, mount, TAP or tc redirect (the container is in the
# netns hynet, so its VMM has made a TAP and redirects by then).
fault_at() {
	local id=vm-fault-$1 pid p i=0 stopped="" mounts0 mounts1
	net_fresh
	mounts0=$(wc -l </proc/mounts)
	HYRUN_TEST_STOP=$1 timeout "$T" "${HYRUN_HOOKS:-$HYRUN}" --root "$ROOT" create -b "$B/netwait" $id </dev/null >"$LOGS/fault.out" 2>&1 &
	pid=$!
	while [ -z "$stopped" ]; do
		for p in /proc/[0-9]*; do
			[ "$(cat "$p/comm" 2>/dev/null)" = hyrun:stopped ] && stopped=${p#/proc/}
		done
		[ -n "$stopped" ] && break
		kill -0 $pid 2>/dev/null || why "create ended before $1 (not a test-hooks build?): $(cat "$LOGS/fault.out")"
		i=$((i + 1))
		[ $i -lt 600 ] || { kill -9 $pid; why "create never stopped at $1"; }
		sleep 0.2
	done
	echo "stopped at $1: pid $stopped ($(cut -d' ' -f3 /proc/$stopped/stat)), create $pid"
	note "fault at $1: TAPs in $NETNS $("$IP" -n $NETNS -o link show | grep -c hytap), redirects on hyv1 $("$TC" -n $NETNS filter show dev hyv1 ingress | grep -c mirred), mounts $(wc -l </proc/mounts) (before create $mounts0)"
	"$TC" -n $NETNS filter show dev hyv1 ingress | grep -q mirred || why "no tc redirect on hyv1 at $1 (the case would test nothing)"
	kill -9 $stopped $pid
	wait $pid
	echo "after SIGKILL: $(ls "$ROOT")"
	hy delete --force $id || why "delete --force failed"
	wait_for 10 sh -c "! kill -0 $stopped" || why "the stopped VMM $stopped is still there"
	residue $id
	net_residue
	mounts1=$(wc -l </proc/mounts)
	[ "$mounts1" = "$mounts0" ] || why "mounts: $mounts0 before, $mounts1 after"
}
case_fault_vmm_started() { fault_at vm-vmm-started; }
case_fault_agent_ready() { fault_at vm-agent-ready; }

# vmm_rss_kb PID: the VMM's resident memory outside guest RAM (the one
# mapping of 100 MiB or more: the bundles give 128 MiB), in KiB.
vmm_rss_kb() {
	awk '/^Size:/ { size = $2 } /^Rss:/ { if (size < 102400) rss += $2 } END { print rss + 0 }' "/proc/$1/smaps"
}

# fd_count PID: the open fds of process PID.
fd_count() {
	ls "/proc/$1/fd" | wc -l
}

# A guest holds as many 9P fids as it can (the test payload's fids: 5000
# files 14 folders of 250-character names deep, so each fid's path is
# ~3.5 KiB): opened read-write until the VMM's share of RLIMIT_NOFILE is
# spent, then O_PATH until the fid table (4096) is full.  The VMM's fds
# stay within that share, its memory outside guest RAM within what 4096
# such paths take, exec answers, and after the guest lets go the fds come
# back, exec works, and kill and delete work.
case_fids() {
	local id=vm-fids out vmm soft share fd0 fd1 fd2 m0 m1 rw path rc=0 t0 t1 t2 d i
	[ -x "$B/fids/rootfs/payload" ] || why "no test payload in the bundle (make -C BUILD_DIR tests/payload/payload)"
	# the files, made here (natively, not over 9P: 95 s less)
	t0=$(uptime_cs)
	d=$B/fids/rootfs/fids
	for i in $(seq 0 13); do
		d=$d/$(printf "%250s" "" | tr ' ' "$(echo abcdefghijklmn | cut -c$((i + 1)))")
	done
	mkdir -p "$d" || why "mkdir of the nested folders failed"
	i=0
	while [ $i -lt 5000 ]; do
		: >"$d/f$i" || why "could not make $d/f$i"
		i=$((i + 1))
	done
	hy create -b "$B/fids" $id </dev/null >"$LOGS/fids.out" 2>&1 || why "create failed: $(cat "$LOGS/fids.out")"
	hy start $id || { hy delete --force $id; why "start failed"; }
	wait_for 300 grep -q "^found 5000" "$LOGS/fids.out" || { hy delete --force $id; why "the files were not made: $(cat "$LOGS/fids.out")"; }
	t1=$(uptime_cs)
	vmm=$(pid_of $id)
	soft=$(awk '/^Max open files/ { print $4 }' "/proc/$vmm/limits")
	# fs/p9_server.c: each of the two shares may hold (soft - 128) / 2
	share=$(((soft - 128) / 2))
	[ "$share" -le 2048 ] || share=2048
	fd0=$(fd_count $vmm)
	m0=$(vmm_rss_kb $vmm)
	hy kill $id USR2 || { hy delete --force $id; why "kill USR2 failed"; }
	wait_for 600 grep -q "^holding" "$LOGS/fids.out" || { hy delete --force $id; why "the guest never held its fids: $(cat "$LOGS/fids.out")"; }
	t2=$(uptime_cs)
	fd1=$(fd_count $vmm)
	m1=$(vmm_rss_kb $vmm)
	out=$(grep '^rw ' "$LOGS/fids.out")
	note "fids: guest: $out; files made and VM started in $(((t1 - t0) / 100)) s, held in $(((t2 - t1) / 100)) s"
	note "fids: VMM RLIMIT_NOFILE $soft (the rootfs share may open $share), fds $fd0 -> $fd1, memory outside guest RAM $m0 -> $m1 KiB"
	out=$(hy exec $id echo alive </dev/null 2>&1) || rc=$?
	note "fids: exec while the fids are held: exit $rc: $out"
	[ "$rc" != 124 ] || { hy delete --force $id; why "exec hung while the guest held its fids"; }
	hy kill $id USR1 || { hy delete --force $id; why "kill USR1 failed"; }
	wait_for 300 grep -q "^released" "$LOGS/fids.out" || { hy delete --force $id; why "the guest did not let go"; }
	wait_for 30 sh -c "[ \$(ls /proc/$vmm/fd | wc -l) -le $fd0 ]" || true
	fd2=$(fd_count $vmm)
	note "fids: fds after the guest let go: $fd2"
	out=$(hy exec $id echo alive </dev/null 2>&1) || { hy delete --force $id; why "exec after the guest let go failed: $out"; }
	[ "$out" = alive ] || { hy delete --force $id; why "exec after the guest let go printed \"$out\""; }
	hy kill $id TERM || { hy delete --force $id; why "kill TERM failed"; }
	wait_for 60 is_status $id stopped || { hy delete --force $id; why "TERM did not stop it (status $(status $id))"; }
	grep -q "^SIGTERM" "$LOGS/fids.out" || { hy delete --force $id; why "the workload did not get TERM"; }
	hy delete $id || { hy delete --force $id; why "delete failed"; }
	residue $id
	rw=$(sed -n 's/^rw \([0-9]*\) .*/\1/p' "$LOGS/fids.out")
	path=$(sed -n 's/^rw .*, path \([0-9]*\) .*/\1/p' "$LOGS/fids.out")
	grep -q "^rw [0-9]* EMFILE, path [0-9]* EMFILE" "$LOGS/fids.out" || why "the guest's opens did not end in EMFILE both times: $(grep '^rw ' "$LOGS/fids.out")"
	[ "$fd1" -le $((fd0 + share)) ] || why "the VMM held $fd1 fds, more than $fd0 + its share $share"
	[ "$rw" -ge $((share - 16)) ] || why "only $rw files opened read-write (share $share): refused too early"
	[ $((2 * rw + path)) -ge 4000 ] || why "$rw read-write and $path O_PATH opens: the fid table (4096) was not filled"
	[ "$fd2" -le "$fd0" ] || why "the VMM kept $fd2 fds after the guest let go ($fd0 before)"
	# the fid table's bound: 4096 paths of at most PATH_MAX, plus 8 MiB
	[ $((m1 - m0)) -le $((4096 * 4 + 8192)) ] || why "the VMM grew by $((m1 - m0)) KiB holding the fids"
}

# load_cycle I: one lifecycle of container vm-load-I, in a netns of its
# own with a veth (as CNI makes one per pod, so its VMM makes a TAP and tc
# redirects there): create (state created, a VMM pid), start, the
# workload's exit (state stopped), delete (no state), no TAP or ingress
# qdisc left in the netns.  Prints "ok I" or "fail I: why" (a failed one
# is deleted with --force, so the checks after all of them still count).
# Each command may take LOAD_T (300 s): P boots share L1's one CPU.
LOAD_T=300
load_cycle() {
	local i=$1 id=vm-load-$1 d=$LOGS/load/$1 ns=hyload-$1 why
	mkdir -p "$d"
	"$IP" netns add $ns && "$IP" link add hyla$i type veth peer name hylb$i &&
		"$IP" link set hylb$i netns $ns && "$IP" -n $ns link set hylb$i up &&
		"$IP" -n $ns addr add 10.77.0.2/24 dev hylb$i && "$IP" link set hyla$i up ||
		{ echo "fail $i: could not make netns $ns"; return; }
	sed "s|@ROOTFS@|$B/load/rootfs|; s|@NETNS@|$ns|" "$B/load/config.json" >"$d/config.json"
	why=$(load_steps $i $id "$d" $ns)
	if [ -n "$why" ]; then
		echo "fail $i: $why"
		timeout $LOAD_T "$HYRUN" --root "$ROOT" delete --force $id >/dev/null 2>&1
	else
		echo "ok $i"
	fi
	"$IP" netns del $ns
}

# load_steps I ID BUNDLE NETNS: load_cycle's checks; prints why one failed.
load_steps() {
	local i=$1 id=$2 d=$3 ns=$4 st j=0
	hl() { timeout $LOAD_T "$HYRUN" --root "$ROOT" "$@"; }
	hl create -b "$d" $id </dev/null >"$d/out" 2>&1 || { echo "create: $(tail -n 3 "$d/out" | tr '\n' ' ')"; return; }
	st=$(hl state $id | tr -d ' \n')
	case $st in *'"id":"'$id'"'*'"status":"created"'*) ;; *) echo "state after create: $st"; return ;; esac
	case $st in *'"pid":0,'* | *'"pid":,'*) echo "no pid after create: $st"; return ;; esac
	hl start $id >>"$d/out" 2>&1 || { echo "start: $(tail -n 3 "$d/out" | tr '\n' ' ')"; return; }
	until [ "$(hl state $id | sed -n 's/.*"status"[[:space:]]*:[[:space:]]*"\([a-z]*\)".*/\1/p')" = stopped ]; do
		j=$((j + 1))
		[ $j -lt 1500 ] || { echo "never stopped"; return; }
		sleep 0.2
	done
	hl delete $id >>"$d/out" 2>&1 || { echo "delete: $(tail -n 3 "$d/out" | tr '\n' ' ')"; return; }
	[ ! -e "$ROOT/$id" ] || { echo "state dir left"; return; }
	st=$("$IP" -n $ns -o link show | grep hytap)
	[ -z "$st" ] || { echo "TAP left: $st"; return; }
	st=$("$TC" -n $ns qdisc show dev hylb$i | grep ingress)
	[ -z "$st" ] || { echo "ingress qdisc left: $st"; return; }
}

# mem_avail_mib: MemAvailable in MiB.
mem_avail_mib() {
	awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo
}

# all_fds: the open fds of every process in L1 (file-nr is a per-CPU
# estimate, off by tens).
all_fds() {
	ls /proc/[0-9]*/fd 2>/dev/null | grep -c '^[0-9]'
}

# HYRUN_VM_LOAD_N lifecycles (default 100), P at a time: P workers, worker
# k taking lifecycles k, k+P, ...  P (HYRUN_VM_LOAD_P) by default is what
# memory allows if every guest touched all of its 128 MiB and each VMM,
# with its create, took 32 MiB more: (MemAvailable - 128 MiB) / 160 MiB,
# at most 8.  Afterwards: every lifecycle ok, no state, cgroup, VMM, TAP,
# netns or mount left, and as many fds open in the whole of L1 as before
# (each found problem is said, the case fails on any).
# Not in ALL: it takes minutes (each boot is seconds of L1's one CPU).
case_load() {
	local n=${HYRUN_VM_LOAD_N:-100} p=${HYRUN_VM_LOAD_P:-} avail k out left bad=""
	local fds0 fds1 mounts0 mounts1 sampler t0 t1 low workers=""
	avail=$(mem_avail_mib)
	[ -n "$p" ] || p=$(((avail - 128) / 160))
	[ "$p" -le 8 ] || p=8
	[ "$p" -ge 1 ] || why "MemAvailable $avail MiB: not even one VM fits"
	note "load: MemAvailable $avail MiB: $n lifecycles, $p at a time"
	mkdir -p "$LOGS/load"
	[ -e /var/run ] || { mkdir -p /var && ln -s /run /var/run; }
	# the first netns makes /run/netns a mount: before counting mounts
	"$IP" netns add hyload-0 && "$IP" netns del hyload-0
	fds0=$(all_fds)
	mounts0=$(wc -l </proc/mounts)
	# the lowest MemAvailable while the workers run
	(lo=$avail; while :; do a=$(mem_avail_mib); [ "$a" -ge "$lo" ] || { lo=$a; echo $lo >"$LOGS/load/low"; }; sleep 0.5; done) &
	sampler=$!
	t0=$(uptime_cs)
	for k in $(seq 1 $p); do
		(i=$k; while [ $i -le $n ]; do load_cycle $i; i=$((i + p)); done) >"$LOGS/load/worker-$k" 2>&1 &
		workers="$workers $!"
	done
	for k in $workers; do wait $k; done
	t1=$(uptime_cs)
	kill $sampler
	wait $sampler 2>/dev/null
	low=$(cat "$LOGS/load/low" 2>/dev/null || echo "$avail")
	out=$(cat "$LOGS/load"/worker-*)
	echo "$out" | grep -v '^ok ' | while read -r l; do note "load: $l"; done
	note "load: $(echo "$out" | grep -c '^ok ') of $n ok in $(((t1 - t0) / 100)) s; MemAvailable at least $low MiB (of $avail before)"
	wait_for 30 sh -c "[ \$(ls /proc/[0-9]*/fd 2>/dev/null | grep -c '^[0-9]') -le $fds0 ]" || true
	fds1=$(all_fds)
	mounts1=$(wc -l </proc/mounts)
	note "load: fds open in L1 $fds0 before, $fds1 after; mounts $mounts0, $mounts1"
	[ "$(echo "$out" | grep -c '^ok ')" = "$n" ] || bad="$bad; $(echo "$out" | grep -vc '^ok ') of $n lifecycles failed"
	left=$(hy list -q)
	[ -z "$left" ] || bad="$bad; list shows: $left"
	left=$(ls "$ROOT" | grep vm-load-)
	[ -z "$left" ] || bad="$bad; state left: $left"
	left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "vm-load-*" 2>/dev/null)
	[ -z "$left" ] || bad="$bad; cgroups left: $left"
	left=$(vmms_of_run)
	[ -z "$left" ] || bad="$bad; VMM processes left: $left"
	left=$("$IP" -o link show | grep -E 'hytap|hyla')
	[ -z "$left" ] || bad="$bad; links left: $left"
	left=$("$IP" netns list | grep hyload)
	[ -z "$left" ] || bad="$bad; netns left: $left"
	[ "$mounts1" = "$mounts0" ] || bad="$bad; mounts: $mounts0 before, $mounts1 after"
	[ "$fds1" -le "$fds0" ] || bad="$bad; fds open in L1: $fds0 before, $fds1 after"
	[ -z "$bad" ] || why "${bad#; }"
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
	out=$(hy exec -t --detach $EC true </dev/null 2>&1) || rc=$?
	echo "terminal, detached, no console socket: exit $rc: $out"
	[ "$rc" != 0 ] || why "exec -t --detach without --console-socket succeeded"
	case $out in *"--console-socket"*) ;; *) why "the refusal does not name --console-socket: $out" ;; esac
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

# --- networking: the container's netns, a veth, TAP + tc mirred ---------
# The netns hynet holds hyv1 (10.88.0.2/24, MTU 1400, default via
# 10.88.0.1); its peer hyv0 (10.88.0.1/24) is in L1's own namespace, as CNI
# or `ip netns` + veth would leave them.  $IP and $TC are iproute2's
# (busybox's ip applet comes first in PATH).
NETNS=hynet
net_make() {
	[ -e /var/run ] || { mkdir -p /var && ln -s /run /var/run; }
	"$IP" netns add $NETNS &&
		"$IP" link add hyv0 type veth peer name hyv1 &&
		"$IP" link set hyv1 netns $NETNS &&
		"$IP" -n $NETNS link set hyv1 mtu 1400 up &&
		"$IP" -n $NETNS addr add 10.88.0.2/24 dev hyv1 &&
		"$IP" -n $NETNS route add default via 10.88.0.1 &&
		"$IP" link set hyv0 mtu 1400 up &&
		"$IP" addr add 10.88.0.1/24 dev hyv0 &&
		"$IP" link add hyw0 type veth peer name hyw1 &&
		"$IP" link set hyw1 netns $NETNS &&
		"$IP" -n $NETNS link set hyw1 up &&
		"$IP" -n $NETNS addr add 10.89.0.2/24 dev hyw1 &&
		"$IP" link set hyw0 up &&
		"$IP" addr add 10.89.0.1/24 dev hyw0
}

net_fresh() {
	"$IP" netns del $NETNS 2>/dev/null
	"$IP" link del hyv0 2>/dev/null
	"$IP" link del hyw0 2>/dev/null
	net_make || why "could not make the netns and veth"
}

# net_residue: no TAP and no qdisc of ours left in the netns.
net_residue() {
	local left
	left=$("$IP" -n $NETNS -o link show | grep hytap)
	[ -z "$left" ] || why "TAP left in $NETNS: $left"
	left=$("$TC" -n $NETNS qdisc show dev hyv1 | grep ingress)
	[ -z "$left" ] || why "ingress qdisc left on hyv1: $left"
	left=$("$TC" -n $NETNS filter show dev hyv1 ingress)
	[ -z "$left" ] || why "tc filter left on hyv1: $left"
	left=$("$TC" -n $NETNS qdisc show dev hyw1 | grep ingress)
	[ -z "$left" ] || why "ingress qdisc left on hyw1: $left"
}

case_net() {
	local id=vm-net out mac mac2 name2 srv srv2 pid i=0
	net_fresh
	mac=$("$IP" -n $NETNS -o link show hyv1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	mac2=$("$IP" -n $NETNS -o link show hyw1 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	echo "hyv1 in $NETNS: $mac, hyw1: $mac2"
	busybox nc -l -p 7001 >"$LOGS/net.peer" 2>&1 &
	srv=$!
	busybox nc -l -p 7004 >"$LOGS/net.peer2" 2>&1 &
	srv2=$!
	hy run -b "$B/net" $id </dev/null >"$LOGS/net.out" 2>&1 &
	pid=$!
	wait_for 60 grep -q "server up" "$LOGS/net.out" || { kill $srv $srv2; hy delete --force $id; cat "$LOGS/net.out"; why "the guest did not get to its server"; }
	echo "while it runs: $("$IP" -n $NETNS -o link show | grep hytap)"
	"$TC" -n $NETNS filter show dev hyv1 ingress
	"$TC" -n $NETNS filter show dev hyv1 ingress | grep -q "mirred (Egress Redirect to device hytap" ||
		{ kill $srv $srv2; hy delete --force $id; why "no mirred redirect from hyv1 to a TAP while the VM runs"; }
	until echo ping-from-peer | busybox nc -w 5 10.88.0.2 7002; do
		i=$((i + 1))
		[ $i -lt 20 ] || { kill $srv $srv2; hy delete --force $id; why "the guest's server was not reached from the peer"; }
		sleep 0.5
	done
	wait $pid || { cat "$LOGS/net.out"; why "hyrun run failed (exit $?)"; }
	kill $srv $srv2 2>/dev/null
	out=$(cat "$LOGS/net.out")
	echo "guest:"
	echo "$out"
	echo "peer's server got: $(cat "$LOGS/net.peer"), the second: $(cat "$LOGS/net.peer2")"
	case $out in *"if eth0 $mac mtu 1400"*) ;; *) why "no eth0 with hyv1's MAC $mac and MTU 1400" ;; esac
	case $out in *"if lo "*) ;; *) why "no lo in the guest" ;; esac
	case $out in *"addr eth0 10.88.0.2/24"*) ;; *) why "eth0 has not 10.88.0.2/24" ;; esac
	# the second interface: one TAP and one virtio-net each
	name2=$(echo "$out" | sed -n "s/^if \([a-z0-9]*\) $mac2 mtu 1500\$/\1/p")
	[ -n "$name2" ] && [ "$name2" != eth0 ] || why "no second interface with hyw1's MAC $mac2"
	case $out in *"addr $name2 10.89.0.2/24"*) ;; *) why "$name2 has not 10.89.0.2/24" ;; esac
	grep -q hello-on-second "$LOGS/net.peer2" || why "the server on the second interface's peer got nothing"
	case $out in *"route default via 10.88.0.1"*) ;; *) why "no default route via 10.88.0.1" ;; esac
	grep -q hello-from-guest "$LOGS/net.peer" || why "the peer's server got nothing from the guest"
	case $out in *"server got: ping-from-peer"*) ;; *) why "the guest's server got nothing from the peer" ;; esac
	residue $id
	net_residue
	"$IP" -n $NETNS -o addr show dev hyv1 | grep -q "10.88.0.2/24" || why "hyv1 lost its address"
}

# The VMM killed with SIGKILL cannot undo its redirect on hyv1 (the netns
# outlives it); delete does.
case_net_kill9() {
	local id=vm-netkill pid
	net_fresh
	hy create -b "$B/netwait" $id </dev/null >"$LOGS/netwait.out" 2>&1 || why "create failed: $(cat "$LOGS/netwait.out")"
	hy start $id || { hy delete --force $id; why "start failed"; }
	wait_for 60 grep -q up "$LOGS/netwait.out" || { hy delete --force $id; why "the workload did not start"; }
	pid=$(pid_of $id)
	"$TC" -n $NETNS filter show dev hyv1 ingress | grep -q "Egress Redirect to device hytap" ||
		{ hy delete --force $id; why "no redirect while it runs"; }
	kill -9 "$pid"
	wait_for 30 is_status $id stopped || { hy delete --force $id; why "status after SIGKILL: $(status $id)"; }
	echo "after SIGKILL, before delete:"
	"$TC" -n $NETNS qdisc show dev hyv1
	"$TC" -n $NETNS filter show dev hyv1 ingress
	"$IP" -n $NETNS -o link show | grep hytap && why "the TAP outlived its VMM"
	"$TC" -n $NETNS filter show dev hyv1 ingress | grep -q mirred || why "nothing left to clean after SIGKILL (the case tests nothing)"
	hy delete $id || { hy delete --force $id; why "delete failed"; }
	residue $id
	net_residue
}

# Host network (no network namespace) cannot be given to a guest.
case_net_host() {
	bad_input hostnet vm-hostnet "linux.namespaces: VM mode needs a network namespace"
}

# io.hyrun.vm.network=none without a netns, and a new netns (lo only): the
# guest has lo and nothing else.
case_net_none() {
	local out
	out=$(hy run -b "$B/netnone" vm-netnone </dev/null 2>&1) || why "run with network=none failed: $out"
	echo "network=none: $out"
	# (sit0: the guest kernel's own IPv6-in-IPv4 device, not a NIC)
	case " $out " in *" lo "*) ;; *) why "network=none: no lo in \"$out\"" ;; esac
	case $out in *eth*) why "network=none: guest interfaces \"$out\": a NIC" ;; esac
	out=$(hy run -b "$B/netlo" vm-netlo </dev/null 2>&1) || why "run with a new netns failed: $out"
	echo "new netns: $out"
	case " $out " in *" lo "*) ;; *) why "a new netns: no lo in \"$out\"" ;; esac
	case $out in *eth*) why "a new netns: guest interfaces \"$out\": a NIC" ;; esac
	residue vm-netnone
	residue vm-netlo
}

# --- terminals (process.terminal, exec -t) -------------------------------
# tty_check OUT SIZE: what /tty.sh (run-nested.sh) printed on its pty (SIZE:
# the first `stty size`, an extended regular expression),
# as the master read it (the guest pty echoes what is typed, ^C as "^C").
tty_check() {
	local out
	out=$(tr -d '\r' <"$1")
	echo "$out" | grep -qx '/dev/pts/[0-9]*' || why "tty did not print /dev/pts/N"
	echo "$out" | grep -qxE "$2" || why "stty size did not show the initial size $2"
	echo "$out" | grep -qx 'got: hello' || why "the typed line did not reach the process"
	echo "$out" | grep -qx 'winch: 40 120' || why "the resize to 40x120 did not reach the process"
	echo "$out" | grep -q 'got INT$' || why "^C did not raise SIGINT"
	echo "$out" | grep -q '^sleep: 130$' || why "^C did not end sleep with SIGINT (130)"
	echo "$out" | grep -qx 'line2' || why "cat did not echo line2"
	echo "$out" | grep -q 'cat: done$' || why "^D did not end cat"
}

# ttyrecv_bg SOCK OUT: ttyrecv in the background, its pid in $ttyrecv_pid
# once the socket listens; it plays tty.sh's other side: types a line,
# resizes, types ^C (once sleep runs) and a line and ^D, reads to the end.
ttyrecv_bg() {
	rm -f "$1"
	"$TTYRECV" "$1" wait:ready 'send:hello\n' 'wait:got: hello' wait:resize-me size:40x120 \
		'wait:winch: 40 120' wait:interrupt-me sleep:3000 'send:\x03' 'wait:sleep: 130' \
		'send:line2\n\x04' 'wait:cat: done' eof >"$2" 2>"$2.err" &
	ttyrecv_pid=$!
	wait_for 10 test -S "$1" || why "ttyrecv did not listen on $1"
}

# tty_debug ID: how the guest processes and the VMM's threads stand (a
# ttyrecv step timed out: which side hangs?).
tty_debug() {
	echo "--- the guest's processes:"
	hy exec "$1" sh -c 'for p in /proc/[0-9]*; do echo "$p $(tr "\0" " " <$p/cmdline) $(grep -E "^(State|SigPnd|SigCgt)" $p/status | tr "\n\t" "  ") $(cat $p/wchan)"; done' </dev/null
	echo "--- the VMM's threads:"
	for t in /proc/$(pid_of "$1")/task/*; do echo "$t $(cat $t/comm) $(cut -d' ' -f3 $t/stat) $(cat $t/wchan)"; done
}

# ttyrecv_end ID OUT: wait for ttyrecv; show what it saw.
ttyrecv_end() {
	local rc=0
	wait "$ttyrecv_pid" || rc=$?
	ttyrecv_pid=
	cat "$2.err"
	echo "--- read from the master:"
	cat "$2"
	echo "---"
	[ "$rc" = 0 ] || { tty_debug "$1"; why "ttyrecv: $(grep 'failed' "$2.err" | tail -n1)"; }
}

# tty_cleanup ID: on the way out of a case: no ttyrecv, no container left
# behind by a failure (the case has failed already then).
tty_cleanup() {
	[ -z "$ttyrecv_pid" ] || kill "$ttyrecv_pid" 2>/dev/null
	[ ! -e "$ROOT/$1" ] || hy delete --force "$1" >/dev/null 2>&1
}

# create + start as containerd's shim does it: the master arrives on the
# console socket, the process is on a guest pty with the config's size.
case_tty_create() {
	local out=$LOGS/tty-create.out
	ttyrecv_pid=
	trap 'tty_cleanup vm-tty' EXIT
	ttyrecv_bg "$LOGS/tty.sock" "$out"
	hy --debug --log "$LOGS/tty.log" create -b "$B/tty" --console-socket "$LOGS/tty.sock" vm-tty </dev/null ||
		why "create failed"
	hy start vm-tty || { cat "$LOGS/tty.log"; why "start failed"; }
	ttyrecv_end vm-tty "$out"
	tty_check "$out" "30 100"
	wait_for 30 is_status vm-tty stopped || why "status after the end: $(status vm-tty)"
	hy delete vm-tty || why "delete failed"
	residue vm-tty
}

# The shim may resize the master while the guest still boots: the size
# reaches the guest pty once the container exists (and wins over
# process.consoleSize, as the later size).
case_tty_boot_resize() {
	local out=$LOGS/tty-size.out rc=0
	ttyrecv_pid=
	trap 'tty_cleanup vm-ttysize' EXIT
	rm -f "$LOGS/tty-size.sock"
	"$TTYRECV" "$LOGS/tty-size.sock" size:33x111 'wait:33 111' eof >"$out" 2>"$out.err" &
	ttyrecv_pid=$!
	wait_for 10 test -S "$LOGS/tty-size.sock" || why "ttyrecv did not listen"
	hy create -b "$B/ttysize" --console-socket "$LOGS/tty-size.sock" vm-ttysize </dev/null || why "create failed"
	hy start vm-ttysize || why "start failed"
	wait "$ttyrecv_pid" || rc=$?
	ttyrecv_pid=
	cat "$out.err" "$out"
	[ "$rc" = 0 ] || why "stty size in the guest did not print 33 111: $(tr -d '\r' <"$out")"
	wait_for 30 is_status vm-ttysize stopped || why "status: $(status vm-ttysize)"
	hy delete vm-ttysize || why "delete failed"
	residue vm-ttysize
}

# Foreground run with a terminal and a stdin that is not one: as container
# mode, hyrun receives the master itself and relays its stdin.
case_tty_foreground() {
	local out
	out=$(echo "from a pipe" | hy run -b "$B/ttyfg" vm-ttyfg 2>&1) || why "run failed (exit $?): $out"
	echo "$out"
	out=$(echo "$out" | tr -d '\r')
	echo "$out" | grep -qx '/dev/pts/[0-9]*' || why "tty did not print /dev/pts/N"
	echo "$out" | grep -qx 'got: from a pipe' || why "stdin did not reach the process"
	residue vm-ttyfg
}

case_tty_errors() {
	local out rc=0
	out=$(hy create -b "$B/tty" vm-tty-nosock </dev/null 2>&1) || rc=$?
	echo "no console socket: exit $rc: $out"
	[ "$rc" != 0 ] || why "create with a terminal and no --console-socket succeeded"
	case $out in *"--console-socket"*) ;; *) why "the error does not name --console-socket: $out" ;; esac
	residue vm-tty-nosock
	rc=0
	out=$(hy create -b "$B/tty" --console-socket "$LOGS/no-such.sock" vm-tty-nosock </dev/null 2>&1) || rc=$?
	echo "a console socket nobody listens on: exit $rc: $out"
	[ "$rc" != 0 ] || why "create with a dead console socket succeeded"
	case $out in *"no-such.sock"*) ;; *) why "the error does not name the socket: $out" ;; esac
	residue vm-tty-nosock
}

# exec as the shim does it: --process (terminal: true) --console-socket
# --detach --pid-file; subreaper reaps the proxy.
case_exec_tty() {
	local out=$LOGS/exec-tty.out f=$LOGS/tty-process.json sr
	ttyrecv_pid=
	trap 'tty_cleanup vm-no-container' EXIT
	cat >"$f" <<'EOP'
{"terminal": true, "consoleSize": {"height": 25, "width": 90}, "user": {"uid": 0, "gid": 0},
 "cwd": "/", "args": ["sh", "/tty.sh"], "env": ["PATH=/bin:/sbin:/usr/bin", "TERM=xterm"]}
EOP
	ttyrecv_bg "$LOGS/exec-tty.sock" "$out"
	rm -f "$LOGS/exec-tty.pid"
	sr=$("$SUBREAPER" "$LOGS/exec-tty.pid" "$HYRUN" --root "$ROOT" exec --process "$f" \
		--console-socket "$LOGS/exec-tty.sock" --detach --pid-file "$LOGS/exec-tty.pid" $EC </dev/null 2>&1) ||
		why "subreaper: $sr"
	echo "$sr"
	ttyrecv_end $EC "$out"
	tty_check "$out" "25 90"
	echo "$sr" | grep -q "^proxy: [0-9]* hyrun:vm-exec$" || why "the pid file's process is not the exec proxy"
	echo "$sr" | grep -qx "status: exit 0" || why "the proxy did not exit 0 with the process"
	out=$(hy exec $EC echo still running </dev/null) || why "exec after the terminal exec failed: $out"
}

# Foreground exec -t at a terminal (ttyrecv --pty is the user's): hyrun
# puts it in raw mode, the guest pty starts at its size (24x80), its resize
# follows, ^C and ^D typed there act in the guest.
case_exec_tty_own() {
	local out=$LOGS/exec-own.out rc=0
	timeout $((T * 3)) "$TTYRECV" --pty 24x80 wait:ready 'send:hello\n' 'wait:got: hello' wait:resize-me \
		size:40x120 'wait:winch: 40 120' wait:interrupt-me sleep:3000 'send:\x03' 'wait:sleep: 130' \
		'send:line2\n\x04' 'wait:cat: done' eof -- "$HYRUN" --root "$ROOT" exec -t $EC sh /tty.sh \
		>"$out" 2>"$out.err" || rc=$?
	cat "$out.err"
	echo "--- read from the terminal:"
	cat "$out"
	echo "---"
	[ "$rc" = 0 ] || why "ttyrecv: $(grep 'failed' "$out.err" | tail -n1)"
	tty_check "$out" "24 80"
	grep -qx "ttyrecv: CMD exit 0" "$out.err" || why "hyrun exec -t did not exit 0"
}

# Foreground run at a terminal: hyrun is its own console socket receiver
# (as in container mode) and relays its raw terminal to the host pty, the
# VMM that to the guest; the first size is the config's or, once hyrun
# has the master, the terminal's.
case_tty_run_own() {
	local out=$LOGS/run-own.out rc=0
	timeout $((T * 3)) "$TTYRECV" --pty 24x80 wait:ready 'send:hello\n' 'wait:got: hello' wait:resize-me \
		size:40x120 'wait:winch: 40 120' wait:interrupt-me sleep:3000 'send:\x03' 'wait:sleep: 130' \
		'send:line2\n\x04' 'wait:cat: done' eof -- "$HYRUN" --root "$ROOT" run -b "$B/tty" vm-tty-run \
		>"$out" 2>"$out.err" || rc=$?
	cat "$out.err"
	echo "--- read from the terminal:"
	cat "$out"
	echo "---"
	[ "$rc" = 0 ] || { hy delete --force vm-tty-run; why "ttyrecv: $(grep 'failed' "$out.err" | tail -n1)"; }
	tty_check "$out" "(30 100|24 80)"
	grep -qx "ttyrecv: CMD exit 0" "$out.err" || why "hyrun run did not exit 0"
	residue vm-tty-run
}

# Foreground exec -t without a console socket: our own stdin (a pipe
# here) and stdout, as container mode.
case_exec_tty_foreground() {
	local out
	out=$(echo "typed" | hy exec -t $EC sh -c 'tty; read l; echo "got: $l"' 2>&1) || why "exec -t failed (exit $?): $out"
	echo "$out"
	out=$(echo "$out" | tr -d '\r')
	echo "$out" | grep -qx '/dev/pts/[0-9]*' || why "tty did not print /dev/pts/N"
	echo "$out" | grep -qx 'got: typed' || why "stdin did not reach the process"
}

# Run by name only, not in ALL: fault_vmm_started and fault_agent_ready
# (they need a test-hooks build: run-nested.sh -H _build-hooks adds them;
# run-all's vm stage does, after the security-inverted stage built it), load
# (100 VM lifecycles: 16 to 19 minutes in L1 on a busy host).  fids is in
# ALL (42 s in L1 on a busy host: thousands of 9P requests, each a round
# trip through L1's KVM).
ALL="uname exit_code stdio shared_rootfs create start pause kill delete memory_limit free_pages hooks no_kernel tiny_memory tty_create tty_boot_resize tty_foreground tty_run_own tty_errors exec_setup exec_uname exec_namespaces exec_exit_code exec_stdio exec_process_file exec_flags exec_detach exec_kill exec_kill9 exec_bulk exec_duplex exec_concurrent exec_tty exec_tty_own exec_tty_foreground exec_errors exec_stopped volumes volumes_ro volumes_file volumes_shm volumes_rootfs volumes_residue volume_device escape net net_kill9 net_host net_none userns_share ksm ksm_bad rootfs_cache rootfs_cache_bad fids"
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
	free_pages) check "vm: memory the guest frees goes back to the host (free page reporting: the VMM's RSS falls)" case_free_pages ;;
	no_kernel) check "vm: a missing guest kernel fails run clearly, nothing left" case_no_kernel ;;
	tiny_memory) check "vm: io.hyrun.vm.memory=1 fails run clearly, nothing left" case_tiny_memory ;;
	hooks) check "vm: prestart, poststart and poststop hooks run on the host around the VM" case_hooks ;;
	tty_create) check "vm tty: create --console-socket + start: the master gets the guest pty (size, typing, resize, ^C, ^D)" case_tty_create ;;
	tty_boot_resize) check "vm tty: a resize while the guest boots reaches the guest pty" case_tty_boot_resize ;;
	tty_foreground) check "vm tty: a foreground run with a terminal relays a non-tty stdin, as container mode" case_tty_foreground ;;
	tty_run_own) check "vm tty: a foreground run at a terminal: raw relay, resize, ^C and ^D reach the guest pty" case_tty_run_own ;;
	tty_errors) check "vm tty: no or a dead --console-socket fails create clearly, nothing left" case_tty_errors ;;
	exec_tty) check "vm exec: --process (terminal) --console-socket --detach --pid-file: the master gets the guest pty" case_exec_tty ;;
	exec_tty_own) check "vm exec: -t at a terminal: raw mode, its size, resize, ^C and ^D reach the guest pty" case_exec_tty_own ;;
	exec_tty_foreground) check "vm exec: -t in the foreground relays our stdin and stdout" case_exec_tty_foreground ;;
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
	exec_duplex) check "vm exec: 16 MiB both ways through cat while signals and other execs use the control channel" case_exec_duplex ;;
	escape) check "vm 9P: symlinks out of the rootfs, and a folder on the guest's working path swapped with one: nothing outside is read or written" case_escape ;;
	fids) check "vm 9P: a guest holding thousands of fids: the VMM's fds and memory stay bounded, exec answers, fds come back, kill and delete work" case_fids ;;
	load) check "vm load: ${HYRUN_VM_LOAD_N:-100} create/start/delete in parallel, as memory allows: none lost or corrupt, no state, cgroup, VMM, TAP, mount or fd left" case_load ;;
	fault_vmm_started) check "vm faults: create killed once the VMM runs (test build): delete --force leaves nothing" case_fault_vmm_started ;;
	fault_agent_ready) check "vm faults: create killed once the agent is ready (test build): delete --force leaves nothing" case_fault_agent_ready ;;
	flood) check "vm: a workload flooding a stdout nobody reads still takes kill TERM, delete leaves nothing" case_flood ;;
	exec_concurrent) check "vm exec: two execs at once keep their own output and status" case_exec_concurrent ;;
	exec_errors) check "vm exec: a missing program, -t --detach without a console socket, a missing container fail clearly; the container runs on" case_exec_errors ;;
	exec_stopped) check "vm exec: into a stopped container fails clearly" case_exec_stopped ;;
	volumes) check "vm volumes: a folder volume is read and written both ways, no staging mount on the host" case_volumes ;;
	volumes_ro) check "vm volumes: writes to ro and rro volumes fail with EROFS" case_volumes_ro ;;
	volumes_file) check "vm volumes: a bound file (/etc/hosts) is read, and a host-side change is seen" case_volumes_file ;;
	volumes_shm) check "vm volumes: a bind on /dev/shm is a tmpfs of the source's size in the guest" case_volumes_shm ;;
	volumes_rootfs) check "vm volumes: a bind of a rootfs folder (relative to the bundle) comes from the rootfs share" case_volumes_rootfs ;;
	volumes_residue) check "vm volumes: nothing left after the run (state, mounts)" case_volumes_residue ;;
	userns_share) check "vm: with a user namespace the shared rootfs is written with the mapped ids (a setuid file is host uid 100000's)" case_userns_share ;;
	volume_device) check "vm volumes: a device node source fails run clearly, naming mounts[7], nothing left" case_volume_device ;;
	net) check "vm net: a netns with two veths: eth0 has its MAC, address, MTU, route; guest and peer reach each other's servers; the second gets its own NIC; no TAP or tc left" case_net ;;
	net_kill9) check "vm net: after the VMM is killed with SIGKILL, delete removes its tc redirect from the veth" case_net_kill9 ;;
	net_host) check "vm net: no network namespace (host network) fails clearly, nothing left" case_net_host ;;
	net_none) check "vm net: io.hyrun.vm.network=none, or a netns with only lo: the guest has only lo" case_net_none ;;
	ksm) check "vm: io.hyrun.vm.ksm=true marks guest RAM mergeable (smaps mg), false does not" case_ksm ;;
	rootfs_cache) check "vm: io.hyrun.vm.rootfs-cache=loose caches the rootfs (fewer 9P requests than none), writes reach the folder" case_rootfs_cache ;;
	rootfs_cache_bad) check "vm: io.hyrun.vm.rootfs-cache=always fails run clearly, nothing left" case_rootfs_cache_bad ;;
	ksm_bad) check "vm: io.hyrun.vm.ksm=yes fails run clearly, nothing left" case_ksm_bad ;;
	demo) check "vm: the demo bundle runs in a guest (contrib/demo.sh)" case_demo ;;
	qemu) check "vm: QEMU boots the guest kernel with the same devices (environment check)" case_qemu ;;
	*) echo "cases.sh: unknown case $c" >&2; exit 2 ;;
	esac
done
echo "# cases: $n run, $failed failed"
# this run's own state root goes when empty (a left container keeps it)
[ -n "${HYRUN_VM_STATE:-}" ] || rmdir "$ROOT" 2>/dev/null || true
[ "$failed" = 0 ]

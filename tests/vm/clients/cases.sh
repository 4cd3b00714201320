#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# VM mode driven by real clients, in the nested test VM: containerd 1.6 with
# its runc v2 shim (ctr) and podman 4.3 with conmon start here, configured
# from contrib/, with hyrun installed (BINDIR/hyrun, BINDIR/hyrun-vm).  Run
# by tests/vm/clients/run.sh inside L1; POSIX sh (busybox).
#
#   cases.sh ENV_FILE [CASE...]
#
# ENV_FILE sets BINDIR, GUEST_RELEASE (the guest kernel's uname -r),
# IMAGE_TAR (an OCI archive of a busybox image), IMAGE (its name) and T (the
# seconds one client command may take).  Prints TAP, one line per case; a
# failing case is followed by its log as "# " lines.  Cases run in the
# order given and may use what an earlier one set up (containerd, the
# imported image): ctd_start and pod_load come first.
#
# CLIENT_CASES pass today.  CLIENT_CASES_PENDING (run.sh -p) is for cases
# written ahead of what they test (it held the terminal, volume, network,
# podman, Docker and CRI VM-mode cases until those worked; none now).  A
# ctr_*, pod_* or dkr_* case run alone gets what it stands on run first
# (ctd_start, pod_load, dkr_start).
CLIENT_CASES="ctd_start ctr_run_vm ctr_run_annot ctr_run_container ctr_exec ctr_pause ctr_metrics ctr_kill ctr_memlimit ctr_tty ctr_tty_size ctr_exec_tty ctr_volume ctr_netns pod_load pod_run_container pod_run_vm pod_run_annot pod_exec_stop pod_volume pod_tty dkr_start dkr_run_container dkr_run_vm dkr_vm_detached dkr_vm_kill dkr_vm_tty dkr_publish_container dkr_publish_vm cri_vm cri_annot ctd_nothing_left"
CLIENT_CASES_PENDING=""
set -u
. "$1"
shift
LOGS=/tmp/client-logs
mkdir -p "$LOGS"
n=0
NS=hyrun
SHIM_ROOT=/run/containerd/runc/$NS
export CONTAINERD_SNAPSHOTTER=native
HOST_RELEASE=$(uname -r)

# check NAME FUNCTION: one TAP line; the function's output is the case's
# log, shown only on failure; a failing function says why on its last line
# ("why: ...").  It runs in a subshell.
check() {
	local name=$1 log rc t0 t1 why
	n=$((n + 1))
	log=$LOGS/$n-$name.log
	t0=$(uptime_cs)
	# fd 3 is the TAP stream, for a case that reports figures (bench)
	("$2") 3>&1 >"$log" 2>&1
	rc=$?
	t1=$(uptime_cs)
	secs=$(echo "$t0 $t1" | awk '{ printf "%.1f", ($2 - $1) / 100 }')
	if [ "$rc" = 0 ]; then
		echo "ok $n - $name ($secs s)"
	else
		why=$(sed -n 's/^why: //p' "$log" | tail -n1)
		# what L1's kernel saw: a seccomp kill, a crash, the OOM killer
		dmesg | grep -iE 'audit|seccomp|segfault|oom|killed|trap' | tail -n 5 >>"$log"
		echo "not ok $n - $name # ${why:-exit $rc}"
		echo "# --- log of $name ($secs s)"
		tail -n 80 "$log" | sed 's/^/#   /'
		echo "# ---"
		cleanup >/dev/null 2>&1
	fi
}

# cleanup: after a failing case, remove what it left so that the next
# cases start clean (ctd_nothing_left checks what passing cases leave).
cleanup() {
	local c
	for c in $(CTR task ls -q); do
		CTR task kill -s SIGKILL "$c"
		wait_for 30 is_status "$c" STOPPED
		CTR task delete -f "$c"
	done
	for c in $(CTR container ls -q); do CTR container rm "$c"; done
	PODMAN rm -af -t 0
	# ctr_netns's
	pkill -f 'httpd -p 10.77.0.1:8080'
	/usr/bin/ip netns del hyc
	/usr/bin/ip link del hyc-peer
}

uptime_cs() {
	sed 's/^\([0-9]*\)\.\([0-9][0-9]\).*/\1\2/' /proc/uptime
}

why() {
	echo "why: $*"
	exit 1
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

CTR() {
	timeout "$T" ctr -n "$NS" "$@"
}

PODMAN() {
	timeout "$T" podman "$@"
}

# task_status ID: RUNNING, PAUSED, STOPPED, ... as `ctr task ls` says.
task_status() {
	CTR task ls | awk -v id="$1" '$1 == id { print $3 }'
}

is_status() {
	[ "$(task_status "$1")" = "$2" ]
}

task_pid() {
	CTR task ls | awk -v id="$1" '$1 == id { print $2 }'
}

# guest_release OUTPUT: OUTPUT holds the guest kernel's release, not L1's.
guest_release() {
	echo "guest kernel: $GUEST_RELEASE, L1 kernel: $HOST_RELEASE"
	case $1 in *"$GUEST_RELEASE"*) ;; *) why "no guest kernel release $GUEST_RELEASE in the output" ;; esac
	[ "$GUEST_RELEASE" != "$HOST_RELEASE" ] || why "the guest and L1 kernels have one release: cannot tell them apart"
}

# no_vmm: no VMM process is left (hyrun's VMM is named hyrun:vmm).
no_vmm() {
	local left
	command -v pgrep >/dev/null || why "no pgrep in L1: cannot look for VMM processes"
	left=$(pgrep -x 'hyrun:vmm')
	[ -z "$left" ] || { ps -o pid,args | grep -F hyrun; why "VMM process left: $left"; }
}

# ctr_residue ID: nothing of containerd's task ID is left: no VMM, no
# cgroup, no runtime state under the shim's --root, no bundle.
ctr_residue() {
	local left
	no_vmm
	left=$(find /sys/fs/cgroup -type d -name "$1" 2>/dev/null)
	[ -z "$left" ] || why "cgroup left: $left"
	[ ! -e "$SHIM_ROOT/$1" ] || why "runtime state left: $SHIM_ROOT/$1"
	[ ! -e "/run/containerd/io.containerd.runtime.v2.task/$NS/$1" ] || why "bundle left: /run/containerd/io.containerd.runtime.v2.task/$NS/$1"
}

# ctr_gone ID: kill, delete and remove task and container ID, then check.
ctr_gone() {
	CTR task kill -s SIGKILL "$1" 2>/dev/null
	wait_for 30 is_status "$1" STOPPED
	CTR task delete "$1" || why "ctr task delete $1 failed"
	CTR container rm "$1" || why "ctr container rm $1 failed"
	ctr_residue "$1"
}

# ctr_detached ID BINARY ARGS...: a detached task running ARGS, its output
# in LOGS/ID.out.
ctr_detached() {
	local id=$1 bin=$2
	shift 2
	ctr_detached_opts "$id" "$bin" "" "$@"
}

# ctr_detached_opts ID BINARY "OPTIONS" ARGS...: the same with ctr run OPTIONS
ctr_detached_opts() {
	local id=$1 bin=$2 opts=$3
	shift 3
	CTR run -d --log-uri "file://$LOGS/$id.out" --runc-binary "$bin" $opts "$IMAGE" "$id" "$@" ||
		why "ctr run -d $id failed"
	wait_for 60 is_status "$id" RUNNING || task_failed "$id" "task $id is $(task_status "$id"), not RUNNING"
}

# task_failed ID WHY: the task's output and status, then fail saying WHY.
task_failed() {
	echo "task $1: $(task_status "$1"); its output:"
	cat "$LOGS/$1.out"
	echo "ctr task delete: $(CTR task delete "$1" 2>&1)"
	echo "the runtime's log:"
	tail -n 5 "/run/containerd/io.containerd.runtime.v2.task/$NS/$1/log.json"
	why "$2"
}

rootfs_of() {
	echo "/run/containerd/io.containerd.runtime.v2.task/$NS/$1/rootfs"
}

# --- containerd --------------------------------------------------------------

case_ctd_start() {
	containerd >/tmp/containerd.log 2>&1 &
	wait_for 60 ctr version || { tail -n 20 /tmp/containerd.log; why "containerd did not answer in 60 s"; }
	# contrib's runtime entries are what containerd runs with
	containerd config dump >/tmp/config-dump.toml || why "containerd config dump failed"
	for r in hyrun hyrun-vm; do
		awk -v h="[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.$r]" \
			'$0 ~ /^ *\[/ { on = ($1 == h) } on' /tmp/config-dump.toml >/tmp/runtime-$r.toml
		grep -q '^ *runtime_type = "io.containerd.runc.v2"' /tmp/runtime-$r.toml ||
			{ cat /tmp/runtime-$r.toml; why "containerd's config has no runtime $r of type io.containerd.runc.v2"; }
		grep -q "pod_annotations = \[\"io.hyrun.\*\"\]" /tmp/runtime-$r.toml ||
			{ cat /tmp/runtime-$r.toml; why "runtime $r does not pass the io.hyrun.* pod annotations"; }
		grep -q "BinaryName = \"$BINDIR/$r\"" /tmp/config-dump.toml || why "containerd's config has no BinaryName $BINDIR/$r"
	done
	ctr plugins ls | grep -E 'cri|runc'
	CTR images import "$IMAGE_TAR" || why "ctr images import failed"
	CTR images ls | grep -qF "$IMAGE" || why "image $IMAGE not imported"
}

# the runtime named hyrun-vm, as a runtime entry's BinaryName names it
case_ctr_run_vm() {
	local out rc=0
	out=$(CTR run --rm --runtime io.containerd.runc.v2 --runc-binary "$BINDIR/hyrun-vm" "$IMAGE" c-run \
		sh -c 'uname -r; exit 3' </dev/null) || rc=$?
	echo "output: $out"
	guest_release "$out"
	[ "$rc" = 3 ] || why "ctr run exited $rc, the container 3"
	ctr_residue c-run
}

# hyrun (container by default) asked for a VM by the annotation
case_ctr_run_annot() {
	local out rc=0
	out=$(CTR run --rm --runc-binary "$BINDIR/hyrun" --annotation io.hyrun.isolation=vm "$IMAGE" c-annot \
		sh -c 'uname -r; exit 5' </dev/null) || rc=$?
	echo "output: $out"
	guest_release "$out"
	[ "$rc" = 5 ] || why "ctr run exited $rc, the container 5"
	ctr_residue c-annot
}

# the same binary without the annotation: a container on L1's kernel
case_ctr_run_container() {
	local out rc=0
	out=$(CTR run --rm --runc-binary "$BINDIR/hyrun" "$IMAGE" c-cont sh -c 'uname -r; exit 4' </dev/null) || rc=$?
	echo "output: $out"
	[ "$out" = "$HOST_RELEASE" ] || why "printed '$out', not L1's kernel release $HOST_RELEASE"
	[ "$rc" = 4 ] || why "ctr run exited $rc, the container 4"
	ctr_residue c-cont
}

case_ctr_exec() {
	local out rc=0
	ctr_detached c-exec "$BINDIR/hyrun-vm" sh -c 'echo started >/started; while :; do sleep 1; done'
	# where ctr_residue looks, while the task runs: its state, its cgroup, its VMM
	[ -d "$SHIM_ROOT/c-exec" ] || why "no runtime state at $SHIM_ROOT/c-exec while the task runs"
	[ -n "$(find /sys/fs/cgroup -type d -name c-exec)" ] || why "no cgroup named c-exec while the task runs"
	pgrep -x 'hyrun:vmm' >/dev/null || why "no hyrun:vmm process while the task runs"
	out=$(CTR task exec --exec-id e1 c-exec sh -c 'echo exec-ok; uname -r; cat /started; exit 7' </dev/null) || rc=$?
	echo "output: $out"
	case $out in *exec-ok*started*) ;; *) why "exec's output is missing" ;; esac
	guest_release "$out"
	[ "$rc" = 7 ] || why "ctr task exec exited $rc, the process 7"
	ctr_gone c-exec
}

# the guest counts into a file of the rootfs (shared live with L1)
tick() {
	cat "$(rootfs_of c-pause)/tick" 2>/dev/null
}

case_ctr_pause() {
	local t1 t2 t3
	ctr_detached c-pause "$BINDIR/hyrun-vm" sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tick; sleep 0.1; done'
	wait_for 60 test -s "$(rootfs_of c-pause)/tick" || why "the guest wrote no /tick"
	CTR task pause c-pause || task_failed c-pause "ctr task pause failed"
	wait_for 30 is_status c-pause PAUSED || task_failed c-pause "task is $(task_status c-pause) after pause"
	sleep 0.5
	t1=$(tick)
	sleep 2
	t2=$(tick)
	echo "paused: $t1 then $t2"
	[ "$t1" = "$t2" ] || why "the guest went on counting while paused ($t1, $t2)"
	CTR task resume c-pause || why "ctr task resume failed"
	wait_for 30 is_status c-pause RUNNING || why "task is $(task_status c-pause) after resume"
	wait_for 30 sh -c "[ \"\$(cat $(rootfs_of c-pause)/tick)\" != '$t2' ]" || why "the guest did not count on after resume"
	t3=$(tick)
	echo "resumed: $t3"
	ctr_gone c-pause
}

case_ctr_metrics() {
	local out
	ctr_detached c-met "$BINDIR/hyrun-vm" sh -c 'while :; do sleep 1; done'
	out=$(CTR task metrics c-met) || why "ctr task metrics failed"
	echo "$out"
	echo "$out" | grep -qE '^memory\.(usage|usage_in_bytes)[[:space:]]+[1-9][0-9]*' ||
		why "no memory usage figure in ctr task metrics"
	ctr_gone c-met
}

case_ctr_kill() {
	local out
	ctr_detached c-kill "$BINDIR/hyrun-vm" sh -c 'trap "" TERM; while :; do sleep 1; done'
	CTR task kill -s SIGKILL c-kill || why "ctr task kill failed"
	wait_for 30 is_status c-kill STOPPED || why "task is $(task_status c-kill) after SIGKILL"
	out=$(CTR task delete c-kill 2>&1) || why "ctr task delete failed"
	echo "delete: $out"
	case $out in *137*) ;; *) why "exit status 137 not reported" ;; esac
	CTR container rm c-kill || why "ctr container rm failed"
	ctr_residue c-kill
}

# 256 MiB: the host cgroup's memory.max, and the guest's RAM within it
case_ctr_memlimit() {
	local pid cg max kb
	ctr_detached_opts c-mem "$BINDIR/hyrun-vm" "--memory-limit 268435456" \
		sh -c 'sed -n "s/MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo >/memtotal; while :; do sleep 1; done'
	pid=$(task_pid c-mem)
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	max=$(cat "/sys/fs/cgroup$cg/memory.max")
	echo "task pid $pid, cgroup $cg, memory.max $max"
	[ "$max" = 268435456 ] || why "memory.max of the task's cgroup is $max"
	wait_for 60 test -s "$(rootfs_of c-mem)/memtotal" || why "the guest wrote no /memtotal"
	kb=$(cat "$(rootfs_of c-mem)/memtotal")
	echo "guest MemTotal: $kb kB"
	[ "$kb" -gt 0 ] 2>/dev/null || why "no MemTotal from the guest"
	[ "$((kb * 1024))" -le 268435456 ] || why "the guest's MemTotal $kb kB exceeds the 256 MiB limit"
	# the guest's RAM follows the limit (the default without one is 128 MiB)
	[ "$kb" -gt $((192 * 1024)) ] || why "the guest's MemTotal $kb kB is not sized from the 256 MiB limit"
	ctr_gone c-mem
}

case_ctd_nothing_left() {
	CTR task ls
	CTR container ls
	[ -z "$(CTR task ls -q)" ] || why "tasks left: $(CTR task ls -q)"
	[ -z "$(CTR container ls -q)" ] || why "containers left: $(CTR container ls -q)"
	no_vmm
	left=$(find /sys/fs/cgroup/$NS -mindepth 1 -type d 2>/dev/null)
	[ -z "$left" ] || why "cgroups left: $left"
	left=$(ls -A "$SHIM_ROOT" 2>/dev/null)
	[ -z "$left" ] || why "runtime state left under $SHIM_ROOT: $left"
	left=$(PODMAN ps -aq)
	[ -z "$left" ] || why "podman containers left: $left"
	left=$(ls -A /run/hyrun 2>/dev/null)
	[ -z "$left" ] || why "hyrun state left under /run/hyrun (podman's): $left"
	left=$(find /sys/fs/cgroup -type d -name 'libpod-*' 2>/dev/null)
	[ -z "$left" ] || why "podman cgroups left: $left"
	# Docker's containers are containerd's, in its namespace moby
	left=$(timeout "$T" ctr -n moby container ls -q)
	[ -z "$left" ] || why "Docker's containers left in containerd: $left"
	left=$(find /sys/fs/cgroup/docker -mindepth 1 -type d 2>/dev/null)
	[ -z "$left" ] || why "Docker's cgroups left: $left"
}

# --- podman ------------------------------------------------------------------

case_pod_load() {
	PODMAN load -i "$IMAGE_TAR" || why "podman load failed"
	PODMAN images | grep -q hyrun || why "image not loaded"
}

# podman_residue: no VMM, no hyrun state (podman calls hyrun without
# --root: /run/hyrun), no container cgroup (cgroupfs: libpod_parent/libpod-ID)
podman_residue() {
	local left
	no_vmm
	left=$(ls -A /run/hyrun 2>/dev/null)
	[ -z "$left" ] || why "hyrun state left under /run/hyrun: $left"
	left=$(find /sys/fs/cgroup -type d -name "libpod-*" 2>/dev/null)
	[ -z "$left" ] || why "cgroup left: $left"
}

# the contrib entry hyrun without an annotation: a container on L1's kernel
case_pod_run_container() {
	local out rc=0
	out=$(PODMAN --runtime hyrun run --rm --pull never --network none "$IMAGE" sh -c 'uname -r; exit 4' </dev/null) || rc=$?
	echo "output: $out"
	[ "$out" = "$HOST_RELEASE" ] || why "printed '$out', not L1's kernel release $HOST_RELEASE"
	[ "$rc" = 4 ] || why "podman run exited $rc, the container 4"
	podman_residue
}

case_pod_run_vm() {
	local out rc=0
	out=$(PODMAN --runtime "$BINDIR/hyrun-vm" run --rm --pull never --network none "$IMAGE" \
		sh -c 'uname -r; exit 4' </dev/null) || rc=$?
	echo "output: $out"
	guest_release "$out"
	[ "$rc" = 4 ] || why "podman run exited $rc, the container 4"
	podman_residue
}

case_pod_run_annot() {
	local out rc=0
	out=$(PODMAN --runtime hyrun run --rm --pull never --network none --annotation io.hyrun.isolation=vm "$IMAGE" \
		sh -c 'uname -r; exit 6' </dev/null) || rc=$?
	echo "output: $out"
	guest_release "$out"
	[ "$rc" = 6 ] || why "podman run exited $rc, the container 6"
	podman_residue
}

case_pod_exec_stop() {
	local out rc=0 id
	id=$(PODMAN --runtime hyrun-vm run -d --name p-exec --pull never --network none "$IMAGE" \
		sh -c 'while :; do sleep 1; done') || why "podman run -d failed"
	# where podman_residue looks, while it runs
	[ -d "/run/hyrun/$id" ] || why "no hyrun state at /run/hyrun/$id while the container runs"
	[ -n "$(find /sys/fs/cgroup -type d -name "libpod-$id*")" ] || why "no cgroup libpod-$id while the container runs"
	out=$(PODMAN exec p-exec sh -c 'echo exec-ok; uname -r; exit 6' </dev/null) || rc=$?
	echo "output: $out"
	case $out in *exec-ok*) ;; *) why "exec's output is missing" ;; esac
	guest_release "$out"
	[ "$rc" = 6 ] || why "podman exec exited $rc, the process 6"
	PODMAN stop -t 1 p-exec || why "podman stop failed"
	out=$(PODMAN inspect -f '{{.State.Status}}' p-exec)
	[ "$out" = exited ] || why "status after stop: $out"
	PODMAN rm p-exec || why "podman rm failed"
	[ -z "$(PODMAN ps -aq)" ] || why "podman still lists a container"
	podman_residue
}

# --- Docker 20.10 on the containerd above, runtimes from contrib ------------

DOCKER() {
	timeout "$T" docker "$@"
}

case_dkr_start() {
	# no iptables in L1: a bridge (for -p, through docker-proxy) without
	# rules; most cases use --network none
	dockerd --config-file /clients/daemon.json --containerd /run/containerd/containerd.sock \
		--storage-driver vfs --iptables=false --ip-masq=false --ip-forward=false --bip 10.233.0.1/24 >/tmp/dockerd.log 2>&1 &
	wait_for 60 timeout 5 docker version || { tail -n 20 /tmp/dockerd.log; why "dockerd did not answer in 60 s"; }
	docker info 2>/dev/null | grep -i runtime
	docker info 2>/dev/null | grep -q "hyrun-vm" || why "dockerd lists no runtime hyrun-vm"
	DOCKER import /clients/rootfs.tar busybox:hyrun || why "docker import failed"
}

case_dkr_run_container() {
	local out rc=0
	out=$(DOCKER run --rm --runtime hyrun --network none busybox:hyrun sh -c 'uname -r; exit 4' </dev/null) || rc=$?
	echo "output: $out"
	[ "$out" = "$HOST_RELEASE" ] || why "printed '$out', not L1's kernel release $HOST_RELEASE"
	[ "$rc" = 4 ] || why "docker run exited $rc, the container 4"
	no_vmm
}

case_dkr_run_vm() {
	local out rc=0
	out=$(DOCKER run --rm --runtime hyrun-vm --network none busybox:hyrun sh -c 'uname -r; exit 3' </dev/null) || rc=$?
	echo "output: $out"
	guest_release "$out"
	[ "$rc" = 3 ] || why "docker run exited $rc, the container 3"
	no_vmm
}

# --- CRI: containerd's CRI plugin driven as kubelet drives it -------------

# cri_run PROFILE [CASE...]: tests/e2e/cri/run.sh with its own containerd
# (CRI plugin, contrib's runtime entries, CNI bridge cri0) for one profile
# (cri_test.py), its cases CASE (default both: life, one pod's life with
# ExecSync, ContainerStats, the pod's cgroup parent, stop, remove; net, two
# pods reaching each other over the bridge), each container a VM.  Its TAP
# is the log; its first failure the why.
cri_run() {
	local out rc=0 bad profile=$1 want
	shift
	want=$(($# ? $# : 2))
	out=$(timeout $((T * 8)) sh /clients/cri/run.sh -b "$BINDIR" -c /clients/cri/runtimes.toml -g "$GUEST_RELEASE" \
		-i /clients/cri -s /clients/cri/stubs -p "$profile" "$@" </dev/null 2>&1) || rc=$?
	echo "$out"
	bad=$(echo "$out" | grep '^not ok' | head -n1)
	[ -z "$bad" ] || why "$bad"
	[ "$rc" = 0 ] || why "tests/e2e/cri/run.sh exited $rc"
	[ "$(echo "$out" | grep -c '^ok ')" = "$want" ] || why "not all $want CRI cases passed"
	no_vmm
}

# the handler hyrun-vm: every workload container a VM (one pod's life, and
# two pods over the CNI bridge: each guest has its pod's address and
# hostname)
case_cri_vm() {
	cri_run vm:hyrun-vm
}

# the handler hyrun, the pod annotated io.hyrun.isolation=vm: the sandbox
# stays a container, the workload is a VM (one pod's life; the network
# path is cri_vm's, the same once the workload is a VM)
case_cri_annot() {
	cri_run annot:hyrun:io.hyrun.isolation=vm life
}

dkr_state() {
	DOCKER inspect -f '{{.State.Status}}' "$1"
}

is_dkr_state() {
	[ "$(dkr_state "$1")" = "$2" ]
}

# dkr_failed WHY: dockerd's last words and the runtime's log of each of
# Docker's containers, then fail saying WHY.
dkr_failed() {
	local f
	echo "processes:"
	ps -o pid,stat,args | grep -E 'hyrun|shim' | grep -v grep
	echo "dockerd's log:"
	tail -n 15 /tmp/dockerd.log
	for f in /run/containerd/io.containerd.runtime.v2.task/moby/*/log.json; do
		[ -f "$f" ] || continue
		echo "$f:"
		tail -n 5 "$f"
	done
	why "$1"
}

# step WHAT: what the case does now, with L1's uptime (where a case's time goes)
step() {
	echo "$(cut -d' ' -f1 /proc/uptime) s: $*"
}

# run -d, exec, stats, --memory and stop, one guest: the limit is the
# cgroup's memory.max and sizes the guest's RAM; stats read the cgroup
case_dkr_vm_detached() {
	local id out rc=0 pid cg max kb
	step "docker run -d --memory 256m"
	id=$(DOCKER run -d --runtime hyrun-vm --network none --memory 256m busybox:hyrun \
		sh -c 'trap "" TERM; while :; do sleep 1; done') || dkr_failed "docker run -d failed"
	wait_for 60 is_dkr_state "$id" running || dkr_failed "container is $(dkr_state "$id")"
	step "docker exec"
	out=$(DOCKER exec "$id" sh -c 'echo exec-ok; uname -r; sed -n "s/MemTotal: *\([0-9]*\) kB/\1/p" /proc/meminfo; exit 7' </dev/null) || rc=$?
	echo "exec: $out"
	[ "$rc" = 7 ] || why "docker exec exited $rc, the process 7"
	case $out in *exec-ok*) ;; *) why "exec's output is missing" ;; esac
	guest_release "$out"
	kb=$(echo "$out" | tail -n1)
	echo "guest MemTotal: $kb kB"
	[ "$kb" -gt $((192 * 1024)) ] && [ "$((kb * 1024))" -le 268435456 ] ||
		why "the guest's MemTotal $kb kB is not sized from the 256 MiB limit"
	pid=$(DOCKER inspect -f '{{.State.Pid}}' "$id")
	cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	max=$(cat "/sys/fs/cgroup$cg/memory.max")
	echo "pid $pid cgroup $cg memory.max $max"
	[ "$max" = 268435456 ] || why "memory.max of the container's cgroup is $max"
	step "docker stats"
	out=$(DOCKER stats --no-stream --format '{{.MemUsage}}' "$id") || why "docker stats failed"
	echo "stats: $out"
	case $out in "0B "*) why "docker stats shows no memory usage" ;; *" / 256MiB") ;; *) why "docker stats: $out" ;; esac
	step "docker stop -t 1"
	DOCKER stop -t 1 "$id" || dkr_failed "docker stop failed"
	step "stopped"
	out=$(DOCKER inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")
	[ "$out" = "exited 137" ] || why "after stop (TERM ignored, then KILL): $out"
	DOCKER rm "$id" || why "docker rm failed"
	no_vmm
}

# kill with a signal the guest's process traps
case_dkr_vm_kill() {
	local id out
	id=$(DOCKER run -d --runtime hyrun-vm --network none busybox:hyrun \
		sh -c 'trap "exit 42" USR1; echo ready >/ready; while :; do sleep 1; done') || why "docker run -d failed"
	wait_for 60 DOCKER exec "$id" test -f /ready || why "the guest's process never started"
	DOCKER kill -s USR1 "$id" || why "docker kill failed"
	wait_for 60 is_dkr_state "$id" exited || why "container is $(dkr_state "$id") after kill"
	out=$(DOCKER inspect -f '{{.State.ExitCode}}' "$id")
	[ "$out" = 42 ] || why "exit code $out after USR1, the trap's 42"
	DOCKER rm "$id" || why "docker rm failed"
	no_vmm
}

case_dkr_vm_tty() {
	local out
	out=$(in_pty "docker run --rm -it --runtime hyrun-vm --network none busybox:hyrun sh -c 'tty; uname -r; exit 5'") ||
		why "script failed"
	echo "output: $out"
	case $out in *"not a tty"*) why "the process has no terminal" ;; esac
	case $out in */dev/*) ;; *) why "the process has no terminal" ;; esac
	guest_release "$out"
	case $out in *rc=5*) ;; *) why "docker run -it did not exit 5" ;; esac
	no_vmm
}

# dkr_publish RUNTIME PORT KERNEL: -p 127.0.0.1:PORT:8080 reaches the httpd
# in the container (docker-proxy, the bridge, the container's veth), which
# says which kernel it runs on
dkr_publish() {
	local id
	id=$(DOCKER run -d --runtime "$1" -p "127.0.0.1:$2:8080" busybox:hyrun \
		sh -c 'mkdir /w; uname -r >/w/index.html; httpd -f -p 8080 -h /w') || why "docker run -d -p failed"
	DOCKER port "$id"
	wait_for 90 http_has 127.0.0.1 "$2" "$3" || why "127.0.0.1:$2 did not answer with kernel $3"
	printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w 5 127.0.0.1 "$2"
	DOCKER rm -f "$id" || why "docker rm -f failed"
	no_vmm
}

case_dkr_publish_container() {
	dkr_publish hyrun 18080 "$HOST_RELEASE"
}

case_dkr_publish_vm() {
	dkr_publish hyrun-vm 18081 "$GUEST_RELEASE"
}

# --- VM-mode terminals, volumes and networking through the clients ---------

# in_pty COMMAND: COMMAND with a terminal of its own (util-linux script);
# its exit status follows as "rc=N".
in_pty() {
	timeout "$T" /usr/bin/script -qec "$1; echo rc=\$?" /dev/null </dev/null
}

case_ctr_tty() {
	local out
	out=$(in_pty "ctr -n $NS run --rm -t --runc-binary $BINDIR/hyrun-vm $IMAGE c-tty sh -c 'tty; uname -r; exit 5'") ||
		why "script failed"
	echo "output: $out"
	case $out in */dev/pts/* | */dev/console* | */dev/tty*) ;; *) why "the process has no terminal" ;; esac
	case $out in *"not a tty"*) why "the process has no terminal" ;; esac
	guest_release "$out"
	case $out in *rc=5*) ;; *) why "ctr run -t did not exit 5" ;; esac
	ctr_residue c-tty
}

# the terminal's size: ctr -t sends the host pty's size (a resize) at start
case_ctr_tty_size() {
	local out
	out=$(in_pty "stty rows 33 cols 111; ctr -n $NS run --rm -t --runc-binary $BINDIR/hyrun-vm $IMAGE c-tsz sh -c 'stty size; uname -r'") ||
		why "script failed"
	echo "output: $out"
	guest_release "$out"
	case $out in *"33 111"*) ;; *) why "the guest's terminal is not 33 rows by 111 columns" ;; esac
	ctr_residue c-tsz
}

case_ctr_exec_tty() {
	local out
	ctr_detached c-xtty "$BINDIR/hyrun-vm" sh -c 'while :; do sleep 1; done'
	out=$(in_pty "ctr -n $NS task exec -t --exec-id t1 c-xtty sh -c 'tty; uname -r; exit 4'") || why "script failed"
	echo "output: $out"
	case $out in *"not a tty"*) why "exec -t has no terminal" ;; esac
	case $out in */dev/*) ;; *) why "exec -t has no terminal" ;; esac
	guest_release "$out"
	case $out in *rc=4*) ;; *) why "ctr task exec -t did not exit 4" ;; esac
	ctr_gone c-xtty
}

case_ctr_volume() {
	local out rc=0
	rm -rf /tmp/vol /tmp/volro
	mkdir -p /tmp/vol /tmp/volro
	echo from-l1 >/tmp/vol/in
	echo read-only >/tmp/volro/f
	out=$(CTR run --rm --runc-binary "$BINDIR/hyrun-vm" \
		--mount type=bind,src=/tmp/vol,dst=/vol,options=rbind:rw \
		--mount type=bind,src=/tmp/volro,dst=/ro,options=rbind:ro "$IMAGE" c-vol \
		sh -c 'uname -r; cat /vol/in; echo from-guest >/vol/out; cat /ro/f; echo x >/ro/f && echo ro-writable' </dev/null) || rc=$?
	echo "output: $out"
	guest_release "$out"
	case $out in *from-l1*) ;; *) why "the guest did not read the volume's file" ;; esac
	case $out in *read-only*) ;; *) why "the guest did not read the read-only volume" ;; esac
	case $out in *ro-writable*) why "the read-only volume was writable in the guest" ;; esac
	[ "$(cat /tmp/vol/out 2>/dev/null)" = from-guest ] || why "the guest's write did not land in /tmp/vol/out"
	[ "$(cat /tmp/volro/f)" = read-only ] || why "the read-only volume's file changed"
	ctr_residue c-vol
	grep -q ' /vol ' /proc/mounts && why "a mount is left in L1"
	:
}

# http_has IP PORT WORD: GET /index.html answers with WORD in it
# (busybox-static's wget crashes in its resolver; nc does not resolve)
http_has() {
	printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w 5 "$1" "$2" | grep -q "$3"
}

# a netns with a veth as CNI or `ctr --with-ns` users make it; a server
# on the peer (L1's side) and one in the guest
case_ctr_netns() {
	local out ip=/usr/bin/ip i
	$ip netns add hyc || why "ip netns add failed"
	$ip link add hyc-peer type veth peer name hyc-ctr || why "veth failed"
	$ip link set hyc-ctr netns hyc
	$ip addr add 10.77.0.1/24 dev hyc-peer
	$ip link set hyc-peer up
	$ip -n hyc addr add 10.77.0.2/24 dev hyc-ctr
	$ip -n hyc link set hyc-ctr up
	$ip -n hyc link set lo up
	mkdir -p /tmp/www
	echo hello-from-peer >/tmp/www/index.html
	busybox httpd -p 10.77.0.1:8080 -h /tmp/www || why "httpd on the peer failed"
	$ip addr show hyc-peer
	wait_for 10 http_has 10.77.0.1 8080 hello-from-peer ||
		why "the server on the peer does not answer in L1 itself"
	out=$(CTR run --rm --runc-binary "$BINDIR/hyrun-vm" --with-ns network:/var/run/netns/hyc "$IMAGE" c-net \
		sh -c 'uname -r; ip addr; ip route; ping -c 1 -W 5 10.77.0.1; printf "GET /index.html HTTP/1.0\r\n\r\n" | nc -w 20 10.77.0.1 8080' </dev/null)
	echo "output: $out"
	guest_release "$out"
	case $out in *hello-from-peer*) ;; *) why "the guest did not reach the server on the veth peer" ;; esac
	case $out in *10.77.0.2*) ;; *) why "the guest's interface lacks the netns's address 10.77.0.2" ;; esac
	ctr_residue c-net
	# and the other way: a server in the guest, reached from the peer
	ctr_detached_opts c-nets "$BINDIR/hyrun-vm" "--with-ns network:/var/run/netns/hyc" \
		sh -c 'mkdir -p /w; echo hello-from-guest >/w/index.html; httpd -f -p 8081 -h /w'
	wait_for 60 http_has 10.77.0.2 8081 hello-from-guest || task_failed c-nets "the peer did not reach the server in the guest"
	ctr_gone c-nets
	$ip -n hyc link show
	[ "$($ip -n hyc -o link show | wc -l)" = 2 ] || why "links left in the netns besides lo and the veth"
	pkill -f 'httpd -p 10.77.0.1:8080'
	$ip netns del hyc
}

case_pod_volume() {
	local out rc=0
	rm -rf /tmp/pvol
	mkdir -p /tmp/pvol
	echo from-l1 >/tmp/pvol/in
	out=$(PODMAN --runtime hyrun-vm run --rm --pull never --network none -v /tmp/pvol:/vol "$IMAGE" \
		sh -c 'uname -r; cat /vol/in; echo from-guest >/vol/out' </dev/null) || rc=$?
	echo "output: $out"
	guest_release "$out"
	[ "$rc" = 0 ] || why "podman run exited $rc"
	case $out in *from-l1*) ;; *) why "the guest did not read the volume's file" ;; esac
	[ "$(cat /tmp/pvol/out 2>/dev/null)" = from-guest ] || why "the guest's write did not land in /tmp/pvol/out"
	podman_residue
}

case_pod_tty() {
	local out
	out=$(in_pty "podman --runtime hyrun-vm run --rm -t --pull never --network none $IMAGE sh -c 'tty; uname -r; exit 3'") ||
		why "script failed"
	echo "output: $out"
	case $out in *"not a tty"*) why "the process has no terminal" ;; esac
	case $out in */dev/*) ;; *) why "the process has no terminal" ;; esac
	guest_release "$out"
	case $out in *rc=3*) ;; *) why "podman run -t did not exit 3" ;; esac
	podman_residue
}

# --- bench (contrib/bench/ctr-run.sh; in no list) ---------------------------

# `ctr run --rm IMAGE ID true` in VM mode (hyrun-vm) and in container mode
# (hyrun), interleaved, BENCH_N (default 5) of each; medians as "# " lines.
case_bench() {
	local i mode bin t0 t1 rc
	rm -f "$LOGS/bench-vm" "$LOGS/bench-container"
	for i in $(seq "${BENCH_N:-5}"); do
		for mode in vm container; do
			bin=$BINDIR/hyrun-vm
			[ "$mode" = vm ] || bin=$BINDIR/hyrun
			t0=$(uptime_cs)
			CTR run --rm --runc-binary "$bin" "$IMAGE" "b-$mode-$i" true </dev/null || why "ctr run ($mode) failed"
			t1=$(uptime_cs)
			echo "$(((t1 - t0) * 10))" >>"$LOGS/bench-$mode"
		done
	done
	for mode in vm container; do
		echo "# bench: ctr run --rm true, $mode mode: median $(sort -n "$LOGS/bench-$mode" |
			awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms of $(wc -l <"$LOGS/bench-$mode") (all: $(sort -n "$LOGS/bench-$mode" | tr '\n' ' '))" >&3
	done
}

# --- overhead (contrib/kubernetes: the RuntimeClass's podFixed; in no list) --

# What one VM-mode container costs beyond its workload, as Kubernetes'
# pod overhead counts it: a 256 MiB limit, an idle workload (sleep),
# measured OVERHEAD_SETTLE s (default 20) after start: the container
# cgroup's memory.current, the VMM's RSS, what the guest's own processes
# use (its MemTotal - MemAvailable), and the cgroup's CPU over
# OVERHEAD_CPU_S s (default 20) idle.  Figures as "# " lines.
case_overhead() {
	local pid cg cur rss kb g0 u0 u1 secs=${OVERHEAD_CPU_S:-20} p
	ctr_detached_opts c-ovh "$BINDIR/hyrun-vm" "--memory-limit 268435456" sh -c 'while :; do sleep 1; done'
	sleep "${OVERHEAD_SETTLE:-20}"
	pid=$(task_pid c-ovh)
	cg=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	cur=$(cat "$cg/memory.current")
	rss=0
	for p in $(cat "$cg/cgroup.procs"); do
		# "VmRSS:<TAB>   1234 kB" (a tab: a pattern of spaces matched
		# nothing and left "rss + " to the shell); none once it exited
		kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$p/status" 2>/dev/null)
		rss=$((rss + ${kb:-0}))
	done
	g0=$(CTR task exec --exec-id m1 c-ovh sh -c 'awk "/MemTotal/ {t=\$2} /MemAvailable/ {a=\$2} END {print t - a}" /proc/meminfo' </dev/null)
	case $cur:$rss:$g0 in *[!0-9:]* | :* | *::* | *:) why "not a figure: memory.current '$cur', VmRSS '$rss', guest used '$g0'" ;; esac
	u0=$(sed -n 's/^usage_usec //p' "$cg/cpu.stat")
	sleep "$secs"
	u1=$(sed -n 's/^usage_usec //p' "$cg/cpu.stat")
	echo "cgroup $cg: memory.current $cur, processes' VmRSS $rss kB, guest used $g0 kB, cpu $u0 -> $u1 us"
	echo "# overhead: idle VM-mode container, 256 MiB limit: cgroup memory.current $((cur / 1024)) kB, VMM and helpers VmRSS $rss kB, in-guest used $g0 kB, beyond the guest's own use $((cur / 1024 - g0)) kB; CPU idle $(((u1 - u0) / secs / 1000)) millicores (nested TCG)" >&3
	ctr_gone c-ovh
}

# --- run ----------------------------------------------------------------------

[ $# -gt 0 ] || set -- $CLIENT_CASES
# what the cases stand on comes first (Docker runs on the containerd)
case " $* " in *" dkr_start "*) ;; *" dkr_"*) set -- dkr_start "$@" ;; esac
case " $* " in *" pod_load "*) ;; *" pod_"*) set -- pod_load "$@" ;; esac
case " $* " in *" ctd_start "*) ;; *" ctr_"* | *" ctd_"* | *" dkr_"* | *" bench "* | *" overhead "*) set -- ctd_start "$@" ;; esac
echo "1..$#"
for c in "$@"; do
	if command -v "case_$c" >/dev/null 2>&1; then
		check "$c" "case_$c"
	else
		n=$((n + 1))
		echo "not ok $n - $c # no such case"
	fi
done

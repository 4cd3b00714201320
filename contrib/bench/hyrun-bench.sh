#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# hyrun-bench: the driver behind `hyrun bench` (runtime/cmd_bench.c execs it
# with HYRUN set to the running hyrun).  One bundle whose rootfs is the
# static probe (hyrun-bench-probe, an overlay mount as containerd's
# snapshotter makes), run at both isolation levels, the two interleaved run
# by run in a random order; every sample goes to DIR/results.tsv, and
# hyrun-bench-report turns that into the table, results.json, report.md and
# compare.svg.  POSIX sh with busybox, jq and iproute2: it also runs in the
# nested test VM (contrib/bench/in-l1.sh).
set -eu

usage() {
	cat <<EOF
Usage: hyrun bench [--quick] [--containers N] [--out DIR] [--modes M] [--kernel VMLINUX] [--runs R]
                   [--only PARTS] [--vm-annotation KEY=VALUE]...

Runs one bundle at both isolation levels and compares them: start latency,
memory per container at 1, 10 and 50 concurrent containers (and with KSM
in VM mode), syscall cost, fork+exec, rootfs file I/O, TCP throughput and
latency, a CPU-bound loop.  Writes results.tsv, results.json, report.md and
compare.svg into DIR and prints the table.  Needs root.

  --quick          fewer and shorter runs (a few minutes in the nested test VM)
  --containers N   most concurrent containers for the memory test (default 50,
                   --quick 4); the levels are 1, 10, 50 up to N, and N; the
                   KSM test runs 10 idle guests, N when N is below 10
  --out DIR        where the results go (default ./hyrun-bench-DATE)
  --modes M        container, vm or container,vm (default: both; VM mode is
                   left out, said so, when no guest boots here)
  --kernel FILE    the guest kernel (default: hyrun's installed vmlinux)
  --runs R         samples per measurement (default 5, --quick 3; start
                   latency 4x as many)
  --only PARTS     these parts alone, comma-separated: start, syscall,
                   forkexec, cpu, io (rootfs I/O), net, mem, ksm (default: all)
  --vm-annotation KEY=VALUE
                   one more annotation on the VM-mode bundle, e.g.
                   io.hyrun.vm.rootfs-cache=loose (repeatable)
EOF
}

HYRUN=${HYRUN:?hyrun-bench: run it as \`hyrun bench\`}
LIBEXEC=${HYRUN_BENCH_LIBEXEC:-$(dirname "$(realpath "$0")")}
PROBE=$LIBEXEC/hyrun-bench-probe
IP=${IP:-ip}
quick=0 maxn="" out="" modes="container,vm" kernel="" runs="" only="" vm_extra="" vm_notes=""
# vm_annotation KEY=VALUE: onto the VM bundles' jq filter
vm_annotation() {
	case $1 in
	?*=*) ;;
	*) echo "hyrun bench: --vm-annotation: \"$1\" is not KEY=VALUE" >&2; exit 2 ;;
	esac
	vm_extra="$vm_extra | .annotations[$(printf '%s' "${1%%=*}" | jq -Rs .)] = $(printf '%s' "${1#*=}" | jq -Rs .)"
	vm_notes="${vm_notes:+$vm_notes }$1"
}
shift_arg() { [ $# -ge 2 ] || { echo "hyrun bench: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--containers) shift_arg "$@"; maxn=$2; shift ;;
	--containers=*) maxn=${1#*=} ;;
	--out) shift_arg "$@"; out=$2; shift ;;
	--out=*) out=${1#*=} ;;
	--modes) shift_arg "$@"; modes=$2; shift ;;
	--modes=*) modes=${1#*=} ;;
	--kernel) shift_arg "$@"; kernel=$2; shift ;;
	--kernel=*) kernel=${1#*=} ;;
	--runs) shift_arg "$@"; runs=$2; shift ;;
	--runs=*) runs=${1#*=} ;;
	--only) shift_arg "$@"; only=$2; shift ;;
	--only=*) only=${1#*=} ;;
	--vm-annotation) shift_arg "$@"; vm_annotation "$2"; shift ;;
	--vm-annotation=*) vm_annotation "${1#*=}" ;;
	-h | --help) usage; exit 0 ;;
	*) echo "hyrun bench: unknown argument $1 (see hyrun bench --help)" >&2; exit 2 ;;
	esac
	shift
done
die() { echo "hyrun bench: $*" >&2; exit 1; }
PARTS="start syscall forkexec cpu io net mem ksm"
for p in $(echo "$only" | tr ',' ' '); do
	case " $PARTS " in *" $p "*) ;; *) echo "hyrun bench: --only: unknown part \"$p\" (one of: $PARTS)" >&2; exit 2 ;; esac
done
# want PART: PART is measured (--only)
want() { [ -z "$only" ] || case ",$only," in *,"$1",*) true ;; *) false ;; esac; }
say() { echo "hyrun bench: $*" >&2; }
[ "$(id -u)" = 0 ] || die "needs root (it creates containers, cgroups, a netns)"
[ -x "$PROBE" ] || die "no probe at $PROBE"
command -v jq >/dev/null || die "jq not found (apt-get install jq)"

maxn_arg=$maxn
if [ "$quick" = 1 ]; then
	: "${maxn:=4}" "${runs:=3}"
	N_SYS=200000 N_FORK=20 N_CPU=20000000 MIB=16 N_META=200 NET_MIB=16 N_RR=200
else
	: "${maxn:=50}" "${runs:=5}"
	N_SYS=2000000 N_FORK=200 N_CPU=200000000 MIB=128 N_META=2000 NET_MIB=128 N_RR=2000
fi
levels=$(for l in 1 10 50; do [ "$l" -le "$maxn" ] && echo "$l"; done; echo "$maxn")
levels=$(echo "$levels" | sort -un | tr '\n' ' ' | sed 's/ $//')
# KSM: 10 idle guests (--quick too: the merging is the point), fewer only
# when --containers asks for fewer
ksm_guests=10
[ -z "$maxn_arg" ] || [ "$maxn_arg" -ge 10 ] || ksm_guests=$maxn_arg
out=${out:-./hyrun-bench-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
out=$(realpath "$out")
TSV=$out/results.tsv
: >"$TSV"

# --- the workspace: state root, bundle, overlay rootfs, netns -----------------
W=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-bench.XXXXXX")
ROOT=/run/hyrun-bench.$$
NS=hyb$$
VETH=hyb$$h
NET_HOST=10.231.$(($$ % 200)).1
NET_CTR=10.231.$(($$ % 200)).2
PORT=$((20000 + $$ % 20000))
ids=""
serve_pid=""
ksm_saved=""
cleanup() {
	set +e
	for id in $ids; do "$HYRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1; done
	[ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
	[ -n "$ksm_saved" ] && echo 2 >/sys/kernel/mm/ksm/run && echo "$ksm_saved" >/sys/kernel/mm/ksm/run
	"$IP" netns del "$NS" 2>/dev/null
	"$IP" link del "$VETH" 2>/dev/null
	umount "$W/rootfs" 2>/dev/null
	rm -rf "$W"
	rmdir "$ROOT" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$ROOT" "$W/lower/data" "$W/upper" "$W/work" "$W/rootfs"
for d in proc sys dev tmp etc; do mkdir -p "$W/lower/$d"; done
cp "$PROBE" "$W/lower/probe"
chmod 1777 "$W/lower/data"
rootfs_kind=overlay
mount -t overlay overlay -o "lowerdir=$W/lower,upperdir=$W/upper,workdir=$W/work" "$W/rootfs" 2>/dev/null || {
	rootfs_kind=directory
	rmdir "$W/rootfs" && cp -a "$W/lower" "$W/rootfs"
}
CMD=$W/rootfs/bench-cmd

# bundle NAME JQ-FILTER: a bundle running the probe's command file.
"$HYRUN" spec --bundle "$W" >/dev/null || die "hyrun spec failed"
mv "$W/config.json" "$W/template.json"
bundle() {
	mkdir -p "$W/$1"
	jq --arg r "$W/rootfs" --arg k "$kernel" ".root.path = \$r | .root.readonly = false |
		.process.terminal = false | .process.args = [\"/probe\", \"run\", \"/bench-cmd\"] |
		.process.rlimits = [] |
		if (\$k != \"\") then .annotations[\"io.hyrun.vm.kernel\"] = \$k else . end | $2" \
		"$W/template.json" >"$W/$1/config.json"
}
vm='.annotations["io.hyrun.isolation"] = "vm" | .annotations["io.hyrun.vm.memory"] = "128"'"$vm_extra"
net=".linux.namespaces |= map(if .type == \"network\" then .path = \"/var/run/netns/$NS\" else . end)"
bundle container '.'
bundle vm "$vm"
bundle container-net "$net"
bundle vm-net "$vm | $net"
bundle vm-ksm-off "$vm | .annotations[\"io.hyrun.vm.ksm\"] = \"false\""
bundle vm-ksm-on "$vm | .annotations[\"io.hyrun.vm.ksm\"] = \"true\""

record() { printf '%s\t%s\t%s\t%s\n' "$@" >>"$TSV"; }
info() { record info "$1" "" "$2"; }

# --- running one workload -------------------------------------------------------
seq_id=0
# exits_of PID [COUNTER]: KVM exits (or COUNTER, e.g. mmio_exits: those
# that reach the VMM's MMIO handlers) of the VM of VMM PID so far
# (debugfs), or "".
exits_of() {
	cat /sys/kernel/debug/kvm/"$1"-*/"${2:-exits}" 2>/dev/null | head -n1
}
alive() {
	[ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* (.*) Z' "/proc/$1/stat" 2>/dev/null
}
# workload MODE BUNDLE COMMAND: run COMMAND (the probe's, then a second's
# pause for the exit counter) in a fresh container; sets RES (its RESULT
# line), EXITS and MMIO (the VM's exits, and MMIO exits, when the result
# was printed) and P9 (the 9P requests the VMM served for the rootfs in
# the whole run, from its debug log's last line: runtime/vm.c).
workload() {
	local mode=$1 b=$2 id pid o i=0 dbg=
	shift 2
	seq_id=$((seq_id + 1))
	id=bench-$$-$seq_id
	o=$W/$id.out
	# a VM is held a second after its result, for the exit counter
	if [ "$mode" = vm ]; then printf '%s ; sleep 1\n' "$*"; else echo "$*"; fi >"$CMD"
	ids="$ids $id"
	RES="" EXITS="" MMIO="" P9=""
	[ "$mode" != vm ] || dbg="--debug --log $W/$id.log"
	# a host whose /dev/kvm cannot boot a guest may hang the first boot
	# shellcheck disable=SC2086 # dbg: two options or none
	timeout "${RUN_TIMEOUT:-300}" "$HYRUN" --root "$ROOT" $dbg run -d -b "$W/$b" "$id" </dev/null >"$o" 2>&1 || {
		say "$mode: $* failed: $(tail -n 3 "$o")"
		"$HYRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
		return 1
	}
	pid=$("$HYRUN" --root "$ROOT" state "$id" | jq -r .pid)
	while alive "$pid"; do
		if [ -z "$RES" ] && grep -q '^RESULT' "$o"; then
			RES=$(grep '^RESULT' "$o" | head -n1)
			[ "$mode" = vm ] && EXITS=$(exits_of "$pid") && MMIO=$(exits_of "$pid" mmio_exits)
		fi
		i=$((i + 1))
		[ "$i" -lt 6000 ] || { say "$mode: $* did not end in 300 s"; break; }
		sleep 0.05
	done
	[ -n "$RES" ] || RES=$(grep '^RESULT' "$o" | head -n1)
	"$HYRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
	[ "$mode" != vm ] || P9=$(sed -n 's/.*vm: 9P rootfs: \([0-9]*\) requests.*/\1/p' "$W/$id.log" 2>/dev/null | tail -n1)
	[ -n "$RES" ] || { say "$mode: $* printed no result: $(tail -n 3 "$o")"; return 1; }
}
field() { echo "$RES" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }

# order: both modes in a random order (a runtime run right after another
# finds the machine in a different state: facts/clients.md)
order() {
	case $modes in
	container | vm) echo "$modes" ;;
	*) if [ $(($(od -An -N1 -tu1 /dev/urandom) % 2)) = 0 ]; then echo "container vm"; else echo "vm container"; fi ;;
	esac
}

# measure METRIC UNIT-DIVISOR COMMAND: `runs` samples per mode of
# COMMAND's ns per op / DIVISOR (or MB/s when DIVISOR is "mbs"), with the
# VM's exits per op beside them.
base_exits=0 base_mmio=0 base_p9=0
measure() {
	local metric=$1 div=$2 r m ops ns bytes v b
	shift 2
	for r in $(seq 1 "$runs"); do
		for m in $(order); do
			b=$m
			case $metric in tcp*) b=$m-net ;; esac
			workload "$m" "$b" "$@" || continue
			ops=$(field ops) ns=$(field ns) bytes=$(field bytes)
			if [ "$div" = mbs ]; then
				v=$(awk -v b="$bytes" -v n="$ns" 'BEGIN { printf "%.2f", b / 1048576 / (n / 1e9) }')
			else
				v=$(awk -v n="$ns" -v o="$ops" -v d="$div" 'BEGIN { printf "%.4f", n / o / d }')
			fi
			record sample "$metric" "$m" "$v"
			if [ "$m" = vm ] && [ -n "$EXITS" ]; then
				record exits "$metric" vm "$(awk -v e="$EXITS" -v b="$base_exits" -v o="$ops" 'BEGIN { printf "%.3f", (e - b) / o }')"
			fi
			if [ "$m" = vm ] && [ -n "$MMIO" ]; then
				record mmio "$metric" vm "$(awk -v e="$MMIO" -v b="$base_mmio" -v o="$ops" 'BEGIN { printf "%.3f", (e - b) / o }')"
			fi
			if [ "$m" = vm ] && [ -n "$P9" ]; then
				record p9 "$metric" vm "$(awk -v e="$P9" -v b="$base_p9" -v o="$ops" 'BEGIN { printf "%.3f", (e - b) / o }')"
			fi
			progress "$metric" "$m" "$v"
		done
	done
}
step=0
progress() {
	step=$((step + 1))
	printf '  [%3d] %-10s %-9s %s\n' "$step" "$1" "$2" "$3" >&2
}

# --- the measurements ---------------------------------------------------------------
have_vm=0 have_ctr=0
case ",$modes," in *,vm,*) have_vm=1 ;; esac
case ",$modes," in *,container,*) have_ctr=1 ;; esac
info host "$(uname -n) $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
info hyrun "$("$HYRUN" --version | head -n1)"
info date "$(date -u '+%Y-%m-%d %H:%M UTC')"
info quick "$quick"
info rootfs "$rootfs_kind"
[ -z "$vm_notes" ] || info vm_annotations "$vm_notes"
info load "$(cut -d' ' -f1-3 /proc/loadavg)"
grep -q hypervisor /proc/cpuinfo && info virtualized "yes (this host is itself a VM: nested)"
if [ "$have_vm" = 1 ]; then
	mountpoint -q /sys/kernel/debug 2>/dev/null || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
	say "checking that a guest boots here"
	if ! RUN_TIMEOUT=120 workload vm vm noop; then
		[ "$modes" = vm ] && die "VM mode does not work here (see above)"
		say "VM mode left out: no guest booted (a host without a working /dev/kvm?)"
		info vm_missing "no guest booted on this host"
		have_vm=0 modes=container
	else
		base_exits=${EXITS:-0} base_mmio=${MMIO:-0} base_p9=${P9:-0}
		info base_exits "$base_exits"
		info base_mmio "$base_mmio"
		info base_p9 "$base_p9"
	fi
fi
[ "$have_ctr" = 1 ] || [ "$have_vm" = 1 ] || die "nothing to measure"
[ "$have_ctr" = 1 ] || modes=vm
say "modes: $modes; $runs runs each; concurrency levels: $levels; results in $out"

# start latency: `run` of a process that exits at once, create to exit
want start && say "start latency (run of /probe true, create to delete)"
want start && for r in $(seq 1 $((runs * 4))); do
	for m in $(order); do
		seq_id=$((seq_id + 1))
		echo true >"$CMD"
		ids="$ids bench-$$-$seq_id"
		RES=$(timeout 300 "$PROBE" time "$HYRUN" --root "$ROOT" run -b "$W/$m" "bench-$$-$seq_id" </dev/null 2>&1 | grep '^RESULT' | tail -n1)
		"$HYRUN" --root "$ROOT" delete --force "bench-$$-$seq_id" >/dev/null 2>&1 || true
		[ -n "$RES" ] || { say "$m: run of /probe true failed"; continue; }
		v=$(awk -v n="$(field ns)" 'BEGIN { printf "%.2f", n / 1e6 }')
		record sample start_ms "$m" "$v"
		progress start_ms "$m" "$v"
	done
done

{ want syscall || want forkexec || want cpu; } && say "syscall cost (getppid), fork+exec, a CPU loop"
want syscall && measure syscall_ns 1 syscall "$N_SYS"
want forkexec && measure forkexec_us 1000 forkexec "$N_FORK"
want cpu && measure cpu_ns 1 cpu "$N_CPU"

if want io; then
	say "rootfs I/O ($rootfs_kind on the host; the same folder shared over 9P with a guest)"
	measure seqwrite_mbs mbs seqwrite /data/f "$MIB"
	measure seqread_mbs mbs seqread /data/f
	measure meta_us 1000 meta /data/m "$N_META"
	rm -f "$W/rootfs/data/f"
fi

# network: a netns with a veth; the server on the host end
if ! want net; then
	:
elif "$IP" netns add "$NS" 2>/dev/null && "$IP" link add "$VETH" type veth peer name "${VETH%h}c" &&
	"$IP" link set "${VETH%h}c" netns "$NS" && "$IP" -n "$NS" link set "${VETH%h}c" up &&
	"$IP" -n "$NS" addr add "$NET_CTR/24" dev "${VETH%h}c" && "$IP" -n "$NS" link set lo up &&
	"$IP" addr add "$NET_HOST/24" dev "$VETH" && "$IP" link set "$VETH" up; then
	"$PROBE" serve "$PORT" >"$W/serve.out" 2>&1 &
	serve_pid=$!
	say "network: TCP to a server on the host end of a veth (VM: TAP + virtio-net redirected to it)"
	measure tcp_mbs mbs tcpsend "$NET_HOST" "$PORT" "$NET_MIB"
	measure tcprr_us 1000 tcprr "$NET_HOST" "$PORT" "$N_RR"
else
	say "network left out: could not make a netns and veth (iproute2?)"
	info net_missing "no netns/veth"
fi

# --- memory per container ------------------------------------------------------------
# mem_of ID...: sums over the containers' cgroups: RSS and PSS of every
# process in them (the VMM and its threads, or the container's processes),
# and the cgroups' own memory use; sets RSS PSS CG (kB).  Both from
# smaps_rollup (the page tables): status's VmRSS lags on kernels that
# batch a task's RSS counters (6.1 read 4 kB for a running probe).
mem_of() {
	local id pid cg p v
	RSS=0 PSS=0 CG=0
	for id in "$@"; do
		pid=$("$HYRUN" --root "$ROOT" state "$id" | jq -r .pid)
		cg=$(sed -n 's/^0::\(.*\)/\1/p' "/proc/$pid/cgroup")
		if [ -n "$cg" ] && [ -r "/sys/fs/cgroup$cg/memory.current" ]; then
			CG=$((CG + $(cat "/sys/fs/cgroup$cg/memory.current") / 1024))
			for p in $(cat "/sys/fs/cgroup$cg/cgroup.procs"); do
				v=$(sed -n 's/^Rss:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$p/smaps_rollup" 2>/dev/null)
				RSS=$((RSS + ${v:-0}))
				v=$(sed -n 's/^Pss:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$p/smaps_rollup" 2>/dev/null)
				PSS=$((PSS + ${v:-0}))
			done
		else
			# cgroup v1 (or a hybrid host): the memory controller's own folder
			cg=$(sed -n 's/^[0-9]*:memory:\(.*\)/\1/p' "/proc/$pid/cgroup")
			[ -n "$cg" ] && [ -r "/sys/fs/cgroup/memory$cg/memory.usage_in_bytes" ] &&
				CG=$((CG + $(cat "/sys/fs/cgroup/memory$cg/memory.usage_in_bytes") / 1024))
			v=$(sed -n 's/^Rss:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/smaps_rollup" 2>/dev/null)
			RSS=$((RSS + ${v:-0}))
			v=$(sed -n 's/^Pss:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/smaps_rollup" 2>/dev/null)
			PSS=$((PSS + ${v:-0}))
		fi
	done
}
# start_idle N BUNDLE: N idle containers, each up (its "idle-ready"); sets RUNNING.
start_idle() {
	local n=$1 b=$2 i id t
	RUNNING=""
	echo idle >"$CMD"
	for i in $(seq 1 "$n"); do
		seq_id=$((seq_id + 1))
		id=bench-$$-$seq_id
		ids="$ids $id"
		timeout 300 "$HYRUN" --root "$ROOT" run -d -b "$W/$b" "$id" </dev/null >"$W/$id.out" 2>&1 ||
			{ say "$b: run of idle container $i failed: $(tail -n 2 "$W/$id.out")"; return 1; }
		RUNNING="$RUNNING $id"
		printf '\r  starting %s: %d/%d' "$b" "$i" "$n" >&2
	done
	echo >&2
	for id in $RUNNING; do
		t=0
		until grep -q idle-ready "$W/$id.out"; do
			t=$((t + 1))
			[ "$t" -lt 1200 ] || { say "$id never got ready"; return 1; }
			sleep 0.1
		done
	done
}
stop_idle() {
	local id
	for id in $RUNNING; do "$HYRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1; done
}

want mem && say "memory per container at $levels concurrent containers"
want mem && for l in $levels; do
	for m in $(order); do
		start_idle "$l" "$m" || { stop_idle; continue; }
		# the guests settle (free page reporting returns what boot freed)
		[ "$m" = vm ] && sleep 5 || sleep 1
		mem_of $RUNNING
		stop_idle
		for k in RSS PSS CG; do
			eval v=\$$k
			record sample "mem_$(echo $k | tr A-Z a-z)_kb@$l" "$m" "$((v / l))"
		done
		progress "memory@$l" "$m" "rss $((RSS / l)) kB, pss $((PSS / l)) kB, cgroup $((CG / l)) kB per container"
	done
done

# --- KSM: idle guests with their RAM mergeable or not ----------------------------------
K=/sys/kernel/mm/ksm
if ! want ksm; then
	:
elif [ "$have_vm" = 1 ] && [ -w $K/run ]; then
	ksm_saved=$(cat $K/run)
	scan_saved=$(cat $K/pages_to_scan) sleep_saved=$(cat $K/sleep_millisecs)
	say "KSM: $ksm_guests idle guests, guest RAM mergeable (io.hyrun.vm.ksm) or not"
	for state in off on; do
		echo 2 >$K/run # unmerge whatever an earlier phase merged
		start_idle "$ksm_guests" "vm-ksm-$state" || { stop_idle; continue; }
		sleep 5
		shared=0 sharing=0
		if [ "$state" = on ]; then
			echo 10000 >$K/pages_to_scan && echo 20 >$K/sleep_millisecs && echo 1 >$K/run
			# until a full scan changes pages_sharing by less than 1%
			prev=-1 t=0 t0=$(cut -d. -f1 /proc/uptime)
			while :; do
				sleep 3
				sharing=$(cat $K/pages_sharing)
				t=$(($(cut -d. -f1 /proc/uptime) - t0))
				printf '\r  ksmd: %d pages sharing after %d s' "$sharing" "$t" >&2
				[ "$prev" -ge 0 ] && [ $(((sharing - prev) * 100)) -le "$sharing" ] && break
				[ "$t" -lt $((quick ? 90 : 180)) ] || break
				prev=$sharing
			done
			echo >&2
			shared=$(cat $K/pages_shared) sharing=$(cat $K/pages_sharing)
			record sample ksm_seconds vm-ksm "$t"
		fi
		mem_of $RUNNING
		stop_idle
		record sample ksm_rss_kb "vm-ksm-$state" "$((RSS / ksm_guests))"
		record sample ksm_pss_kb "vm-ksm-$state" "$((PSS / ksm_guests))"
		record sample ksm_cg_kb "vm-ksm-$state" "$((CG / ksm_guests))"
		record sample ksm_pages_shared "vm-ksm-$state" "$shared"
		record sample ksm_pages_sharing "vm-ksm-$state" "$sharing"
		record sample ksm_saved_kb "vm-ksm-$state" "$((sharing * 4))"
		progress "ksm-$state" vm "pss $((PSS / ksm_guests)) kB per guest, pages_shared $shared, pages_sharing $sharing ($((sharing * 4 / 1024)) MiB saved)"
	done
	echo "$scan_saved" >$K/pages_to_scan
	echo "$sleep_saved" >$K/sleep_millisecs
	info ksm_guests "$ksm_guests"
elif [ "$have_vm" = 1 ]; then
	info ksm_missing "no writable $K/run"
fi

info modes "$modes"
info finished "$(date -u '+%Y-%m-%d %H:%M UTC')"
say "done; the report:"
"$LIBEXEC/hyrun-bench-report" "$out"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# VM mode end to end: every case of tests/vm/cases.sh (hyrun runs busybox
# bundles with io.hyrun.isolation=vm), in one boot of the nested test VM
# ("L1", tests/vm/l1.sh), or directly on a host with hardware KVM.
#
#   run-nested.sh [-B BUILD_DIR] [-H HOOKS_BUILD_DIR] [-K VMLINUX]
#                 [-k L1_KERNEL_ROOT] [-o TAP_FILE] [-q] [-d|-n] [CASE...]
#
#   -B  where hyrun, hyrun-agent, hyrun-vmm and tests/vm/{kvm-probe,tiny-init}
#       were built (default: _build next to this source tree)
#   -H  a test-hooks build (configure --enable-test-hooks) with hyrun and
#       hyrun-agent: the fault cases (fault_vmm_started, fault_agent_ready)
#       run its hyrun, and are added to the default list of cases
#   -K  the guest kernel (default: kvm-shim/kernel/build.sh's cached vmlinux,
#       built first if needed: about 5 minutes on 2 cores)
#   -k  an unpacked Debian cloud kernel package for L1 (default: downloaded)
#   -o  also write the cases' TAP (with the logs of failing cases) to TAP_FILE
#   -q  add the QEMU-as-VMM case (an environment check, not a hyrun case)
#   -d  run directly on this host (default when /dev/kvm is usable and the
#       CPU has vmx or svm); -n: in L1 even then
#   CASE  a subset of cases.sh's case names (default: all)
#
# HYRUN_VM_CASE_TIMEOUT (default 90 s) bounds each hyrun command of a case;
# HYRUN_VM_LOAD_N (default 100) and HYRUN_VM_LOAD_P (default: from L1's
# memory) size the load case.
#
# In L1 the /init first runs kvm-probe: a boot hit by the known flake (below)
# runs no guest instruction at all, so it is booted again (HYRUN_L1_TRIES,
# 3 by default) and said so; any other failure is a failure.  The host side
# prints the cases' TAP, and exits non-zero on a failing case, a missing
# one, or an L1 boot that did not finish (HYRUN_L1_TIMEOUT, default 600 s).
#
# The L1 flake: some L1 boots ran no L2 instruction (KVM_RUN never
# returned, 0 exits).  Tried before (run-in-l1.sh, nokaslr unless said):
# 3 of 9 boots with KASLR; 3 of 18 with -cpu max, 3 of 8 with -cpu
# qemu64,+svm,+npt, 3 of 8 with kvm_amd npt=0 - none cured it.  Found
# 2026-11-25 with tests/vm/flake.sh (kvm-probe, L1's dmesg): every flaky
# boot had "tsc: Unable to calibrate against PIT ... Marking TSC unstable
# due to could not calculate TSC khz"; with tsc_khz 0, KVM's
# vcpu_enter_guest loops on KVM_REQ_CLOCK_UPDATE and never enters the
# guest (kvm-probe's dump of the VM's debugfs counters: exits 0, i.e. not
# even an exit handled inside L1's KVM).  The PIT calibration under TCG
# fails more often on a busy host.  Measured on this 2-core host with other
# work running (load ~2.4), flake.sh -p 1: without tsc_early_khz
# (HYRUN_L1_TSC_KHZ=0) 5 of 6 and 3 of 3 boots flaked (also 5 of 5 vm-boot
# and 5 of 8 run-nested boots earlier the same day); with it (l1.sh's
# default) the probe ran in all 22 flake.sh boots (in the last 6 an L2
# Linux also booted with QEMU, 2.5-4.1 s each), and no flake in the
# run-nested, vm-boot and run-in-l1 boots since.  The probe and the retry
# stay, as a guard.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/l1.sh"

build=$top/_build
kernel=""
kroot=""
tapout=""
qemu=0
direct=""
hooks_build=""
while getopts B:H:K:k:o:qdn o; do
	case $o in
	B) build=$(cd "$OPTARG" && pwd) ;;
	H) hooks_build=$(cd "$OPTARG" && pwd) ;;
	K) kernel=$(realpath "$OPTARG") ;;
	k) kroot=$OPTARG ;;
	o) tapout=$OPTARG ;;
	q) qemu=1 ;;
	d) direct=1 ;;
	n) direct=0 ;;
	*) echo "usage: $0 [-B BUILD_DIR] [-H HOOKS_BUILD_DIR] [-K VMLINUX] [-k L1_KERNEL_ROOT] [-o TAP_FILE] [-q] [-d|-n] [CASE...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cases="$*"
# the default: cases.sh's own list of every case
if [ -z "$cases" ]; then
	cases=$(sed -n 's/^ALL="\(.*\)"$/\1/p' "$here/cases.sh")
	[ -z "$hooks_build" ] || cases="$cases fault_vmm_started fault_agent_ready"
fi
case " $cases " in *" qemu "*) qemu=1 ;; *) [ "$qemu" = 0 ] || cases="qemu $cases" ;; esac

die() {
	echo "run-nested: $*" >&2
	exit 1
}

for f in hyrun hyrun-agent hyrun-vmm tests/vm/kvm-probe tests/vm/tiny-init tests/vm/subreaper tests/vm/ttyrecv; do
	[ -x "$build/$f" ] || die "$build/$f is missing (make -C $build hyrun hyrun-agent hyrun-vmm tests/vm/kvm-probe tests/vm/tiny-init tests/vm/subreaper tests/vm/ttyrecv)"
done
for f in hyrun hyrun-agent; do
	[ -z "$hooks_build" ] || [ -x "$hooks_build/$f" ] || die "$hooks_build/$f is missing (a test-hooks build: make -C $hooks_build hyrun hyrun-agent)"
done
command -v jq >/dev/null || die "jq not found (contrib/install-deps.sh build)"
if [ -z "$kernel" ]; then
	kernel=$("$top/kvm-shim/kernel/build.sh") || die "the guest kernel build failed"
fi
[ -f "$kernel" ] || die "guest kernel $kernel not found"
guest_release=$(strings "$kernel" | sed -n 's/^Linux version \([^ ]*\) .*/\1/p' | head -n1)
if [ -z "$direct" ]; then
	direct=0
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then direct=1; fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- the bundles, one per case ------------------------------------------
# bundle NAME JQ-FILTER ARGS...: a busybox bundle running ARGS in a VM.
B=$work/bundles
mkdir -p "$B"
HYRUN=$build/hyrun sh "$top/contrib/make-busybox-bundle.sh" "$B/template" >/dev/null
bundle() {
	local name=$1 filter=$2 args
	shift 2
	# one JSON string per argument, newlines and all (not one per line)
	args=$(for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -sc .)
	cp -a "$B/template" "$B/$name"
	jq --argjson a "$args" --arg k "$kernel_in" "
		.process.args = \$a | .root.readonly = false |
		.annotations[\"io.hyrun.isolation\"] = \"vm\" |
		.annotations[\"io.hyrun.vm.kernel\"] = \$k |
		.annotations[\"io.hyrun.vm.memory\"] = \"128\" | $filter" \
		"$B/template/config.json" >"$B/$name/config.json"
}
# the kernel's path where the cases run: the same path in L1
kernel_in=$kernel
bundle uname . uname -r
bundle exit7 . sh -c 'exit 7'
bundle stdio . sh -c 'read l; echo "got: $l"; echo "to stderr" >&2'
bundle share . sh -c 'echo "written inside" >/from-guest; i=0
	while [ ! -e /from-host ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo "read inside: $(cat /from-host)"'
bundle life . sh -c 'trap "echo got TERM; exit 3" TERM; echo ready; while :; do sleep 0.2; echo tick; done'
# exec's cases run in this one, started once, with its own hostname
bundle execw '.hostname = "vm-exec-host"' sh -c 'echo ready; while :; do sleep 1; done'
# floods its stdout (cases.sh's flood: nobody reads it)
bundle flood . sh -c 'trap "exit 3" TERM; while :; do echo flood flood flood flood flood flood flood; done'
bundle demo . sh -c 'echo "Hello from inside a hyrun VM: guest kernel $(uname -r), $(nproc) vCPU, $(sed -n "s/MemTotal: *//p" /proc/meminfo) of RAM"; ls /'
# the hooks write into this run's bundles folder: $B here, /bundles in L1
hooks=/bundles/hooks-out
[ "$direct" = 1 ] && hooks=$B/hooks-out
mkdir -p "$B/hooks-out"
bundle hooks ".hooks = {\"prestart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $hooks/vm-hook-prestart\"]}], \"poststart\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $hooks/vm-hook-poststart\"]}], \"poststop\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"cat > $hooks/vm-hook-poststop\"]}]}" sh -c 'echo hooked'
# a memory limit under a containerd-style cgroupsPath: on pure cgroup v2 the
# controllers must be enabled in every ancestor hyrun creates
bundle memlimit 'del(.annotations["io.hyrun.vm.memory"]) | .linux.cgroupsPath = "/hyrun-test/default/vm-memlimit" | .linux.resources.memory.limit = 268435456 | .linux.resources.pids.limit = 100' \
	sh -c 'sed -n "s/MemTotal: *//p" /proc/meminfo'
# free page reporting: 100 MB filled in a guest tmpfs, then freed
bundle balloon '.annotations["io.hyrun.vm.memory"] = "256" | .mounts += [{"destination": "/mem", "type": "tmpfs", "source": "tmpfs", "options": ["size=200m"]}]' \
	sh -c 'head -c 100000000 /dev/zero >/mem/x; echo filled; sleep 4; rm /mem/x; echo freed; sleep 60'
# networking (cases.sh makes the netns hynet with a veth): the guest shows
# its interface, reaches a server on the peer end, serves one to it
bundle net '.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/hynet" else . end)' \
	sh -c 'for i in /sys/class/net/*; do echo "if ${i##*/} $(cat $i/address) mtu $(cat $i/mtu)"; done
	ip -4 -o addr | sed -n "s/^[0-9]*: *\([^ ]*\) *inet \([^ ]*\).*/addr \1 \2/p"
	ip route | sed "s/^/route /"
	echo hello-on-second | nc -w 20 10.89.0.1 7004 && echo "second client done"
	echo hello-from-guest | nc -w 20 10.88.0.1 7001 && echo "client done"
	echo "server up"
	nc -l -p 7002 | sed "s/^/server got: /"'
bundle netwait '.linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/hynet" else . end)' \
	sh -c 'echo up; while :; do sleep 1; done'
bundle hostnet '.linux.namespaces |= map(select(.type != "network"))' true
bundle netnone '.linux.namespaces |= map(select(.type != "network")) | .annotations["io.hyrun.vm.network"] = "none"' \
	sh -c 'echo $(ls /sys/class/net)'
bundle netlo . sh -c 'echo $(ls /sys/class/net)'
bundle nokernel '.annotations["io.hyrun.vm.kernel"] = "/nonexistent/vmlinux"' true
# KSM: an idle guest whose RAM the case inspects; a bad value
for k in true false; do
	bundle ksm-$k ".annotations[\"io.hyrun.vm.ksm\"] = \"$k\"" sh -c 'while :; do sleep 1; done'
done
bundle ksmbad '.annotations["io.hyrun.vm.ksm"] = "yes"' true
# io.hyrun.vm.rootfs-cache (cases.sh's rootfs_cache): the same metadata
# work (20 files made, stat'ed and removed in /m) cached both ways; a bad value
for c in none loose; do
	bundle rcache-$c ".annotations[\"io.hyrun.vm.rootfs-cache\"] = \"$c\"" sh -c 'grep " / 9p " /proc/mounts
	mkdir -p /m && i=0 && while [ $i -lt 20 ]; do : >/m/f$i && i=$((i + 1)); done
	i=0 && while [ $i -lt 20 ]; do test -e /m/f$i && rm /m/f$i && i=$((i + 1)); done
	echo "cached $(cat /from-host)" >/from-guest; echo done'
done
bundle rcachebad '.annotations["io.hyrun.vm.rootfs-cache"] = "always"' true
bundle tinymem '.annotations["io.hyrun.vm.memory"] = "1"' true
# volumes (cases.sh's volumes_*): host folders and a file under
# /tmp/hyrun-vm-vols (made by the case) bound as podman binds -v volumes and
# /etc/hosts, a tmpfs bound on /dev/shm as podman's userdata/shm, and a
# folder of the rootfs named relative to the bundle
V=/tmp/hyrun-vm-vols
bundle vols ".mounts |= map(select(.destination != \"/dev/shm\")) + [
	{destination: \"/data\", type: \"bind\", source: \"$V/data\", options: [\"rbind\", \"rw\"]},
	{destination: \"/ro\", type: \"bind\", source: \"$V/ro\", options: [\"rbind\", \"ro\"]},
	{destination: \"/rro\", type: \"bind\", source: \"$V/rro\", options: [\"rbind\", \"rro\"]},
	{destination: \"/etc/hosts\", type: \"bind\", source: \"$V/hosts\", options: [\"bind\"]},
	{destination: \"/dev/shm\", type: \"bind\", source: \"$V/shm\",
	 options: [\"bind\", \"nosuid\", \"noexec\", \"nodev\"]},
	{destination: \"/inner\", type: \"bind\", source: \"rootfs/etc\", options: [\"rbind\", \"ro\"]}]" sh -c '
	echo "inner: $(cat /inner/passwd | head -n1)"
	echo "written inside" >/data/from-guest
	echo "hosts: $(cat /etc/hosts)"
	echo "ro: $( (echo x >/ro/new) 2>&1 && echo write succeeded)"
	echo "ro read: $(cat /ro/file)"
	echo "rro: $( (echo x >/rro/new) 2>&1 && echo write succeeded)"
	echo "shm: $(grep " /dev/shm " /proc/mounts)"
	echo "shm write: $(echo in-shm >/dev/shm/f && cat /dev/shm/f)"
	i=0; while [ ! -e /data/from-host ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	echo "data read: $(cat /data/from-host)"
	i=0; while [ "$(cat /etc/hosts)" = "127.0.0.1 first" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	echo "hosts later: $(cat /etc/hosts)"'
bundle userns '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]' \
	sh -c 'echo "inside: uid $(id -u)"; touch /made-inside && chmod 4755 /made-inside && ls -ln /made-inside'
bundle voldev '.mounts += [{destination: "/dev/hostnull", type: "bind", source: "/dev/null", options: ["bind"]}]' true
# fids (cases.sh's fids): the test payload (make tests/payload/payload; the
# case says so when it is missing) holds as many 9P fids as it can
# a guest trying the rootfs's symlinks out (cases.sh's escape): builtins
# only in the loop (read, echo, test), so each round is a few 9P requests
# from the working folder race/sub, whose fid keeps its path on the host
bundle escape . sh -c 'for p in /lnk-abs/secret /lnk-rel/secret /../../lnk-abs/secret; do
		read -r l 2>/dev/null <"$p" && echo "READ $p: $l"; done
	echo guest 2>/dev/null >/lnk-abs/made && echo "WROTE /lnk-abs/made"
	cd /race/sub || exit 9; echo ready >/race-ready; i=0
	while [ ! -e /race-stop ] && [ $i -lt 20000 ]; do read -r a 2>/dev/null <f && echo "f:$a"
		echo guest 2>/dev/null >w; i=$((i + 1)); done
	cd /; echo rounds $i'
bundle fids '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 8192, "soft": 8192}]' /payload fids /fids 14 5000
[ ! -x "$build/tests/payload/payload" ] || cp "$build/tests/payload/payload" "$B/fids/rootfs/payload"
# load (cases.sh's load): one config for every lifecycle, each given its
# own netns and the shared rootfs's absolute path by the case
bundle load '.root.path = "@ROOTFS@" | .linux.namespaces |= map(if .type == "network" then .path = "/var/run/netns/@NETNS@" else . end)' true
# terminals: tty.sh (in cases.sh's tty_* cases, also exec'd in execw) reads,
# traps WINCH and INT and reads to EOF on its pty; ttyfg for a foreground run
bundle tty '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}' sh /tty.sh
bundle ttyfg '.process.terminal = true' sh -c 'tty; read l; echo "got: $l"'
bundle ttysize '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}' stty size
for b in tty execw; do
	cat >"$B/$b/rootfs/tty.sh" <<'EOT'
tty
stty size
echo ready
read l
echo "got: $l"
w=
trap 'w=1; echo "winch: $(stty size)"' WINCH
echo resize-me
while [ -z "$w" ]; do sleep 0.5; done
trap 'echo got INT' INT
echo interrupt-me
sleep 100
echo "sleep: $?"
cat
echo "cat: done"
EOT
done
rm -rf "$B/template"
if [ "$qemu" = 1 ]; then
	mkdir -p "$B/qemu/rootfs" "$work/tiny/dev"
	cp "$build/tests/vm/tiny-init" "$work/tiny/init"
	mknod "$work/tiny/dev/console" c 5 1
	l1_pack "$work/tiny" "$B/qemu/tiny-init.cpio"
fi

# write_env HYRUN: what cases.sh reads (an L1 gets no environment).
write_env() {
	printf 'HYRUN=%s\nKERNEL=%s\nGUEST_RELEASE=%s\nT=%s\nSUBREAPER=%s\nTTYRECV=%s\n' "$1" "$kernel" \
		"$guest_release" "${HYRUN_VM_CASE_TIMEOUT:-90}" "$(realpath "$build/tests/vm/subreaper")" \
		"$(realpath "$build/tests/vm/ttyrecv")" >"$B/env"
	# iproute2's ip and tc (busybox's ip applet shadows ip in L1's PATH)
	printf 'IP=%s\nTC=%s\n' "$ip_bin" "$tc_bin" >>"$B/env"
	# the load case's size and parallelism (cases.sh's case_load)
	printf 'HYRUN_VM_LOAD_N=%s\nHYRUN_VM_LOAD_P=%s\n' "${HYRUN_VM_LOAD_N:-100}" "${HYRUN_VM_LOAD_P:-}" >>"$B/env"
	# the fault cases' hyrun (a test-hooks build), when there is one
	[ -z "$hooks_build" ] || printf 'HYRUN_HOOKS=%s\n' "$(realpath "$hooks_build/hyrun")" >>"$B/env"
}
ip_bin=$(realpath "$(command -v ip)") || die "ip (iproute2) not found"
tc_bin=$(realpath "$(command -v tc)") || die "tc (iproute2) not found"

# check_tap TAP: every planned case reported and none failed (as the
# exit status; the reason on stdout).
check_tap() {
	planned=$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$1" | head -n1)
	ran=$(grep -cE '^(ok|not ok) ' "$1" || true)
	[ -n "$planned" ] || { echo "run-nested: the cases printed no plan (1..N)"; return 1; }
	[ "$ran" = "$planned" ] || { echo "run-nested: $ran of $planned cases reported"; return 1; }
	if grep -q '^not ok ' "$1"; then return 1; fi
}

# --- directly on this host ------------------------------------------------
if [ "$direct" = 1 ]; then
	echo "run-nested: running the cases directly on this host (hardware KVM)"
	write_env "$build/hyrun"
	# the cases' own status, not tee's (sh has no pipefail)
	{
		rc=0
		HYRUN_VM_LOGS=$work/logs sh "$here/cases.sh" "$B" $cases || rc=$?
		echo "$rc" >"$work/rc"
	} | tee "$work/tap"
	[ -z "$tapout" ] || cp "$work/tap" "$tapout"
	rc=$(cat "$work/rc" 2>/dev/null || echo 1)
	[ "$rc" = 0 ] || { echo "run-nested: cases.sh exited $rc"; exit 1; }
	check_tap "$work/tap"
	exit
fi

# --- in L1 ------------------------------------------------------------------
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (contrib/install-deps.sh vm)"
l1_kernel "$kroot"
root=$work/root
l1_root "$root"
for f in hyrun hyrun-agent hyrun-vmm tests/vm/kvm-probe tests/vm/subreaper tests/vm/ttyrecv; do
	l1_copy "$root" "$build/$f"
done
if [ -n "$hooks_build" ]; then
	l1_copy "$root" "$hooks_build/hyrun"
	l1_copy "$root" "$hooks_build/hyrun-agent"
fi
l1_copy "$root" "$kernel"
# the network cases: a netns with a veth, joined to the guest's TAP by tc
l1_copy "$root" "$ip_bin"
l1_copy "$root" "$tc_bin"
l1_modules "$root" veth tun sch_ingress act_mirred cls_u32
cp "$here/cases.sh" "$root/cases.sh"
mv "$B" "$root/bundles"
B=$root/bundles
write_env "$(realpath "$build/hyrun")"
if [ "$qemu" = 1 ]; then
	l1_copy "$root" "$(command -v qemu-system-x86_64)"
	mkdir -p "$root/usr/share/qemu"
	for f in bios-microvm.bin qboot.rom pvh.bin linuxboot_dma.bin kvmvapic.bin; do
		[ -e "/usr/share/qemu/$f" ] && cp -L "/usr/share/qemu/$f" "$root/usr/share/qemu/"
	done
fi
{
	l1_init_head
	cat <<EOI
mount -t cgroup2 none /sys/fs/cgroup
mount -t tmpfs none /run
# a host's devpts, where the terminal cases' host ptys come from
mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
echo "hyrun-vm: L1 /init at \$(cut -d' ' -f1 /proc/uptime) s (L1 kernel \$(uname -r))"
mount -t debugfs none /sys/kernel/debug
t=/sys/kernel/debug/tracing
[ -d \$t/events/kvm ] && echo 1 >\$t/events/kvm/enable && echo 1 >\$t/tracing_on
$(realpath "$build/tests/vm/kvm-probe") 10
rc=\$?
[ -d \$t/events/kvm ] && echo 0 >\$t/tracing_on
case \$rc in
0) ;;
3) echo "hyrun-vm: flake: no guest instruction ran; the last KVM trace events:"
   tail -n 15 \$t/trace
   reboot -f ;;
*) echo "hyrun-vm: no working /dev/kvm in L1"; reboot -f ;;
esac
echo "hyrun-vm: tap begin"
sh /cases.sh /bundles $cases
echo "hyrun-vm: tap end \$? at \$(cut -d' ' -f1 /proc/uptime) s"
reboot -f
EOI
} >"$root/init"
chmod +x "$root/init"
l1_pack "$root" "$work/l1.cpio"
echo "run-nested: L1 initramfs $(($(stat -c %s "$work/l1.cpio") / 1048576)) MiB, cases: $cases"

tries=${HYRUN_L1_TRIES:-3}
export HYRUN_L1_TIMEOUT=${HYRUN_L1_TIMEOUT:-600}
try=1
while :; do
	t0=$(date +%s)
	l1_boot "$work/l1.cpio" "$work/console" >"$work/console.raw" 2>&1 || true
	t1=$(date +%s)
	grep '^hyrun-vm: \|^l1: \|^kvm-probe: ' "$work/console" || true
	sed -n '/^hyrun-vm: flake/,/^\[.*reboot/p' "$work/console" | grep -v '^hyrun-vm:' | sed 's/^/  /' || true
	echo "run-nested: L1 boot $try took $((t1 - t0)) s"
	grep -q '^hyrun-vm: flake' "$work/console" || break
	echo "run-nested: L1 boot $try of $tries ran no guest instruction (the known L1 flake, not a hyrun failure): booting again"
	[ "$try" -lt "$tries" ] || die "the L1 flake hit all $tries boots"
	try=$((try + 1))
done

# The cases' TAP, between the markers (kernel messages may interleave).
sed -n '/^hyrun-vm: tap begin/,/^hyrun-vm: tap end/p' "$work/console" |
	grep -E '^(ok |not ok |# |1\.\.)' >"$work/tap" || true
cat "$work/tap"
[ -z "$tapout" ] || cp "$work/tap" "$tapout"
if ! grep -q '^hyrun-vm: tap end' "$work/console"; then
	echo "run-nested: the cases did not finish (L1 timeout ${HYRUN_L1_TIMEOUT} s or a crash); last console lines:"
	tail -n 30 "$work/console" | sed 's/^/  /'
	exit 1
fi
check_tap "$work/tap"

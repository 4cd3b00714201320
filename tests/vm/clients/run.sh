#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# VM mode driven by the real clients: containerd 1.6 (its runc v2 shim, ctr)
# and podman 4.3 (conmon, vfs storage, cgroupfs), as Debian installs them,
# run inside one boot of the nested test VM ("L1", tests/vm/l1.sh) with
# hyrun installed (`make install`: hyrun, the hyrun-vm link, the guest agent
# and the guest kernel under libexec) and the clients configured from
# contrib/ (runtimes hyrun and hyrun-vm).  The cases are
# tests/vm/clients/cases.sh; this prints their TAP.
#
#   run.sh [-B BUILD_DIR] [-K VMLINUX] [-k L1_KERNEL_ROOT] [-o TAP_FILE] [-p] [CASE...]
#
#   -B  the configured and built tree (default: _build next to this source)
#   -K  the guest kernel (default: kvm-shim/kernel/build.sh's cached vmlinux)
#   -k  an unpacked Debian cloud kernel package for L1 (default: downloaded)
#   -o  also write the TAP (with the logs of failing cases) to TAP_FILE
#   -p  also run the pending cases (CLIENT_CASES_PENDING in cases.sh: cases
#       written ahead of what they test)
#   CASE  a subset of the cases (default: CLIENT_CASES, plus the pending
#       ones with -p)
#
# How the clients get into L1: copied into its initramfs with l1_copy (the
# binaries and the shared libraries they link; about 120 MB, 2-4 s of boot
# under TCG).  QEMU's 9p export of the host's files would avoid the copy,
# but L1's kernel (Debian's cloud kernel) is built without 9P
# (CONFIG_NET_9P is not set) and without virtio_mmio.device= on the command
# line (CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES is not set).  pivot_root refuses
# an initramfs root, so /init first copies the initramfs into a tmpfs and
# switch_roots to it: container mode works in L1 too.
#
# Environment: HYRUN_L1_MEM (MiB, default 3072 here), HYRUN_L1_TIMEOUT
# (default 1500 s), HYRUN_CLIENT_CASE_TIMEOUT (default 120 s: each client
# command of a case), HYRUN_L1_TRIES (boots hit by the known L1 flake,
# default 3), and l1.sh's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
. "$top/tests/vm/l1.sh"

build=$top/_build
kernel=""
kroot=""
tapout=""
pending=0
while getopts B:K:k:o:p o; do
	case $o in
	B) build=$(cd "$OPTARG" && pwd) ;;
	K) kernel=$(realpath "$OPTARG") ;;
	k) kroot=$OPTARG ;;
	o) tapout=$OPTARG ;;
	p) pending=1 ;;
	*) echo "usage: $0 [-B BUILD_DIR] [-K VMLINUX] [-k L1_KERNEL_ROOT] [-o TAP_FILE] [-p] [CASE...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
cases="$*"
if [ -z "$cases" ]; then
	cases=$(sed -n 's/^CLIENT_CASES="\(.*\)"$/\1/p' "$here/cases.sh")
	# and once more at the end: nothing left by the pending ones either
	[ "$pending" = 0 ] || cases="$cases $(sed -n 's/^CLIENT_CASES_PENDING="\(.*\)"$/\1/p' "$here/cases.sh") ctd_nothing_left"
fi

die() {
	echo "clients: $*" >&2
	exit 1
}

for f in hyrun hyrun-agent tests/vm/kvm-probe; do
	[ -x "$build/$f" ] || die "$build/$f is missing (make -C $build hyrun hyrun-agent tests/vm/kvm-probe)"
done
for f in containerd containerd-shim-runc-v2 ctr podman conmon runc qemu-system-x86_64 script pgrep pkill; do
	command -v "$f" >/dev/null || die "$f not found (contrib/install-deps.sh test)"
done
if [ -z "$kernel" ]; then
	kernel=$("$top/kvm-shim/kernel/build.sh") || die "the guest kernel build failed"
fi
[ -f "$kernel" ] || die "guest kernel $kernel not found"
guest_release=$(strings "$kernel" | sed -n 's/^Linux version \([^ ]*\) .*/\1/p' | head -n1)

work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-clients.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root

# --- L1's root ---------------------------------------------------------------
l1_kernel "$kroot"
l1_root "$root"
# what the network cases need (a veth into a netns, the VMM's TAP and tc)
l1_modules "$root" veth tun sch_ingress act_mirred cls_u32 cls_matchall
# and the CRI cases' CNI bridge
l1_modules "$root" bridge
# hyrun as a user installs it; the guest kernel where hyrun looks by default
make -s -C "$build" install DESTDIR="$root" >"$work/install.log" 2>&1 ||
	{ cat "$work/install.log" >&2; die "make install failed"; }
hy=$(cd "$root" && find . -path '*/bin/hyrun' -type f | sed 's/^\.//' | head -n1)
agent=$(cd "$root" && find . -path '*/hyrun/hyrun-agent' -type f | sed 's/^\.//' | head -n1)
[ -n "$hy" ] && [ -n "$agent" ] || die "make install put no hyrun or hyrun-agent in $root"
[ -L "$root$(dirname "$hy")/hyrun-vm" ] || die "make install made no hyrun-vm link"
[ -f "$root$(dirname "$agent")/vmlinux" ] || cp "$kernel" "$root$(dirname "$agent")/vmlinux"
bindir=$(dirname "$hy")
# the clients as Debian installs them, with their libraries
# (runc: dockerd refuses to start without its default runtime)
for f in containerd containerd-shim-runc-v2 ctr podman conmon script runc; do
	l1_copy "$root" "$(command -v "$f")"
done
l1_copy "$root" "$(command -v ip || echo /usr/sbin/ip)"
# busybox here has no pgrep/pkill: procps's (the residue checks use them)
l1_copy "$root" "$(command -v pgrep)"
ln -sf pgrep "$root$(dirname "$(realpath "$(command -v pgrep)")")/pkill"
l1_copy "$root" "$build/tests/vm/kvm-probe"
# Docker 20.10 (Debian's docker.io; not installed on this host: unpacked
# from the package, fetched once like L1's kernel), on the containerd above
dkr=${HYRUN_L1_CACHE:-/var/tmp/hyrun-l1}/docker
if [ ! -x "$dkr/root/usr/sbin/dockerd" ]; then
	mkdir -p "$dkr" && (cd "$dkr" && apt-get download docker.io >/dev/null 2>&1) ||
		die "apt-get download docker.io failed"
	rm -rf "$dkr/root.tmp" && dpkg-deb -x "$dkr"/docker.io_*.deb "$dkr/root.tmp" && mv "$dkr/root.tmp" "$dkr/root"
fi
for f in usr/sbin/dockerd usr/bin/docker usr/sbin/docker-proxy; do
	mkdir -p "$root/$(dirname "$f")" && cp "$dkr/root/$f" "$root/$f"
	for lib in $(ldd "$dkr/root/$f" | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
		[ -e "$root$lib" ] || l1_copy "$root" "$lib"
	done
done
# podman's own files (policy, registries, default containers.conf, seccomp)
mkdir -p "$root/etc/containers" "$root/usr/share/containers" "$root/etc/containerd" "$root/var/lib" "$root/var/tmp"
cp -a /etc/containers/. "$root/etc/containers/"
cp -a /usr/share/containers/. "$root/usr/share/containers/"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
: >"$root/etc/resolv.conf"
echo l1 >"$root/etc/hostname"
ln -s ../run "$root/var/run"
# the clients' configuration: contrib's, with the installed hyrun's path
sed "s|/usr/local/bin/|$bindir/|g" "$top/contrib/containerd/config.toml" >"$root/etc/containerd/config.toml"
# no journald in L1: podman's events go to a file; no crun either: podman
# wants its default runtime to exist even to load an image
sed -e "s|/usr/local/bin/|$bindir/|g" -e '/^\[engine\]$/a events_logger = "file"\nruntime = "hyrun"' \
	"$top/contrib/podman/containers.conf" >"$root/etc/containers/containers.conf"
cat >"$root/etc/containers/storage.conf" <<EOT
[storage]
driver = "vfs"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
EOT
# the image, built here (no registry is reachable): busybox-static
mkdir -p "$root/clients"
bash "$top/tests/e2e/make-oci-image.sh" "$root/clients/busybox.tar" docker.io/library/busybox:hyrun
# the same rootfs as a plain tar for `docker import` (Docker 20.10 loads no
# OCI layout): the image's one layer, its largest blob
mkdir -p "$work/img" && tar -xf "$root/clients/busybox.tar" -C "$work/img"
cp "$(ls -S "$work"/img/blobs/sha256/* | head -n1)" "$root/clients/rootfs.tar"
sed "s|/usr/local/bin/|$bindir/|g" "$top/contrib/docker/daemon.json" >"$root/clients/daemon.json"
cp "$here/cases.sh" "$root/clients/cases.sh"
# the CRI end to end (tests/e2e/cri, cases cri_*): Debian's python3 with
# grpc and protobuf (python3-grpcio), the CNI plugins, the stubs compiled
# here, contrib's runtime entries and a pause image (busybox sleeping)
l1_copy "$root" /usr/bin/python3
ln -sf "$(basename "$(realpath /usr/bin/python3)")" "$root/usr/bin/python3"
pylib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
mkdir -p "$root$pylib" "$root/usr/lib/python3/dist-packages"
tar -C "$pylib" --exclude=./test --exclude='./config-*' --exclude=./idlelib --exclude=./tkinter \
	--exclude=./ensurepip --exclude=./lib2to3 --exclude=./pydoc_data --exclude=./distutils -cf - . | tar -C "$root$pylib" -xf -
cp -a /usr/lib/python3/dist-packages/grpc /usr/lib/python3/dist-packages/google /usr/lib/python3/dist-packages/six.py \
	"$root/usr/lib/python3/dist-packages/"
for so in "$pylib"/lib-dynload/*.so /usr/lib/python3/dist-packages/grpc/_cython/*.so $(find /usr/lib/python3/dist-packages/google -name '*.so'); do
	l1_copy "$root" "$so"
done
for f in bridge host-local loopback; do
	l1_copy "$root" "/usr/lib/cni/$f"
done
mkdir -p "$root/clients/cri/stubs"
cp "$top/tests/e2e/cri/run.sh" "$top/tests/e2e/cri/cri_test.py" "$top/tests/e2e/cri/api.proto" "$root/clients/cri/"
cp "$top/contrib/containerd/config.toml" "$root/clients/cri/runtimes.toml"
/usr/bin/python3 -m grpc_tools.protoc -I"$top/tests/e2e/cri" --python_out="$root/clients/cri/stubs" \
	--grpc_python_out="$root/clients/cri/stubs" "$top/tests/e2e/cri/api.proto" || die "protoc failed (python3-grpc-tools)"
cp "$root/clients/busybox.tar" "$root/clients/cri/busybox.tar"
OCI_CMD='["sleep","2147483647"]' bash "$top/tests/e2e/make-oci-image.sh" "$root/clients/cri/pause.tar" docker.io/library/busybox:cri-pause
printf 'BINDIR=%s\nGUEST_RELEASE=%s\nIMAGE_TAR=/clients/busybox.tar\nIMAGE=docker.io/library/busybox:hyrun\nT=%s\n' \
	"$bindir" "$guest_release" "${HYRUN_CLIENT_CASE_TIMEOUT:-120}" >"$root/clients/env"

# /init: into a tmpfs (pivot_root refuses an initramfs root), then /stage2
mkdir -p "$root/newroot"
cat >"$root/init" <<'EOI'
#!/bin/busybox sh
/bin/busybox mount -t tmpfs -o size=85% none /newroot
for d in /*; do
	[ "$d" = /newroot ] || /bin/busybox cp -a "$d" /newroot/
done
exec /bin/busybox switch_root /newroot /stage2
EOI
{
	l1_init_head
	cat <<EOI
mount -t cgroup2 none /sys/fs/cgroup
echo "+cpuset +cpu +io +memory +pids" >/sys/fs/cgroup/cgroup.subtree_control
mount -t tmpfs none /run
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
ln -sf pts/ptmx /dev/ptmx
mount -t tmpfs none /dev/shm
mount -t mqueue none /dev/mqueue
hostname l1
ip link set lo up
echo "hyrun-clients: L1 /init at \$(cut -d' ' -f1 /proc/uptime) s (L1 kernel \$(uname -r))"
$(realpath "$build/tests/vm/kvm-probe") 10
case \$? in
0) ;;
3) echo "hyrun-clients: flake: no guest instruction ran"; reboot -f ;;
*) echo "hyrun-clients: no working /dev/kvm in L1"; reboot -f ;;
esac
echo "hyrun-clients: tap begin"
sh /clients/cases.sh /clients/env $cases
echo "hyrun-clients: tap end \$? at \$(cut -d' ' -f1 /proc/uptime) s"
reboot -f
EOI
} >"$root/stage2"
chmod +x "$root/init" "$root/stage2"
l1_pack "$root" "$work/l1.cpio"
echo "clients: L1 initramfs $(($(stat -c %s "$work/l1.cpio") / 1048576)) MiB, cases: $cases"

export HYRUN_L1_MEM=${HYRUN_L1_MEM:-3072}
export HYRUN_L1_TIMEOUT=${HYRUN_L1_TIMEOUT:-1500}
tries=${HYRUN_L1_TRIES:-3}
try=1
while :; do
	t0=$(date +%s)
	l1_boot "$work/l1.cpio" "$work/console" >"$work/console.raw" 2>&1 || true
	t1=$(date +%s)
	grep '^hyrun-clients: \|^l1: \|^kvm-probe: ' "$work/console" || true
	echo "clients: L1 boot $try took $((t1 - t0)) s"
	grep -q '^hyrun-clients: flake' "$work/console" || break
	echo "clients: L1 boot $try of $tries ran no guest instruction (the known L1 flake, not a hyrun failure): booting again"
	[ "$try" -lt "$tries" ] || die "the L1 flake hit all $tries boots"
	try=$((try + 1))
done

sed -n '/^hyrun-clients: tap begin/,/^hyrun-clients: tap end/p' "$work/console" |
	grep -E '^(ok |not ok |# |1\.\.)' >"$work/tap" || true
cat "$work/tap"
[ -z "$tapout" ] || cp "$work/tap" "$tapout"
if ! grep -q '^hyrun-clients: tap end' "$work/console"; then
	echo "clients: the cases did not finish (L1 timeout ${HYRUN_L1_TIMEOUT} s or a crash); last console lines:"
	tail -n 30 "$work/console" | sed 's/^/  /'
	[ -z "$tapout" ] || echo "not ok - clients: the cases did not finish in L1 (see the console above)" >>"$tapout"
	exit 1
fi
planned=$(sed -n 's/^1\.\.//p' "$work/tap")
ran=$(grep -cE '^(ok|not ok) ' "$work/tap" || true)
[ "$ran" = "$planned" ] || { echo "clients: $ran of $planned cases reported"; exit 1; }
! grep -q '^not ok ' "$work/tap"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The systemd cgroup driver (--systemd-cgroup) for real: one boot of the
# nested test VM ("L1", tests/vm/l1.sh) with Debian's systemd as PID 1 and
# D-Bus, where tests/vm/systemd-cases.sh runs hyrun (and runc, to compare)
# and prints TAP.  The hosts of this project run no systemd as PID 1.
#
#   systemd-in-l1.sh [-B BUILD_DIR] [-k L1_KERNEL_ROOT] [-o TAP_FILE] [-1] [-g GROUPS]
#
#   -B  the built tree (hyrun and hyrun-systemd; default: _build)
#   -k  an unpacked Debian cloud kernel package for L1 (default: downloaded)
#   -o  also write the TAP to TAP_FILE
#   -1  hybrid cgroup v1 (systemd.unified_cgroup_hierarchy=0) instead of
#       the pure cgroup v2 a current systemd host has
#   -g  the groups of cases (default "hy ctd pod": hyrun itself, containerd,
#       podman)
#
# How systemd runs in L1 (shared/facts/test-vm-variants.md): a busybox
# /init copies the initramfs into a tmpfs (pivot_root refuses an initramfs
# root) and switch_roots to systemd; L1's root holds the host's systemd,
# systemctl, busctl and dbus-daemon with their libraries, D-Bus's
# configuration, and only a minimal set of units: the standard targets
# (without their .wants), dbus.socket/.service, and hyrun-test.target,
# whose one service runs the cases with their output on the serial console
# and ends L1 with `reboot -f`.
#
# Environment: HYRUN_L1_MEM (default 2048 MiB here), HYRUN_L1_TIMEOUT
# (default 420 s), and l1.sh's.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/l1.sh"

build=$top/_build
kroot=""
tapout=""
hybrid=0
groups="hy ctd pod"
while getopts B:k:o:1g: o; do
	case $o in
	B) build=$(cd "$OPTARG" && pwd) ;;
	k) kroot=$OPTARG ;;
	o) tapout=$OPTARG ;;
	1) hybrid=1 ;;
	g) groups=$OPTARG ;;
	*) echo "usage: $0 [-B BUILD_DIR] [-k L1_KERNEL_ROOT] [-o TAP_FILE] [-1] [-g GROUPS]" >&2; exit 2 ;;
	esac
done

die() {
	echo "systemd-in-l1: $*" >&2
	[ -z "$tapout" ] || printf '1..1\nnot ok 1 - systemd-in-l1: %s\n' "$*" >"$tapout"
	exit 1
}

for f in hyrun hyrun-systemd; do
	[ -x "$build/$f" ] || die "$build/$f is missing (libsystemd-dev installed? contrib/install-deps.sh build)"
done
for f in /lib/systemd/systemd systemctl busctl dbus-daemon qemu-system-x86_64 jq; do
	command -v "$f" >/dev/null || [ -x "$f" ] || die "$f not found (contrib/install-deps.sh test)"
done

t0=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/hyrun-systemd-l1.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
l1_kernel "$kroot"
l1_root "$root"

# --- L1's root: systemd, D-Bus, hyrun, runc ------------------------------
for f in /lib/systemd/systemd "$(command -v systemctl)" "$(command -v busctl)" \
	"$(command -v dbus-daemon)" "$build/hyrun" "$build/hyrun-systemd"; do
	l1_copy "$root" "$f"
done
# runc to compare with, containerd 1.6 (the runc v2 shim and ctr) to drive
# hyrun with SystemdCgroup (each skipped in the cases when missing here)
want() {
	case " $groups " in *" $1 "*) return 0 ;; esac
	return 1
}
tools=runc
! want ctd || tools="$tools containerd containerd-shim-runc-v2 ctr"
! want pod || tools="$tools podman conmon"
for f in $tools; do
	! command -v "$f" >/dev/null || l1_copy "$root" "$(command -v "$f")"
done
if want ctd && command -v containerd >/dev/null; then
	mkdir -p "$root/etc/containerd" "$root/tests"
	# no CRI plugin: ctr does not use it, and it only slows the start
	printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >"$root/etc/containerd/config.toml"
fi
if { want ctd && command -v containerd >/dev/null; } || { want pod && command -v podman >/dev/null; }; then
	mkdir -p "$root/tests"
	bash "$top/tests/e2e/make-oci-image.sh" "$root/tests/busybox.tar" docker.io/library/busybox:hyrun >/dev/null ||
		die "tests/e2e/make-oci-image.sh failed"
fi
# podman 4.3 with its systemd cgroup manager: contrib's runtime entries,
# cgroup_manager = "systemd", vfs storage, events to a file (no journald)
if want pod && command -v podman >/dev/null; then
	mkdir -p "$root/etc/containers" "$root/usr/share/containers"
	cp -a /etc/containers/. "$root/etc/containers/"
	cp -a /usr/share/containers/. "$root/usr/share/containers/"
	sed -e "s|/usr/local/bin/|$build/|g" -e 's|^cgroup_manager = .*|cgroup_manager = "systemd"|' \
		-e '/^\[engine\]$/a events_logger = "file"\nruntime = "hyrun"' \
		"$top/contrib/podman/containers.conf" >"$root/etc/containers/containers.conf"
	printf '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' \
		>"$root/etc/containers/storage.conf"
fi
mkdir -p "$root/usr/share/dbus-1" "$root/etc/dbus-1" "$root/etc/systemd/system" \
	"$root/var/lib" "$root/var/tmp" "$root/newroot" "$root/tests"
cp -a /usr/share/dbus-1/. "$root/usr/share/dbus-1/"
cp -a /etc/dbus-1/. "$root/etc/dbus-1/"
ln -s ../run "$root/var/run"
mknod -m 600 "$root/dev/console" c 5 1
printf 'root:x:0:0:root:/root:/bin/sh\nmessagebus:x:100:101::/nonexistent:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nmessagebus:x:101:\nnogroup:x:65534:\n' >"$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files\n' >"$root/etc/nsswitch.conf"
echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"
echo l1 >"$root/etc/hostname"
printf 'ID=debian\nNAME="hyrun test L1"\n' >"$root/etc/os-release"
for u in basic.target sysinit.target sockets.target timers.target paths.target slices.target \
	local-fs.target local-fs-pre.target swap.target shutdown.target dbus.socket dbus.service; do
	cp "/lib/systemd/system/$u" "$root/etc/systemd/system/$u"
done
cat >"$root/etc/systemd/system/hyrun-test.target" <<'EOT'
[Unit]
Description=hyrun's systemd cgroup driver tests
Requires=basic.target hyrun-test.service
After=basic.target
AllowIsolate=yes
EOT
cat >"$root/etc/systemd/system/hyrun-test.service" <<'EOT'
[Unit]
Description=hyrun's systemd cgroup driver cases
Requires=dbus.socket
After=dbus.socket basic.target

[Service]
Type=simple
ExecStart=/bin/sh -c 'echo "hyrun-systemd: tap begin"; sh /tests/systemd-cases.sh; echo "hyrun-systemd: tap end $? at $(cut -d" " -f1 /proc/uptime) s"; reboot -f' 
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
EOT
cp "$here/systemd-cases.sh" "$root/tests/systemd-cases.sh"
# the workload bundle: busybox, sleeping, with limits the cases read back
sh "$top/contrib/make-busybox-bundle.sh" "$root/tests/bundle" -- sleep 100000 >/dev/null 2>&1 ||
	die "contrib/make-busybox-bundle.sh failed"
# the cases' bundles share that rootfs: limits with the default
# cgroupsPath, the same in a slice of their own, and a cpuset no CPU of L1
# has (the scope starts, then the cgroup file write fails: a failed create)
cfg=$root/tests/bundle/config.json
res='{"memory": {"limit": 67108864}, "pids": {"limit": 50},
	"cpu": {"shares": 1024, "quota": 33333, "period": 100000, "cpus": "0"}}'
for b in limits:null slice:'"hyrun-t.slice:hyt:sd3"' bad:null; do
	mkdir -p "$root/tests/${b%%:*}"
	jq --argjson res "$res" --argjson path "${b#*:}" '.root.path = "/tests/bundle/rootfs" | .root.readonly = true
		| .linux.resources = (.linux.resources // {}) + $res
		| if $path then .linux.cgroupsPath = $path else . end
		| if any(.linux.namespaces[]; .type == "cgroup") then . else .linux.namespaces += [{"type": "cgroup"}] end' \
		"$cfg" >"$root/tests/${b%%:*}/config.json" || die "jq failed on $cfg"
done
jq '.linux.resources.cpu.cpus = "99"' "$root/tests/bad/config.json" >"$work/bad.json" &&
	mv "$work/bad.json" "$root/tests/bad/config.json"
printf 'HYRUN=%s\nRUNC=%s\nHYBRID=%s\nGROUPS="%s"\n' "$build/hyrun" "$(command -v runc || true)" "$hybrid" "$groups" >"$root/tests/env"

# /init: into a tmpfs, then systemd
# (at its real path: /lib is /usr/lib on Debian 12, l1_copy follows links)
sd=$(realpath /lib/systemd/systemd)
cat >"$root/init" <<EOI
#!/bin/busybox sh
/bin/busybox mount -t tmpfs -o size=85% none /newroot
for d in /*; do
	[ "\$d" = /newroot ] || /bin/busybox cp -a "\$d" /newroot/
done
exec /bin/busybox switch_root /newroot $sd
EOI
chmod +x "$root/init"
l1_pack "$root" "$work/l1.cpio"

if [ "$hybrid" = 1 ]; then
	cg="systemd.unified_cgroup_hierarchy=0"
else
	cg="systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all"
fi
export HYRUN_L1_MEM=${HYRUN_L1_MEM:-2048}
export HYRUN_L1_TIMEOUT=${HYRUN_L1_TIMEOUT:-420}
export HYRUN_L1_APPEND="$cg systemd.show_status=0 systemd.firstboot=0 systemd.unit=hyrun-test.target ${HYRUN_L1_APPEND:-}"
echo "systemd-in-l1: L1 root packed in $(($(date +%s) - t0)) s, $(($(stat -c %s "$work/l1.cpio") / 1048576)) MiB"
t0=$(date +%s)
l1_boot "$work/l1.cpio" "$work/console" >"$work/console.raw" 2>&1 || true
echo "systemd-in-l1: L1 boot took $(($(date +%s) - t0)) s"
sed -n '/^hyrun-systemd: tap begin/,/^hyrun-systemd: tap end/p' "$work/console" |
	grep -E '^(ok |not ok |# |1\.\.)' >"$work/tap" || true
cat "$work/tap"
[ -z "$tapout" ] || cp "$work/tap" "$tapout"
if ! grep -q '^hyrun-systemd: tap end' "$work/console"; then
	echo "systemd-in-l1: the cases did not finish (L1 timeout ${HYRUN_L1_TIMEOUT} s or a crash); last console lines:"
	tail -n 40 "$work/console" | sed 's/^/  /'
	[ -z "$tapout" ] || echo "not ok - systemd-in-l1: the cases did not finish in L1" >>"$tapout"
	exit 1
fi
grep '^hyrun-systemd: tap end' "$work/console"
planned=$(sed -n 's/^1\.\.//p' "$work/tap")
ran=$(grep -cE '^(ok|not ok) ' "$work/tap" || true)
[ "$ran" = "$planned" ] || { echo "systemd-in-l1: $ran of $planned cases reported"; exit 1; }
! grep -q '^not ok ' "$work/tap"

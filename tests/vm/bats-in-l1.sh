#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The bats integration suite (tests/integration) on a pure cgroup v2 host:
# the nested test VM (L1, Debian's 6.1 cloud kernel) whose init mounts
# cgroup2 alone at /sys/fs/cgroup and enables the controllers at its root,
# as systemd does on a real v2 host.  This project's hosts are cgroup v1,
# so this is where the v2 code paths run for real.
#
#   bats-in-l1.sh --pack TAR TOP BUILD   (host) bash, bats, jq and the tools
#       the suite calls, with their libraries, and TOP's tests, contrib
#       script and BUILD's hyrun, payload and helpers, at their host paths
#   bats-in-l1.sh                        (in L1, a test program of
#       tests/unit/guests/run-in-l1.sh) unpacks HYRUN_TEST_BATS_PACK and runs
#       `bats --tap --timing` on HYRUN_TEST_BATS_FILES (comma-separated
#       names in tests/integration; all of them when unset or empty);
#       prints its TAP (each test's line ends with its time), exits with
#       its status
#
# L1 needs HYRUN_L1_MODULES="brd veth" (/dev/ram0: a block device to
# throttle and to write device rules for; veth pairs for namespaces.bats) and HYRUN_L1_MEM=1536 (the root is copied
# to a tmpfs).  POSIX sh: L1 has busybox.
set -u
here=$(cd "$(dirname "$0")" && pwd)

# The commands the suite and bats call that busybox lacks or does
# differently (GNU options, procps, util-linux); runc makes the tests'
# template bundle (runc spec) and is their reference.
TOOLS="bash bats runc env jq stat timeout mktemp sort head tail wc tr cut cp mv rm ls cat mkdir rmdir
readlink realpath basename dirname seq sha256sum id touch chmod chown ln mkfifo mknod uname df
sleep date tee xargs nproc printf grep sed awk find pgrep pkill ps kill unshare mount umount
nsenter lsblk setpriv ionice flock getent diff cmp od dd truncate yes expr hostname mountpoint
findmnt chroot setsid sh nice test true false whoami ip ss comm newuidmap newgidmap"

# put STAGE NAME: the host's command NAME at its path under STAGE (under
# its own name, not its link target's: awk is mawk), with its libraries.
put() {
	_src=$(command -v "$2") || return 0
	case $_src in /*) ;; *) return 0 ;; esac
	mkdir -p "$1$(dirname "$_src")" && cp -L "$_src" "$1$_src" || return 1
	ldd "$_src" 2>/dev/null | awk '/=>/ {print $3} /ld-linux/ {print $1}' | while read -r _lib; do
		[ -e "$1$_lib" ] && continue
		mkdir -p "$1$(dirname "$_lib")" && cp -L "$_lib" "$1$_lib"
	done
}

if [ "${1:-}" = --pack ]; then
	tar=$2 top=$(realpath "$3") build=$(realpath "$4")
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	# the archive's "./" is L1's / once unpacked there: mktemp's 0700
	# would leave / closed to every uid but root (a user namespace's
	# mapped root, a rootless user: EACCES on the path to the bundle)
	chmod 755 "$stage" || exit 1
	for t in $TOOLS; do put "$stage" "$t" || exit 1; done
	# bats finds its libexec and lib from its own path (/usr/bin/bats)
	for d in /usr/lib/bats-core /usr/libexec/bats-core; do
		mkdir -p "$stage$d" && cp -a "$d/." "$stage$d/" || exit 1
	done
	mkdir -p "$stage/etc" && cp /etc/passwd /etc/group "$stage/etc/" || exit 1
	# the build's programs next to hyrun, where it looks for them (vm.bats
	# wants the guest agent, spec.bats the systemd driver's helper)
	for f in hyrun hyrun-vm hyrun-agent hyrun-vmm hyrun-systemd hyrun-mkdoc; do
		[ ! -e "$build/$f" ] || put "$stage" "$build/$f" || exit 1
	done
	# (doc.bats reads the sources' getopt tables, contrib/local.mk and the
	# build's man pages and completion)
	for f in "$top/tests/integration" "$top/tests/lib" "$top/contrib/make-busybox-bundle.sh" \
		"$build/tests/payload/payload" "$build/tests/integration/helpers" "$top/runtime" \
		"$top/contrib/local.mk" "$build/man" "$build/completion"; do
		mkdir -p "$stage$(dirname "$f")" && cp -a "$f" "$stage$(dirname "$f")/" || exit 1
	done
	# newuidmap and newgidmap are set-uid root (rootless.bats runs them as
	# its user); cp dropped the bit
	for t in newuidmap newgidmap; do
		_src=$(command -v $t) && chmod 4755 "$stage$_src"
	done
	echo "$top" >"$stage/etc/hyrun-bats-top"
	echo "$build" >"$stage/etc/hyrun-bats-build"
	tar -cf "$tar" -C "$stage" . || exit 1
	exit 0
fi

# --- in L1 -------------------------------------------------------------------
# a root on a tmpfs (tests/vm/l1.sh, l1_move_root), then this script again
. "$here/l1.sh"
l1_move_root 90% "$0" || {
	echo "1..0 # SKIP cannot move to a root on a tmpfs"
	exit 1
}
tar -xf "$HYRUN_TEST_BATS_PACK" -C / || {
	echo "1..0 # SKIP cannot unpack $HYRUN_TEST_BATS_PACK"
	exit 1
}
rm -f "$HYRUN_TEST_BATS_PACK"
mkdir -p /dev/pts /dev/shm /run /sys/fs/cgroup /tmp /root
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && ln -sf pts/ptmx /dev/ptmx
# what udev makes on a host (bash's process substitution wants /dev/fd)
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t tmpfs none /dev/shm
mount -t tmpfs none /run
# pure cgroup v2: cgroup2 alone, every controller the kernel has enabled
# for the cgroups below the root (what systemd does on a v2 host)
mount -t cgroup2 none /sys/fs/cgroup
for c in $(cat /sys/fs/cgroup/cgroup.controllers); do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
done
/bin/busybox ip link set lo up
# a file every host has (tests hand it to the container as an open fd)
[ -e /etc/hostname ] || uname -n >/etc/hostname
# rootless.bats's user, as its useradd would make it (L1 has no useradd;
# its `su` is busybox's, which root runs without a password)
grep -q '^hyrun-rootless:' /etc/passwd || {
	echo 'hyrun-rootless:x:2999:2999::/nonexistent:/bin/sh' >>/etc/passwd
	echo 'hyrun-rootless:x:2999:' >>/etc/group
}
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
top=$(cat /etc/hyrun-bats-top)
build=$(cat /etc/hyrun-bats-build)
echo "# L1: $(uname -r), /sys/fs/cgroup: $(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts), controllers: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
files=""
for f in $(echo "${HYRUN_TEST_BATS_FILES:-}" | tr ',' ' '); do
	files="$files $top/tests/integration/$(basename "$f")"
done
[ -n "$files" ] || files=$(ls "$top"/tests/integration/*.bats)
cd "$top" || exit 1
umask 022
start=$(date +%s)
# each line also goes to the console as it comes ("l1-live: ", for
# watching a long run; run-all counts only the copy run-in-l1.sh prints)
{
	HYRUN_IN_TEST_VM=1 HOME=/root TERM=dumb BUILD_DIR=$build BATS_TEST_TIMEOUT=${HYRUN_TEST_BATS_TIMEOUT:-300} \
		WAIT_TIMEOUT=120 bats --tap --timing $files 2>&1
	echo $? >/tmp/bats.rc
} | while IFS= read -r l; do
	printf '%s\n' "$l"
	printf 'l1-live: %s\n' "$l" >/dev/ttyS0
done
rc=$(cat /tmp/bats.rc)
echo "# bats in L1: $(($(date +%s) - start)) s (exit $rc)"
exit "$rc"

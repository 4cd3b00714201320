#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The CRI end to end (cri_test.py) with everything it stands on: a private
# containerd (Debian's 1.6) with its CRI plugin, the runtimes hyrun and
# hyrun-vm from contrib/containerd/config.toml, CNI from Debian's
# containernetworking-plugins (bridge + host-local + loopback) on a bridge
# of its own.  Prints TAP.  POSIX sh: it also runs in the nested test VM
# (tests/vm/clients), with busybox.
#
#   run.sh -b BINDIR [-c RUNTIMES_TOML] [-g GUEST_RELEASE] [-i IMAGES_DIR]
#          [-s STUBS_DIR] -p PROFILE [-p PROFILE...] [CASE...]
#
#   -b  where hyrun is (BINDIR/hyrun; BINDIR/hyrun-vm is made a link to it
#       when missing, as `make install` makes it)
#   -c  containerd's runtime entries (default: contrib/containerd/config.toml)
#   -g  the guest kernel's `uname -r` (for VM-mode profiles)
#   -i  busybox.tar and pause.tar made by ../make-oci-image.sh (default:
#       made here)
#   -s  the stubs compiled from api.proto (default: compiled here with
#       python3 -m grpc_tools.protoc)
#   -p  NAME:HANDLER[:ANNOTATION=VALUE...], see cri_test.py
# Environment: CRI_BRIDGE (default cri0), CRI_SUBNET (default
# 10.231.0.0/24), CRI_CASE_LOGS (where each case's log goes).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3 # Debian's, with python3-grpcio (not another earlier on PATH)
bindir=""
release=""
images=""
stubs=""
profiles=""
runtimes=$here/../../../contrib/containerd/config.toml
while getopts b:c:g:i:s:p: o; do
	case $o in
	b) bindir=$(cd "$OPTARG" && pwd) ;;
	c) runtimes=$OPTARG ;;
	g) release=$OPTARG ;;
	i) images=$OPTARG ;;
	s) stubs=$OPTARG ;;
	p) profiles="$profiles --profile $OPTARG" ;;
	*) echo "usage: $0 -b BINDIR [-g REL] [-i DIR] [-s DIR] -p PROFILE... [CASE...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ -n "$bindir" ] && [ -n "$profiles" ] || { echo "cri: -b and -p are required" >&2; exit 2; }
bridge=${CRI_BRIDGE:-cri0}
subnet=${CRI_SUBNET:-10.231.0.0/24}
cni_bin=/usr/lib/cni

die() {
	echo "cri: $*" >&2
	# a plan with a failure, so that a runner counts it
	echo "1..1"
	echo "not ok 1 - cri: the CRI end to end could not start # $*"
	exit 1
}

for f in containerd containerd-shim-runc-v2 ctr; do
	command -v "$f" >/dev/null || die "$f not found (contrib/install-deps.sh test)"
done
for f in bridge host-local loopback; do
	[ -x "$cni_bin/$f" ] || die "CNI plugin $cni_bin/$f not found (containernetworking-plugins)"
done
[ -x "$bindir/hyrun" ] || die "no $bindir/hyrun"
$py -c 'import grpc' 2>/dev/null || die "$py has no grpc module (python3-grpcio)"

d=$(mktemp -d "${TMPDIR:-/tmp}/cri-e2e.XXXXXX")
ctd_pid=""
cleanup() {
	if [ -n "$ctd_pid" ]; then
		kill "$ctd_pid" 2>/dev/null || true
		while kill -0 "$ctd_pid" 2>/dev/null; do sleep 0.1; done
	fi
	# what a pod sandbox left mounted (its /dev/shm), then the files
	grep " $d/" /proc/mounts | cut -d' ' -f2 | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
	ip link del "$bridge" 2>/dev/null || true
	rm -rf "$d"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the runtimes as contrib names them, at the build's hyrun
mkdir -p "$d/bin"
[ -x "$bindir/hyrun-vm" ] && vmbin=$bindir/hyrun-vm || { ln -s "$bindir/hyrun" "$d/bin/hyrun-vm" && vmbin=$d/bin/hyrun-vm; }

# the image and the pause image (no registry): busybox; pause sleeps
if [ -z "$images" ]; then
	images=$d/images
	mkdir -p "$images"
	bash "$here/../make-oci-image.sh" "$images/busybox.tar" docker.io/library/busybox:hyrun
	OCI_CMD='["sleep","2147483647"]' bash "$here/../make-oci-image.sh" "$images/pause.tar" docker.io/library/busybox:cri-pause
fi
if [ -z "$stubs" ]; then
	stubs=$d/stubs
	mkdir -p "$stubs"
	$py -m grpc_tools.protoc -I"$here" --python_out="$stubs" --grpc_python_out="$stubs" "$here/api.proto" ||
		die "protoc failed (python3-grpc-tools)"
fi

# CNI: kubelet's nodes ship a conflist like this one (the bridge plugin
# with host-local IPAM; loopback is added by containerd itself)
mkdir -p "$d/net.d"
cat >"$d/net.d/10-cri.conflist" <<EOT
{
  "cniVersion": "0.4.0",
  "name": "cri-net",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$bridge",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$d/ipam",
        "ranges": [[{ "subnet": "$subnet" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOT

# containerd: its CRI plugin (default_runtime_name: it does not load
# without one) and contrib's runtime entries, with their state in here
cat >"$d/config.toml" <<EOT
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/library/busybox:cri-pause"
  # root here lacks CAP_SYS_RESOURCE: runc fails the same without this
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    default_runtime_name = "hyrun"
    snapshotter = "native"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin"
    conf_dir = "$d/net.d"
    max_conf_num = 1
EOT
grep -v '^version = ' "$runtimes" |
	sed -e "s|\"/usr/local/bin/hyrun\"|\"$bindir/hyrun\"|" -e "s|\"/usr/local/bin/hyrun-vm\"|\"$vmbin\"|" \
		-e "s|\"/run/containerd/hyrun\"|\"$d/hyrun\"|" >>"$d/config.toml"
grep -q "BinaryName = \"$vmbin\"" "$d/config.toml" || die "contrib's config has no hyrun-vm entry to point at $vmbin"

containerd --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
ctd_pid=$!
i=0
until ctr -a "$d/containerd.sock" version >/dev/null 2>&1; do
	i=$((i + 1))
	[ "$i" -lt 300 ] || { tail -n 20 "$d/containerd.log" >&2; die "containerd did not answer in 60 s"; }
	sleep 0.2
done
ctr -a "$d/containerd.sock" plugins ls | grep -q 'io.containerd.grpc.v1 *cri .*ok' ||
	{ grep -i 'cri' "$d/containerd.log" | tail -n 5 >&2; die "containerd's CRI plugin did not load"; }
for img in busybox pause; do
	ctr -a "$d/containerd.sock" -n k8s.io images import --snapshotter native "$images/$img.tar" >/dev/null ||
		die "ctr images import $img failed"
done

rc=0
# shellcheck disable=SC2086
$py "$here/cri_test.py" --sock "$d/containerd.sock" --stubs "$stubs" --image docker.io/library/busybox:hyrun \
	--guest-release "$release" --logdir "${CRI_CASE_LOGS:-$d}" $profiles "$@" || rc=$?
if [ "$rc" != 0 ]; then
	echo "# containerd's log (last lines):"
	tail -n 15 "$d/containerd.log" | sed 's/^/#   /'
fi
exit "$rc"

# SPDX-License-Identifier: GPL-2.0-or-later
# Shared set-up for the end-to-end tests: a private containerd (root, state
# and socket under a temp dir) or a private podman (storage and config under
# a temp dir), both from Debian's packages, using the runtime at $HYRUN.
# HYRUN=/usr/bin/runc runs the same cases against runc for comparison.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP_DIR=$(cd "$E2E_DIR/../.." && pwd)

resolve_runtime() {
  if [ -n "${HYRUN:-}" ]; then
    command -v "$HYRUN"
    return
  fi
  local cand
  for cand in "$TOP_DIR/_build/hyrun" "$TOP_DIR/hyrun"; do
    [ -x "$cand" ] && { echo "$cand"; return; }
  done
  return 1
}

RUNTIME=$(resolve_runtime) || RUNTIME=
IMAGE=docker.io/library/busybox:hyrun

# The image is built once per test file (setup_file), with the payload when
# the build has it.
e2e_image() {
  local tar=$BATS_FILE_TMPDIR/busybox.tar payload=
  [ -f "$tar" ] || {
    for payload in "$TOP_DIR/_build/tests/payload/payload" ""; do
      [ -z "$payload" ] || [ -x "$payload" ] && break
    done
    "$E2E_DIR/make-oci-image.sh" "$tar" "$IMAGE" $payload
  }
  echo "$tar"
}

require_runtime() {
  [ -n "$RUNTIME" ] || { echo "no runtime: build hyrun or set HYRUN" >&2; return 1; }
}

# ---- containerd ----

containerd_start() {
  local d=$BATS_FILE_TMPDIR/ctd
  mkdir -p "$d"
  cat >"$d/config.toml" <<EOT
version = 2
root = "$d/root"
state = "$d/state"
[grpc]
  address = "$d/containerd.sock"
[debug]
  level = "info"
[plugins."io.containerd.grpc.v1.cri"]
  disable_cgroup = false
EOT
  containerd --config "$d/config.toml" >>"$d/containerd.log" 2>&1 &
  echo $! >"$d/pid"
  export CTD_SOCK=$d/containerd.sock
  # each try bounded, and all of them together to 30 s
  local deadline=$((SECONDS + 30))
  while [ "$SECONDS" -lt "$deadline" ]; do
    timeout -k 1 5 ctr -a "$CTD_SOCK" version >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$d/pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "containerd did not come up within 30 s; log:" >&2
  cat "$d/containerd.log" >&2
  return 1
}

# stop_daemon PID NAME LOG: SIGTERM, then after 20 s SIGKILL with the tail
# of its log (a daemon stuck in its shutdown must not hang the suite: bats's
# per-test timeout does not cover setup_file and teardown_file)
stop_daemon() {
  local i
  kill "$1" 2>/dev/null || return 0
  for i in $(seq 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  echo "$2 did not stop in 20 s; killed. log:" >&2
  tail -n 30 "$3" >&2
  kill -9 "$1" 2>/dev/null || true
}

containerd_stop() {
  local d=$BATS_FILE_TMPDIR/ctd pid
  pid=$(cat "$d/pid" 2>/dev/null) || return 0
  stop_daemon "$pid" containerd "$d/containerd.log"
}

# Remove every task and container left in the test namespace.
containerd_cleanup() {
  local c
  for c in $(ctr -a "$CTD_SOCK" -n hyrun-e2e containers ls -q 2>/dev/null); do
    ctr -a "$CTD_SOCK" -n hyrun-e2e task kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    ctr -a "$CTD_SOCK" -n hyrun-e2e task delete -f "$c" >/dev/null 2>&1 || true
    ctr -a "$CTD_SOCK" -n hyrun-e2e containers delete "$c" >/dev/null 2>&1 || true
  done
}

# client calls bounded: bats's per-test timeout ends the test's own
# children only, and a stuck grandchild holding $(...)'s pipe would hang it
CTR() { timeout -k 10 120 ctr -a "$CTD_SOCK" -n hyrun-e2e "$@"; }

# Wait until the task's status is $2 (bounded: 10 s).
ctr_wait_status() {
  local i
  for i in $(seq 200); do
    CTR task ls 2>/dev/null | awk -v id="$1" '$1==id {print $3}' | grep -qx "$2" && return 0
    sleep 0.05
  done
  echo "task $1 never reached $2:" >&2
  CTR task ls >&2
  return 1
}

# ---- podman ----

podman_setup() {
  local d=$BATS_FILE_TMPDIR/podman
  mkdir -p "$d/tmp"
  # This host's root lacks CAP_SYS_RESOURCE (open-files hard limit 20000),
  # so podman's default rlimits would fail with any runtime: pin lower ones.
  cat >"$d/containers.conf" <<EOT
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime_supports_json = ["runc", "crun", "hyrun"]
EOT
  cat >"$d/storage.conf" <<EOT
[storage]
driver = "vfs"
runroot = "$d/run"
graphroot = "$d/storage"
EOT
  export CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf
  PODMAN_TMP=$d/tmp
}

PODMAN() { timeout -k 10 120 podman --runtime "$RUNTIME" --tmpdir "$PODMAN_TMP" "$@"; }

# wait_for, assert_eq
WAIT_TIMEOUT=${WAIT_TIMEOUT:-60}
. "$E2E_DIR/../lib/wait.bash"

# http_get PORT: GET /index.html from 127.0.0.1:PORT (bash's /dev/tcp: no
# nc on this host)
http_get() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'GET /index.html HTTP/1.0\r\n\r\n' >&3
    timeout 10 cat <&3
  )
}

# ---- Docker ----
# dockerd 20.10 (Debian's docker.io; its own client /usr/bin/docker, not
# another docker earlier on PATH) with the runtimes hyrun and hyrun-vm
# added on its command line; its data, exec root, socket, cgroup parent and
# bridge (cri-dkr0, 10.232.0.0/24, made here) are the test's.  No iptables
# rules: -p goes through docker-proxy.  Its containerd is the test's own
# (containerd_start), named with --containerd: left to itself, dockerd uses
# any /run/containerd/containerd.sock it finds (a stale one from a killed
# daemon included) or supervises a containerd of its own, and in both cases
# waits for it without end, its API hanging meanwhile.
DOCKER_BIN=/usr/bin/docker
DKR_BRIDGE=cri-dkr0

docker_start() {
  local d=$BATS_FILE_TMPDIR/dkr deadline
  mkdir -p "$d/bin"
  ln -sf "$RUNTIME" "$d/bin/hyrun-vm"
  containerd_start || return 1
  ip link add "$DKR_BRIDGE" type bridge
  ip addr add 10.232.0.1/24 dev "$DKR_BRIDGE"
  ip link set "$DKR_BRIDGE" up
  # the exec root holds unix sockets: a short path, not one under a TMPDIR
  # of any length (108 bytes at most)
  mktemp -d /run/hyrun-dkr.XXXXXX >"$d/exec-root" || return 1
  dockerd --data-root "$d/data" --exec-root "$(cat "$d/exec-root")" --pidfile "$d/dockerd.pid" -H "unix://$d/docker.sock" \
    --containerd "$CTD_SOCK" --containerd-namespace hyrun-dkr --containerd-plugins-namespace hyrun-dkr-plugins \
    --storage-driver vfs --bridge "$DKR_BRIDGE" --iptables=false --ip-masq=false --ip-forward=false \
    --cgroup-parent /cri-docker --oom-score-adjust 0 \
    --add-runtime "hyrun=$RUNTIME" --add-runtime "hyrun-vm=$d/bin/hyrun-vm" >"$d/dockerd.log" 2>&1 &
  echo $! >"$d/pid"
  export DOCKER_HOST=unix://$d/docker.sock
  # dockerd listens before its daemon is initialised: a client asking then
  # waits with no timeout of its own, so each try is bounded, and all of
  # them together to 60 s
  deadline=$((SECONDS + 60))
  while [ "$SECONDS" -lt "$deadline" ]; do
    timeout -k 1 5 "$DOCKER_BIN" version >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$d/pid")" 2>/dev/null || break
    sleep 0.2
  done
  echo "dockerd did not come up within 60 s; its log, then containerd's:" >&2
  tail -n 30 "$d/dockerd.log" >&2
  tail -n 10 "$BATS_FILE_TMPDIR/ctd/containerd.log" >&2
  return 1
}

docker_stop() {
  local d=$BATS_FILE_TMPDIR/dkr pid exec_root
  pid=$(cat "$d/pid" 2>/dev/null) || { ip link del "$DKR_BRIDGE" 2>/dev/null; containerd_stop; return 0; }
  stop_daemon "$pid" dockerd "$d/dockerd.log"
  containerd_stop
  # never empty: an empty one would match every mount below
  exec_root=$(cat "$d/exec-root" 2>/dev/null)
  exec_root=${exec_root:-$d/exec}
  ip link del "$DKR_BRIDGE" 2>/dev/null || true
  grep -e " $d/" -e " $exec_root/" -e " $BATS_FILE_TMPDIR/ctd/" /proc/mounts | cut -d' ' -f2 | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$d" "$exec_root"
  rmdir /sys/fs/cgroup/*/cri-docker /sys/fs/cgroup/cri-docker 2>/dev/null || true
}

# every client call bounded; -k: an attached client (run, start -a) catches
# SIGTERM to forward it to the container, and would outlive a plain timeout
DOCKER() { timeout -k 10 120 "$DOCKER_BIN" "$@"; }

# the image: the busybox image's one layer, imported (Docker 20.10 loads
# no OCI layout)
docker_image() {
  local tar img=$BATS_FILE_TMPDIR/img
  tar=$(e2e_image)
  mkdir -p "$img" && tar -xf "$tar" -C "$img"
  DOCKER import "$(ls -S "$img"/blobs/sha256/* | head -n1)" busybox:hyrun >/dev/null
}

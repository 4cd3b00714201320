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
  local i
  for i in $(seq 100); do
    ctr -a "$CTD_SOCK" version >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "containerd did not come up; log:" >&2
  cat "$d/containerd.log" >&2
  return 1
}

containerd_stop() {
  local d=$BATS_FILE_TMPDIR/ctd pid
  pid=$(cat "$d/pid" 2>/dev/null) || return 0
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
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

CTR() { ctr -a "$CTD_SOCK" -n hyrun-e2e "$@"; }

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

PODMAN() { podman --runtime "$RUNTIME" --tmpdir "$PODMAN_TMP" "$@"; }

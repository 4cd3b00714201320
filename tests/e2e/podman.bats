#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hyrun under a real podman 4.3 + conmon (Debian's) with cgroupfs and
# private storage: run, exec, stop, rm, update.

load helpers

setup_file() {
  require_runtime
  podman_setup
  PODMAN load -i "$(e2e_image)" >/dev/null
}

teardown_file() {
  podman_setup
  PODMAN rm -af -t 0 >/dev/null 2>&1 || true
  PODMAN rmi -af >/dev/null 2>&1 || true
}

setup() {
  podman_setup
}

@test "podman: run prints the output and returns the exit code" {
  run PODMAN run --rm --pull never --network none "$IMAGE" sh -c 'echo hello-from-podman; exit 4'
  echo "$output"
  [ "$status" -eq 4 ]
  [[ "$output" == *hello-from-podman* ]]
}

@test "podman: exec, stop and rm a detached container" {
  PODMAN run -d --name p-exec --pull never --network none "$IMAGE" sleep 100
  run PODMAN exec p-exec sh -c 'echo exec-ok; exit 6'
  echo "$output"
  [ "$status" -eq 6 ]
  [[ "$output" == *exec-ok* ]]
  run PODMAN stop -t 1 p-exec
  [ "$status" -eq 0 ]
  run PODMAN inspect -f '{{.State.Status}}' p-exec
  [ "$output" = exited ]
  PODMAN rm p-exec
  run PODMAN ps -a --format '{{.Names}}'
  [[ "$output" != *p-exec* ]]
}

@test "podman: env and a terminal reach the container" {
  run timeout -k 10 150 script -qec "podman --runtime $RUNTIME --tmpdir $PODMAN_TMP run --rm -t --pull never --network none -e FOO=bar $IMAGE sh -c 'echo \$FOO; tty'" /dev/null
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *bar* ]]
  [[ "$output" == */dev/pts/* ]]
}

@test "podman: update changes a running container's limits through the runtime's update" {
  PODMAN run -d --name p-upd --pull never --network none --memory 64m "$IMAGE" sleep 100
  run PODMAN update --memory 96m --memory-swap 192m --cpu-quota 30000 --cpu-period 100000 p-upd
  echo "$output"
  [ "$status" -eq 0 ]
  # the container's own view of its v1 cgroups (podman mounts them read-only)
  run PODMAN exec p-upd sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us'
  echo "$output"
  [[ "$output" == *100663296* ]]
  [[ "$output" == *30000* ]]
  PODMAN rm -f -t 0 p-upd
}

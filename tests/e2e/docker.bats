#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hyrun under Docker 20.10 (Debian's docker.io): a dockerd started here
# with --add-runtime hyrun and hyrun-vm, container mode on this host (VM
# mode: tests/vm/clients, cases dkr_*).  Each test names the runtime.

load helpers

setup_file() {
  require_runtime
  [ -x "$DOCKER_BIN" ] || { echo "no $DOCKER_BIN (contrib/install-deps.sh test: docker.io)" >&2; return 1; }
  docker_start
  docker_image
}

teardown_file() {
  for c in $("$DOCKER_BIN" ps -aq 2>/dev/null); do "$DOCKER_BIN" rm -f "$c" >/dev/null 2>&1 || true; done
  docker_stop
}

# cpid ID: the container's process on the host
cpid() { DOCKER inspect -f '{{.State.Pid}}' "$1"; }
is_state() { [ "$(DOCKER inspect -f '{{.State.Status}}' "$1")" = "$2" ]; }

@test "docker: run --runtime hyrun -it gives the process a terminal and returns its exit code" {
  # no timeout(1) inside script: run from a shell that forks it (script
  # uses /bin/sh when SHELL is unset, as under CI), it moves docker into a
  # process group of its own, in the background of script's terminal, and
  # docker's tcsetattr (raw mode) stops it with SIGTTOU for good.  The
  # outer timeout ends script; its terminal's hangup ends docker.
  run timeout -k 10 150 script -qec "$DOCKER_BIN run --rm -it --runtime hyrun busybox:hyrun sh -c 'tty; uname -r; exit 5'" /dev/null
  echo "$output"
  [ "$status" -eq 5 ]
  [[ "$output" == */dev/pts/* ]]
  [[ "$output" == *"$(uname -r)"* ]]
}

@test "docker: run -d, exec and stop with the runtime hyrun" {
  id=$(DOCKER run -d --runtime hyrun busybox:hyrun sh -c 'trap "" TERM; echo up >/tmp/up; while :; do sleep 1; done')
  echo "id $id"
  assert_eq "$(DOCKER inspect -f '{{.HostConfig.Runtime}} {{.State.Status}}' "$id")" "hyrun running"
  run DOCKER exec "$id" sh -c 'cat /tmp/up; echo exec-ok; exit 7'
  echo "$output"
  [ "$status" -eq 7 ]
  assert_eq "$output" "up
exec-ok"
  # it ignores SIGTERM: stop's grace (1 s) ends in SIGKILL
  DOCKER stop -t 1 "$id"
  assert_eq "$(DOCKER inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")" "exited 137"
  DOCKER rm "$id"
}

@test "docker: kill delivers the signal and the exit status is the signal's" {
  id=$(DOCKER run -d --runtime hyrun busybox:hyrun sh -c 'trap "exit 42" USR1; while :; do sleep 1; done')
  wait_for "container running" is_state "$id" running
  DOCKER kill -s USR1 "$id"
  wait_for "container exited" is_state "$id" exited
  assert_eq "$(DOCKER inspect -f '{{.State.ExitCode}}' "$id")" 42
  DOCKER start "$id" >/dev/null
  DOCKER kill "$id"
  wait_for "container exited" is_state "$id" exited
  assert_eq "$(DOCKER inspect -f '{{.State.ExitCode}}' "$id")" 137
  DOCKER rm "$id"
}

@test "docker: --memory lands in the container's cgroup and stats report usage against it" {
  id=$(DOCKER run -d --runtime hyrun --memory 64m busybox:hyrun sh -c 'while :; do sleep 1; done')
  pid=$(cpid "$id")
  cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/$pid/cgroup)
  echo "pid $pid memory cgroup $cg"
  [[ "$cg" == /cri-docker/* ]]
  assert_eq "$(cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes)" 67108864
  run DOCKER stats --no-stream --format '{{.Container}} {{.MemUsage}}' "$id"
  echo "$output"
  [ "$status" -eq 0 ]
  # "ID 1.2MiB / 64MiB": a usage above zero, the limit
  [[ "$output" =~ ^${id}\ [0-9.]+[KMG]i?B\ /\ 64MiB$ ]]
  [[ ! "$output" =~ ^${id}\ 0B ]]
  DOCKER rm -f "$id"
}

@test "docker: -p publishes the container's port on the host" {
  port=$((20000 + RANDOM % 20000))
  id=$(DOCKER run -d --runtime hyrun -p "127.0.0.1:$port:8080" busybox:hyrun \
    sh -c 'mkdir /w; echo hello-from-hyrun >/w/index.html; httpd -f -p 8080 -h /w')
  DOCKER port "$id"
  served() { http_get "$port" | grep -q hello-from-hyrun; }
  wait_for "the published port answers" served
  run http_get "$port"
  echo "$output"
  [[ "$output" == *"200 OK"*hello-from-hyrun* ]]
  DOCKER rm -f "$id"
}

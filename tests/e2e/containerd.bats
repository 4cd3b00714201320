#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-or-later
# hyrun under a real containerd 1.6 (Debian's), through the runc v2 shim
# with `ctr run --runc-binary`: the calls and the JSON log are runc's.

load helpers

setup_file() {
  require_runtime
  containerd_start
  timeout -k 10 120 ctr -a "$CTD_SOCK" -n hyrun-e2e images import "$(e2e_image)" >/dev/null
}

teardown_file() {
  containerd_cleanup
  containerd_stop
}

teardown() {
  containerd_cleanup
}

@test "containerd: ctr run prints the container's output and returns its exit code" {
  run CTR run --rm --runc-binary "$RUNTIME" "$IMAGE" t-out sh -c 'echo hello-from-ctr; exit 3'
  echo "$output"
  [ "$status" -eq 3 ]
  [[ "$output" == *hello-from-ctr* ]]
}

@test "containerd: env and cwd from the image and the command line reach the process" {
  run CTR run --rm --runc-binary "$RUNTIME" --env FOO=bar --cwd /tmp "$IMAGE" t-env sh -c 'echo "$FOO:$(pwd):$PATH"'
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == "bar:/tmp:/usr/local/sbin:"* ]]
}

@test "containerd: a terminal container gets a pty from the console socket" {
  # ctr -t needs a terminal of its own: script(1) gives it one.
  run timeout -k 10 150 script -qec "ctr -a $CTD_SOCK -n hyrun-e2e run --rm -t --runc-binary $RUNTIME $IMAGE t-tty sh -c 'tty; exit 5'" /dev/null
  echo "$output"
  [ "$status" -eq 5 ]
  [[ "$output" == */dev/pts/* ]]
}

@test "containerd: exec runs a second process in a running task" {
  CTR run -d --runc-binary "$RUNTIME" "$IMAGE" t-exec sleep 60
  ctr_wait_status t-exec RUNNING
  run CTR task exec --exec-id e1 t-exec sh -c 'echo exec-ok; cat /proc/1/cmdline | tr "\0" " "; exit 7'
  echo "$output"
  [ "$status" -eq 7 ]
  [[ "$output" == *exec-ok* ]]
  [[ "$output" == *"sleep 60"* ]]
}

@test "containerd: kill stops the task and the exit status is reported" {
  CTR run -d --runc-binary "$RUNTIME" "$IMAGE" t-kill sleep 60
  ctr_wait_status t-kill RUNNING
  CTR task kill -s SIGKILL t-kill
  ctr_wait_status t-kill STOPPED
  run CTR task delete t-kill
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *137* ]]
}

@test "containerd: pause freezes the task and resume thaws it" {
  CTR run -d --runc-binary "$RUNTIME" "$IMAGE" t-pause sh -c 'while :; do date +%s%N >/tmp/tick; sleep 0.1; done'
  ctr_wait_status t-pause RUNNING
  CTR task pause t-pause
  ctr_wait_status t-pause PAUSED
  # A frozen cgroup cannot even start the exec: read the tick from the host.
  pid=$(CTR task ls | awk '$1=="t-pause" {print $2}')
  t1=$(cat /proc/$pid/root/tmp/tick)
  sleep 0.5
  t2=$(cat /proc/$pid/root/tmp/tick)
  [ "$t1" = "$t2" ]
  CTR task resume t-pause
  ctr_wait_status t-pause RUNNING
  sleep 0.5
  t3=$(cat /proc/$pid/root/tmp/tick)
  [ "$t3" != "$t2" ]
}

@test "containerd: a memory limit lands in the task's cgroup and metrics report it" {
  CTR run -d --runc-binary "$RUNTIME" --memory-limit 67108864 "$IMAGE" t-mem sleep 60
  ctr_wait_status t-mem RUNNING
  pid=$(CTR task ls | awk '$1=="t-mem" {print $2}')
  cg=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/$pid/cgroup)
  [ "$(cat /sys/fs/cgroup/memory$cg/memory.limit_in_bytes)" = 67108864 ]
  run CTR task metrics t-mem
  echo "$output"
  [ "$status" -eq 0 ]
  # the limit's row (cgroup v1: memory.limit_in_bytes, v2: memory.usage_limit)
  # has the value, not just the name
  echo "$output" | awk '($1 == "memory.limit_in_bytes" || $1 == "memory.usage_limit") && $2 == 67108864 { found = 1 }
    END { exit !found }'
}

@test "containerd: a running task survives a containerd restart" {
  CTR run -d --runc-binary "$RUNTIME" "$IMAGE" t-restart sleep 60
  ctr_wait_status t-restart RUNNING
  containerd_stop
  containerd_start
  ctr_wait_status t-restart RUNNING
  CTR task kill -s SIGKILL t-restart
  ctr_wait_status t-restart STOPPED
}

@test "containerd: a failing create reaches the user with the runtime's error" {
  run CTR run --rm --runc-binary "$RUNTIME" "$IMAGE" t-fail /no/such/binary
  echo "$output"
  [ "$status" -ne 0 ]
  [[ "$output" == *"/no/such/binary"* ]]
}

@test "containerd: the shim calls the runtime as runc (BinaryName, --root/--log/--log-format json)" {
  # `ctr run --runc-binary` sets the runc v2 shim's BinaryName option, the
  # same option a containerd runtime entry sets (contrib/containerd).  A
  # wrapper records the calls, so the test fails if the shim fell back to
  # the runc on PATH.
  wrapper=$BATS_TEST_TMPDIR/runtime-wrapper
  printf '#!/bin/sh\necho "$*" >>%s/calls\nexec %s "$@"\n' "$BATS_TEST_TMPDIR" "$RUNTIME" >"$wrapper"
  chmod +x "$wrapper"
  run CTR run --rm --runc-binary "$wrapper" "$IMAGE" t-binname sh -c 'echo via-binary-name'
  echo "$output"
  cat "$BATS_TEST_TMPDIR/calls"
  [ "$status" -eq 0 ]
  [[ "$output" == *via-binary-name* ]]
  grep -q -- '--log-format json create --bundle .* --pid-file .* t-binname' "$BATS_TEST_TMPDIR/calls"
  grep -q -- 'start t-binname' "$BATS_TEST_TMPDIR/calls"
  grep -q -- 'delete t-binname' "$BATS_TEST_TMPDIR/calls"
}

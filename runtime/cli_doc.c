/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table behind `hyrun CMD --help`, the man pages and the bash
 * completion (cli_doc.h says why it is one table).  Options runc accepts
 * and hyrun ignores are listed too: the clients pass them. */
#include "runtime/cli_doc.h"

#include <string.h>

#define END                                                                                        \
  {                                                                                                \
    NULL, 0, NULL, NULL                                                                            \
  }

static const struct cli_doc_opt global_opts[] = {
  { "root", 0, "DIR", "state directory (default: /run/hyrun)" },
  { "log", 0, "FILE", "log file (default: stderr)" },
  { "log-format", 0, "text|json", "log line format (default: text)" },
  { "debug", 0, NULL, "debug logging" },
  { "systemd-cgroup", 0, NULL,
    "the systemd cgroup driver: the container's cgroup is a transient scope; cgroupsPath is "
    "slice:prefix:name (default system.slice:hyrun:<id>)" },
  { "criu", 0, "PATH", "criu binary (default: criu)" },
  { "isolation", 0, "container|vm",
    "container or vm, for bundles without the annotation io.hyrun.isolation (default: "
    "container; vm when started as hyrun-vm)" },
  { "rootless", 0, "VALUE", "accepted for runc compatibility" },
  { "help", 'h', NULL, "show help" },
  { "version", 'v', NULL, "print the version" },
  END,
};

#define CREATE_OPTS                                                                                \
  { "bundle", 'b', "DIR", "the bundle (config.json and rootfs; default: .)" },                     \
      { "pid-file", 0, "FILE", "write the container's pid to FILE" },                              \
      { "console-socket", 0, "SOCKET", "send the terminal's master fd to this unix socket" },      \
      { "no-pivot", 0, NULL, "accepted for runc compatibility (pivot_root is always used)" },      \
      { "no-new-keyring", 0, NULL, "do not create a session keyring" },                            \
      { "preserve-fds", 0, "N", "pass N more fds (from 3) to the container process" },             \
  {                                                                                                \
    "no-subreaper", 0, NULL, "accepted for runc compatibility"                                     \
  }

static const struct cli_doc_opt create_opts[] = { CREATE_OPTS, END };

static const struct cli_doc_opt run_opts[] = {
  CREATE_OPTS,
  { "detach", 'd', NULL, "return once the process runs; do not wait for it" },
  { "keep", 0, NULL, "keep the stopped container (do not delete it)" },
  END,
};

static const struct cli_doc_opt delete_opts[] = {
  { "force", 'f', NULL, "kill a running container first; clean up what a failed create left" },
  END,
};

static const struct cli_doc_opt events_opts[] = {
  { "stats", 0, NULL, "print the statistics once and exit" },
  { "interval", 0, "DURATION", "time between statistics (default: 5s)" },
  END,
};

static const struct cli_doc_opt exec_opts[] = {
  { "console-socket", 's', "SOCKET", "send the terminal's master fd to this unix socket" },
  { "cwd", 'w', "DIR", "working directory of the process" },
  { "env", 'e', "NAME=VALUE", "set an environment variable (repeatable)" },
  { "tty", 't', NULL, "give the process a terminal" },
  { "user", 'u', "UID[:GID]", "run as this user" },
  { "additional-gids", 'g', "GID", "an additional group (repeatable)" },
  { "process", 'p', "FILE", "the process as OCI JSON (process.json)" },
  { "detach", 'd', NULL, "return once the process runs" },
  { "pid-file", 'P', "FILE", "write the process's pid to FILE" },
  { "process-label", 0, "LABEL", "accepted for runc compatibility (no SELinux)" },
  { "apparmor", 0, "PROFILE", "accepted for runc compatibility (no AppArmor)" },
  { "no-new-privs", 'n', NULL, "set no_new_privs for the process" },
  { "cap", 'c', "CAP", "add a capability (repeatable)" },
  { "preserve-fds", 'f', "N", "pass N more fds (from 3) to the process" },
  { "ignore-paused", 0, NULL, "exec even if the container is paused" },
  { "cgroup", 0, "PATH", "run in this sub-cgroup of the container" },
  END,
};

static const struct cli_doc_opt kill_opts[] = {
  { "all", 'a', NULL, "signal every process of the container" },
  END,
};

static const struct cli_doc_opt list_opts[] = {
  { "format", 'f', "table|json", "output format (default: table)" },
  { "quiet", 'q', NULL, "only the container ids" },
  END,
};

static const struct cli_doc_opt ps_opts[] = {
  { "format", 'f', "table|json", "output format (default: table)" },
  END,
};

static const struct cli_doc_opt spec_opts[] = {
  { "rootless", 0, NULL, "a config for a rootless container (user namespace)" },
  { "bundle", 'b', "DIR", "where to write config.json (default: .)" },
  END,
};

static const struct cli_doc_opt none_opts[] = { END };

#define CRIU_SHARED                                                                                \
  { "image-path", 0, "DIR", "the checkpoint's images (default: ./checkpoint)" },                   \
      { "work-path", 0, "DIR", "criu's logs and work files" },                                     \
      { "tcp-established", 0, NULL, "established TCP connections are part of it" },                \
      { "file-locks", 0, NULL, "file locks are part of it" },                                      \
      { "shell-job", 0, NULL, "the process was started from a shell (a terminal)" },               \
      { "ext-unix-sk", 0, NULL, "accepted for runc compatibility" },                               \
      { "manage-cgroups-mode", 0, "MODE", "accepted for runc compatibility" },                     \
      { "empty-ns", 0, "NS", "accepted for runc compatibility" },                                  \
      { "auto-dedup", 0, NULL, "accepted for runc compatibility" },                                \
  {                                                                                                \
    "lazy-pages", 0, NULL, "accepted for runc compatibility"                                       \
  }

static const struct cli_doc_opt checkpoint_opts[] = {
  CRIU_SHARED,
  { "leave-running", 0, NULL, "keep the container running after the checkpoint" },
  { "pre-dump", 0, NULL, "accepted for runc compatibility" },
  { "parent-path", 0, "DIR", "accepted for runc compatibility" },
  END,
};

static const struct cli_doc_opt restore_opts[] = {
  CRIU_SHARED,
  { "bundle", 0, "DIR", "the bundle to restore into (default: .)" },
  { "pid-file", 0, "FILE", "write the restored init's pid to FILE" },
  { "detach", 'd', NULL, "return once restored" },
  { "no-subreaper", 0, NULL, "accepted for runc compatibility" },
  { "no-pivot", 0, NULL, "accepted for runc compatibility" },
  END,
};

static const struct cli_doc_opt update_opts[] = {
  { "resources", 0, "FILE", "the new linux.resources as JSON (- for stdin)" },
  { "memory", 0, "BYTES", "memory limit" },
  { "memory-reservation", 0, "BYTES", "memory soft limit" },
  { "memory-swap", 0, "BYTES", "memory plus swap limit" },
  { "kernel-memory", 0, "BYTES", "accepted for runc compatibility (deprecated in the kernel)" },
  { "kernel-memory-tcp", 0, "BYTES", "accepted for runc compatibility (deprecated)" },
  { "cpu-shares", 0, "N", "CPU shares (relative weight)" },
  { "cpu-quota", 0, "US", "CPU time per period (microseconds)" },
  { "cpu-period", 0, "US", "the CPU quota's period (microseconds)" },
  { "cpu-rt-period", 0, "US", "realtime period (microseconds)" },
  { "cpu-rt-runtime", 0, "US", "realtime runtime per period (microseconds)" },
  { "cpuset-cpus", 0, "LIST", "CPUs the container may use (0-3,5)" },
  { "cpuset-mems", 0, "LIST", "memory nodes the container may use" },
  { "pids-limit", 0, "N", "most processes" },
  { "blkio-weight", 0, "N", "block I/O weight (10-1000)" },
  { "l3-cache-schema", 0, "SCHEMA", "Intel RDT L3 cache schema" },
  { "mem-bw-schema", 0, "SCHEMA", "Intel RDT memory bandwidth schema" },
  END,
};

static const struct cli_doc_opt bench_opts[] = {
  { "quick", 'q', NULL, "fewer, shorter runs (minutes in the nested test VM)" },
  { "containers", 'n', "N", "most concurrent containers in the memory test (default 50)" },
  { "out", 'o', "DIR", "where results.json, report.md and compare.svg go" },
  { "modes", 'm', "container|vm|container,vm", "the isolation levels to run (default: both)" },
  { "kernel", 'k', "FILE", "the guest kernel (default: hyrun's installed vmlinux)" },
  { "runs", 'r', "N", "samples per measurement (default 5, --quick 3)" },
  { "only", 'O', "PARTS",
    "only these, comma-separated: start, syscall, forkexec, cpu, io, net, mem, ksm" },
  { "vm-annotation", 'A', "KEY=VALUE",
    "one more annotation on the VM-mode bundle, e.g. io.hyrun.vm.rootfs-cache=loose (repeatable)" },
  END,
};

const struct cli_doc_cmd cli_doc_commands[] = {
  { "", "[global options] command [command options] [arguments...]",
    "an OCI container runtime with optional KVM isolation",
    "hyrun runs OCI bundles as runc does: in namespaces and cgroups on the host's kernel. With "
    "the annotation io.hyrun.isolation=vm, or started as hyrun-vm, it runs the same bundle in a "
    "KVM guest with its own kernel, booted by hyrun's own VMM.",
    global_opts },
  { "bench", "[--quick] [--containers N] [--out DIR]",
    "compare container and VM isolation side by side",
    "Runs one bundle at both isolation levels, interleaved: start latency, memory per container "
    "at 1, 10 and 50 concurrent containers (and KSM in VM mode), syscall cost, fork+exec, rootfs "
    "file I/O, TCP throughput and latency, a CPU loop. Prints a table and writes results.json, "
    "report.md and compare.svg. Needs root.",
    bench_opts },
  { "checkpoint", "[options] <id>", "checkpoint a running container (criu)", NULL,
    checkpoint_opts },
  { "create", "[options] <id>", "create a container",
    "Sets the container up and leaves its process waiting for `hyrun start`.", create_opts },
  { "delete", "[--force] <id>", "delete a container and its resources", NULL, delete_opts },
  { "events", "[--stats] [--interval T] <id>", "container events and statistics", NULL,
    events_opts },
  { "exec", "[options] <id> <command> [args...]", "run a process in a container", NULL, exec_opts },
  { "features", "", "show the features this runtime supports", NULL, none_opts },
  { "kill", "[--all] <id> [signal]", "send a signal to the container's init", NULL, kill_opts },
  { "list", "[--format table|json] [-q]", "list the containers", NULL, list_opts },
  { "pause", "<id>", "freeze every process of a container", NULL, none_opts },
  { "ps", "[--format table|json] <id> [ps options]", "list a container's processes", NULL,
    ps_opts },
  { "restore", "[options] <id>", "restore a container from a checkpoint", NULL, restore_opts },
  { "resume", "<id>", "thaw a paused container", NULL, none_opts },
  { "run", "[options] <id>", "create and start a container", NULL, run_opts },
  { "spec", "[--rootless] [--bundle DIR]", "write a default config.json", NULL, spec_opts },
  { "start", "<id>", "start a created container", NULL, none_opts },
  { "state", "<id>", "print a container's state as JSON", NULL, none_opts },
  { "update", "[--resources FILE|-] [flags] <id>", "change a container's cgroup limits", NULL,
    update_opts },
};

const size_t cli_doc_n_commands = sizeof (cli_doc_commands) / sizeof (cli_doc_commands[0]);

const struct cli_doc_cmd *
cli_doc_find (const char *name)
{
  size_t i;

  for (i = 0; i < cli_doc_n_commands; i++)
    if (strcmp (cli_doc_commands[i].name, name) == 0)
      return &cli_doc_commands[i];
  return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building a namespace+cgroup container: the entry points runtime/ calls.
 * libcontainer creates and starts processes; runtime/ owns the state dir,
 * its lock and the state file. */
#ifndef HY_LC_CONTAINER_H
#define HY_LC_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "libcontainer/cgroup.h"
#include "spec/spec.h"

struct lc_config
{
  const char *id;
  const char *bundle;         /* absolute path of the bundle directory */
  const char *state_dir;      /* <root>/<id>: exists, locked by the caller; exec.fifo goes here */
  const char *console_socket; /* --console-socket, NULL if none */
  int preserve_fds;           /* --preserve-fds N (fds 3..3+N-1 pass through) */
  bool no_pivot;
  bool no_new_keyring;
  /* `run` in the foreground: the init does not wait on the exec fifo. */
  bool start_now;
};

struct lc_created
{
  pid_t pid;                     /* host pid of the container init */
  unsigned long long start_time; /* /proc/<pid>/stat starttime */
};

/* Create the container: cgroup (through cg, already created and with the
 * resources applied by the caller), namespaces, rootfs, process setup; the
 * init then blocks on <state_dir>/exec.fifo (unless start_now).  On
 * failure nothing is left: the init is killed and reaped, mounts live only
 * in its mount namespace.  The caller destroys the cgroup. */
int lc_container_create (const struct spec *spec, const struct lc_config *cfg, struct lc_cgroup *cg,
                         struct lc_created *out, hy_error_t *err);

/* prestart and createRuntime, in the runtime's namespaces, with the state
 * ("creating") of the process `pid`.  lc_container_create runs them
 * itself; VM mode calls this once the VMM is in the container's
 * namespaces. */
int lc_run_runtime_hooks (const struct spec *spec, const struct lc_config *cfg, pid_t pid,
                          hy_error_t *err);

/* `start`: open the exec fifo, which releases the init to exec the user
 * process.  Fails with a clear message if the fifo is gone (already started). */
int lc_container_start (const char *state_dir, pid_t init_pid, hy_error_t *err);

/* Make <state_dir>/exec.fifo; returns an O_PATH fd of it.  The process
 * that `start` releases opens it for writing through /proc/self/fd. */
int lc_container_fifo_create (const char *state_dir, hy_error_t *err);

/* Whether the init is still blocked on the fifo (state "created"). */
bool lc_container_fifo_exists (const char *state_dir);

/* Read /proc/<pid>/stat starttime; 0 when the process is gone. */
unsigned long long lc_proc_start_time (pid_t pid);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Starting a container's init, the parent's side, for every kind of init:
 * container mode's (libcontainer/init.c) and VM mode's VMM (runtime/vm.c).
 * The caller passes the child's work in; the sync socket, the exec fifo,
 * the runtime hooks, READY and the undo on failure are done here once, and
 * the child's end of the protocol is the lc_spawn_child_* calls, so no
 * caller speaks libcontainer's sync protocol (sync.h) itself. */
#ifndef HY_LC_SPAWN_H
#define HY_LC_SPAWN_H

#include "common/error.h"
#include "libcontainer/container.h"

#include <sys/types.h>

struct lc_spawn
{
  /* Start the child.  `child_fd` is its end of the sync socket (close-on-
   * exec), `fifo_fd` the exec fifo (-1 when the process starts at once);
   * the parent's end is `parent_fd`.  Returns the init's pid, -1 with err. */
  pid_t (*start) (void *opaque, int parent_fd, int child_fd, int fifo_fd, hy_error_t *err);
  /* The parent's work for the new pid before the hooks (uid/gid maps,
   * cgroup join, then release the child); NULL when the child does its
   * own. */
  int (*prepare) (void *opaque, int parent_fd, pid_t pid, hy_error_t *err);
  void *opaque;
};

/* Start the child, run prestart/createRuntime when it says its namespaces
 * exist, return once it is READY with out filled; on any failure the child
 * is killed and reaped and nothing of it is left. */
int lc_spawn (const struct spec *spec, const struct lc_config *cfg, const struct lc_spawn *s,
              struct lc_created *out, hy_error_t *err);

/* The child's side.  Hooks: when the spec has prestart or createRuntime
 * hooks, ask the parent to run them now and wait for them. */
int lc_spawn_child_hooks (int sync_fd, const struct spec *spec, hy_error_t *err);
/* Set up: the parent's lc_spawn returns. */
int lc_spawn_child_ready (int sync_fd, hy_error_t *err);
/* Failed: the error goes to the parent, the child exits. */
__attribute__ ((noreturn)) void lc_spawn_child_fail (int sync_fd, hy_error_t *err);

#endif

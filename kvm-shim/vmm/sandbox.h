/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's own seccomp filter, loaded once the machine is built: a guest
 * that escapes into the VMM process meets a second wall (after the
 * container's namespaces and cgroup) that allows only what running a
 * guest needs. */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>

/* A folder the VMM may still use once built: everything beneath it, or
 * only writing files that are there (the exec fifo in the state dir). */
struct vmm_sandbox_dir
{
  const char *path;
  bool write_only;
};

/* Landlock: from now on this thread, and the threads it starts after,
 * reach no file outside `dirs` (the shared rootfs, the volumes, the exec
 * fifo); the fds already open stay usable.  Call before the machine's
 * threads start (Landlock has no TSYNC).  A kernel without Landlock: 0,
 * nothing applied (logged). */
int vmm_sandbox_fs (const struct vmm_sandbox_dir *dirs, size_t n, hy_error_t *err);

/* Applies to every thread of the process (TSYNC).  Anything outside the
 * list kills the process. */
int vmm_sandbox_apply (hy_error_t *err);

#endif

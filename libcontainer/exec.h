/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `exec`: start a new process inside a running container.  A helper
 * process joins every namespace of the container's init that differs from
 * ours (user first), and the cgroup, then clones (CLONE_PARENT) the
 * process, which becomes the caller's child: its pid is the caller's to
 * wait for, and its exit status is the exec'd program's. */
#ifndef HY_LC_EXEC_H
#define HY_LC_EXEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "libcontainer/cgroup.h"
#include "spec/spec.h"

struct lc_exec_config
{
  pid_t init_pid;             /* host pid of the container's init */
  struct lc_cgroup *cg;       /* the container's cgroup; NULL: do not join */
  const char *console_socket; /* when process->terminal; NULL otherwise */
  int preserve_fds;           /* fds 3..3+N-1 pass through */
  /* The filter to load: the container's linux.seccomp unless the process
   * file brings its own; NULL for none. */
  const struct spec_seccomp *seccomp;
  const struct spec_personality *personality; /* the container's linux.personality */
};

/* Returns the host pid of the new process (a child of the caller) once it
 * has exec'd; every failure before the exec comes back in err. */
pid_t lc_exec_process (const struct spec_process *p, const struct lc_exec_config *cfg,
                       hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the parent hands the container init (private to libcontainer). */
#ifndef HY_LC_INIT_H
#define HY_LC_INIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "libcontainer/container.h"

struct lc_init_args
{
  const struct spec *spec;
  const struct lc_config *cfg;
  char *rootfs;    /* absolute */
  int sync_fd;     /* the init's end of the socketpair */
  int fifo_fd;     /* O_PATH fd of exec.fifo, -1 with start_now */
  int console_fd;  /* connected --console-socket, -1 if none */
  int listener_fd; /* connected linux.seccomp.listenerPath, -1 if none */
  /* with noNewPrivileges: the filter built before ready, loaded after start */
  struct lc_seccomp_filter *late_filter;
  int new_ns_flags; /* CLONE_NEW* the init is cloned with */
  bool new_userns;
  bool new_cgroupns; /* unshared by the init once it is in its cgroup */
};

/* The init stage: never returns (execs the process or _exits). */
__attribute__ ((noreturn)) void lc_init_main (struct lc_init_args *a);

/* State object for hooks (runtime-spec "state"), status and host pid. */
char *lc_hook_state (const struct spec *spec, const struct lc_config *cfg, const char *status,
                     pid_t pid);

#endif

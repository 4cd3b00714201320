/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checkpoint/restore through the criu command line (as LXC drives it):
 * dump a container's process tree into an image directory, and restore it
 * into a fresh mount of the bundle's rootfs. */
#ifndef HY_LC_CRIU_H
#define HY_LC_CRIU_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "spec/spec.h"

struct lc_criu_opts
{
  const char *image_path; /* --image-path: required */
  const char *work_path;  /* --work-path: logs; defaults to image_path */
  const char *criu_path;  /* --criu or "criu" from PATH */
  bool leave_running;
  bool tcp_established;
  bool file_locks;
  bool shell_job; /* process.terminal: the tty is external to the image */
};

/* `criu check`: a host whose kernel criu cannot handle fails here with
 * criu's own reason, before anything is dumped. */
int lc_criu_check (const char *criu_path, hy_error_t *err);

/* Build the criu argv for dumping the tree rooted at pid (exposed for unit
 * tests).  The caller frees the vector (cleanup_strv). */
char **lc_criu_dump_argv (const struct spec *spec, pid_t pid, const char *rootfs,
                          const struct lc_criu_opts *o);

/* Checkpoint the container whose init is pid.  The container keeps running
 * when leave_running, or when anything fails. */
int lc_criu_dump (const struct spec *spec, pid_t pid, const char *rootfs,
                  const struct lc_criu_opts *o, hy_error_t *err);

/* Restore from o->image_path with rootfs as the root; the restored init's
 * host pid is returned in *pid (criu --restore-detached --pidfile). */
int lc_criu_restore (const struct spec *spec, const char *rootfs, const struct lc_criu_opts *o,
                     pid_t *pid, hy_error_t *err);

#endif

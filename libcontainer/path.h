/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one audited way to reach a path inside the container's rootfs
 * (STYLE.md rule 10): the bundle is untrusted, so symlinks and ".." are
 * resolved as if the rootfs were "/" and can never lead out of it. */
#ifndef HY_LC_PATH_H
#define HY_LC_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

enum lc_path_create
{
  LC_PATH_NOCREATE,
  LC_PATH_MKDIR,  /* create missing components as directories */
  LC_PATH_MKFILE, /* parents as directories, the last one as an empty file */
};

/* Open `path` (absolute or relative, taken inside root_fd) as an O_PATH fd,
 * creating what is missing when asked.  Uses openat2(RESOLVE_IN_ROOT) and
 * falls back to a component-by-component walk on older kernels. */
int lc_path_open_in_root (int root_fd, const char *path, enum lc_path_create create,
                          hy_error_t *err);

/* The fallback walk, exposed for tests. */
int lc_path_open_in_root_walk (int root_fd, const char *path, hy_error_t *err);

/* "/proc/self/fd/N" for mounting onto an O_PATH fd. */
void lc_path_fd_name (int fd, char *buf, size_t len);

/* Write `value` to a file that must be on procfs (sysctl, oom_score_adj,
 * uid_map...): refuses if something was mounted over /proc (the
 * CVE-2019-16884 class). */
int lc_proc_write (const char *path, const char *value, hy_error_t *err);

#endif

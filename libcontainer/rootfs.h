/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the container's filesystem view inside its new mount
 * namespace: propagation, the rootfs bind, the spec's mounts, /dev,
 * pivot_root, masked and read-only paths. */
#ifndef HY_LC_ROOTFS_H
#define HY_LC_ROOTFS_H

#include <stdbool.h>

#include "common/error.h"
#include "spec/spec.h"

struct lc_rootfs_opts
{
  const char *rootfs; /* absolute host path */
  bool no_pivot;
  bool in_userns; /* devices are bind-mounted from the host, not created */
  /* false: the container shares the runtime's mount namespace; its
   * mounts land under the rootfs on the host (removed by `delete`) and
   * chroot stands in for pivot_root */
  bool own_mount_ns;
  /* the container's cgroup in the host's cgroup2 (pure v2), noted before
   * a new cgroup namespace hid it; NULL if unknown (lc_mount_cgroup) */
  const char *cgroup2_own;
};

/* Everything up to and including the switch of root. */
int lc_rootfs_prepare (const struct spec *spec, const struct lc_rootfs_opts *o, hy_error_t *err);
/* After /proc is the container's: masked paths, read-only paths, a
 * read-only root. */
int lc_rootfs_finalize (const struct spec *spec, hy_error_t *err);

#endif

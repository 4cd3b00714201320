/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mounting one config.json mount inside the rootfs. */
#ifndef HY_LC_MOUNT_H
#define HY_LC_MOUNT_H

#include "common/error.h"
#include "spec/spec.h"

/* Resolve m->destination inside root_fd (creating it) and mount.
 * cgroupns and cgroup2_own: as lc_mount_cgroup's. */
int lc_mount_one (int root_fd, const struct spec_mount *m, bool cgroupns, const char *cgroup2_own,
                  hy_error_t *err);
/* A mount of type "cgroup": the container's own cgroups only, whether
 * the process is in a cgroup namespace of its own (`cgroupns`) or not.
 * cgroup2_own: the container's cgroup in the host's cgroup2 (its
 * /proc/self/cgroup line before the cgroup namespace hid it; NULL if
 * unknown), the source of the pure v2 bind fallback. */
int lc_mount_cgroup (int root_fd, const struct spec_mount *m, const char *target, bool cgroupns,
                     const char *cgroup2_own, hy_error_t *err);
char *lc_mount_own_cgroup (const char *fstype, const char *super_opts);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/self/mountinfo, one entry at a time (proc(5)). */
#ifndef HY_LC_MOUNTINFO_H
#define HY_LC_MOUNTINFO_H

#include "common/error.h"

#include <stdbool.h>

struct lc_mountinfo_entry
{
  const char *mount_point; /* unescaped */
  bool shared;             /* a "shared:N" optional field */
};

/* Call fn for each mount, in the file's order (parents before the mounts
 * on them); fn returns non-zero to stop. */
int lc_mountinfo_each (int (*fn) (const struct lc_mountinfo_entry *e, void *data), void *data,
                       hy_error_t *err);

/* The runtime shares its mount namespace with a container that has none
 * of its own: unmount (lazily, deepest first) every mount strictly below
 * rootfs, which are that container's. */
int lc_mountinfo_unmount_under (const char *rootfs, hy_error_t *err);

#endif

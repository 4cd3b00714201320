/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest agent's parts (PID 1 inside a VM-mode guest). */
#ifndef AGENT_H
#define AGENT_H

#include "common/error.h"

/* The guest's own file systems: proc, sys, dev, run, tmp, cgroup2, and the
 * shared rootfs folder over virtio-9p at AGENT_ROOTFS. */
#define AGENT_ROOTFS "/run/hyrun/rootfs"
int agent_mount_base (hy_error_t *err);
int agent_mount_rootfs (hy_error_t *err);

/* Open the virtio-console port called `name` (its /sys/class/virtio-ports
 * entry), waiting for the driver to publish it. */
int agent_port_open (const char *name, int flags, hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Volumes in VM mode: the bind mounts of config.json, whose sources are
 * host paths the guest cannot see.  In three steps:
 *  - plan (create, on the host, before the VMM starts): each mounts[i] is
 *    sorted out; a bind of a device node, socket or fifo is refused;
 *  - the guest's mounts (vmm_guest_spec_json): a staged bind takes its
 *    source from VMPROTO_VOLS_DIR/i, a source inside the rootfs folder
 *    from the rootfs share (VMPROTO_ROOTFS_DIR/...), and a bind on
 *    /dev/shm becomes a tmpfs made in the guest;
 *  - staging (the VMM, before the machine is built): in a mount namespace
 *    of the VMM's own, a tmpfs holding one entry per staged volume, named
 *    i, with the source bind-mounted on it (read-only where the mount
 *    is); a second virtio-9p device (tag VMPROTO_VOLS_TAG) exports it, and
 *    the agent mounts it at VMPROTO_VOLS_DIR before building the
 *    container, so libcontainer's bind code runs unchanged in the guest. */
#ifndef VMM_VOLUMES_H
#define VMM_VOLUMES_H

#include "common/error.h"
#include "spec/spec.h"

#include <stdbool.h>
#include <stddef.h>

enum vmm_volume_kind
{
  VMM_VOL_GUEST,  /* not a bind: made inside the guest as it is */
  VMM_VOL_STAGED, /* a host path outside the rootfs: over the volumes share */
  VMM_VOL_ROOTFS, /* a path inside the rootfs folder: over the rootfs share */
  VMM_VOL_SHM,    /* a bind on /dev/shm: a tmpfs in the guest */
};

struct vmm_volume
{
  enum vmm_volume_kind kind;
  char *host;  /* STAGED: the source, resolved (realpath) */
  char *guest; /* STAGED, ROOTFS: the source the guest sees */
  bool dir;    /* STAGED: a directory (else a regular file) */
  bool ro, rro, recursive;
  char **shm_options; /* SHM: the tmpfs's options (borrowed strings but two) */
  char *shm_mode, *shm_size;
};

struct vmm_volumes
{
  struct vmm_volume *v; /* one per mounts[i] */
  size_t n, n_staged;
  struct spec_mount *guest; /* the guest's mounts[] (shallow copies) */
};

/* Sort out spec's mounts; relative sources are the bundle's, `rootfs` is
 * the rootfs folder's real path.  Errors name mounts[i]. */
int vmm_volumes_plan (const struct spec *spec, const char *bundle, const char *rootfs,
                      struct vmm_volumes *out, hy_error_t *err);
void vmm_volumes_fini (struct vmm_volumes *vols);
#define cleanup_vmm_volumes __attribute__ ((cleanup (vmm_volumes_fini)))

/* In the VMM, before the machine is built (single-threaded): enter a
 * mount namespace of its own (slave to the one it is in: nothing made
 * here reaches the host), mount the staging tmpfs on `dir` (an empty
 * directory) and bind each staged source on its entry.  Nothing to do
 * without staged volumes. */
int vmm_volumes_stage (const struct vmm_volumes *vols, const char *dir, hy_error_t *err);

#endif

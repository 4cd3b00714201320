/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The volumes share in the guest (kvm-shim/vmm/volumes.h): the VMM
 * exports one entry per bind mount whose source is a host path outside
 * the rootfs, and the host rewrote those mounts' sources to
 * VMPROTO_VOLS_DIR/<index>.  Mounted before the container is built, so
 * libcontainer binds them like any other source. */
#include "kvm-shim/agent/agent.h"
#include "kvm-shim/proto/vmproto.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static bool
needs_volumes (const struct spec *spec)
{
  size_t i, n = strlen (VMPROTO_VOLS_DIR);

  for (i = 0; i < spec->n_mounts; i++)
    {
      const char *s = spec->mounts[i].source;
      if (spec->mounts[i].bind && s && strncmp (s, VMPROTO_VOLS_DIR, n) == 0 && s[n] == '/')
        return true;
    }
  return false;
}

/* cache=none, as the rootfs: reads and writes go to the host's files at
 * once, and a file the host changes in place is seen changed. */
int
agent_mount_volumes (const struct spec *spec, hy_error_t *err)
{
  if (!needs_volumes (spec))
    return 0;
  if (mkdir (VMPROTO_VOLS_DIR, 0700) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "mkdir `%s`", VMPROTO_VOLS_DIR);
  if (mount (VMPROTO_VOLS_TAG, VMPROTO_VOLS_DIR, "9p", 0,
             "trans=virtio,version=9p2000.L,msize=" AGENT_9P_MSIZE ",cache=none,access=client")
      < 0)
    return hy_error_set (err, errno, "mount the volumes (9p tag \"%s\")", VMPROTO_VOLS_TAG);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest's base mounts, made by the agent before anything else: the
 * kernel leaves PID 1 on the bare initramfs. */
#include "kvm-shim/agent/agent.h"
#include "kvm-shim/proto/vmproto.h"

#include <errno.h>
#include <sys/mount.h>
#include <sys/stat.h>

static const struct
{
  const char *source, *target, *type;
  unsigned long flags;
  const char *data;
} base[] = {
  { "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
  { "sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
  { "devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755" },
  { "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755" },
  { "tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777" },
  /* libcontainer finds a pure cgroup v2 host, as on a modern distribution */
  { "cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL },
};

int
agent_mount_base (hy_error_t *err)
{
  size_t i;

  for (i = 0; i < sizeof (base) / sizeof (base[0]); i++)
    {
      if (mkdir (base[i].target, 0755) < 0 && errno != EEXIST)
        return hy_error_set (err, errno, "mkdir `%s`", base[i].target);
      if (mount (base[i].source, base[i].target, base[i].type, base[i].flags, base[i].data) < 0
          && errno != EBUSY)
        return hy_error_set (err, errno, "mount %s on `%s`", base[i].type, base[i].target);
    }
  return 0;
}

/* cache=none: every read and write goes to the host folder, so the
 * container's writes land there at once, as in container mode. */
int
agent_mount_rootfs (hy_error_t *err)
{
  /* 0711: a container in a user namespace must reach its rootfs below
   * (its ids are not root's); the state dirs inside stay 0700 */
  if (mkdir ("/run/hyrun", 0711) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "mkdir /run/hyrun");
  if (mkdir (AGENT_ROOTFS, 0755) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "mkdir `%s`", AGENT_ROOTFS);
  if (mount (VMPROTO_ROOTFS_TAG, AGENT_ROOTFS, "9p", 0,
             "trans=virtio,version=9p2000.L,msize=" AGENT_9P_MSIZE ",cache=none,access=client")
      < 0)
    return hy_error_set (err, errno, "mount the shared rootfs (9p tag \"%s\")", VMPROTO_ROOTFS_TAG);
  return 0;
}

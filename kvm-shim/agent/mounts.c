/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest's base mounts, made by the agent before anything else: the
 * kernel leaves PID 1 on the bare initramfs. */
#include "kvm-shim/agent/agent.h"
#include "kvm-shim/proto/vmproto.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
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

/* cache=none by default: every lookup, read and write goes to the host
 * folder, so the container's writes land there at once and the host's
 * are seen at once, as in container mode.  cache=loose on request
 * (vmproto.h, VMPROTO_ROOTFS_CACHE_ANNOTATION): the guest keeps dentries
 * and attributes, ~4 requests per create, stat or unlink instead of ~11. */
int
agent_mount_rootfs (const struct spec *spec, hy_error_t *err)
{
  const char *cache = spec_annotation (spec, VMPROTO_ROOTFS_CACHE_ANNOTATION);
  char opts[160];

  /* 0711: a container in a user namespace must reach its rootfs below
   * (its ids are not root's); the state dirs inside stay 0700 */
  if (mkdir ("/run/hyrun", 0711) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "mkdir /run/hyrun");
  if (mkdir (AGENT_ROOTFS, 0755) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "mkdir `%s`", AGENT_ROOTFS);
  /* the runtime refused anything else; a guest never guesses */
  if (!vmproto_rootfs_cache_known (cache))
    return hy_error_set (err, 0, "annotation " VMPROTO_ROOTFS_CACHE_ANNOTATION ": \"%s\"", cache);
  snprintf (opts, sizeof (opts),
            "trans=virtio,version=9p2000.L,msize=" AGENT_9P_MSIZE ",cache=%s,access=client",
            cache ? cache : "none");
  if (mount (VMPROTO_ROOTFS_TAG, AGENT_ROOTFS, "9p", 0, opts) < 0)
    return hy_error_set (err, errno, "mount the shared rootfs (9p tag \"%s\", %s)",
                         VMPROTO_ROOTFS_TAG, opts);
  return 0;
}

/* With cache=loose the guest holds the container's writes in its page
 * cache: they go to the host folder before the host hears that the
 * workload ended (the VMM stops the guest then, without waiting for the
 * agent's own sync at power-off).  cache=none has nothing to flush. */
void
agent_flush_rootfs (const struct spec *spec)
{
  const char *cache = spec ? spec_annotation (spec, VMPROTO_ROOTFS_CACHE_ANNOTATION) : NULL;
  int fd;

  if (cache == NULL || strcmp (cache, "none") == 0)
    return;
  fd = open (AGENT_ROOTFS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || syncfs (fd) < 0)
    dprintf (STDERR_FILENO, "hyrun-agent: syncfs of the shared rootfs: %s\n", strerror (errno));
  if (fd >= 0)
    close (fd);
}

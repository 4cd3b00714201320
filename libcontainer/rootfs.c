/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's filesystem: runs in the init, in its new mount
 * namespace, before and after pivot_root. */
#include "libcontainer/rootfs.h"
#include "common/cleanup.h"
#include "common/test_hook.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/mount.h"
#include "libcontainer/mountinfo.h"
#include "libcontainer/path.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static const struct
{
  const char *path;
  unsigned major, minor;
} default_devices[] = {
  { "/dev/null", 1, 3 },   { "/dev/zero", 1, 5 },    { "/dev/full", 1, 7 },
  { "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

static const struct
{
  const char *target, *link;
} dev_symlinks[] = {
  { "/proc/self/fd", "/dev/fd" },       { "/proc/self/fd/0", "/dev/stdin" },
  { "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
  { "pts/ptmx", "/dev/ptmx" },
};

static bool
has_mount_at (const struct spec *spec, const char *dest)
{
  size_t i;

  for (i = 0; i < spec->n_mounts; i++)
    if (strcmp (spec->mounts[i].destination, dest) == 0)
      return true;
  return false;
}

/* A device node inside the rootfs: mknod, or (in a user namespace, where
 * mknod is refused) a bind mount of the host's node, as runc does. */
static int
create_device (int root_fd, const char *path, char type, unsigned major, unsigned minor,
               mode_t mode, uid_t uid, gid_t gid, bool bind, hy_error_t *err)
{
  cleanup_close int parent = -1;
  cleanup_free char *dir = xstrdup (path);
  char *base = strrchr (dir, '/');
  mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;

  *base++ = '\0';
  parent = lc_path_open_in_root (root_fd, dir[0] ? dir : "/", LC_PATH_MKDIR, err);
  if (parent < 0)
    return -1;
  unlinkat (parent, base, 0);
  if (bind && kind != S_IFIFO)
    {
      cleanup_close int fd = -1;
      char target[64];
      int f = openat (parent, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
      if (f < 0)
        return hy_error_set (err, errno, "create `%s`", path);
      close (f);
      fd = openat (parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      lc_path_fd_name (fd, target, sizeof (target));
      if (mount (path, target, NULL, MS_BIND, NULL) < 0)
        return hy_error_set (err, errno, "bind device `%s`", path);
      return 0;
    }
  if (mknodat (parent, base, kind | (mode & 07777), makedev (major, minor)) < 0)
    return hy_error_set (err, errno, "mknod `%s`", path);
  if (fchownat (parent, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
    return hy_error_set (err, errno, "chown `%s`", path);
  /* mknod applies the umask: set the mode the spec asked for. */
  if (fchmodat (parent, base, mode & 07777, 0) < 0)
    return hy_error_set (err, errno, "chmod `%s`", path);
  return 0;
}

static int
setup_dev (int root_fd, const struct spec *spec, bool userns, hy_error_t *err)
{
  size_t i;

  /* Only a /dev the runtime owns (a tmpfs from the spec) gets the default
   * nodes; a bind-mounted host /dev already has them. */
  if (has_mount_at (spec, "/dev"))
    for (i = 0; i < sizeof (default_devices) / sizeof (default_devices[0]); i++)
      if (create_device (root_fd, default_devices[i].path, 'c', default_devices[i].major,
                         default_devices[i].minor, 0666, 0, 0, userns, err)
          < 0)
        return -1;
  for (i = 0; spec->linux_ && i < spec->linux_->n_devices; i++)
    {
      const struct spec_device *d = &spec->linux_->devices[i];
      if (create_device (root_fd, d->path, d->type == 'u' ? 'c' : d->type, d->major, d->minor,
                         d->has_file_mode ? d->file_mode : 0666, d->has_uid ? d->uid : 0,
                         d->has_gid ? d->gid : 0, userns, err)
          < 0)
        return hy_error_prefix (err, "linux.devices[%zu]", i);
    }
  if (!has_mount_at (spec, "/dev"))
    return 0;
  for (i = 0; i < sizeof (dev_symlinks) / sizeof (dev_symlinks[0]); i++)
    {
      cleanup_close int dev = lc_path_open_in_root (root_fd, "/dev", LC_PATH_MKDIR, err);
      if (dev < 0)
        return -1;
      if (symlinkat (dev_symlinks[i].target, dev, dev_symlinks[i].link + 5) < 0 && errno != EEXIST)
        return hy_error_set (err, errno, "symlink `%s`", dev_symlinks[i].link);
    }
  if (access ("/proc/kcore", F_OK) == 0)
    {
      cleanup_close int dev = lc_path_open_in_root (root_fd, "/dev", LC_PATH_MKDIR, err);
      if (dev >= 0)
        symlinkat ("/proc/kcore", dev, "core");
    }
  return 0;
}

/* The runtime's mount namespace is shared with the host: neither
 * pivot_root nor MS_MOVE may touch it. */
static int
chroot_into (const char *rootfs, hy_error_t *err)
{
  if (chdir (rootfs) < 0)
    return hy_error_set (err, errno, "chdir `%s`", rootfs);
  if (chroot (".") < 0)
    return hy_error_set (err, errno, "chroot `%s`", rootfs);
  if (chdir ("/") < 0)
    return hy_error_set (err, errno, "chdir /");
  return 0;
}

static int
switch_root (const char *rootfs, bool no_pivot, hy_error_t *err)
{
  if (chdir (rootfs) < 0)
    return hy_error_set (err, errno, "chdir `%s`", rootfs);
  if (no_pivot)
    {
      if (mount (rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return hy_error_set (err, errno, "move the rootfs to /");
      if (chroot (".") < 0)
        return hy_error_set (err, errno, "chroot");
    }
  else
    {
      /* pivot_root(".", ".") stacks the old root under the new one; a lazy
       * unmount of "." then drops it (runc's trick, no temp dir needed). */
      if (syscall (SYS_pivot_root, ".", ".") < 0)
        return hy_error_set (err, errno, "pivot_root to `%s`", rootfs);
      if (mount (NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return hy_error_set (err, errno, "make the old root a slave");
      if (umount2 (".", MNT_DETACH) < 0)
        return hy_error_set (err, errno, "unmount the old root");
    }
  if (chdir ("/") < 0)
    return hy_error_set (err, errno, "chdir /");
  return 0;
}

struct parent
{
  const char *rootfs;
  size_t len;
  char *best;
  bool shared;
};

static int
longest_prefix (const struct lc_mountinfo_entry *e, void *data)
{
  struct parent *p = data;
  size_t len = strcmp (e->mount_point, "/") == 0 ? 0 : strlen (e->mount_point);

  if (len
      && (strncmp (p->rootfs, e->mount_point, len) != 0
          || (p->rootfs[len] != '/' && p->rootfs[len] != '\0')))
    return 0;
  /* The longest prefix; of mounts stacked on one point, the last. */
  if (p->best == NULL || len >= p->len)
    {
      free (p->best);
      p->best = xstrdup (e->mount_point);
      p->len = len;
      p->shared = e->shared;
    }
  return 0;
}

/* runc's rootfsParentMountPrivate: the mount the rootfs lives on must not
 * be shared, or pivot_root fails (EINVAL: the kernel refuses a shared
 * parent of the new root) and our bind of the rootfs would propagate to
 * its peers.  A shared rootfsPropagation (applied to / just before)
 * makes it shared; lc_rootfs_finalize makes the new root
 * shared again. */
static int
rootfs_parent_private (const char *rootfs, hy_error_t *err)
{
  struct parent p = { rootfs, 0, NULL, false };
  cleanup_free char *best = NULL;
  int r = lc_mountinfo_each (longest_prefix, &p, err);

  best = p.best;
  if (r < 0)
    return -1;
  if (best && p.shared && mount (NULL, best, NULL, MS_PRIVATE, NULL) < 0)
    return hy_error_set (err, errno, "make `%s` (the rootfs's parent mount) private", best);
  return 0;
}

/* In the container's new mount namespace: nothing we mount may propagate
 * back to the host, and the rootfs becomes a mount of its own (pivot_root
 * needs one).  An unbindable / could not be bind-mounted as the rootfs:
 * lc_rootfs_finalize applies it to the new root only. */
static int
isolate_rootfs (const char *rootfs, unsigned long prop, hy_error_t *err)
{
  if (mount (NULL, "/", NULL, (prop & MS_UNBINDABLE) ? MS_SLAVE | MS_REC : prop, NULL) < 0)
    return hy_error_set (err, errno, "set propagation of / (linux.rootfsPropagation)");
  if (rootfs_parent_private (rootfs, err) < 0)
    return -1;
  if (mount (rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return hy_error_set (err, errno, "bind mount the rootfs `%s`", rootfs);
  return 0;
}

int
lc_rootfs_prepare (const struct spec *spec, const struct lc_rootfs_opts *o, hy_error_t *err)
{
  unsigned long prop = MS_SLAVE | MS_REC;
  cleanup_close int root_fd = -1;
  size_t i;

  if (spec->linux_ && spec->linux_->rootfs_propagation)
    prop = spec->linux_->rootfs_propagation_flags;
  /* In the runtime's own mount namespace (none in linux.namespaces) the
   * host's mounts are left as they are. */
  if (o->own_mount_ns && isolate_rootfs (o->rootfs, prop, err) < 0)
    return -1;
  root_fd = open (o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return hy_error_set (err, errno, "open the rootfs `%s`", o->rootfs);
  for (i = 0; i < spec->n_mounts; i++)
    if (lc_mount_one (root_fd, &spec->mounts[i], spec_namespace_find (spec, SPEC_NS_CGROUP) != NULL,
                      o->cgroup2_own, err)
        < 0)
      return hy_error_prefix (err, "mounts[%zu]", i);
  if (setup_dev (root_fd, spec, o->in_userns, err) < 0)
    return -1;
  test_hook_stop ("init-mounts");
  if (!o->own_mount_ns)
    return chroot_into (o->rootfs, err);
  return switch_root (o->rootfs, o->no_pivot, err);
}

/* The container's /dev/null, checked to be the null device (char 1:3)
 * and mounted through that very inode: a /dev/null swapped for a symlink
 * or another file (a shared rootfs, runc's CVE-2025-31133) would
 * otherwise bind whatever it points at over each masked path. */
static int
open_dev_null (hy_error_t *err)
{
  cleanup_close int fd = open ("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;

  if (fd < 0)
    return hy_error_set (err, errno, "maskedPaths: open `/dev/null` in the container");
  if (fstat (fd, &st) < 0)
    return hy_error_set (err, errno, "maskedPaths: stat `/dev/null` in the container");
  if (!S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
    return hy_error_set (err, EPERM,
                         "maskedPaths: `/dev/null` in the container is not the null device "
                         "(char 1:3): refusing to bind it over masked paths");
  return take_fd (fd);
}

static int
mask_path (const char *path, int null_fd, hy_error_t *err)
{
  struct stat st;
  char null_path[64];

  if (lstat (path, &st) < 0)
    return errno == ENOENT ? 0 : hy_error_set (err, errno, "maskedPaths: stat `%s`", path);
  if (S_ISDIR (st.st_mode))
    {
      if (mount ("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") < 0)
        return hy_error_set (err, errno, "maskedPaths: mask `%s`", path);
    }
  else
    {
      /* through the checked inode when /proc is there; either way the
       * result is checked again */
      snprintf (null_path, sizeof (null_path), "/proc/self/fd/%d", null_fd);
      if (access (null_path, F_OK) < 0)
        snprintf (null_path, sizeof (null_path), "/dev/null");
      if (mount (null_path, path, NULL, MS_BIND, NULL) < 0)
        return errno == ENOENT ? 0 : hy_error_set (err, errno, "maskedPaths: mask `%s`", path);
      if (stat (path, &st) < 0 || !S_ISCHR (st.st_mode) || st.st_rdev != makedev (1, 3))
        {
          umount2 (path, MNT_DETACH);
          return hy_error_set (err, EPERM, "maskedPaths: `%s` is not the null device once masked",
                               path);
        }
    }
  return 0;
}

static int
readonly_path (const char *path, hy_error_t *err)
{
  if (mount (path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
    return errno == ENOENT ? 0 : hy_error_set (err, errno, "readonlyPaths: bind `%s`", path);
  if (mount (NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
             NULL)
      < 0)
    return hy_error_set (err, errno, "readonlyPaths: remount `%s` read-only", path);
  return 0;
}

int
lc_rootfs_finalize (const struct spec *spec, hy_error_t *err)
{
  const struct spec_linux *l = spec->linux_;
  cleanup_close int null_fd = -1;
  size_t i;

  for (i = 0; l && i < l->n_readonly_paths; i++)
    if (readonly_path (l->readonly_paths[i], err) < 0)
      return -1;
  if (l && l->n_masked_paths && (null_fd = open_dev_null (err)) < 0)
    return -1;
  for (i = 0; l && i < l->n_masked_paths; i++)
    if (mask_path (l->masked_paths[i], null_fd, err) < 0)
      return -1;
  if (spec->root->readonly && mount (NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)
    return hy_error_set (err, errno, "root.readonly: remount / read-only");
  /* rootfsPropagation applies to the new root too; last, as runc's
   * finalizeRootfs, and after the read-only binds above, which an
   * unbindable tree would refuse. */
  if (l && l->rootfs_propagation && mount (NULL, "/", NULL, l->rootfs_propagation_flags, NULL) < 0)
    return hy_error_set (err, errno,
                         "linux.rootfsPropagation: set the propagation of the new root");
  return 0;
}

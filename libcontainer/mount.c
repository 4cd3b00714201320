/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One entry of config.json "mounts" onto a target resolved inside the
 * rootfs: the single place hyrun calls mount(2) for spec mounts. */
#include "libcontainer/mount.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "libcontainer/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <stdbool.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Flags that a bind mount only takes on a remount. */
#define REMOUNT_FLAGS                                                                              \
  (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME         \
   | MS_STRICTATIME | MS_NOSYMFOLLOW)

/* An fd opened before a mount names the dentry under it: remount and
 * propagation changes need the new mount's root, so resolve again. */
static int
reopen_target (int root_fd, const struct spec_mount *m, char *target, size_t len, int *fd,
               hy_error_t *err)
{
  if (*fd >= 0)
    close (*fd);
  *fd = lc_path_open_in_root (root_fd, m->destination, LC_PATH_NOCREATE, err);
  if (*fd < 0)
    return hy_error_prefix (err, "mounts: `%s`", m->destination);
  lc_path_fd_name (*fd, target, len);
  return 0;
}

static int
do_bind (int root_fd, const struct spec_mount *m, char *target, size_t len, int *fd,
         hy_error_t *err)
{
  unsigned long flags = MS_BIND | (m->recursive ? MS_REC : 0);

  if (mount (m->source, target, NULL, flags, NULL) < 0)
    return hy_error_set (err, errno, "bind mount `%s` on `%s`", m->source, m->destination);
  if (m->flags & REMOUNT_FLAGS)
    {
      if (reopen_target (root_fd, m, target, len, fd, err) < 0)
        return -1;
      if (mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | (m->flags & REMOUNT_FLAGS), NULL) < 0)
        return hy_error_set (err, errno, "remount `%s` with its options", m->destination);
    }
  return 0;
}

/* rro, rnosuid, ...: the attributes on the mount and every mount below
 * it (mount_setattr(2), Linux 5.12), which a remount cannot do. */
static int
set_recursive_attrs (int root_fd, const struct spec_mount *m, int *fd, hy_error_t *err)
{
  struct mount_attr attr = { .attr_set = m->attr_set, .attr_clr = m->attr_clr };
  char target[64];

  if (reopen_target (root_fd, m, target, sizeof (target), fd, err) < 0)
    return -1;
  if (mount_setattr (*fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof (attr)) < 0)
    return hy_error_set (err, errno,
                         errno == ENOSYS ? "recursive options on `%s` need mount_setattr "
                                           "(Linux 5.12)"
                                         : "recursive options on `%s` (mount_setattr)",
                         m->destination);
  return 0;
}

/* proc and sysfs only on an ordinary directory: a symlink there (even one
 * resolved inside the rootfs) is refused, as runc does since the attacks
 * that mounted procfs through one. */
static int
ordinary_dir (int root_fd, const struct spec_mount *m, hy_error_t *err)
{
  cleanup_free char *parent = xstrdup (m->destination);
  char *slash = strrchr (parent, '/');
  const char *last = slash ? slash + 1 : parent;
  cleanup_close int dir_fd = -1;
  struct stat st;

  if (slash)
    *slash = '\0';
  dir_fd = lc_path_open_in_root (root_fd, slash && parent[0] ? parent : "/", LC_PATH_MKDIR, err);
  if (dir_fd < 0)
    return hy_error_prefix (err, "mounts: `%s`", m->destination);
  if (fstatat (dir_fd, last, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR (st.st_mode))
    return hy_error_set (
        err, 0, "filesystem \"%s\" must be mounted on an ordinary directory: `%s` is %s", m->type,
        m->destination, S_ISLNK (st.st_mode) ? "a symlink" : "not a directory");
  return 0;
}

int
lc_mount_one (int root_fd, const struct spec_mount *m, bool cgroupns, const char *cgroup2_own,
              hy_error_t *err)
{
  cleanup_close int target_fd = -1;
  char target[64];
  enum lc_path_create create = LC_PATH_MKDIR;
  struct stat st;

  if (m->bind && stat (m->source, &st) == 0 && !S_ISDIR (st.st_mode))
    create = LC_PATH_MKFILE;
  if (!m->bind && m->type && (strcmp (m->type, "proc") == 0 || strcmp (m->type, "sysfs") == 0)
      && ordinary_dir (root_fd, m, err) < 0)
    return -1;
  target_fd = lc_path_open_in_root (root_fd, m->destination, create, err);
  if (target_fd < 0)
    return hy_error_prefix (err, "mounts: `%s`", m->destination);
  lc_path_fd_name (target_fd, target, sizeof (target));
  if (m->bind)
    {
      if (do_bind (root_fd, m, target, sizeof (target), &target_fd, err) < 0)
        return -1;
    }
  else if (strcmp (m->type, "cgroup") == 0)
    {
      if (lc_mount_cgroup (root_fd, m, target, cgroupns, cgroup2_own, err) < 0)
        return -1;
    }
  else if (mount (m->source ? m->source : m->type, target, m->type, m->flags & ~MS_REC, m->data)
           < 0)
    {
      /* sysfs cannot be mounted in a user namespace without its own
       * network namespace: bind the host's as runc does. */
      if (errno == EPERM && strcmp (m->type, "sysfs") == 0)
        {
          struct spec_mount b = *m;
          b.source = (char *)"/sys";
          b.recursive = true;
          return do_bind (root_fd, &b, target, sizeof (target), &target_fd, err);
        }
      return hy_error_set (err, errno, "mount %s on `%s`", m->type, m->destination);
    }
  if (m->propagation)
    {
      if (reopen_target (root_fd, m, target, sizeof (target), &target_fd, err) < 0)
        return -1;
      if (mount (NULL, target, NULL, m->propagation, NULL) < 0)
        return hy_error_set (err, errno, "set propagation of `%s`", m->destination);
    }
  if (m->attr_set || m->attr_clr)
    return set_recursive_attrs (root_fd, m, &target_fd, err);
  return 0;
}

/* One hierarchy under the tmpfs of a "cgroup" mount, at `full`.  In a
 * cgroup namespace of its own a new mount of the hierarchy has the
 * namespace's root, the container's cgroup, as its root (runc's way with
 * cgroupns); without one the container's cgroup directory of the host's
 * mount is bound there (runc's way without).  Binding the host's mount in
 * a cgroup namespace would show the whole host tree: /proc/self/cgroup
 * says "/" there. */
static int
mount_hierarchy (const char *mnt, const char *fstype, const char *opts, const char *full,
                 unsigned long flags, bool cgroupns)
{
  cleanup_free char *own = NULL, *src = NULL;

  if (cgroupns)
    {
      cleanup_free char *ctrls
          = strcmp (fstype, "cgroup") == 0 ? lc_cgroup_v1_controllers (opts) : NULL;
      return mount (fstype, full, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC | (flags & MS_RDONLY),
                    ctrls);
    }
  own = lc_mount_own_cgroup (fstype, opts);
  src = xasprintf ("%s%s", mnt, own ? own : "");
  return mount (src, full, NULL, MS_BIND | MS_REC, NULL);
}

/* The bind's flags (ro, nosuid...): a remount of the new mount, which
 * `path` must reach (not a /proc/self/fd of the directory under it). */
static int
remount_bind (const char *path, unsigned long flags, bool cgroupns)
{
  if (cgroupns)
    return 0; /* a new mount took the flags already */
  return mount (NULL, path, NULL, MS_REMOUNT | MS_BIND | (flags & REMOUNT_FLAGS), NULL);
}

/* Mount of type "cgroup": a tmpfs with the container's own cgroup of each
 * host hierarchy in it (mount_hierarchy), or on a pure v2 host the
 * container's own cgroup2. */
int
lc_mount_cgroup (int root_fd, const struct spec_mount *m, const char *target, bool cgroupns,
                 const char *cgroup2_own, hy_error_t *err)
{
  cleanup_file FILE *mi = fopen ("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL;
  cleanup_close int dir_fd = -1;
  size_t cap = 0;
  struct statfs sfs;

  if (mi == NULL)
    return hy_error_set (err, errno, "open /proc/self/mountinfo");
  if (statfs ("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
    {
      /* Pure v2 (mounts below /sys/fs/cgroup, if listed, are shadowed):
       * a new cgroup2 mount, as runc's (rooted at the container's cgroup
       * in a cgroup namespace; criu needs a real mount there).  Where
       * the kernel refuses one, runc's fallback (mountCgroupV2): a bind
       * of the container's own directory.  EPERM: a user namespace
       * without a cgroup namespace; EBUSY: cgroup2 is mounted there
       * already (the kernel refuses one superblock twice on a mount
       * point: a second cgroup mount at one destination, as runc spec's
       * /sys/fs/cgroup plus the caller's own; a /sys bound from the
       * host).  In a cgroup namespace /proc/self/cgroup says "/" now:
       * the path is the one noted before (cgroup2_own). */
      cleanup_free char *src = NULL;
      char top[64];
      if (mount ("cgroup2", target, "cgroup2", m->flags & ~MS_REC, NULL) == 0)
        return 0;
      if (errno != EPERM && errno != EBUSY)
        return hy_error_set (err, errno, "mount cgroup2 on `%s`", m->destination);
      if (cgroupns && cgroup2_own == NULL)
        return hy_error_set (err, errno,
                             "mount cgroup2 on `%s` (and the container's cgroup2 path "
                             "to bind instead is unknown)",
                             m->destination);
      if (cgroupns)
        {
          src = xasprintf ("/sys/fs/cgroup%s", cgroup2_own);
          if (mount (src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
            return hy_error_set (err, errno, "bind the container's cgroup2 `%s` on `%s`", src,
                                 m->destination);
        }
      else if (mount_hierarchy ("/sys/fs/cgroup", "cgroup2", "", target, m->flags, false) < 0)
        return hy_error_set (err, errno, "bind the container's cgroup2 on `%s`", m->destination);
      dir_fd = lc_path_open_in_root (root_fd, m->destination, LC_PATH_NOCREATE, err);
      if (dir_fd < 0)
        return -1;
      lc_path_fd_name (dir_fd, top, sizeof (top));
      if (remount_bind (top, m->flags, false) < 0)
        return hy_error_set (err, errno, "remount the cgroup2 bind on `%s`", m->destination);
      return 0;
    }
  if (mount ("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
    return hy_error_set (err, errno, "mount tmpfs on `%s`", m->destination);
  /* Re-resolve: the fd behind `target` is the directory under the new
   * tmpfs, not the tmpfs. */
  dir_fd = lc_path_open_in_root (root_fd, m->destination, LC_PATH_NOCREATE, err);
  if (dir_fd < 0)
    return -1;
  while (getline (&line, &cap, mi) > 0)
    {
      char mnt[PATH_MAX], fstype[64], opts[512];
      const char *sep = strstr (line, " - ");
      char *name;
      char dst[64];

      if (sep == NULL || sscanf (line, "%*s %*s %*s %*s %4095s", mnt) != 1
          || sscanf (sep, " - %63s %*s %511s", fstype, opts) != 2)
        continue;
      if (strncmp (mnt, "/sys/fs/cgroup/", 15) != 0
          || (strcmp (fstype, "cgroup") != 0 && strcmp (fstype, "cgroup2") != 0))
        continue;
      name = mnt + 15;
      if (mkdirat (dir_fd, name, 0755) < 0 && errno != EEXIST)
        return hy_error_set (err, errno, "mkdir `%s/%s`", m->destination, name);
      snprintf (dst, sizeof (dst), "/proc/self/fd/%d", dir_fd);
      {
        cleanup_free char *full = xasprintf ("%s/%s", dst, name);
        if (mount_hierarchy (mnt, fstype, opts, full, m->flags, cgroupns) < 0
            || remount_bind (full, m->flags, cgroupns) < 0)
          return hy_error_set (err, errno, "mount the cgroup hierarchy `%s` on `%s/%s`", mnt,
                               m->destination, name);
      }
      /* cpu,cpuacct is also reachable as cpu and cpuacct. */
      if (strchr (name, ','))
        {
          cleanup_free char *copy = xstrdup (name);
          char *tok, *save = NULL;
          for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
            symlinkat (name, dir_fd, tok);
        }
    }
  if (m->flags & MS_RDONLY)
    {
      char top[64];
      snprintf (top, sizeof (top), "/proc/self/fd/%d", dir_fd);
      mount (NULL, top, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    }
  return 0;
}

/* This process's cgroup path in the hierarchy described by fstype/super
 * options, from /proc/self/cgroup. */
char *
lc_mount_own_cgroup (const char *fstype, const char *super_opts)
{
  cleanup_file FILE *f = fopen ("/proc/self/cgroup", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;

  if (f == NULL)
    return NULL;
  while (getline (&line, &cap, f) > 0)
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      cleanup_free char *ctrls = NULL;
      char *tok, *save = NULL;
      bool match = true;

      if (c2 == NULL)
        continue;
      line[strcspn (line, "\n")] = '\0';
      ctrls = xstrndup (c1 + 1, c2 - c1 - 1);
      if (strcmp (fstype, "cgroup2") == 0)
        {
          if (ctrls[0] == '\0')
            return xstrdup (c2 + 1);
          continue;
        }
      if (ctrls[0] == '\0')
        continue;
      /* Every controller of this line must be in the super options. */
      for (tok = strtok_r (ctrls, ",", &save); tok && match; tok = strtok_r (NULL, ",", &save))
        {
          const char *hit = strstr (super_opts, tok);
          size_t n = strlen (tok);
          match = hit && (hit == super_opts || hit[-1] == ',') && (hit[n] == ',' || hit[n] == '\0');
        }
      if (match)
        return xstrdup (c2 + 1);
    }
  return NULL;
}

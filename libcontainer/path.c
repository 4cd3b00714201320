/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Path resolution scoped to the rootfs and checked /proc writes. */
#include "libcontainer/path.h"
#include "common/cleanup.h"
#include "common/test_hook.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static int
openat2_in_root (int root_fd, const char *path)
{
  struct open_how how = {
    .flags = O_PATH | O_CLOEXEC,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  int fd;

  do
    fd = syscall (SYS_openat2, root_fd, path, &how, sizeof (how));
  while (fd < 0 && errno == EAGAIN);
  return fd;
}

/* Fallback for kernels without openat2: walk one component at a time with
 * O_NOFOLLOW, expanding symlinks ourselves and clamping ".." at root. */
int
lc_path_open_in_root_walk (int root_fd, const char *path, hy_error_t *err)
{
  cleanup_free char *todo = xstrdup (path);
  cleanup_close int cur = fcntl (root_fd, F_DUPFD_CLOEXEC, 3);
  int depth = 0, links = 0;
  /* Stack of directory fds so ".." can go back without trusting the fs. */
  int stack[256];
  char *p = todo;

  stack[0] = -1;
  while (p && *p)
    {
      char *slash, name[256];
      size_t n;
      int next;
      struct stat st;

      while (*p == '/')
        p++;
      if (*p == '\0')
        break;
      slash = strchr (p, '/');
      n = slash ? (size_t)(slash - p) : strlen (p);
      if (n >= sizeof (name))
        return hy_error_set (err, ENAMETOOLONG, "resolve `%s`", path);
      memcpy (name, p, n);
      name[n] = '\0';
      p = slash ? slash + 1 : NULL;
      if (strcmp (name, ".") == 0)
        continue;
      if (strcmp (name, "..") == 0)
        {
          if (depth > 0)
            {
              close (cur);
              cur = stack[depth--];
            }
          continue;
        }
      next = openat (cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return hy_error_set (err, errno, "resolve `%s`", path);
      if (fstat (next, &st) == 0 && S_ISLNK (st.st_mode))
        {
          char target[4096];
          ssize_t tl = readlinkat (next, "", target, sizeof (target) - 1);
          char *rest;
          close (next);
          if (tl < 0 || ++links > 40)
            return hy_error_set (err, tl < 0 ? errno : ELOOP, "resolve `%s`", path);
          target[tl] = '\0';
          rest = xasprintf ("%s/%s", target, p ? p : "");
          if (target[0] == '/')
            {
              while (depth > 0)
                close (stack[depth--]);
              close (cur);
              cur = fcntl (root_fd, F_DUPFD_CLOEXEC, 3);
            }
          free (todo);
          todo = p = rest;
          continue;
        }
      if (depth + 1 >= (int)(sizeof (stack) / sizeof (stack[0])))
        return hy_error_set (err, ELOOP, "resolve `%s`", path);
      stack[++depth] = cur;
      cur = next;
    }
  while (depth > 0)
    close (stack[depth--]);
  return take_fd (cur);
}

static int
resolve (int root_fd, const char *path, hy_error_t *err)
{
  int fd;

  /* the test build's vulnerable variant: symlinks followed as the host
   * sees them (what the mount-target CVEs exploited) */
  if (test_hook_off (TEST_HOOK_PATH_IN_ROOT))
    {
      fd = openat (root_fd, path[0] == '/' ? path + 1 : path, O_PATH | O_CLOEXEC);
      return fd >= 0 ? fd : hy_error_set (err, errno, "resolve `%s` (unsafely)", path);
    }
  fd = openat2_in_root (root_fd, path);

  if (fd >= 0)
    return fd;
  if (errno == ENOSYS || errno == EPERM /* seccomp'd */)
    return lc_path_open_in_root_walk (root_fd, path, err);
  return hy_error_set (err, errno, "resolve `%s` in the rootfs", path);
}

static int open_in_root (int root_fd, const char *path, enum lc_path_create create, int depth,
                         hy_error_t *err);

/* `base` under `parent` is a dangling symlink: create its target instead,
 * resolved inside the root like everything else (runc's SecureJoin +
 * MkdirAll do the same), so "/x -> /host/dir" makes <rootfs>/host/dir. */
static int
create_through_symlink (int root_fd, int parent, const char *dir, const char *base,
                        enum lc_path_create create, int depth, hy_error_t *err)
{
  char target[PATH_MAX];
  cleanup_free char *next = NULL;
  ssize_t n = readlinkat (parent, base, target, sizeof (target) - 1);

  if (n < 0)
    return hy_error_set (err, errno, "readlink `%s/%s` in the rootfs", dir, base);
  target[n] = '\0';
  if (depth >= 40)
    return hy_error_set (err, ELOOP, "resolve `%s/%s` in the rootfs", dir, base);
  next = target[0] == '/' ? xstrdup (target) : xasprintf ("%s/%s", dir, target);
  return open_in_root (root_fd, next, create, depth + 1, err);
}

/* Create the last component of `path` under its (resolved) parent. */
static int
create_last (int root_fd, const char *path, enum lc_path_create create, int depth, hy_error_t *err)
{
  struct stat st;
  cleanup_free char *dir = xstrdup (path);
  cleanup_close int parent = -1;
  char *slash, *base;
  int fd;

  while (strlen (dir) > 1 && dir[strlen (dir) - 1] == '/')
    dir[strlen (dir) - 1] = '\0';
  slash = strrchr (dir, '/');
  base = slash ? slash + 1 : dir;
  if (slash)
    *slash = '\0';
  parent = open_in_root (root_fd, slash && dir[0] ? dir : "/", LC_PATH_MKDIR, depth, err);
  if (parent < 0)
    return -1;
  if (strcmp (base, "..") == 0 || strcmp (base, ".") == 0)
    return hy_error_set (err, EINVAL, "cannot create `%s`", path);
  if (fstatat (parent, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
    return create_through_symlink (root_fd, parent, slash && dir[0] ? dir : "", base, create, depth,
                                   err);
  if (create == LC_PATH_MKDIR)
    {
      if (mkdirat (parent, base, 0755) < 0 && errno != EEXIST)
        return hy_error_set (err, errno, "mkdir `%s` in the rootfs", path);
    }
  else
    {
      /* O_NOFOLLOW|O_EXCL: never create through a dangling symlink. */
      int f = openat (parent, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
      if (f < 0 && errno != EEXIST)
        return hy_error_set (err, errno, "create `%s` in the rootfs", path);
      if (f >= 0)
        close (f);
    }
  /* Re-resolve from the root: the name may be a symlink placed there. */
  fd = openat2_in_root (root_fd, path);
  if (fd < 0)
    return resolve (root_fd, path, err);
  return fd;
}

int
lc_path_open_in_root (int root_fd, const char *path, enum lc_path_create create, hy_error_t *err)
{
  return open_in_root (root_fd, path, create, 0, err);
}

static int
open_in_root (int root_fd, const char *path, enum lc_path_create create, int depth, hy_error_t *err)
{
  cleanup_error hy_error_t tmp = NULL;
  int fd = resolve (root_fd, path, &tmp);

  if (fd >= 0 || create == LC_PATH_NOCREATE || tmp->code != ENOENT)
    {
      if (fd < 0)
        hy_error_move (err, &tmp);
      return fd;
    }
  return create_last (root_fd, path, create, depth, err);
}

void
lc_path_fd_name (int fd, char *buf, size_t len)
{
  snprintf (buf, len, "/proc/self/fd/%d", fd);
}

int
lc_proc_write (const char *path, const char *value, hy_error_t *err)
{
  cleanup_close int fd = open (path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
  struct statfs sfs;
  size_t len = strlen (value);

  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  if (fstatfs (fd, &sfs) < 0)
    return hy_error_set (err, errno, "statfs `%s`", path);
  if (sfs.f_type != PROC_SUPER_MAGIC && !test_hook_off (TEST_HOOK_PROCFS_CHECK))
    return hy_error_set (err, 0, "`%s` is not on procfs: refusing to write to it", path);
  if (write (fd, value, len) != (ssize_t)len)
    return hy_error_set (err, errno, "write `%s` to `%s`", value, path);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* State directory, lock and state file of one container. */
#include "runtime/state_dir.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "libcontainer/container.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int
container_id_validate (const char *id, hy_error_t *err)
{
  size_t n = strlen (id);

  if (n == 0)
    return hy_error_set (err, 0, "container id cannot be empty");
  if (n > 1024 || strcmp (id, ".") == 0 || strcmp (id, "..") == 0
      || id[strspn (id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+-.")]
             != '\0')
    return hy_error_set (err, 0, "invalid container id format: %s", id);
  return 0;
}

static int
lock_dir (struct container *c, hy_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/lock", c->dir);

  c->lock_fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (c->lock_fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  while (flock (c->lock_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return hy_error_set (err, errno, "lock `%s`", path);
  return 0;
}

/* mkdir -p: containerd passes a --root whose parent may not exist yet. */
static int
mkdir_parents (const char *path, mode_t mode)
{
  cleanup_free char *copy = xstrdup (path);

  for (char *p = copy + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (copy, 0755) < 0 && errno != EEXIST)
          return -1;
        *p = '/';
      }
  return mkdir (copy, mode) < 0 && errno != EEXIST ? -1 : 0;
}

int
container_new (const char *root, const char *id, struct container *c, hy_error_t *err)
{
  memset (c, 0, sizeof (*c));
  c->lock_fd = -1;
  if (container_id_validate (id, err) < 0)
    return -1;
  if (mkdir_parents (root, 0711) < 0)
    return hy_error_set (err, errno, "create the state root `%s`", root);
  c->id = xstrdup (id);
  c->dir = xasprintf ("%s/%s", root, id);
  if (mkdir (c->dir, 0711) < 0)
    {
      int e = errno;
      free (c->dir);
      c->dir = NULL;
      if (e == EEXIST)
        return hy_error_set (err, 0, "container with id exists: %s", id);
      return hy_error_set (err, e, "create the state directory for `%s`", id);
    }
  return lock_dir (c, err);
}

static int
load_state (struct container *c, hy_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/state.json", c->dir);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  char buf[65536];
  ssize_t n;

  if (fd < 0 && errno == ENOENT)
    return 0; /* half-created */
  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  n = read (fd, buf, sizeof (buf) - 1);
  if (n < 0)
    return hy_error_set (err, errno, "read `%s`", path);
  buf[n] = '\0';
  c->st = spec_state_parse (path, buf, n, err);
  return c->st ? 0 : -1;
}

int
container_open (const char *root, const char *id, struct container *c, hy_error_t *err)
{
  struct stat st;

  memset (c, 0, sizeof (*c));
  c->lock_fd = -1;
  if (container_id_validate (id, err) < 0)
    return -1;
  c->id = xstrdup (id);
  c->dir = xasprintf ("%s/%s", root, id);
  if (stat (c->dir, &st) < 0 || !S_ISDIR (st.st_mode))
    return hy_error_set (err, 0, "container \"%s\" does not exist", id);
  if (lock_dir (c, err) < 0)
    return -1;
  /* Deleted while we waited for the lock. */
  if (stat (c->dir, &st) < 0)
    return hy_error_set (err, 0, "container \"%s\" does not exist", id);
  return load_state (c, err);
}

int
container_save (struct container *c, hy_error_t *err)
{
  cleanup_free char *json = spec_state_to_json (c->st, SPEC_STATE_FILE);
  cleanup_free char *tmp = xasprintf ("%s/state.json.tmp", c->dir);
  cleanup_free char *path = xasprintf ("%s/state.json", c->dir);
  cleanup_close int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  size_t len = strlen (json);

  if (fd < 0)
    return hy_error_set (err, errno, "create `%s`", tmp);
  if (write (fd, json, len) != (ssize_t)len)
    return hy_error_set (err, errno, "write `%s`", tmp);
  if (rename (tmp, path) < 0)
    return hy_error_set (err, errno, "rename `%s`", tmp);
  return 0;
}

int
container_remove (struct container *c, hy_error_t *err)
{
  cleanup_dir DIR *d = opendir (c->dir);
  struct dirent *de;

  if (d == NULL)
    return errno == ENOENT ? 0 : hy_error_set (err, errno, "open `%s`", c->dir);
  while ((de = readdir (d)))
    if (strcmp (de->d_name, ".") && strcmp (de->d_name, "..")
        && unlinkat (dirfd (d), de->d_name, 0) < 0 && errno == EISDIR)
      unlinkat (dirfd (d), de->d_name, AT_REMOVEDIR); /* VM mode's vols, empty here */
  if (rmdir (c->dir) < 0 && errno != ENOENT)
    return hy_error_set (err, errno, "remove `%s`", c->dir);
  return 0;
}

void
container_release (struct container *c)
{
  if (c->lock_fd >= 0)
    close (c->lock_fd);
  c->lock_fd = -1;
  spec_state_free (c->st);
  c->st = NULL;
  free (c->dir);
  free (c->id);
  c->dir = c->id = NULL;
}

bool
container_alive (const struct spec_state *st)
{
  unsigned long long t;

  if (st == NULL || st->pid <= 0)
    return false;
  t = lc_proc_start_time (st->pid);
  return t != 0 && t == st->pid_start_time;
}

const char *
container_status (struct container *c)
{
  cleanup_cgroup struct lc_cgroup *cg = NULL;
  bool frozen = false;

  if (c->st == NULL || !container_alive (c->st))
    return "stopped";
  if (lc_container_fifo_exists (c->dir))
    return "created";
  if (c->st->cgroup_path && (cg = lc_cgroup_load (c->st->cgroup_path, c->st->systemd_cgroup, NULL))
      && lc_cgroup_is_frozen (cg, &frozen, NULL) == 0 && frozen)
    return "paused";
  return "running";
}

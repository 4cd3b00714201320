/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading and writing cgroup files, with errors naming the spec field. */
#include "libcontainer/cgroup_fs.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *
cg_dir (const struct lc_cgroup *cg, const char *ctrl)
{
  size_t i, n = strlen (ctrl);

  for (i = 0; i < cg->n; i++)
    {
      const char *p = cg->h[i].ctrls;
      while ((p = strstr (p, ctrl)))
        {
          if ((p == cg->h[i].ctrls || p[-1] == ',' || p[-1] == ' ')
              && (p[n] == ',' || p[n] == ' ' || p[n] == '\0'))
            return cg->h[i].dir;
          p += n;
        }
    }
  return NULL;
}

const char *
cg_unified_dir (const struct lc_cgroup *cg)
{
  size_t i;

  for (i = 0; i < cg->n; i++)
    if (cg->h[i].v2)
      return cg->h[i].dir;
  return NULL;
}

/* Whether `word` is one of the words of the space-separated `list`. */
bool
cg_list_has (const char *list, const char *word)
{
  size_t n = strlen (word);

  for (const char *p = list; (p = strstr (p, word)) != NULL; p += n)
    if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
      return true;
  return false;
}

/* Whether `word` is in the space-separated list in dir/file. */
static bool
file_lists (const char *dir, const char *file, const char *word)
{
  char buf[512];

  return cg_read (dir, file, buf, sizeof (buf)) == 0 && cg_list_has (buf, word);
}

/* Whether dir/cgroup.procs lists a process. */
static bool
has_procs (const char *dir)
{
  char buf[16];

  return cg_read (dir, "cgroup.procs", buf, sizeof (buf)) == 0 && buf[0] != '\0';
}

/* Write "+ctrl" to dir/cgroup.subtree_control: 0 or the errno. */
static int
enable (const char *dir, const char *plus)
{
  cleanup_free char *path = xasprintf ("%s/cgroup.subtree_control", dir);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);

  if (fd < 0)
    return errno;
  return write (fd, plus, strlen (plus)) == (ssize_t)strlen (plus) ? 0 : errno;
}

/* Why the controller `ctrl` is not enabled for `dir` on v2: walking down
 * from the top of the hierarchy (the highest ancestor with a
 * cgroup.controllers), the first level that does not have it (not
 * delegated to this subtree), or whose cgroup.subtree_control cannot
 * enable it (say a cgroup with processes of its own: the "no internal
 * processes" rule, as for a runtime inside a container).  0 when every
 * level has it enabled. */
static int
controller_blocked (const char *dir, const char *ctrl, const char *field, hy_error_t *err)
{
  cleanup_free char *top = xstrdup (dir);
  cleanup_free char *plus = xasprintf ("+%s", ctrl);
  char *slash, *p;
  int e;

  /* the top: the highest directory with a cgroup.controllers */
  for (;;)
    {
      cleanup_free char *up = xstrdup (top);
      slash = strrchr (up, '/');
      if (slash == NULL || slash == up)
        break;
      *slash = '\0';
      if (!cg_has_file (up, "cgroup.controllers"))
        break;
      free (top);
      top = take_ptr (up);
    }
  if (!cg_has_file (top, "cgroup.controllers"))
    return 0; /* not a v2 hierarchy */
  for (p = (char *)dir + strlen (top); p && *p == '/'; p = strchr (p + 1, '/'))
    {
      cleanup_free char *level = xstrndup (dir, (size_t)(p - dir));
      if (!file_lists (level, "cgroup.controllers", ctrl))
        return hy_error_set (err, 0,
                             "%s: the %s controller is not available in `%s` (not in its "
                             "cgroup.controllers: not delegated to this subtree)",
                             field, ctrl, level);
      if (file_lists (level, "cgroup.subtree_control", ctrl))
        continue;
      if ((e = enable (level, plus)) == 0)
        continue;
      /* EBUSY, or EOPNOTSUPP once threaded controllers made it a thread
       * root: the kernel's "no internal processes" rule */
      return hy_error_set (err, e,
                           "%s: cannot enable the %s controller in `%s/cgroup.subtree_control`%s",
                           field, ctrl, level,
                           has_procs (level) ? " (that cgroup has processes of its own, and a "
                                               "cgroup with processes cannot enable domain "
                                               "controllers for its children)"
                                             : "");
    }
  return 0;
}

/* A resource file that is not there: on v2 most often because its
 * controller is not enabled in an ancestor's cgroup.subtree_control (a
 * delegated or nested hierarchy); say which file then. */
static int
missing_file (const char *dir, const char *file, const char *field, const char *path,
              hy_error_t *err)
{
  cleanup_free char *ctrl = xstrndup (file, strcspn (file, "."));

  if (strcmp (ctrl, "cgroup") != 0 && controller_blocked (dir, ctrl, field, err) < 0)
    return -1;
  return hy_error_set (err, 0, "%s: not supported by this kernel (no %s)", field, path);
}

int
cg_write (const char *dir, const char *file, const char *value, const char *field, hy_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  size_t len = strlen (value);

  if (fd < 0 && errno == ENOENT)
    return missing_file (dir, file, field, path, err);
  if (fd < 0)
    return hy_error_set (err, errno, "%s: open `%s`", field, path);
  if (write (fd, value, len) != (ssize_t)len)
    return hy_error_set (err, errno, "%s: write \"%s\" to `%s`", field, value, path);
  return 0;
}

int
cg_write_u64 (const char *dir, const char *file, unsigned long long v, const char *field,
              hy_error_t *err)
{
  char buf[32];

  snprintf (buf, sizeof (buf), "%llu", v);
  return cg_write (dir, file, buf, field, err);
}

int
cg_write_i64 (const char *dir, const char *file, long long v, const char *field, hy_error_t *err)
{
  char buf[32];

  snprintf (buf, sizeof (buf), "%lld", v);
  return cg_write (dir, file, buf, field, err);
}

int
cg_read (const char *dir, const char *file, char *buf, size_t len)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = read (fd, buf, len - 1);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  while (n > 0 && buf[n - 1] == '\n')
    buf[--n] = '\0';
  return 0;
}

bool
cg_has_file (const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);

  return access (path, F_OK) == 0;
}

char *
cg_rdma_line (const struct spec_rdma *rd)
{
  char *line = xstrdup (rd->device), *n;

  if (rd->has_hca_handles)
    {
      n = xasprintf ("%s hca_handle=%u", line, rd->hca_handles);
      free (line);
      line = n;
    }
  if (rd->has_hca_objects)
    {
      n = xasprintf ("%s hca_object=%u", line, rd->hca_objects);
      free (line);
      line = n;
    }
  return line;
}

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

/* A resource file that is not there: on v2 most often because its
 * controller is not enabled in the parent's cgroup.subtree_control (a
 * delegated or nested hierarchy); say which file then. */
static int
missing_file (const char *dir, const char *file, const char *field, const char *path,
              hy_error_t *err)
{
  cleanup_free char *parent = xstrdup (dir);
  cleanup_free char *ctrl = xstrndup (file, strcspn (file, "."));
  char *slash = strrchr (parent, '/');
  char buf[512], *tok, *save = NULL;

  if (slash && slash != parent)
    {
      *slash = '\0';
      if (cg_read (parent, "cgroup.subtree_control", buf, sizeof (buf)) == 0)
        {
          for (tok = strtok_r (buf, " ", &save); tok; tok = strtok_r (NULL, " ", &save))
            if (strcmp (tok, ctrl) == 0)
              break;
          if (tok == NULL)
            return hy_error_set (
                err, 0,
                "%s: the %s controller is not enabled in `%s/cgroup.subtree_control` "
                "(no %s)",
                field, ctrl, parent, path);
        }
    }
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

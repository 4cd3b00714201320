/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading /proc/self/mountinfo: the rootfs's parent mount before
 * pivot_root, and the mounts a container without a mount namespace of
 * its own leaves under its rootfs on the host. */
#include "libcontainer/mountinfo.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void
unescape (char *s)
{
  char *w = s;

  for (; *s; s++)
    if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
        && s[3] <= '7')
      {
        *w++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
        s += 3;
      }
    else
      *w++ = *s;
  *w = '\0';
}

int
lc_mountinfo_each (int (*fn) (const struct lc_mountinfo_entry *e, void *data), void *data,
                   hy_error_t *err)
{
  cleanup_file FILE *mi = fopen ("/proc/self/mountinfo", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;

  if (mi == NULL)
    return hy_error_set (err, errno, "open /proc/self/mountinfo");
  while (getline (&line, &cap, mi) > 0)
    {
      char mnt[PATH_MAX];
      char *sep = strstr (line, " - ");
      struct lc_mountinfo_entry e = { mnt, false };

      if (sep == NULL || sscanf (line, "%*s %*s %*s %*s %4095s", mnt) != 1)
        continue;
      /* Optional fields sit between the 6th field and " - ". */
      *sep = '\0';
      e.shared = strstr (line, " shared:") != NULL;
      unescape (mnt);
      if (fn (&e, data) != 0)
        break;
    }
  return 0;
}

struct under
{
  const char *dir;
  size_t len, n;
  char **found; /* NULL-terminated */
};

static int
collect_under (const struct lc_mountinfo_entry *e, void *data)
{
  struct under *u = data;

  if (strncmp (e->mount_point, u->dir, u->len) == 0 && e->mount_point[u->len] == '/')
    {
      u->found = xrealloc (u->found, (u->n + 2) * sizeof (char *));
      u->found[u->n++] = xstrdup (e->mount_point);
      u->found[u->n] = NULL;
    }
  return 0;
}

int
lc_mountinfo_unmount_under (const char *rootfs, hy_error_t *err)
{
  struct under u = { rootfs, strlen (rootfs), 0, NULL };
  cleanup_strv char **found = NULL;
  int r = lc_mountinfo_each (collect_under, &u, err);

  found = u.found;
  if (r < 0)
    return -1;
  /* Reverse mount order: what is mounted on a mount goes first. */
  while (u.n-- > 0)
    if (umount2 (found[u.n], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
      return hy_error_set (err, errno, "unmount `%s`", found[u.n]);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* No host fd reaches the container process: everything past stdio and the
 * preserved fds is close-on-exec right before the exec. */
#include "libcontainer/fd.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int
lc_fd_cloexec_from (int first, hy_error_t *err)
{
  DIR *d;
  struct dirent *de;

  if (syscall (SYS_close_range, first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  /* Before 5.11: walk /proc/self/fd. */
  d = opendir ("/proc/self/fd");
  if (d == NULL)
    return hy_error_set (err, errno, "open /proc/self/fd");
  while ((de = readdir (d)))
    {
      int fd = atoi (de->d_name);
      if (de->d_name[0] == '.' || fd < first || fd == dirfd (d))
        continue;
      if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF)
        {
          closedir (d);
          return hy_error_set (err, errno, "mark fd %d close-on-exec", fd);
        }
    }
  closedir (d);
  return 0;
}

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *)a - *(const int *)b;
}

void
lc_fd_close_except (int first, int *keep, size_t n_keep)
{
  unsigned int from = (unsigned int)first;

  qsort (keep, n_keep, sizeof (*keep), cmp_int);
  for (size_t i = 0; i < n_keep; i++)
    {
      if (keep[i] < first)
        continue;
      if ((unsigned int)keep[i] > from)
        syscall (SYS_close_range, from, (unsigned int)keep[i] - 1, 0);
      from = (unsigned int)keep[i] + 1;
    }
  syscall (SYS_close_range, from, ~0U, 0);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `start`: the exec fifo in the state dir.  The init blocks opening its
 * write end; opening the read end and reading the byte it writes releases
 * it (runc's protocol).  The fifo is removed once used, so its presence
 * means "created". */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/container.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

int
lc_container_fifo_create (const char *state_dir, hy_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/exec.fifo", state_dir);
  int fd;

  if (mkfifo (path, 0622) < 0)
    return hy_error_set (err, errno, "mkfifo `%s`", path);
  /* mkfifo applies the umask; the init may not be root any more. */
  chmod (path, 0622);
  fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  return fd;
}

bool
lc_container_fifo_exists (const char *state_dir)
{
  cleanup_free char *path = xasprintf ("%s/exec.fifo", state_dir);

  return access (path, F_OK) == 0;
}

/* The init keeps its close-on-exec write end open until execve: EOF means
 * the process runs (or the init is gone, which `state` reports).  Bounded,
 * so a startContainer hook that hangs cannot hang `start` for good. */
static void
wait_for_exec (int fd, pid_t init_pid)
{
  char byte;
  int rounds;

  for (rounds = 0; rounds < 100; rounds++)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      int r = poll (&p, 1, 100);

      if (r < 0 && errno != EINTR)
        return;
      if (r > 0 && read (fd, &byte, 1) <= 0)
        return;
      if (kill (init_pid, 0) < 0 && errno == ESRCH)
        return;
    }
}

int
lc_container_start (const char *state_dir, pid_t init_pid, hy_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/exec.fifo", state_dir);
  cleanup_close int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  char byte;

  if (fd < 0)
    return hy_error_set (err, errno == ENOENT ? 0 : errno,
                         "cannot start an already running container");
  /* Non-blocking so a dead init cannot hang us: poll, checking that it is
   * still alive between rounds. */
  for (;;)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      int r = poll (&p, 1, 100);
      if (r < 0 && errno != EINTR)
        return hy_error_set (err, errno, "poll the exec fifo");
      if (r > 0 && (p.revents & POLLIN))
        break;
      if (kill (init_pid, 0) < 0 && errno == ESRCH)
        return hy_error_set (err, 0, "container init exited before start");
      if (r > 0 && (p.revents & POLLHUP))
        return hy_error_set (err, 0, "container init closed the exec fifo before start");
    }
  if (read (fd, &byte, 1) != 1)
    return hy_error_set (err, errno, "read the exec fifo");
  unlink (path);
  wait_for_exec (fd, init_pid);
  return 0;
}

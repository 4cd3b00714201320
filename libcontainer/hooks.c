/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI hooks: each runs with the state JSON on stdin, its own args and env,
 * and an optional timeout; a failure names the hook kind, index and path. */
#include "common/cleanup.h"
#include "common/log.h"
#include "libcontainer/security.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void
exec_hook (const struct spec_hook *h, int stdin_fd)
{
  static char *empty_env[] = { NULL };
  char *fallback_argv[] = { h->path, NULL };

  dup2 (stdin_fd, STDIN_FILENO);
  /* Hook output goes where the runtime's stderr goes. */
  dup2 (STDERR_FILENO, STDOUT_FILENO);
  execve (h->path, h->args ? h->args : fallback_argv, h->env ? h->env : empty_env);
  _exit (127);
}

/* Wait for pid with a timeout in seconds (0: none) using a pidfd, so
 * there is no sleeping and no SIGCHLD handling. */
static int
wait_hook (pid_t pid, int timeout, int *status, bool *timed_out)
{
  int pidfd = syscall (SYS_pidfd_open, pid, 0);

  *timed_out = false;
  if (pidfd >= 0 && timeout > 0)
    {
      struct pollfd p = { pidfd, POLLIN, 0 };
      int r;
      do
        r = poll (&p, 1, timeout * 1000);
      while (r < 0 && errno == EINTR);
      if (r == 0)
        {
          *timed_out = true;
          kill (pid, SIGKILL);
        }
    }
  if (pidfd >= 0)
    close (pidfd);
  while (waitpid (pid, status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

static int
run_one (const struct spec_hook *h, size_t idx, const char *kind, const char *state_json,
         hy_error_t *err)
{
  int pipefd[2];
  int status = 0;
  bool timed_out;
  pid_t pid;
  size_t len = strlen (state_json), off = 0;

  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "%s hook #%zu: pipe", kind, idx);
  pid = fork ();
  if (pid < 0)
    return hy_error_set (err, errno, "%s hook #%zu: fork", kind, idx);
  if (pid == 0)
    {
      close (pipefd[1]);
      exec_hook (h, pipefd[0]);
    }
  close (pipefd[0]);
  /* A hook that does not read its stdin must not block us: ignore EPIPE. */
  signal (SIGPIPE, SIG_IGN);
  while (off < len)
    {
      ssize_t w = write (pipefd[1], state_json + off, len - off);
      if (w <= 0)
        break;
      off += w;
    }
  close (pipefd[1]);
  if (wait_hook (pid, h->has_timeout ? h->timeout : 0, &status, &timed_out) < 0)
    return hy_error_set (err, errno, "%s hook #%zu (%s): wait", kind, idx, h->path);
  if (timed_out)
    return hy_error_set (err, 0, "%s hook #%zu (%s): timed out after %ds", kind, idx, h->path,
                         h->timeout);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return hy_error_set (err, 0, "%s hook #%zu (%s): cannot execute it", kind, idx, h->path);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return hy_error_set (err, 0, "%s hook #%zu (%s): %s %d", kind, idx, h->path,
                         WIFEXITED (status) ? "exited with status" : "killed by signal",
                         WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status));
  return 0;
}

int
lc_hooks_run (const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
              hy_error_t *err)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (run_one (&hooks[i], i, kind, state_json, err) < 0)
      return -1;
  return 0;
}

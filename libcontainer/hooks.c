/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OCI hooks (runtime-spec config.md#posix-platform-hooks): each runs with
 * the state JSON on stdin, exactly its own args and env, its stdout and
 * stderr on the runtime's stderr, and an optional timeout after which it is
 * SIGKILLed.  Waiting is bounded by poll() on a pidfd: no sleeps, no
 * SIGCHLD handler.  A failure names the hook kind, index (from 0, as runc)
 * and path. */
#include "common/cleanup.h"
#include "common/log.h"
#include "libcontainer/security.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* In the forked child: stdin is the state stream, stdout joins stderr.
 * An exec failure is reported as errno on errfd (close-on-exec). */
__attribute__ ((noreturn)) static void
exec_hook (const struct spec_hook *h, int stdin_fd, int errfd)
{
  static char *empty_env[] = { NULL };
  char *fallback_argv[] = { h->path, NULL };
  sigset_t none;
  int e;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  signal (SIGPIPE, SIG_DFL);
  if (dup2 (stdin_fd, STDIN_FILENO) < 0 || dup2 (STDERR_FILENO, STDOUT_FILENO) < 0)
    e = errno;
  else
    {
      execve (h->path, h->args && h->n_args ? h->args : fallback_argv, h->env ? h->env : empty_env);
      e = errno;
    }
  if (write (errfd, &e, sizeof (e)) < 0)
    _exit (127);
  _exit (127);
}

static long long
now_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Feed the state to the hook while waiting for it to exit, within the
 * deadline (-1: none).  Returns 1 on exit, 0 on timeout, -1 on error.  A
 * hook may exit without reading its stdin: writing then stops. */
/* Feed the state to the hook's stdin and wait for it to exit: 1 when it
 * exited (reaped into *status when *reaped), 0 on timeout.  Without a
 * pidfd (kernels before 5.3, valgrind) the exit is polled every 10 ms. */
static int
feed_and_wait (pid_t pid, int pidfd, int sock, const char *data, size_t len, long long deadline,
               int *status, bool *reaped)
{
  size_t off = 0;

  if (len == 0)
    shutdown (sock, SHUT_WR);
  for (;;)
    {
      struct pollfd p[2] = { { pidfd, POLLIN, 0 }, { off < len ? sock : -1, POLLOUT, 0 } };
      int timeout = -1, r;

      if (deadline >= 0)
        {
          long long left = deadline - now_ms ();
          timeout = left > 0 ? (int)left : 0;
        }
      if (pidfd < 0 && (timeout < 0 || timeout > 10))
        timeout = 10;
      r = poll (p, 2, timeout);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (p[0].revents)
        return 1;
      if (pidfd < 0 && waitpid (pid, status, WNOHANG) == pid)
        {
          *reaped = true;
          return 1;
        }
      if (deadline >= 0 && now_ms () >= deadline)
        return 0;
      if (r == 0)
        continue;
      if (off < len && p[1].revents)
        {
          ssize_t w = send (sock, data + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
          if (w < 0 && errno != EAGAIN && errno != EINTR)
            off = len; /* EPIPE: the hook closed its stdin */
          else if (w > 0)
            off += w;
          if (off >= len)
            shutdown (sock, SHUT_WR);
        }
    }
}

static int
hook_error (const struct spec_hook *h, size_t idx, const char *kind, int status, int exec_errno,
            hy_error_t *err)
{
  if (exec_errno)
    return hy_error_set (err, exec_errno, "%s hook #%zu (%s): cannot execute it", kind, idx,
                         h->path);
  if (WIFSIGNALED (status))
    return hy_error_set (err, 0, "%s hook #%zu (%s): killed by signal %d", kind, idx, h->path,
                         WTERMSIG (status));
  if (WEXITSTATUS (status) != 0)
    return hy_error_set (err, 0, "%s hook #%zu (%s): exited with status %d", kind, idx, h->path,
                         WEXITSTATUS (status));
  return 0;
}

static int
run_one (const struct spec_hook *h, size_t idx, const char *kind, const char *state_json,
         hy_error_t *err)
{
  cleanup_close int pidfd = -1;
  int sv[2], errp[2], status = 0, exec_errno = 0, r;
  bool reaped = false;
  long long deadline = h->has_timeout && h->timeout > 0 ? now_ms () + h->timeout * 1000LL : -1;
  pid_t pid;

  /* A socket rather than a pipe: MSG_NOSIGNAL spares us SIGPIPE games. */
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
    return hy_error_set (err, errno, "%s hook #%zu: socketpair", kind, idx);
  if (pipe2 (errp, O_CLOEXEC) < 0)
    {
      close (sv[0]), close (sv[1]);
      return hy_error_set (err, errno, "%s hook #%zu: pipe", kind, idx);
    }
  pid = fork ();
  if (pid == 0)
    exec_hook (h, sv[1], errp[1]);
  close (sv[1]);
  close (errp[1]);
  if (pid < 0)
    {
      close (sv[0]), close (errp[0]);
      return hy_error_set (err, errno, "%s hook #%zu: fork", kind, idx);
    }
  pidfd = syscall (SYS_pidfd_open, pid, 0);
  r = feed_and_wait (pid, pidfd, sv[0], state_json, strlen (state_json), deadline, &status,
                     &reaped);
  close (sv[0]);
  if (r == 0)
    kill (pid, SIGKILL);
  else if (r < 0)
    hy_warn ("%s hook #%zu: cannot poll (%s): waiting without a timeout", kind, idx,
             strerror (errno));
  while (!reaped && waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (read (errp[0], &exec_errno, sizeof (exec_errno)) != sizeof (exec_errno))
    exec_errno = 0;
  close (errp[0]);
  if (r == 0)
    return hy_error_set (err, 0, "%s hook #%zu (%s): timed out after %ds", kind, idx, h->path,
                         h->timeout);
  return hook_error (h, idx, kind, status, exec_errno, err);
}

int
lc_hooks_run (const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
              hy_error_t *err)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      hy_debug ("running %s hook #%zu: %s", kind, i, hooks[i].path);
      if (run_one (&hooks[i], i, kind, state_json ? state_json : "", err) < 0)
        return -1;
    }
  return 0;
}

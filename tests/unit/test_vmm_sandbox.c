/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's seccomp filter: what a running VMM does stays allowed (accept4
 * on the exec socket, the 9P server's truncate and chmod among it), and
 * anything off the list kills the process (socket creation, execve). */
#include "kvm-shim/vmm/sandbox.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn in a child under the filter; its wait status. */
static int
sandboxed (int (*fn) (int), int arg)
{
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      if (vmm_sandbox_apply (NULL) < 0)
        _exit (100);
      _exit (fn (arg));
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

/* A non-blocking listener with nobody connecting: EAGAIN, not SIGSYS. */
static int
do_accept4 (int listen_fd)
{
  int fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  return fd < 0 && errno == EAGAIN ? 0 : 1;
}

/* A guest's Tsetattr of size and mode (an O_TRUNC open of an existing
 * file, a chmod), as the 9P server does it: through /proc/self/fd of an
 * O_PATH open (fs/p9_ops.c). */
static int
do_setattr_via_proc (int path_fd)
{
  char proc[64];
  struct stat st;

  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", path_fd);
  if (truncate (proc, 0) < 0 || chmod (proc, 0600) < 0 || fstat (path_fd, &st) < 0)
    return 1;
  return st.st_size == 0 && (st.st_mode & 07777) == 0600 ? 0 : 1;
}

static int
do_socket (int unused)
{
  (void)unused;
  return socket (AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1;
}

static int
do_execve (int unused)
{
  char *argv[] = { (char *)"/bin/true", NULL };
  (void)unused;
  execve ("/bin/true", argv, NULL);
  return 1;
}

int
main (void)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  char file[] = "/tmp/hyrun-test-sandbox-XXXXXX";
  int lfd, st, fd;

  tap_plan (4);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  /* an abstract address: nothing on disk */
  snprintf (sa.sun_path + 1, sizeof (sa.sun_path) - 1, "hyrun-test-sandbox-%d", getpid ());
  if (lfd < 0 || bind (lfd, (struct sockaddr *)&sa, sizeof (sa)) < 0 || listen (lfd, 1) < 0)
    abort ();
  st = sandboxed (do_accept4, lfd);
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "accept4 on the exec socket is allowed (status %#x)", st);
  fd = mkstemp (file);
  if (fd < 0 || write (fd, "data", 4) != 4)
    abort ();
  close (fd);
  fd = open (file, O_PATH | O_CLOEXEC);
  if (fd < 0)
    abort ();
  st = sandboxed (do_setattr_via_proc, fd);
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "the 9P server's truncate and chmod through /proc/self/fd are allowed (status %#x)", st);
  close (fd);
  unlink (file);
  st = sandboxed (do_socket, 0);
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS,
          "creating a socket kills the VMM (status %#x)", st);
  st = sandboxed (do_execve, 0);
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS, "execve kills the VMM (status %#x)", st);
  close (lfd);
  return tap_done ();
}

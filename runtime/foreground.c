/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A process in the foreground (`run`, `exec` without --detach): signals
 * are forwarded to it, with a terminal the I/O is relayed, and its exit
 * becomes hyrun's exit code (128+N for a signal, as runc). */
#include "runtime/foreground.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

void
fg_block_signals (sigset_t *set, bool forward_all)
{
  sigemptyset (set);
  sigaddset (set, SIGCHLD);
  if (forward_all)
    for (int s = 1; s < NSIG; s++)
      if (s != SIGKILL && s != SIGSTOP && s != SIGSEGV && s != SIGBUS && s != SIGILL && s != SIGFPE
          && (s < 32 || s >= SIGRTMIN))
        sigaddset (set, s);
  sigprocmask (SIG_BLOCK, set, NULL);
}

static int
exit_code_of (int status)
{
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  if (WIFSIGNALED (status))
    return 128 + WTERMSIG (status);
  return 1;
}

static void
copy (int from, int to, bool *open_)
{
  char buf[8192];
  ssize_t n = read (from, buf, sizeof (buf));

  if (n <= 0)
    {
      *open_ = false;
      return;
    }
  while (n > 0)
    {
      ssize_t w = write (to, buf, n);
      if (w <= 0)
        return;
      n -= w;
    }
}

/* Forward signals (and with a terminal, the I/O) until the init exits;
 * returns its exit code. */
int
fg_wait_forwarding (pid_t pid, int sfd, struct run_tty *tty)
{
  bool in_open = tty != NULL, out_open = tty != NULL;
  int status;

  for (;;)
    {
      struct pollfd p[3] = { { sfd, POLLIN, 0 },
                             { in_open ? STDIN_FILENO : -1, POLLIN, 0 },
                             { out_open ? tty->master : -1, POLLIN, 0 } };
      struct signalfd_siginfo si;
      pid_t r = waitpid (pid, &status, WNOHANG);

      if (r == pid)
        {
          /* Drain what the process wrote last. */
          while (out_open && poll (&p[2], 1, 0) > 0)
            copy (tty->master, STDOUT_FILENO, &out_open);
          return exit_code_of (status);
        }
      if (r < 0 && errno == ECHILD)
        return 1;
      if (poll (p, 3, -1) < 0)
        continue;
      if (p[1].revents)
        copy (STDIN_FILENO, tty->master, &in_open);
      if (p[2].revents)
        copy (tty->master, STDOUT_FILENO, &out_open);
      if (!(p[0].revents & POLLIN) || read (sfd, &si, sizeof (si)) != sizeof (si))
        continue;
      if (si.ssi_signo == SIGWINCH && tty)
        run_tty_resize (tty);
      else if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGWINCH)
        kill (pid, (int)si.ssi_signo);
    }
}

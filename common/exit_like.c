/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hy_exit_like (exit_like.h).  The status may come from an untrusted
 * guest: re-raising a stop signal would stop the VMM or the exec proxy
 * instead of ending it, and an ignored one would not end it at all. */
#include "common/exit_like.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

bool
hy_signal_terminates (int sig)
{
  switch (sig)
    {
    case SIGCHLD:
    case SIGCONT:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
    case SIGURG:
    case SIGWINCH:
      return false;
    default:
      return (sig >= 1 && sig < 32) || (sig >= SIGRTMIN && sig <= SIGRTMAX);
    }
}

void
hy_exit_like (int status)
{
  if (WIFSIGNALED (status))
    {
      int sig = WTERMSIG (status);
      sigset_t all;

      if (hy_signal_terminates (sig))
        {
          /* no core file of ours for the workload's crash */
          prctl (PR_SET_DUMPABLE, 0);
          signal (sig, SIG_DFL);
          sigfillset (&all);
          sigdelset (&all, sig);
          sigprocmask (SIG_SETMASK, &all, NULL);
          raise (sig);
        }
      _exit (128 + sig);
    }
  _exit (WIFEXITED (status) ? WEXITSTATUS (status) : 255);
}

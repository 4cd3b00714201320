/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hy_exit_like, which the VMM and the exec proxy end with: a terminating
 * signal is re-raised, a guest-made-up "killed by SIGSTOP" (or SIGCHLD, or
 * no signal at all) exits 128+N and never leaves the process stopped. */
#include "common/exit_like.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child ends like `status`; its wait status, stops included. */
static int
ended_like (int status)
{
  int st;
  pid_t pid = fork ();

  if (pid < 0)
    abort ();
  if (pid == 0)
    hy_exit_like (status);
  while (waitpid (pid, &st, WUNTRACED) < 0 && errno == EINTR)
    ;
  if (WIFSTOPPED (st))
    {
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
    }
  return st;
}

/* the wait status of a process killed by sig */
#define KILLED_BY(sig) (sig)

int
main (void)
{
  int st;

  tap_plan (7);
  st = ended_like (3 << 8);
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 3, "exit 3 exits 3 (%#x)", st);
  st = ended_like (KILLED_BY (SIGTERM));
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGTERM, "SIGTERM is re-raised (%#x)", st);
  st = ended_like (KILLED_BY (SIGRTMIN + 2));
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGRTMIN + 2, "a real-time signal too (%#x)", st);
  st = ended_like (KILLED_BY (SIGSTOP));
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 128 + SIGSTOP,
          "\"killed by SIGSTOP\" exits 147, not stopped (%#x)", st);
  st = ended_like (KILLED_BY (SIGTSTP));
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 128 + SIGTSTP, "SIGTSTP likewise (%#x)", st);
  st = ended_like (KILLED_BY (SIGCHLD));
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 128 + SIGCHLD,
          "\"killed by SIGCHLD\" (ignored by default) exits 145 (%#x)", st);
  st = ended_like (KILLED_BY (100));
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == (128 + 100) % 256, "no such signal: 228 (%#x)", st);
  return tap_done ();
}

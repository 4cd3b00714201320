/* SPDX-License-Identifier: GPL-2.0-or-later */
/* subreaper: stand in for containerd's shim around a detached `hyrun exec`.
 *
 *   subreaper [-k SIG] PIDFILE CMD...
 *
 * Becomes a child subreaper, runs CMD (hyrun exec --detach --pid-file
 * PIDFILE ...) and waits for it; then reads the pid in PIDFILE, which must
 * be a live process that reparented to us, prints "proxy: PID COMM", with
 * -k sends it SIG one second later, reaps it and prints "status: exit N" or
 * "status: signal N" and how long it lived after CMD returned. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  int sig = 0, status, opt;
  char comm[64] = "?", path[64];
  FILE *f;
  pid_t cmd, proxy = 0;
  double t0;

  while ((opt = getopt (argc, argv, "+k:")) != -1)
    if (opt == 'k')
      sig = atoi (optarg);
    else
      return 2;
  if (argc - optind < 2)
    {
      fprintf (stderr, "usage: subreaper [-k SIG] PIDFILE CMD...\n");
      return 2;
    }
  prctl (PR_SET_CHILD_SUBREAPER, 1);
  cmd = fork ();
  if (cmd == 0)
    {
      execvp (argv[optind + 1], argv + optind + 1);
      _exit (127);
    }
  while (waitpid (cmd, &status, 0) < 0 && errno == EINTR)
    ;
  t0 = now ();
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    {
      printf ("command failed: status %#x\n", status);
      return 1;
    }
  f = fopen (argv[optind], "r");
  if (f == NULL || fscanf (f, "%d", &proxy) != 1 || proxy <= 0)
    {
      printf ("no pid in %s\n", argv[optind]);
      return 1;
    }
  fclose (f);
  snprintf (path, sizeof (path), "/proc/%d/comm", proxy);
  if ((f = fopen (path, "r")) && fgets (comm, sizeof (comm), f))
    comm[strcspn (comm, "\n")] = '\0';
  if (f)
    fclose (f);
  printf ("proxy: %d %s\n", proxy, comm);
  fflush (stdout);
  if (sig)
    {
      sleep (1);
      kill (proxy, sig);
    }
  if (waitpid (proxy, &status, 0) != proxy)
    {
      printf ("pid %d is not ours to reap: %s\n", proxy, strerror (errno));
      return 1;
    }
  if (WIFEXITED (status))
    printf ("status: exit %d\n", WEXITSTATUS (status));
  else if (WIFSIGNALED (status))
    printf ("status: signal %d\n", WTERMSIG (status));
  printf ("lived: %.1f s\n", now () - t0);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-boot-run: one measured VM boot for contrib/bench/vm-boot.
 *
 *   vm-boot-run MARKER GUEST_MIB CMD [ARGS...]
 *
 * Starts CMD (a VMM) with its stdout on a pipe and watches it until it
 * exits: the time from just before exec to the first stdout line holding
 * MARKER, the KVM exit counters of its VM (L1's or the host's debugfs,
 * /sys/kernel/debug/kvm/<pid>-<fd>/{exits,io_exits,...}, sampled every 5 ms while
 * the VM lives: the folder goes with the VM; a finer period would take CPU
 * from the VMM in a one-vCPU L1), the CPU time its threads had
 * used when its VM first showed an exit (host-side setup, plus up to one
 * sampling period of the guest running: schedstat), its
 * RSS outside mappings of at least GUEST_MIB (the guest RAM) when the
 * marker arrived, and its peak RSS and CPU time from wait4.  Prints one
 * line of key=value; CMD's stderr goes to ours. */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Counters of pid's VM in debugfs (a sample while the folder exists). */
static const char *const counters[]
    = { "exits",    "io_exits", "mmio_exits", "halt_exits",    "irq_exits", "irq_window_exits",
        "pf_taken", "pf_fixed", "hypercalls", "insn_emulation" };
#define N_COUNTERS (sizeof (counters) / sizeof (counters[0]))

/* Reads pid's VM's counters into v (the largest seen so far stays);
 * returns the exits counter, -1 while the VM has no folder. */
static long long
vm_counters (pid_t pid, long long *v)
{
  char prefix[32], path[600];
  struct dirent *e;
  long long x, exits = -1;
  DIR *d = opendir ("/sys/kernel/debug/kvm");

  snprintf (prefix, sizeof (prefix), "%d-", (int)pid);
  while (d && (e = readdir (d)) != NULL)
    if (strncmp (e->d_name, prefix, strlen (prefix)) == 0)
      for (size_t i = 0; i < N_COUNTERS; i++)
        {
          FILE *f;
          snprintf (path, sizeof (path), "/sys/kernel/debug/kvm/%s/%s", e->d_name, counters[i]);
          if ((f = fopen (path, "r")) == NULL)
            continue;
          if (fscanf (f, "%lld", &x) == 1)
            {
              if (x > v[i])
                v[i] = x;
              if (i == 0)
                exits = x;
            }
          fclose (f);
        }
  if (d)
    closedir (d);
  return exits;
}

/* CPU time of all of pid's threads so far, in ms (schedstat: ns on CPU). */
static double
cpu_ms (pid_t pid)
{
  char path[300];
  struct dirent *e;
  unsigned long long sum = 0, ns;
  DIR *d;

  snprintf (path, sizeof (path), "/proc/%d/task", (int)pid);
  if ((d = opendir (path)) == NULL)
    return -1;
  while ((e = readdir (d)) != NULL)
    {
      FILE *f;
      if (e->d_name[0] == '.')
        continue;
      snprintf (path, sizeof (path), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
      if ((f = fopen (path, "r")) != NULL)
        {
          if (fscanf (f, "%llu", &ns) == 1)
            sum += ns;
          fclose (f);
        }
    }
  closedir (d);
  return (double)sum / 1e6;
}

/* RSS (KiB) of pid's mappings smaller than guest_kib: the VMM without the
 * guest RAM it touched. */
static long
rss_outside_guest (pid_t pid, long guest_kib)
{
  char path[64], line[512];
  long size = 0, rss, total = 0;
  unsigned long lo, hi;
  FILE *f;

  snprintf (path, sizeof (path), "/proc/%d/smaps", (int)pid);
  if ((f = fopen (path, "r")) == NULL)
    return -1;
  while (fgets (line, sizeof (line), f))
    {
      if (sscanf (line, "%lx-%lx ", &lo, &hi) == 2)
        size = (long)((hi - lo) / 1024);
      else if (sscanf (line, "Rss: %ld kB", &rss) == 1 && size < guest_kib)
        total += rss;
    }
  fclose (f);
  return total;
}

int
main (int argc, char **argv)
{
  double t0, t_marker = -1, setup_cpu = -1;
  long long cnt[N_COUNTERS], e;
  long rss_vmm = -1, guest_kib;
  char buf[4096], line[8192];
  size_t len = 0;
  struct rusage ru;
  int p[2], status;
  pid_t pid;

  if (argc < 4)
    {
      fprintf (stderr, "usage: vm-boot-run MARKER GUEST_MIB CMD [ARGS...]\n");
      return 2;
    }
  guest_kib = atol (argv[2]) * 1024;
  for (size_t i = 0; i < N_COUNTERS; i++)
    cnt[i] = -1;
  if (pipe (p) < 0)
    return 1;
  t0 = now_ms ();
  if ((pid = fork ()) == 0)
    {
      dup2 (p[1], STDOUT_FILENO);
      close (p[0]);
      close (p[1]);
      execvp (argv[3], argv + 3);
      perror (argv[3]);
      _exit (127);
    }
  close (p[1]);
  for (;;)
    {
      struct pollfd pf = { p[0], POLLIN, 0 };
      ssize_t n;

      e = vm_counters (pid, cnt);
      if (setup_cpu < 0 && e > 0)
        setup_cpu = cpu_ms (pid);
      if (poll (&pf, 1, 5) <= 0)
        continue;
      if ((n = read (p[0], buf, sizeof (buf))) <= 0)
        break;
      /* lines, for the marker; the output itself is not kept */
      for (ssize_t i = 0; i < n; i++)
        {
          if (buf[i] != '\n' && len < sizeof (line) - 1)
            {
              line[len++] = buf[i];
              continue;
            }
          line[len] = 0;
          len = 0;
          if (t_marker < 0 && strstr (line, argv[1]))
            {
              t_marker = now_ms () - t0;
              rss_vmm = rss_outside_guest (pid, guest_kib);
            }
        }
    }
  /* the VM may outlive stdout's end by a little */
  while (waitpid (pid, &status, WNOHANG) == 0)
    {
      vm_counters (pid, cnt);
      usleep (1000);
    }
  getrusage (RUSAGE_CHILDREN, &ru);
  printf ("boot_ms=%.1f total_ms=%.1f", t_marker, now_ms () - t0);
  for (size_t i = 0; i < N_COUNTERS; i++)
    printf (" %s=%lld", counters[i], cnt[i]);
  printf (" setup_cpu_ms=%.2f cpu_ms=%.1f rss_vmm_kib=%ld maxrss_kib=%ld status=%d\n", setup_cpu,
          (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
              + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3,
          rss_vmm, ru.ru_maxrss,
          WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status));
  return t_marker < 0;
}

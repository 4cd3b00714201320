/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vm-setup: the VMM's host-side setup work that needs no KVM, timed
 * natively on any host (this project's machines have no KVM that boots
 * Linux, and in the nested test VM every instruction is emulated):
 *
 *   vm-setup [-n N] [-m MIB] VMLINUX [AGENT]
 *
 * Each round, in a fresh child so page faults and allocations count as
 * they do in a fresh VMM: map guest RAM as the VMM does, load the kernel
 * (boot protocol, e820, command line) and the initramfs holding AGENT
 * (when given, written in place as the VMM does), write the MP table.  Prints the median and the
 * range of each phase's process CPU time and of the whole, in ms.  KVM's
 * own work (VM, irqchip, memory slots, vCPUs) is not in it: vm-boot's
 * "of it creating the VM" row has that. */
#include "common/error.h"
#include "kvm-shim/vmm/boot.h"
#include "kvm-shim/vmm/machine.h"
#include "kvm-shim/vmm/mem.h"
#include "kvm-shim/vmm/mptable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum
{
  PH_RAM,
  PH_INITRAMFS,
  PH_KERNEL,
  PH_MPTABLE,
  PH_N
};
static const char *const phase_names[PH_N]
    = { "map guest RAM", "size the initramfs", "kernel + initramfs", "MP table" };

static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One round; the phase times go to fd. */
static int
one_round (const char *kernel, const char *agent, unsigned mib, int fd)
{
  hy_error_t err = NULL;
  double t[PH_N + 1];
  struct vmm_boot_config b = { .kernel = kernel, .cmdline = "console=hvc0 quiet" };
  struct vmm_boot_info info;
  struct vmm_mem *mem;

  t[0] = cpu_ms ();
  mem = vmm_mem_create ((uint64_t)mib << 20, false, &err);
  if (mem == NULL)
    goto fail;
  t[1] = cpu_ms ();
  if (agent && vmm_machine_initramfs (&b, agent, &err) < 0)
    goto fail;
  t[2] = cpu_ms ();
  if (vmm_boot_linux (mem, &b, &info, &err) < 0)
    goto fail;
  t[3] = cpu_ms ();
  if (vmm_mptable_write (mem, 1, NULL, 0, &err) < 0)
    goto fail;
  t[4] = cpu_ms ();
  if (write (fd, t, sizeof (t)) != (ssize_t)sizeof (t))
    return 1;
  return 0;
fail:
  fprintf (stderr, "vm-setup: %s\n", err ? err->msg : "failed");
  return 1;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void
row (const char *name, double *v, int n)
{
  qsort (v, (size_t)n, sizeof (*v), cmp);
  printf ("%-22s %8.3f  (%.3f..%.3f)\n", name, n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2,
          v[0], v[n - 1]);
}

int
main (int argc, char **argv)
{
  unsigned mib = 128;
  int n = 21, o, i, p;

  while ((o = getopt (argc, argv, "n:m:")) != -1)
    if (o == 'n')
      n = atoi (optarg);
    else if (o == 'm')
      mib = (unsigned)atoi (optarg);
    else
      return 2;
  if (optind >= argc || n < 1 || n > 1000)
    {
      fprintf (stderr, "usage: vm-setup [-n N] [-m MIB] VMLINUX [AGENT]\n");
      return 2;
    }
  {
    double *ph[PH_N + 1];
    for (p = 0; p <= PH_N; p++)
      ph[p] = calloc ((size_t)n, sizeof (double));
    for (i = 0; i < n; i++)
      {
        int fds[2], st;
        double t[PH_N + 1];
        pid_t pid;

        if (pipe (fds) < 0 || (pid = fork ()) < 0)
          return 1;
        if (pid == 0)
          _exit (one_round (argv[optind], argv[optind + 1], mib, fds[1]));
        close (fds[1]);
        if (read (fds[0], t, sizeof (t)) != (ssize_t)sizeof (t) || waitpid (pid, &st, 0) < 0
            || st != 0)
          return 1;
        close (fds[0]);
        for (p = 0; p < PH_N; p++)
          ph[p][i] = t[p + 1] - t[p];
        ph[PH_N][i] = t[PH_N] - t[0];
      }
    printf ("host-side setup without KVM, native, %d rounds, %u MiB, process CPU ms:\n", n, mib);
    printf ("%-22s %8s  %s\n", "phase", "median", "(min..max)");
    for (p = 0; p < PH_N; p++)
      row (phase_names[p], ph[p], n);
    row ("all", ph[PH_N], n);
    for (p = 0; p <= PH_N; p++)
      free (ph[p]);
  }
  return 0;
}

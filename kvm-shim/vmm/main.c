/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun-vmm: the VMM on its own, without the runtime or the agent's
 * protocol, for benchmarks and for booting a guest by hand:
 *
 *   hyrun-vmm --kernel VMLINUX [--initrd CPIO | --agent BIN] [--share DIR]
 *             [--mem MIB] [--cpus N] [--cmdline TEXT] [--console] [--debug]
 *             [--vfio /dev/vfio/N:PCI-ADDRESS]
 *
 * The guest's stdio ports (hyrun.stdin/stdout/stderr) are this process's
 * stdio; --console puts the kernel's log (ttyS0) on stderr.  It runs until
 * the guest powers off or reboots, then prints the boot figures with
 * --debug: host-side setup time, VM exits by reason. */
#include "common/log.h"
#include "kvm-shim/vmm/machine.h"

#include <getopt.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static void
usage (FILE *f)
{
  fprintf (f, "usage: hyrun-vmm --kernel VMLINUX [--initrd CPIO | --agent BIN] [--share DIR]\n"
              "                 [--mem MIB] [--cpus N] [--cmdline TEXT] [--console] [--debug]\n"
              "                 [--vfio /dev/vfio/N:PCI-ADDRESS]\n");
}

static void
report (struct vmm_machine *m, int stop)
{
  const struct vmm_machine_times *t = vmm_machine_times (m);
  struct vmm_exit_stats st;
  struct rusage ru;

  vmm_machine_exit_stats (m, &st);
  getrusage (RUSAGE_SELF, &ru);
  fprintf (stderr,
           "hyrun-vmm: stop=%s setup_ms=%.2f (vm %.2f) setup_cpu_ms=%.2f (vm %.2f) "
           "vcpus_cpu_ms=%.2f exits=%llu "
           "io=%llu mmio=%llu hlt=%llu shutdown=%llu maxrss_kib=%ld\n",
           stop >= 0 ? vmm_stop_name ((enum vmm_stop)stop) : "error",
           (double)(t->kernel_loaded - t->start) / 1e6, (double)(t->vm_created - t->start) / 1e6,
           (double)(t->cpu_kernel_loaded - t->cpu_start) / 1e6,
           (double)(t->cpu_vm_created - t->cpu_start) / 1e6, (double)t->cpu_vcpus / 1e6,
           (unsigned long long)st.total, (unsigned long long)st.by_reason[KVM_EXIT_IO],
           (unsigned long long)st.by_reason[KVM_EXIT_MMIO],
           (unsigned long long)st.by_reason[KVM_EXIT_HLT],
           (unsigned long long)st.by_reason[KVM_EXIT_SHUTDOWN], ru.ru_maxrss);
  {
    char *p9 = vmm_machine_p9_counts (m, false);
    if (p9)
      fprintf (stderr, "hyrun-vmm: 9P (--share): %s\n", p9);
    free (p9);
  }
}

int
main (int argc, char **argv)
{
  static const struct option opts[]
      = { { "kernel", required_argument, NULL, 'k' },  { "initrd", required_argument, NULL, 'i' },
          { "agent", required_argument, NULL, 'a' },   { "share", required_argument, NULL, 's' },
          { "mem", required_argument, NULL, 'm' },     { "cpus", required_argument, NULL, 'c' },
          { "cmdline", required_argument, NULL, 'l' }, { "console", no_argument, NULL, 'C' },
          { "debug", no_argument, NULL, 'd' },         { "vfio", required_argument, NULL, 'v' },
          { "help", no_argument, NULL, 'h' },          { NULL, 0, NULL, 0 } };
  struct vmm_machine_config cfg = { .mem_mib = 128,
                                    .vcpus = 1,
                                    .console_fd = STDERR_FILENO,
                                    .ctl_fd = -1,
                                    .stdin_fd = STDIN_FILENO,
                                    .stdout_fd = STDOUT_FILENO,
                                    .stderr_fd = STDERR_FILENO };
  hy_error_t err = NULL;
  struct vmm_machine *m;
  bool debug = false;
  /* --vfio: one group with one device, assigned on the guest's PCI bus */
  static const char *vfio_dev[1];
  struct vmm_vfio_group vfio = { .devices = vfio_dev, .n_devices = 1 };
  char *colon;
  sigset_t stop_sigs;
  int c, stop;

  while ((c = getopt_long (argc, argv, "", opts, NULL)) != -1)
    switch (c)
      {
      case 'k':
        cfg.kernel = optarg;
        break;
      case 'i':
        cfg.initrd = optarg;
        break;
      case 'a':
        cfg.agent = optarg;
        break;
      case 's':
        cfg.share = optarg;
        break;
      case 'm':
        cfg.mem_mib = strtoull (optarg, NULL, 10);
        break;
      case 'c':
        cfg.vcpus = (unsigned)strtoul (optarg, NULL, 10);
        break;
      case 'l':
        cfg.cmdline = optarg;
        break;
      case 'C':
        cfg.console = true;
        break;
      case 'd':
        debug = true;
        break;
      case 'v':
        colon = strchr (optarg, ':');
        if (colon == NULL)
          {
            usage (stderr);
            return 2;
          }
        *colon = 0;
        vfio.path = optarg;
        vfio_dev[0] = colon + 1;
        cfg.vfio = &vfio;
        cfg.n_vfio = 1;
        break;
      case 'h':
        usage (stdout);
        return 0;
      default:
        usage (stderr);
        return 2;
      }
  if (cfg.kernel == NULL || optind != argc || (cfg.initrd && cfg.agent))
    {
      usage (stderr);
      return 2;
    }
  hy_log_init (NULL, HY_LOG_TEXT, debug);
  /* SIGINT/SIGTERM stop the guest and still print the figures. */
  sigemptyset (&stop_sigs);
  sigaddset (&stop_sigs, SIGINT);
  sigaddset (&stop_sigs, SIGTERM);
  sigprocmask (SIG_BLOCK, &stop_sigs, NULL);
  signal (SIGPIPE, SIG_IGN);
  m = vmm_machine_create (&cfg, &err);
  if (m == NULL || vmm_machine_start (m, &err) < 0)
    goto fail;
  {
    struct pollfd p[2] = { { vmm_machine_stopped_fd (m), POLLIN, 0 },
                           { signalfd (-1, &stop_sigs, SFD_CLOEXEC), POLLIN, 0 } };
    while (poll (p, 2, -1) < 0)
      ;
  }
  stop = vmm_machine_stop (m, &err);
  if (debug)
    report (m, stop);
  vmm_machine_destroy (m);
  if (stop < 0)
    goto fail_noclean;
  return 0;
fail:
  vmm_machine_destroy (m);
fail_noclean:
  fprintf (stderr, "hyrun-vmm: %s\n", err ? err->msg : "unknown error");
  hy_error_free (&err);
  return 1;
}

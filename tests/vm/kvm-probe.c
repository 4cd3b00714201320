/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kvm-probe: does this /dev/kvm run a guest instruction at all?  A
 * three-instruction real-mode guest (out to port 0x80, hlt) must exit to
 * us within a few seconds.  run-nested.sh runs it first in every L1 boot:
 * some L1 boots run no L2 instruction (KVM_RUN never returns), and a boot
 * like that is retried instead of failing every VM-mode case.
 *
 *   kvm-probe [SECONDS]   exit 0: the guest ran; 3: KVM_RUN did not
 *                         return in time (the flake); 1: setup failed */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static void
on_alarm (int sig)
{
  (void)sig; /* only interrupts KVM_RUN */
}

/* What L1's KVM counted for this VM (debugfs, when mounted): tells a guest
 * that never entered (no exits at all) from one that loops inside KVM
 * (exits that never reach userspace, e.g. nested page faults). */
static void
dump_stats (int vm)
{
  char dir[128], path[512], val[64];
  static const char *const names[] = { "exits",
                                       "io_exits",
                                       "mmio_exits",
                                       "halt_exits",
                                       "irq_exits",
                                       "pf_taken",
                                       "pf_guest",
                                       "signal_exits",
                                       "request_irq_exits",
                                       "nmi_window_exits",
                                       "irq_window_exits",
                                       "host_state_reload",
                                       "fpu_reload",
                                       "insn_emulation",
                                       "tlb_flush",
                                       "hypercalls" };

  snprintf (dir, sizeof (dir), "/sys/kernel/debug/kvm/%d-%d", (int)getpid (), vm);
  for (size_t i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    {
      FILE *f;
      snprintf (path, sizeof (path), "%s/%s", dir, names[i]);
      if ((f = fopen (path, "r")) == NULL)
        continue;
      if (fgets (val, sizeof (val), f))
        printf ("kvm-probe: %s %s", names[i], val);
      fclose (f);
    }
}

static int
fail (const char *what)
{
  fprintf (stderr, "kvm-probe: %s: %s\n", what, strerror (errno));
  return 1;
}

int
main (int argc, char **argv)
{
  static const unsigned char code[]
      = { 0xb0, 0x42, 0xe6, 0x80, 0xf4 };           /* mov al,0x42; out 0x80,al; hlt */
  struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
  unsigned seconds = argc > 1 ? (unsigned)atoi (argv[1]) : 10;
  int kvm, vm, cpu, exits = 0;
  struct kvm_sregs sregs;
  struct kvm_regs regs = { .rip = 0, .rflags = 2 };
  struct kvm_run *run;
  unsigned char *mem;
  long run_size;

  if ((kvm = open ("/dev/kvm", O_RDWR | O_CLOEXEC)) < 0)
    return fail ("/dev/kvm");
  if ((vm = ioctl (kvm, KVM_CREATE_VM, 0)) < 0)
    return fail ("KVM_CREATE_VM");
  mem = mmap (NULL, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED)
    return fail ("mmap");
  memcpy (mem, code, sizeof (code));
  struct kvm_userspace_memory_region r = {
    .slot = 0, .guest_phys_addr = 0, .memory_size = 0x1000, .userspace_addr = (unsigned long)mem
  };
  if (ioctl (vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
    return fail ("KVM_SET_USER_MEMORY_REGION");
  if ((cpu = ioctl (vm, KVM_CREATE_VCPU, 0)) < 0)
    return fail ("KVM_CREATE_VCPU");
  run_size = ioctl (kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  run = mmap (NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
  if (run == MAP_FAILED)
    return fail ("mmap kvm_run");
  if (ioctl (cpu, KVM_GET_SREGS, &sregs) < 0)
    return fail ("KVM_GET_SREGS");
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  if (ioctl (cpu, KVM_SET_SREGS, &sregs) < 0 || ioctl (cpu, KVM_SET_REGS, &regs) < 0)
    return fail ("KVM_SET_SREGS/REGS");
  sigaction (SIGALRM, &sa, NULL);
  alarm (seconds);
  for (;;)
    {
      if (ioctl (cpu, KVM_RUN, 0) < 0)
        {
          if (errno != EINTR)
            return fail ("KVM_RUN");
          printf ("kvm-probe: KVM_RUN did not return in %u s, %d exits: no guest instruction ran\n",
                  seconds, exits);
          dump_stats (vm);
          return 3;
        }
      exits++;
      if (run->exit_reason == KVM_EXIT_HLT)
        break;
      if (run->exit_reason != KVM_EXIT_IO)
        {
          printf ("kvm-probe: unexpected exit reason %u\n", run->exit_reason);
          return 1;
        }
    }
  printf ("kvm-probe: ok, the guest ran (%d exits)\n", exits);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A bare-metal 64-bit guest on a real /dev/kvm finds the virtio-mmio
 * console, negotiates it and sends a string through its transmit queue
 * (tests/unit/guests/virtio_console_long.S): checks the bytes reach the
 * port's fd, the exit code (the device status the guest read back) and
 * the MMIO exit count.  Then a hostile guest (virtio_hostile_long.S) hands
 * the device a descriptor loop, an address outside its RAM and a 4 GiB
 * length: each is refused (DEVICE_NEEDS_RESET), the VMM's memory does not
 * grow with them, and after a reset the device serves it again.  Skips
 * (exit 77) when /dev/kvm is absent; `make check-vmm-l1` runs it inside a
 * nested VM. */
#include "kvm-shim/devices/debug_exit.h"
#include "kvm-shim/devices/virtio_console.h"
#include "kvm-shim/vmm/entry.h"
#include "kvm-shim/vmm/layout.h"
#include "kvm-shim/vmm/vcpu.h"
#include "kvm-shim/vmm/vm.h"
#include "common/cleanup.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef GUEST_DIR
#error GUEST_DIR must name the folder of the assembled test guests
#endif

#define N_TESTS 8
#define GUEST_RAM (4 << 20)
#define LOAD_ADDR 0x100000
#define WATCHDOG_SECONDS 10
#define MESSAGE "hello from a virtio guest\n"

struct outcome
{
  int stop;
  int code;
  char out[128];
  struct vmm_exit_stats stats;
};

static int
load_guest (struct vmm_mem *mem, const char *path, hy_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  uint8_t buf[4096];
  ssize_t n;

  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  n = read (fd, buf, sizeof (buf));
  if (n <= 0)
    return hy_error_set (err, errno, "read `%s`", path);
  return vmm_mem_write (mem, LOAD_ADDR, buf, (uint64_t)n, err);
}

/* The VM, the exit port, the console in slot 0 with port 0 writing to a
 * pipe, one vCPU; run to the stop. */
static int
run_guest (const char *path, struct outcome *o, hy_error_t *err)
{
  struct vmm_vm_config cfg = { .ram_size = GUEST_RAM, .irqchip = true };
  cleanup_vmm_vm struct vmm_vm *vm = NULL;
  cleanup_vmm_bus struct vmm_bus *bus = vmm_bus_create ();
  cleanup_vmm_vcpu struct vmm_vcpu *vcpu = NULL;
  struct vmm_cpu_entry entry = { .mode = VMM_CPU_LONG64, .ip = LOAD_ADDR };
  struct virtio_console *con = NULL;
  struct virtio_mmio_params p;
  int pipefd[2];
  ssize_t n;

  memset (o, 0, sizeof (*o));
  o->stop = -1;
  if (pipe2 (pipefd, O_NONBLOCK | O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "pipe");
  vm = vmm_vm_create (&cfg, err);
  if (vm == NULL)
    goto out;
  p = (struct virtio_mmio_params){
    .bus = bus, .vm = vm, .base = virtio_mmio_slot_base (0), .irq = virtio_mmio_slot_irq (0)
  };
  con = virtio_console_create (&p, NULL, err);
  if (con == NULL || virtio_console_add_port (con, NULL, err) < 0
      || virtio_console_port_bind_fds (con, 0, -1, pipefd[1], err) < 0
      || vmm_debug_exit_create (bus, vm, VMM_PORT_DEBUG_EXIT, err) < 0
      || load_guest (vm->mem, path, err) < 0)
    goto out;
  vcpu = vmm_vcpu_create (vm, 0, err);
  if (vcpu == NULL || vmm_vcpu_set_entry (vcpu, &entry, err) < 0)
    goto out;
  alarm (WATCHDOG_SECONDS);
  o->stop = vmm_vcpu_run (vcpu, bus, err);
  alarm (0);
  o->code = vm->stop_code;
  o->stats = vcpu->stats;
out:
  n = read (pipefd[0], o->out, sizeof (o->out) - 1);
  o->out[n > 0 ? n : 0] = '\0';
  /* vCPU before device before VM: the cleanups run after this. */
  vmm_vcpu_destroy (vcpu);
  vcpu = NULL;
  virtio_console_destroy (con);
  close (pipefd[0]);
  close (pipefd[1]);
  return *err ? -1 : 0;
}

/* VmRSS of this process, KiB. */
static long
rss_kib (void)
{
  char line[128];
  long kib = 0;
  FILE *f = fopen ("/proc/self/status", "r");

  while (f && fgets (line, sizeof (line), f))
    if (sscanf (line, "VmRSS: %ld", &kib) == 1)
      break;
  if (f)
    fclose (f);
  return kib;
}

static void
on_alarm (int sig)
{
  /* Only here so KVM_RUN returns EINTR: a hung guest fails, not hangs. */
}

int
main (void)
{
  struct sigaction sa = { .sa_handler = on_alarm };
  cleanup_error hy_error_t err = NULL;
  struct outcome o;
  int i, r;

  tap_plan (N_TESTS);
  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    {
      char why[128];

      snprintf (why, sizeof (why), "/dev/kvm is not usable here (%s)", strerror (errno));
      for (i = 0; i < N_TESTS; i++)
        tap_skip (why, "a virtio guest on KVM");
      return 77; /* `make check-vmm-l1` runs it in a nested VM instead */
    }
  sigaction (SIGALRM, &sa, NULL);
  /* run first: the message reads err afterwards (arguments are evaluated
   * in no set order) */
  r = run_guest (GUEST_DIR "/virtio_console_long.bin", &o, &err);
  tap_ok (r == 0, "virtio guest: runs: %s", err ? err->msg : "ok");
  /* Same shape as test_vmm_guest's line: run-in-l1.sh spots the L1 flake
   * ("stop=interrupted code=0 exits=0 ") in it. */
  tap_diag ("virtio guest: stop=%s code=%d exits=%llu io=%llu mmio=%llu",
            o.stop >= 0 ? vmm_stop_name (o.stop) : "error", o.code,
            (unsigned long long)o.stats.total, (unsigned long long)o.stats.by_reason[KVM_EXIT_IO],
            (unsigned long long)o.stats.by_reason[KVM_EXIT_MMIO]);
  tap_ok (strcmp (o.out, MESSAGE) == 0, "virtio guest: its string reaches port 0's fd (got \"%s\")",
          o.out);
  tap_ok (o.stop == VMM_STOP_REQUESTED && o.code == 0x0f,
          "virtio guest: exits with the status it read back, DRIVER_OK (0x0f; got 0x%x)", o.code);
  tap_ok (o.stats.mmio_unhandled == 0 && o.stats.by_reason[KVM_EXIT_MMIO] >= 20,
          "virtio guest: every MMIO access reached the transport (%llu exits)",
          (unsigned long long)o.stats.by_reason[KVM_EXIT_MMIO]);
  hy_error_free (&err);
  {
    long before = rss_kib (), grown;
    r = run_guest (GUEST_DIR "/virtio_hostile_long.bin", &o, &err);
    grown = rss_kib () - before;
    tap_ok (r == 0 && o.stop == VMM_STOP_REQUESTED,
            "hostile guest: runs to its exit, the VMM with it: %s", err ? err->msg : "ok");
    tap_ok ((o.code & 0x17) == 0x17,
            "hostile guest: a descriptor loop, an address outside RAM and a 4 GiB length are each "
            "refused with DEVICE_NEEDS_RESET (exit 0x%x, 0x17 expected in it)",
            o.code);
    tap_ok (o.code == 0x1f && strcmp (o.out, "hello from a hostile guest\n") == 0,
            "hostile guest: after a reset its well-formed message goes through, once (got \"%s\")",
            o.out);
    tap_ok (grown < 8192, "hostile guest: the VMM's RSS grew by %ld KiB (bound 8 MiB)", grown);
  }
  return tap_done ();
}

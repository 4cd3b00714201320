/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Boot a real Linux kernel with the VMM's loaders: HYRUN_TEST_KERNEL (a
 * bzImage or a vmlinux) with an initramfs made by the cpio writer whose
 * /init (busybox sh, static) prints a marker on the console and reboots.
 * With reboot=t the kernel's reboot is a triple fault: KVM_EXIT_SHUTDOWN.
 * Skips (77) without /dev/kvm, without HYRUN_TEST_KERNEL, or without a
 * static busybox; `make check-vmm-l1` runs it in a nested VM. */
#include "kvm-shim/devices/rtc.h"
#include "kvm-shim/devices/serial.h"
#include "kvm-shim/vmm/boot.h"
#include "kvm-shim/vmm/cpio.h"
#include "kvm-shim/vmm/entry.h"
#include "kvm-shim/vmm/layout.h"
#include "kvm-shim/vmm/vcpu.h"
#include "kvm-shim/vmm/vm.h"
#include "common/cleanup.h"
#include "tests/unit/tap.h"

#include <elf.h>
#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define N_TESTS 4
#define GUEST_RAM (256ULL << 20)
#define MARKER "hyrun-guest-init-ran"
#define WATCHDOG_SECONDS 240
#define CMDLINE "console=ttyS0 reboot=t panic=-1 quiet"

static const char init_script[] = "#!/bin/busybox sh\n"
                                  "/bin/busybox echo " MARKER "\n"
                                  "/bin/busybox reboot -f\n";

static int
build_initramfs (struct vmm_cpio *c, const char *busybox, hy_error_t *err)
{
  if (vmm_cpio_add_dir (c, "bin", 0755, err) < 0 || vmm_cpio_add_dir (c, "dev", 0755, err) < 0
      || vmm_cpio_add_node (c, "dev/console", S_IFCHR | 0600, 5, 1, err) < 0
      || vmm_cpio_add_host_file (c, "bin/busybox", 0755, busybox, err) < 0
      || vmm_cpio_add_file (c, "init", 0755, init_script, strlen (init_script), err) < 0)
    return -1;
  return vmm_cpio_finish (c, err);
}

/* The console goes to a temp file the test reads afterwards. */
static int
boot (const char *kernel, struct vmm_cpio *initramfs, FILE *console, int *stop,
      struct vmm_exit_stats *stats, struct vmm_boot_info *info, hy_error_t *err)
{
  struct vmm_vm_config cfg = { .ram_size = GUEST_RAM, .irqchip = true };
  cleanup_vmm_vm struct vmm_vm *vm = vmm_vm_create (&cfg, err);
  cleanup_vmm_bus struct vmm_bus *bus = vmm_bus_create ();
  cleanup_vmm_vcpu struct vmm_vcpu *vcpu = NULL;
  struct vmm_boot_config boot = { .kernel = kernel,
                                  .cmdline = CMDLINE,
                                  .initrd_data = initramfs->buf,
                                  .initrd_size = initramfs->len };
  struct vmm_serial *serial;
  struct vmm_rtc *rtc = NULL;
  int ret = -1;

  if (vm == NULL)
    return -1;
  serial = vmm_serial_create (bus, vm, VMM_PORT_COM1, VMM_IRQ_COM1, fileno (console), err);
  if (serial == NULL)
    return -1;
  rtc = vmm_rtc_create (bus, err);
  if (rtc == NULL)
    goto out;
  if (vmm_boot_linux (vm->mem, &boot, info, err) < 0
      || (vcpu = vmm_vcpu_create (vm, 0, err)) == NULL
      || vmm_vcpu_set_entry (vcpu, &info->entry, err) < 0)
    goto out;
  alarm (WATCHDOG_SECONDS);
  *stop = vmm_vcpu_run (vcpu, bus, err);
  alarm (0);
  *stats = vcpu->stats;
  ret = *stop < 0 ? -1 : 0;
out:
  /* Devices go before the bus, in reverse order of creation. */
  vmm_rtc_destroy (rtc);
  vmm_serial_destroy (serial);
  return ret;
}

/* No PT_INTERP: the guest has no dynamic loader. */
static int
is_static_elf (const char *path)
{
  cleanup_file FILE *f = fopen (path, "re");
  Elf64_Ehdr eh;
  Elf64_Phdr ph;
  int i;

  if (f == NULL || fread (&eh, sizeof (eh), 1, f) != 1 || memcmp (eh.e_ident, ELFMAG, SELFMAG) != 0)
    return 0;
  for (i = 0; i < eh.e_phnum; i++)
    {
      if (fseek (f, (long)(eh.e_phoff + (uint64_t)i * sizeof (ph)), SEEK_SET) < 0
          || fread (&ph, sizeof (ph), 1, f) != 1)
        return 0;
      if (ph.p_type == PT_INTERP)
        return 0;
    }
  return 1;
}

static void
on_alarm (int sig)
{
}

static int
skip_all (const char *why)
{
  int i;

  for (i = 0; i < N_TESTS; i++)
    tap_skip (why, "boot Linux");
  return 77;
}

int
main (void)
{
  const char *kernel = getenv ("HYRUN_TEST_KERNEL");
  const char *busybox = getenv ("HYRUN_TEST_BUSYBOX");
  cleanup_error hy_error_t err = NULL;
  cleanup_vmm_cpio struct vmm_cpio *c = vmm_cpio_new ();
  struct sigaction sa = { .sa_handler = on_alarm };
  struct vmm_exit_stats stats = { 0 };
  struct vmm_boot_info info;
  struct timespec t0, t1;
  cleanup_file FILE *console = tmpfile ();
  char out[65536];
  size_t n;
  int stop = -1, r;

  tap_plan (N_TESTS);
  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    return skip_all ("/dev/kvm is not usable here");
  if (kernel == NULL)
    return skip_all ("HYRUN_TEST_KERNEL is not set");
  if (busybox == NULL)
    busybox = "/bin/busybox";
  if (!is_static_elf (busybox))
    return skip_all ("no static busybox (HYRUN_TEST_BUSYBOX)");
  r = build_initramfs (c, busybox, &err);
  tap_ok (r == 0, "initramfs of %zu bytes: %s", c->len, err ? err->msg : "ok");
  sigaction (SIGALRM, &sa, NULL);
  clock_gettime (CLOCK_MONOTONIC, &t0);
  r = boot (kernel, c, console, &stop, &stats, &info, &err);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  tap_ok (r == 0, "%s boots as %s: %s", kernel, vmm_kernel_format_name (info.format),
          err ? err->msg : "ok");
  rewind (console);
  n = fread (out, 1, sizeof (out) - 1, console);
  out[n] = '\0';
  tap_ok (strstr (out, MARKER) != NULL, "the guest's /init ran and its output reached the UART");
  tap_ok (stop == VMM_STOP_SHUTDOWN, "reboot -f with reboot=t ends in a shutdown exit (%s)",
          stop >= 0 ? vmm_stop_name (stop) : "error");
  tap_diag (
      "%.1f s (host wall clock, not meaningful nested), %llu exits: io %llu, mmio %llu, hlt %llu, "
      "unhandled port %llu, mmio %llu",
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
      (unsigned long long)stats.total, (unsigned long long)stats.by_reason[KVM_EXIT_IO],
      (unsigned long long)stats.by_reason[KVM_EXIT_MMIO],
      (unsigned long long)stats.by_reason[KVM_EXIT_HLT], (unsigned long long)stats.pio_unhandled,
      (unsigned long long)stats.mmio_unhandled);
  if (strstr (out, MARKER) == NULL)
    tap_diag ("console:\n%s", out);
  return tap_done ();
}

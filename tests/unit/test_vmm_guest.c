/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tiny bare-metal guests on a real /dev/kvm: each writes to the 8250 UART
 * and stops through the exit port (or HLT), in real mode, flat 32-bit mode
 * and 64-bit long mode.  Checks the guest's output, how it stopped and the
 * exit counts.  Skips (exit 77) when /dev/kvm is absent; `make check-vmm-l1`
 * then runs it inside a nested VM (tests/unit/guests/run-in-l1.sh). */
#include "kvm-shim/devices/debug_exit.h"
#include "kvm-shim/devices/serial.h"
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
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef GUEST_DIR
#error GUEST_DIR must name the folder of the assembled test guests
#endif

#define N_TESTS 22
#define GUEST_RAM (4 << 20)
#define TEST_MMIO_BASE VMM_MMIO_DEVICES_START
#define WATCHDOG_SECONDS 10 /* each guest needs milliseconds */

struct guest
{
  const char *bin;
  uint64_t load;
  enum vmm_cpu_mode mode;
  bool irqchip;
  bool exit_port;
  unsigned stall_ms; /* not 0: a guest that never stops, interrupted then */
};

struct outcome
{
  int stop;
  int code;
  char out[128];
  struct vmm_exit_stats stats;
  char where[512]; /* vmm_vcpu_describe after the run */
};

/* The MMIO test device: remembers a write, answers a read with it + 1. */
static int
echo_mmio (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  uint32_t *value = opaque, v = 0;

  if (a->is_write)
    {
      memcpy (&v, a->data, a->len < 4 ? a->len : 4);
      *value = v;
    }
  else
    {
      v = *value + 1;
      memset (a->data, 0, a->len);
      memcpy (a->data, &v, a->len < 4 ? a->len : 4);
    }
  return 0;
}

static int
load_guest (struct vmm_mem *mem, const struct guest *g, hy_error_t *err)
{
  cleanup_free char *path = NULL;
  cleanup_close int fd = -1;
  uint8_t buf[4096];
  ssize_t n;

  if (asprintf (&path, "%s/%s", GUEST_DIR, g->bin) < 0)
    abort ();
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  n = read (fd, buf, sizeof (buf));
  if (n <= 0)
    return hy_error_set (err, errno, "read `%s`", path);
  return vmm_mem_write (mem, g->load, buf, (uint64_t)n, err);
}

static void
read_output (int fd, struct outcome *o)
{
  ssize_t n = read (fd, o->out, sizeof (o->out) - 1);

  o->out[n > 0 ? n : 0] = '\0';
}

/* Build the VM, its devices and one vCPU; run to the stop; collect. */
static int
run_guest (const struct guest *g, struct outcome *o, hy_error_t *err)
{
  struct vmm_vm_config cfg = { .ram_size = GUEST_RAM, .irqchip = g->irqchip };
  cleanup_vmm_vm struct vmm_vm *vm = NULL;
  cleanup_vmm_bus struct vmm_bus *bus = vmm_bus_create ();
  cleanup_vmm_vcpu struct vmm_vcpu *vcpu = NULL;
  struct vmm_cpu_entry entry = { .mode = g->mode, .ip = g->load };
  struct vmm_serial *serial;
  uint32_t mmio_value = 0;
  int pipefd[2];

  memset (o, 0, sizeof (*o));
  if (pipe2 (pipefd, O_NONBLOCK | O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "pipe");
  vm = vmm_vm_create (&cfg, err);
  if (vm == NULL)
    goto out;
  serial = vmm_serial_create (bus, vm, VMM_PORT_COM1, VMM_IRQ_COM1, pipefd[1], err);
  if (serial == NULL)
    goto out;
  if ((g->exit_port && vmm_debug_exit_create (bus, vm, VMM_PORT_DEBUG_EXIT, err) < 0)
      || vmm_bus_register (bus, VMM_BUS_MMIO, TEST_MMIO_BASE, 0x1000, "echo", echo_mmio,
                           &mmio_value, err)
             < 0
      || load_guest (vm->mem, g, err) < 0)
    goto out_serial;
  vcpu = vmm_vcpu_create (vm, 0, err);
  if (vcpu == NULL || vmm_vcpu_set_entry (vcpu, &entry, err) < 0)
    goto out_serial;
  {
    struct itimerval t = { .it_value = { .tv_sec = g->stall_ms ? 0 : WATCHDOG_SECONDS,
                                         .tv_usec = (suseconds_t)g->stall_ms * 1000 } };
    setitimer (ITIMER_REAL, &t, NULL);
  }
  o->stop = vmm_vcpu_run (vcpu, bus, err);
  alarm (0);
  o->code = vm->stop_code;
  o->stats = vcpu->stats;
  vmm_vcpu_describe (vcpu, o->where, sizeof (o->where));
out_serial:
  vmm_serial_destroy (serial);
  read_output (pipefd[0], o);
out:
  close (pipefd[0]);
  close (pipefd[1]);
  return *err ? -1 : 0;
}

static void
report (const char *name, const struct outcome *o)
{
  tap_diag ("%s: stop=%s code=%d exits=%llu io=%llu mmio=%llu hlt=%llu pio_unhandled=%llu", name,
            o->stop >= 0 ? vmm_stop_name (o->stop) : "error", o->code,
            (unsigned long long)o->stats.total, (unsigned long long)o->stats.by_reason[KVM_EXIT_IO],
            (unsigned long long)o->stats.by_reason[KVM_EXIT_MMIO],
            (unsigned long long)o->stats.by_reason[KVM_EXIT_HLT],
            (unsigned long long)o->stats.pio_unhandled);
}

static void
test_real_mode (void)
{
  const struct guest g = { "hello_real.bin", 0x1000, VMM_CPU_REAL, true, true };
  cleanup_error hy_error_t err = NULL;
  struct outcome o;
  int r;

  r = run_guest (&g, &o, &err);
  tap_ok (r == 0, "real mode: the guest runs: %s", err ? err->msg : "ok");
  report ("real mode", &o);
  tap_ok (strcmp (o.out, "hello\n") == 0, "real mode: \"hello\\n\" reaches the serial fd");
  tap_ok (o.stop == VMM_STOP_REQUESTED && o.code == 42,
          "real mode: the exit port stops it with 42");
  tap_ok (o.stats.by_reason[KVM_EXIT_IO] == 7 && o.stats.pio_unhandled == 0,
          "real mode: 7 port exits (6 UART bytes, 1 exit port), none unhandled");
}

static void
test_real_mode_hlt (void)
{
  /* No irqchip: HLT leaves KVM.  No exit port: that OUT goes unclaimed. */
  const struct guest g = { "hello_real.bin", 0x1000, VMM_CPU_REAL, false, false };
  cleanup_error hy_error_t err = NULL;
  struct outcome o;
  int r;

  r = run_guest (&g, &o, &err);
  tap_ok (r == 0, "HLT: the guest runs: %s", err ? err->msg : "ok");
  report ("HLT", &o);
  tap_ok (strcmp (o.out, "hello\n") == 0, "HLT: the output is the same");
  tap_ok (o.stop == VMM_STOP_HLT && o.stats.by_reason[KVM_EXIT_HLT] == 1,
          "HLT: without an irqchip the run loop returns on HLT");
  tap_ok (o.stats.pio_unhandled == 1, "HLT: the OUT to the missing exit port is counted unhandled");
}

static void
test_flat32 (void)
{
  const struct guest g = { "hello_flat32.bin", 0x100000, VMM_CPU_FLAT32, true, true };
  cleanup_error hy_error_t err = NULL;
  struct outcome o;
  int r;

  r = run_guest (&g, &o, &err);
  tap_ok (r == 0, "flat32: the guest runs: %s", err ? err->msg : "ok");
  report ("flat32", &o);
  tap_ok (strcmp (o.out, "hello\n") == 0, "flat32: \"hello\\n\" reaches the serial fd");
  tap_ok (o.stop == VMM_STOP_REQUESTED && o.code == 32, "flat32: the exit port stops it with 32");
  tap_ok (o.stats.by_reason[KVM_EXIT_IO] == 7, "flat32: 7 port exits");
}

static void
test_long_mode (void)
{
  const struct guest g = { "hello_long.bin", 0x100000, VMM_CPU_LONG64, true, true };
  cleanup_error hy_error_t err = NULL;
  struct outcome o;
  int r;
  uint64_t io;

  r = run_guest (&g, &o, &err);
  tap_ok (r == 0, "long mode: the guest runs: %s", err ? err->msg : "ok");
  report ("long mode", &o);
  tap_ok (strncmp (o.out, "hello\n", 6) == 0, "long mode: \"hello\\n\" reaches the serial fd");
  tap_ok (strcmp (o.out + (o.out[0] ? 6 : 0), "KVMKVMKVM\n") == 0,
          "long mode: CPUID 0x40000000 gives KVM's signature (got \"%.9s\")",
          o.out[0] ? o.out + 6 : "");
  tap_ok (o.stop == VMM_STOP_REQUESTED && o.code == 0x35,
          "long mode: MMIO echo read back 0x1235, its low byte is the exit code (got %d)", o.code);
  tap_ok (o.stats.by_reason[KVM_EXIT_MMIO] == 2 && o.stats.mmio_unhandled == 0,
          "long mode: 2 MMIO exits (one write, one read)");
  tap_ok (o.stats.pio_unhandled == 0, "long mode: no port access went unclaimed");
  /* 6 single OUTs, 1 newline, 1 exit port, and REP OUTSB of 9 bytes which
   * KVM hands over in one exit (count 9) or, emulating, one per byte (seen
   * with kvm_amd nested under TCG). */
  io = o.stats.by_reason[KVM_EXIT_IO];
  tap_ok (io >= 9 && io <= 17, "long mode: %llu port exits, between 9 and 17",
          (unsigned long long)io);
}

/* A guest that halts with interrupts off under an in-kernel irqchip never
 * leaves KVM_RUN (what a guest stalled in boot looks like): interrupted,
 * the description says it halted, where, and its last port accesses. */
static void
test_describe_stalled (void)
{
  /* no exit port: its OUT goes unclaimed and the guest reaches its HLT */
  const struct guest g = { "hello_real.bin", 0x1000, VMM_CPU_REAL, true, false, 300 };
  cleanup_error hy_error_t err = NULL;
  struct outcome o;
  unsigned long long rip = 0;
  const char *at;
  int r;

  r = run_guest (&g, &o, &err);
  tap_diag ("stalled: %s", o.where);
  tap_ok (r == 0 && o.stop == VMM_STOP_INTERRUPTED,
          "stalled: the halted guest is interrupted by the timer: %s",
          err ? err->msg : vmm_stop_name (o.stop));
  at = strstr (o.where, " at rip 0x");
  if (at)
    rip = strtoull (at + 10, NULL, 16);
  tap_ok (strncmp (o.where, "vCPU 0 halted at rip ", 21) == 0 && rip > 0x1000 && rip < 0x1040
              && strstr (o.where, "(interrupts off)") != NULL,
          "stalled: described as halted, interrupts off, rip 0x%llx inside the guest", rip);
  tap_ok (strstr (o.where, "; last port I/O: out 0x3f8=0x68 out 0x3f8=0x65 out 0x3f8=0x6c "
                           "out 0x3f8=0x6c out 0x3f8=0x6f out 0x3f8=0xa out 0xf4=0x2a")
              != NULL,
          "stalled: its last port accesses, oldest first, the unclaimed exit port last");
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
  int i;

  tap_plan (N_TESTS);
  if (access ("/dev/kvm", R_OK | W_OK) < 0)
    {
      char why[128];

      snprintf (why, sizeof (why), "/dev/kvm is not usable here (%s)", strerror (errno));
      for (i = 0; i < N_TESTS; i++)
        tap_skip (why, "tiny guests on KVM");
      /* 77: automake's "skipped", so the summary does not count a pass.
       * `make check-vmm-l1` runs these tests in a nested VM instead. */
      return 77;
    }
  sigaction (SIGALRM, &sa, NULL);
  test_real_mode ();
  test_real_mode_hlt ();
  test_flat32 ();
  test_long_mode ();
  test_describe_stalled ();
  return tap_done ();
}

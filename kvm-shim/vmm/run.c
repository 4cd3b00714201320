/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The vCPU run loop: enter the guest, count the exit, hand port and MMIO
 * accesses to the bus, return when the guest halts, shuts down or a device
 * asks the VM to stop.  Every length and offset in kvm_run is checked
 * before use even though the kernel fills it. */
#include "kvm-shim/vmm/vcpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

static const char *
exit_name (uint32_t reason)
{
  switch (reason)
    {
    case KVM_EXIT_UNKNOWN:
      return "UNKNOWN";
    case KVM_EXIT_EXCEPTION:
      return "EXCEPTION";
    case KVM_EXIT_IO:
      return "IO";
    case KVM_EXIT_HLT:
      return "HLT";
    case KVM_EXIT_MMIO:
      return "MMIO";
    case KVM_EXIT_SHUTDOWN:
      return "SHUTDOWN";
    case KVM_EXIT_FAIL_ENTRY:
      return "FAIL_ENTRY";
    case KVM_EXIT_INTERNAL_ERROR:
      return "INTERNAL_ERROR";
    case KVM_EXIT_SYSTEM_EVENT:
      return "SYSTEM_EVENT";
    default:
      return "other";
    }
}

const char *
vmm_stop_name (enum vmm_stop stop)
{
  switch (stop)
    {
    case VMM_STOP_REQUESTED:
      return "stop requested";
    case VMM_STOP_HLT:
      return "halted";
    case VMM_STOP_SHUTDOWN:
      return "shutdown";
    case VMM_STOP_INTERRUPTED:
      return "interrupted";
    }
  return "?";
}

/* The guest rip, for error messages only. */
static unsigned long long
guest_rip (struct vmm_vcpu *vcpu)
{
  struct kvm_regs regs;

  if (ioctl (vcpu->fd, KVM_GET_REGS, &regs) < 0)
    return ~0ULL;
  return regs.rip;
}

/* An IN/OUT, possibly a string instruction (count > 1, all on one port):
 * the data lives in the kvm_run mapping at data_offset. */
static int
handle_io (struct vmm_vcpu *vcpu, const struct vmm_bus *bus, hy_error_t *err)
{
  struct kvm_run *run = vcpu->run;
  uint64_t run_size = (uint64_t)vcpu->vm->run_size;
  uint64_t bytes = (uint64_t)run->io.size * run->io.count;
  uint8_t *data;
  uint32_t i;

  if (run->io.size == 0 || run->io.size > 4 || run->io.data_offset > run_size
      || bytes > run_size - run->io.data_offset)
    return hy_error_set (err, 0, "KVM_EXIT_IO: bad size %u x %u at offset %llu", run->io.size,
                         run->io.count, (unsigned long long)run->io.data_offset);
  data = (uint8_t *)run + run->io.data_offset;
  {
    struct vmm_pio_rec *rec = &vcpu->pio[vcpu->stats.by_reason[KVM_EXIT_IO] % VMM_PIO_RING];
    rec->port = run->io.port;
    rec->out = run->io.direction == KVM_EXIT_IO_OUT;
    rec->size = run->io.size;
    rec->value = 0;
    if (rec->out)
      memcpy (&rec->value, data, run->io.size);
  }
  for (i = 0; i < run->io.count; i++)
    {
      int r = vmm_bus_dispatch (bus, VMM_BUS_PIO, run->io.port, data + (uint64_t)i * run->io.size,
                                run->io.size, run->io.direction == KVM_EXIT_IO_OUT, err);
      if (r < 0)
        return -1;
      if (r == 0)
        vcpu->stats.pio_unhandled++;
    }
  return 0;
}

static int
handle_mmio (struct vmm_vcpu *vcpu, const struct vmm_bus *bus, hy_error_t *err)
{
  struct kvm_run *run = vcpu->run;
  int r;

  if (run->mmio.len == 0 || run->mmio.len > sizeof (run->mmio.data))
    return hy_error_set (err, 0, "KVM_EXIT_MMIO: bad length %u", run->mmio.len);
  r = vmm_bus_dispatch (bus, VMM_BUS_MMIO, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
                        run->mmio.is_write, err);
  if (r < 0)
    return -1;
  if (r == 0)
    vcpu->stats.mmio_unhandled++;
  return 0;
}

void
vmm_vcpu_describe (struct vmm_vcpu *vcpu, char *buf, size_t len)
{
  static const char *const mp_names[]
      = { "runnable", "uninitialized", "init-received", "halted", "sipi-received",
          "stopped",  "check-stop",    "operating",     "load" };
  struct kvm_regs regs;
  struct kvm_sregs sregs;
  struct kvm_mp_state mp = { .mp_state = ~0u };
  uint64_t n_io = vcpu->stats.by_reason[KVM_EXIT_IO], k;
  size_t o = 0;

  if (ioctl (vcpu->fd, KVM_GET_REGS, &regs) < 0 || ioctl (vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
    {
      snprintf (buf, len, "vCPU %d: registers unreadable: %s", vcpu->id, strerror (errno));
      return;
    }
  if (ioctl (vcpu->fd, KVM_GET_MP_STATE, &mp) < 0)
    mp.mp_state = ~0u;
  o += (size_t)snprintf (buf, len,
                         "vCPU %d %s at rip 0x%llx rsp 0x%llx rflags 0x%llx (interrupts %s) "
                         "cr0 0x%llx; last port I/O:",
                         vcpu->id, mp.mp_state < 9 ? mp_names[mp.mp_state] : "(state unknown)",
                         (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
                         (unsigned long long)regs.rflags, (regs.rflags & 0x200) ? "on" : "off",
                         (unsigned long long)sregs.cr0);
  for (k = n_io > VMM_PIO_RING ? n_io - VMM_PIO_RING : 0; k < n_io && o < len; k++)
    {
      const struct vmm_pio_rec *rec = &vcpu->pio[(k + 1) % VMM_PIO_RING];
      if (rec->out)
        o += (size_t)snprintf (buf + o, len - o, " out 0x%x=0x%x", rec->port, rec->value);
      else
        o += (size_t)snprintf (buf + o, len - o, " in 0x%x", rec->port);
    }
  if (n_io == 0 && o < len)
    snprintf (buf + o, len - o, " none");
}

/* Stop the loop with `why`. */
static int
stop_with (enum vmm_stop *stop, enum vmm_stop why)
{
  *stop = why;
  return 1;
}

/* One exit: 0 to re-enter, 1 to return *stop, -1 on error. */
static int
handle_exit (struct vmm_vcpu *vcpu, const struct vmm_bus *bus, enum vmm_stop *stop, hy_error_t *err)
{
  struct kvm_run *run = vcpu->run;

  switch (run->exit_reason)
    {
    case KVM_EXIT_IO:
      return handle_io (vcpu, bus, err);
    case KVM_EXIT_MMIO:
      return handle_mmio (vcpu, bus, err);
    case KVM_EXIT_HLT:
      return stop_with (stop, VMM_STOP_HLT);
    case KVM_EXIT_SHUTDOWN:
      return stop_with (stop, VMM_STOP_SHUTDOWN);
    case KVM_EXIT_SYSTEM_EVENT:
      /* SHUTDOWN, RESET and CRASH all end this VM: a container VM is not
       * rebooted in place. */
      return stop_with (stop, VMM_STOP_SHUTDOWN);
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
      return 0;
    case KVM_EXIT_FAIL_ENTRY:
      return hy_error_set (err, 0, "KVM_EXIT_FAIL_ENTRY: hardware reason 0x%llx",
                           (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_INTERNAL_ERROR:
      return hy_error_set (err, 0, "KVM_EXIT_INTERNAL_ERROR: suberror %u at rip 0x%llx",
                           run->internal.suberror, guest_rip (vcpu));
    default:
      return hy_error_set (err, 0, "unhandled KVM exit %u (%s) at rip 0x%llx", run->exit_reason,
                           exit_name (run->exit_reason), guest_rip (vcpu));
    }
}

static void
count_exit (struct vmm_exit_stats *stats, uint32_t reason)
{
  stats->total++;
  stats->by_reason[reason < VMM_EXIT_REASONS ? reason : VMM_EXIT_REASONS - 1]++;
}

int
vmm_vcpu_run (struct vmm_vcpu *vcpu, const struct vmm_bus *bus, hy_error_t *err)
{
  enum vmm_stop stop = VMM_STOP_REQUESTED;

  for (;;)
    {
      int r;

      if (atomic_load (&vcpu->vm->stop))
        return VMM_STOP_REQUESTED;
      if (ioctl (vcpu->fd, KVM_RUN, 0) < 0)
        {
          /* A signal (pause, a stop from another thread) kicked us out; the
           * caller decides whether to re-enter and clears immediate_exit. */
          if (errno == EINTR || errno == EAGAIN)
            return atomic_load (&vcpu->vm->stop) ? VMM_STOP_REQUESTED : VMM_STOP_INTERRUPTED;
          return hy_error_set (err, errno, "vCPU %d: KVM_RUN", vcpu->id);
        }
      if (vcpu->stats.total == 0)
        {
          struct timespec ts;
          clock_gettime (CLOCK_MONOTONIC, &ts);
          vcpu->first_exit_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
        }
      count_exit (&vcpu->stats, vcpu->run->exit_reason);
      r = handle_exit (vcpu, bus, &stop, err);
      if (r < 0)
        return hy_error_prefix (err, "vCPU %d", vcpu->id);
      if (r > 0)
        return stop;
    }
}

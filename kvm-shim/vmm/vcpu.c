/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vCPU creation (the kvm_run mapping, CPUID, MSRs, FPU, LAPIC) and the run
 * loop.  The loop counts every exit by reason, hands port and MMIO accesses
 * to the bus and returns on HLT, shutdown or a stop request. */
#include "kvm-shim/vmm/vcpu.h"
#include "kvm-shim/vmm/msr.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define CPUID_MAX_ENTRIES 256
#define CPUID_1_ECX_HYPERVISOR (1U << 31)

static struct kvm_cpuid2 *
supported_cpuid (struct vmm_vm *vm, hy_error_t *err)
{
  struct kvm_cpuid2 *cpuid;

  cpuid = xzalloc (sizeof (*cpuid) + CPUID_MAX_ENTRIES * sizeof (cpuid->entries[0]));
  cpuid->nent = CPUID_MAX_ENTRIES;
  if (ioctl (vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0)
    {
      hy_error_set (err, errno, "KVM_GET_SUPPORTED_CPUID");
      free (cpuid);
      return NULL;
    }
  return cpuid;
}

/* Give the guest what KVM supports, as QEMU's -cpu host does (a reduced
 * CPUID hung nested guests: shared/facts/nested-kvm.md), with this vCPU's
 * APIC ids and the hypervisor bit set. */
static void
patch_cpuid (struct kvm_cpuid2 *cpuid, int id)
{
  uint32_t i;

  for (i = 0; i < cpuid->nent; i++)
    {
      struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

      switch (e->function)
        {
        case 1:
          e->ebx = (e->ebx & 0x00ffffffU) | ((uint32_t)id << 24); /* initial APIC id */
          e->ecx |= CPUID_1_ECX_HYPERVISOR;
          break;
        case 0xb:
        case 0x1f:
          e->edx = (uint32_t)id; /* x2APIC id */
          break;
        default:
          break;
        }
    }
}

static int
setup_cpuid (struct vmm_vcpu *vcpu, hy_error_t *err)
{
  struct kvm_cpuid2 *cpuid = supported_cpuid (vcpu->vm, err);
  int ret = 0;

  if (cpuid == NULL)
    return -1;
  patch_cpuid (cpuid, vcpu->id);
  if (ioctl (vcpu->fd, KVM_SET_CPUID2, cpuid) < 0)
    ret = hy_error_set (err, errno, "KVM_SET_CPUID2");
  free (cpuid);
  return ret;
}

/* The FPU as after FNINIT, SSE exceptions masked (the x86 reset state). */
static int
setup_fpu (struct vmm_vcpu *vcpu, hy_error_t *err)
{
  struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

  if (ioctl (vcpu->fd, KVM_SET_FPU, &fpu) < 0)
    return hy_error_set (err, errno, "KVM_SET_FPU");
  return 0;
}

/* Local APIC LVT registers (Intel SDM vol. 3, 11.5.1) and delivery modes. */
#define APIC_LVT0 0x350
#define APIC_LVT1 0x360
#define APIC_MODE_NMI 0x4
#define APIC_MODE_EXTINT 0x7

static void
set_lvt_mode (struct kvm_lapic_state *lapic, int reg, uint32_t mode)
{
  uint32_t v;

  memcpy (&v, &lapic->regs[reg], sizeof (v));
  v = (v & ~0x700U) | (mode << 8);
  memcpy (&lapic->regs[reg], &v, sizeof (v));
}

/* As on a PC: LINT0 takes the 8259's interrupts, LINT1 is the NMI pin.  A
 * guest without an MP table or ACPI relies on this wiring. */
static int
setup_lapic (struct vmm_vcpu *vcpu, hy_error_t *err)
{
  struct kvm_lapic_state lapic;

  if (!vcpu->vm->irqchip)
    return 0;
  if (ioctl (vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
    return hy_error_set (err, errno, "KVM_GET_LAPIC");
  set_lvt_mode (&lapic, APIC_LVT0, APIC_MODE_EXTINT);
  set_lvt_mode (&lapic, APIC_LVT1, APIC_MODE_NMI);
  if (ioctl (vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
    return hy_error_set (err, errno, "KVM_SET_LAPIC");
  return 0;
}

static int
create_fd_and_run (struct vmm_vcpu *vcpu, hy_error_t *err)
{
  void *run;

  vcpu->fd = ioctl (vcpu->vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)vcpu->id);
  if (vcpu->fd < 0)
    return hy_error_set (err, errno, "KVM_CREATE_VCPU");
  run = mmap (NULL, vcpu->vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
  if (run == MAP_FAILED)
    return hy_error_set (err, errno, "mmap kvm_run");
  vcpu->run = run;
  return 0;
}

struct vmm_vcpu *
vmm_vcpu_create (struct vmm_vm *vm, int id, hy_error_t *err)
{
  struct vmm_vcpu *vcpu = xzalloc (sizeof (*vcpu));

  vcpu->vm = vm;
  vcpu->id = id;
  vcpu->fd = -1;
  if (create_fd_and_run (vcpu, err) < 0 || setup_cpuid (vcpu, err) < 0
      || vmm_msr_setup_boot (vcpu->fd, err) < 0 || setup_fpu (vcpu, err) < 0
      || setup_lapic (vcpu, err) < 0)
    {
      hy_error_prefix (err, "vCPU %d", id);
      vmm_vcpu_destroy (vcpu);
      return NULL;
    }
  return vcpu;
}

void
vmm_vcpu_destroy (struct vmm_vcpu *vcpu)
{
  if (vcpu == NULL)
    return;
  if (vcpu->run)
    munmap (vcpu->run, vcpu->vm->run_size);
  if (vcpu->fd >= 0)
    close (vcpu->fd);
  free (vcpu);
}

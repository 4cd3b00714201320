/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building a KVM VM: open /dev/kvm, check the API, create the VM, place the
 * TSS and identity-map pages, create the in-kernel irqchip and PIT, map guest
 * RAM and hand it to KVM.  Each step is one function; vmm_vm_create runs them
 * in order and a failure undoes everything through vmm_vm_destroy. */
#include "kvm-shim/vmm/vm.h"
#include "kvm-shim/vmm/layout.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int
open_kvm (struct vmm_vm *vm, const char *dev, hy_error_t *err)
{
  int version;

  vm->kvm_fd = open (dev, O_RDWR | O_CLOEXEC);
  if (vm->kvm_fd < 0)
    return hy_error_set (err, errno, "open `%s`", dev);
  /* KVM_API_VERSION has been 12 since Linux 2.6.22; anything else is a
   * kernel we do not know how to talk to. */
  version = ioctl (vm->kvm_fd, KVM_GET_API_VERSION, 0);
  if (version != KVM_API_VERSION)
    return hy_error_set (err, version < 0 ? errno : 0, "`%s`: KVM API version %d, want %d", dev,
                         version, KVM_API_VERSION);
  vm->run_size = ioctl (vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (vm->run_size < (int)sizeof (struct kvm_run))
    return hy_error_set (err, errno, "`%s`: KVM_GET_VCPU_MMAP_SIZE", dev);
  return 0;
}

static bool
has_cap (struct vmm_vm *vm, int cap)
{
  return ioctl (vm->kvm_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

static int
create_vm_fd (struct vmm_vm *vm, hy_error_t *err)
{
  do
    vm->vm_fd = ioctl (vm->kvm_fd, KVM_CREATE_VM, 0);
  while (vm->vm_fd < 0 && errno == EINTR);
  if (vm->vm_fd < 0)
    return hy_error_set (err, errno, "KVM_CREATE_VM");
  if (fcntl (vm->vm_fd, F_SETFD, FD_CLOEXEC) < 0)
    return hy_error_set (err, errno, "set FD_CLOEXEC on the VM fd");
  return 0;
}

/* Intel needs three pages for the real-mode TSS and one for the identity
 * map used while the guest runs unpaged; both must be outside RAM and set
 * before the first vCPU exists.  Kernels without the capability (AMD-only
 * builds, some paravirtual KVMs) do not need them. */
static int
place_tss (struct vmm_vm *vm, hy_error_t *err)
{
  uint64_t identity = VMM_KVM_IDENTITY_MAP_ADDR;

  if (has_cap (vm, KVM_CAP_SET_TSS_ADDR)
      && ioctl (vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)VMM_KVM_TSS_ADDR) < 0)
    return hy_error_set (err, errno, "KVM_SET_TSS_ADDR");
  if (has_cap (vm, KVM_CAP_SET_IDENTITY_MAP_ADDR)
      && ioctl (vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity) < 0)
    return hy_error_set (err, errno, "KVM_SET_IDENTITY_MAP_ADDR");
  return 0;
}

/* The PIC/IOAPIC/LAPIC trio and the PIT live in the kernel: a Linux guest
 * calibrates against the PIT and routes legacy IRQs through the IOAPIC. */
static int
create_irqchip (struct vmm_vm *vm, hy_error_t *err)
{
  struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

  if (ioctl (vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
    return hy_error_set (err, errno, "KVM_CREATE_IRQCHIP");
  if (ioctl (vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
    return hy_error_set (err, errno, "KVM_CREATE_PIT2");
  vm->irqchip = true;
  return 0;
}

/* One memory slot per RAM region, all backed by the one mapping. */
static int
register_ram (struct vmm_vm *vm, hy_error_t *err)
{
  unsigned i;

  for (i = 0; i < vm->mem->n_regions; i++)
    {
      const struct vmm_mem_region *r = &vm->mem->regions[i];
      struct kvm_userspace_memory_region slot = {
        .slot = i,
        .guest_phys_addr = r->gpa,
        .memory_size = r->size,
        .userspace_addr = (uintptr_t)(vm->mem->host + r->host_offset),
      };

      if (ioctl (vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        return hy_error_set (err, errno, "KVM_SET_USER_MEMORY_REGION slot %u (0x%llx+0x%llx)", i,
                             (unsigned long long)r->gpa, (unsigned long long)r->size);
    }
  return 0;
}

struct vmm_vm *
vmm_vm_create (const struct vmm_vm_config *cfg, hy_error_t *err)
{
  struct vmm_vm *vm = xzalloc (sizeof (*vm));

  vm->kvm_fd = -1;
  vm->vm_fd = -1;
  if (open_kvm (vm, cfg->kvm_dev ? cfg->kvm_dev : "/dev/kvm", err) < 0)
    goto fail;
  if (create_vm_fd (vm, err) < 0 || place_tss (vm, err) < 0)
    goto fail;
  if (cfg->irqchip && create_irqchip (vm, err) < 0)
    goto fail;
  vm->mem = vmm_mem_create (cfg->ram_size, cfg->mergeable, err);
  if (vm->mem == NULL || register_ram (vm, err) < 0)
    goto fail;
  return vm;

fail:
  hy_error_prefix (err, "create VM");
  vmm_vm_destroy (vm);
  return NULL;
}

void
vmm_vm_destroy (struct vmm_vm *vm)
{
  if (vm == NULL)
    return;
  /* The VM fd goes before the RAM so KVM drops its slots first. */
  if (vm->vm_fd >= 0)
    close (vm->vm_fd);
  vmm_mem_destroy (vm->mem);
  if (vm->kvm_fd >= 0)
    close (vm->kvm_fd);
  free (vm);
}

void
vmm_vm_request_stop (struct vmm_vm *vm, int code)
{
  bool expected = false;

  /* The code is stored before the flag, so a run loop that sees `stop`
   * reads the right code. */
  if (atomic_compare_exchange_strong (&vm->stop_claimed, &expected, true))
    {
      atomic_store (&vm->stop_code, code);
      atomic_store (&vm->stop, true);
    }
}

int
vmm_vm_irq_line (struct vmm_vm *vm, unsigned irq, bool level, hy_error_t *err)
{
  struct kvm_irq_level line = { .irq = irq, .level = level };

  /* Without an irqchip nobody listens: the guest polls (tests, tiny guests). */
  if (!vm->irqchip)
    return 0;
  if (ioctl (vm->vm_fd, KVM_IRQ_LINE, &line) < 0)
    return hy_error_set (err, errno, "KVM_IRQ_LINE %u", irq);
  return 0;
}

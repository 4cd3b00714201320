/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A KVM virtual machine: the /dev/kvm handle, the VM fd, the in-kernel
 * interrupt controllers and the guest RAM registered with KVM.  vCPUs
 * (vcpu.h) are created on top of it. */
#ifndef VMM_VM_H
#define VMM_VM_H

#include "common/error.h"
#include "kvm-shim/vmm/mem.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct vmm_vm_config
{
  uint64_t ram_size;   /* bytes, a multiple of 4 KiB */
  bool mergeable;      /* mark guest RAM MADV_MERGEABLE for KSM */
  bool irqchip;        /* in-kernel PIC/IOAPIC/LAPIC and PIT; HLT then stays in KVM */
  const char *kvm_dev; /* NULL: /dev/kvm */
};

struct vmm_vm
{
  int kvm_fd;
  int vm_fd;
  int run_size; /* KVM_GET_VCPU_MMAP_SIZE */
  bool irqchip;
  struct vmm_mem *mem;
  /* Set by a device (the exit port, a reset) to stop every vCPU's run loop;
   * stop_code is what the VMM reports as the guest's exit status. */
  atomic_bool stop;
  atomic_int stop_code;
  atomic_bool stop_claimed; /* who sets stop_code first */
};

struct vmm_vm *vmm_vm_create (const struct vmm_vm_config *cfg, hy_error_t *err);
/* Tear down in reverse; vCPUs must be destroyed first. */
void vmm_vm_destroy (struct vmm_vm *vm);

/* Ask every run loop to return VMM_STOP_REQUESTED after its current exit.
 * The first code wins. */
void vmm_vm_request_stop (struct vmm_vm *vm, int code);

/* Drive a legacy interrupt line of the in-kernel irqchip. */
int vmm_vm_irq_line (struct vmm_vm *vm, unsigned irq, bool level, hy_error_t *err);

#define cleanup_vmm_vm __attribute__ ((cleanup (vmm_vm_destroyp)))
static inline void
vmm_vm_destroyp (struct vmm_vm **vm)
{
  vmm_vm_destroy (*vm);
}

#endif

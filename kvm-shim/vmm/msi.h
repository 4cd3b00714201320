/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSI routes of the VM: KVM's GSI routing table holds the in-kernel
 * irqchip's default entries and one MSI entry per GSI handed out here;
 * KVM_SET_GSI_ROUTING replaces the whole table, so it is rebuilt from this
 * list on every change.  A device then binds an eventfd to its GSI
 * (KVM_IRQFD) and KVM delivers the message without the VMM. */
#ifndef VMM_MSI_H
#define VMM_MSI_H

#include "common/error.h"
#include "kvm-shim/vmm/vm.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VMM_MSI_MAX 64
#define VMM_MSI_GSI_BASE 24 /* after the IOAPIC's 24 pins */

struct vmm_msi_route
{
  bool used, set;
  uint64_t addr;
  uint32_t data;
};

struct vmm_msi
{
  struct vmm_vm *vm;
  pthread_mutex_t lock;
  struct vmm_msi_route routes[VMM_MSI_MAX];
};

struct vmm_msi *vmm_msi_create (struct vmm_vm *vm);
void vmm_msi_destroy (struct vmm_msi *msi);

/* A free GSI, or -1 with *err set. */
int vmm_msi_alloc (struct vmm_msi *msi, hy_error_t *err);
/* Point `gsi` at the message (address, data) the guest programmed. */
int vmm_msi_set (struct vmm_msi *msi, int gsi, uint64_t addr, uint32_t data, hy_error_t *err);
/* Give the GSI back (its route goes). */
void vmm_msi_free (struct vmm_msi *msi, int gsi);

/* Bind (or, with fd < 0, unbind the given old fd from) an eventfd to a
 * GSI: KVM_IRQFD. */
int vmm_msi_irqfd (struct vmm_msi *msi, int gsi, int fd, bool assign, hy_error_t *err);

#endif

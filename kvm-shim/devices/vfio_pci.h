/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A PCI device assigned to the guest through VFIO: its config space read
 * from the device and virtualised where the guest must not reach the
 * hardware (BARs - the bus's -, INTx pin, the MSI and MSI-X capabilities,
 * the MSI-X table, emulated in the VMM),
 * MMIO BARs mapped as KVM memory slots where VFIO allows mmap and trapped
 * otherwise, I/O BARs trapped, MSI delivered by KVM from VFIO's eventfd
 * (KVM_IRQFD on an MSI route), MSI-X the same per vector, INTx while
 * neither is on, on an IOAPIC pin
 * (KVM_IRQFD with a resample eventfd VFIO unmasks from).  Reset on start
 * and on teardown. */
#ifndef VMM_VFIO_PCI_H
#define VMM_VFIO_PCI_H

#include "common/error.h"
#include "kvm-shim/pci/pci.h"
#include "kvm-shim/vmm/msi.h"
#include "kvm-shim/vmm/vm.h"

struct vfio_pci;

/* `dev_fd` (a VFIO device fd, or for tests any file laid out like one) is
 * owned from here on.  `slot_base`: the first of the 6 KVM memory slots the
 * BARs may use.  `intx_pin`: the IOAPIC pin its INTA# goes to (the MP
 * table must say so: vfio_pci_slot), 0 for none; a device VFIO offers no
 * INTx for gets none.  vm and msi may be NULL (tests: no KVM). */
struct vfio_pci *vfio_pci_create (struct vmm_pci *pci, struct vmm_vm *vm, struct vmm_msi *msi,
                                  int dev_fd, const char *name, unsigned slot_base,
                                  unsigned intx_pin, hy_error_t *err);
void vfio_pci_destroy (struct vfio_pci *d);

/* For tests: the region layout VFIO reports, taken instead of ioctls when
 * the fd is not a VFIO device (a plain file whose config space sits at
 * `cfg_offset` and BAR i at `bar_offset[i]`). */
struct vfio_pci_fake
{
  uint64_t cfg_offset;
  uint64_t bar_offset[PCI_NUM_BARS];
  uint64_t bar_size[PCI_NUM_BARS];
  unsigned intx_pin;
};
struct vfio_pci *vfio_pci_create_fake (struct vmm_pci *pci, int fd, const char *name,
                                       const struct vfio_pci_fake *fake, hy_error_t *err);

/* Its slot on the bus, and the IOAPIC pin of its INTA# (0: none). */
int vfio_pci_slot (const struct vfio_pci *d);
unsigned vfio_pci_intx_pin (const struct vfio_pci *d);
/* INTx state, for tests: on (MSI off). */
bool vfio_pci_intx_on (const struct vfio_pci *d);

/* MSI-X, for tests: the vectors offered (-1: no MSI-X capability) and
 * how many are live (enabled, unmasked, their eventfd on their route). */
int vfio_pci_msix (const struct vfio_pci *d, unsigned *n_live);
/* For tests: the eventfd VFIO signals for MSI-X vector i (-1 while MSI-X
 * is off), to stand in for the device. */
int vfio_pci_msix_eventfd (const struct vfio_pci *d, unsigned i);

/* MSI state, for tests and logs: enabled, and the guest's message. */
bool vfio_pci_msi (const struct vfio_pci *d, uint64_t *addr, uint32_t *data);

#endif

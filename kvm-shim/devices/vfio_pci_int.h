/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside a VFIO-assigned PCI device (vfio_pci.c: config space, BARs,
 * setup; vfio_pci_irq.c: INTx, MSI, MSI-X): the device's state and the
 * calls between the two files.  Not for other users: vfio_pci.h is. */
#ifndef VMM_VFIO_PCI_INT_H
#define VMM_VFIO_PCI_INT_H

#include "kvm-shim/devices/vfio_pci.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define CFG_SIZE 256
#define CAP_ID_MSI 0x05
#define CAP_ID_MSIX 0x11
#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_64 0x0080
#define MSI_CTRL_PVM 0x0100
#define MSI_CTRL_MMC 0x000e    /* multiple message capable */
#define MSI_CTRL_MME 0x0070    /* multiple message enable */
#define MSIX_CTRL_SIZE 0x07ff  /* table size - 1 */
#define MSIX_CTRL_FMASK 0x4000 /* function mask */
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_MAX 32     /* vectors offered to the guest, at most */
#define MSIX_ENTRY 16   /* address (8), data (4), vector control (4) */
#define MSIX_VEC_MASK 1 /* vector control: masked */

/* An MSI-X vector as the guest programmed it (its table entry, kept by
 * the VMM: the device's own table holds the host's messages) and what
 * carries it: a KVM MSI route and the eventfd VFIO signals, attached to
 * the route (live) while the vector is enabled and unmasked. */
struct msix_vec
{
  uint8_t entry[MSIX_ENTRY];
  int gsi, efd;
  bool live;
};

struct region
{
  uint64_t offset, size;
  void *map;        /* mmap'd (VFIO_REGION_INFO_FLAG_MMAP), or NULL: trapped */
  bool slot_active; /* mapped into the guest as a KVM memory slot */
};

struct vfio_pci
{
  struct pci_dev pci;
  struct vmm_vm *vm;   /* NULL: tests */
  struct vmm_msi *msi; /* NULL: tests */
  int fd;
  bool is_vfio; /* false: a fake device file (tests) */
  bool has_reset;
  char *name;
  int slot; /* on the bus */
  unsigned slot_base;
  struct region cfg, bars[PCI_NUM_BARS];
  uint8_t shadow[CFG_SIZE];
  uint8_t virt[CFG_SIZE]; /* 1: the guest sees shadow[i] */
  unsigned intx_pin;      /* IOAPIC pin of INTA#, 0: none */
  int intx_efd, intx_rfd; /* trigger, resample (unmask) */
  bool intx_on;
  unsigned msix_off;               /* capability offset, 0: none */
  unsigned msix_n;                 /* vectors offered */
  unsigned msix_bar, msix_pba_bar; /* BIRs */
  uint64_t msix_table, msix_pba;   /* offsets in those BARs */
  bool msix_on;
  struct msix_vec *vec;
  unsigned msi_off, msi_len;
  int msi_gsi, msi_efd;
  bool msi_on;
  uint64_t msi_addr;
  uint32_t msi_data;
};

static inline uint16_t
sh16 (const struct vfio_pci *d, unsigned off)
{
  return (uint16_t)(d->shadow[off] | d->shadow[off + 1] << 8);
}

static inline uint32_t
sh32 (const struct vfio_pci *d, unsigned off)
{
  return (uint32_t)sh16 (d, off) | (uint32_t)sh16 (d, off + 2) << 16;
}

static inline void
virtualise (struct vfio_pci *d, unsigned off, unsigned len)
{
  memset (d->virt + off, 1, len);
}

/* vfio_pci_irq.c.  INTx on (on the device's IOAPIC pin, when it has one)
 * and off; MSI's and MSI-X's capabilities set up from the shadow (MSI-X:
 * -1 to leave it out), guest writes into them, their table and pending
 * bits (MSI-X, `off` relative to each), and off. */
int vfio_pci_intx_start (struct vfio_pci *d, hy_error_t *err);
void vfio_pci_intx_stop (struct vfio_pci *d);
void vfio_pci_msi_setup (struct vfio_pci *d, unsigned ptr);
void vfio_pci_msi_write (struct vfio_pci *d, unsigned off, unsigned len, uint32_t val);
void vfio_pci_msi_stop (struct vfio_pci *d);
int vfio_pci_msix_setup (struct vfio_pci *d, unsigned ptr);
void vfio_pci_msix_ctrl_write (struct vfio_pci *d, unsigned off, unsigned len, uint32_t val);
void vfio_pci_msix_table_access (struct vfio_pci *d, uint64_t off, struct vmm_bus_access *a);
void vfio_pci_msix_pba_access (struct vfio_pci *d, uint64_t off, struct vmm_bus_access *a);
void vfio_pci_msix_stop (struct vfio_pci *d);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A PCI bus, only as much as device passthrough needs: bus 0, function 0
 * of each slot, a host bridge in slot 0, configuration mechanism #1 (ports
 * 0xCF8/0xCFC), and BARs placed by the VMM in a window of the MMIO hole
 * (layout.h) and of the port space.  The bus owns the standard header's
 * BARs and decode bits; a device sees the rest of its config space and the
 * accesses to its BARs through its ops. */
#ifndef VMM_PCI_H
#define VMM_PCI_H

#include "common/error.h"
#include "kvm-shim/vmm/bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PCI_MAX_SLOTS 32
#define PCI_NUM_BARS 6

/* Config-space offsets of the type-0 header (PCI Local Bus spec 3.0, 6.1). */
#define PCI_CFG_VENDOR 0x00
#define PCI_CFG_COMMAND 0x04
#define PCI_CFG_STATUS 0x06
#define PCI_CFG_CLASS 0x08 /* revision in the low byte */
#define PCI_CFG_HEADER_TYPE 0x0e
#define PCI_CFG_BAR0 0x10
#define PCI_CFG_ROM 0x30
#define PCI_CFG_CAP_PTR 0x34
#define PCI_CFG_INT_LINE 0x3c
#define PCI_CFG_INT_PIN 0x3d
#define PCI_CMD_IO 0x1
#define PCI_CMD_MEMORY 0x2
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM64 0x4
#define PCI_BAR_PREFETCH 0x8

enum pci_bar_kind
{
  PCI_BAR_NONE,
  PCI_BAR_KIND_MMIO,
  PCI_BAR_KIND_PIO,
};

/* A BAR as the device declares it: kind and size (a power of two; MMIO at
 * least 4 KiB here, so a BAR can be a KVM memory slot), flags for the low
 * bits the guest reads (PCI_BAR_PREFETCH; 64-bit BARs are presented as
 * 32-bit ones in the window below 4 GiB, their upper half reads 0). */
struct pci_bar
{
  enum pci_bar_kind kind;
  uint64_t size;
  uint32_t flags;
  /* Set by the bus: where the guest placed it (0: not decoded). */
  uint64_t addr;
};

struct pci_dev_ops
{
  const char *name;
  /* Config space outside the header's BARs/ROM and command register, one
   * aligned access of 1, 2 or 4 bytes.  A read returns the value. */
  uint32_t (*cfg_read) (void *opaque, unsigned off, unsigned len);
  void (*cfg_write) (void *opaque, unsigned off, unsigned len, uint32_t val);
  /* The command register: the device's own value is read and written
   * through these (the bus adds its decode bookkeeping). */
  uint16_t (*command_read) (void *opaque);
  void (*command_write) (void *opaque, uint16_t val);
  /* A BAR was placed at `addr` with decoding on (map it, e.g. as a memory
   * slot), or taken away (addr 0).  May fail: the guest then gets its
   * accesses trapped through bar_access. */
  int (*bar_moved) (void *opaque, unsigned bar, uint64_t addr, hy_error_t *err);
  /* An access the bus trapped in a BAR (offset relative to it). */
  int (*bar_access) (void *opaque, unsigned bar, struct vmm_bus_access *a, hy_error_t *err);
};

struct pci_dev
{
  const struct pci_dev_ops *ops;
  void *opaque;
  struct pci_bar bars[PCI_NUM_BARS];
  uint32_t bar_reg[PCI_NUM_BARS]; /* what the guest wrote, masked */
  uint16_t command;               /* the decode bits the bus acted on */
};

struct vmm_pci
{
  pthread_mutex_t lock;
  uint32_t addr_reg; /* 0xCF8 */
  struct pci_dev *slots[PCI_MAX_SLOTS];
  uint64_t mmio_next, pio_next; /* the allocators' next free address */
  uint32_t stats_cfg;           /* config accesses, for the boot-cost figures */
};

/* Register the config ports and the BAR windows on `bus`. */
struct vmm_pci *vmm_pci_create (struct vmm_bus *bus, hy_error_t *err);
/* Devices must be gone first (the bus does not own them). */
void vmm_pci_destroy (struct vmm_pci *pci);

/* Plug `dev` (ops, opaque and bars filled) into the next free slot; the bus
 * places its BARs in the windows (naturally aligned) and turns decoding on,
 * as firmware would.  Returns the slot. */
int vmm_pci_add (struct vmm_pci *pci, struct pci_dev *dev, hy_error_t *err);

/* The device in `slot`, or NULL. */
struct pci_dev *vmm_pci_slot (struct vmm_pci *pci, unsigned slot);

/* Config mechanism #1, as the bus handler sees it (for tests): port is
 * 0xCF8..0xCFF. */
int vmm_pci_pio (void *opaque, struct vmm_bus_access *a, hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The I/O bus: devices register port-I/O and MMIO ranges with a callback;
 * the vCPU run loop hands every KVM_EXIT_IO / KVM_EXIT_MMIO access to
 * vmm_bus_dispatch.  Ranges are registered before the vCPUs run and never
 * change while they do, so dispatch takes no lock; a device that keeps
 * state shared between vCPUs locks it itself. */
#ifndef VMM_BUS_H
#define VMM_BUS_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vmm_bus_space
{
  VMM_BUS_PIO,
  VMM_BUS_MMIO,
};

/* One access as a device sees it: `offset` is relative to the base of the
 * range it registered; `data` holds `len` (1..8) bytes, little-endian, filled
 * by the device on a read. */
struct vmm_bus_access
{
  uint64_t offset;
  uint8_t *data;
  uint32_t len;
  bool is_write;
};

/* Returns 0, or -1 with *err set when the device itself failed (not when the
 * guest did something odd: that is the device's to absorb). */
typedef int (*vmm_bus_fn) (void *opaque, struct vmm_bus_access *access, hy_error_t *err);

struct vmm_bus_range
{
  uint64_t base;
  uint64_t len;
  vmm_bus_fn fn;
  void *opaque;
  const char *name; /* for errors and logs; not copied */
};

struct vmm_bus
{
  struct vmm_bus_range *ranges[2]; /* per space, sorted by base */
  size_t n_ranges[2];
};

struct vmm_bus *vmm_bus_create (void);
void vmm_bus_destroy (struct vmm_bus *bus);

/* The bus does not own devices: destroy them only after every vCPU has
 * stopped, and the bus after them.
 * Overlapping or empty ranges are refused, with both names in the error. */
int vmm_bus_register (struct vmm_bus *bus, enum vmm_bus_space space, uint64_t base, uint64_t len,
                      const char *name, vmm_bus_fn fn, void *opaque, hy_error_t *err);

/* Route one access.  Returns 1 when a device took it, 0 when no range
 * covers [addr, addr + len) (a read then returns all ones, as an empty ISA
 * bus does), -1 when the device failed. */
int vmm_bus_dispatch (const struct vmm_bus *bus, enum vmm_bus_space space, uint64_t addr,
                      uint8_t *data, uint32_t len, bool is_write, hy_error_t *err);

#define cleanup_vmm_bus __attribute__ ((cleanup (vmm_bus_destroyp)))
static inline void
vmm_bus_destroyp (struct vmm_bus **bus)
{
  vmm_bus_destroy (*bus);
}

#endif

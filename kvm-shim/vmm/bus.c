/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The I/O bus: a sorted array of address ranges per space, overlap checks at
 * registration and a binary search per access (the kvmtool model, without
 * its global tree or its die()). */
#include "kvm-shim/vmm/bus.h"
#include "common/xalloc.h"

#include <stdlib.h>
#include <string.h>

static const char *const space_names[] = { [VMM_BUS_PIO] = "port", [VMM_BUS_MMIO] = "mmio" };

struct vmm_bus *
vmm_bus_create (void)
{
  return xzalloc (sizeof (struct vmm_bus));
}

void
vmm_bus_destroy (struct vmm_bus *bus)
{
  if (bus == NULL)
    return;
  free (bus->ranges[VMM_BUS_PIO]);
  free (bus->ranges[VMM_BUS_MMIO]);
  free (bus);
}

/* Last address of a range; registration guarantees it does not wrap. */
static uint64_t
range_last (const struct vmm_bus_range *r)
{
  return r->base + (r->len - 1);
}

/* Index of the first range whose last address is >= addr. */
static size_t
lower_bound (const struct vmm_bus_range *ranges, size_t n, uint64_t addr)
{
  size_t lo = 0, hi = n;

  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;

      if (range_last (&ranges[mid]) < addr)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

int
vmm_bus_register (struct vmm_bus *bus, enum vmm_bus_space space, uint64_t base, uint64_t len,
                  const char *name, vmm_bus_fn fn, void *opaque, hy_error_t *err)
{
  struct vmm_bus_range *ranges = bus->ranges[space];
  size_t n = bus->n_ranges[space];
  size_t at;

  if (len == 0 || base + (len - 1) < base)
    return hy_error_set (err, 0, "%s: %s range 0x%llx+0x%llx is empty or wraps", name,
                         space_names[space], (unsigned long long)base, (unsigned long long)len);
  at = lower_bound (ranges, n, base);
  if (at < n && ranges[at].base <= base + (len - 1))
    return hy_error_set (err, 0, "%s: %s range 0x%llx+0x%llx overlaps %s", name, space_names[space],
                         (unsigned long long)base, (unsigned long long)len, ranges[at].name);
  ranges = xrealloc (ranges, (n + 1) * sizeof (*ranges));
  memmove (&ranges[at + 1], &ranges[at], (n - at) * sizeof (*ranges));
  ranges[at] = (struct vmm_bus_range){
    .base = base, .len = len, .fn = fn, .opaque = opaque, .name = name
  };
  bus->ranges[space] = ranges;
  bus->n_ranges[space] = n + 1;
  return 0;
}

int
vmm_bus_dispatch (const struct vmm_bus *bus, enum vmm_bus_space space, uint64_t addr, uint8_t *data,
                  uint32_t len, bool is_write, hy_error_t *err)
{
  const struct vmm_bus_range *ranges = bus->ranges[space];
  size_t n = bus->n_ranges[space];
  const struct vmm_bus_range *r;
  struct vmm_bus_access access;
  size_t at;

  at = len == 0 ? n : lower_bound (ranges, n, addr);
  r = at < n ? &ranges[at] : NULL;
  /* The whole access must fall inside one range: a guest that straddles two
   * devices gets neither. */
  if (r == NULL || addr < r->base || len - 1 > range_last (r) - addr)
    {
      if (!is_write)
        memset (data, 0xff, len);
      return 0;
    }
  access = (struct vmm_bus_access){
    .offset = addr - r->base, .data = data, .len = len, .is_write = is_write
  };
  if (r->fn (r->opaque, &access, err) < 0)
    return hy_error_prefix (err, "%s at %s 0x%llx", r->name, space_names[space],
                            (unsigned long long)addr);
  return 1;
}

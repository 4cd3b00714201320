/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest RAM: one anonymous host mapping, seen by the guest as up to two
 * regions around the MMIO hole (layout.h).  Every guest-physical address that
 * comes from the guest goes through vmm_mem_ptr(), which checks the whole
 * range [gpa, gpa + len) against one region and never wraps. */
#ifndef VMM_MEM_H
#define VMM_MEM_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_MEM_MAX_REGIONS 2

struct vmm_mem_region
{
  uint64_t gpa;         /* guest-physical start */
  uint64_t size;        /* bytes */
  uint64_t host_offset; /* offset into vmm_mem.host */
};

struct vmm_mem
{
  uint8_t *host; /* the one mapping, `size` bytes */
  uint64_t size;
  unsigned n_regions;
  struct vmm_mem_region regions[VMM_MEM_MAX_REGIONS];
};

/* Map `size` bytes (a multiple of 4 KiB, at least 1 MiB) of guest RAM;
 * `mergeable` asks KSM to share identical pages (MADV_MERGEABLE). */
struct vmm_mem *vmm_mem_create (uint64_t size, bool mergeable, hy_error_t *err);
void vmm_mem_destroy (struct vmm_mem *mem);

/* Host pointer for [gpa, gpa + len) when the whole range is RAM of a single
 * region; NULL otherwise (out of range, in the hole, overflowing, len 0). */
void *vmm_mem_ptr (const struct vmm_mem *mem, uint64_t gpa, uint64_t len);

/* Bounds-checked copies; -1 with an error naming the range when it is not
 * guest RAM. */
int vmm_mem_write (struct vmm_mem *mem, uint64_t gpa, const void *src, uint64_t len,
                   hy_error_t *err);
int vmm_mem_read (const struct vmm_mem *mem, uint64_t gpa, void *dst, uint64_t len,
                  hy_error_t *err);

/* The end of the RAM region that starts at 0 (the highest address usable
 * below the MMIO hole). */
uint64_t vmm_mem_low_end (const struct vmm_mem *mem);

#define cleanup_vmm_mem __attribute__ ((cleanup (vmm_mem_destroyp)))
static inline void
vmm_mem_destroyp (struct vmm_mem **mem)
{
  vmm_mem_destroy (*mem);
}

#endif

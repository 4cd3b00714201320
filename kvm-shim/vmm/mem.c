/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest RAM: the host mapping, its split around the MMIO hole and the
 * bounds-checked guest-physical to host translation. */
#include "kvm-shim/vmm/mem.h"
#include "kvm-shim/vmm/layout.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE_SIZE_4K 4096ULL
#define MEM_MIN (1ULL << 20)
/* 1 TiB: far above what a container VM gets; keeps the arithmetic below
 * free of overflow. */
#define MEM_MAX (1ULL << 40)

/* RAM below the hole starts at 0; what does not fit continues at 4 GiB. */
static void
split_regions (struct vmm_mem *mem)
{
  uint64_t low = mem->size < VMM_MMIO_HOLE_START ? mem->size : VMM_MMIO_HOLE_START;

  mem->regions[0] = (struct vmm_mem_region){ .gpa = 0, .size = low, .host_offset = 0 };
  mem->n_regions = 1;
  if (mem->size > low)
    {
      mem->regions[1] = (struct vmm_mem_region){ .gpa = VMM_MMIO_HOLE_END,
                                                 .size = mem->size - low,
                                                 .host_offset = low };
      mem->n_regions = 2;
    }
}

/* Guest RAM starts on a 2 MiB boundary of the host, so that guest 2 MiB
 * pages and host huge pages line up (without it MADV_HUGEPAGE changed
 * nothing).  MAP_NORESERVE: a guest that touches little RAM costs little. */
#define HUGE_2M (2ULL << 20)
static void *
map_aligned (uint64_t size)
{
  uint8_t *p = mmap (NULL, size + HUGE_2M, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  uint64_t head, tail;

  if (p == MAP_FAILED)
    return MAP_FAILED;
  head = (HUGE_2M - ((uintptr_t)p & (HUGE_2M - 1))) & (HUGE_2M - 1);
  tail = HUGE_2M - head;
  if (head)
    munmap (p, head);
  if (tail)
    munmap (p + head + size, tail);
  return p + head;
}

struct vmm_mem *
vmm_mem_create (uint64_t size, bool mergeable, hy_error_t *err)
{
  struct vmm_mem *mem;
  void *host;

  if (size < MEM_MIN || size > MEM_MAX || size % PAGE_SIZE_4K != 0)
    {
      hy_error_set (err, 0,
                    "guest RAM size %llu: must be a multiple of 4 KiB between 1 MiB and 1 TiB",
                    (unsigned long long)size);
      return NULL;
    }
  host = map_aligned (size);
  if (host == MAP_FAILED)
    {
      hy_error_set (err, errno, "mmap guest RAM (%llu bytes)", (unsigned long long)size);
      return NULL;
    }
  /* Transparent huge pages where the host has them: a boot then takes
   * ~18 page faults instead of ~4,600, and its VM exits fell from ~8,200
   * to ~3,660 (nested test VM, contrib/bench/vm-boot).  Not with KSM,
   * which splits them again.  EINVAL just means THP is off. */
  if (!mergeable)
    (void)madvise (host, size, MADV_HUGEPAGE);
  /* A child the VMM forks (an exec proxy, a helper) must neither copy the
   * page tables of guest RAM nor keep it alive: it execs at once. */
  if (madvise (host, size, MADV_DONTFORK) < 0)
    {
      hy_error_set (err, errno, "madvise MADV_DONTFORK on guest RAM");
      munmap (host, size);
      return NULL;
    }
  if (mergeable && madvise (host, size, MADV_MERGEABLE) < 0)
    {
      hy_error_set (err, errno, "madvise MADV_MERGEABLE on guest RAM");
      munmap (host, size);
      return NULL;
    }
  mem = xzalloc (sizeof (*mem));
  mem->host = host;
  mem->size = size;
  split_regions (mem);
  return mem;
}

void
vmm_mem_destroy (struct vmm_mem *mem)
{
  if (mem == NULL)
    return;
  munmap (mem->host, mem->size);
  free (mem);
}

void *
vmm_mem_ptr (const struct vmm_mem *mem, uint64_t gpa, uint64_t len)
{
  unsigned i;

  if (len == 0)
    return NULL;
  for (i = 0; i < mem->n_regions; i++)
    {
      const struct vmm_mem_region *r = &mem->regions[i];

      /* Written so that no sum can wrap: gpa - r->gpa is only computed when
       * gpa >= r->gpa, and len is compared against what is left. */
      if (gpa < r->gpa || gpa - r->gpa >= r->size)
        continue;
      if (len > r->size - (gpa - r->gpa))
        return NULL;
      return mem->host + r->host_offset + (gpa - r->gpa);
    }
  return NULL;
}

int
vmm_mem_write (struct vmm_mem *mem, uint64_t gpa, const void *src, uint64_t len, hy_error_t *err)
{
  void *dst;

  if (len == 0)
    return 0;
  dst = vmm_mem_ptr (mem, gpa, len);
  if (dst == NULL)
    return hy_error_set (err, 0, "guest range 0x%llx+0x%llx is not RAM", (unsigned long long)gpa,
                         (unsigned long long)len);
  memcpy (dst, src, len);
  return 0;
}

int
vmm_mem_read (const struct vmm_mem *mem, uint64_t gpa, void *dst, uint64_t len, hy_error_t *err)
{
  const void *src;

  if (len == 0)
    return 0;
  src = vmm_mem_ptr (mem, gpa, len);
  if (src == NULL)
    return hy_error_set (err, 0, "guest range 0x%llx+0x%llx is not RAM", (unsigned long long)gpa,
                         (unsigned long long)len);
  memcpy (dst, src, len);
  return 0;
}

uint64_t
vmm_mem_low_end (const struct vmm_mem *mem)
{
  return mem->regions[0].size;
}

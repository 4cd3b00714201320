/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Guest RAM: sizes accepted, the split around the MMIO hole, and the
 * bounds checks of guest-physical translation (no KVM needed). */
#include "kvm-shim/vmm/layout.h"
#include "kvm-shim/vmm/mem.h"
#include "tests/unit/tap.h"

#include <stdint.h>
#include <string.h>

static void
test_sizes (void)
{
  cleanup_error hy_error_t err = NULL;
  struct vmm_mem *mem;

  mem = vmm_mem_create (12345, false, &err);
  tap_ok (mem == NULL && err != NULL, "a size that is not a multiple of 4 KiB is refused: %s",
          err ? err->msg : "(no error)");
  hy_error_free (&err);
  mem = vmm_mem_create (4096, false, &err);
  tap_ok (mem == NULL && err != NULL, "less than 1 MiB is refused");
  hy_error_free (&err);
  mem = vmm_mem_create (16 << 20, true, &err);
  tap_ok (mem != NULL, "16 MiB, mergeable: %s", err ? err->msg : "created");
  vmm_mem_destroy (mem);
}

static void
test_translate_small (void)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_vmm_mem struct vmm_mem *mem = vmm_mem_create (16 << 20, false, &err);
  const uint64_t size = 16 << 20;
  uint8_t buf[4] = { 1, 2, 3, 4 }, back[4];

  tap_ok (mem->n_regions == 1 && vmm_mem_low_end (mem) == size, "16 MiB is one region at 0");
  tap_ok (vmm_mem_ptr (mem, 0, 1) == mem->host, "gpa 0 is the start of the mapping");
  tap_ok (vmm_mem_ptr (mem, size - 4, 4) == mem->host + size - 4, "the last 4 bytes translate");
  tap_ok (vmm_mem_ptr (mem, size - 4, 5) == NULL, "a range running past the end is refused");
  tap_ok (vmm_mem_ptr (mem, size, 1) == NULL, "the first byte past the end is refused");
  tap_ok (vmm_mem_ptr (mem, 16, 0) == NULL, "a zero length is refused");
  tap_ok (vmm_mem_ptr (mem, UINT64_MAX, 2) == NULL, "a range that wraps is refused");
  tap_ok (vmm_mem_ptr (mem, 8, UINT64_MAX - 4) == NULL,
          "a huge length does not wrap past the check");
  tap_ok (vmm_mem_write (mem, 0x1000, buf, 4, &err) == 0
              && vmm_mem_read (mem, 0x1000, back, 4, &err) == 0 && memcmp (buf, back, 4) == 0,
          "write then read back");
  vmm_mem_write (mem, size - 2, buf, 4, &err);
  tap_ok (err != NULL, "a write past the end fails: %s", err ? err->msg : "(no error)");
}

static void
test_translate_hole (void)
{
  cleanup_error hy_error_t err = NULL;
  /* 3 GiB + 8 MiB: the last 8 MiB land above 4 GiB.  MAP_NORESERVE keeps
   * this cheap: nothing is touched but a few pages. */
  const uint64_t size = VMM_MMIO_HOLE_START + (8 << 20);
  cleanup_vmm_mem struct vmm_mem *mem = vmm_mem_create (size, false, &err);

  if (mem == NULL)
    {
      tap_skip (err->msg, "RAM split around the MMIO hole");
      tap_skip (err->msg, "the hole is not RAM");
      tap_skip (err->msg, "RAM above 4 GiB");
      tap_skip (err->msg, "a range across the hole");
      return;
    }
  tap_ok (mem->n_regions == 2 && vmm_mem_low_end (mem) == VMM_MMIO_HOLE_START
              && mem->regions[1].gpa == VMM_MMIO_HOLE_END && mem->regions[1].size == 8 << 20,
          "RAM split around the MMIO hole");
  tap_ok (vmm_mem_ptr (mem, VMM_MMIO_DEVICES_START, 4) == NULL, "the hole is not RAM");
  tap_ok (vmm_mem_ptr (mem, VMM_MMIO_HOLE_END, 8) == mem->host + VMM_MMIO_HOLE_START,
          "RAM above 4 GiB continues the mapping");
  tap_ok (vmm_mem_ptr (mem, VMM_MMIO_HOLE_START - 4, 8) == NULL,
          "a range across the hole is refused");
}

int
main (void)
{
  tap_plan (17);
  test_sizes ();
  test_translate_small ();
  test_translate_hole ();
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The records the virtio-mmio device targets (fuzz_console.c, fuzz_net.c)
 * share, as a hostile guest's driver issues them:
 *   0 off16 val32   MMIO write of the device's registers
 *   1 off16         MMIO read
 *   4 gpa24 8 bytes a write anywhere in guest RAM (rings and descriptors
 *                   included) */
#ifndef FUZZ_MMIO_H
#define FUZZ_MMIO_H

#include "kvm-shim/vmm/loop.h"
#include "tests/unit/virtio_driver.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One input's machine: guest RAM (made once, its lower half and a page
 * zeroed for each input: the rings and buffers live there), a bus with
 * the driver at `base`, the device's parameters (IRQ 5); the event loop
 * (not started: the targets turn it with vmm_loop_run_once). */
static inline struct vmm_loop *
fuzz_mmio_begin (struct vmm_mem **mem, size_t ram, uint64_t base, struct drv *drv,
                 struct virtio_mmio_params *p)
{
  if (*mem == NULL && (*mem = vmm_mem_create (ram, false, NULL)) == NULL)
    abort ();
  memset (vmm_mem_ptr (*mem, 0, ram / 2 + 4096), 0, ram / 2 + 4096);
  *drv = (struct drv){ .bus = vmm_bus_create (), .mem = *mem, .base = base, .next_gpa = 0x1000 };
  *p = (struct virtio_mmio_params){ .bus = drv->bus, .mem = *mem, .base = base, .irq = 5 };
  return vmm_loop_create (NULL);
}

/* After the device is destroyed. */
static inline void
fuzz_mmio_end (struct drv *drv, struct vmm_loop *loop)
{
  vmm_loop_destroy (loop);
  vmm_bus_destroy (drv->bus);
}

/* Record `op` with its `left` bytes at `p`: the bytes it used, or -1 when
 * it is not one of these or the input ends first. */
static inline int
fuzz_mmio_record (struct drv *drv, size_t ram, uint8_t op, const uint8_t *p, size_t left)
{
  if (op == 0 && left >= 6)
    {
      uint32_t v;
      memcpy (&v, p + 2, 4);
      drv_write (drv, (p[0] | p[1] << 8) & 0x1ff, v);
      return 6;
    }
  if (op == 1 && left >= 2)
    {
      (void)drv_read (drv, (p[0] | p[1] << 8) & 0x1fc);
      return 2;
    }
  if (op == 4 && left >= 11)
    {
      uint64_t gpa = (uint64_t)(p[0] | p[1] << 8 | p[2] << 16) % (ram - 8);
      memcpy (vmm_mem_ptr (drv->mem, gpa, 8), p + 3, 8);
      return 11;
    }
  return -1;
}

#endif

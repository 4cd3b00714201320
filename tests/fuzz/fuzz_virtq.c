/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the virtqueue descriptor walker (virtq_pop) and the
 * used ring, against guest RAM the fuzzer writes.  Input: byte 0 the
 * queue size (a power of two, 1..256), byte 1 the features (bit 0
 * INDIRECT_DESC, bit 1 EVENT_IDX), then the first 64 KiB of guest RAM:
 * the descriptor table at 0, the available ring at 0x1000, the used ring
 * at 0x2000, buffers anywhere (and addresses past the 1 MiB of RAM). */
#include "kvm-shim/virtio/queue.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RAM (1u << 20)
#define WINDOW 0x10000

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static struct vmm_mem *mem;
static uint8_t scratch[4096];

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct virtq q;
  struct virtq_chain c = { 0 };
  hy_error_t err = NULL;
  uint64_t features;
  uint8_t *ram;
  int i, r;

  if (mem == NULL && (mem = vmm_mem_create (RAM, false, NULL)) == NULL)
    abort ();
  if (size < 2)
    return 0;
  ram = vmm_mem_ptr (mem, 0, WINDOW);
  memset (ram, 0, WINDOW);
  memcpy (ram, data + 2, size - 2 < WINDOW ? size - 2 : WINDOW);
  virtq_reset (&q, (uint16_t)(1u << (data[0] % 9)));
  q.desc_gpa = 0;
  q.avail_gpa = 0x1000;
  q.used_gpa = 0x2000;
  q.ready = true;
  features = (1ULL << VIRTIO_F_VERSION_1) | ((data[1] & 1) ? 1ULL << VIRTIO_F_INDIRECT_DESC : 0)
             | ((data[1] & 2) ? 1ULL << VIRTIO_F_EVENT_IDX : 0);
  if (virtq_activate (&q, mem, features, &err) < 0)
    {
      hy_error_free (&err);
      return 0;
    }
  for (i = 0; i < 64 && (r = virtq_pop (&q, &c, &err)) > 0; i++)
    {
      size_t n = virtq_chain_read (&c, 0, scratch, sizeof (scratch));
      size_t w = virtq_chain_write (&c, (size_t)data[1], scratch, n);
      if (i == 3)
        virtq_unpop (&q);
      else if (virtq_push (&q, c.head, (uint32_t)w, &err) < 0)
        break;
    }
  (void)virtq_needs_interrupt (&q);
  (void)virtq_has_avail (&q);
  virtq_chain_release (&c);
  hy_error_free (&err);
  return 0;
}

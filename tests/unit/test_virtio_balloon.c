/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-balloon's free page reporting, driven as Linux's driver does it:
 * pages the guest reports go back to the host (its RSS falls, the pages
 * read zero afterwards), the chain comes back with nothing written, and
 * buffers on the inflate queue are returned without touching RAM. */
#include "kvm-shim/devices/virtio_balloon.h"
#include "kvm-shim/vmm/bus.h"
#include "kvm-shim/vmm/mem.h"
#include "tests/unit/tap.h"
#include "tests/unit/virtio_driver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define BASE 0xd0000000ULL
#define RAM (64ULL << 20)
#define CHUNK (8ULL << 20)

/* Resident pages of [p, p + len) (mincore). */
static size_t
resident (void *p, size_t len)
{
  size_t n = len / 4096, i, r = 0;
  unsigned char *v = malloc (n);

  if (mincore (p, len, v) == 0)
    for (i = 0; i < n; i++)
      r += v[i] & 1;
  free (v);
  return r;
}

int
main (void)
{
  struct vmm_bus *bus = vmm_bus_create ();
  struct vmm_mem *mem = vmm_mem_create (RAM, false, NULL);
  struct virtio_mmio_params p = { .bus = bus, .mem = mem, .base = BASE, .irq = 5 };
  struct virtio_balloon *b = virtio_balloon_create (&p, NULL);
  struct drv d = { .bus = bus, .mem = mem, .base = BASE, .next_gpa = 0x1000 };
  uint64_t gpa, feats;
  uint8_t *host;
  uint32_t len;
  void *buf;

  tap_plan (7);
  if (!tap_ok (b != NULL, "the device is created"))
    return tap_done ();
  feats = drv_device_features (&d);
  tap_ok (feats & (1ULL << VIRTIO_BALLOON_F_REPORTING), "free page reporting is offered");
  drv_init (&d, feats, 3, 16);
  /* the "free pages": 8 MiB of guest RAM the guest had dirtied */
  gpa = drv_alloc (&d, CHUNK + 4096);
  gpa = (gpa + 4095) & ~4095ULL;
  host = vmm_mem_ptr (mem, gpa, CHUNK);
  memset (host, 0xa5, CHUNK);
  tap_ok (resident (host, CHUNK) == CHUNK / 4096, "the guest's pages are resident (%zu)",
          resident (host, CHUNK));
  /* the driver reports them on the third queue, device-writable */
  {
    struct drv_queue *q = &d.q[2];
    uint16_t id = q->next_desc++ % q->size;
    q->desc[id] = (struct virtq_desc){ .addr = gpa, .len = CHUNK, .flags = VIRTQ_DESC_F_WRITE };
    q->avail->ring[q->avail->idx % q->size] = id;
    __atomic_store_n (&q->avail->idx, q->avail->idx + 1, __ATOMIC_RELEASE);
  }
  drv_notify (&d, 2);
  tap_ok (drv_used (&d, 2, &buf, &len) && len == 0, "the report comes back, nothing written");
  tap_ok (resident (host, CHUNK) == 0 && virtio_balloon_reported (b) == CHUNK,
          "the reported pages went back to the host (%zu resident, %llu bytes reported)",
          resident (host, CHUNK), (unsigned long long)virtio_balloon_reported (b));
  tap_ok (host[0] == 0 && host[CHUNK - 1] == 0, "a reported page reads zero when touched again");
  /* a buffer on the inflate queue (never asked for) is returned untouched */
  memset (host, 0x5a, 4096);
  drv_offer (&d, 0, NULL, 0, false);
  d.q[0].desc[(d.q[0].next_desc - 1) % d.q[0].size].addr = gpa;
  d.q[0].desc[(d.q[0].next_desc - 1) % d.q[0].size].len = 4096;
  drv_notify (&d, 0);
  tap_ok (drv_used (&d, 0, &buf, &len) && host[0] == 0x5a,
          "an inflate buffer is returned and its page left alone");
  virtio_balloon_destroy (b);
  vmm_mem_destroy (mem);
  vmm_bus_destroy (bus);
  return tap_done ();
}

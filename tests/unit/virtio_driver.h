/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A tiny virtio-mmio driver for the unit tests: register access through
 * vmm_bus_dispatch as a vCPU's MMIO exits would, the §3.1.1 init sequence,
 * and driver-side split rings in fake guest RAM (one buffer per chain,
 * descriptors handed out round robin). */
#ifndef TEST_VIRTIO_DRIVER_H
#define TEST_VIRTIO_DRIVER_H

#include "kvm-shim/virtio/mmio.h"

#include <string.h>

#define DRV_MAX_QUEUES 40

struct drv_queue
{
  uint16_t size, next_desc, last_used;
  uint64_t desc_gpa, avail_gpa, used_gpa;
  struct virtq_desc *desc;
  struct virtq_avail *avail;
  struct virtq_used *used;
};

struct drv
{
  struct vmm_bus *bus;
  struct vmm_mem *mem;
  uint64_t base;
  uint64_t next_gpa; /* bump allocator for rings and buffers */
  struct drv_queue q[DRV_MAX_QUEUES];
};

static inline uint32_t
drv_read (struct drv *d, uint64_t off)
{
  uint32_t v = 0;

  vmm_bus_dispatch (d->bus, VMM_BUS_MMIO, d->base + off, (uint8_t *)&v, 4, false, NULL);
  return v;
}

static inline void
drv_write (struct drv *d, uint64_t off, uint32_t v)
{
  vmm_bus_dispatch (d->bus, VMM_BUS_MMIO, d->base + off, (uint8_t *)&v, 4, true, NULL);
}

static inline uint64_t
drv_alloc (struct drv *d, uint64_t len)
{
  uint64_t gpa = (d->next_gpa + 15) & ~15ULL;

  d->next_gpa = gpa + len;
  return gpa;
}

static inline void *
drv_ptr (struct drv *d, uint64_t gpa)
{
  return vmm_mem_ptr (d->mem, gpa, 1);
}

/* Status writes as Linux does them: the old value plus a bit. */
static inline void
drv_add_status (struct drv *d, uint32_t bit)
{
  drv_write (d, 0x70, drv_read (d, 0x70) | bit);
}

static inline void
drv_set_features (struct drv *d, uint64_t features)
{
  drv_write (d, 0x24, 0);
  drv_write (d, 0x20, (uint32_t)features);
  drv_write (d, 0x24, 1);
  drv_write (d, 0x20, (uint32_t)(features >> 32));
}

static inline uint64_t
drv_device_features (struct drv *d)
{
  uint64_t lo, hi;

  drv_write (d, 0x14, 0);
  lo = drv_read (d, 0x10);
  drv_write (d, 0x14, 1);
  hi = drv_read (d, 0x10);
  return lo | hi << 32;
}

/* Allocate and register the rings of queue i (size entries), ready. */
static inline void
drv_setup_queue (struct drv *d, unsigned i, uint16_t size)
{
  struct drv_queue *q = &d->q[i];

  q->size = size;
  q->desc_gpa = drv_alloc (d, 16 * size);
  q->avail_gpa = drv_alloc (d, 6 + 2 * size);
  q->used_gpa = drv_alloc (d, 6 + 8 * size);
  q->desc = drv_ptr (d, q->desc_gpa);
  q->avail = drv_ptr (d, q->avail_gpa);
  q->used = drv_ptr (d, q->used_gpa);
  drv_write (d, 0x30, i);
  drv_write (d, 0x38, size);
  drv_write (d, 0x80, (uint32_t)q->desc_gpa);
  drv_write (d, 0x84, (uint32_t)(q->desc_gpa >> 32));
  drv_write (d, 0x90, (uint32_t)q->avail_gpa);
  drv_write (d, 0x94, (uint32_t)(q->avail_gpa >> 32));
  drv_write (d, 0xa0, (uint32_t)q->used_gpa);
  drv_write (d, 0xa4, (uint32_t)(q->used_gpa >> 32));
  drv_write (d, 0x44, 1);
}

/* The whole init sequence up to DRIVER_OK with n_queues queues. */
static inline void
drv_init (struct drv *d, uint64_t features, unsigned n_queues, uint16_t size)
{
  unsigned i;

  drv_write (d, 0x70, 0);
  drv_add_status (d, VIRTIO_STATUS_ACKNOWLEDGE);
  drv_add_status (d, VIRTIO_STATUS_DRIVER);
  drv_set_features (d, features);
  drv_add_status (d, VIRTIO_STATUS_FEATURES_OK);
  for (i = 0; i < n_queues; i++)
    drv_setup_queue (d, i, size);
  drv_add_status (d, VIRTIO_STATUS_DRIVER_OK);
}

/* Offer one buffer on queue i (device-writable when `writable`); returns
 * its gpa.  Does not notify. */
static inline uint64_t
drv_offer (struct drv *d, unsigned i, const void *data, uint32_t len, bool writable)
{
  struct drv_queue *q = &d->q[i];
  uint16_t id = q->next_desc++ % q->size;
  uint64_t gpa = drv_alloc (d, len);

  if (data)
    memcpy (drv_ptr (d, gpa), data, len);
  q->desc[id]
      = (struct virtq_desc){ .addr = gpa, .len = len, .flags = writable ? VIRTQ_DESC_F_WRITE : 0 };
  q->avail->ring[q->avail->idx % q->size] = id;
  __atomic_store_n (&q->avail->idx, q->avail->idx + 1, __ATOMIC_RELEASE);
  return gpa;
}

static inline void
drv_notify (struct drv *d, unsigned i)
{
  drv_write (d, 0x50, i);
}

/* The next used element of queue i: its buffer's bytes and length. */
static inline bool
drv_used (struct drv *d, unsigned i, void **buf, uint32_t *len)
{
  struct drv_queue *q = &d->q[i];
  struct virtq_used_elem *e;

  if (__atomic_load_n (&q->used->idx, __ATOMIC_ACQUIRE) == q->last_used)
    return false;
  e = &q->used->ring[q->last_used++ % q->size];
  *buf = drv_ptr (d, q->desc[e->id].addr);
  *len = e->len;
  return true;
}

#endif

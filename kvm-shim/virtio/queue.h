/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Split virtqueues (virtio 1.1 §2.6, §2.7.7-8): the device side of the
 * descriptor table, the available ring and the used ring in guest RAM.
 * virtq_pop() turns one descriptor chain into validated host iovecs, the
 * device-readable part first, the device-writable part after; virtq_push()
 * returns it; virtq_needs_interrupt() applies VIRTIO_F_EVENT_IDX or
 * VIRTQ_AVAIL_F_NO_INTERRUPT.  Every guest address goes through
 * vmm_mem_ptr(); a chain that breaks the rules is an error, never a crash.
 * A queue is not locked: its device serialises every call on it (the
 * virtio_dev lock, mmio.h). */
#ifndef VIRTIO_QUEUE_H
#define VIRTIO_QUEUE_H

#include "common/error.h"
#include "kvm-shim/vmm/mem.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Descriptor and ring flags, feature bits (virtio 1.1 §2.6.5, §6). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* The largest split queue the spec allows (§2.6). */
#define VIRTQ_SIZE_MAX 32768
/* The most entries an indirect table may have.  The spec bounds a chain by
 * the queue size, but Linux's virtio_ring puts up to total_sg entries in
 * one indirect table whatever the queue size, so it gets a bound of its
 * own (QEMU's is the same 1024). */
#define VIRTQ_INDIRECT_MAX 1024

/* The ring layout in guest memory, little-endian (virtio 1.1 §2.6.5-8). */
struct virtq_desc
{
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};

struct virtq_avail
{
  uint16_t flags;
  uint16_t idx;
  uint16_t ring[]; /* [size], then uint16_t used_event */
};

struct virtq_used_elem
{
  uint32_t id;
  uint32_t len;
};

struct virtq_used
{
  uint16_t flags;
  uint16_t idx;
  struct virtq_used_elem ring[]; /* [size], then uint16_t avail_event */
};

/* One queue.  The transport fills size and the three addresses from the
 * driver's writes, then calls virtq_activate(); the rest is private. */
struct virtq
{
  uint16_t size;      /* QueueNum, a power of two */
  bool ready;         /* QueueReady as the driver last saw it */
  uint64_t desc_gpa;  /* QueueDesc */
  uint64_t avail_gpa; /* QueueDriver */
  uint64_t used_gpa;  /* QueueDevice */

  /* Set by virtq_activate(). */
  const struct vmm_mem *mem;
  struct virtq_desc *desc;
  struct virtq_avail *avail;
  struct virtq_used *used;
  bool event_idx; /* VIRTIO_F_EVENT_IDX negotiated */
  bool indirect;  /* VIRTIO_F_INDIRECT_DESC negotiated */
  bool active;
  bool broken;         /* the guest broke a rule: no more pops or pushes */
  uint16_t last_avail; /* next available-ring entry to take */
  uint16_t used_idx;   /* our copy of used->idx */
  uint16_t signalled_used;
  bool signalled_valid;
};

/* One popped chain.  iov[0 .. n_readable) are the device-readable buffers
 * (the request), iov[n_readable .. n_readable + n_writable) the
 * device-writable ones (room for the reply).  The iovecs point into guest
 * RAM: the guest can change the bytes under us, so a device copies a
 * header out before it checks it.  Zero-length descriptors are dropped.
 * The caller owns the struct; iov grows as needed and is released by
 * virtq_chain_release(). */
struct virtq_chain
{
  uint16_t head; /* id to hand back to virtq_push() */
  unsigned n_readable, n_writable;
  uint32_t readable_len, writable_len; /* bytes; their sum fits 32 bits */
  struct iovec *iov;
  unsigned iov_cap;
};

/* Check the driver's ring addresses and size against guest RAM (alignment
 * §2.6, every byte through vmm_mem_ptr) and start at index 0.  `features`
 * are the negotiated ones.  -1 when the rings are not usable. */
int virtq_activate (struct virtq *q, const struct vmm_mem *mem, uint64_t features, hy_error_t *err);
/* Back to the reset state: not ready, size `size`, addresses 0. */
void virtq_reset (struct virtq *q, uint16_t size);

/* Take the next available chain.  Returns 1 with *chain filled, 0 when the
 * driver has made nothing more available (with EVENT_IDX, avail_event is
 * then set so the driver notifies on the next buffer), -1 with *err set
 * when the chain breaks a rule (loop, index or address out of range, a
 * readable buffer after a writable one, lengths overflowing 32 bits,
 * nested or malformed indirect table): the queue is then broken and the
 * device must stop using it (virtio_dev_needs_reset, mmio.h). */
int virtq_pop (struct virtq *q, struct virtq_chain *chain, hy_error_t *err);
/* Give back the last chain popped, unused, so the next pop returns it
 * again (a device that found it cannot use the buffer yet). */
void virtq_unpop (struct virtq *q);
/* Return chain `head` to the driver with `written` bytes written into its
 * writable part.  -1 when head is not a valid index. */
int virtq_push (struct virtq *q, uint16_t head, uint32_t written, hy_error_t *err);
/* After one or more pushes: must the device interrupt the driver?  Applies
 * used_event (EVENT_IDX, §2.6.7.2) or VIRTQ_AVAIL_F_NO_INTERRUPT, and
 * remembers the decision point. */
bool virtq_needs_interrupt (struct virtq *q);
/* Anything available that virtq_pop() would return?  (No side effect.) */
bool virtq_has_avail (const struct virtq *q);

/* Copy between a chain and host memory: `offset` counts from the start of
 * the readable (resp. writable) part.  Return the bytes copied, short at
 * the end of the part. */
size_t virtq_chain_read (const struct virtq_chain *chain, size_t offset, void *dst, size_t len);
size_t virtq_chain_write (const struct virtq_chain *chain, size_t offset, const void *src,
                          size_t len);
/* The writable part as an iovec array (for readv into guest buffers). */
static inline const struct iovec *
virtq_chain_writable (const struct virtq_chain *chain)
{
  return chain->iov + chain->n_readable;
}
void virtq_chain_release (struct virtq_chain *chain);

#define cleanup_virtq_chain __attribute__ ((cleanup (virtq_chain_release)))

#endif

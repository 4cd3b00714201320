/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Split virtqueues, device side: ring validation at activation, chain
 * walking (direct and one level of indirect descriptors) with every index,
 * address and length checked, used-ring pushes and the EVENT_IDX
 * interrupt decision.  Ordering (virtio 1.1 §2.6.13, §2.7.7): avail->idx
 * is read with acquire before the ring entry and descriptors it publishes;
 * used->idx is stored with release after the used element; the
 * suppression fields are read after a full fence. */
#include "kvm-shim/virtio/queue.h"
#include "common/xalloc.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>

/* Guest-shared 16-bit fields: single loads and stores, never torn. */
static uint16_t
load16_acquire (const uint16_t *p)
{
  return le16toh (__atomic_load_n (p, __ATOMIC_ACQUIRE));
}

static uint16_t
load16 (const uint16_t *p)
{
  return le16toh (__atomic_load_n (p, __ATOMIC_RELAXED));
}

static void
store16 (uint16_t *p, uint16_t v, int order)
{
  __atomic_store_n (p, htole16 (v), order);
}

static bool
is_pow2 (uint32_t v)
{
  return v != 0 && (v & (v - 1)) == 0;
}

/* One ring part: aligned and entirely guest RAM of one region. */
static void *
map_part (const struct vmm_mem *mem, uint64_t gpa, uint64_t len, uint64_t align, const char *what,
          hy_error_t *err)
{
  void *p;

  if (gpa % align != 0)
    {
      hy_error_set (err, 0, "virtqueue %s at 0x%llx: not %llu-byte aligned", what,
                    (unsigned long long)gpa, (unsigned long long)align);
      return NULL;
    }
  p = vmm_mem_ptr (mem, gpa, len);
  if (p == NULL)
    hy_error_set (err, 0, "virtqueue %s 0x%llx+0x%llx: not guest RAM", what,
                  (unsigned long long)gpa, (unsigned long long)len);
  return p;
}

int
virtq_activate (struct virtq *q, const struct vmm_mem *mem, uint64_t features, hy_error_t *err)
{
  uint64_t n = q->size;

  if (!is_pow2 (q->size) || q->size > VIRTQ_SIZE_MAX)
    return hy_error_set (err, 0, "virtqueue size %u: not a power of two up to 32768", q->size);
  /* Sizes and alignments of §2.6 (table "Virtqueue Part Alignment"); the
   * trailing event fields count whether or not EVENT_IDX is used. */
  q->desc = map_part (mem, q->desc_gpa, 16 * n, 16, "descriptor table", err);
  if (q->desc == NULL)
    return -1;
  q->avail = map_part (mem, q->avail_gpa, 6 + 2 * n, 2, "available ring", err);
  if (q->avail == NULL)
    return -1;
  q->used = map_part (mem, q->used_gpa, 6 + 8 * n, 4, "used ring", err);
  if (q->used == NULL)
    return -1;
  q->mem = mem;
  q->event_idx = features & (1ULL << VIRTIO_F_EVENT_IDX);
  q->indirect = features & (1ULL << VIRTIO_F_INDIRECT_DESC);
  q->last_avail = 0;
  q->used_idx = 0;
  q->signalled_used = 0;
  q->signalled_valid = false;
  q->broken = false;
  q->active = true;
  return 0;
}

void
virtq_reset (struct virtq *q, uint16_t size)
{
  memset (q, 0, sizeof (*q));
  q->size = size;
}

/* avail_event sits after the used ring, used_event after the avail ring. */
static uint16_t *
avail_event (struct virtq *q)
{
  return (uint16_t *)&q->used->ring[q->size];
}

static const uint16_t *
used_event (const struct virtq *q)
{
  return &q->avail->ring[q->size];
}

/* The guest broke a rule: the queue takes no more work until reset. */
#define broken(q, err, ...) ((q)->broken = true, hy_error_set ((err), 0, __VA_ARGS__))

/* Where one walk stands: the table (the queue's or an indirect one), its
 * length, and how many of its descriptors we took. */
struct walk
{
  const struct virtq_desc *table;
  uint32_t table_len;
  uint32_t seen;
  bool in_indirect;
};

/* Read a descriptor once: the guest may rewrite it while we look. */
static struct virtq_desc
read_desc (const struct virtq_desc *d)
{
  struct virtq_desc v;

  memcpy (&v, d, sizeof (v));
  v.addr = le64toh (v.addr);
  v.len = le32toh (v.len);
  v.flags = le16toh (v.flags);
  v.next = le16toh (v.next);
  return v;
}

/* Switch the walk to the indirect table `d` points to (§2.6.5.3). */
static int
enter_indirect (struct virtq *q, struct walk *w, const struct virtq_desc *d, hy_error_t *err)
{
  if (!q->indirect)
    return broken (q, err, "indirect descriptor without VIRTIO_F_INDIRECT_DESC");
  if (w->in_indirect)
    return broken (q, err, "nested indirect table (entry %u of %u)", w->seen, w->table_len);
  if (d->flags & VIRTQ_DESC_F_NEXT)
    return broken (q, err, "indirect descriptor with NEXT set (len %u, flags %u)", d->len,
                   d->flags);
  if (d->len == 0 || d->len % sizeof (struct virtq_desc) != 0
      || d->len / sizeof (struct virtq_desc) > VIRTQ_INDIRECT_MAX)
    return broken (q, err, "indirect table of %u bytes: not 1..%u descriptors", d->len,
                   VIRTQ_INDIRECT_MAX);
  /* No alignment is required of an indirect table (Linux kmallocs it,
   * 8-byte aligned); entries are read with memcpy (read_desc). */
  w->table = vmm_mem_ptr (q->mem, d->addr, d->len);
  if (w->table == NULL)
    return broken (q, err, "indirect table 0x%llx+0x%x is not guest RAM",
                   (unsigned long long)d->addr, d->len);
  w->table_len = d->len / sizeof (struct virtq_desc);
  w->seen = 0;
  w->in_indirect = true;
  return 0;
}

static void
chain_append (struct virtq_chain *c, void *base, uint32_t len)
{
  unsigned n = c->n_readable + c->n_writable;

  if (n == c->iov_cap)
    {
      c->iov_cap = c->iov_cap ? 2 * c->iov_cap : 16;
      c->iov = xrealloc (c->iov, c->iov_cap * sizeof (*c->iov));
    }
  c->iov[n] = (struct iovec){ .iov_base = base, .iov_len = len };
}

/* One buffer descriptor into the chain. */
static int
take_buffer (struct virtq *q, struct virtq_chain *c, const struct virtq_desc *d, hy_error_t *err)
{
  bool writable = d->flags & VIRTQ_DESC_F_WRITE;
  uint64_t total = (uint64_t)c->readable_len + c->writable_len + d->len;
  void *p;

  if (!writable && c->n_writable > 0)
    return broken (q, err, "readable descriptor after %u writable ones (len %u)", c->n_writable,
                   d->len);
  if (total > UINT32_MAX)
    return broken (q, err, "chain longer than 4 GiB (%u buffers, +%u bytes)",
                   c->n_readable + c->n_writable, d->len);
  if (d->len == 0)
    return 0;
  p = vmm_mem_ptr (q->mem, d->addr, d->len);
  if (p == NULL)
    return broken (q, err, "buffer 0x%llx+0x%x is not guest RAM", (unsigned long long)d->addr,
                   d->len);
  chain_append (c, p, d->len);
  if (writable)
    {
      c->n_writable++;
      c->writable_len += d->len;
    }
  else
    {
      c->n_readable++;
      c->readable_len += d->len;
    }
  return 0;
}

/* Follow the chain from `head`.  A table of n descriptors can hold no
 * chain longer than n: one more means a loop (§2.6.5.3.1). */
static int
walk_chain (struct virtq *q, struct virtq_chain *c, uint16_t head, hy_error_t *err)
{
  struct walk w = { .table = q->desc, .table_len = q->size };
  uint32_t idx = head;

  for (;;)
    {
      struct virtq_desc d;

      if (idx >= w.table_len)
        return broken (q, err, "descriptor index %u out of range (table of %u)", idx, w.table_len);
      if (++w.seen > w.table_len)
        return broken (q, err, "descriptor chain loops (more than %u in a table of %u)",
                       w.table_len, w.table_len);
      d = read_desc (&w.table[idx]);
      if (d.flags & VIRTQ_DESC_F_INDIRECT)
        {
          if (enter_indirect (q, &w, &d, err) < 0)
            return -1;
          idx = 0;
          continue;
        }
      if (take_buffer (q, c, &d, err) < 0)
        return -1;
      if (!(d.flags & VIRTQ_DESC_F_NEXT))
        return 0;
      idx = d.next;
    }
}

/* With EVENT_IDX: ask to be notified when the driver makes entry
 * last_avail available (§2.6.7.2, device side of 2.6.10). */
static void
publish_avail_event (struct virtq *q)
{
  if (q->event_idx)
    store16 (avail_event (q), q->last_avail, __ATOMIC_RELAXED);
}

/* How many entries the driver has made available, checked: more than the
 * queue size means a corrupt index. */
static int
pending (struct virtq *q, hy_error_t *err)
{
  uint16_t n = (uint16_t)(load16_acquire (&q->avail->idx) - q->last_avail);

  if (n > q->size)
    return broken (q, err, "available index moved by %u in a queue of %u", n, q->size);
  return n;
}

int
virtq_pop (struct virtq *q, struct virtq_chain *c, hy_error_t *err)
{
  int n;
  uint16_t head;

  if (!q->active || q->broken)
    return hy_error_set (err, 0, "virtqueue %s", q->broken ? "broken" : "not active");
  n = pending (q, err);
  if (n == 0)
    {
      /* Publish avail_event, then look again: a buffer added between the
       * first look and the store would otherwise never be notified. */
      publish_avail_event (q);
      __atomic_thread_fence (__ATOMIC_SEQ_CST);
      n = pending (q, err);
    }
  if (n <= 0)
    return n;
  head = load16 (&q->avail->ring[q->last_avail % q->size]);
  c->head = head;
  c->n_readable = c->n_writable = 0;
  c->readable_len = c->writable_len = 0;
  if (walk_chain (q, c, head, err) < 0)
    return hy_error_prefix (err, "chain at head %u", head);
  q->last_avail++;
  publish_avail_event (q);
  return 1;
}

void
virtq_unpop (struct virtq *q)
{
  q->last_avail--;
  publish_avail_event (q);
}

int
virtq_push (struct virtq *q, uint16_t head, uint32_t written, hy_error_t *err)
{
  struct virtq_used_elem *e;

  if (!q->active || q->broken)
    return hy_error_set (err, 0, "virtqueue %s", q->broken ? "broken" : "not active");
  if (head >= q->size)
    return hy_error_set (err, 0, "push of head %u in a queue of %u", head, q->size);
  e = &q->used->ring[q->used_idx % q->size];
  e->id = htole32 (head);
  e->len = htole32 (written);
  q->used_idx++;
  /* Release: the element is visible before the index that publishes it. */
  store16 (&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
  return 0;
}

/* (new - event - 1) < (new - old), in 16-bit arithmetic (§2.6.7.2). */
static bool
need_event (uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
  return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

bool
virtq_needs_interrupt (struct virtq *q)
{
  uint16_t old = q->signalled_used;
  bool valid = q->signalled_valid;

  if (!q->active || q->broken)
    return false;
  /* Our used->idx store must be visible before we read what the driver
   * asked for, or both sides can miss each other (§2.6.7.2 note). */
  __atomic_thread_fence (__ATOMIC_SEQ_CST);
  q->signalled_used = q->used_idx;
  q->signalled_valid = true;
  if (valid && old == q->used_idx)
    return false; /* nothing pushed since the last decision */
  if (!q->event_idx)
    return !(load16 (&q->avail->flags) & VIRTQ_AVAIL_F_NO_INTERRUPT);
  return !valid || need_event (load16 (used_event (q)), q->used_idx, old);
}

bool
virtq_has_avail (const struct virtq *q)
{
  if (!q->active || q->broken)
    return false;
  return load16_acquire (&q->avail->idx) != q->last_avail;
}

/* Copy across the iovecs of one part, starting `offset` bytes in. */
static size_t
copy_iov (const struct iovec *iov, unsigned n, size_t offset, void *buf, size_t len, bool to_iov)
{
  size_t done = 0;
  unsigned i;

  for (i = 0; i < n && done < len; i++)
    {
      size_t chunk;

      if (offset >= iov[i].iov_len)
        {
          offset -= iov[i].iov_len;
          continue;
        }
      chunk = iov[i].iov_len - offset;
      if (chunk > len - done)
        chunk = len - done;
      if (to_iov)
        memcpy ((uint8_t *)iov[i].iov_base + offset, (uint8_t *)buf + done, chunk);
      else
        memcpy ((uint8_t *)buf + done, (uint8_t *)iov[i].iov_base + offset, chunk);
      done += chunk;
      offset = 0;
    }
  return done;
}

size_t
virtq_chain_read (const struct virtq_chain *c, size_t offset, void *dst, size_t len)
{
  return copy_iov (c->iov, c->n_readable, offset, dst, len, false);
}

size_t
virtq_chain_write (const struct virtq_chain *c, size_t offset, const void *src, size_t len)
{
  /* a chain of zero-length buffers only has no iov at all: NULL + 0 is
   * undefined (found by tests/fuzz/fuzz_virtq) */
  if (c->iov == NULL)
    return 0;
  return copy_iov (c->iov + c->n_readable, c->n_writable, offset, (void *)src, len, true);
}

void
virtq_chain_release (struct virtq_chain *c)
{
  free (c->iov);
  c->iov = NULL;
  c->iov_cap = 0;
}

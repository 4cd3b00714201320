/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-balloon, free page reporting (virtio_balloon.h).  Each chain on
 * the reporting queue is a list of device-writable buffers whose guest
 * addresses are the free pages themselves: the queue layer has already
 * checked that every one lies in guest RAM and turned it into a host
 * iovec; the whole pages inside each are dropped with MADV_DONTNEED and
 * the chain is returned with nothing written. */
#include "kvm-shim/devices/virtio_balloon.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <endian.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum
{
  Q_INFLATE,
  Q_DEFLATE,
  Q_REPORTING, /* the third queue the driver finds: stats and free page
                  hinting, which would come before it, are not offered */
  N_QUEUES,
};
#define QUEUE_MAX 64

struct virtio_balloon
{
  struct virtio_dev dev;
  atomic_ullong reported;
};

static struct virtio_balloon *
from_dev (struct virtio_dev *dev)
{
  return virtio_container_of (dev, struct virtio_balloon, dev);
}

/* config: le32 num_pages (0: never inflate), le32 actual, le32
 * free_page_hint_cmd_id, le32 poison_val */
static void
balloon_config_read (struct virtio_dev *dev, uint32_t offset, void *data, uint32_t len)
{
  uint8_t cfg[16];

  (void)dev;
  memset (cfg, 0, sizeof (cfg));
  memcpy (data, cfg + offset, len);
}

/* The driver writes `actual`; nothing to do with it. */
static void
balloon_config_write (struct virtio_dev *dev, uint32_t offset, const void *data, uint32_t len)
{
  (void)dev, (void)offset, (void)data, (void)len;
}

/* Give back the whole pages inside one reported buffer. */
static uint64_t
discard (const struct iovec *v)
{
  long page = sysconf (_SC_PAGESIZE);
  uintptr_t start = ((uintptr_t)v->iov_base + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
  uintptr_t end = ((uintptr_t)v->iov_base + v->iov_len) & ~((uintptr_t)page - 1);

  if (end <= start || madvise ((void *)start, end - start, MADV_DONTNEED) < 0)
    return 0;
  return end - start;
}

static int
balloon_notify (struct virtio_dev *dev, uint16_t index, hy_error_t *err)
{
  struct virtio_balloon *b = from_dev (dev);
  struct virtq *q = virtio_dev_queue (dev, index);
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  bool pushed = false;
  int r;

  if (q == NULL || index >= N_QUEUES)
    return 0;
  while ((r = virtq_pop (q, &c, err)) > 0)
    {
      unsigned i;
      /* only reported pages are dropped: inflate/deflate are never asked */
      for (i = 0; index == Q_REPORTING && i < c.n_writable; i++)
        atomic_fetch_add (&b->reported, discard (&c.iov[c.n_readable + i]));
      if (virtq_push (q, c.head, 0, err) < 0)
        return -1;
      pushed = true;
    }
  if (pushed)
    virtio_dev_queue_done (dev, index);
  return r < 0 ? -1 : 0;
}

static const struct virtio_dev_ops balloon_ops = {
  .name = "virtio-balloon",
  .device_id = VIRTIO_ID_BALLOON,
  .n_queues = N_QUEUES,
  .queue_max = QUEUE_MAX,
  .features = 1ULL << VIRTIO_BALLOON_F_REPORTING,
  .config_size = 16,
  .config_read = balloon_config_read,
  .config_write = balloon_config_write,
  .queue_notify = balloon_notify,
};

struct virtio_balloon *
virtio_balloon_create (const struct virtio_mmio_params *p, hy_error_t *err)
{
  struct virtio_balloon *b = xzalloc (sizeof (*b));

  if (virtio_dev_init (&b->dev, &balloon_ops, p, err) < 0)
    {
      free (b);
      return NULL;
    }
  return b;
}

void
virtio_balloon_destroy (struct virtio_balloon *b)
{
  if (b == NULL)
    return;
  virtio_dev_fini (&b->dev);
  free (b);
}

struct virtio_dev *
virtio_balloon_dev (struct virtio_balloon *b)
{
  return &b->dev;
}

uint64_t
virtio_balloon_reported (struct virtio_balloon *b)
{
  return atomic_load (&b->reported);
}

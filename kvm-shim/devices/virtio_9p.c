/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-9p (virtio_9p.h).  A notify pops every available chain, copies
 * the request out of guest memory (the chain's readable part, at most
 * msize), lets the server answer into a host buffer and copies the reply
 * into the writable part: the server never sees a guest address, and a
 * reply longer than the guest's buffers is refused, not truncated. */
#include "kvm-shim/devices/virtio_9p.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "kvm-shim/fs/p9.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#define F_MOUNT_TAG 0
#define QUEUE_MAX 128
#define TAG_MAX 64 /* QEMU allows 32; the config space holds at most 256 bytes */

struct virtio_9p
{
  struct virtio_dev dev;
  struct p9_server *srv;
  char tag[TAG_MAX + 1];
  uint16_t tag_len;
  uint8_t *req, *resp; /* P9_MAX_MSIZE each */
};

static struct virtio_9p *
from_dev (struct virtio_dev *dev)
{
  return virtio_container_of (dev, struct virtio_9p, dev);
}

/* config: le16 tag_len, then the tag (no NUL) */
static void
p9_config_read (struct virtio_dev *dev, uint32_t offset, void *data, uint32_t len)
{
  struct virtio_9p *p9 = from_dev (dev);
  uint8_t cfg[2 + TAG_MAX];
  uint16_t le = htole16 (p9->tag_len);

  memset (cfg, 0, sizeof (cfg));
  memcpy (cfg, &le, 2);
  memcpy (cfg + 2, p9->tag, p9->tag_len);
  memcpy (data, cfg + offset, len);
}

static int
serve_one (struct virtio_9p *p9, struct virtq_chain *c)
{
  size_t req_len = c->readable_len, resp_len;

  if (req_len > P9_MAX_MSIZE)
    req_len = P9_MAX_MSIZE; /* the header's size then disagrees: EINVAL */
  req_len = virtq_chain_read (c, 0, p9->req, req_len);
  resp_len = p9_server_handle (p9->srv, p9->req, req_len, p9->resp,
                               c->writable_len < P9_MAX_MSIZE ? c->writable_len : P9_MAX_MSIZE);
  return (int)virtq_chain_write (c, 0, p9->resp, resp_len);
}

static int
p9_notify (struct virtio_dev *dev, uint16_t index, hy_error_t *err)
{
  struct virtio_9p *p9 = from_dev (dev);
  struct virtq *q = virtio_dev_queue (dev, 0);
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  bool pushed = false;
  int r;

  if (index != 0 || q == NULL)
    return 0;
  while ((r = virtq_pop (q, &c, err)) > 0)
    {
      int n = serve_one (p9, &c);
      if (virtq_push (q, c.head, (uint32_t)n, err) < 0)
        return -1;
      pushed = true;
    }
  if (pushed)
    virtio_dev_queue_done (dev, 0);
  return r < 0 ? -1 : 0;
}

static const struct virtio_dev_ops p9_ops = {
  .name = "virtio-9p",
  .device_id = VIRTIO_ID_9P,
  .n_queues = 1,
  .queue_max = QUEUE_MAX,
  .features = 1ULL << F_MOUNT_TAG,
  .config_size = 2 + TAG_MAX,
  .config_read = p9_config_read,
  .queue_notify = p9_notify,
};

struct virtio_9p *
virtio_9p_create (const struct virtio_mmio_params *p, const char *dir, const char *tag,
                  const struct p9_idmap *idmap, hy_error_t *err)
{
  struct virtio_9p *p9;
  size_t n = strlen (tag);

  if (n == 0 || n > TAG_MAX)
    {
      hy_error_set (err, 0, "virtio-9p: mount tag \"%s\" must be 1..%d bytes", tag, TAG_MAX);
      return NULL;
    }
  p9 = xzalloc (sizeof (*p9));
  memcpy (p9->tag, tag, n);
  p9->tag_len = (uint16_t)n;
  p9->srv = p9_server_create (dir, err);
  if (p9->srv == NULL || p9_server_set_idmap (p9->srv, idmap, err) < 0)
    {
      p9_server_destroy (p9->srv);
      free (p9);
      return NULL;
    }
  p9->req = xmalloc (P9_MAX_MSIZE);
  p9->resp = xmalloc (P9_MAX_MSIZE);
  if (virtio_dev_init (&p9->dev, &p9_ops, p, err) < 0)
    {
      virtio_9p_destroy (p9);
      return NULL;
    }
  return p9;
}

void
virtio_9p_destroy (struct virtio_9p *p9)
{
  if (p9 == NULL)
    return;
  if (p9->dev.ops)
    virtio_dev_fini (&p9->dev);
  p9_server_destroy (p9->srv);
  free (p9->req);
  free (p9->resp);
  free (p9);
}

struct virtio_dev *
virtio_9p_dev (struct virtio_9p *p9)
{
  return &p9->dev;
}

const struct p9_server *
virtio_9p_server (const struct virtio_9p *p9)
{
  return p9->srv;
}

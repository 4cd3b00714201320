/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-net (virtio_net.h).  Receive: the loop thread pops a receive
 * chain, reads one frame from the fd into a host buffer after a zeroed
 * header, and copies both into the chain's writable part; no chain, no
 * read (the fd is unwatched until the guest posts buffers and notifies).
 * Transmit: on the guest's notify, each chain's readable part is copied
 * out (never longer than VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX),
 * its header checked, the frame written to the fd.  Frames that do not
 * fit are dropped and counted, never truncated. */
#include "kvm-shim/devices/virtio_net.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define F_MTU 3
#define F_MAC 5
#define QUEUE_MAX 256
#define Q_RX 0
#define Q_TX 1
#define RX_BUDGET 64 /* frames per loop event: other fds get their turn */
#define ETH_HLEN_MIN 14

/* struct virtio_net_hdr with VERSION_1 (§5.1.6) */
struct net_hdr
{
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
  uint16_t num_buffers;
} __attribute__ ((packed));
_Static_assert(sizeof (struct net_hdr) == VIRTIO_NET_HDR_LEN, "virtio_net_hdr layout");

/* Config space (§5.1.4). */
struct net_config
{
  uint8_t mac[6];
  uint16_t status;
  uint16_t max_virtqueue_pairs;
  uint16_t mtu;
} __attribute__ ((packed));

struct virtio_net
{
  struct virtio_dev dev;
  struct vmm_loop *loop;
  int fd;
  uint8_t mac[6];
  uint16_t mtu;
  bool registered;
  uint32_t watched;         /* events the loop watches on fd now */
  bool rx_stalled;          /* the receive queue was empty at the last try */
  uint8_t *rx_buf, *tx_buf; /* header + frame, each */
  struct virtio_net_stats stats;
};

static struct virtio_net *
from_dev (struct virtio_dev *dev)
{
  return virtio_container_of (dev, struct virtio_net, dev);
}

static void
net_config_read (struct virtio_dev *dev, uint32_t offset, void *data, uint32_t len)
{
  struct virtio_net *n = from_dev (dev);
  struct net_config cfg = { .max_virtqueue_pairs = htole16 (1), .mtu = htole16 (n->mtu) };

  memcpy (cfg.mac, n->mac, 6);
  memcpy (data, (uint8_t *)&cfg + offset, len);
}

static void
queue_failed (struct virtio_net *n, hy_error_t *err)
{
  virtio_dev_needs_reset (&n->dev, *err ? (*err)->msg : "virtqueue error");
  hy_error_free (err);
}

/* Watch the fd for input exactly when a frame could go somewhere. */
static void
update_watch (struct virtio_net *n)
{
  cleanup_error hy_error_t err = NULL;
  uint32_t want = virtio_dev_is_live (&n->dev) && !n->rx_stalled ? EPOLLIN : 0;

  if (want == n->watched || !n->registered)
    return;
  if (vmm_loop_modify (n->loop, n->fd, want, &err) < 0)
    hy_warn ("virtio-net: %s", err->msg);
  else
    n->watched = want;
}

/* ---- host -> guest ----------------------------------------------------- */

static void
receive (struct virtio_net *n)
{
  struct virtq *q = virtio_dev_queue (&n->dev, Q_RX);
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  cleanup_error hy_error_t err = NULL;
  struct net_hdr h = { .num_buffers = htole16 (1) };
  bool pushed = false;
  unsigned i;

  for (i = 0; i < RX_BUDGET && virtio_dev_is_live (&n->dev); i++)
    {
      int r = virtq_pop (q, &c, &err);
      ssize_t len;

      if (r < 0)
        {
          queue_failed (n, &err);
          break;
        }
      if (r == 0)
        {
          n->rx_stalled = true; /* (EVENT_IDX: the pop asked for a notify) */
          break;
        }
      if (c.writable_len < VIRTIO_NET_HDR_LEN + ETH_HLEN_MIN)
        {
          virtio_dev_needs_reset (&n->dev, "virtio-net: a receive buffer too small for any frame");
          break;
        }
      len = read (n->fd, n->rx_buf + VIRTIO_NET_HDR_LEN, VIRTIO_NET_FRAME_MAX);
      if (len < 0)
        {
          virtq_unpop (q);
          if (errno != EAGAIN && errno != EINTR)
            hy_warn ("virtio-net: read a frame: %s", strerror (errno));
          break;
        }
      if ((size_t)len + VIRTIO_NET_HDR_LEN > c.writable_len || len < ETH_HLEN_MIN)
        {
          virtq_unpop (q); /* the buffer waits for a frame that fits */
          n->stats.rx_dropped++;
          continue;
        }
      memcpy (n->rx_buf, &h, sizeof (h));
      virtq_chain_write (&c, 0, n->rx_buf, (size_t)len + VIRTIO_NET_HDR_LEN);
      if (virtq_push (q, c.head, (uint32_t)len + VIRTIO_NET_HDR_LEN, &err) < 0)
        {
          queue_failed (n, &err);
          break;
        }
      n->stats.rx_frames++;
      pushed = true;
    }
  if (pushed)
    virtio_dev_queue_done (&n->dev, Q_RX);
  update_watch (n);
}

static int
fd_ready (void *opaque, int fd, uint32_t events, hy_error_t *err)
{
  struct virtio_net *n = opaque;

  pthread_mutex_lock (&n->dev.lock);
  if (n->watched & EPOLLIN)
    receive (n);
  pthread_mutex_unlock (&n->dev.lock);
  return 0;
}

/* ---- guest -> host ----------------------------------------------------- */

/* One transmit chain: the header, then the frame. */
static void
send_one (struct virtio_net *n, const struct virtq_chain *c)
{
  struct net_hdr h;
  size_t len;

  if (c->readable_len < VIRTIO_NET_HDR_LEN + ETH_HLEN_MIN
      || c->readable_len > VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX)
    {
      n->stats.tx_dropped++;
      return;
    }
  len = virtq_chain_read (c, 0, n->tx_buf, c->readable_len);
  memcpy (&h, n->tx_buf, sizeof (h));
  /* no offload was offered: a frame asking for one is not ours to send */
  if (h.gso_type != 0 || (h.flags & 1 /* NEEDS_CSUM */))
    {
      n->stats.tx_dropped++;
      return;
    }
  if (write (n->fd, n->tx_buf + VIRTIO_NET_HDR_LEN, len - VIRTIO_NET_HDR_LEN) < 0)
    n->stats.tx_dropped++; /* a full TAP queue drops, as a NIC would */
  else
    n->stats.tx_frames++;
}

static void
transmit (struct virtio_net *n)
{
  struct virtq *q = virtio_dev_queue (&n->dev, Q_TX);
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  cleanup_error hy_error_t err = NULL;
  bool pushed = false;
  int r;

  while ((r = virtq_pop (q, &c, &err)) > 0)
    {
      send_one (n, &c);
      if (virtq_push (q, c.head, 0, &err) < 0)
        break;
      pushed = true;
    }
  if (err)
    queue_failed (n, &err);
  if (pushed)
    virtio_dev_queue_done (&n->dev, Q_TX);
}

static int
net_notify (struct virtio_dev *dev, uint16_t index, hy_error_t *err)
{
  struct virtio_net *n = from_dev (dev);

  if (index == Q_TX)
    transmit (n);
  else if (index == Q_RX)
    {
      /* new receive buffers: read again (on the loop thread) */
      n->rx_stalled = false;
      update_watch (n);
    }
  return 0;
}

static int
net_activate (struct virtio_dev *dev, hy_error_t *err)
{
  struct virtio_net *n = from_dev (dev);

  n->rx_stalled = false;
  update_watch (n);
  return 0;
}

static void
net_reset (struct virtio_dev *dev)
{
  update_watch (from_dev (dev));
}

static const struct virtio_dev_ops net_ops = {
  .name = "virtio-net",
  .device_id = VIRTIO_ID_NET,
  .n_queues = 2,
  .queue_max = QUEUE_MAX,
  .features = (1ULL << F_MAC) | (1ULL << F_MTU),
  .config_size = sizeof (struct net_config),
  .config_read = net_config_read,
  .queue_notify = net_notify,
  .activate = net_activate,
  .reset = net_reset,
};

struct virtio_net *
virtio_net_create (const struct virtio_mmio_params *p, struct vmm_loop *loop, int fd,
                   const uint8_t mac[6], uint32_t mtu, hy_error_t *err)
{
  struct virtio_net *n;

  if (mtu < 68 || mtu > 65535)
    {
      hy_error_set (err, 0, "virtio-net: MTU %u out of range (68..65535)", mtu);
      return NULL;
    }
  n = xzalloc (sizeof (*n));
  n->loop = loop;
  n->fd = fd;
  n->mtu = (uint16_t)mtu;
  memcpy (n->mac, mac, 6);
  n->rx_buf = xmalloc (VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX);
  n->tx_buf = xmalloc (VIRTIO_NET_HDR_LEN + VIRTIO_NET_FRAME_MAX);
  if (vmm_loop_add (loop, fd, 0, fd_ready, n, err) < 0)
    {
      virtio_net_destroy (n);
      return NULL;
    }
  n->registered = true;
  if (virtio_dev_init (&n->dev, &net_ops, p, err) < 0)
    {
      virtio_net_destroy (n);
      return NULL;
    }
  return n;
}

void
virtio_net_destroy (struct virtio_net *n)
{
  if (n == NULL)
    return;
  if (n->registered)
    vmm_loop_remove (n->loop, n->fd, NULL);
  if (n->dev.ops)
    virtio_dev_fini (&n->dev);
  free (n->rx_buf);
  free (n->tx_buf);
  free (n);
}

struct virtio_dev *
virtio_net_dev (struct virtio_net *n)
{
  return &n->dev;
}

void
virtio_net_get_stats (struct virtio_net *n, struct virtio_net_stats *out)
{
  pthread_mutex_lock (&n->dev.lock);
  *out = n->stats;
  pthread_mutex_unlock (&n->dev.lock);
}

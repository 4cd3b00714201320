/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-console's port data path: host->guest bytes through a bounded
 * per-port buffer into the port's receive queue (host input read on the
 * event loop only while the guest can take it), guest->host bytes from its
 * transmit queue to an fd (resuming short writes through the loop) or a
 * callback.  Called with the device lock held, except virtio_console_port_io and
 * flush_output, which take it. */
#include "kvm-shim/devices/virtio_console_int.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/uio.h>
#include <unistd.h>

static void
bytes_append (struct bytes *b, const void *src, size_t len)
{
  if (b->off > 0 && b->off == b->len)
    b->off = b->len = 0;
  if (b->len + len > b->cap)
    {
      if (b->off > 0) /* (data is NULL until the first append) */
        memmove (b->data, b->data + b->off, b->len - b->off);
      b->len -= b->off;
      b->off = 0;
      if (b->len + len > b->cap)
        {
          b->cap = b->len + len;
          b->data = xrealloc (b->data, b->cap);
        }
    }
  memcpy (b->data + b->len, src, len);
  b->len += len;
}

/* ---- host fds on the loop ---------------------------------------------- */

/* Read host input only when it can go somewhere: the guest has the port
 * open and everything read before has reached its receive queue. */
static bool
want_input (const struct port *p)
{
  return p->in_fd >= 0 && !p->in_eof && !p->close_pending && p->guest_open
         && virtio_dev_is_live (&p->con->dev) && bytes_waiting (&p->pending) == 0;
}

static void
watch (struct port *p, int fd, uint32_t events, uint32_t *cur, bool *registered)
{
  cleanup_error hy_error_t err = NULL;

  if (events == *cur || p->con->loop == NULL)
    return;
  if (!*registered)
    {
      if (vmm_loop_add (p->con->loop, fd, events, virtio_console_port_io, p, &err) == 0)
        *registered = true;
    }
  else
    vmm_loop_modify (p->con->loop, fd, events, &err);
  if (err)
    hy_warn ("virtio-console port %d: %s", p->id, err->msg);
  else
    *cur = events;
}

/* Bring the loop's view of the port's fds up to date. */
void
virtio_console_watch (struct port *p)
{
  uint32_t in_ev = want_input (p) ? EPOLLIN : 0;
  uint32_t out_ev = p->tx_held ? EPOLLOUT : 0;
  bool in_registered = true; /* bind registered it */

  if (p->in_fd >= 0 && p->in_fd == p->out_fd)
    watch (p, p->in_fd, in_ev | out_ev, &p->in_events, &in_registered);
  else
    {
      if (p->in_fd >= 0)
        watch (p, p->in_fd, in_ev, &p->in_events, &in_registered);
      if (p->out_fd >= 0)
        watch (p, p->out_fd, out_ev, &p->out_events, &p->out_registered);
    }
}

/* ---- host -> guest ----------------------------------------------------- */

/* Move pending bytes into the port's receive buffers; once all are
 * delivered, a pending close becomes PORT_OPEN 0 - after the data, so the
 * guest's read() sees the bytes first, then EOF. */
void
virtio_console_deliver (struct port *p)
{
  struct virtio_console *con = p->con;
  struct virtq *q = virtio_dev_queue (&con->dev, rx_queue (p->id));
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  cleanup_error hy_error_t err = NULL;
  bool pushed = false;

  while (bytes_waiting (&p->pending) > 0 && p->guest_open && virtio_dev_is_live (&con->dev))
    {
      int r = virtq_pop (q, &c, &err);
      size_t n;

      if (r <= 0)
        {
          if (r < 0)
            virtio_console_queue_failed (con, &err);
          break;
        }
      n = virtq_chain_write (&c, 0, p->pending.data + p->pending.off, bytes_waiting (&p->pending));
      if (virtq_push (q, c.head, (uint32_t)n, &err) < 0)
        {
          virtio_console_queue_failed (con, &err);
          break;
        }
      p->pending.off += n;
      pushed = true;
    }
  if (pushed)
    virtio_dev_queue_done (&con->dev, rx_queue (p->id));
  if (bytes_waiting (&p->pending) == 0 && p->close_pending && virtio_dev_is_live (&con->dev))
    {
      p->close_pending = false;
      p->host_open = false;
      if (p->ready && multiport (con))
        virtio_console_send_ctrl (con, p->id, CTRL_PORT_OPEN, 0, NULL, 0);
    }
  virtio_console_watch (p);
}

/* in_fd is readable: one chunk into the port's buffer, or EOF. */
static void
read_input (struct port *p)
{
  uint8_t buf[CHUNK];
  ssize_t n;

  if (!want_input (p))
    return; /* an event fetched before we paused */
  n = read (p->in_fd, buf, sizeof (buf));
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return;
  if (n < 0)
    hy_warn ("virtio-console port %d: read input: %s; closing it", p->id, strerror (errno));
  if (n <= 0)
    {
      p->in_eof = true;
      p->close_pending = true;
    }
  else
    bytes_append (&p->pending, buf, (size_t)n);
  virtio_console_deliver (p);
}

void
virtio_console_input (struct port *p, const void *buf, size_t len)
{
  bytes_append (&p->pending, buf, len);
  virtio_console_deliver (p);
}

/* ---- guest -> host ----------------------------------------------------- */

/* The rest of the held chain from tx_off, as at most `max` iovecs. */
static unsigned
remaining_iov (const struct port *p, struct iovec *iov, unsigned max)
{
  size_t skip = p->tx_off;
  unsigned i, n = 0;

  for (i = 0; i < p->tx.n_readable && n < max; i++)
    {
      if (skip >= p->tx.iov[i].iov_len)
        {
          skip -= p->tx.iov[i].iov_len;
          continue;
        }
      iov[n].iov_base = (uint8_t *)p->tx.iov[i].iov_base + skip;
      iov[n++].iov_len = p->tx.iov[i].iov_len - skip;
      skip = 0;
    }
  return n;
}

/* Write what is left of the held chain; true when it is all out (or
 * dropped), false when out_fd would block. */
static bool
write_out (struct port *p)
{
  struct iovec iov[64];
  unsigned n;

  while ((n = remaining_iov (p, iov, 64)) > 0)
    {
      ssize_t w = writev (p->out_fd, iov, (int)n);

      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        return false;
      if (w < 0)
        {
          /* The reader went away (EPIPE) or the fd broke: the guest's
           * bytes have nowhere to go; drop them rather than stall it. */
          hy_warn ("virtio-console port %d: write output: %s; dropping output", p->id,
                   strerror (errno));
          p->out_failed = true;
          return true;
        }
      p->tx_off += (size_t)w;
    }
  return true;
}

/* Hand the readable part of a chain to the port's callback in bounded
 * copies (the guest can rewrite its buffers meanwhile). */
static void
give_to_callback (struct port *p)
{
  uint8_t buf[CHUNK];
  size_t off = 0, n;

  while ((n = virtq_chain_read (&p->tx, off, buf, sizeof (buf))) > 0)
    {
      cleanup_error hy_error_t err = NULL;

      if (p->ops->on_data (p->opaque, buf, n, &err) < 0)
        hy_warn ("virtio-console port %d: %s", p->id, err ? err->msg : "on_data failed");
      off += n;
    }
}

/* Drain the port's transmit queue; stops at a short write to out_fd. */
void
virtio_console_transmit (struct port *p)
{
  struct virtio_console *con = p->con;
  uint16_t qi = (uint16_t)(rx_queue (p->id) + 1);
  struct virtq *q = virtio_dev_queue (&con->dev, qi);
  cleanup_error hy_error_t err = NULL;
  bool pushed = false;

  while (virtio_dev_is_live (&con->dev))
    {
      if (!p->tx_held)
        {
          int r = virtq_pop (q, &p->tx, &err);

          if (r <= 0)
            {
              if (r < 0)
                virtio_console_queue_failed (con, &err);
              break;
            }
          p->tx_off = 0;
          p->tx_held = true;
          if (p->ops != NULL)
            give_to_callback (p);
        }
      if (p->out_fd >= 0 && !p->out_failed && !write_out (p))
        break; /* EAGAIN: resume on EPOLLOUT */
      p->tx_held = false;
      if (virtq_push (q, p->tx.head, 0, &err) < 0)
        {
          virtio_console_queue_failed (con, &err);
          break;
        }
      pushed = true;
    }
  if (pushed)
    virtio_dev_queue_done (&con->dev, qi);
  virtio_console_watch (p);
}

/* At stop, an out_fd that takes nothing for this long has no reader that
 * will: the rest is dropped (the VMM must end; a blocked writer would
 * keep it forever, as its vCPU once did). */
#define FLUSH_STALL_MS 2000

void
virtio_console_flush_output (struct virtio_console *con)
{
  pthread_mutex_lock (&con->dev.lock);
  for (int i = 0; i < con->n_ports; i++)
    {
      struct port *p = &con->ports[i];
      while (p->tx_held && p->out_fd >= 0 && !p->out_failed && !write_out (p))
        {
          struct pollfd pf = { p->out_fd, POLLOUT, 0 };
          int r = poll (&pf, 1, FLUSH_STALL_MS);
          if (r == 0 || (r < 0 && errno != EINTR))
            {
              hy_warn ("virtio-console port %d: output not taken for %d ms at stop; dropped", p->id,
                       FLUSH_STALL_MS);
              break;
            }
        }
    }
  pthread_mutex_unlock (&con->dev.lock);
}

int
virtio_console_port_io (void *opaque, int fd, uint32_t events, hy_error_t *err)
{
  struct port *p = opaque;
  struct virtio_console *con = p->con;

  pthread_mutex_lock (&con->dev.lock);
  if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && fd == p->out_fd && p->tx_held)
    virtio_console_transmit (p);
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && fd == p->in_fd)
    read_input (p);
  pthread_mutex_unlock (&con->dev.lock);
  return 0;
}

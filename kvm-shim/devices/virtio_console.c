/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-console with multiport (virtio 1.1 §5.3; Linux's
 * drivers/char/virtio_console.c is the driver it must satisfy): the port
 * table, the control protocol on queues 2/3, host->guest bytes through a
 * bounded per-port buffer into the port's receive queue, guest->host bytes
 * from its transmit queue to an fd (resuming short writes through the
 * event loop) or a callback.  Every entry point takes the device lock. */
#include "kvm-shim/devices/virtio_console.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define F_SIZE 0
#define F_MULTIPORT 1
#define QUEUE_MAX 128
#define N_QUEUES (2 * (VIRTIO_CONSOLE_MAX_PORTS + 1))
#define Q_CTRL_RX 2 /* host -> guest control messages (Linux's c_ivq) */
#define Q_CTRL_TX 3 /* guest -> host (c_ovq) */
#define NAME_MAX_LEN 127
#define CHUNK 65536 /* bytes moved per read() or callback */
/* Control messages waiting for the guest's receive buffers, in bytes: a
 * handshake needs a few hundred; a guest that never posts buffers must not
 * make the VMM grow without bound (what does not fit is dropped). */
#define CTRL_QUEUE_MAX 16384

/* Control events (§5.3.6.2). */
enum
{
  CTRL_DEVICE_READY = 0,
  CTRL_DEVICE_ADD = 1,
  CTRL_DEVICE_REMOVE = 2,
  CTRL_PORT_READY = 3,
  CTRL_CONSOLE_PORT = 4,
  CTRL_RESIZE = 5,
  CTRL_PORT_OPEN = 6,
  CTRL_PORT_NAME = 7,
};

struct ctrl_hdr
{
  uint32_t id;
  uint16_t event;
  uint16_t value;
};

struct ctrl_msg
{
  struct ctrl_msg *next;
  size_t len;
  uint8_t data[];
};

/* A byte FIFO: data[off .. len) is waiting. */
struct bytes
{
  uint8_t *data;
  size_t off, len, cap;
};

struct port
{
  struct virtio_console *con;
  int id;
  char *name; /* NULL: the console */
  int in_fd, out_fd;
  const struct virtio_console_port_ops *ops;
  void *opaque;
  bool host_open;     /* what we tell the guest (PORT_OPEN) */
  bool close_pending; /* send PORT_OPEN 0 once `pending` is delivered */
  bool in_eof;
  bool ready;      /* the guest sent PORT_READY */
  bool guest_open; /* the guest has the port open */
  struct bytes pending;
  /* A transmit chain only partly written to out_fd. */
  struct virtq_chain tx;
  size_t tx_off;
  bool tx_held;
  bool out_failed, out_registered;
  uint32_t in_events, out_events; /* what the loop watches now */
};

struct virtio_console
{
  struct virtio_dev dev;
  struct vmm_loop *loop;
  uint16_t cols, rows;
  int n_ports;
  bool driver_ready; /* DEVICE_READY received */
  struct ctrl_msg *ctrl_head, **ctrl_tail;
  size_t ctrl_bytes; /* queued, at most CTRL_QUEUE_MAX */
  struct port ports[VIRTIO_CONSOLE_MAX_PORTS];
};

/* Config space layout (§5.3.4). */
struct console_config
{
  uint16_t cols;
  uint16_t rows;
  uint32_t max_nr_ports;
  uint32_t emerg_wr;
} __attribute__ ((packed));

static struct virtio_console *
from_dev (struct virtio_dev *dev)
{
  return virtio_container_of (dev, struct virtio_console, dev);
}

static bool
multiport (const struct virtio_console *con)
{
  return virtio_dev_has_feature (&con->dev, F_MULTIPORT);
}

/* Queues: port 0 has 0/1, control 2/3, port n >= 1 has 2n+2 / 2n+3. */
static uint16_t
rx_queue (int port)
{
  return port == 0 ? 0 : (uint16_t)(2 * port + 2);
}

static int
queue_port (uint16_t q)
{
  return q < 2 ? 0 : q / 2 - 1;
}

/* ---- byte FIFO --------------------------------------------------------- */

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

static size_t
bytes_waiting (const struct bytes *b)
{
  return b->len - b->off;
}

static void
bytes_clear (struct bytes *b)
{
  b->off = b->len = 0;
}

/* ---- the device broke -------------------------------------------------- */

static void
queue_failed (struct virtio_console *con, hy_error_t *err)
{
  virtio_dev_needs_reset (&con->dev, *err ? (*err)->msg : "virtqueue error");
  hy_error_free (err);
}

/* ---- control messages to the guest ------------------------------------- */

/* Move queued control messages into the guest's control receive buffers. */
static void
flush_ctrl (struct virtio_console *con)
{
  struct virtq *q = virtio_dev_queue (&con->dev, Q_CTRL_RX);
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  cleanup_error hy_error_t err = NULL;
  bool pushed = false;

  while (con->ctrl_head != NULL && virtio_dev_is_live (&con->dev))
    {
      struct ctrl_msg *m = con->ctrl_head;
      int r = virtq_pop (q, &c, &err);

      if (r <= 0)
        {
          if (r < 0)
            queue_failed (con, &err);
          break;
        }
      /* A buffer too small for the message gets what fits (Linux posts
       * PAGE_SIZE buffers: never happens with it). */
      if (virtq_push (q, c.head, (uint32_t)virtq_chain_write (&c, 0, m->data, m->len), &err) < 0)
        {
          queue_failed (con, &err);
          break;
        }
      pushed = true;
      con->ctrl_head = m->next;
      if (con->ctrl_head == NULL)
        con->ctrl_tail = &con->ctrl_head;
      con->ctrl_bytes -= m->len;
      free (m);
    }
  if (pushed)
    virtio_dev_queue_done (&con->dev, Q_CTRL_RX);
}

static void
send_ctrl (struct virtio_console *con, int port, uint16_t event, uint16_t value, const void *extra,
           size_t extra_len)
{
  struct ctrl_hdr h = { htole32 ((uint32_t)port), htole16 (event), htole16 (value) };
  struct ctrl_msg *m;

  if (con->ctrl_bytes + sizeof (h) + extra_len > CTRL_QUEUE_MAX)
    {
      hy_debug ("virtio-console: control queue full (the guest posts no buffers): "
                "event %u for port %d dropped",
                event, port);
      return;
    }
  m = xmalloc (sizeof (*m) + sizeof (h) + extra_len);
  m->next = NULL;
  m->len = sizeof (h) + extra_len;
  memcpy (m->data, &h, sizeof (h));
  if (extra_len > 0)
    memcpy (m->data + sizeof (h), extra, extra_len);
  *con->ctrl_tail = m;
  con->ctrl_tail = &m->next;
  con->ctrl_bytes += m->len;
  flush_ctrl (con);
}

static void
drop_ctrl (struct virtio_console *con)
{
  while (con->ctrl_head != NULL)
    {
      struct ctrl_msg *m = con->ctrl_head;

      con->ctrl_head = m->next;
      free (m);
    }
  con->ctrl_tail = &con->ctrl_head;
  con->ctrl_bytes = 0;
}

/* Linux reads the RESIZE payload as { rows, cols } although the spec's
 * struct virtio_console_resize says { cols, rows }: we follow the driver
 * (QEMU does the same). */
static void
send_resize (struct virtio_console *con)
{
  uint16_t size[2] = { htole16 (con->rows), htole16 (con->cols) };

  send_ctrl (con, 0, CTRL_RESIZE, 0, size, sizeof (size));
}

/* ---- host fds on the loop ---------------------------------------------- */

static int port_io (void *opaque, int fd, uint32_t events, hy_error_t *err);

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
      if (vmm_loop_add (p->con->loop, fd, events, port_io, p, &err) == 0)
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
static void
update_watch (struct port *p)
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
static void
deliver (struct port *p)
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
            queue_failed (con, &err);
          break;
        }
      n = virtq_chain_write (&c, 0, p->pending.data + p->pending.off, bytes_waiting (&p->pending));
      if (virtq_push (q, c.head, (uint32_t)n, &err) < 0)
        {
          queue_failed (con, &err);
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
        send_ctrl (con, p->id, CTRL_PORT_OPEN, 0, NULL, 0);
    }
  update_watch (p);
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
  deliver (p);
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
static void
transmit (struct port *p)
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
                queue_failed (con, &err);
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
          queue_failed (con, &err);
          break;
        }
      pushed = true;
    }
  if (pushed)
    virtio_dev_queue_done (&con->dev, qi);
  update_watch (p);
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

static int
port_io (void *opaque, int fd, uint32_t events, hy_error_t *err)
{
  struct port *p = opaque;
  struct virtio_console *con = p->con;

  pthread_mutex_lock (&con->dev.lock);
  if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && fd == p->out_fd && p->tx_held)
    transmit (p);
  if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && fd == p->in_fd)
    read_input (p);
  pthread_mutex_unlock (&con->dev.lock);
  return 0;
}

/* ---- control messages from the guest ----------------------------------- */

static void
port_ready (struct virtio_console *con, struct port *p)
{
  p->ready = true;
  if (p->name == NULL)
    {
      send_ctrl (con, p->id, CTRL_CONSOLE_PORT, 1, NULL, 0);
      if (con->cols || con->rows)
        send_resize (con);
    }
  else
    send_ctrl (con, p->id, CTRL_PORT_NAME, 1, p->name, strlen (p->name));
  if (p->host_open)
    send_ctrl (con, p->id, CTRL_PORT_OPEN, 1, NULL, 0);
}

static void
guest_open (struct port *p, bool open)
{
  p->guest_open = open;
  if (p->ops && p->ops->on_open)
    p->ops->on_open (p->opaque, open);
  deliver (p);
}

static void
handle_ctrl (struct virtio_console *con, const struct ctrl_hdr *h)
{
  uint32_t id = le32toh (h->id);
  uint16_t event = le16toh (h->event), value = le16toh (h->value);
  struct port *p = id < (uint32_t)con->n_ports ? &con->ports[id] : NULL;
  int i;

  /* A repeated DEVICE_READY or PORT_READY changes nothing: answering each
   * again would let the guest queue host memory at will. */
  if (event == CTRL_DEVICE_READY && value == 1 && con->driver_ready)
    return;
  if (event == CTRL_DEVICE_READY)
    {
      con->driver_ready = value == 1;
      for (i = 0; con->driver_ready && i < con->n_ports; i++)
        send_ctrl (con, i, CTRL_DEVICE_ADD, 0, NULL, 0);
      return;
    }
  if (p == NULL)
    {
      hy_debug ("virtio-console: control event %u for unknown port %u", event, id);
      return;
    }
  if (event == CTRL_PORT_READY && value == 1 && !p->ready)
    port_ready (con, p);
  else if (event == CTRL_PORT_READY && value == 1)
    return;
  else if (event == CTRL_PORT_OPEN)
    guest_open (p, value == 1);
  else
    hy_debug ("virtio-console: control event %u value %u for port %u ignored", event, value, id);
}

/* The guest's control transmit queue: 8-byte headers (§5.3.6.2). */
static void
receive_ctrl (struct virtio_console *con)
{
  struct virtq *q = virtio_dev_queue (&con->dev, Q_CTRL_TX);
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  cleanup_error hy_error_t err = NULL;
  bool pushed = false;
  int r;

  while (virtio_dev_is_live (&con->dev) && (r = virtq_pop (q, &c, &err)) != 0)
    {
      struct ctrl_hdr h;

      if (r < 0)
        {
          queue_failed (con, &err);
          break;
        }
      if (virtq_chain_read (&c, 0, &h, sizeof (h)) == sizeof (h))
        handle_ctrl (con, &h);
      if (virtq_push (q, c.head, 0, &err) < 0)
        {
          queue_failed (con, &err);
          break;
        }
      pushed = true;
    }
  if (pushed)
    virtio_dev_queue_done (&con->dev, Q_CTRL_TX);
}

/* ---- transport callbacks ----------------------------------------------- */

static void
console_config_read (struct virtio_dev *dev, uint32_t offset, void *data, uint32_t len)
{
  struct virtio_console *con = from_dev (dev);
  struct console_config cfg = {
    .cols = htole16 (con->cols),
    .rows = htole16 (con->rows),
    .max_nr_ports = htole32 (VIRTIO_CONSOLE_MAX_PORTS),
  };

  if (offset + len <= sizeof (cfg))
    memcpy (data, (uint8_t *)&cfg + offset, len);
  else
    memset (data, 0, len);
}

static int
console_notify (struct virtio_dev *dev, uint16_t index, hy_error_t *err)
{
  struct virtio_console *con = from_dev (dev);
  int port = queue_port (index);

  if (index == Q_CTRL_RX)
    flush_ctrl (con);
  else if (index == Q_CTRL_TX)
    receive_ctrl (con);
  else if (port >= con->n_ports)
    return 0; /* a queue of a port we never declared: nothing to do */
  else if (index % 2 == 0)
    deliver (&con->ports[port]); /* new receive buffers */
  else
    transmit (&con->ports[port]);
  return 0;
}

/* Without multiport (a driver that refused it), port 0 is open at once. */
static int
console_activate (struct virtio_dev *dev, hy_error_t *err)
{
  struct virtio_console *con = from_dev (dev);

  if (!multiport (con) && con->n_ports > 0)
    {
      con->ports[0].ready = true;
      guest_open (&con->ports[0], true);
    }
  return 0;
}

/* The driver reset the device: forget the session, keep the bindings. */
static void
console_reset (struct virtio_dev *dev)
{
  struct virtio_console *con = from_dev (dev);
  int i;

  drop_ctrl (con);
  con->driver_ready = false;
  for (i = 0; i < con->n_ports; i++)
    {
      struct port *p = &con->ports[i];

      p->ready = p->guest_open = p->tx_held = false;
      bytes_clear (&p->pending);
      if (p->close_pending)
        p->host_open = p->close_pending = false;
      update_watch (p);
    }
}

static const struct virtio_dev_ops console_ops = {
  .name = "virtio-console",
  .device_id = VIRTIO_ID_CONSOLE,
  .n_queues = N_QUEUES,
  .queue_max = QUEUE_MAX,
  .features = (1ULL << F_SIZE) | (1ULL << F_MULTIPORT),
  .config_size = sizeof (struct console_config),
  .config_read = console_config_read,
  .queue_notify = console_notify,
  .activate = console_activate,
  .reset = console_reset,
};

/* ---- public API -------------------------------------------------------- */

struct virtio_console *
virtio_console_create (const struct virtio_mmio_params *params, struct vmm_loop *loop,
                       hy_error_t *err)
{
  struct virtio_console *con = xzalloc (sizeof (*con));

  con->loop = loop;
  con->ctrl_tail = &con->ctrl_head;
  if (virtio_dev_init (&con->dev, &console_ops, params, err) < 0)
    {
      free (con);
      return NULL;
    }
  return con;
}

void
virtio_console_destroy (struct virtio_console *con)
{
  int i;

  if (con == NULL)
    return;
  for (i = 0; i < con->n_ports; i++)
    {
      struct port *p = &con->ports[i];

      /* The loop is stopped (see the header); unwatch so a later restart
       * cannot call into freed memory. */
      if (con->loop && p->in_fd >= 0)
        vmm_loop_remove (con->loop, p->in_fd, NULL);
      if (con->loop && p->out_registered && p->out_fd != p->in_fd)
        vmm_loop_remove (con->loop, p->out_fd, NULL);
      free (p->name);
      free (p->pending.data);
      virtq_chain_release (&p->tx);
    }
  drop_ctrl (con);
  virtio_dev_fini (&con->dev);
  free (con);
}

size_t
virtio_console_ctrl_queued (struct virtio_console *con)
{
  size_t n;

  pthread_mutex_lock (&con->dev.lock);
  n = con->ctrl_bytes;
  pthread_mutex_unlock (&con->dev.lock);
  return n;
}

struct virtio_dev *
virtio_console_dev (struct virtio_console *con)
{
  return &con->dev;
}

static int
check_port (struct virtio_console *con, int port, hy_error_t *err)
{
  if (port < 0 || port >= con->n_ports)
    return hy_error_set (err, 0, "virtio-console: no port %d", port);
  return 0;
}

int
virtio_console_add_port (struct virtio_console *con, const char *name, hy_error_t *err)
{
  struct port *p;
  int id;

  pthread_mutex_lock (&con->dev.lock);
  id = con->n_ports;
  if (id == VIRTIO_CONSOLE_MAX_PORTS)
    id = hy_error_set (err, 0, "virtio-console: more than %d ports", VIRTIO_CONSOLE_MAX_PORTS);
  else if ((id == 0) != (name == NULL) || (name && (!*name || strlen (name) > NAME_MAX_LEN)))
    id = hy_error_set (err, 0, "virtio-console: port %d: %s", id,
                       id == 0 ? "port 0 is the console and has no name"
                               : "needs a name of 1 to 127 bytes");
  if (id >= 0)
    {
      p = &con->ports[id];
      memset (p, 0, sizeof (*p));
      p->con = con;
      p->id = id;
      p->name = name ? xstrdup (name) : NULL;
      p->in_fd = p->out_fd = -1;
      con->n_ports++;
      /* Hot-added after the driver is ready: announce it now. */
      if (con->driver_ready && virtio_dev_is_live (&con->dev))
        send_ctrl (con, id, CTRL_DEVICE_ADD, 0, NULL, 0);
    }
  pthread_mutex_unlock (&con->dev.lock);
  return id;
}

/* Connect the host side; tells a guest that already readied the port. */
static void
host_connect (struct virtio_console *con, struct port *p)
{
  p->close_pending = false;
  if (p->host_open)
    return;
  p->host_open = true;
  if (p->ready && multiport (con) && virtio_dev_is_live (&con->dev))
    send_ctrl (con, p->id, CTRL_PORT_OPEN, 1, NULL, 0);
}

static int
bind_check (struct virtio_console *con, int port, hy_error_t *err)
{
  struct port *p;

  if (check_port (con, port, err) < 0)
    return -1;
  p = &con->ports[port];
  if (p->ops != NULL || p->in_fd >= 0 || p->out_fd >= 0)
    return hy_error_set (err, 0, "virtio-console: port %d is already bound", port);
  return 0;
}

int
virtio_console_port_bind_fds (struct virtio_console *con, int port, int in_fd, int out_fd,
                              hy_error_t *err)
{
  struct port *p;
  int ret;

  pthread_mutex_lock (&con->dev.lock);
  ret = bind_check (con, port, err);
  if (ret == 0 && in_fd >= 0 && con->loop == NULL)
    ret = hy_error_set (err, 0, "virtio-console: port %d: an input fd needs an event loop", port);
  if (ret == 0 && in_fd >= 0)
    {
      p = &con->ports[port];
      /* Registered paused; update_watch enables it when the guest can
       * take input. */
      ret = vmm_loop_add (con->loop, in_fd, 0, port_io, p, err);
      if (ret < 0)
        hy_error_prefix (err, "virtio-console: port %d: input fd", port);
    }
  if (ret == 0)
    {
      p = &con->ports[port];
      p->in_fd = in_fd;
      p->out_fd = out_fd;
      p->in_eof = false;
      host_connect (con, p);
      update_watch (p);
    }
  pthread_mutex_unlock (&con->dev.lock);
  return ret;
}

int
virtio_console_port_bind_ops (struct virtio_console *con, int port,
                              const struct virtio_console_port_ops *ops, void *opaque,
                              hy_error_t *err)
{
  int ret;

  pthread_mutex_lock (&con->dev.lock);
  ret = bind_check (con, port, err);
  if (ret == 0 && (ops == NULL || ops->on_data == NULL))
    ret = hy_error_set (err, 0, "virtio-console: port %d: on_data is required", port);
  if (ret == 0)
    {
      con->ports[port].ops = ops;
      con->ports[port].opaque = opaque;
      host_connect (con, &con->ports[port]);
    }
  pthread_mutex_unlock (&con->dev.lock);
  return ret;
}

int
virtio_console_port_write (struct virtio_console *con, int port, const void *buf, size_t len,
                           hy_error_t *err)
{
  struct port *p;
  int ret;

  pthread_mutex_lock (&con->dev.lock);
  ret = check_port (con, port, err);
  p = ret == 0 ? &con->ports[port] : NULL;
  if (p && (!p->guest_open || !virtio_dev_is_live (&con->dev)))
    ret = hy_error_set (err, EPIPE, "virtio-console: port %d: the guest has not opened it", port);
  else if (p && bytes_waiting (&p->pending) + len > VIRTIO_CONSOLE_PENDING_MAX)
    ret = hy_error_set (err, EAGAIN, "virtio-console: port %d: %zu bytes already waiting", port,
                        bytes_waiting (&p->pending));
  else if (p)
    {
      bytes_append (&p->pending, buf, len);
      deliver (p);
    }
  pthread_mutex_unlock (&con->dev.lock);
  return ret;
}

int
virtio_console_port_set_open (struct virtio_console *con, int port, bool open, hy_error_t *err)
{
  int ret;

  pthread_mutex_lock (&con->dev.lock);
  ret = check_port (con, port, err);
  if (ret == 0 && open)
    host_connect (con, &con->ports[port]);
  else if (ret == 0 && con->ports[port].host_open)
    {
      con->ports[port].close_pending = true;
      deliver (&con->ports[port]);
    }
  pthread_mutex_unlock (&con->dev.lock);
  return ret;
}

bool
virtio_console_port_guest_open (struct virtio_console *con, int port)
{
  bool open;

  pthread_mutex_lock (&con->dev.lock);
  open = port >= 0 && port < con->n_ports && con->ports[port].guest_open;
  pthread_mutex_unlock (&con->dev.lock);
  return open;
}

int
virtio_console_resize (struct virtio_console *con, uint16_t cols, uint16_t rows, hy_error_t *err)
{
  pthread_mutex_lock (&con->dev.lock);
  con->cols = cols;
  con->rows = rows;
  if (virtio_dev_is_live (&con->dev) && multiport (con))
    {
      if (con->n_ports > 0 && con->ports[0].ready)
        send_resize (con);
    }
  else
    virtio_dev_config_changed (&con->dev);
  pthread_mutex_unlock (&con->dev.lock);
  return 0;
}

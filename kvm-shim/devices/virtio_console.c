/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-console with multiport (virtio 1.1 §5.3; Linux's
 * drivers/char/virtio_console.c is the driver it must satisfy): the port
 * table, the control protocol on queues 2/3 and the transport callbacks;
 * each port's data path is in virtio_console_port.c.  Every entry point
 * takes the device lock. */
#include "kvm-shim/devices/virtio_console_int.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

static int
queue_port (uint16_t q)
{
  return q < 2 ? 0 : q / 2 - 1;
}

/* ---- the device broke -------------------------------------------------- */

void
virtio_console_queue_failed (struct virtio_console *con, hy_error_t *err)
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
            virtio_console_queue_failed (con, &err);
          break;
        }
      /* A buffer too small for the message gets what fits (Linux posts
       * PAGE_SIZE buffers: never happens with it). */
      if (virtq_push (q, c.head, (uint32_t)virtq_chain_write (&c, 0, m->data, m->len), &err) < 0)
        {
          virtio_console_queue_failed (con, &err);
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

void
virtio_console_send_ctrl (struct virtio_console *con, int port, uint16_t event, uint16_t value,
                          const void *extra, size_t extra_len)
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

  virtio_console_send_ctrl (con, 0, CTRL_RESIZE, 0, size, sizeof (size));
}

/* ---- control messages from the guest ----------------------------------- */

static void
port_ready (struct virtio_console *con, struct port *p)
{
  p->ready = true;
  if (p->name == NULL)
    {
      virtio_console_send_ctrl (con, p->id, CTRL_CONSOLE_PORT, 1, NULL, 0);
      if (con->cols || con->rows)
        send_resize (con);
    }
  else
    virtio_console_send_ctrl (con, p->id, CTRL_PORT_NAME, 1, p->name, strlen (p->name));
  if (p->host_open)
    virtio_console_send_ctrl (con, p->id, CTRL_PORT_OPEN, 1, NULL, 0);
}

static void
guest_open (struct port *p, bool open)
{
  p->guest_open = open;
  if (p->ops && p->ops->on_open)
    p->ops->on_open (p->opaque, open);
  virtio_console_deliver (p);
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
        virtio_console_send_ctrl (con, i, CTRL_DEVICE_ADD, 0, NULL, 0);
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
          virtio_console_queue_failed (con, &err);
          break;
        }
      if (virtq_chain_read (&c, 0, &h, sizeof (h)) == sizeof (h))
        handle_ctrl (con, &h);
      if (virtq_push (q, c.head, 0, &err) < 0)
        {
          virtio_console_queue_failed (con, &err);
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
    virtio_console_deliver (&con->ports[port]); /* new receive buffers */
  else
    virtio_console_transmit (&con->ports[port]);
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
      virtio_console_watch (p);
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
        virtio_console_send_ctrl (con, id, CTRL_DEVICE_ADD, 0, NULL, 0);
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
    virtio_console_send_ctrl (con, p->id, CTRL_PORT_OPEN, 1, NULL, 0);
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
      ret = vmm_loop_add (con->loop, in_fd, 0, virtio_console_port_io, p, err);
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
      virtio_console_watch (p);
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
      virtio_console_input (p, buf, len);
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
      virtio_console_deliver (&con->ports[port]);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside virtio-console (virtio_console.c: the control protocol, the
 * transport callbacks, the port table; virtio_console_port.c: each port's
 * data path between its queues and its host fds or callbacks).  Not for
 * other users: virtio_console.h is the device's interface. */
#ifndef VIRTIO_CONSOLE_INT_H
#define VIRTIO_CONSOLE_INT_H

#include "kvm-shim/devices/virtio_console.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

static inline bool
multiport (const struct virtio_console *con)
{
  return virtio_dev_has_feature (&con->dev, F_MULTIPORT);
}

/* Queues: port 0 has 0/1, control 2/3, port n >= 1 has 2n+2 / 2n+3. */
static inline uint16_t
rx_queue (int port)
{
  return port == 0 ? 0 : (uint16_t)(2 * port + 2);
}

static inline size_t
bytes_waiting (const struct bytes *b)
{
  return b->len - b->off;
}

static inline void
bytes_clear (struct bytes *b)
{
  b->off = b->len = 0;
}

/* virtio_console.c */
/* The device broke (a virtqueue error): DEVICE_NEEDS_RESET; frees *err. */
void virtio_console_queue_failed (struct virtio_console *con, hy_error_t *err);
/* Queue a control message for the guest (dropped past CTRL_QUEUE_MAX). */
void virtio_console_send_ctrl (struct virtio_console *con, int port, uint16_t event, uint16_t value,
                               const void *extra, size_t extra_len);

/* virtio_console_port.c; all with the device lock held */
/* Host bytes for the guest: buffered, then delivered. */
void virtio_console_input (struct port *p, const void *buf, size_t len);
/* Pending bytes into the port's receive buffers (then a pending close). */
void virtio_console_deliver (struct port *p);
/* Drain the port's transmit queue to out_fd or the callback. */
void virtio_console_transmit (struct port *p);
/* Bring the loop's view of the port's fds up to date. */
void virtio_console_watch (struct port *p);
/* The event loop's callback for a port's host fds (takes the lock). */
int virtio_console_port_io (void *opaque, int fd, uint32_t events, hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-console with multiport, driven like Linux's virtio_console over
 * queues in fake guest RAM: the control handshake (DEVICE_READY,
 * DEVICE_ADD, PORT_READY, CONSOLE_PORT, PORT_NAME, PORT_OPEN both ways,
 * RESIZE), host fd -> guest with backpressure and EOF, guest -> host fd
 * with a short write resumed by the event loop, a callback port, and a
 * broken chain ending in DEVICE_NEEDS_RESET.  No KVM needed. */
#include "kvm-shim/devices/virtio_console.h"
#include "tests/unit/tap.h"
#include "tests/unit/virtio_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BASE 0xd0000000ULL
#define FEATURES                                                                                   \
  ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_EVENT_IDX) | (1ULL << 0) | (1ULL << 1))
#define N_PORTS 3
#define QSIZE 32
#define Q_CRX 2
#define Q_CTX 3

enum
{
  DEVICE_READY = 0,
  DEVICE_ADD = 1,
  PORT_READY = 3,
  CONSOLE_PORT = 4,
  RESIZE = 5,
  PORT_OPEN = 6,
  PORT_NAME = 7,
};

struct ctrl
{
  uint32_t id;
  uint16_t event, value;
};

struct fx
{
  struct vmm_bus *bus;
  struct vmm_mem *mem;
  struct vmm_loop *loop;
  struct virtio_console *con;
  struct drv drv;
  int in[2], out[2]; /* port 1: host writes in[1], reads out[0] */
  char got[64];      /* port 2's on_data */
  size_t got_len;
  int opens;
};

static int
on_data (void *opaque, const void *buf, size_t len, hy_error_t *err)
{
  struct fx *f = opaque;

  if (f->got_len + len < sizeof (f->got))
    {
      memcpy (f->got + f->got_len, buf, len);
      f->got_len += len;
    }
  return 0;
}

static void
on_open (void *opaque, bool open)
{
  ((struct fx *)opaque)->opens += open ? 1 : -1;
}

static const struct virtio_console_port_ops ctl_ops = { on_data, on_open };

static unsigned
rxq (int port)
{
  return port == 0 ? 0 : 2 * port + 2;
}

static void
guest_ctrl (struct fx *f, uint32_t id, uint16_t event, uint16_t value)
{
  struct ctrl c = { id, event, value };

  drv_offer (&f->drv, Q_CTX, &c, sizeof (c), false);
  drv_notify (&f->drv, Q_CTX);
}

/* The next control message the device sent, with what follows the header. */
static bool
host_ctrl (struct fx *f, struct ctrl *c, char *extra, size_t extra_size)
{
  uint32_t len;
  void *buf;

  if (!drv_used (&f->drv, Q_CRX, &buf, &len) || len < sizeof (*c))
    return false;
  memcpy (c, buf, sizeof (*c));
  if (extra)
    {
      size_t n = len - sizeof (*c) < extra_size - 1 ? len - sizeof (*c) : extra_size - 1;

      memcpy (extra, (char *)buf + sizeof (*c), n);
      extra[n] = '\0';
    }
  drv_offer (&f->drv, Q_CRX, NULL, 256, true); /* Linux re-adds its buffer */
  drv_notify (&f->drv, Q_CRX);
  return true;
}

static bool
expect_ctrl (struct fx *f, uint32_t id, uint16_t event, uint16_t value)
{
  struct ctrl c;

  return host_ctrl (f, &c, NULL, 0) && c.id == id && c.event == event && c.value == value;
}

/* Bytes the device put in port's receive queue, as a string. */
static bool
guest_read (struct fx *f, int port, char *dst, size_t size)
{
  uint32_t len;
  void *buf;

  if (!drv_used (&f->drv, rxq (port), &buf, &len) || len >= size)
    return false;
  memcpy (dst, buf, len);
  dst[len] = '\0';
  return true;
}

static void
guest_write (struct fx *f, int port, const char *s)
{
  drv_offer (&f->drv, rxq (port) + 1, s, strlen (s), false);
  drv_notify (&f->drv, rxq (port) + 1);
}

static void
guest_post_rx (struct fx *f, int port, uint32_t len)
{
  drv_offer (&f->drv, rxq (port), NULL, len, true);
  drv_notify (&f->drv, rxq (port));
}

static void
fx_init (struct fx *f)
{
  struct virtio_mmio_params p;
  int i;

  memset (f, 0, sizeof (*f));
  f->bus = vmm_bus_create ();
  f->mem = vmm_mem_create (4 << 20, false, NULL);
  f->loop = vmm_loop_create (NULL);
  p = (struct virtio_mmio_params){ .bus = f->bus, .mem = f->mem, .base = BASE, .irq = 5 };
  f->con = virtio_console_create (&p, f->loop, NULL);
  if (pipe2 (f->in, O_NONBLOCK | O_CLOEXEC) < 0 || pipe2 (f->out, O_NONBLOCK | O_CLOEXEC) < 0)
    abort ();
  if (virtio_console_add_port (f->con, NULL, NULL) != 0
      || virtio_console_add_port (f->con, "hyrun.stdin", NULL) != 1
      || virtio_console_add_port (f->con, "hyrun.ctl", NULL) != 2
      || virtio_console_port_bind_fds (f->con, 1, f->in[0], f->out[1], NULL) < 0
      || virtio_console_port_bind_ops (f->con, 2, &ctl_ops, f, NULL) < 0)
    abort ();
  f->drv = (struct drv){ .bus = f->bus, .mem = f->mem, .base = BASE, .next_gpa = 0x1000 };
  drv_init (&f->drv, FEATURES, 2 * (N_PORTS + 1), QSIZE);
  for (i = 0; i < 8; i++)
    drv_offer (&f->drv, Q_CRX, NULL, 256, true);
  drv_notify (&f->drv, Q_CRX);
}

static void
fx_fini (struct fx *f)
{
  virtio_console_destroy (f->con);
  vmm_loop_destroy (f->loop);
  vmm_mem_destroy (f->mem);
  vmm_bus_destroy (f->bus);
  close (f->in[0]);
  if (f->in[1] >= 0)
    close (f->in[1]);
  close (f->out[0]);
  close (f->out[1]);
}

static void
test_handshake (struct fx *f)
{
  struct ctrl c;
  char name[64];
  int i;
  bool ok = true;

  guest_ctrl (f, 0, DEVICE_READY, 1);
  for (i = 0; i < N_PORTS; i++)
    ok = ok && expect_ctrl (f, (uint32_t)i, DEVICE_ADD, 0);
  tap_ok (ok, "DEVICE_READY: DEVICE_ADD for ports 0, 1, 2");
  guest_ctrl (f, 0, PORT_READY, 1);
  tap_ok (expect_ctrl (f, 0, CONSOLE_PORT, 1), "PORT_READY 0: port 0 is the console");
  tap_ok (!host_ctrl (f, &c, NULL, 0), "an unbound port is not opened by the host");
  guest_ctrl (f, 1, PORT_READY, 1);
  tap_ok (host_ctrl (f, &c, name, sizeof (name)) && c.id == 1 && c.event == PORT_NAME
              && strcmp (name, "hyrun.stdin") == 0,
          "PORT_READY 1: PORT_NAME \"%s\"", name);
  tap_ok (expect_ctrl (f, 1, PORT_OPEN, 1), "PORT_READY 1: the fd-bound port is host-open");
  guest_ctrl (f, 2, PORT_READY, 1);
  tap_ok (host_ctrl (f, &c, name, sizeof (name)) && strcmp (name, "hyrun.ctl") == 0
              && expect_ctrl (f, 2, PORT_OPEN, 1),
          "PORT_READY 2: PORT_NAME \"hyrun.ctl\", PORT_OPEN 1");
  guest_ctrl (f, 1, PORT_OPEN, 1);
  guest_ctrl (f, 2, PORT_OPEN, 1);
  tap_ok (virtio_console_port_guest_open (f->con, 1) && f->opens == 1,
          "guest PORT_OPEN 1: ports 1 and 2 open, on_open called");
  virtio_console_resize (f->con, 80, 24, NULL);
  tap_ok (expect_ctrl (f, 0, RESIZE, 0), "resize: a RESIZE message for the console");
  tap_ok (drv_read (&f->drv, 0x100) == (24u << 16 | 80u) && drv_read (&f->drv, 0x104) == 16,
          "config space: cols 80, rows 24, max_nr_ports 16");
}

static void
test_input_backpressure_eof (struct fx *f)
{
  char buf[32];
  int n;

  if (write (f->in[1], "hello", 5) != 5)
    abort ();
  n = vmm_loop_run_once (f->loop, 1000, NULL);
  tap_ok (n == 1, "host input is read by the loop");
  if (write (f->in[1], "world", 5) != 5)
    abort ();
  n = vmm_loop_run_once (f->loop, 50, NULL);
  tap_ok (n == 0, "no receive buffer: the loop stops reading the input fd (backpressure)");
  guest_post_rx (f, 1, 16);
  tap_ok (guest_read (f, 1, buf, sizeof (buf)) && strcmp (buf, "hello") == 0,
          "a posted buffer gets the waiting \"hello\"");
  n = vmm_loop_run_once (f->loop, 1000, NULL);
  guest_post_rx (f, 1, 3);
  guest_post_rx (f, 1, 3);
  tap_ok (n == 1 && guest_read (f, 1, buf, sizeof (buf)) && strcmp (buf, "wor") == 0
              && guest_read (f, 1, buf, sizeof (buf)) && strcmp (buf, "ld") == 0,
          "reading resumes: \"world\" split over two small buffers");
  close (f->in[1]);
  f->in[1] = -1;
  n = vmm_loop_run_once (f->loop, 1000, NULL);
  tap_ok (n == 1 && expect_ctrl (f, 1, PORT_OPEN, 0),
          "EOF on the input fd: PORT_OPEN 0 (the guest's read returns 0)");
}

static void
test_output (struct fx *f)
{
  char buf[8192];
  uint32_t len;
  void *p;
  ssize_t n;

  guest_write (f, 1, "out!");
  n = read (f->out[0], buf, sizeof (buf));
  tap_ok (n == 4 && memcmp (buf, "out!", 4) == 0 && drv_used (&f->drv, 5, &p, &len),
          "guest output reaches the output fd, the buffer comes back");
  fcntl (f->out[1], F_SETPIPE_SZ, 4096);
  memset (buf, 'x', sizeof (buf));
  while (write (f->out[1], buf, sizeof (buf)) > 0 || errno != EAGAIN)
    ;
  guest_write (f, 1, "more");
  tap_ok (!drv_used (&f->drv, 5, &p, &len), "a full output pipe: the transmit buffer is held");
  while (read (f->out[0], buf, sizeof (buf)) > 0)
    ;
  vmm_loop_run_once (f->loop, 1000, NULL);
  n = read (f->out[0], buf, sizeof (buf));
  tap_ok (n == 4 && memcmp (buf, "more", 4) == 0 && drv_used (&f->drv, 5, &p, &len),
          "once writable the held bytes go out, nothing lost, the buffer comes back");
}

static void
test_callback_port (struct fx *f)
{
  cleanup_error hy_error_t err = NULL;
  char buf[32];

  guest_write (f, 2, "ping");
  tap_ok (f->got_len == 4 && memcmp (f->got, "ping", 4) == 0, "callback port: on_data gets it");
  tap_ok (virtio_console_port_write (f->con, 2, "pong", 4, &err) == 0, "port_write queues");
  guest_post_rx (f, 2, 16);
  tap_ok (guest_read (f, 2, buf, sizeof (buf)) && strcmp (buf, "pong") == 0,
          "... and the guest receives it when it posts a buffer");
  tap_ok (virtio_console_port_write (f->con, 0, "x", 1, &err) < 0 && err->code == EPIPE,
          "port_write to a port the guest has not opened: EPIPE");
  guest_ctrl (f, 2, PORT_OPEN, 0);
  tap_ok (f->opens == 0, "guest PORT_OPEN 0: on_open(false)");
}

/* A guest that repeats DEVICE_READY / PORT_READY and never posts control
 * receive buffers: nothing is answered twice, and what the host itself
 * queues (resizes) stays within a bound. */
static void
test_ctrl_flood (struct fx *f)
{
  size_t before = virtio_console_ctrl_queued (f->con), peak = 0;
  uint64_t scratch = f->drv.next_gpa;
  int i;

  for (i = 0; i < 3000; i++)
    {
      f->drv.next_gpa = scratch; /* the device copied the last ones out */
      guest_ctrl (f, 0, DEVICE_READY, 1);
      guest_ctrl (f, (uint32_t)(i % N_PORTS), PORT_READY, 1);
      if (virtio_console_ctrl_queued (f->con) > peak)
        peak = virtio_console_ctrl_queued (f->con);
    }
  tap_ok (peak == before, "repeated DEVICE_READY/PORT_READY queue nothing (%zu -> %zu bytes)",
          before, peak);
  for (i = 0; i < 20000; i++)
    virtio_console_resize (f->con, (uint16_t)(80 + i % 7), 24, NULL);
  tap_ok (virtio_console_ctrl_queued (f->con) <= 16384,
          "20000 resizes nobody reads: %zu bytes queued, at most 16 KiB",
          virtio_console_ctrl_queued (f->con));
}

static void
test_broken_chain (struct fx *f)
{
  struct drv_queue *q = &f->drv.q[7];

  q->desc[0] = (struct virtq_desc){ .addr = 0x7ffffff0, .len = 64 };
  q->avail->ring[q->avail->idx % q->size] = 0;
  q->avail->idx++;
  drv_notify (&f->drv, 7);
  tap_ok (drv_read (&f->drv, 0x70) & VIRTIO_STATUS_NEEDS_RESET,
          "a transmit chain outside RAM: DEVICE_NEEDS_RESET, nothing crashes");
}

int
main (void)
{
  struct fx f;

  fx_init (&f);
  test_handshake (&f);
  test_input_backpressure_eof (&f);
  test_output (&f);
  test_callback_port (&f);
  test_ctrl_flood (&f);
  test_broken_chain (&f);
  fx_fini (&f);
  tap_plan (tap_n);
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-console (device id 3, virtio 1.1 §5.3) with VIRTIO_CONSOLE_F_SIZE
 * and VIRTIO_CONSOLE_F_MULTIPORT: port 0 is the guest's console (hvc0),
 * ports 1.. are named serial ports (/dev/vportNpM, with
 * /sys/class/virtio-ports/vportNpM/name, e.g. "hyrun.ctl").
 *
 * Each port is bound either to host fds - bytes read from in_fd go to the
 * guest, bytes the guest writes go to out_fd - or to callbacks plus
 * virtio_console_port_write(), for a message protocol on top.  Host input
 * is read on the event loop's thread (loop.h) only while the guest has the
 * port open and has posted receive buffers; EOF on in_fd closes the port
 * towards the guest (PORT_OPEN 0: the guest's read() then returns 0 once
 * the data before it is consumed). */
#ifndef VIRTIO_CONSOLE_H
#define VIRTIO_CONSOLE_H

#include "common/error.h"
#include "kvm-shim/virtio/mmio.h"
#include "kvm-shim/vmm/loop.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Ports per device, port 0 included (queues: 2 per port + 2 control). */
#define VIRTIO_CONSOLE_MAX_PORTS 16
/* Host bytes buffered per port towards the guest, at most. */
#define VIRTIO_CONSOLE_PENDING_MAX (256 * 1024)

struct virtio_console;

/* Callback binding.  Both run with the device lock held, on a vCPU thread
 * or the loop thread: they must not call back into the console (queue a
 * reply and send it later, or from another thread). */
struct virtio_console_port_ops
{
  /* Bytes the guest wrote to the port.  -1: the data is dropped and the
   * failure logged; the guest does not see it. */
  int (*on_data) (void *opaque, const void *buf, size_t len, hy_error_t *err);
  /* The guest opened (true) or closed (false) the port. */
  void (*on_open) (void *opaque, bool guest_open);
};

/* Create the device and attach it (mmio.h).  `loop` serves the input fds;
 * it may be NULL when no port is bound to an input fd. */
struct virtio_console *virtio_console_create (const struct virtio_mmio_params *p,
                                              struct vmm_loop *loop, hy_error_t *err);
/* After the vCPUs and the loop have stopped: write out what the ports
 * hold for their out_fds (a chain stalled on a short write), waiting for
 * each fd to take it while it takes something at least every 2 s. */
void virtio_console_flush_output (struct virtio_console *con);
/* After the vCPUs and the loop have stopped. */
void virtio_console_destroy (struct virtio_console *con);
/* The transport, for virtio_mmio_cmdline() and tests. */
struct virtio_dev *virtio_console_dev (struct virtio_console *con);
/* Bytes of control messages waiting for the guest's buffers (bounded). */
size_t virtio_console_ctrl_queued (struct virtio_console *con);

/* Declare the next port; returns its number (0 for the first: the
 * console, whose name must be NULL), or -1.  Ports declared before the
 * driver is ready are announced at DEVICE_READY, later ones at once. */
int virtio_console_add_port (struct virtio_console *con, const char *name, hy_error_t *err);

/* Bind a port to host fds (not owned, kept open until destroy; -1 for
 * none).  in_fd must be pollable and is best non-blocking; out_fd, when
 * non-blocking, is waited for through the loop after a short write (the
 * guest's transmit queue then stalls - backpressure - and no byte is
 * lost).  A port with a host fd is connected (PORT_OPEN 1) until EOF on
 * in_fd.  A write error (EPIPE...) drops the guest's output from then on;
 * the VMM must ignore SIGPIPE for that to be an error and not a kill. */
int virtio_console_port_bind_fds (struct virtio_console *con, int port, int in_fd, int out_fd,
                                  hy_error_t *err);
/* Bind a port to callbacks; the host side is connected at once. */
int virtio_console_port_bind_ops (struct virtio_console *con, int port,
                                  const struct virtio_console_port_ops *ops, void *opaque,
                                  hy_error_t *err);

/* Queue `len` bytes for the guest (any thread, not from a callback).
 * All or nothing: -1 with EAGAIN when more than VIRTIO_CONSOLE_PENDING_MAX
 * would be waiting, -1 with EPIPE when the guest has not opened the port
 * (Linux drops what arrives for a closed port). */
int virtio_console_port_write (struct virtio_console *con, int port, const void *buf, size_t len,
                               hy_error_t *err);
/* Connect or disconnect the host side (PORT_OPEN); a disconnect is sent
 * after the bytes already queued. */
int virtio_console_port_set_open (struct virtio_console *con, int port, bool open, hy_error_t *err);
/* Has the guest the port open? */
bool virtio_console_port_guest_open (struct virtio_console *con, int port);
/* Terminal size of console port 0: config space (F_SIZE) and, with
 * multiport, a RESIZE control message. */
int virtio_console_resize (struct virtio_console *con, uint16_t cols, uint16_t rows,
                           hy_error_t *err);

#endif

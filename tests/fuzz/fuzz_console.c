/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the virtio-mmio register file and the virtio-console
 * device behind it (multiport control messages, receive and transmit
 * frames, host fds with backpressure), driven as a hostile guest drives
 * them.  Each input starts from a driver that finished the init sequence
 * with rings in place, then runs records:
 *   0 off16 val32        MMIO write            1 off16       MMIO read
 *   2 q len8 w bytes...  offer a buffer        3 q           notify queue q
 *   4 gpa24 8 bytes      write guest RAM (rings and descriptors included)
 *   5 len8               the host writes to the stdin port's pipe
 *   6                    the host loop runs once (fds ready, backpressure)
 *   7 cols8 rows8        the host resizes the console
 * The transmit pipe is drained after each input. */
#include "kvm-shim/devices/virtio_console.h"
#include "kvm-shim/vmm/loop.h"
#include "tests/fuzz/fuzz_mmio.h"
#include "tests/unit/virtio_driver.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BASE 0xd0000000ULL
#define RAM (4u << 20)
#define N_QUEUES 10 /* 4 ports: 2 * (4 + 1) */
#define FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_EVENT_IDX) | 3ULL)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static struct vmm_mem *mem;
static uint8_t junk[65536];

static int
on_data (void *opaque, const void *buf, size_t len, hy_error_t *err)
{
  return 0;
}

static void
on_open (void *opaque, bool open)
{
}

static const struct virtio_console_port_ops ops = { on_data, on_open };

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct virtio_mmio_params p;
  struct virtio_console *con;
  struct vmm_loop *loop;
  struct drv drv;
  int in[2], out[2];
  size_t i = 0;

  if (pipe2 (in, O_NONBLOCK | O_CLOEXEC) < 0 || pipe2 (out, O_NONBLOCK | O_CLOEXEC) < 0)
    abort ();
  loop = fuzz_mmio_begin (&mem, RAM, BASE, &drv, &p);
  con = virtio_console_create (&p, loop, NULL);
  if (con == NULL || virtio_console_add_port (con, NULL, NULL) != 0
      || virtio_console_add_port (con, "hyrun.stdin", NULL) != 1
      || virtio_console_add_port (con, "hyrun.ctl", NULL) != 2
      || virtio_console_add_port (con, "hyrun.stdout", NULL) != 3
      || virtio_console_port_bind_fds (con, 1, in[0], -1, NULL) < 0
      || virtio_console_port_bind_ops (con, 2, &ops, NULL, NULL) < 0
      || virtio_console_port_bind_fds (con, 3, -1, out[1], NULL) < 0)
    abort ();
  drv_init (&drv, FEATURES, N_QUEUES, 16);
  while (i < size)
    {
      uint8_t op = data[i++] % 8;
      size_t left = size - i;

      int used = fuzz_mmio_record (&drv, RAM, op, data + i, left);

      if (used >= 0)
        i += (size_t)used;
      else if (op == 2 && left >= 3)
        {
          unsigned q = data[i] % N_QUEUES, len = data[i + 1];
          bool writable = data[i + 2] & 1;
          i += 3;
          if (len > size - i)
            len = (unsigned)(size - i);
          if (drv.next_gpa + len + 16 > RAM / 2)
            drv.next_gpa = 0x20000; /* reuse: the rings live below */
          drv_offer (&drv, q, writable ? NULL : data + i, len, writable);
          if (!writable)
            i += len;
        }
      else if (op == 3 && left >= 1)
        drv_notify (&drv, data[i++] % N_QUEUES);
      else if (op == 5 && left >= 1)
        {
          if (write (in[1], junk, data[i++]) < 0)
            ; /* full: backpressure */
        }
      else if (op == 6)
        vmm_loop_run_once (loop, 0, NULL);
      else if (op == 7 && left >= 2)
        {
          virtio_console_resize (con, data[i], data[i + 1], NULL);
          i += 2;
        }
      else
        break;
      while (read (out[0], junk, sizeof (junk)) > 0)
        ;
    }
  virtio_console_destroy (con);
  fuzz_mmio_end (&drv, loop);
  close (in[0]);
  close (in[1]);
  close (out[0]);
  close (out[1]);
  return 0;
}

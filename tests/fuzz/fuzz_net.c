/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: virtio-net (kvm-shim/devices/virtio_net.c) behind the
 * virtio-mmio register file, driven as a hostile guest drives it, with a
 * datagram socket standing in for the TAP device.  Each input starts from
 * a driver that finished the init sequence with both rings in place, then
 * runs records:
 *   0 off16 val32        MMIO write            1 off16       MMIO read
 *   2 q len16 w bytes... offer a buffer        3 q           notify queue q
 *   4 gpa24 8 bytes      write guest RAM (rings and descriptors included)
 *   5 len16              the host sends a frame (the TAP has one to read)
 *   6                    the host loop runs once (receive)
 * Every frame that reaches the host side must be a whole Ethernet frame
 * (14 bytes to VIRTIO_NET_FRAME_MAX), and the device may not count more
 * frames received or dropped than the host sent. */
#include "kvm-shim/devices/virtio_net.h"
#include "kvm-shim/vmm/loop.h"
#include "tests/fuzz/fuzz_mmio.h"
#include "tests/unit/virtio_driver.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BASE 0xd0000000ULL
#define RAM (4u << 20)
#define N_QUEUES 2
#define FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_EVENT_IDX) | (1ULL << 5))
#define OFFER_MAX 4096

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static struct vmm_mem *mem;
static uint8_t frame[OFFER_MAX], drain[VIRTIO_NET_FRAME_MAX + 1];

static void
check (bool ok, const char *what)
{
  if (!ok)
    {
      fprintf (stderr, "fuzz_net: %s\n", what);
      abort ();
    }
}

/* Every frame the device wrote to the host side: whole, never truncated
 * or padded beyond the largest frame. */
static void
drain_host (int fd)
{
  ssize_t n;

  while ((n = recv (fd, drain, sizeof (drain), MSG_TRUNC)) >= 0)
    check (n >= 14 && n <= VIRTIO_NET_FRAME_MAX, "a frame of impossible length reached the host");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 1 };
  struct virtio_net_stats st;
  struct virtio_mmio_params p;
  struct virtio_net *net;
  struct vmm_loop *loop;
  uint64_t host_sent = 0;
  struct drv drv;
  int sv[2];
  size_t i = 0;

  /* sv[0] is the device's TAP, sv[1] the host's network */
  if (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
    abort ();
  loop = fuzz_mmio_begin (&mem, RAM, BASE, &drv, &p);
  net = virtio_net_create (&p, loop, sv[0], mac, 1500, NULL);
  if (net == NULL)
    abort ();
  drv_init (&drv, FEATURES, N_QUEUES, 16);
  while (i < size)
    {
      uint8_t op = data[i++] % 7;
      size_t left = size - i;

      int used = fuzz_mmio_record (&drv, RAM, op, data + i, left);

      if (used >= 0)
        i += (size_t)used;
      else if (op == 2 && left >= 4)
        {
          unsigned q = data[i] % N_QUEUES, len = (data[i + 1] | data[i + 2] << 8) % (OFFER_MAX + 1);
          bool writable = data[i + 3] & 1;
          i += 4;
          if (!writable && len > size - i)
            len = (unsigned)(size - i);
          if (drv.next_gpa + len + 16 > RAM / 2)
            drv.next_gpa = 0x20000; /* reuse: the rings live below */
          drv_offer (&drv, q, writable ? NULL : data + i, len, writable);
          if (!writable)
            i += len;
        }
      else if (op == 3 && left >= 1)
        drv_notify (&drv, data[i++] % N_QUEUES);
      else if (op == 5 && left >= 2)
        {
          size_t len = (data[i] | data[i + 1] << 8) % (OFFER_MAX + 1);
          i += 2;
          if (send (sv[1], frame, len, 0) >= 0)
            host_sent++; /* else full: backpressure */
        }
      else if (op == 6)
        vmm_loop_run_once (loop, 0, NULL);
      else
        break;
      drain_host (sv[1]);
    }
  virtio_net_get_stats (net, &st);
  check (st.rx_frames + st.rx_dropped <= host_sent, "more frames received than the host sent");
  virtio_net_destroy (net);
  fuzz_mmio_end (&drv, loop);
  close (sv[0]);
  close (sv[1]);
  return 0;
}

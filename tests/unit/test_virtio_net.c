/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-net driven like Linux's virtio_net over queues in fake guest RAM,
 * its host side a datagram socket pair standing in for the TAP (one frame
 * per read/write): features and config space (MAC, MTU), transmit with
 * the header stripped, frames too short or asking for offloads dropped,
 * receive only into posted buffers with a VERSION_1 header, a frame larger
 * than the buffer dropped without using the buffer, a buffer too small for
 * any frame ending in DEVICE_NEEDS_RESET.  No KVM needed. */
#include "kvm-shim/devices/virtio_net.h"
#include "tests/unit/tap.h"
#include "tests/unit/virtio_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BASE 0xd0000000ULL
#define F_MTU 3
#define F_MAC 5
#define FEATURES ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << F_MAC) | (1ULL << F_MTU))
#define QSIZE 16
#define Q_RX 0
#define Q_TX 1
#define HDR 12

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

struct fx
{
  struct vmm_bus *bus;
  struct vmm_mem *mem;
  struct vmm_loop *loop;
  struct virtio_net *net;
  struct drv drv;
  int sv[2]; /* sv[0]: the device's "TAP", sv[1]: the host network */
};

static void
fx_init (struct fx *f)
{
  struct virtio_mmio_params p;

  memset (f, 0, sizeof (*f));
  if (socketpair (AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->sv) < 0)
    abort ();
  f->bus = vmm_bus_create ();
  f->mem = vmm_mem_create (4 << 20, false, NULL);
  f->loop = vmm_loop_create (NULL);
  p = (struct virtio_mmio_params){ .bus = f->bus, .mem = f->mem, .base = BASE, .irq = 5 };
  f->net = virtio_net_create (&p, f->loop, f->sv[0], MAC, 1400, NULL);
  if (f->net == NULL)
    abort ();
  f->drv = (struct drv){ .bus = f->bus, .mem = f->mem, .base = BASE, .next_gpa = 0x1000 };
}

static void
fx_fini (struct fx *f)
{
  virtio_net_destroy (f->net);
  vmm_loop_destroy (f->loop);
  vmm_mem_destroy (f->mem);
  vmm_bus_destroy (f->bus);
  close (f->sv[0]);
  close (f->sv[1]);
}

static size_t
make_frame (uint8_t *buf, size_t len, uint8_t fill)
{
  memset (buf, fill, len);
  memcpy (buf, MAC, 6);
  buf[12] = 0x08;
  buf[13] = 0x00;
  return len;
}

/* One transmit chain: a header (flags, gso_type) then the frame. */
static void
guest_send (struct fx *f, uint8_t flags, uint8_t gso, const uint8_t *frame, size_t len)
{
  uint8_t buf[2048] = { flags, gso };

  memcpy (buf + HDR, frame, len);
  drv_offer (&f->drv, Q_TX, buf, (uint32_t)(HDR + len), false);
  drv_notify (&f->drv, Q_TX);
}

static void
test_config (struct fx *f)
{
  uint64_t feat = drv_device_features (&f->drv);
  uint8_t mac[6];
  uint16_t mtu;
  int i;

  tap_ok ((feat & FEATURES) == FEATURES && !(feat & 1ULL /* CSUM */) && !(feat & (1ULL << 15)),
          "features: VERSION_1, MAC, MTU; no CSUM, no MRG_RXBUF");
  for (i = 0; i < 6; i++)
    mac[i] = (uint8_t)drv_read (&f->drv, 0x100 + i);
  {
    uint32_t w = drv_read (&f->drv, 0x100 + 8);
    mtu = (uint16_t)(w >> 16);
  }
  tap_ok (memcmp (mac, MAC, 6) == 0 && mtu == 1400, "config: the host MAC, MTU %u", mtu);
  drv_init (&f->drv, FEATURES, 2, QSIZE);
  tap_ok ((drv_read (&f->drv, 0x70) & VIRTIO_STATUS_DRIVER_OK) != 0,
          "the driver reaches DRIVER_OK");
}

static void
test_tx (struct fx *f)
{
  uint8_t frame[1500], got[2048];
  struct virtio_net_stats st;
  ssize_t n;
  uint32_t len;
  void *buf;

  make_frame (frame, 60, 0xab);
  guest_send (f, 0, 0, frame, 60);
  n = recv (f->sv[1], got, sizeof (got), 0);
  tap_ok (n == 60 && memcmp (got, frame, 60) == 0,
          "transmit: the frame reaches the host without its header (%zd bytes)", n);
  tap_ok (drv_used (&f->drv, Q_TX, &buf, &len) && len == 0, "transmit: the chain comes back");
  make_frame (frame, 1400 + 14, 0xcd);
  guest_send (f, 0, 0, frame, 1414);
  n = recv (f->sv[1], got, sizeof (got), 0);
  tap_ok (n == 1414 && memcmp (got, frame, 1414) == 0, "transmit: a full-MTU frame");
  drv_used (&f->drv, Q_TX, &buf, &len);
  drv_offer (&f->drv, Q_TX, frame, 10, false); /* shorter than the header */
  drv_notify (&f->drv, Q_TX);
  guest_send (f, 0, 4 /* GSO_TCPV4 */, frame, 60);
  guest_send (f, 1 /* NEEDS_CSUM */, 0, frame, 60);
  n = recv (f->sv[1], got, sizeof (got), 0);
  virtio_net_get_stats (f->net, &st);
  tap_ok (n < 0 && errno == EAGAIN && st.tx_dropped == 3 && st.tx_frames == 2,
          "transmit: a chain shorter than the header, a GSO frame, a NEEDS_CSUM frame: "
          "dropped (%llu)",
          (unsigned long long)st.tx_dropped);
  tap_ok (drv_used (&f->drv, Q_TX, &buf, &len) && drv_used (&f->drv, Q_TX, &buf, &len)
              && drv_used (&f->drv, Q_TX, &buf, &len),
          "transmit: dropped chains come back too");
}

static void
test_rx (struct fx *f)
{
  uint8_t frame[1500];
  struct virtio_net_stats st;
  uint32_t len;
  uint8_t *buf;
  uint16_t nb;
  bool ok;

  make_frame (frame, 100, 0x11);
  if (send (f->sv[1], frame, 100, 0) != 100)
    abort ();
  vmm_loop_run_once (f->loop, 100, NULL);
  tap_ok (!drv_used (&f->drv, Q_RX, (void **)&buf, &len)
              && recv (f->sv[0], frame + 200, 200, MSG_PEEK) == 100,
          "receive: without a posted buffer the frame stays in the host queue");
  drv_offer (&f->drv, Q_RX, NULL, 1526, true);
  drv_notify (&f->drv, Q_RX);
  vmm_loop_run_once (f->loop, 100, NULL);
  ok = drv_used (&f->drv, Q_RX, (void **)&buf, &len);
  tap_ok (ok && len == HDR + 100 && memcmp (buf + HDR, frame, 100) == 0,
          "receive: after the guest posts a buffer, header + frame (%u bytes)", len);
  memcpy (&nb, buf + 10, 2);
  tap_ok (buf[0] == 0 && buf[1] == 0 && nb == 1,
          "receive: header flags 0, GSO none, num_buffers 1");
  /* a frame larger than the buffer: dropped, the buffer kept for the next */
  drv_offer (&f->drv, Q_RX, NULL, HDR + 200, true);
  drv_notify (&f->drv, Q_RX);
  make_frame (frame, 300, 0x22);
  send (f->sv[1], frame, 300, 0);
  make_frame (frame, 150, 0x33);
  send (f->sv[1], frame, 150, 0);
  vmm_loop_run_once (f->loop, 100, NULL);
  virtio_net_get_stats (f->net, &st);
  ok = drv_used (&f->drv, Q_RX, (void **)&buf, &len);
  tap_ok (ok && len == HDR + 150 && buf[HDR + 20] == 0x33 && st.rx_dropped == 1
              && st.rx_frames == 2,
          "receive: a frame larger than the buffer is dropped, the next one fits (%u)", len);
  drv_offer (&f->drv, Q_RX, NULL, 20, true);
  drv_notify (&f->drv, Q_RX);
  send (f->sv[1], frame, 150, 0);
  vmm_loop_run_once (f->loop, 100, NULL);
  tap_ok ((drv_read (&f->drv, 0x70) & VIRTIO_STATUS_NEEDS_RESET) != 0,
          "receive: a buffer too small for any frame: DEVICE_NEEDS_RESET");
}

static void
test_bad_mtu (void)
{
  struct vmm_bus *bus = vmm_bus_create ();
  struct vmm_mem *mem = vmm_mem_create (1 << 20, false, NULL);
  struct vmm_loop *loop = vmm_loop_create (NULL);
  struct virtio_mmio_params p = { .bus = bus, .mem = mem, .base = BASE, .irq = 5 };
  cleanup_error hy_error_t err = NULL;
  bool refused = virtio_net_create (&p, loop, 0, MAC, 65536, &err) == NULL;

  tap_ok (refused && err && strstr (err->msg, "MTU 65536"), "an MTU above 65535 is refused: %s",
          err ? err->msg : "");
  vmm_loop_destroy (loop);
  vmm_mem_destroy (mem);
  vmm_bus_destroy (bus);
}

int
main (void)
{
  struct fx f;

  tap_plan (3 + 5 + 5 + 1);
  fx_init (&f);
  test_config (&f);
  test_tx (&f);
  test_rx (&f);
  fx_fini (&f);
  test_bad_mtu ();
  return tap_done ();
}

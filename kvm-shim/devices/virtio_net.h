/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-net (device id 1, virtio 1.1 §5.1; Linux's drivers/net/virtio_net.c
 * is the driver it must satisfy): one receive queue and one transmit
 * queue, frames to and from a host fd that carries one Ethernet frame per
 * read/write (a TAP opened with IFF_TAP | IFF_NO_PI, net_host.h; a
 * datagram socket in the tests).  Offered: VIRTIO_NET_F_MAC (the host
 * interface's MAC) and VIRTIO_NET_F_MTU, nothing else: no checksum or
 * segmentation offload, no mergeable buffers, no control queue.  Each
 * buffer starts with the 12-byte virtio_net_hdr of VERSION_1, all zero
 * towards the guest (num_buffers 1), checked and stripped towards the
 * host.  Host frames are read on the event loop's thread only while the
 * guest has receive buffers posted. */
#ifndef VIRTIO_NET_H
#define VIRTIO_NET_H

#include "common/error.h"
#include "kvm-shim/virtio/mmio.h"
#include "kvm-shim/vmm/loop.h"

#include <stdint.h>

/* The largest frame moved either way (an MTU of 65535 plus the Ethernet
 * and VLAN headers fits); larger ones are dropped and counted. */
#define VIRTIO_NET_FRAME_MAX (65535 + 18)
#define VIRTIO_NET_HDR_LEN 12

struct virtio_net;

struct virtio_net_stats
{
  uint64_t rx_frames, rx_dropped; /* host -> guest */
  uint64_t tx_frames, tx_dropped; /* guest -> host */
};

/* A device whose frames go to and come from `fd` (not owned, non-blocking,
 * watched on `loop`), with MAC `mac` and MTU `mtu` (68..65535). */
struct virtio_net *virtio_net_create (const struct virtio_mmio_params *p, struct vmm_loop *loop,
                                      int fd, const uint8_t mac[6], uint32_t mtu, hy_error_t *err);
/* After the vCPUs and the loop have stopped. */
void virtio_net_destroy (struct virtio_net *net);
struct virtio_dev *virtio_net_dev (struct virtio_net *net);
void virtio_net_get_stats (struct virtio_net *net, struct virtio_net_stats *out);

#endif

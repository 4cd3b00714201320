/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-balloon (device id 5, virtio 1.2 §5.5) with free page reporting
 * only (VIRTIO_BALLOON_F_REPORTING): the guest kernel's page_reporting
 * hands runs of free pages (2 MiB and up, a few seconds after they were
 * freed) to the reporting queue, and the device gives that memory back to
 * the host (MADV_DONTNEED on guest RAM; the guest gets zeroed pages when
 * it touches them again).  So a VM-mode container's host footprint
 * follows what its workload uses, not its peak.  No inflation is ever
 * asked (num_pages stays 0): the inflate and deflate queues exist because
 * the driver needs them, and their buffers are returned unused. */
#ifndef VIRTIO_BALLOON_H
#define VIRTIO_BALLOON_H

#include "common/error.h"
#include "kvm-shim/virtio/mmio.h"

#include <stdint.h>

#define VIRTIO_ID_BALLOON 5
#define VIRTIO_BALLOON_F_REPORTING 5

struct virtio_balloon;

struct virtio_balloon *virtio_balloon_create (const struct virtio_mmio_params *p, hy_error_t *err);
/* After the vCPUs have stopped. */
void virtio_balloon_destroy (struct virtio_balloon *b);
struct virtio_dev *virtio_balloon_dev (struct virtio_balloon *b);
/* Bytes of guest RAM given back to the host so far (tests, --debug). */
uint64_t virtio_balloon_reported (struct virtio_balloon *b);

#endif

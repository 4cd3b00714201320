/* SPDX-License-Identifier: GPL-2.0-or-later */
/* virtio-9p (device id 9, virtio 1.1 §5.? "9P transport"; the Linux
 * driver is net/9p/trans_virtio.c): one request queue, a mount tag in
 * config space, each chain one 9P request (readable part) and room for
 * its reply (writable part), served by the 9P2000.L server of
 * kvm-shim/fs/ over a host folder. */
#ifndef VIRTIO_9P_H
#define VIRTIO_9P_H

#include "common/error.h"
#include "kvm-shim/fs/p9.h"
#include "kvm-shim/virtio/mmio.h"

struct virtio_9p;

/* Share `dir` under mount tag `tag` (at most 64 bytes), served with the
 * ids of `idmap` (NULL: the VMM's own; see p9_server_set_idmap). */
struct virtio_9p *virtio_9p_create (const struct virtio_mmio_params *p, const char *dir,
                                    const char *tag, const struct p9_idmap *idmap, hy_error_t *err);
/* After the vCPUs have stopped. */
void virtio_9p_destroy (struct virtio_9p *p9);
struct virtio_dev *virtio_9p_dev (struct virtio_9p *p9);
/* Its server, for the request counters (p9_server_counts_text). */
const struct p9_server *virtio_9p_server (const struct virtio_9p *p9);

#endif

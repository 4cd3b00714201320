/* TEMPORARY STUB (not committed): replaced by the vm-9p branch. */
#ifndef VIRTIO_9P_H
#define VIRTIO_9P_H
#include "common/error.h"
#include "kvm-shim/virtio/mmio.h"
struct virtio_9p;
struct virtio_9p *virtio_9p_create (const struct virtio_mmio_params *p, const char *dir,
                                    const char *tag, hy_error_t *err);
struct virtio_dev *virtio_9p_dev (struct virtio_9p *d);
void virtio_9p_destroy (struct virtio_9p *d);
#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VFIO for device passthrough (Documentation/driver-api/vfio.rst): one
 * container (/dev/vfio/vfio) with the type-1 IOMMU backend, the groups the
 * bundle assigns (/dev/vfio/N) attached to it, and all of guest RAM mapped
 * for DMA at its guest-physical addresses, so a device's DMA addresses are
 * the guest's.  Device fds come from here; the devices themselves are
 * kvm-shim/devices/vfio_pci.c. */
#ifndef VMM_VFIO_H
#define VMM_VFIO_H

#include "common/error.h"
#include "kvm-shim/vmm/mem.h"

#include <stddef.h>

/* One group of the plan: its node and the PCI addresses of its devices
 * (/sys/kernel/iommu_groups/N/devices), every one to be assigned. */
struct vmm_vfio_group
{
  const char *path;
  const char *const *devices;
  size_t n_devices;
};

#define VMM_VFIO_MAX_GROUPS 8

struct vmm_vfio
{
  int container;
  int groups[VMM_VFIO_MAX_GROUPS];
  size_t n_groups;
};

/* Open the container and the groups, set the IOMMU, map `mem` for DMA.
 * Errors name the node and the reason (no IOMMU, no such group, in use,
 * not viable, RLIMIT_MEMLOCK). */
struct vmm_vfio *vmm_vfio_open (const struct vmm_vfio_group *groups, size_t n,
                                const struct vmm_mem *mem, hy_error_t *err);
/* Unmaps, detaches the groups, closes everything: the groups can be
 * opened again. */
void vmm_vfio_close (struct vmm_vfio *v);

/* VFIO_GROUP_GET_DEVICE_FD: the device `name` (a PCI address) of group i. */
int vmm_vfio_device_fd (struct vmm_vfio *v, size_t i, const char *path, const char *name,
                        hy_error_t *err);

#endif

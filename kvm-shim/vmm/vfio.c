/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VFIO container and groups (vfio.h), in the order vfio.rst gives:
 * container, API version, extension check, groups (viable, then attached),
 * the IOMMU type once the first group is in, then the DMA mappings. */
#include "kvm-shim/vmm/vfio.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define VFIO_CONTAINER "/dev/vfio/vfio"

static int
open_container (struct vmm_vfio *v, int *type, hy_error_t *err)
{
  v->container = open (VFIO_CONTAINER, O_RDWR | O_CLOEXEC);
  if (v->container < 0)
    return hy_error_set (err, errno, "`%s` (is the vfio module loaded?)", VFIO_CONTAINER);
  if (ioctl (v->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
    return hy_error_set (err, 0, "`%s`: unknown VFIO API version", VFIO_CONTAINER);
  if (ioctl (v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0)
    *type = VFIO_TYPE1v2_IOMMU;
  else if (ioctl (v->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0)
    *type = VFIO_TYPE1_IOMMU;
  else
    return hy_error_set (err, 0,
                         "`%s`: no type-1 IOMMU backend: the host has no IOMMU enabled "
                         "(vfio_iommu_type1 not loaded, or no intel_iommu=on / AMD-Vi)",
                         VFIO_CONTAINER);
  return 0;
}

static int
attach_group (struct vmm_vfio *v, const char *path, int type, hy_error_t *err)
{
  struct vfio_group_status st = { .argsz = sizeof (st) };
  int fd = open (path, O_RDWR | O_CLOEXEC);

  if (fd < 0 && errno == EBUSY)
    return hy_error_set (err, errno,
                         "`%s`: the group is in use (another VM or process has it open)", path);
  if (fd < 0 && errno == ENOENT)
    return hy_error_set (err, errno, "`%s`: no such VFIO group", path);
  if (fd < 0)
    return hy_error_set (err, errno, "`%s`", path);
  v->groups[v->n_groups++] = fd;
  if (ioctl (fd, VFIO_GROUP_GET_STATUS, &st) < 0)
    return hy_error_set (err, errno, "`%s`: VFIO_GROUP_GET_STATUS", path);
  if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
    return hy_error_set (err, 0,
                         "`%s`: the group is not viable: every device of the IOMMU group must be "
                         "bound to vfio-pci (or no driver)",
                         path);
  if (ioctl (fd, VFIO_GROUP_SET_CONTAINER, &v->container) < 0)
    return hy_error_set (err, errno, "`%s`: VFIO_GROUP_SET_CONTAINER", path);
  if (v->n_groups == 1 && ioctl (v->container, VFIO_SET_IOMMU, type) < 0)
    return hy_error_set (err, errno, "`%s`: VFIO_SET_IOMMU type %d", path, type);
  return 0;
}

/* Guest RAM at its guest-physical addresses: what the guest's driver
 * programs into the device is a guest-physical address. */
static int
map_ram (struct vmm_vfio *v, const struct vmm_mem *mem, hy_error_t *err)
{
  unsigned i;

  for (i = 0; i < mem->n_regions; i++)
    {
      const struct vmm_mem_region *r = &mem->regions[i];
      struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof (map),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)(mem->host + r->host_offset),
        .iova = r->gpa,
        .size = r->size,
      };
      if (ioctl (v->container, VFIO_IOMMU_MAP_DMA, &map) < 0)
        return hy_error_set (err, errno, "VFIO_IOMMU_MAP_DMA of guest RAM 0x%llx+0x%llx%s",
                             (unsigned long long)r->gpa, (unsigned long long)r->size,
                             errno == ENOMEM ? " (guest RAM is pinned: raise RLIMIT_MEMLOCK, "
                                               "`ulimit -l`, to the guest's RAM or more)"
                                             : "");
    }
  return 0;
}

struct vmm_vfio *
vmm_vfio_open (const struct vmm_vfio_group *groups, size_t n, const struct vmm_mem *mem,
               hy_error_t *err)
{
  struct vmm_vfio *v = xzalloc (sizeof (*v));
  int type = 0;
  size_t i;

  v->container = -1;
  if (n > VMM_VFIO_MAX_GROUPS)
    {
      hy_error_set (err, 0, "%zu VFIO groups: at most %d", n, VMM_VFIO_MAX_GROUPS);
      goto fail;
    }
  if (open_container (v, &type, err) < 0)
    goto fail;
  for (i = 0; i < n; i++)
    if (attach_group (v, groups[i].path, type, err) < 0)
      goto fail;
  if (map_ram (v, mem, err) < 0)
    goto fail;
  return v;
fail:
  vmm_vfio_close (v);
  return NULL;
}

void
vmm_vfio_close (struct vmm_vfio *v)
{
  size_t i;

  if (v == NULL)
    return;
  /* Closing the container unmaps the DMA ranges; detaching first leaves
   * each group free for the next user. */
  for (i = v->n_groups; i-- > 0;)
    {
      ioctl (v->groups[i], VFIO_GROUP_UNSET_CONTAINER);
      close (v->groups[i]);
    }
  if (v->container >= 0)
    close (v->container);
  free (v);
}

int
vmm_vfio_device_fd (struct vmm_vfio *v, size_t i, const char *path, const char *name,
                    hy_error_t *err)
{
  int fd = ioctl (v->groups[i], VFIO_GROUP_GET_DEVICE_FD, name);

  if (fd < 0)
    return hy_error_set (err, errno, "`%s`: VFIO_GROUP_GET_DEVICE_FD %s%s", path, name,
                         errno == EBUSY ? " (the device is in use)" : "");
  if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0)
    {
      close (fd);
      return hy_error_set (err, errno, "set FD_CLOEXEC on VFIO device %s", name);
    }
  return fd;
}

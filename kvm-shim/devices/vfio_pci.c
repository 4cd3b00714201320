/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A VFIO-assigned PCI device (vfio_pci.h): config space, BARs, setup and
 * teardown (its interrupts: vfio_pci_irq.c).  Config space: a 256-byte
 * shadow read from the device at start and a mask of the bytes the guest
 * sees from the shadow instead of the device - the capability chain's
 * pointers, the MSI and MSI-X capabilities, the INTx line and pin (INTA#
 * on the IOAPIC pin the machine gave, or pin 0: none).  Everything else is
 * read and written through VFIO's config region, which itself protects
 * what the host must keep.  The BAR holding the MSI-X table stays trapped:
 * the table is emulated. */
#include "kvm-shim/devices/vfio_pci_int.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* --- config space -------------------------------------------------------- */

static int
cfg_pread (struct vfio_pci *d, void *buf, unsigned len, unsigned off)
{
  return pread (d->fd, buf, len, (off_t)(d->cfg.offset + off)) == (ssize_t)len ? 0 : -1;
}

static uint32_t
cfg_read (void *opaque, unsigned off, unsigned len)
{
  struct vfio_pci *d = opaque;
  uint8_t b[4] = { 0xff, 0xff, 0xff, 0xff };
  uint32_t v = 0;
  unsigned i;

  if (off + len > CFG_SIZE)
    return 0; /* extended config space: not exposed (conf1 reaches 256) */
  if (cfg_pread (d, b, len, off) < 0)
    memset (b, 0xff, sizeof (b));
  for (i = 0; i < len; i++)
    v |= (uint32_t)(d->virt[off + i] ? d->shadow[off + i] : b[i]) << (8 * i);
  return v;
}

static void
cfg_write (void *opaque, unsigned off, unsigned len, uint32_t val)
{
  struct vfio_pci *d = opaque;
  unsigned i;

  if (off + len > CFG_SIZE)
    return;
  if (d->msi_off && off >= d->msi_off && off < d->msi_off + d->msi_len)
    {
      vfio_pci_msi_write (d, off, len, val);
      return;
    }
  if (d->msix_off && off < d->msix_off + 4 && off + len > d->msix_off + 2)
    {
      vfio_pci_msix_ctrl_write (d, off, len, val);
      return;
    }
  if (off == PCI_CFG_INT_LINE)
    {
      d->shadow[off] = (uint8_t)val; /* the guest's own bookkeeping */
      return;
    }
  for (i = 0; i < len; i++)
    if (d->virt[off + i])
      return; /* capability pointers, the pin: read-only */
  if (pwrite (d->fd, &val, len, (off_t)(d->cfg.offset + off)) != (ssize_t)len)
    hy_debug ("%s: config write at 0x%x: %s", d->name, off, strerror (errno));
}

static uint16_t
command_read (void *opaque)
{
  struct vfio_pci *d = opaque;
  uint16_t v = 0;

  return cfg_pread (d, &v, 2, PCI_CFG_COMMAND) < 0 ? 0 : v;
}

static void
command_write (void *opaque, uint16_t val)
{
  struct vfio_pci *d = opaque;

  if (pwrite (d->fd, &val, 2, (off_t)(d->cfg.offset + PCI_CFG_COMMAND)) != 2)
    hy_debug ("%s: command write: %s", d->name, strerror (errno));
}

/* --- BARs ---------------------------------------------------------------- */

static int
set_slot (struct vfio_pci *d, unsigned bar, uint64_t gpa, hy_error_t *err)
{
  struct region *r = &d->bars[bar];
  struct kvm_userspace_memory_region slot = {
    .slot = d->slot_base + bar,
    .guest_phys_addr = gpa,
    .memory_size = gpa ? r->size : 0,
    .userspace_addr = (uintptr_t)r->map,
  };

  if (ioctl (d->vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
    return hy_error_set (err, errno, "%s: BAR %u: KVM_SET_USER_MEMORY_REGION at 0x%llx", d->name,
                         bar, (unsigned long long)gpa);
  r->slot_active = gpa != 0;
  return 0;
}

/* The guest placed (or unplaced) a BAR: an mmap'able one becomes a memory
 * slot there, so its accesses never leave KVM; the rest stay trapped. */
static int
bar_moved (void *opaque, unsigned bar, uint64_t addr, hy_error_t *err)
{
  struct vfio_pci *d = opaque;
  struct region *r = &d->bars[bar];

  if (r->map == NULL || d->vm == NULL)
    return 0;
  /* the MSI-X table is the VMM's to emulate: its BAR stays trapped */
  if (d->msix_off && (bar == d->msix_bar || bar == d->msix_pba_bar))
    return 0;
  if (r->slot_active && set_slot (d, bar, 0, err) < 0)
    return -1;
  if (addr && set_slot (d, bar, addr, err) < 0)
    {
      /* not fatal: the accesses are trapped instead */
      hy_warn ("%s", (*err)->msg);
      hy_error_free (err);
    }
  return 0;
}

static int
bar_access (void *opaque, unsigned bar, struct vmm_bus_access *a, hy_error_t *err)
{
  struct vfio_pci *d = opaque;
  off_t at = (off_t)(d->bars[bar].offset + a->offset);
  ssize_t n;

  if (d->msix_off && bar == d->msix_bar && a->offset >= d->msix_table
      && a->offset < d->msix_table + (uint64_t)d->msix_n * MSIX_ENTRY)
    {
      vfio_pci_msix_table_access (d, a->offset - d->msix_table, a);
      return 0;
    }
  if (d->msix_off && bar == d->msix_pba_bar && a->offset >= d->msix_pba
      && a->offset < d->msix_pba + (d->msix_n + 63) / 64 * 8)
    {
      vfio_pci_msix_pba_access (d, a->offset - d->msix_pba, a);
      return 0;
    }
  n = a->is_write ? pwrite (d->fd, a->data, a->len, at) : pread (d->fd, a->data, a->len, at);

  if (n != (ssize_t)a->len)
    {
      hy_debug ("%s: BAR %u at 0x%llx: %s", d->name, bar, (unsigned long long)a->offset,
                n < 0 ? strerror (errno) : "short");
      if (!a->is_write)
        memset (a->data, 0xff, a->len);
    }
  return 0;
}

static const struct pci_dev_ops vfio_pci_ops = {
  .name = "vfio-pci",
  .cfg_read = cfg_read,
  .cfg_write = cfg_write,
  .command_read = command_read,
  .command_write = command_write,
  .bar_moved = bar_moved,
  .bar_access = bar_access,
};

/* --- setup --------------------------------------------------------------- */

/* The capability chain as the guest sees it: the MSI capability
 * virtualised with one vector, MSI-X with its table emulated. */
static void
setup_caps (struct vfio_pci *d)
{
  uint8_t keep[48];
  unsigned n = 0, i, ptr, guard = 0;

  virtualise (d, PCI_CFG_CAP_PTR, 1);
  if (!(sh16 (d, PCI_CFG_STATUS) & PCI_STATUS_CAP_LIST))
    {
      d->shadow[PCI_CFG_CAP_PTR] = 0;
      return;
    }
  for (ptr = d->shadow[PCI_CFG_CAP_PTR] & 0xfc; ptr >= 0x40 && guard < 48;
       ptr = d->shadow[ptr + 1] & 0xfc, guard++)
    {
      uint8_t id = d->shadow[ptr];
      if (id == CAP_ID_MSIX && (d->msix_off || vfio_pci_msix_setup (d, ptr) < 0))
        continue;
      keep[n++] = (uint8_t)ptr;
      if (id == CAP_ID_MSI && d->msi_off == 0)
        vfio_pci_msi_setup (d, ptr);
    }
  d->shadow[PCI_CFG_CAP_PTR] = n ? keep[0] : 0;
  for (i = 0; i < n; i++)
    {
      d->shadow[keep[i] + 1] = i + 1 < n ? keep[i + 1] : 0;
      virtualise (d, keep[i] + 1, 1);
    }
}

/* BAR i as the device's register says (I/O or memory, 64-bit, prefetch),
 * sized by its VFIO region. */
static void
setup_bars (struct vfio_pci *d)
{
  unsigned i;

  for (i = 0; i < PCI_NUM_BARS; i++)
    {
      uint32_t reg = sh32 (d, PCI_CFG_BAR0 + 4 * i);
      struct pci_bar *b = &d->pci.bars[i];
      uint64_t size = d->bars[i].size, p2 = 1;

      if (size == 0)
        continue;
      while (p2 < size)
        p2 <<= 1;
      b->size = p2;
      b->kind = reg & PCI_BAR_IO ? PCI_BAR_KIND_PIO : PCI_BAR_KIND_MMIO;
      b->flags = reg & PCI_BAR_IO ? 0 : reg & PCI_BAR_PREFETCH;
      if (!(reg & PCI_BAR_IO) && (reg & 6) == PCI_BAR_MEM64 && i + 1 < PCI_NUM_BARS)
        {
          d->bars[i + 1].size = 0; /* the upper half */
          i++;
        }
    }
}

static int
setup_common (struct vfio_pci *d, struct vmm_pci *pci, hy_error_t *err)
{
  uint8_t type;

  if (cfg_pread (d, d->shadow, CFG_SIZE, 0) < 0)
    return hy_error_set (err, errno, "%s: read config space", d->name);
  type = d->shadow[PCI_CFG_HEADER_TYPE] & 0x7f;
  if (type != 0)
    return hy_error_set (err, 0, "%s: header type %u (a bridge?): only endpoints can be assigned",
                         d->name, type);
  setup_bars (d);
  setup_caps (d);
  /* INTA# on the machine's pin (the MP table says so; the line register
   * says it too, as firmware leaves it), or no pin */
  if (d->shadow[PCI_CFG_INT_PIN] == 0)
    d->intx_pin = 0;
  virtualise (d, PCI_CFG_INT_LINE, 2);
  d->shadow[PCI_CFG_INT_LINE] = (uint8_t)d->intx_pin;
  d->shadow[PCI_CFG_INT_PIN] = d->intx_pin ? 1 : 0;
  d->pci.ops = &vfio_pci_ops;
  d->pci.opaque = d;
  if ((d->slot = vmm_pci_add (pci, &d->pci, err)) < 0)
    return -1;
  return vfio_pci_intx_start (d, err);
}

static struct vfio_pci *
alloc (int fd, const char *name, unsigned slot_base, unsigned intx_pin)
{
  struct vfio_pci *d = xzalloc (sizeof (*d));

  d->fd = fd;
  d->intx_pin = intx_pin;
  d->intx_efd = d->intx_rfd = -1;
  d->slot = -1;
  d->name = xstrdup (name);
  d->slot_base = slot_base;
  d->msi_gsi = -1;
  d->msi_efd = -1;
  return d;
}

static int
region_info (struct vfio_pci *d, unsigned index, struct region *r, bool mappable, hy_error_t *err)
{
  struct vfio_region_info info = { .argsz = sizeof (info), .index = index };

  if (ioctl (d->fd, VFIO_DEVICE_GET_REGION_INFO, &info) < 0)
    return hy_error_set (err, errno, "%s: VFIO_DEVICE_GET_REGION_INFO %u", d->name, index);
  r->offset = info.offset;
  r->size = info.size;
  /* whole-region mmap only: a region with capabilities (a sparse mmap
   * around an MSI-X table) stays trapped */
  if (mappable && (info.flags & VFIO_REGION_INFO_FLAG_MMAP)
      && !(info.flags & VFIO_REGION_INFO_FLAG_CAPS) && info.size >= 4096 && (info.size & 4095) == 0)
    {
      void *p
          = mmap (NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)info.offset);
      if (p == MAP_FAILED)
        hy_debug ("%s: region %u: mmap: %s (trapped instead)", d->name, index, strerror (errno));
      else
        r->map = p;
    }
  return 0;
}

struct vfio_pci *
vfio_pci_create (struct vmm_pci *pci, struct vmm_vm *vm, struct vmm_msi *msi, int dev_fd,
                 const char *name, unsigned slot_base, unsigned intx_pin, hy_error_t *err)
{
  struct vfio_pci *d = alloc (dev_fd, name, slot_base, intx_pin);
  struct vfio_device_info info = { .argsz = sizeof (info) };
  struct vfio_irq_info intx = { .argsz = sizeof (intx), .index = VFIO_PCI_INTX_IRQ_INDEX };
  unsigned i;

  d->vm = vm;
  d->msi = msi;
  d->is_vfio = true;
  if (ioctl (dev_fd, VFIO_DEVICE_GET_INFO, &info) < 0)
    {
      hy_error_set (err, errno, "%s: VFIO_DEVICE_GET_INFO", name);
      goto fail;
    }
  if (!(info.flags & VFIO_DEVICE_FLAGS_PCI) || info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
    {
      hy_error_set (err, 0, "%s: not a PCI device", name);
      goto fail;
    }
  d->has_reset = info.flags & VFIO_DEVICE_FLAGS_RESET;
  /* no INTx where VFIO offers none (no pin, or the host disabled it) */
  if (ioctl (dev_fd, VFIO_DEVICE_GET_IRQ_INFO, &intx) < 0 || intx.count == 0)
    d->intx_pin = 0;
  for (i = 0; i < PCI_NUM_BARS; i++)
    if (region_info (d, VFIO_PCI_BAR0_REGION_INDEX + i, &d->bars[i], true, err) < 0)
      goto fail;
  if (region_info (d, VFIO_PCI_CONFIG_REGION_INDEX, &d->cfg, false, err) < 0)
    goto fail;
  /* a device as its last user left it would start the guest's driver
   * from an unknown state */
  if (d->has_reset && ioctl (dev_fd, VFIO_DEVICE_RESET) < 0)
    hy_debug ("%s: VFIO_DEVICE_RESET: %s", name, strerror (errno));
  if (setup_common (d, pci, err) < 0)
    goto fail;
  return d;
fail:
  vfio_pci_destroy (d);
  return NULL;
}

struct vfio_pci *
vfio_pci_create_fake (struct vmm_pci *pci, int fd, const char *name,
                      const struct vfio_pci_fake *fake, hy_error_t *err)
{
  struct vfio_pci *d = alloc (fd, name, 0, fake->intx_pin);
  unsigned i;

  d->cfg.offset = fake->cfg_offset;
  d->cfg.size = CFG_SIZE;
  for (i = 0; i < PCI_NUM_BARS; i++)
    {
      d->bars[i].offset = fake->bar_offset[i];
      d->bars[i].size = fake->bar_size[i];
    }
  if (setup_common (d, pci, err) < 0)
    {
      vfio_pci_destroy (d);
      return NULL;
    }
  return d;
}

void
vfio_pci_destroy (struct vfio_pci *d)
{
  unsigned i;

  if (d == NULL)
    return;
  vfio_pci_msi_stop (d);
  vfio_pci_msix_stop (d);
  vfio_pci_intx_stop (d);
  if (d->msi && d->msi_gsi >= 0)
    vmm_msi_free (d->msi, d->msi_gsi);
  for (i = 0; i < PCI_NUM_BARS; i++)
    {
      if (d->bars[i].slot_active)
        set_slot (d, i, 0, NULL);
      if (d->bars[i].map)
        munmap (d->bars[i].map, d->bars[i].size);
    }
  /* leave the device quiet for its next user */
  if (d->is_vfio && d->has_reset && d->fd >= 0)
    ioctl (d->fd, VFIO_DEVICE_RESET);
  if (d->fd >= 0)
    close (d->fd);
  free (d->vec);
  free (d->name);
  free (d);
}

int
vfio_pci_slot (const struct vfio_pci *d)
{
  return d->slot;
}

unsigned
vfio_pci_intx_pin (const struct vfio_pci *d)
{
  return d->intx_pin;
}

bool
vfio_pci_intx_on (const struct vfio_pci *d)
{
  return d->intx_on;
}

int
vfio_pci_msix (const struct vfio_pci *d, unsigned *n_live)
{
  unsigned i;

  *n_live = 0;
  for (i = 0; i < d->msix_n; i++)
    *n_live += d->vec[i].live;
  return d->msix_off ? (int)d->msix_n : -1;
}

int
vfio_pci_msix_eventfd (const struct vfio_pci *d, unsigned i)
{
  return i < d->msix_n ? d->vec[i].efd : -1;
}

bool
vfio_pci_msi (const struct vfio_pci *d, uint64_t *addr, uint32_t *data)
{
  *addr = d->msi_addr;
  *data = d->msi_data;
  return d->msi_on;
}

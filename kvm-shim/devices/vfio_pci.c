/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A VFIO-assigned PCI device (vfio_pci.h).  Config space: a 256-byte
 * shadow read from the device at start and a mask of the bytes the guest
 * sees from the shadow instead of the device - the capability chain's
 * pointers, the MSI and MSI-X capabilities (the guest's messages go to KVM
 * routes, never to the hardware: VFIO programs the host's own; the MSI-X
 * table is emulated here, its BAR trapped), the INTx line and pin (INTA#
 * on the IOAPIC pin the machine gave, or pin 0: none).  Everything else is
 * read and written through VFIO's config region, which itself protects
 * what the host must keep.
 *
 * Interrupts: INTx while MSI and MSI-X are off, as the PCI spec has it
 * (VFIO allows one kind at a time).  INTx is level-triggered and VFIO masks it when
 * it fires: KVM asserts the pin from an irqfd and, at the guest's EOI,
 * lowers it and signals a resample eventfd that VFIO takes as "unmask"
 * (the device, still asserting, fires again).  MSI goes to a KVM route. */
#include "kvm-shim/devices/vfio_pci.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define CFG_SIZE 256
#define CAP_ID_MSI 0x05
#define CAP_ID_MSIX 0x11
#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_64 0x0080
#define MSI_CTRL_PVM 0x0100
#define MSI_CTRL_MMC 0x000e    /* multiple message capable */
#define MSI_CTRL_MME 0x0070    /* multiple message enable */
#define MSIX_CTRL_SIZE 0x07ff  /* table size - 1 */
#define MSIX_CTRL_FMASK 0x4000 /* function mask */
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_MAX 32     /* vectors offered to the guest, at most */
#define MSIX_ENTRY 16   /* address (8), data (4), vector control (4) */
#define MSIX_VEC_MASK 1 /* vector control: masked */

/* An MSI-X vector as the guest programmed it (its table entry, kept by
 * the VMM: the device's own table holds the host's messages) and what
 * carries it: a KVM MSI route and the eventfd VFIO signals, attached to
 * the route (live) while the vector is enabled and unmasked. */
struct msix_vec
{
  uint8_t entry[MSIX_ENTRY];
  int gsi, efd;
  bool live;
};

struct region
{
  uint64_t offset, size;
  void *map;        /* mmap'd (VFIO_REGION_INFO_FLAG_MMAP), or NULL: trapped */
  bool slot_active; /* mapped into the guest as a KVM memory slot */
};

struct vfio_pci
{
  struct pci_dev pci;
  struct vmm_vm *vm;   /* NULL: tests */
  struct vmm_msi *msi; /* NULL: tests */
  int fd;
  bool is_vfio; /* false: a fake device file (tests) */
  bool has_reset;
  char *name;
  int slot; /* on the bus */
  unsigned slot_base;
  struct region cfg, bars[PCI_NUM_BARS];
  uint8_t shadow[CFG_SIZE];
  uint8_t virt[CFG_SIZE]; /* 1: the guest sees shadow[i] */
  unsigned intx_pin;      /* IOAPIC pin of INTA#, 0: none */
  int intx_efd, intx_rfd; /* trigger, resample (unmask) */
  bool intx_on;
  unsigned msix_off;               /* capability offset, 0: none */
  unsigned msix_n;                 /* vectors offered */
  unsigned msix_bar, msix_pba_bar; /* BIRs */
  uint64_t msix_table, msix_pba;   /* offsets in those BARs */
  bool msix_on;
  struct msix_vec *vec;
  unsigned msi_off, msi_len;
  int msi_gsi, msi_efd;
  bool msi_on;
  uint64_t msi_addr;
  uint32_t msi_data;
};

static uint16_t
sh16 (const struct vfio_pci *d, unsigned off)
{
  return (uint16_t)(d->shadow[off] | d->shadow[off + 1] << 8);
}

static uint32_t
sh32 (const struct vfio_pci *d, unsigned off)
{
  return (uint32_t)sh16 (d, off) | (uint32_t)sh16 (d, off + 2) << 16;
}

static void
virtualise (struct vfio_pci *d, unsigned off, unsigned len)
{
  memset (d->virt + off, 1, len);
}

/* VFIO_DEVICE_SET_IRQS: irq `index` (INTx, MSI or MSI-X) vectors 0..n-1
 * signal the eventfds `efds` for `action` (trigger, or unmask for INTx);
 * with n 0 the trigger is turned off. */
static int
set_irqs_n (struct vfio_pci *d, unsigned index, unsigned action, const int *efds, unsigned n,
            hy_error_t *err)
{
  char buf[sizeof (struct vfio_irq_set) + MSIX_MAX * sizeof (int32_t)];
  struct vfio_irq_set *s = (struct vfio_irq_set *)buf;
  static const char *const names[] = { "INTx", "MSI", "MSI-X" };

  if (!d->is_vfio)
    return 0;
  memset (buf, 0, sizeof (buf));
  s->argsz = (uint32_t)(sizeof (*s) + n * sizeof (int32_t));
  s->flags = action | (n ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
  s->index = index;
  s->count = n;
  memcpy (s->data, efds, n * sizeof (int32_t));
  if (ioctl (d->fd, VFIO_DEVICE_SET_IRQS, s) < 0)
    return hy_error_set (err, errno, "%s: VFIO_DEVICE_SET_IRQS (%s %s, %u vector%s)", d->name,
                         index <= VFIO_PCI_MSIX_IRQ_INDEX ? names[index] : "?",
                         n == 0                                 ? "off"
                         : action == VFIO_IRQ_SET_ACTION_UNMASK ? "unmask"
                                                                : "on",
                         n, n == 1 ? "" : "s");
  return 0;
}

static int
set_irqs (struct vfio_pci *d, unsigned index, unsigned action, int efd, hy_error_t *err)
{
  return set_irqs_n (d, index, action, &efd, efd >= 0 ? 1 : 0, err);
}

static int
msi_set_irqs (struct vfio_pci *d, int efd, hy_error_t *err)
{
  return set_irqs (d, VFIO_PCI_MSI_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, efd, err);
}

/* --- INTx ---------------------------------------------------------------- */

static int
intx_irqfd (struct vfio_pci *d, bool assign, hy_error_t *err)
{
  struct kvm_irqfd req = { .fd = (uint32_t)d->intx_efd, .gsi = d->intx_pin };

  if (d->vm == NULL)
    return 0;
  if (assign)
    {
      req.flags = KVM_IRQFD_FLAG_RESAMPLE;
      req.resamplefd = (uint32_t)d->intx_rfd;
    }
  else
    req.flags = KVM_IRQFD_FLAG_DEASSIGN;
  if (ioctl (d->vm->vm_fd, KVM_IRQFD, &req) < 0)
    return hy_error_set (err, errno, "%s: KVM_IRQFD (INTx on pin %u, resample)", d->name,
                         d->intx_pin);
  return 0;
}

static void
intx_off (struct vfio_pci *d)
{
  if (!d->intx_on)
    return;
  set_irqs (d, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, -1, NULL);
  intx_irqfd (d, false, NULL);
  close (d->intx_efd);
  close (d->intx_rfd);
  d->intx_efd = d->intx_rfd = -1;
  d->intx_on = false;
}

/* INTx on: KVM asserts the pin when VFIO signals the trigger eventfd, and
 * at the guest's EOI signals the resample eventfd, which VFIO takes as
 * the unmask. */
static int
intx_on (struct vfio_pci *d, hy_error_t *err)
{
  if (d->intx_pin == 0 || d->intx_on)
    return 0;
  d->intx_efd = eventfd (0, EFD_CLOEXEC);
  d->intx_rfd = eventfd (0, EFD_CLOEXEC);
  if (d->intx_efd < 0 || d->intx_rfd < 0)
    {
      hy_error_set (err, errno, "%s: eventfd", d->name);
      goto fail;
    }
  if (intx_irqfd (d, true, err) < 0)
    goto fail;
  d->intx_on = true;
  if (set_irqs (d, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, d->intx_efd, err) < 0
      || set_irqs (d, VFIO_PCI_INTX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_UNMASK, d->intx_rfd, err) < 0)
    {
      intx_off (d);
      return -1;
    }
  return 0;
fail:
  if (d->intx_efd >= 0)
    close (d->intx_efd);
  if (d->intx_rfd >= 0)
    close (d->intx_rfd);
  d->intx_efd = d->intx_rfd = -1;
  return -1;
}

/* --- MSI ----------------------------------------------------------------- */

static void
msi_off (struct vfio_pci *d)
{
  if (!d->msi_on)
    return;
  msi_set_irqs (d, -1, NULL);
  if (d->msi && d->msi_efd >= 0)
    vmm_msi_irqfd (d->msi, d->msi_gsi, d->msi_efd, false, NULL);
  if (d->msi_efd >= 0)
    close (d->msi_efd);
  d->msi_efd = -1;
  d->msi_on = false;
}

/* Enable: a GSI routed to the guest's message, an eventfd KVM listens on,
 * VFIO told to signal it.  The host's MSI (its own vector, through its
 * IOMMU's interrupt remapping) stays the host's. */
static int
msi_start (struct vfio_pci *d, hy_error_t *err)
{
  if (d->msi && d->msi_gsi < 0 && (d->msi_gsi = vmm_msi_alloc (d->msi, err)) < 0)
    return -1;
  if (d->msi && vmm_msi_set (d->msi, d->msi_gsi, d->msi_addr, d->msi_data, err) < 0)
    return -1;
  d->msi_efd = eventfd (0, EFD_CLOEXEC);
  if (d->msi_efd < 0)
    return hy_error_set (err, errno, "%s: eventfd", d->name);
  d->msi_on = true;
  if ((d->msi && vmm_msi_irqfd (d->msi, d->msi_gsi, d->msi_efd, true, err) < 0)
      || msi_set_irqs (d, d->msi_efd, err) < 0)
    return -1;
  return 0;
}

/* The guest wrote into the MSI capability: follow its enable bit and its
 * message. */
static int
msi_update (struct vfio_pci *d, hy_error_t *err)
{
  unsigned o = d->msi_off;
  uint16_t ctrl = sh16 (d, o + 2);
  bool is64 = ctrl & MSI_CTRL_64;
  uint64_t addr = sh32 (d, o + 4) | (is64 ? (uint64_t)sh32 (d, o + 8) << 32 : 0);
  uint32_t data = sh16 (d, o + (is64 ? 12 : 8));
  bool changed = addr != d->msi_addr || data != d->msi_data;

  d->msi_addr = addr;
  d->msi_data = data;
  if (!(ctrl & MSI_CTRL_ENABLE))
    {
      if (!d->msi_on)
        return 0;
      msi_off (d);
      return d->msix_on ? 0 : intx_on (d, err); /* back to the pin */
    }
  if (!d->msi_on)
    {
      intx_off (d); /* one at a time */
      if (msi_start (d, err) < 0)
        {
          msi_off (d);
          return -1;
        }
      hy_debug ("%s: MSI on: gsi %d, address 0x%llx data 0x%x", d->name, d->msi_gsi,
                (unsigned long long)addr, data);
      return 0;
    }
  if (changed && d->msi)
    return vmm_msi_set (d->msi, d->msi_gsi, addr, data, err);
  return 0;
}

/* A guest write into the capability: the control word keeps only its
 * enable bit writable (one vector: MMC reads 0, MME stays 0); address,
 * data and the mask bits are the guest's. */
static void
msi_write (struct vfio_pci *d, unsigned off, unsigned len, uint32_t val)
{
  cleanup_error hy_error_t err = NULL;
  unsigned i, ctrl = d->msi_off + 2;

  for (i = 0; i < len; i++)
    {
      unsigned at = off + i;
      uint8_t b = (uint8_t)(val >> (8 * i));
      if (at == ctrl)
        b = (uint8_t)((d->shadow[at] & ~MSI_CTRL_ENABLE) | (b & MSI_CTRL_ENABLE));
      else if (at == ctrl + 1)
        b = d->shadow[at];
      else if (at < d->msi_off + 4)
        continue;
      d->shadow[at] = b;
    }
  if (msi_update (d, &err) < 0)
    hy_warn ("%s", err->msg);
}

/* --- MSI-X ---------------------------------------------------------------- */

static uint64_t
vec_addr (const struct msix_vec *v)
{
  uint64_t a;
  memcpy (&a, v->entry, 8);
  return le64toh (a);
}

static uint32_t
vec_u32 (const struct msix_vec *v, unsigned at)
{
  uint32_t x;
  memcpy (&x, v->entry + at, 4);
  return le32toh (x);
}

static bool
msix_fmask (const struct vfio_pci *d)
{
  return sh16 (d, d->msix_off + 2) & MSIX_CTRL_FMASK;
}

/* Attach vector i's eventfd to its route exactly while MSI-X is on and
 * neither the function nor the vector is masked.  An interrupt that came
 * while masked stays counted in the eventfd, and KVM delivers it when the
 * irqfd is attached again (the pending bit, in effect). */
static void
msix_sync (struct vfio_pci *d, unsigned i)
{
  cleanup_error hy_error_t err = NULL;
  struct msix_vec *v = &d->vec[i];
  bool want = d->msix_on && !msix_fmask (d) && !(vec_u32 (v, 12) & MSIX_VEC_MASK);

  if (want == v->live)
    return;
  if (d->msi && v->efd >= 0 && vmm_msi_irqfd (d->msi, v->gsi, v->efd, want, &err) < 0)
    {
      hy_warn ("%s: MSI-X vector %u: %s", d->name, i, err->msg);
      return;
    }
  v->live = want;
}

static void
msix_stop (struct vfio_pci *d)
{
  unsigned i;

  if (!d->msix_on)
    return;
  set_irqs_n (d, VFIO_PCI_MSIX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, NULL, 0, NULL);
  d->msix_on = false;
  for (i = 0; i < d->msix_n; i++)
    {
      struct msix_vec *v = &d->vec[i];
      msix_sync (d, i);
      if (v->efd >= 0)
        close (v->efd);
      if (d->msi && v->gsi >= 0)
        vmm_msi_free (d->msi, v->gsi);
      v->efd = v->gsi = -1;
      v->live = false;
    }
}

/* Enable: every vector gets a route (the guest's message) and an eventfd
 * VFIO signals; VFIO enables that many host vectors at once. */
static int
msix_start (struct vfio_pci *d, hy_error_t *err)
{
  int efds[MSIX_MAX];
  unsigned i;

  d->msix_on = true;
  for (i = 0; i < d->msix_n; i++)
    {
      struct msix_vec *v = &d->vec[i];
      if ((v->efd = eventfd (0, EFD_CLOEXEC)) < 0)
        return hy_error_set (err, errno, "%s: eventfd", d->name);
      efds[i] = v->efd;
      if (d->msi
          && ((v->gsi = vmm_msi_alloc (d->msi, err)) < 0
              || vmm_msi_set (d->msi, v->gsi, vec_addr (v), vec_u32 (v, 8), err) < 0))
        return hy_error_prefix (err, "%s: MSI-X vector %u", d->name, i);
    }
  if (set_irqs_n (d, VFIO_PCI_MSIX_IRQ_INDEX, VFIO_IRQ_SET_ACTION_TRIGGER, efds, d->msix_n, err)
      < 0)
    return -1;
  for (i = 0; i < d->msix_n; i++)
    msix_sync (d, i);
  return 0;
}

/* The guest wrote the control word: only its enable and function-mask
 * bits are the guest's. */
static void
msix_ctrl_write (struct vfio_pci *d, unsigned off, unsigned len, uint32_t val)
{
  cleanup_error hy_error_t err = NULL;
  unsigned i, hi = d->msix_off + 3;
  bool was_on = d->msix_on, on;

  for (i = 0; i < len; i++)
    if (off + i == hi)
      d->shadow[hi] = (uint8_t)((d->shadow[hi] & ~0xc0) | ((val >> (8 * i)) & 0xc0));
  on = sh16 (d, d->msix_off + 2) & MSIX_CTRL_ENABLE;
  if (on && !was_on)
    {
      intx_off (d); /* one kind at a time */
      if (msix_start (d, &err) < 0)
        {
          hy_warn ("%s", err->msg);
          msix_stop (d);
        }
      else
        hy_debug ("%s: MSI-X on: %u vectors", d->name, d->msix_n);
      return;
    }
  if (!on && was_on)
    {
      msix_stop (d);
      if (!d->msi_on && intx_on (d, &err) < 0)
        hy_warn ("%s", err->msg);
      return;
    }
  for (i = 0; i < d->msix_n; i++)
    msix_sync (d, i); /* the function mask */
}

/* An access to the MSI-X table (offset relative to it): the guest's
 * entries, kept here; a changed message moves its route, a changed mask
 * bit attaches or detaches its eventfd. */
static void
msix_table_access (struct vfio_pci *d, uint64_t off, struct vmm_bus_access *a)
{
  cleanup_error hy_error_t err = NULL;
  unsigned i = (unsigned)(off / MSIX_ENTRY), at = (unsigned)(off % MSIX_ENTRY);
  struct msix_vec *v = &d->vec[i];
  uint64_t addr = vec_addr (v);
  uint32_t data = vec_u32 (v, 8);
  unsigned len = a->len;

  if (at + len > MSIX_ENTRY)
    len = MSIX_ENTRY - at; /* an access across two entries: the first's part */
  if (!a->is_write)
    {
      memset (a->data, 0, a->len);
      memcpy (a->data, v->entry + at, len);
      return;
    }
  memcpy (v->entry + at, a->data, len);
  if (d->msix_on && d->msi && v->gsi >= 0 && (vec_addr (v) != addr || vec_u32 (v, 8) != data)
      && vmm_msi_set (d->msi, v->gsi, vec_addr (v), vec_u32 (v, 8), &err) < 0)
    hy_warn ("%s: MSI-X vector %u: %s", d->name, i, err->msg);
  msix_sync (d, i);
}

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
      msi_write (d, off, len, val);
      return;
    }
  if (d->msix_off && off < d->msix_off + 4 && off + len > d->msix_off + 2)
    {
      msix_ctrl_write (d, off, len, val);
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
      msix_table_access (d, a->offset - d->msix_table, a);
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

/* The MSI-X capability at `ptr`, virtualised: at most MSIX_MAX vectors,
 * enable and function mask the guest's; the table must lie inside its
 * BAR (else -1: the capability is left out). */
static int
setup_msix (struct vfio_pci *d, unsigned ptr)
{
  uint16_t ctrl = sh16 (d, ptr + 2);
  uint32_t table = sh32 (d, ptr + 4), pba = sh32 (d, ptr + 8);
  unsigned n = (ctrl & MSIX_CTRL_SIZE) + 1, i;

  if (ptr + 12 > CFG_SIZE)
    return -1;
  if (n > MSIX_MAX)
    n = MSIX_MAX;
  d->msix_bar = table & 7;
  d->msix_table = table & ~7u;
  d->msix_pba_bar = pba & 7;
  d->msix_pba = pba & ~7u;
  if (d->msix_bar >= PCI_NUM_BARS || d->msix_pba_bar >= PCI_NUM_BARS
      || d->msix_table + (uint64_t)n * MSIX_ENTRY > d->bars[d->msix_bar].size)
    {
      hy_debug ("%s: MSI-X table outside its BAR: MSI-X hidden", d->name);
      return -1;
    }
  d->msix_off = ptr;
  d->msix_n = n;
  d->vec = xzalloc (n * sizeof (*d->vec));
  for (i = 0; i < n; i++)
    {
      d->vec[i].entry[12] = MSIX_VEC_MASK; /* masked at reset */
      d->vec[i].gsi = d->vec[i].efd = -1;
    }
  ctrl = (uint16_t)(n - 1);
  d->shadow[ptr + 2] = (uint8_t)ctrl;
  d->shadow[ptr + 3] = (uint8_t)(ctrl >> 8);
  virtualise (d, ptr + 2, 10);
  return 0;
}

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
      if (id == CAP_ID_MSIX && (d->msix_off || setup_msix (d, ptr) < 0))
        continue;
      keep[n++] = (uint8_t)ptr;
      if (id == CAP_ID_MSI && d->msi_off == 0)
        {
          uint16_t ctrl = sh16 (d, ptr + 2);
          d->msi_off = ptr;
          d->msi_len = (ctrl & MSI_CTRL_64 ? 14 : 10) + (ctrl & MSI_CTRL_PVM ? 10 : 0);
          ctrl &= (uint16_t) ~(MSI_CTRL_ENABLE | MSI_CTRL_MMC | MSI_CTRL_MME);
          d->shadow[ptr + 2] = (uint8_t)ctrl;
          d->shadow[ptr + 3] = (uint8_t)(ctrl >> 8);
          if (ptr + d->msi_len > CFG_SIZE)
            d->msi_off = d->msi_len = 0;
          else
            virtualise (d, ptr + 2, d->msi_len - 2);
        }
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
  return intx_on (d, err);
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
  msi_off (d);
  msix_stop (d);
  intx_off (d);
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

bool
vfio_pci_msi (const struct vfio_pci *d, uint64_t *addr, uint32_t *data)
{
  *addr = d->msi_addr;
  *data = d->msi_data;
  return d->msi_on;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A VFIO-assigned device's interrupts (vfio_pci_int.h): INTx while MSI
 * and MSI-X are off, as the PCI spec has it (VFIO allows one kind at a
 * time).  INTx is level-triggered and VFIO masks it when it fires: KVM
 * asserts the pin from an irqfd and, at the guest's EOI, lowers it and
 * signals a resample eventfd that VFIO takes as "unmask" (the device,
 * still asserting, fires again).  MSI and each MSI-X vector go to a KVM
 * MSI route with the guest's message, never to the hardware (VFIO
 * programs the host's own); the MSI-X table and pending bits are
 * emulated here. */
#include "kvm-shim/devices/vfio_pci_int.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

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

void
vfio_pci_intx_stop (struct vfio_pci *d)
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
int
vfio_pci_intx_start (struct vfio_pci *d, hy_error_t *err)
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
      vfio_pci_intx_stop (d);
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

/* The MSI capability at `ptr`, virtualised with one vector (MMC reads
 * 0), enable and message the guest's. */
void
vfio_pci_msi_setup (struct vfio_pci *d, unsigned ptr)
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

void
vfio_pci_msi_stop (struct vfio_pci *d)
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
      vfio_pci_msi_stop (d);
      return d->msix_on ? 0 : vfio_pci_intx_start (d, err); /* back to the pin */
    }
  if (!d->msi_on)
    {
      vfio_pci_intx_stop (d); /* one at a time */
      if (msi_start (d, err) < 0)
        {
          vfio_pci_msi_stop (d);
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
void
vfio_pci_msi_write (struct vfio_pci *d, unsigned off, unsigned len, uint32_t val)
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

/* The MSI-X capability at `ptr`, virtualised: at most MSIX_MAX vectors,
 * enable and function mask the guest's; the table must lie inside its
 * BAR (else -1: the capability is left out). */
int
vfio_pci_msix_setup (struct vfio_pci *d, unsigned ptr)
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

void
vfio_pci_msix_stop (struct vfio_pci *d)
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
void
vfio_pci_msix_ctrl_write (struct vfio_pci *d, unsigned off, unsigned len, uint32_t val)
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
      vfio_pci_intx_stop (d); /* one kind at a time */
      if (msix_start (d, &err) < 0)
        {
          hy_warn ("%s", err->msg);
          vfio_pci_msix_stop (d);
        }
      else
        hy_debug ("%s: MSI-X on: %u vectors", d->name, d->msix_n);
      return;
    }
  if (!on && was_on)
    {
      vfio_pci_msix_stop (d);
      if (!d->msi_on && vfio_pci_intx_start (d, &err) < 0)
        hy_warn ("%s", err->msg);
      return;
    }
  for (i = 0; i < d->msix_n; i++)
    msix_sync (d, i); /* the function mask */
}

/* An access to the MSI-X table (offset relative to it): the guest's
 * entries, kept here; a changed message moves its route, a changed mask
 * bit attaches or detaches its eventfd. */
void
vfio_pci_msix_table_access (struct vfio_pci *d, uint64_t off, struct vmm_bus_access *a)
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

/* An access to the MSI-X pending bits (offset relative to them): a vector
 * is pending while it is masked here and its eventfd holds an interrupt
 * (the device's own bits are the host's, whose vectors stay unmasked).
 * Read-only, as the spec has it. */
void
vfio_pci_msix_pba_access (struct vfio_pci *d, uint64_t off, struct vmm_bus_access *a)
{
  unsigned b, bit;

  if (a->is_write)
    return;
  memset (a->data, 0, a->len);
  for (b = 0; b < a->len; b++)
    for (bit = 0; bit < 8; bit++)
      {
        unsigned i = (unsigned)(off + b) * 8 + bit;
        struct pollfd p;

        if (i >= d->msix_n || d->vec[i].live || d->vec[i].efd < 0)
          continue;
        p = (struct pollfd){ .fd = d->vec[i].efd, .events = POLLIN };
        if (poll (&p, 1, 0) == 1)
          a->data[b] |= (uint8_t)(1u << bit);
      }
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PCI bus (pci.h): configuration mechanism #1 on ports 0xCF8..0xCFF,
 * a host bridge in slot 0 (Linux's pci_sanity_check wants a host bridge or
 * a VGA device on bus 0 before it trusts conf1), the BAR registers and
 * decode bits of every device, and one bus range per window through which
 * trapped BAR accesses reach the device whose BAR the guest placed there. */
#include "kvm-shim/pci/pci.h"
#include "common/xalloc.h"
#include "kvm-shim/vmm/layout.h"

#include <stdlib.h>
#include <string.h>

/* The host bridge: Red Hat's PCIe host bridge id (1b36:0008), class 0600. */
static const uint32_t bridge_cfg[16] = {
  [0] = 0x00081b36, [2] = 0x06000000, /* class 06 00 00, revision 0 */
};

static uint32_t
bridge_read (unsigned off)
{
  return off < sizeof (bridge_cfg) ? bridge_cfg[off / 4] : 0;
}

/* --- BARs ---------------------------------------------------------------- */

static uint32_t
bar_low_bits (const struct pci_bar *b)
{
  return b->kind == PCI_BAR_KIND_PIO ? PCI_BAR_IO : (b->flags & PCI_BAR_PREFETCH);
}

static uint32_t
bar_read (const struct pci_dev *d, unsigned i)
{
  const struct pci_bar *b = &d->bars[i];

  if (b->kind == PCI_BAR_NONE)
    return 0;
  return (d->bar_reg[i] & ~(uint32_t)(b->size - 1)) | bar_low_bits (b);
}

/* Where BAR i decodes now: its register when the command register's
 * matching bit is on, else nowhere. */
static uint64_t
bar_decoded (const struct pci_dev *d, unsigned i)
{
  const struct pci_bar *b = &d->bars[i];
  uint16_t bit = b->kind == PCI_BAR_KIND_PIO ? PCI_CMD_IO : PCI_CMD_MEMORY;
  uint32_t mask = b->kind == PCI_BAR_KIND_PIO ? ~3u : ~15u;

  if (b->kind == PCI_BAR_NONE || !(d->command & bit))
    return 0;
  return d->bar_reg[i] & mask & ~(uint32_t)(b->size - 1);
}

/* Tell the device about every BAR whose decoded address changed. */
static int
bars_update (struct pci_dev *d, hy_error_t *err)
{
  unsigned i;

  for (i = 0; i < PCI_NUM_BARS; i++)
    {
      uint64_t at = bar_decoded (d, i);
      if (at == d->bars[i].addr)
        continue;
      d->bars[i].addr = at;
      if (d->ops->bar_moved && d->ops->bar_moved (d->opaque, i, at, err) < 0)
        return -1;
    }
  return 0;
}

/* A guest write to a BAR register: sizing (all ones) reads back the size
 * mask; a placement outside the window is kept but never decoded. */
static void
bar_write (struct pci_dev *d, unsigned i, uint32_t val)
{
  if (d->bars[i].kind == PCI_BAR_NONE)
    return;
  d->bar_reg[i] = val & ~(uint32_t)(d->bars[i].size - 1);
}

/* --- config space ---------------------------------------------------------- */

static uint32_t
dev_cfg_read (struct pci_dev *d, unsigned off, unsigned len)
{
  unsigned dw = off & ~3u, shift = (off & 3) * 8;
  uint32_t v;

  if (dw >= PCI_CFG_BAR0 && dw < PCI_CFG_BAR0 + 4 * PCI_NUM_BARS)
    v = bar_read (d, (dw - PCI_CFG_BAR0) / 4);
  else if (dw == PCI_CFG_ROM)
    v = 0; /* no expansion ROM */
  else if (dw == PCI_CFG_COMMAND)
    v = d->ops->command_read (d->opaque) | (d->ops->cfg_read (d->opaque, PCI_CFG_STATUS, 2) << 16);
  else
    return d->ops->cfg_read (d->opaque, off, len);
  v >>= shift;
  return len == 4 ? v : v & ((1u << (len * 8)) - 1);
}

static int
dev_cfg_write (struct pci_dev *d, unsigned off, unsigned len, uint32_t val, hy_error_t *err)
{
  unsigned dw = off & ~3u;

  if (dw >= PCI_CFG_BAR0 && dw < PCI_CFG_BAR0 + 4 * PCI_NUM_BARS)
    {
      /* Linux sizes and places BARs with dword writes; a narrower one
       * merges into the register */
      unsigned i = (dw - PCI_CFG_BAR0) / 4, shift = (off & 3) * 8;
      uint32_t mask = len == 4 ? ~0u : ((1u << (len * 8)) - 1) << shift;
      bar_write (d, i, (d->bar_reg[i] & ~mask) | ((val << shift) & mask));
      return bars_update (d, err);
    }
  if (dw == PCI_CFG_ROM)
    return 0;
  if (off == PCI_CFG_COMMAND && len >= 2)
    {
      d->ops->command_write (d->opaque, (uint16_t)val);
      d->command = (uint16_t)val;
      return bars_update (d, err);
    }
  if (dw == PCI_CFG_COMMAND)
    return 0; /* byte writes to command, status writes (W1C): not needed */
  d->ops->cfg_write (d->opaque, off, len, val);
  return 0;
}

/* One access to 0xCF8..0xCFF.  The address register is 32 bits (byte
 * writes to 0xCFB are Linux's conf1 probe); data is 0xCFC..0xCFF, the
 * register's offset plus the port's low bits. */
int
vmm_pci_pio (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  struct vmm_pci *pci = opaque;
  uint32_t v = 0;
  int r = 0;

  pthread_mutex_lock (&pci->lock);
  pci->stats_cfg++;
  if (a->offset < 4)
    {
      unsigned shift = (unsigned)a->offset * 8;
      uint32_t mask = (a->len >= 4 ? ~0u : (1u << (a->len * 8)) - 1) << shift;
      if (a->is_write)
        {
          memcpy (&v, a->data, a->len > 4 ? 4 : a->len);
          pci->addr_reg = (pci->addr_reg & ~mask) | ((v << shift) & mask);
        }
      else
        {
          v = pci->addr_reg >> shift;
          memcpy (a->data, &v, a->len > 4 ? 4 : a->len);
        }
    }
  else
    {
      uint32_t ar = pci->addr_reg;
      unsigned bus = (ar >> 16) & 0xff, slot = (ar >> 11) & 0x1f, fn = (ar >> 8) & 7;
      unsigned off = (ar & 0xfc) + (unsigned)(a->offset - 4);
      struct pci_dev *d = bus == 0 && fn == 0 ? pci->slots[slot] : NULL;
      bool host = bus == 0 && fn == 0 && slot == 0;
      bool ok = (ar & 0x80000000u) && (a->len == 1 || a->len == 2 || a->len == 4)
                && (off & (a->len - 1)) == 0;

      if (a->is_write)
        {
          memcpy (&v, a->data, a->len > 4 ? 4 : a->len);
          if (ok && d)
            r = dev_cfg_write (d, off, a->len, v, err);
        }
      else
        {
          v = ~0u;
          if (ok && host)
            v = bridge_read (off & ~3u) >> ((off & 3) * 8);
          else if (ok && d)
            v = dev_cfg_read (d, off, a->len);
          memcpy (a->data, &v, a->len > 4 ? 4 : a->len);
        }
    }
  pthread_mutex_unlock (&pci->lock);
  return r;
}

/* --- the windows --------------------------------------------------------- */

/* A trapped access inside a window: find the BAR that decodes there. */
static int
window_access (struct vmm_pci *pci, enum pci_bar_kind kind, uint64_t base, struct vmm_bus_access *a,
               hy_error_t *err)
{
  uint64_t addr = base + a->offset;
  unsigned s, i;

  pthread_mutex_lock (&pci->lock);
  for (s = 1; s < PCI_MAX_SLOTS; s++)
    {
      struct pci_dev *d = pci->slots[s];
      for (i = 0; d && i < PCI_NUM_BARS; i++)
        {
          struct pci_bar *b = &d->bars[i];
          if (b->kind == kind && b->addr && addr >= b->addr && addr - b->addr < b->size
              && a->len <= b->size - (addr - b->addr))
            {
              struct vmm_bus_access sub = *a;
              int r;
              sub.offset = addr - b->addr;
              r = d->ops->bar_access (d->opaque, i, &sub, err);
              pthread_mutex_unlock (&pci->lock);
              return r;
            }
        }
    }
  pthread_mutex_unlock (&pci->lock);
  if (!a->is_write)
    memset (a->data, 0xff, a->len);
  return 0;
}

static int
mmio_window (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  return window_access (opaque, PCI_BAR_KIND_MMIO, VMM_PCI_MMIO_START, a, err);
}

static int
pio_window (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  return window_access (opaque, PCI_BAR_KIND_PIO, VMM_PCI_PIO_START, a, err);
}

struct vmm_pci *
vmm_pci_create (struct vmm_bus *bus, hy_error_t *err)
{
  struct vmm_pci *pci = xzalloc (sizeof (*pci));

  pthread_mutex_init (&pci->lock, NULL);
  pci->mmio_next = VMM_PCI_MMIO_START;
  pci->pio_next = VMM_PCI_PIO_START;
  if (vmm_bus_register (bus, VMM_BUS_PIO, VMM_PORT_PCI_CONF, 8, "pci-conf1", vmm_pci_pio, pci, err)
          < 0
      || vmm_bus_register (bus, VMM_BUS_MMIO, VMM_PCI_MMIO_START,
                           VMM_PCI_MMIO_END - VMM_PCI_MMIO_START, "pci-mmio", mmio_window, pci, err)
             < 0
      || vmm_bus_register (bus, VMM_BUS_PIO, VMM_PCI_PIO_START, VMM_PCI_PIO_END - VMM_PCI_PIO_START,
                           "pci-pio", pio_window, pci, err)
             < 0)
    {
      vmm_pci_destroy (pci);
      return NULL;
    }
  return pci;
}

void
vmm_pci_destroy (struct vmm_pci *pci)
{
  if (pci == NULL)
    return;
  pthread_mutex_destroy (&pci->lock);
  free (pci);
}

/* Natural alignment from a bump allocator: enough for a handful of devices
 * placed once at boot. */
static int
place (uint64_t *next, uint64_t end, uint64_t size, uint64_t *out)
{
  uint64_t at = (*next + size - 1) & ~(size - 1);

  if (at < *next || at + size > end || at + size < at)
    return -1;
  *out = at;
  *next = at + size;
  return 0;
}

int
vmm_pci_add (struct vmm_pci *pci, struct pci_dev *dev, hy_error_t *err)
{
  unsigned s, i;

  for (s = 1; s < PCI_MAX_SLOTS && pci->slots[s]; s++)
    ;
  if (s == PCI_MAX_SLOTS)
    return hy_error_set (err, 0, "%s: no PCI slot left", dev->ops->name);
  for (i = 0; i < PCI_NUM_BARS; i++)
    {
      struct pci_bar *b = &dev->bars[i];
      uint64_t at;
      int r;

      if (b->kind == PCI_BAR_NONE)
        continue;
      if (b->size == 0 || (b->size & (b->size - 1)) || b->size > 0x80000000ull)
        return hy_error_set (err, 0, "%s: BAR %u: size 0x%llx is not a power of two up to 2 GiB",
                             dev->ops->name, i, (unsigned long long)b->size);
      r = b->kind == PCI_BAR_KIND_MMIO
              ? place (&pci->mmio_next, VMM_PCI_MMIO_END, b->size < 4096 ? 4096 : b->size, &at)
              : place (&pci->pio_next, VMM_PCI_PIO_END, b->size, &at);
      if (r < 0)
        return hy_error_set (err, 0, "%s: BAR %u (0x%llx bytes) does not fit in the PCI %s window",
                             dev->ops->name, i, (unsigned long long)b->size,
                             b->kind == PCI_BAR_KIND_MMIO ? "MMIO" : "port");
      dev->bar_reg[i] = (uint32_t)at;
      b->addr = 0;
    }
  /* as firmware leaves a device: its BARs placed and decoding on (a guest
   * without a driver for it, mapping resource0 from sysfs, enables
   * nothing) */
  dev->command = dev->ops->command_read (dev->opaque);
  for (i = 0; i < PCI_NUM_BARS; i++)
    dev->command |= dev->bars[i].kind == PCI_BAR_KIND_MMIO  ? PCI_CMD_MEMORY
                    : dev->bars[i].kind == PCI_BAR_KIND_PIO ? PCI_CMD_IO
                                                            : 0;
  dev->ops->command_write (dev->opaque, dev->command);
  if (bars_update (dev, err) < 0)
    return -1;
  pthread_mutex_lock (&pci->lock);
  pci->slots[s] = dev;
  pthread_mutex_unlock (&pci->lock);
  return (int)s;
}

struct pci_dev *
vmm_pci_slot (struct vmm_pci *pci, unsigned slot)
{
  return slot < PCI_MAX_SLOTS ? pci->slots[slot] : NULL;
}

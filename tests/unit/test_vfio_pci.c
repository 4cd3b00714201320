/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The PCI bus and a VFIO device's config-space virtualisation, BAR, INTx,
 * MSI and MSI-X plumbing, against a fake VFIO device file: a plain file laid out like a
 * VFIO device's regions (config space at 0, BAR0 at 0x1000, an I/O BAR at
 * 0x2000), driven through configuration mechanism #1 and the bus as a
 * guest's kernel would.  No KVM, no IOMMU needed. */
#include "kvm-shim/devices/vfio_pci.h"
#include "kvm-shim/pci/pci.h"
#include "kvm-shim/vmm/bus.h"
#include "kvm-shim/vmm/layout.h"
#include "tests/unit/tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct vmm_bus *bus;

static void
outl (uint16_t port, uint32_t v)
{
  vmm_bus_dispatch (bus, VMM_BUS_PIO, port, (uint8_t *)&v, 4, true, NULL);
}

static uint32_t
inl (uint16_t port)
{
  uint32_t v = 0;
  vmm_bus_dispatch (bus, VMM_BUS_PIO, port, (uint8_t *)&v, 4, false, NULL);
  return v;
}

static uint32_t
cfg_rd (unsigned slot, unsigned off, unsigned len)
{
  uint32_t v = 0;

  outl (0xcf8, 0x80000000u | slot << 11 | (off & 0xfc));
  vmm_bus_dispatch (bus, VMM_BUS_PIO, 0xcfc + (off & 3), (uint8_t *)&v, len, false, NULL);
  return v;
}

static void
cfg_wr (unsigned slot, unsigned off, unsigned len, uint32_t v)
{
  outl (0xcf8, 0x80000000u | slot << 11 | (off & 0xfc));
  vmm_bus_dispatch (bus, VMM_BUS_PIO, 0xcfc + (off & 3), (uint8_t *)&v, len, true, NULL);
}

/* The device's config space: edu's ids, a 4 KiB memory BAR0, a 32-byte
 * I/O BAR2, INTx pin A, and a chain MSI (64-bit, 2 vectors) -> MSI-X (4
 * vectors, table and PBA in BAR0) -> power management. */
static void
fake_config (uint8_t *c)
{
  memset (c, 0, 256);
  c[0] = 0x34, c[1] = 0x12, c[2] = 0xe8, c[3] = 0x11;
  c[6] = 0x10;                    /* status: capability list */
  c[0x0b] = 0x00, c[0x0a] = 0xff; /* class ff00 */
  c[0x10] = 0x00;                 /* BAR0: memory, 32-bit */
  c[0x18] = 0x01;                 /* BAR2: I/O */
  c[0x34] = 0x40;
  c[0x3d] = 0x01;                                 /* INTx pin A */
  c[0x40] = 0x05, c[0x41] = 0x50, c[0x42] = 0x82; /* MSI: 64-bit, MMC 1 (2 vectors) */
  c[0x50] = 0x11, c[0x51] = 0x60, c[0x52] = 0x03; /* MSI-X: 4 vectors */
  c[0x55] = 0x08;                                 /* its table: BAR0 + 0x800 */
  c[0x59] = 0x0c;                                 /* its PBA: BAR0 + 0xc00 */
  c[0x60] = 0x01, c[0x61] = 0x00;                 /* power management */
}

int
main (void)
{
  char path[] = "/tmp/test_vfio_pci.XXXXXX";
  int fd = mkstemp (path);
  uint8_t cfg[256], bar0[4096], b;
  struct vfio_pci_fake fake = { .cfg_offset = 0,
                                .bar_offset = { 0x1000, 0, 0x2000 },
                                .bar_size = { 0x1000, 0, 0x20 },
                                .intx_pin = 17 };
  struct vmm_pci *pci;
  struct vfio_pci *d;
  hy_error_t err = NULL;
  uint32_t v, bar_addr, io_addr;
  uint64_t maddr;
  uint32_t mdata;
  unsigned i;
  int slot;

  tap_plan (33);
  unlink (path);
  fake_config (cfg);
  for (i = 0; i < sizeof (bar0); i++)
    bar0[i] = (uint8_t)i;
  if (pwrite (fd, cfg, 256, 0) != 256 || pwrite (fd, bar0, sizeof (bar0), 0x1000) != 4096
      || ftruncate (fd, 0x3000) < 0)
    return 1;
  bus = vmm_bus_create ();
  pci = vmm_pci_create (bus, &err);
  d = pci ? vfio_pci_create_fake (pci, fd, "fake", &fake, &err) : NULL;
  tap_ok (d != NULL, "a fake VFIO device plugs into the PCI bus%s%s", err ? ": " : "",
          err ? err->msg : "");
  if (d == NULL)
    return 1;
  for (slot = 1; slot < PCI_MAX_SLOTS && vmm_pci_slot (pci, (unsigned)slot) == NULL; slot++)
    ;

  /* conf1 and the host bridge */
  outl (0xcf8, 0x80000000u);
  tap_ok (inl (0xcf8) == 0x80000000u, "conf1: the address register reads back (Linux's probe)");
  tap_ok (cfg_rd (0, 0x08, 4) >> 16 == 0x0600, "slot 0 is a host bridge (class 0600)");
  tap_ok (cfg_rd (7, 0, 4) == 0xffffffffu, "an empty slot reads all ones");
  tap_ok (cfg_rd ((unsigned)slot, 0, 4) == 0x11e81234u,
          "the device's ids are read from the device file (slot %d)", slot);

  /* BARs: placed in the windows, sized the way Linux sizes them */
  bar_addr = cfg_rd ((unsigned)slot, 0x10, 4);
  tap_ok (bar_addr >= VMM_PCI_MMIO_START && bar_addr < VMM_PCI_MMIO_END && !(bar_addr & 0xfff),
          "BAR0 is placed in the PCI hole, aligned (0x%x)", bar_addr);
  cfg_wr ((unsigned)slot, 0x10, 4, 0xffffffffu);
  v = cfg_rd ((unsigned)slot, 0x10, 4);
  cfg_wr ((unsigned)slot, 0x10, 4, bar_addr);
  tap_ok (v == 0xfffff000u, "sizing BAR0 reads its size mask (0x%x)", v);
  io_addr = cfg_rd ((unsigned)slot, 0x18, 4);
  tap_ok ((io_addr & 1) && (io_addr & ~3u) >= VMM_PCI_PIO_START,
          "BAR2 is an I/O BAR in the port window (0x%x)", io_addr);
  tap_ok (cfg_rd ((unsigned)slot, 0x14, 4) == 0, "an unused BAR reads 0");

  /* virtualised bytes */
  tap_ok (cfg_rd ((unsigned)slot, 0x3d, 1) == 1 && cfg_rd ((unsigned)slot, 0x3c, 1) == 17
              && vfio_pci_slot (d) == slot && vfio_pci_intx_pin (d) == 17,
          "INTx: pin A, the line register names the machine's IOAPIC pin (17)");
  tap_ok (vfio_pci_intx_on (d), "INTx is on from the start (MSI off)");
  tap_ok (cfg_rd ((unsigned)slot, 0x41, 1) == 0x50 && cfg_rd ((unsigned)slot, 0x51, 1) == 0x60,
          "the capability chain: MSI -> MSI-X -> power management");
  v = cfg_rd ((unsigned)slot, 0x52, 2);
  tap_ok (v == 0x3 && cfg_rd ((unsigned)slot, 0x54, 4) == 0x800,
          "MSI-X: 4 vectors, off, the table at BAR0 + 0x800 (control 0x%x)", v);
  v = cfg_rd ((unsigned)slot, 0x42, 2);
  tap_ok ((v & 0x80) && !(v & 0x0e), "MSI: 64-bit kept, one vector offered (control 0x%x)", v);

  /* BAR accesses trapped through the window while decoding is on */
  b = 0;
  v = pread (fd, &b, 1, 4) == 1;
  tap_ok (v && b == 0x3, "decoding is on from the start, as firmware leaves it (command 0x%x)", b);
  cfg_wr ((unsigned)slot, 0x04, 2, 0);
  v = 0;
  vmm_bus_dispatch (bus, VMM_BUS_MMIO, bar_addr + 8, (uint8_t *)&v, 4, false, NULL);
  tap_ok (v == 0xffffffffu, "memory decoding off: BAR0 does not answer");
  cfg_wr ((unsigned)slot, 0x04, 2, 0x3);
  tap_ok (pread (fd, &b, 1, 4) == 1 && b == 0x3, "the command register reaches the device");
  vmm_bus_dispatch (bus, VMM_BUS_MMIO, bar_addr + 8, (uint8_t *)&v, 4, false, NULL);
  tap_ok (v == 0x0b0a0908u, "decoding on: a BAR0 read is the device's (0x%x)", v);
  v = 0xdeadbeef;
  vmm_bus_dispatch (bus, VMM_BUS_MMIO, bar_addr + 0x10, (uint8_t *)&v, 4, true, NULL);
  tap_ok (pread (fd, &v, 4, 0x1010) == 4 && v == 0xdeadbeef, "a BAR0 write reaches the device");
  v = 0x77;
  vmm_bus_dispatch (bus, VMM_BUS_PIO, (io_addr & ~3u) + 4, (uint8_t *)&v, 1, true, NULL);
  tap_ok (pread (fd, &b, 1, 0x2004) == 1 && b == 0x77, "an I/O BAR write reaches the device");

  /* MSI: the guest's message stays with the VMM */
  cfg_wr ((unsigned)slot, 0x44, 4, 0xfee01000u);
  cfg_wr ((unsigned)slot, 0x48, 4, 0);
  cfg_wr ((unsigned)slot, 0x4c, 2, 0x4041);
  cfg_wr ((unsigned)slot, 0x42, 2, 0x1 | 0x70);
  tap_ok (vfio_pci_msi (d, &maddr, &mdata) && maddr == 0xfee01000u && mdata == 0x4041
              && (cfg_rd ((unsigned)slot, 0x42, 2) & 0x71) == 0x1,
          "MSI enable: the guest's address and data taken, MME stays 0");
  tap_ok (!vfio_pci_intx_on (d), "MSI on: INTx off (one at a time)");
  tap_ok (pread (fd, cfg, 256, 0) == 256 && cfg[0x42] == 0x82 && cfg[0x44] == 0,
          "the guest's MSI writes never reach the device's config space");
  cfg_wr ((unsigned)slot, 0x42, 2, 0);
  tap_ok (!vfio_pci_msi (d, &maddr, &mdata), "MSI disable");
  tap_ok (vfio_pci_intx_on (d), "MSI off: INTx back on");

  /* MSI-X: the table is the VMM's; a vector is live while enabled and
   * unmasked */
  {
    unsigned live = 99;
    uint32_t e[4] = { 0xfee02000u, 0, 0x4055, 0 }, back[4] = { 0 }, dev[4];

    cfg_wr ((unsigned)slot, 0x52, 2, 0x8000);
    tap_ok (vfio_pci_msix (d, &live) == 4 && live == 0 && !vfio_pci_intx_on (d),
            "MSI-X enable: 4 vectors, none live (masked at reset), INTx off");
    for (i = 0; i < 4; i++)
      vmm_bus_dispatch (bus, VMM_BUS_MMIO, bar_addr + 0x810 + 4 * i, (uint8_t *)&e[i], 4, true,
                        NULL);
    for (i = 0; i < 4; i++)
      vmm_bus_dispatch (bus, VMM_BUS_MMIO, bar_addr + 0x810 + 4 * i, (uint8_t *)&back[i], 4, false,
                        NULL);
    vfio_pci_msix (d, &live);
    tap_ok (live == 1 && memcmp (back, e, sizeof (e)) == 0,
            "vector 1 programmed and unmasked: live, its entry reads back");
    tap_ok (pread (fd, dev, sizeof (dev), 0x1000 + 0x810) == sizeof (dev)
                && memcmp (dev, bar0 + 0x810, sizeof (dev)) == 0,
            "the guest's table writes never reach the device's table");
    cfg_wr ((unsigned)slot, 0x52, 2, 0xc000);
    vfio_pci_msix (d, &live);
    tap_ok (live == 0, "function mask: no vector live");
    {
      uint64_t one = 1;
      uint32_t pba = 0xffffffffu;
      int efd = vfio_pci_msix_eventfd (d, 1);

      /* the device interrupts on vector 1 while it is masked */
      bool fired = efd >= 0 && write (efd, &one, sizeof (one)) == sizeof (one);

      vmm_bus_dispatch (bus, VMM_BUS_MMIO, bar_addr + 0xc00, (uint8_t *)&pba, 4, false, NULL);
      tap_ok (fired && pba == 0x2, "a masked vector's interrupt is its pending bit (PBA 0x%x)",
              pba);
    }
    cfg_wr ((unsigned)slot, 0x52, 2, 0x8000);
    vfio_pci_msix (d, &live);
    tap_ok (live == 1, "function mask cleared: vector 1 live again");
    {
      uint32_t pba = 0xffffffffu;
      vmm_bus_dispatch (bus, VMM_BUS_MMIO, bar_addr + 0xc00, (uint8_t *)&pba, 4, false, NULL);
      tap_ok (pba == 0, "a live vector shows no pending bit (its irqfd delivers it; PBA 0x%x)",
              pba);
    }
    cfg_wr ((unsigned)slot, 0x52, 2, 0);
    vfio_pci_msix (d, &live);
    tap_ok (live == 0 && vfio_pci_intx_on (d), "MSI-X disable: nothing live, INTx back on");
  }

  vfio_pci_destroy (d);
  vmm_pci_destroy (pci);
  vmm_bus_destroy (bus);
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The MP table as Linux's MP parser reads it: the floating pointer where
 * smp_scan_config() looks, both checksums zero, one processor entry per
 * vCPU with only vCPU 0 as the BSP, the IOAPIC after the CPUs' APIC ids,
 * ISA IRQs 0-23 routed to the same pins; with assigned PCI devices a PCI
 * bus and each one's INTA# on its pin, level-triggered, that pin no longer
 * an ISA IRQ, as many as a machine has fitting the KiB. */
#include "common/cleanup.h"
#include "kvm-shim/vmm/layout.h"
#include "kvm-shim/vmm/mptable.h"
#include "tests/unit/tap.h"

#include <stdint.h>
#include <string.h>

static uint8_t
sum (const uint8_t *p, size_t n)
{
  uint8_t s = 0;
  while (n--)
    s = (uint8_t)(s + *p++);
  return s;
}

/* The table the floating pointer points at (NULL if none): its address,
 * length and entry count. */
static const uint8_t *
table (struct vmm_mem *mem, uint32_t *addr, uint16_t *len, uint16_t *count)
{
  const uint8_t *mpf = vmm_mem_ptr (mem, VMM_EBDA_START, 16), *mpc;

  memcpy (addr, mpf + 4, 4);
  mpc = vmm_mem_ptr (mem, *addr, 44);
  if (mpc == NULL)
    return NULL;
  memcpy (len, mpc + 4, 2);
  memcpy (count, mpc + 34, 2);
  return vmm_mem_ptr (mem, *addr, *len);
}

static void
check (unsigned ncpus)
{
  hy_error_t err = NULL;
  cleanup_vmm_mem struct vmm_mem *mem = vmm_mem_create (16 << 20, false, &err);
  const uint8_t *mpf = mem ? vmm_mem_ptr (mem, VMM_EBDA_START, 16) : NULL;
  const uint8_t *mpc;
  uint32_t addr;
  uint16_t len, count;
  unsigned i, cpus = 0, bsps = 0, irqs = 0, ioapic = 0, ioapic_id = 0;
  int routed_ok = 1;
  size_t off;

  if (mpf == NULL || vmm_mptable_write (mem, ncpus, NULL, 0, &err) < 0)
    {
      tap_ok (0, "%u vCPUs: write (%s)", ncpus, err ? err->msg : "no memory");
      return;
    }
  mpc = table (mem, &addr, &len, &count);
  tap_ok (memcmp (mpf, "_MP_", 4) == 0 && sum (mpf, 16) == 0 && mpc && memcmp (mpc, "PCMP", 4) == 0,
          "%u vCPUs: floating pointer at 639 KiB, checksum 0, points at PCMP", ncpus);
  tap_ok (mpc && sum (mpc, len) == 0 && addr + len <= VMM_EBDA_START + 1024,
          "%u vCPUs: table checksum 0, %u bytes inside the EBDA KiB", ncpus, len);
  for (off = 44, i = 0; mpc && i < count && off < len; i++)
    {
      switch (mpc[off])
        {
        case 0:
          cpus += mpc[off + 1] == cpus;
          bsps += (mpc[off + 3] & 2) != 0;
          off += 20;
          continue;
        case 2:
          ioapic++;
          ioapic_id = mpc[off + 1];
          break;
        case 3:
          routed_ok &= mpc[off + 5] == irqs && mpc[off + 7] == irqs && mpc[off + 6] == ioapic_id;
          irqs++;
          break;
        }
      off += 8;
    }
  tap_ok (cpus == ncpus && bsps == 1 && ioapic == 1 && ioapic_id == ncpus && irqs == 24 && routed_ok
              && off == len,
          "%u vCPUs: %u CPUs (%u BSP), IOAPIC id %u, %u IRQs routed n->n", ncpus, cpus, bsps,
          ioapic_id, irqs);
}

/* Two devices (slots 1 and 3) on pins 16 and 17. */
static void
check_pci (void)
{
  static const struct vmm_mptable_pci_irq pci[] = { { 1, 16 }, { 3, 17 } };
  hy_error_t err = NULL;
  cleanup_vmm_mem struct vmm_mem *mem = vmm_mem_create (16 << 20, false, &err);
  const uint8_t *mpc;
  uint32_t addr;
  uint16_t len = 0, count = 0;
  unsigned i, isa = 0, isa_on_pci_pin = 0, pci_bus = 0, pci_ok = 0;
  size_t off;

  if (mem == NULL || vmm_mptable_write (mem, 2, pci, 2, &err) < 0)
    {
      tap_ok (0, "PCI INTx: write (%s)", err ? err->msg : "no memory");
      return;
    }
  mpc = table (mem, &addr, &len, &count);
  for (off = 44, i = 0; mpc && i < count && off < len; i++)
    {
      if (mpc[off] == 0)
        {
          off += 20;
          continue;
        }
      /* Linux takes the MP bus id as the PCI bus number: PCI is 0 */
      if (mpc[off] == 1 && mpc[off + 1] == 0 && memcmp (mpc + off + 2, "PCI   ", 6) == 0)
        pci_bus++;
      if (mpc[off] == 3 && mpc[off + 4] == 1)
        {
          isa++;
          isa_on_pci_pin += mpc[off + 7] == 16 || mpc[off + 7] == 17;
        }
      if (mpc[off] == 3 && mpc[off + 4] == 0 && mpc[off + 2] == 0x0d && mpc[off + 3] == 0)
        pci_ok += (mpc[off + 5] == 1 << 2 && mpc[off + 7] == 16)
                  + (mpc[off + 5] == 3 << 2 && mpc[off + 7] == 17);
      off += 8;
    }
  tap_ok (
      mpc && sum (mpc, len) == 0 && pci_bus == 1 && pci_ok == 2 && isa == 22 && isa_on_pci_pin == 0
          && off == len,
      "PCI INTx: a PCI bus (id 0), INTA# of slots 1 and 3 on pins 16 and 17 level/high (%u of 2), "
      "22 ISA IRQs, none on those pins",
      pci_ok);
}

int
main (void)
{
  hy_error_t err = NULL;
  cleanup_vmm_mem struct vmm_mem *mem = vmm_mem_create (16 << 20, false, &err);

  int r;

  struct vmm_mptable_pci_irq many[16];
  unsigned i;

  tap_plan (12);
  check (1);
  check (4);
  check (VMM_MPTABLE_MAX_CPUS);
  check_pci ();
  for (i = 0; i < 16; i++)
    many[i] = (struct vmm_mptable_pci_irq){ (uint8_t)(i + 1), (uint8_t)(16 + i % 8) };
  /* the most a machine has: 16 devices sharing pins 16-23 */
  r = vmm_mptable_write (mem, VMM_MPTABLE_MAX_CPUS, many, 16, &err);
  tap_ok (r == 0, "%d vCPUs and 16 PCI interrupts fit (%s)", VMM_MPTABLE_MAX_CPUS,
          err ? err->msg : "");
  hy_error_free (&err);
  r = vmm_mptable_write (mem, VMM_MPTABLE_MAX_CPUS + 1, NULL, 0, &err);

  tap_ok (r < 0 && err, "more than %d vCPUs is refused (%s)", VMM_MPTABLE_MAX_CPUS,
          err ? err->msg : "");
  hy_error_free (&err);
  return tap_done ();
}

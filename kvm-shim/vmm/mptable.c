/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the MP table (mptable.h) in a host buffer, entry by entry, then
 * copying it into guest RAM with its two checksums.  Layout and values:
 * Intel MP spec 1.4 chapter 4 and Linux's arch/x86/include/asm/mpspec_def.h. */
#include "kvm-shim/vmm/mptable.h"
#include "kvm-shim/vmm/layout.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MPC_SPEC 4
#define MP_PROCESSOR 0
#define MP_BUS 1
#define MP_IOAPIC 2
#define MP_INTSRC 3
#define MP_LINTSRC 4
#define MP_INT 0
#define MP_NMI 1
#define MP_EXTINT 3
#define MP_IRQ_HIGH_LEVEL 0x0d /* polarity 01 (active high), trigger 11 (level) */
/* Linux takes an MP bus id as the PCI bus number (IO_APIC_get_PCI_irq_vector):
 * PCI is bus 0 when there is one, ISA the next */
#define MP_BUS_PCI 0
#define CPU_ENABLED 1
#define CPU_BSP 2
#define APIC_VERSION 0x14
#define IOAPIC_VERSION 0x11

struct __attribute__ ((packed)) mpf
{
  char signature[4]; /* "_MP_" */
  uint32_t physptr;
  uint8_t length; /* in 16-byte units */
  uint8_t specification;
  uint8_t checksum;
  uint8_t feature[5];
};

struct __attribute__ ((packed)) mpc_header
{
  char signature[4]; /* "PCMP" */
  uint16_t length;
  uint8_t spec;
  uint8_t checksum;
  char oem[8];
  char product[12];
  uint32_t oemptr;
  uint16_t oemsize;
  uint16_t count;
  uint32_t lapic;
  uint16_t ext_length;
  uint8_t ext_checksum;
  uint8_t reserved;
};

struct __attribute__ ((packed)) mpc_cpu
{
  uint8_t type, apicid, apicver, cpuflag;
  uint32_t cpufeature, featureflag;
  uint32_t reserved[2];
};

struct __attribute__ ((packed)) mpc_bus
{
  uint8_t type, busid;
  char bustype[6];
};

struct __attribute__ ((packed)) mpc_ioapic
{
  uint8_t type, apicid, apicver, flags;
  uint32_t apicaddr;
};

/* MP_INTSRC and MP_LINTSRC share this shape. */
struct __attribute__ ((packed)) mpc_intsrc
{
  uint8_t type, irqtype;
  uint16_t irqflag;
  uint8_t srcbus, srcbusirq, dstapic, dstirq;
};

static uint8_t
checksum (const uint8_t *p, size_t n)
{
  uint8_t sum = 0;

  while (n--)
    sum = (uint8_t)(sum + *p++);
  return (uint8_t)-sum;
}

struct table
{
  uint8_t buf[1024];
  size_t len;
  uint16_t count;
  bool full; /* an entry did not fit (and was left out) */
};

static void
add (struct table *t, const void *entry, size_t size)
{
  if (t->len + size > sizeof (t->buf))
    {
      t->full = true;
      return;
    }
  memcpy (t->buf + t->len, entry, size);
  t->len += size;
  t->count++;
}

static bool
pin_is_pci (unsigned pin, const struct vmm_mptable_pci_irq *pci, size_t n_pci)
{
  size_t i;

  for (i = 0; i < n_pci; i++)
    if (pci[i].ioapic_pin == pin)
      return true;
  return false;
}

static void
add_entries (struct table *t, unsigned ncpus, const struct vmm_mptable_pci_irq *pci, size_t n_pci)
{
  uint8_t ioapic_id = (uint8_t)ncpus; /* after the CPUs' APIC ids */
  uint8_t isa = n_pci ? 1 : 0;
  unsigned i;

  for (i = 0; i < ncpus; i++)
    {
      /* family 6, FPU + APIC present */
      struct mpc_cpu cpu
          = { MP_PROCESSOR, (uint8_t)i, APIC_VERSION, CPU_ENABLED | (i == 0 ? CPU_BSP : 0),
              0x600,        0x201,      { 0, 0 } };
      add (t, &cpu, sizeof (cpu));
    }
  {
    struct mpc_bus bus = { MP_BUS, isa, { 'I', 'S', 'A', ' ', ' ', ' ' } };
    struct mpc_bus pcibus = { MP_BUS, MP_BUS_PCI, { 'P', 'C', 'I', ' ', ' ', ' ' } };
    struct mpc_ioapic io = { MP_IOAPIC, ioapic_id, IOAPIC_VERSION, 1, VMM_IOAPIC_ADDR };
    if (n_pci)
      add (t, &pcibus, sizeof (pcibus));
    add (t, &bus, sizeof (bus));
    add (t, &io, sizeof (io));
  }
  /* ISA IRQ n -> IOAPIC pin n, flags 0: "conforms to the bus" (edge,
   * active high for ISA), as KVM's in-kernel IOAPIC models them; a pin
   * that carries PCI INTx lines is theirs alone. */
  for (i = 0; i < VMM_IOAPIC_PINS; i++)
    {
      struct mpc_intsrc s = { MP_INTSRC, MP_INT, 0, isa, (uint8_t)i, ioapic_id, (uint8_t)i };
      if (!pin_is_pci (i, pci, n_pci))
        add (t, &s, sizeof (s));
    }
  /* PCI INTA# of a slot -> its IOAPIC pin, level-triggered; active high,
   * as KVM's IOAPIC sees a line asserted by an irqfd (it applies no
   * polarity of its own). */
  for (i = 0; i < n_pci; i++)
    {
      struct mpc_intsrc s = { MP_INTSRC,
                              MP_INT,
                              MP_IRQ_HIGH_LEVEL,
                              MP_BUS_PCI,
                              (uint8_t)(pci[i].slot << 2), /* device << 2 | pin (0: INTA#) */
                              ioapic_id,
                              pci[i].ioapic_pin };
      add (t, &s, sizeof (s));
    }
  {
    struct mpc_intsrc extint = { MP_LINTSRC, MP_EXTINT, 0, 0, 0, 0, 0 };
    struct mpc_intsrc nmi = { MP_LINTSRC, MP_NMI, 0, 0, 0, 0xff, 1 };
    add (t, &extint, sizeof (extint));
    add (t, &nmi, sizeof (nmi));
  }
}

int
vmm_mptable_write (struct vmm_mem *mem, unsigned ncpus, const struct vmm_mptable_pci_irq *pci,
                   size_t n_pci, hy_error_t *err)
{
  struct table t = { .len = sizeof (struct mpc_header) };
  struct mpc_header h = { .signature = { 'P', 'C', 'M', 'P' },
                          .spec = MPC_SPEC,
                          .oem = { 'H', 'Y', 'R', 'U', 'N', ' ', ' ', ' ' },
                          .product = { 'K', 'V', 'M', '-', 'S', 'H', 'I', 'M', ' ', ' ', ' ', ' ' },
                          .lapic = VMM_LAPIC_ADDR };
  struct mpf f = { .signature = { '_', 'M', 'P', '_' }, .length = 1, .specification = MPC_SPEC };
  uint64_t table_addr = VMM_EBDA_START + sizeof (f);

  if (ncpus == 0 || ncpus > VMM_MPTABLE_MAX_CPUS)
    return hy_error_set (err, 0, "MP table: %u CPUs (1..%d)", ncpus, VMM_MPTABLE_MAX_CPUS);
  add_entries (&t, ncpus, pci, n_pci);
  if (t.full)
    return hy_error_set (err, 0, "MP table: %u CPUs and %zu PCI interrupts do not fit in 1 KiB",
                         ncpus, n_pci);
  h.length = (uint16_t)t.len;
  h.count = t.count;
  memcpy (t.buf, &h, sizeof (h));
  t.buf[offsetof (struct mpc_header, checksum)] = checksum (t.buf, t.len);
  f.physptr = (uint32_t)table_addr;
  f.checksum = checksum ((const uint8_t *)&f, sizeof (f));
  if (table_addr + t.len > VMM_EBDA_START + 1024)
    return hy_error_set (err, 0, "MP table: %zu bytes do not fit below 640 KiB", t.len);
  if (vmm_mem_write (mem, VMM_EBDA_START, &f, sizeof (f), err) < 0
      || vmm_mem_write (mem, table_addr, t.buf, t.len, err) < 0)
    return hy_error_prefix (err, "MP table");
  return 0;
}

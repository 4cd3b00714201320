/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Intel MultiProcessor Specification 1.4 table: with no ACPI it is how
 * the guest kernel learns its CPUs, the IOAPIC and how ISA IRQs 0-23 and
 * the INTA# lines of assigned PCI devices are wired to it
 * (CONFIG_X86_MPPARSE).  Written at VMM_EBDA_START, the last
 * KiB of base memory, where Linux's smp_scan_config() looks. */
#ifndef VMM_MPTABLE_H
#define VMM_MPTABLE_H

#include "common/error.h"
#include "kvm-shim/vmm/mem.h"

#include <stddef.h>
#include <stdint.h>

#define VMM_IOAPIC_ADDR 0xfec00000U
#define VMM_LAPIC_ADDR 0xfee00000U
#define VMM_IOAPIC_PINS 24
/* The table must fit in the KiB below 640 KiB. */
#define VMM_MPTABLE_MAX_CPUS 32

/* A PCI device's INTA# (bus 0, `slot`) wired to IOAPIC pin `ioapic_pin`,
 * level-triggered (the pin is not an ISA IRQ then). */
struct vmm_mptable_pci_irq
{
  uint8_t slot, ioapic_pin;
};

int vmm_mptable_write (struct vmm_mem *mem, unsigned ncpus, const struct vmm_mptable_pci_irq *pci,
                       size_t n_pci, hy_error_t *err);

#endif

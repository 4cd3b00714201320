/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The register state a vCPU starts in.  Three modes:
 *  - real mode, for tiny test guests;
 *  - flat 32-bit protected mode, paging off: the PVH entry (Xen's
 *    docs/misc/pvh.pandoc, which Linux's CONFIG_PVH implements);
 *  - 64-bit long mode with identity-mapped page tables covering the first
 *    4 GiB: Linux's 64-bit boot protocol (Documentation/arch/x86/boot.rst). */
#ifndef VMM_ENTRY_H
#define VMM_ENTRY_H

#include "common/error.h"
#include "kvm-shim/vmm/vcpu.h"

#include <stdint.h>

enum vmm_cpu_mode
{
  VMM_CPU_REAL,
  VMM_CPU_FLAT32,
  VMM_CPU_LONG64,
};

struct vmm_cpu_entry
{
  enum vmm_cpu_mode mode;
  uint64_t ip;  /* guest-physical entry point (real mode: below 1 MiB) */
  uint64_t sp;  /* 0: VMM_BOOT_STACK */
  uint64_t rsi; /* 64-bit boot protocol: the zero page */
  uint64_t rbx; /* PVH: the hvm_start_info */
};

/* GDT selectors of the boot GDT written at VMM_GDT_ADDR. */
#define VMM_SEL_CODE32 0x08
#define VMM_SEL_CODE64 0x10 /* __BOOT_CS */
#define VMM_SEL_DATA 0x18   /* __BOOT_DS */
#define VMM_SEL_TSS 0x20

/* Write what the mode needs into guest RAM (GDT, IDT, page tables) and load
 * the vCPU's special and general registers. */
int vmm_vcpu_set_entry (struct vmm_vcpu *vcpu, const struct vmm_cpu_entry *entry, hy_error_t *err);

#endif

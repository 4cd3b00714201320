/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest-physical address map of an x86 hyrun VM, in one place so the
 * boot code, the entry-state code and the devices cannot disagree.  The low
 * addresses follow what Firecracker and Linux's boot protocol use. */
#ifndef VMM_LAYOUT_H
#define VMM_LAYOUT_H

/* Low memory: boot structures the VMM writes before the first KVM_RUN. */
#define VMM_GDT_ADDR 0x500ULL        /* the boot GDT (entry.c) */
#define VMM_IDT_ADDR 0x520ULL        /* an empty IDT: no interrupts at entry */
#define VMM_PVH_INFO_ADDR 0x6000ULL  /* struct hvm_start_info (PVH entry) */
#define VMM_ZERO_PAGE_ADDR 0x7000ULL /* struct boot_params (64-bit entry) */
#define VMM_BOOT_STACK 0x8ff0ULL     /* rsp/rbp at entry */
#define VMM_PML4_ADDR 0x9000ULL      /* identity page tables: PML4, PDPT, 4 PDs */
#define VMM_PDPT_ADDR 0xa000ULL
#define VMM_PD_ADDR 0xb000ULL
#define VMM_PD_COUNT 4ULL           /* 4 x 512 x 2 MiB = the first 4 GiB */
#define VMM_CMDLINE_ADDR 0x20000ULL /* kernel command line */
#define VMM_CMDLINE_MAX 0x10000ULL
#define VMM_EBDA_START 0x9fc00ULL   /* end of usable low RAM (MP table goes here) */
#define VMM_HIMEM_START 0x100000ULL /* 1 MiB: where kernels are loaded */

/* Guest RAM is one host mapping split around a 1 GiB hole below 4 GiB that
 * holds device MMIO and the KVM TSS / identity-map pages. */
#define VMM_MMIO_HOLE_START 0xc0000000ULL
#define VMM_MMIO_HOLE_END 0x100000000ULL
#define VMM_MMIO_DEVICES_START 0xd0000000ULL    /* virtio-mmio and test devices */
#define VMM_KVM_IDENTITY_MAP_ADDR 0xfffbc000ULL /* KVM_SET_IDENTITY_MAP_ADDR, one page */
#define VMM_KVM_TSS_ADDR 0xfffbd000ULL          /* KVM_SET_TSS_ADDR, three pages */
/* The PCI hole: BARs of passed-through devices (kvm-shim/pci/pci.h), below
 * the IOAPIC (0xfec00000) and the LAPIC (0xfee00000). */
#define VMM_PCI_MMIO_START 0xe0000000ULL
#define VMM_PCI_MMIO_END 0xf0000000ULL

/* Legacy port I/O. */
#define VMM_PORT_COM1 0x3f8
#define VMM_IRQ_COM1 4
#define VMM_PORT_DEBUG_EXIT 0xf4 /* the exit port: a byte written stops the VM */
#define VMM_PORT_PCI_CONF 0xcf8  /* PCI configuration mechanism #1: 0xCF8..0xCFF */
#define VMM_PCI_PIO_START 0xc000 /* I/O BARs */
#define VMM_PCI_PIO_END 0x10000

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Entry register state: the boot GDT and empty IDT, the identity page
 * tables for long mode, and the segment/control registers of each mode. */
#include "kvm-shim/vmm/entry.h"
#include "kvm-shim/vmm/layout.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#define X86_CR0_PE (1ULL << 0)
#define X86_CR0_ET (1ULL << 4)
#define X86_CR0_PG (1ULL << 31)
#define X86_CR4_PAE (1ULL << 5)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)
#define RFLAGS_RESERVED (1ULL << 1)

#define PTE_PRESENT (1ULL << 0)
#define PTE_WRITE (1ULL << 1)
#define PTE_HUGE (1ULL << 7) /* a 2 MiB page in a PD entry */

/* GDT entry from (flags, base, limit), as Linux's GDT_ENTRY(): flags holds
 * the access byte in bits 0-7 and G/DB/L/AVL in bits 12-15. */
#define GDT_ENTRY(flags, base, limit)                                                              \
  ((((base)&0xff000000ULL) << 32) | (((flags)&0xf0ffULL) << 40) | (((limit)&0x000f0000ULL) << 32)  \
   | (((base)&0x00ffffffULL) << 16) | ((limit)&0x0000ffffULL))

static const uint64_t boot_gdt[] = {
  0,
  GDT_ENTRY (0xc09b, 0, 0xfffff), /* 0x08: code, 32-bit, flat */
  GDT_ENTRY (0xa09b, 0, 0xfffff), /* 0x10: code, 64-bit */
  GDT_ENTRY (0xc093, 0, 0xfffff), /* 0x18: data, flat */
  GDT_ENTRY (0x008b, 0, 0x67),    /* 0x20: busy 32-bit TSS */
};

#define GDT_SIZE sizeof (boot_gdt)

/* The segment register KVM loads for a GDT entry, so the cached descriptor
 * matches the table the guest can read. */
static struct kvm_segment
segment_of (uint64_t entry, uint16_t selector)
{
  struct kvm_segment s = {
    .base = (uint32_t)(((entry >> 16) & 0xffffff) | (((entry >> 56) & 0xff) << 24)),
    .limit = (uint32_t)((entry & 0xffff) | (((entry >> 48) & 0xf) << 16)),
    .selector = selector,
    .type = (entry >> 40) & 0xf,
    .s = (entry >> 44) & 1,
    .dpl = (entry >> 45) & 3,
    .present = (entry >> 47) & 1,
    .avl = (entry >> 52) & 1,
    .l = (entry >> 53) & 1,
    .db = (entry >> 54) & 1,
    .g = (entry >> 55) & 1,
  };

  if (s.g)
    s.limit = (s.limit << 12) | 0xfff;
  return s;
}

/* GDT and an 8-byte IDT of nothing: the guest installs its own before it
 * enables interrupts. */
static int
write_descriptor_tables (struct vmm_mem *mem, struct kvm_sregs *sregs, hy_error_t *err)
{
  uint64_t idt = 0;

  if (vmm_mem_write (mem, VMM_GDT_ADDR, boot_gdt, GDT_SIZE, err) < 0
      || vmm_mem_write (mem, VMM_IDT_ADDR, &idt, sizeof (idt), err) < 0)
    return hy_error_prefix (err, "boot GDT/IDT");
  sregs->gdt.base = VMM_GDT_ADDR;
  sregs->gdt.limit = GDT_SIZE - 1;
  sregs->idt.base = VMM_IDT_ADDR;
  sregs->idt.limit = sizeof (idt) - 1;
  return 0;
}

static void
load_flat_segments (struct kvm_sregs *sregs, uint16_t code_sel)
{
  struct kvm_segment data = segment_of (boot_gdt[VMM_SEL_DATA / 8], VMM_SEL_DATA);

  sregs->cs = segment_of (boot_gdt[code_sel / 8], code_sel);
  sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
  sregs->tr = segment_of (boot_gdt[VMM_SEL_TSS / 8], VMM_SEL_TSS);
}

/* PML4[0] -> PDPT; PDPT[0..3] -> four PDs of 2 MiB pages: an identity map of
 * the first 4 GiB, enough for the kernel, its zero page, command line and
 * the MMIO hole.  Linux builds its own tables early. */
static int
write_identity_tables (struct vmm_mem *mem, hy_error_t *err)
{
  uint64_t pml4 = VMM_PDPT_ADDR | PTE_PRESENT | PTE_WRITE;
  uint64_t pdpt[VMM_PD_COUNT];
  uint64_t pd[512];
  uint64_t i, j;

  for (i = 0; i < VMM_PD_COUNT; i++)
    pdpt[i] = (VMM_PD_ADDR + i * 0x1000) | PTE_PRESENT | PTE_WRITE;
  if (vmm_mem_write (mem, VMM_PML4_ADDR, &pml4, sizeof (pml4), err) < 0
      || vmm_mem_write (mem, VMM_PDPT_ADDR, pdpt, sizeof (pdpt), err) < 0)
    return hy_error_prefix (err, "identity page tables");
  for (i = 0; i < VMM_PD_COUNT; i++)
    {
      for (j = 0; j < 512; j++)
        pd[j] = ((i * 512 + j) << 21) | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
      if (vmm_mem_write (mem, VMM_PD_ADDR + i * 0x1000, pd, sizeof (pd), err) < 0)
        return hy_error_prefix (err, "identity page tables");
    }
  return 0;
}

/* Real mode: one code segment whose base puts `ip` in its first 64 KiB. */
static int
setup_real (struct kvm_sregs *sregs, const struct vmm_cpu_entry *e, uint64_t *rip, hy_error_t *err)
{
  uint64_t base = e->ip & ~0xffffULL;

  if (e->ip >= VMM_HIMEM_START)
    return hy_error_set (err, 0, "real-mode entry 0x%llx is above 1 MiB",
                         (unsigned long long)e->ip);
  sregs->cs.base = base;
  sregs->cs.selector = (uint16_t)(base >> 4);
  sregs->ds.base = sregs->es.base = sregs->ss.base = sregs->fs.base = sregs->gs.base = 0;
  sregs->ds.selector = sregs->es.selector = sregs->ss.selector = 0;
  sregs->fs.selector = sregs->gs.selector = 0;
  sregs->cr0 &= ~(X86_CR0_PE | X86_CR0_PG);
  *rip = e->ip - base;
  return 0;
}

static int
setup_sregs (struct vmm_vcpu *vcpu, struct kvm_sregs *sregs, const struct vmm_cpu_entry *e,
             uint64_t *rip, hy_error_t *err)
{
  struct vmm_mem *mem = vcpu->vm->mem;

  *rip = e->ip;
  if (e->mode == VMM_CPU_REAL)
    return setup_real (sregs, e, rip, err);
  if (write_descriptor_tables (mem, sregs, err) < 0)
    return -1;
  if (e->mode == VMM_CPU_FLAT32)
    {
      load_flat_segments (sregs, VMM_SEL_CODE32);
      sregs->cr0 = X86_CR0_PE | X86_CR0_ET;
      sregs->cr4 = 0;
      sregs->efer = 0;
      return 0;
    }
  if (write_identity_tables (mem, err) < 0)
    return -1;
  load_flat_segments (sregs, VMM_SEL_CODE64);
  sregs->cr3 = VMM_PML4_ADDR;
  sregs->cr4 = X86_CR4_PAE;
  sregs->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
  sregs->efer = EFER_LME | EFER_LMA;
  return 0;
}

int
vmm_vcpu_set_entry (struct vmm_vcpu *vcpu, const struct vmm_cpu_entry *entry, hy_error_t *err)
{
  struct kvm_sregs sregs;
  struct kvm_regs regs;
  uint64_t rip;

  if (ioctl (vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
    return hy_error_set (err, errno, "vCPU %d: KVM_GET_SREGS", vcpu->id);
  if (setup_sregs (vcpu, &sregs, entry, &rip, err) < 0)
    return hy_error_prefix (err, "vCPU %d: entry state", vcpu->id);
  if (ioctl (vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
    return hy_error_set (err, errno, "vCPU %d: KVM_SET_SREGS", vcpu->id);
  /* Interrupts off (IF clear) at entry in every mode. */
  memset (&regs, 0, sizeof (regs));
  regs.rflags = RFLAGS_RESERVED;
  regs.rip = rip;
  regs.rsp = regs.rbp = entry->sp ? entry->sp : VMM_BOOT_STACK;
  regs.rsi = entry->rsi;
  regs.rbx = entry->rbx;
  if (ioctl (vcpu->fd, KVM_SET_REGS, &regs) < 0)
    return hy_error_set (err, errno, "vCPU %d: KVM_SET_REGS", vcpu->id);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading a Linux guest into guest RAM: the kernel (an ELF vmlinux, entered
 * through its PVH note or at its 64-bit entry, or a bzImage through the
 * 64-bit boot protocol), the command line, the initrd, and the boot
 * structures that describe RAM to it (the zero page with its e820 table, or
 * PVH's hvm_start_info with its memory map).  Gives back the entry state for
 * vCPU 0.  References: Documentation/arch/x86/boot.rst, Xen's
 * docs/misc/pvh.pandoc and public/arch-x86/hvm/start_info.h. */
#ifndef VMM_BOOT_H
#define VMM_BOOT_H

#include "common/error.h"
#include "kvm-shim/vmm/entry.h"
#include "kvm-shim/vmm/mem.h"

#include <stddef.h>
#include <stdint.h>

struct vmm_boot_config
{
  const char *kernel;      /* path to a vmlinux (ELF) or a bzImage */
  const char *cmdline;     /* NULL: empty */
  const char *initrd;      /* path, or NULL */
  const void *initrd_data; /* or an image in memory */
  size_t initrd_size;
  /* or, with initrd_size, an image written in place once the boot code
   * has placed it (the VMM's own cpio, straight into guest RAM) */
  int (*initrd_fill) (void *dst, size_t size, void *ctx, hy_error_t *err);
  void *initrd_ctx;
};

enum vmm_kernel_format
{
  VMM_KERNEL_ELF_PVH, /* vmlinux with XEN_ELFNOTE_PHYS32_ENTRY: 32-bit flat entry */
  VMM_KERNEL_ELF64,   /* vmlinux without it: 64-bit entry at e_entry */
  VMM_KERNEL_BZIMAGE, /* bzImage: 64-bit entry at load address + 0x200 */
};

struct vmm_boot_info
{
  enum vmm_kernel_format format;
  struct vmm_cpu_entry entry;
  uint64_t kernel_start, kernel_end; /* guest-physical, end exclusive */
  uint64_t initrd_addr, initrd_size; /* 0 when there is none */
};

int vmm_boot_linux (struct vmm_mem *mem, const struct vmm_boot_config *cfg,
                    struct vmm_boot_info *info, hy_error_t *err);

const char *vmm_kernel_format_name (enum vmm_kernel_format format);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the boot files: the kernel loaders fill a loaded_kernel,
 * boot.c places everything else around it. */
#ifndef VMM_BOOT_PRIV_H
#define VMM_BOOT_PRIV_H

#include "kvm-shim/vmm/boot.h"

#include <asm/bootparam.h>
#include <stdbool.h>

struct loaded_kernel
{
  enum vmm_kernel_format format;
  uint64_t entry;       /* guest-physical entry point */
  uint64_t start, end;  /* where it landed, end exclusive (ELF: with its bss) */
  uint64_t initrd_max;  /* highest address + 1 the initrd may reach */
  uint32_t cmdline_max; /* bytes, without the NUL */
  /* For the zero page: the bzImage's own setup header, or a synthesized
   * one for a vmlinux. */
  struct setup_header hdr;
};

/* The kernel file is read through a small helper so every offset and size
 * from the file is checked against the file's length. */
struct kernel_file
{
  int fd;
  const char *path;
  uint64_t size;
};

int kernel_file_read (const struct kernel_file *f, uint64_t off, void *buf, uint64_t len,
                      hy_error_t *err);

/* Loaders: return 1 and fill *k when the file is theirs and loads, 0 when it
 * is not their format (nothing written), -1 on error. */
int boot_load_elf (struct vmm_mem *mem, const struct kernel_file *f, struct loaded_kernel *k,
                   hy_error_t *err);
int boot_load_bzimage (struct vmm_mem *mem, const struct kernel_file *f, struct loaded_kernel *k,
                       hy_error_t *err);

/* Defaults the boot protocol gives a loader that has no header to ask. */
#define BOOT_INITRD_ADDR_MAX 0x37ffffffULL /* boot.rst: for protocol < 2.03 */
#define BOOT_CMDLINE_MAX 2047U
#define BOOT_HDR_MAGIC 0x53726448U /* "HdrS" */
#define BOOT_FLAG_MAGIC 0xaa55U
#define BOOT_LOADER_UNDEFINED 0xff /* type_of_loader: not an assigned id */

#endif

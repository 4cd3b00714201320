/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading a bzImage for the 64-bit boot protocol (boot.rst, "64-bit BOOT
 * PROTOCOL"): check its setup header, copy the protected-mode part to 1 MiB
 * and enter it at +0x200 in long mode.  The real-mode setup code is never
 * run.  Protocol 2.12 (Linux 3.8) is the first with xloadflags, which says
 * whether the kernel has a 64-bit entry at all. */
#include "kvm-shim/vmm/boot_priv.h"
#include "kvm-shim/vmm/layout.h"

#include <stddef.h>
#include <string.h>

#define SETUP_HEADER_OFFSET 0x1f1
#define MIN_PROTOCOL 0x020c
#define ENTRY_64_OFFSET 0x200
#define DEFAULT_SETUP_SECTS 4 /* boot.rst: setup_sects 0 means 4 */

/* The header is as long as the file says: the jump at 0x200 skips it, so
 * 0x202 + its displacement byte is where the header ends. */
static int
read_header (const struct kernel_file *f, struct setup_header *hdr, hy_error_t *err)
{
  uint8_t jump_len;
  uint64_t len;

  memset (hdr, 0, sizeof (*hdr));
  if (kernel_file_read (f, 0x201, &jump_len, 1, err) < 0)
    return -1;
  len = 0x202 + (uint64_t)jump_len - SETUP_HEADER_OFFSET;
  if (len > sizeof (*hdr))
    len = sizeof (*hdr);
  return kernel_file_read (f, SETUP_HEADER_OFFSET, hdr, len, err);
}

static int
check_header (const struct kernel_file *f, const struct setup_header *hdr, hy_error_t *err)
{
  if (hdr->version < MIN_PROTOCOL)
    return hy_error_set (err, 0, "`%s`: boot protocol %u.%02u, need 2.12 or later", f->path,
                         hdr->version >> 8, hdr->version & 0xff);
  if (!(hdr->xloadflags & XLF_KERNEL_64))
    return hy_error_set (err, 0, "`%s`: this kernel has no 64-bit entry point", f->path);
  return 0;
}

/* 1 when the file has a bzImage's signatures at 0x1fe and 0x202. */
static int
is_bzimage (const struct kernel_file *f, hy_error_t *err)
{
  uint16_t boot_flag;
  uint32_t magic;

  if (f->size < 0x206 + 4)
    return 0;
  if (kernel_file_read (f, 0x1fe, &boot_flag, 2, err) < 0
      || kernel_file_read (f, 0x202, &magic, 4, err) < 0)
    return -1;
  return boot_flag == BOOT_FLAG_MAGIC && magic == BOOT_HDR_MAGIC;
}

int
boot_load_bzimage (struct vmm_mem *mem, const struct kernel_file *f, struct loaded_kernel *k,
                   hy_error_t *err)
{
  uint64_t setup_size, payload_size, room;
  unsigned setup_sects;
  void *dst;
  int r;

  r = is_bzimage (f, err);
  if (r <= 0)
    return r;
  if (read_header (f, &k->hdr, err) < 0 || check_header (f, &k->hdr, err) < 0)
    return -1;
  setup_sects = k->hdr.setup_sects ? k->hdr.setup_sects : DEFAULT_SETUP_SECTS;
  setup_size = (uint64_t)(setup_sects + 1) * 512;
  if (setup_size >= f->size)
    return hy_error_set (err, 0, "`%s`: no kernel after %u setup sectors", f->path, setup_sects);
  payload_size = f->size - setup_size;
  /* The kernel decompresses in place and needs init_size bytes from where
   * it is loaded (boot.rst, "init_size"). */
  room = payload_size > k->hdr.init_size ? payload_size : k->hdr.init_size;
  if (vmm_mem_ptr (mem, VMM_HIMEM_START, room) == NULL)
    return hy_error_set (err, 0, "`%s`: needs 0x%llx bytes at 1 MiB, more than guest RAM", f->path,
                         (unsigned long long)room);
  dst = vmm_mem_ptr (mem, VMM_HIMEM_START, payload_size);
  if (kernel_file_read (f, setup_size, dst, payload_size, err) < 0)
    return -1;
  k->format = VMM_KERNEL_BZIMAGE;
  k->start = VMM_HIMEM_START;
  k->end = VMM_HIMEM_START + room;
  k->entry = VMM_HIMEM_START + ENTRY_64_OFFSET;
  k->initrd_max = (uint64_t)k->hdr.initrd_addr_max + 1;
  /* boot.rst: cmdline_size does not count the terminating NUL. */
  k->cmdline_max = k->hdr.cmdline_size ? k->hdr.cmdline_size : BOOT_CMDLINE_MAX;
  return 1;
}

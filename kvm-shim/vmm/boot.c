/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Linux boot, after the kernel is in place: the command line, the initrd at
 * the top of low RAM, the RAM map, and either the zero page (64-bit boot
 * protocol) or the hvm_start_info (PVH).  Also the bounds-checked reader
 * the kernel loaders use. */
#include "kvm-shim/vmm/boot_priv.h"
#include "kvm-shim/vmm/layout.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PAGE_4K 0x1000ULL
#define E820_RAM 1
#define E820_RESERVED 2
#define MAX_RAM_MAP 4

/* Xen public/arch-x86/hvm/start_info.h, version 1 (with a memory map). */
#define HVM_START_MAGIC 0x336ec578U
struct hvm_start_info
{
  uint32_t magic, version, flags, nr_modules;
  uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
  uint32_t memmap_entries, reserved;
};
struct hvm_modlist_entry
{
  uint64_t paddr, size, cmdline_paddr, reserved;
};
struct hvm_memmap_entry
{
  uint64_t addr, size;
  uint32_t type, reserved;
};
_Static_assert(sizeof (struct hvm_start_info) == 56, "hvm_start_info layout");
_Static_assert(sizeof (struct hvm_memmap_entry) == 24, "hvm_memmap_table_entry layout");
#define PVH_MODLIST_ADDR (VMM_PVH_INFO_ADDR + 0x40)
#define PVH_MEMMAP_ADDR (VMM_PVH_INFO_ADDR + 0x80)

int
kernel_file_read (const struct kernel_file *f, uint64_t off, void *buf, uint64_t len,
                  hy_error_t *err)
{
  uint8_t *p = buf;

  if (off > f->size || len > f->size - off)
    return hy_error_set (err, 0, "`%s`: 0x%llx bytes at 0x%llx run past its end (0x%llx)", f->path,
                         (unsigned long long)len, (unsigned long long)off,
                         (unsigned long long)f->size);
  while (len > 0)
    {
      ssize_t n = pread (f->fd, p, len, (off_t)off);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return hy_error_set (err, n < 0 ? errno : EIO, "read `%s`", f->path);
      p += n;
      off += (uint64_t)n;
      len -= (uint64_t)n;
    }
  return 0;
}

struct ram_map
{
  unsigned n;
  struct
  {
    uint64_t addr, size;
    uint32_t type;
  } e[MAX_RAM_MAP];
};

/* Low RAM up to the EBDA, the BIOS area reserved (the MP table will live
 * there), RAM from 1 MiB to the hole, and RAM above 4 GiB if any. */
static void
build_ram_map (const struct vmm_mem *mem, struct ram_map *map)
{
  uint64_t low_end = vmm_mem_low_end (mem);

  map->n = 0;
  map->e[map->n++] = (typeof (map->e[0])){ 0, VMM_EBDA_START, E820_RAM };
  map->e[map->n++]
      = (typeof (map->e[0])){ VMM_EBDA_START, VMM_HIMEM_START - VMM_EBDA_START, E820_RESERVED };
  if (low_end > VMM_HIMEM_START)
    map->e[map->n++] = (typeof (map->e[0])){ VMM_HIMEM_START, low_end - VMM_HIMEM_START, E820_RAM };
  if (mem->n_regions > 1)
    map->e[map->n++] = (typeof (map->e[0])){ mem->regions[1].gpa, mem->regions[1].size, E820_RAM };
}

static int
write_cmdline (struct vmm_mem *mem, const char *cmdline, const struct loaded_kernel *k,
               hy_error_t *err)
{
  size_t len = cmdline ? strlen (cmdline) : 0;

  if (len > k->cmdline_max || len >= VMM_CMDLINE_MAX)
    return hy_error_set (err, 0, "kernel command line: %zu bytes, the kernel takes at most %u", len,
                         k->cmdline_max);
  return vmm_mem_write (mem, VMM_CMDLINE_ADDR, cmdline ? cmdline : "", len + 1, err);
}

/* The highest page-aligned spot below both the kernel's limit and the end of
 * low RAM, above the kernel (boot.rst recommends the top: the kernel's
 * decompressor and early allocations grow upwards from it). */
static int
place_initrd (const struct vmm_mem *mem, const struct loaded_kernel *k, uint64_t size,
              uint64_t *addr, hy_error_t *err)
{
  uint64_t top = vmm_mem_low_end (mem);
  uint64_t floor = (k->end + PAGE_4K - 1) & ~(PAGE_4K - 1);

  if (k->initrd_max < top)
    top = k->initrd_max;
  if (top < floor || size > top - floor)
    return hy_error_set (
        err, 0, "initrd: %llu bytes do not fit between the kernel (ends 0x%llx) and 0x%llx",
        (unsigned long long)size, (unsigned long long)k->end, (unsigned long long)top);
  *addr = (top - size) & ~(PAGE_4K - 1);
  return 0;
}

/* Read a host initrd straight into guest RAM at the chosen spot. */
static int
load_initrd_file (struct vmm_mem *mem, const char *path, const struct loaded_kernel *k,
                  struct vmm_boot_info *info, hy_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct kernel_file f = { .path = path };
  struct stat st;

  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  if (fstat (fd, &st) < 0)
    return hy_error_set (err, errno, "stat `%s`", path);
  f.fd = fd;
  f.size = (uint64_t)st.st_size;
  if (f.size == 0)
    return hy_error_set (err, 0, "initrd `%s` is empty", path);
  if (place_initrd (mem, k, f.size, &info->initrd_addr, err) < 0)
    return -1;
  info->initrd_size = f.size;
  return kernel_file_read (&f, 0, vmm_mem_ptr (mem, info->initrd_addr, f.size), f.size, err);
}

static int
load_initrd (struct vmm_mem *mem, const struct vmm_boot_config *cfg, const struct loaded_kernel *k,
             struct vmm_boot_info *info, hy_error_t *err)
{
  info->initrd_addr = info->initrd_size = 0;
  if (cfg->initrd)
    return load_initrd_file (mem, cfg->initrd, k, info, err);
  if ((cfg->initrd_data == NULL && cfg->initrd_fill == NULL) || cfg->initrd_size == 0)
    return 0;
  if (place_initrd (mem, k, cfg->initrd_size, &info->initrd_addr, err) < 0)
    return -1;
  info->initrd_size = cfg->initrd_size;
  if (cfg->initrd_fill)
    return cfg->initrd_fill (vmm_mem_ptr (mem, info->initrd_addr, cfg->initrd_size),
                             cfg->initrd_size, cfg->initrd_ctx, err);
  return vmm_mem_write (mem, info->initrd_addr, cfg->initrd_data, cfg->initrd_size, err);
}

/* The zero page: the kernel's own setup header (or a synthesized one), our
 * loader fields, the e820 map. */
static int
write_zero_page (struct vmm_mem *mem, const struct loaded_kernel *k,
                 const struct vmm_boot_info *info, hy_error_t *err)
{
  struct boot_params bp;
  struct ram_map map;
  unsigned i;

  memset (&bp, 0, sizeof (bp));
  bp.hdr = k->hdr;
  bp.hdr.type_of_loader = BOOT_LOADER_UNDEFINED;
  bp.hdr.vid_mode = 0xffff; /* "normal": no video mode switch */
  bp.hdr.cmd_line_ptr = (uint32_t)VMM_CMDLINE_ADDR;
  bp.hdr.ramdisk_image = (uint32_t)info->initrd_addr;
  bp.hdr.ramdisk_size = (uint32_t)info->initrd_size;
  build_ram_map (mem, &map);
  for (i = 0; i < map.n; i++)
    {
      bp.e820_table[i].addr = map.e[i].addr;
      bp.e820_table[i].size = map.e[i].size;
      bp.e820_table[i].type = map.e[i].type;
    }
  bp.e820_entries = (uint8_t)map.n;
  return vmm_mem_write (mem, VMM_ZERO_PAGE_ADDR, &bp, sizeof (bp), err);
}

/* PVH: hvm_start_info, the initrd as module 0, the memory map. */
static int
write_pvh_info (struct vmm_mem *mem, const struct vmm_boot_info *info, hy_error_t *err)
{
  struct hvm_start_info si = {
    .magic = HVM_START_MAGIC,
    .version = 1,
    .cmdline_paddr = VMM_CMDLINE_ADDR,
    .memmap_paddr = PVH_MEMMAP_ADDR,
  };
  struct hvm_modlist_entry mod = { .paddr = info->initrd_addr, .size = info->initrd_size };
  struct hvm_memmap_entry mm[MAX_RAM_MAP];
  struct ram_map map;
  unsigned i;

  build_ram_map (mem, &map);
  for (i = 0; i < map.n; i++)
    mm[i] = (struct hvm_memmap_entry){ map.e[i].addr, map.e[i].size, map.e[i].type, 0 };
  si.memmap_entries = map.n;
  if (info->initrd_size)
    {
      si.nr_modules = 1;
      si.modlist_paddr = PVH_MODLIST_ADDR;
      if (vmm_mem_write (mem, PVH_MODLIST_ADDR, &mod, sizeof (mod), err) < 0)
        return -1;
    }
  if (vmm_mem_write (mem, PVH_MEMMAP_ADDR, mm, map.n * sizeof (mm[0]), err) < 0)
    return -1;
  return vmm_mem_write (mem, VMM_PVH_INFO_ADDR, &si, sizeof (si), err);
}

static int
load_kernel (struct vmm_mem *mem, const char *path, struct loaded_kernel *k, hy_error_t *err)
{
  /* not followed if a symlink, no FIFO (O_NONBLOCK: open does not
   * wait for a writer), nothing but a regular file */
  cleanup_close int fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct kernel_file f = { .path = path };
  struct stat st;
  int r;

  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", path);
  if (fstat (fd, &st) < 0)
    return hy_error_set (err, errno, "stat `%s`", path);
  if (!S_ISREG (st.st_mode))
    return hy_error_set (err, 0, "`%s` is not a regular file", path);
  f.fd = fd;
  f.size = (uint64_t)st.st_size;
  memset (k, 0, sizeof (*k));
  r = boot_load_elf (mem, &f, k, err);
  if (r == 0)
    r = boot_load_bzimage (mem, &f, k, err);
  if (r == 0)
    return hy_error_set (err, 0, "`%s`: neither an ELF vmlinux nor a bzImage", path);
  if (r < 0)
    return -1;
  if (k->entry < k->start || k->entry >= k->end)
    return hy_error_set (err, 0, "`%s`: entry point 0x%llx is outside the loaded kernel", path,
                         (unsigned long long)k->entry);
  return 0;
}

int
vmm_boot_linux (struct vmm_mem *mem, const struct vmm_boot_config *cfg, struct vmm_boot_info *info,
                hy_error_t *err)
{
  struct loaded_kernel k;

  memset (info, 0, sizeof (*info));
  if (load_kernel (mem, cfg->kernel, &k, err) < 0 || write_cmdline (mem, cfg->cmdline, &k, err) < 0
      || load_initrd (mem, cfg, &k, info, err) < 0)
    return hy_error_prefix (err, "boot");
  info->format = k.format;
  info->kernel_start = k.start;
  info->kernel_end = k.end;
  if (k.format == VMM_KERNEL_ELF_PVH)
    {
      info->entry = (struct vmm_cpu_entry){ .mode = VMM_CPU_FLAT32,
                                            .ip = k.entry,
                                            .rbx = VMM_PVH_INFO_ADDR };
      if (write_pvh_info (mem, info, err) < 0)
        return hy_error_prefix (err, "boot: PVH start info");
      return 0;
    }
  info->entry
      = (struct vmm_cpu_entry){ .mode = VMM_CPU_LONG64, .ip = k.entry, .rsi = VMM_ZERO_PAGE_ADDR };
  if (write_zero_page (mem, &k, info, err) < 0)
    return hy_error_prefix (err, "boot: zero page");
  return 0;
}

const char *
vmm_kernel_format_name (enum vmm_kernel_format format)
{
  switch (format)
    {
    case VMM_KERNEL_ELF_PVH:
      return "vmlinux (PVH entry)";
    case VMM_KERNEL_ELF64:
      return "vmlinux (64-bit entry)";
    case VMM_KERNEL_BZIMAGE:
      return "bzImage (64-bit entry)";
    }
  return "?";
}

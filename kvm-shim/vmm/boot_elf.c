/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading an uncompressed vmlinux: check the ELF header, copy each PT_LOAD
 * segment to its physical address (zeroing the bss part), and find the PVH
 * entry point in the "Xen" ELF note if the kernel has one (CONFIG_PVH).
 * Every field from the file is checked before it is used. */
#include "kvm-shim/vmm/boot_priv.h"
#include "kvm-shim/vmm/layout.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <elf.h>
#include <string.h>

#define MAX_PHDRS 64
#define MAX_NOTES_SIZE (64 * 1024)
/* public/elfnote.h: the 32-bit physical entry of a PVH kernel. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18

static int
check_ehdr (const Elf64_Ehdr *eh, const char *path, hy_error_t *err)
{
  if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
    return hy_error_set (err, 0, "`%s`: not a 64-bit little-endian ELF", path);
  if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
    return hy_error_set (err, 0, "`%s`: not an x86-64 executable", path);
  if (eh->e_phentsize != sizeof (Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > MAX_PHDRS)
    return hy_error_set (err, 0, "`%s`: bad program header table (%u entries of %u bytes)", path,
                         eh->e_phnum, eh->e_phentsize);
  return 0;
}

/* Copy one PT_LOAD segment: file bytes, then zeros up to p_memsz.  Below
 * 1 MiB lie the VMM's boot structures; a kernel may not land there. */
static int
load_segment (struct vmm_mem *mem, const struct kernel_file *f, const Elf64_Phdr *ph,
              hy_error_t *err)
{
  uint8_t *dst;

  if (ph->p_filesz > ph->p_memsz)
    return hy_error_set (err, 0, "`%s`: segment at 0x%llx: file size above memory size", f->path,
                         (unsigned long long)ph->p_paddr);
  if (ph->p_paddr < VMM_HIMEM_START)
    return hy_error_set (err, 0, "`%s`: segment at 0x%llx is below 1 MiB", f->path,
                         (unsigned long long)ph->p_paddr);
  dst = vmm_mem_ptr (mem, ph->p_paddr, ph->p_memsz);
  if (dst == NULL)
    return hy_error_set (err, 0, "`%s`: segment 0x%llx+0x%llx does not fit in guest RAM", f->path,
                         (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz);
  if (kernel_file_read (f, ph->p_offset, dst, ph->p_filesz, err) < 0)
    return -1;
  memset (dst + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
  return 0;
}

/* Walk the notes of one PT_NOTE segment for Xen's PHYS32_ENTRY.  Returns 1
 * with *entry set, 0 when absent, -1 on a read error. */
static int
find_pvh_entry (const struct kernel_file *f, const Elf64_Phdr *ph, uint64_t *entry, hy_error_t *err)
{
  cleanup_free uint8_t *notes = NULL;
  uint64_t off = 0, size = ph->p_filesz;

  if (size > MAX_NOTES_SIZE)
    return 0;
  notes = xmalloc (size ? size : 1);
  if (kernel_file_read (f, ph->p_offset, notes, size, err) < 0)
    return -1;
  while (size - off >= sizeof (Elf64_Nhdr))
    {
      Elf64_Nhdr nh;
      uint64_t name_at, desc_at, next;

      memcpy (&nh, notes + off, sizeof (nh));
      name_at = off + sizeof (nh);
      desc_at = name_at + (((uint64_t)nh.n_namesz + 3) & ~3ULL);
      next = desc_at + (((uint64_t)nh.n_descsz + 3) & ~3ULL);
      if (next > size)
        return 0;
      if (nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && nh.n_namesz == 4
          && memcmp (notes + name_at, "Xen", 4) == 0 && (nh.n_descsz == 4 || nh.n_descsz == 8))
        {
          uint64_t v = 0;

          /* Linux emits it with _ASM_PTR: 8 bytes on x86-64; 4 elsewhere. */
          memcpy (&v, notes + desc_at, nh.n_descsz);
          *entry = nh.n_descsz == 4 ? (uint32_t)v : v;
          return 1;
        }
      off = next;
    }
  return 0;
}

/* What the zero page needs when the kernel came without a setup header. */
static void
synthesize_header (struct setup_header *hdr)
{
  memset (hdr, 0, sizeof (*hdr));
  hdr->boot_flag = BOOT_FLAG_MAGIC;
  hdr->header = BOOT_HDR_MAGIC;
  hdr->kernel_alignment = 0x1000000;
  hdr->initrd_addr_max = BOOT_INITRD_ADDR_MAX;
  hdr->cmdline_size = BOOT_CMDLINE_MAX;
}

static int
load_segments (struct vmm_mem *mem, const struct kernel_file *f, const Elf64_Phdr *ph, unsigned n,
               struct loaded_kernel *k, hy_error_t *err)
{
  unsigned i;

  k->start = UINT64_MAX;
  k->end = 0;
  for (i = 0; i < n; i++)
    {
      if (ph[i].p_type == PT_NOTE && k->format != VMM_KERNEL_ELF_PVH)
        {
          int r = find_pvh_entry (f, &ph[i], &k->entry, err);

          if (r < 0)
            return -1;
          if (r > 0)
            k->format = VMM_KERNEL_ELF_PVH;
        }
      if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
        continue;
      if (load_segment (mem, f, &ph[i], err) < 0)
        return -1;
      if (ph[i].p_paddr < k->start)
        k->start = ph[i].p_paddr;
      if (ph[i].p_paddr + ph[i].p_memsz > k->end)
        k->end = ph[i].p_paddr + ph[i].p_memsz;
    }
  if (k->end == 0)
    return hy_error_set (err, 0, "`%s`: no loadable segment", f->path);
  return 0;
}

int
boot_load_elf (struct vmm_mem *mem, const struct kernel_file *f, struct loaded_kernel *k,
               hy_error_t *err)
{
  cleanup_free Elf64_Phdr *ph = NULL;
  Elf64_Ehdr eh;

  if (f->size < sizeof (eh))
    return 0;
  if (kernel_file_read (f, 0, &eh, sizeof (eh), err) < 0)
    return -1;
  if (memcmp (eh.e_ident, ELFMAG, SELFMAG) != 0)
    return 0;
  if (check_ehdr (&eh, f->path, err) < 0)
    return -1;
  ph = xcalloc (eh.e_phnum, sizeof (*ph));
  if (kernel_file_read (f, eh.e_phoff, ph, (uint64_t)eh.e_phnum * sizeof (*ph), err) < 0)
    return -1;
  k->format = VMM_KERNEL_ELF64;
  k->entry = eh.e_entry;
  if (load_segments (mem, f, ph, eh.e_phnum, k, err) < 0)
    return -1;
  synthesize_header (&k->hdr);
  k->initrd_max = BOOT_INITRD_ADDR_MAX + 1;
  k->cmdline_max = BOOT_CMDLINE_MAX;
  return 1;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Linux loaders against kernels made here: an ELF vmlinux with and
 * without a PVH note and a bzImage with a setup header.  Checks what lands
 * in guest RAM (segments, bss, command line, initrd, zero page, e820,
 * hvm_start_info) and that malformed files are refused.  No KVM needed. */
#include "kvm-shim/vmm/boot.h"
#include "kvm-shim/vmm/layout.h"
#include "common/cleanup.h"
#include "tests/unit/tap.h"

#include <asm/bootparam.h>
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RAM (64ULL << 20)
#define KADDR 0x1000000ULL /* where vmlinux loads: 16 MiB */
#define KTEXT "kernel text!"
#define KBSS 0x3000 /* bytes of bss after the text */
#define PVH_ENTRY (KADDR + 0x40)

static char tmpdir[] = "/tmp/test_vmm_boot.XXXXXX";

static char *
write_file (const char *name, const void *data, size_t len)
{
  char *path;
  int fd;

  if (asprintf (&path, "%s/%s", tmpdir, name) < 0)
    abort ();
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || write (fd, data, len) != (ssize_t)len)
    abort ();
  close (fd);
  return path;
}

/* An ELF with one PT_LOAD at KADDR (text + bss) and, optionally, a PT_NOTE
 * carrying Xen's PHYS32_ENTRY the way Linux emits it (8-byte descriptor). */
static size_t
make_elf (uint8_t *buf, size_t cap, int pvh, uint64_t load_paddr)
{
  Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
  Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof (*eh));
  size_t note_off = 0x100, text_off = 0x200;
  Elf64_Nhdr nh = { .n_namesz = 4, .n_descsz = 8, .n_type = 18 };
  uint64_t entry = PVH_ENTRY;

  memset (buf, 0, cap);
  memcpy (eh->e_ident, ELFMAG, SELFMAG);
  eh->e_ident[EI_CLASS] = ELFCLASS64;
  eh->e_ident[EI_DATA] = ELFDATA2LSB;
  eh->e_ident[EI_VERSION] = EV_CURRENT;
  eh->e_type = ET_EXEC;
  eh->e_machine = EM_X86_64;
  eh->e_entry = load_paddr; /* phys_startup_64 */
  eh->e_phoff = sizeof (*eh);
  eh->e_phentsize = sizeof (*ph);
  eh->e_phnum = pvh ? 2 : 1;
  ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD,
                        .p_offset = text_off,
                        .p_paddr = load_paddr,
                        .p_vaddr = 0xffffffff81000000ULL,
                        .p_filesz = sizeof (KTEXT),
                        .p_memsz = sizeof (KTEXT) + KBSS };
  memcpy (buf + text_off, KTEXT, sizeof (KTEXT));
  if (pvh)
    {
      ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE,
                            .p_offset = note_off,
                            .p_filesz = sizeof (nh) + 4 + 8 };
      memcpy (buf + note_off, &nh, sizeof (nh));
      memcpy (buf + note_off + sizeof (nh), "Xen", 4);
      memcpy (buf + note_off + sizeof (nh) + 4, &entry, 8);
    }
  return text_off + sizeof (KTEXT);
}

static void
test_elf_pvh (struct vmm_mem *mem)
{
  cleanup_error hy_error_t err = NULL;
  uint8_t elf[4096];
  size_t len = make_elf (elf, sizeof (elf), 1, KADDR);
  cleanup_free char *path = write_file ("vmlinux-pvh", elf, len);
  const char initrd[] = "070701 pretend cpio";
  struct vmm_boot_config cfg = { .kernel = path,
                                 .cmdline = "console=ttyS0 quiet",
                                 .initrd_data = initrd,
                                 .initrd_size = sizeof (initrd) };
  struct vmm_boot_info info;
  const uint32_t *si;
  const uint64_t *memmap, *mod;
  const uint8_t *bss;
  int r;

  memset (vmm_mem_ptr (mem, KADDR, 0x10000), 0xcc, 0x10000); /* the bss must be cleared */
  r = vmm_boot_linux (mem, &cfg, &info, &err);
  tap_ok (r == 0, "ELF+PVH: loads: %s", err ? err->msg : "ok");
  if (r < 0)
    return;
  tap_ok (info.format == VMM_KERNEL_ELF_PVH && info.entry.mode == VMM_CPU_FLAT32
              && info.entry.ip == PVH_ENTRY && info.entry.rbx == VMM_PVH_INFO_ADDR,
          "ELF+PVH: flat 32-bit entry at the note's address, rbx = start info");
  tap_ok (memcmp (vmm_mem_ptr (mem, KADDR, sizeof (KTEXT)), KTEXT, sizeof (KTEXT)) == 0,
          "ELF+PVH: the segment is at its physical address");
  bss = vmm_mem_ptr (mem, KADDR + sizeof (KTEXT), KBSS);
  tap_ok (bss[0] == 0 && bss[KBSS - 1] == 0 && bss[KBSS] == 0xcc,
          "ELF+PVH: exactly p_memsz - p_filesz bytes of bss are zeroed");
  tap_ok (strcmp (vmm_mem_ptr (mem, VMM_CMDLINE_ADDR, 1), "console=ttyS0 quiet") == 0,
          "ELF+PVH: the command line is in guest RAM");
  si = vmm_mem_ptr (mem, VMM_PVH_INFO_ADDR, 56);
  tap_ok (si[0] == 0x336ec578 && si[1] == 1 && si[3] == 1
              && *(const uint64_t *)(si + 6) == VMM_CMDLINE_ADDR,
          "ELF+PVH: hvm_start_info: magic, version 1, one module, command line");
  mod = vmm_mem_ptr (mem, *(const uint64_t *)(si + 4), 16);
  tap_ok (mod && mod[0] == info.initrd_addr && mod[1] == sizeof (initrd)
              && memcmp (vmm_mem_ptr (mem, mod[0], 4), "0707", 4) == 0,
          "ELF+PVH: module 0 is the initrd, and the initrd is there");
  tap_ok (info.initrd_addr % 4096 == 0 && info.initrd_addr + 4096 >= RAM - sizeof (initrd)
              && info.initrd_addr >= info.kernel_end,
          "ELF+PVH: the initrd is page-aligned at the top of RAM (0x%llx)",
          (unsigned long long)info.initrd_addr);
  /* memmap_paddr at byte 40, memmap_entries at 48; entries of 3 x u64. */
  memmap = vmm_mem_ptr (mem, *(const uint64_t *)(si + 10), 3 * 24);
  tap_ok (si[12] == 3 && memmap && memmap[0] == 0 && memmap[1] == VMM_EBDA_START
              && memmap[2 * 3] == VMM_HIMEM_START && memmap[2 * 3 + 1] == RAM - VMM_HIMEM_START,
          "ELF+PVH: memory map: low RAM, the BIOS area, RAM from 1 MiB to the end");
}

static void
test_elf64 (struct vmm_mem *mem)
{
  cleanup_error hy_error_t err = NULL;
  uint8_t elf[4096];
  size_t len = make_elf (elf, sizeof (elf), 0, KADDR);
  cleanup_free char *path = write_file ("vmlinux", elf, len);
  cleanup_free char *initrd = write_file ("initrd", "INITRD", 6);
  struct vmm_boot_config cfg = { .kernel = path, .cmdline = "root=/dev/vda", .initrd = initrd };
  struct vmm_boot_info info;
  const struct boot_params *bp;
  int r;

  r = vmm_boot_linux (mem, &cfg, &info, &err);
  tap_ok (r == 0, "ELF: loads: %s", err ? err->msg : "ok");
  if (r < 0)
    return;
  tap_ok (info.format == VMM_KERNEL_ELF64 && info.entry.mode == VMM_CPU_LONG64
              && info.entry.ip == KADDR && info.entry.rsi == VMM_ZERO_PAGE_ADDR,
          "ELF: without a PVH note, 64-bit entry at e_entry, rsi = zero page");
  bp = vmm_mem_ptr (mem, VMM_ZERO_PAGE_ADDR, sizeof (*bp));
  tap_ok (bp->hdr.header == 0x53726448 && bp->hdr.boot_flag == 0xaa55
              && bp->hdr.type_of_loader == 0xff && bp->hdr.cmd_line_ptr == VMM_CMDLINE_ADDR,
          "ELF: zero page: a synthesized header, loader type, command line");
  tap_ok (bp->hdr.ramdisk_image == info.initrd_addr && bp->hdr.ramdisk_size == 6
              && memcmp (vmm_mem_ptr (mem, info.initrd_addr, 6), "INITRD", 6) == 0,
          "ELF: an initrd file is read into RAM and named in the zero page");
  tap_ok (bp->e820_entries == 3 && bp->e820_table[0].type == 1 && bp->e820_table[1].type == 2
              && bp->e820_table[2].addr == VMM_HIMEM_START
              && bp->e820_table[2].size == RAM - VMM_HIMEM_START,
          "ELF: e820: low RAM, the reserved BIOS area, RAM from 1 MiB");
}

/* A bzImage: 4 setup sectors + the boot sector, a 2.15 header saying
 * 64-bit entry, then the "compressed" kernel. */
static size_t
make_bzimage (uint8_t *buf, size_t cap, uint16_t version, uint32_t init_size)
{
  struct setup_header hdr = { 0 };
  size_t setup = 5 * 512;

  memset (buf, 0, cap);
  hdr.setup_sects = 4;
  hdr.boot_flag = 0xaa55;
  hdr.jump = 0x66eb; /* jmp +0x66: the header runs to 0x268 */
  hdr.header = 0x53726448;
  hdr.version = version;
  hdr.loadflags = 1; /* LOADED_HIGH */
  hdr.code32_start = 0x100000;
  hdr.initrd_addr_max = 0x7fffffff;
  hdr.kernel_alignment = 0x200000;
  hdr.relocatable_kernel = 1;
  hdr.xloadflags = XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G;
  hdr.cmdline_size = 16;
  hdr.init_size = init_size;
  memcpy (buf + 0x1f1, &hdr, sizeof (hdr));
  memcpy (buf + setup, "PAYLOAD", 8);
  return setup + 4096;
}

static void
test_bzimage (struct vmm_mem *mem)
{
  cleanup_error hy_error_t err = NULL;
  uint8_t img[5 * 512 + 4096];
  size_t len = make_bzimage (img, sizeof (img), 0x020f, 0x800000);
  cleanup_free char *path = write_file ("bzImage", img, len);
  struct vmm_boot_config cfg = { .kernel = path, .cmdline = "console=ttyS0" };
  struct vmm_boot_info info;
  const struct boot_params *bp;
  int r;

  r = vmm_boot_linux (mem, &cfg, &info, &err);
  tap_ok (r == 0, "bzImage: loads: %s", err ? err->msg : "ok");
  if (r < 0)
    return;
  tap_ok (info.format == VMM_KERNEL_BZIMAGE && info.entry.mode == VMM_CPU_LONG64
              && info.entry.ip == 0x100200 && info.entry.rsi == VMM_ZERO_PAGE_ADDR,
          "bzImage: 64-bit entry at 1 MiB + 0x200");
  tap_ok (memcmp (vmm_mem_ptr (mem, 0x100000, 8), "PAYLOAD", 8) == 0,
          "bzImage: the protected-mode kernel is at 1 MiB, the setup code is not loaded");
  tap_ok (info.kernel_end == 0x100000 + 0x800000, "bzImage: init_size is reserved for it");
  bp = vmm_mem_ptr (mem, VMM_ZERO_PAGE_ADDR, sizeof (*bp));
  tap_ok (bp->hdr.version == 0x020f && bp->hdr.kernel_alignment == 0x200000
              && bp->hdr.type_of_loader == 0xff && bp->hdr.ramdisk_image == 0,
          "bzImage: the zero page carries its own header, with our fields and no initrd");

  cfg.cmdline = "a command line longer than sixteen bytes";
  hy_error_free (&err);
  r = vmm_boot_linux (mem, &cfg, &info, &err);
  tap_ok (r < 0 && err && strstr (err->msg, "at most 16"),
          "bzImage: a command line above its cmdline_size is refused: %s",
          err ? err->msg : "(no error)");
}

static void
expect_refused (struct vmm_mem *mem, const char *what, const char *name, const void *data,
                size_t len, const char *needle)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_free char *path = write_file (name, data, len);
  struct vmm_boot_config cfg = { .kernel = path };
  struct vmm_boot_info info;
  int r = vmm_boot_linux (mem, &cfg, &info, &err);

  tap_ok (r < 0 && err && strstr (err->msg, needle), "refused: %s: %s", what,
          err ? err->msg : "(no error)");
}

static void
test_refused (struct vmm_mem *mem)
{
  uint8_t buf[5 * 512 + 4096];
  Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof (Elf64_Ehdr));
  size_t len;

  expect_refused (mem, "not a kernel", "junk", "hello world", 11, "neither");
  len = make_elf (buf, sizeof (buf), 0, RAM - 8);
  expect_refused (mem, "a segment past the end of RAM", "big", buf, len, "does not fit");
  len = make_elf (buf, sizeof (buf), 0, 0x7000);
  expect_refused (mem, "a segment over the boot structures", "low", buf, len, "below 1 MiB");
  len = make_elf (buf, sizeof (buf), 0, KADDR);
  ph->p_filesz = 0x100000;
  ph->p_memsz = 0x100000;
  expect_refused (mem, "a segment past the end of the file", "trunc", buf, len, "past its end");
  len = make_elf (buf, sizeof (buf), 0, KADDR);
  ph->p_filesz = ph->p_memsz + 1;
  expect_refused (mem, "p_filesz above p_memsz", "filesz", buf, len, "above memory size");
  len = make_elf (buf, sizeof (buf), 0, KADDR);
  ((Elf64_Ehdr *)buf)->e_phnum = 1000;
  expect_refused (mem, "an absurd program header count", "phnum", buf, len, "program header");
  len = make_elf (buf, sizeof (buf), 0, KADDR);
  ((Elf64_Ehdr *)buf)->e_entry = 0x4000000;
  expect_refused (mem, "an entry outside the kernel", "entry", buf, len, "entry point");
  len = make_bzimage (buf, sizeof (buf), 0x020b, 0x800000);
  expect_refused (mem, "a bzImage before protocol 2.12", "old", buf, len, "need 2.12");
  len = make_bzimage (buf, sizeof (buf), 0x020f, (uint32_t)RAM);
  expect_refused (mem, "a bzImage whose init_size exceeds RAM", "huge", buf, len,
                  "more than guest RAM");
}

int
main (void)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_vmm_mem struct vmm_mem *mem = NULL;
  int ret;

  tap_plan (29);
  if (mkdtemp (tmpdir) == NULL)
    abort ();
  mem = vmm_mem_create (RAM, false, &err);
  if (mem == NULL)
    abort ();
  test_elf_pvh (mem);
  test_elf64 (mem);
  test_bzimage (mem);
  test_refused (mem);
  ret = tap_done ();
  if (fork () == 0)
    execlp ("rm", "rm", "-rf", tmpdir, (char *)NULL), _exit (127);
  return ret;
}

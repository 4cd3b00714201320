/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the guest kernel loaders (ELF vmlinux with its PVH
 * note, bzImage with its setup header), which read a file the bundle may
 * name (io.hyrun.vm.kernel), into 64 MiB of guest RAM. */
#include "kvm-shim/vmm/boot_priv.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM (64u << 20)

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static struct vmm_mem *mem;
static int fd = -1;

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct kernel_file f = { .path = "fuzz-kernel" };
  struct loaded_kernel k = { 0 };
  hy_error_t err = NULL;
  int r;

  if (mem == NULL && (mem = vmm_mem_create (RAM, false, NULL)) == NULL)
    abort ();
  if (fd < 0 && (fd = memfd_create ("fuzz-kernel", MFD_CLOEXEC)) < 0)
    abort ();
  if (ftruncate (fd, 0) < 0 || pwrite (fd, data, size, 0) != (ssize_t)size)
    abort ();
  f.fd = fd;
  f.size = size;
  r = boot_load_elf (mem, &f, &k, &err);
  hy_error_free (&err);
  if (r == 0)
    {
      r = boot_load_bzimage (mem, &f, &k, &err);
      hy_error_free (&err);
    }
  if (r == 1 && (k.end < k.start || k.end > RAM))
    abort (); /* a loader claimed RAM it does not have */
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An uncompressed "newc" cpio archive built in memory: the guest's
 * initramfs (the agent as /init, /dev/console), handed to the boot code as
 * initrd_data.  Uncompressed on purpose: unpacking gzip in emulated guest
 * CPL0 took 78 s where the plain archive took 3 s (shared/facts/
 * guest-kernel.md).  Format: the kernel's Documentation/driver-api/
 * early-userspace/buffer-format.rst. */
#ifndef VMM_CPIO_H
#define VMM_CPIO_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct vmm_cpio
{
  uint8_t *buf;
  size_t len, cap;
  uint32_t next_ino;
  int finished;
  int fixed; /* buf is the caller's (guest RAM), cap bytes: it never grows */
};

struct vmm_cpio *vmm_cpio_new (void);
/* An archive written straight into [buf, buf + cap) (guest RAM: no copy,
 * no page faults of a buffer of our own); an entry that does not fit is
 * an error.  vmm_cpio_free leaves buf alone. */
struct vmm_cpio *vmm_cpio_new_fixed (void *buf, size_t cap);
void vmm_cpio_free (struct vmm_cpio *c);
/* The bytes an entry of that name and data size takes (header, name and
 * data, each padded to 4), to size a fixed archive up front; the trailer
 * is vmm_cpio_entry_size ("TRAILER!!!", 0). */
size_t vmm_cpio_entry_size (const char *name, size_t len);

/* Names are relative to the archive root ("init", "dev/console"), without
 * a leading slash or "..": refused otherwise.  Parents are not implied:
 * add "dev" before "dev/console". */
int vmm_cpio_add_dir (struct vmm_cpio *c, const char *name, mode_t perm, hy_error_t *err);
int vmm_cpio_add_file (struct vmm_cpio *c, const char *name, mode_t perm, const void *data,
                       size_t len, hy_error_t *err);
int vmm_cpio_add_symlink (struct vmm_cpio *c, const char *name, const char *target,
                          hy_error_t *err);
/* A character or block device node (mode includes S_IFCHR / S_IFBLK). */
int vmm_cpio_add_node (struct vmm_cpio *c, const char *name, mode_t mode, unsigned major,
                       unsigned minor, hy_error_t *err);
/* Copy a regular file of the host (the agent binary) into the archive,
 * read in place. */
int vmm_cpio_add_host_file (struct vmm_cpio *c, const char *name, mode_t perm,
                            const char *host_path, hy_error_t *err);

/* Append the TRAILER!!! entry; the archive is then complete in c->buf,
 * c->len bytes.  Nothing can be added after. */
int vmm_cpio_finish (struct vmm_cpio *c, hy_error_t *err);

#define cleanup_vmm_cpio __attribute__ ((cleanup (vmm_cpio_freep)))
static inline void
vmm_cpio_freep (struct vmm_cpio **c)
{
  vmm_cpio_free (*c);
}

#endif

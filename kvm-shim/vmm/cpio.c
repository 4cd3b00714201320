/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The newc cpio writer: a 110-byte ASCII header per entry ("070701" and 13
 * eight-digit hex fields), the NUL-terminated name, padding to 4 bytes, the
 * data, padding to 4 bytes; a TRAILER!!! entry ends the archive. */
#include "kvm-shim/vmm/cpio.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NEWC_HEADER_LEN 110
#define CPIO_MAX_FILE 0xffffffffULL /* c_filesize is 8 hex digits */

struct entry
{
  const char *name;
  uint32_t mode;
  uint32_t nlink;
  uint32_t rdevmajor, rdevminor;
  const void *data;
  size_t len;
};

struct vmm_cpio *
vmm_cpio_new (void)
{
  struct vmm_cpio *c = xzalloc (sizeof (*c));

  c->next_ino = 1;
  return c;
}

struct vmm_cpio *
vmm_cpio_new_fixed (void *buf, size_t cap)
{
  struct vmm_cpio *c = vmm_cpio_new ();

  c->buf = buf;
  c->cap = cap;
  c->fixed = 1;
  return c;
}

void
vmm_cpio_free (struct vmm_cpio *c)
{
  if (c == NULL)
    return;
  if (!c->fixed)
    free (c->buf);
  free (c);
}

static size_t
align4 (size_t n)
{
  return (n + 3) & ~(size_t)3;
}

size_t
vmm_cpio_entry_size (const char *name, size_t len)
{
  return align4 (NEWC_HEADER_LEN + strlen (name) + 1) + align4 (len);
}

/* Room for len more bytes; a fixed archive checks before it writes (add). */
static void
reserve (struct vmm_cpio *c, size_t len)
{
  if (c->cap - c->len < len && c->fixed)
    abort (); /* add and finish check the room of a fixed archive first */
  if (c->cap - c->len < len)
    {
      size_t cap = c->cap ? c->cap : 4096;

      while (cap - c->len < len)
        cap *= 2;
      c->buf = xrealloc (c->buf, cap);
      c->cap = cap;
    }
}

static void
append (struct vmm_cpio *c, const void *data, size_t len)
{
  reserve (c, len);
  memcpy (c->buf + c->len, data, len);
  c->len += len;
}

static void
pad4 (struct vmm_cpio *c)
{
  static const uint8_t zeros[3];

  append (c, zeros, (4 - c->len % 4) % 4);
}

/* A name the kernel will create under its root: relative, no "." or ".."
 * component, no empty component. */
static int
check_name (const char *name, hy_error_t *err)
{
  const char *p = name;

  if (*name == '\0' || *name == '/' || strlen (name) > 4095)
    return hy_error_set (err, 0, "cpio: bad entry name `%s`", name);
  while (*p)
    {
      size_t n = strcspn (p, "/");

      if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
        return hy_error_set (err, 0, "cpio: bad entry name `%s`", name);
      p += n;
      if (*p == '/')
        p++;
    }
  if (p[-1] == '/')
    return hy_error_set (err, 0, "cpio: bad entry name `%s`", name);
  return 0;
}

static void
write_entry (struct vmm_cpio *c, const struct entry *e)
{
  char hdr[NEWC_HEADER_LEN + 1];
  size_t namesize = strlen (e->name) + 1;
  uint32_t ino = strcmp (e->name, "TRAILER!!!") == 0 ? 0 : c->next_ino++;

  /* ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor
   * rdevminor namesize check; uid/gid 0 (root) and mtime 0: reproducible. */
  snprintf (hdr, sizeof (hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino,
            e->mode, 0, 0, e->nlink, 0, (uint32_t)e->len, 0, 0, e->rdevmajor, e->rdevminor,
            (uint32_t)namesize, 0);
  append (c, hdr, NEWC_HEADER_LEN);
  append (c, e->name, namesize);
  pad4 (c);
  if (e->len && e->data)
    append (c, e->data, e->len);
  /* else the caller writes the data in place (add_host_file) */
}

static int
add (struct vmm_cpio *c, const struct entry *e, hy_error_t *err)
{
  if (c->finished)
    return hy_error_set (err, 0, "cpio: `%s` added after the trailer", e->name);
  if (check_name (e->name, err) < 0)
    return -1;
  if ((uint64_t)e->len > CPIO_MAX_FILE)
    return hy_error_set (err, 0, "cpio: `%s` is larger than 4 GiB", e->name);
  if (c->fixed && vmm_cpio_entry_size (e->name, e->len) > c->cap - c->len)
    return hy_error_set (err, 0, "cpio: `%s` does not fit in the %zu bytes left", e->name,
                         c->cap - c->len);
  write_entry (c, e);
  if (e->data || e->len == 0)
    pad4 (c);
  return 0;
}

int
vmm_cpio_add_dir (struct vmm_cpio *c, const char *name, mode_t perm, hy_error_t *err)
{
  struct entry e = { .name = name, .mode = S_IFDIR | (perm & 07777), .nlink = 2 };

  return add (c, &e, err);
}

int
vmm_cpio_add_file (struct vmm_cpio *c, const char *name, mode_t perm, const void *data, size_t len,
                   hy_error_t *err)
{
  struct entry e
      = { .name = name, .mode = S_IFREG | (perm & 07777), .nlink = 1, .data = data, .len = len };

  return add (c, &e, err);
}

int
vmm_cpio_add_symlink (struct vmm_cpio *c, const char *name, const char *target, hy_error_t *err)
{
  /* A symlink's data is its target, without a NUL. */
  struct entry e = {
    .name = name, .mode = S_IFLNK | 0777, .nlink = 1, .data = target, .len = strlen (target)
  };

  return add (c, &e, err);
}

int
vmm_cpio_add_node (struct vmm_cpio *c, const char *name, mode_t mode, unsigned major,
                   unsigned minor, hy_error_t *err)
{
  struct entry e = { .name = name,
                     .mode = mode & (S_IFMT | 07777),
                     .nlink = 1,
                     .rdevmajor = major,
                     .rdevminor = minor };

  if (!S_ISCHR (mode) && !S_ISBLK (mode))
    return hy_error_set (err, 0, "cpio: `%s`: a device node must be S_IFCHR or S_IFBLK", name);
  return add (c, &e, err);
}

int
vmm_cpio_add_host_file (struct vmm_cpio *c, const char *name, mode_t perm, const char *host_path,
                        hy_error_t *err)
{
  cleanup_close int fd = open (host_path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  struct entry e = { .name = name, .mode = S_IFREG | (perm & 07777), .nlink = 1 };
  size_t done = 0;

  if (fd < 0)
    return hy_error_set (err, errno, "open `%s`", host_path);
  if (fstat (fd, &st) < 0)
    return hy_error_set (err, errno, "stat `%s`", host_path);
  if (!S_ISREG (st.st_mode) || (uint64_t)st.st_size > CPIO_MAX_FILE)
    return hy_error_set (err, 0, "`%s`: not a regular file below 4 GiB", host_path);
  e.len = (size_t)st.st_size;
  if (!c->fixed)
    reserve (c, vmm_cpio_entry_size (name, e.len));
  /* The header first, then the data read straight after it. */
  if (add (c, &e, err) < 0)
    return -1;
  while (done < e.len)
    {
      ssize_t n = read (fd, c->buf + c->len + done, e.len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return hy_error_set (err, n < 0 ? errno : EIO, "read `%s`", host_path);
      done += (size_t)n;
    }
  c->len += done;
  pad4 (c);
  return 0;
}

int
vmm_cpio_finish (struct vmm_cpio *c, hy_error_t *err)
{
  struct entry e = { .name = "TRAILER!!!", .nlink = 1 };

  if (c->finished)
    return hy_error_set (err, 0, "cpio: finished twice");
  if (c->fixed && vmm_cpio_entry_size (e.name, 0) > c->cap - c->len)
    return hy_error_set (err, 0, "cpio: `%s` does not fit in the %zu bytes left", e.name,
                         c->cap - c->len);
  write_entry (c, &e);
  c->finished = 1;
  return 0;
}

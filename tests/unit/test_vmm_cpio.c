/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The newc cpio writer: an archive of a directory, files (empty, unaligned,
 * from the host), a symlink and a device node is parsed back field by field
 * here and listed by an independent reader (`cpio -t`, GNU's or busybox's)
 * when one is installed.  Bad names are refused. */
#include "kvm-shim/vmm/cpio.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct parsed
{
  char name[64];
  uint32_t mode, nlink, rmaj, rmin;
  const uint8_t *data;
  uint32_t size;
};

static uint32_t
hex8 (const uint8_t *p)
{
  char tmp[9];

  memcpy (tmp, p, 8);
  tmp[8] = '\0';
  return (uint32_t)strtoul (tmp, NULL, 16);
}

/* Parse entries until the trailer; -1 on any malformation.  Checks magic,
 * the NUL after the name and 4-byte alignment of names and data. */
static int
parse (const uint8_t *buf, size_t len, struct parsed *out, int max)
{
  size_t off = 0;
  int n = 0;

  while (n < max && len - off >= 110)
    {
      const uint8_t *h = buf + off;
      uint32_t namesize = hex8 (h + 94), size = hex8 (h + 54);
      struct parsed *e = &out[n];

      if (memcmp (h, "070701", 6) != 0 || namesize == 0 || namesize > sizeof (e->name))
        return -1;
      off += 110;
      if (len - off < namesize || buf[off + namesize - 1] != '\0')
        return -1;
      memcpy (e->name, buf + off, namesize);
      off = (off + namesize + 3) & ~(size_t)3;
      if (off > len || len - off < size)
        return -1;
      e->mode = hex8 (h + 14);
      e->nlink = hex8 (h + 38);
      e->rmaj = hex8 (h + 78);
      e->rmin = hex8 (h + 86);
      e->size = size;
      e->data = buf + off;
      off = (off + size + 3) & ~(size_t)3;
      if (strcmp (e->name, "TRAILER!!!") == 0)
        return off == len ? n : -1;
      n++;
    }
  return -1;
}

/* `cpio -t` on the archive through a temp file; returns its stdout. */
static char *
list_with (const char *const argv[], const uint8_t *buf, size_t len)
{
  char path[] = "/tmp/test_vmm_cpio.XXXXXX";
  static char out[1024];
  int fd = mkstemp (path), pipefd[2], status;
  ssize_t n, total = 0;
  pid_t pid;

  if (fd < 0 || write (fd, buf, len) != (ssize_t)len || pipe (pipefd) < 0)
    abort ();
  lseek (fd, 0, SEEK_SET);
  pid = fork ();
  if (pid == 0)
    {
      int devnull = open ("/dev/null", O_WRONLY);

      dup2 (fd, 0);
      dup2 (pipefd[1], 1);
      dup2 (devnull, 2); /* "N blocks" */
      execvp (argv[0], (char *const *)argv);
      _exit (127);
    }
  close (pipefd[1]);
  while ((n = read (pipefd[0], out + total, sizeof (out) - 1 - (size_t)total)) > 0)
    total += n;
  out[total] = '\0';
  close (pipefd[0]);
  close (fd);
  unlink (path);
  waitpid (pid, &status, 0);
  return WIFEXITED (status) && WEXITSTATUS (status) == 0 ? out : NULL;
}

static int
have (const char *prog)
{
  cleanup_free char *cmd = NULL;

  if (asprintf (&cmd, "command -v %s >/dev/null 2>&1", prog) < 0)
    abort ();
  return system (cmd) == 0;
}

static void
check_external (const uint8_t *buf, size_t len)
{
  static const char *const gnu[] = { "cpio", "-t", "--quiet", NULL };
  static const char *const bb[] = { "busybox", "cpio", "-t", NULL };
  const char *const *argv = have ("cpio") ? gnu : have ("busybox") ? bb : NULL;
  const char *want = "init\ndev\ndev/console\nbin\nbin/sh\nempty\netc\netc/hostname\n";
  char *out;

  if (argv == NULL)
    {
      tap_skip ("neither cpio nor busybox is installed", "an independent cpio -t lists it");
      return;
    }
  out = list_with (argv, buf, len);
  tap_ok (out && strcmp (out, want) == 0, "`%s cpio -t` lists every entry in order", argv[0]);
  if (out && strcmp (out, want) != 0)
    tap_diag ("got:\n%s", out);
}

/* The VMM's way: sized up front, written in place (guest RAM); the same
 * bytes as the growing archive, and a buffer too small is an error. */
static void
check_fixed (const struct vmm_cpio *ref, const char *host)
{
  cleanup_error hy_error_t err = NULL;
  size_t size = vmm_cpio_entry_size ("init", 10) + vmm_cpio_entry_size ("dev", 0)
                + vmm_cpio_entry_size ("dev/console", 0) + vmm_cpio_entry_size ("bin", 0)
                + vmm_cpio_entry_size ("bin/sh", 5) + vmm_cpio_entry_size ("empty", 0)
                + vmm_cpio_entry_size ("etc", 0) + vmm_cpio_entry_size ("etc/hostname", 11)
                + vmm_cpio_entry_size ("TRAILER!!!", 0);
  uint8_t *buf = xzalloc (size + 64);
  int r;

  for (int round = 0; round < 2; round++)
    {
      size_t cap = round == 0 ? size : size - 16;
      cleanup_vmm_cpio struct vmm_cpio *f = vmm_cpio_new_fixed (buf, cap);

      memset (buf, 0xAA, size + 64);
      r = vmm_cpio_add_file (f, "init", 0755, "#!/bin/sh\n", 10, &err)
          | vmm_cpio_add_dir (f, "dev", 0755, &err)
          | vmm_cpio_add_node (f, "dev/console", S_IFCHR | 0600, 5, 1, &err)
          | vmm_cpio_add_dir (f, "bin", 0755, &err)
          | vmm_cpio_add_symlink (f, "bin/sh", "/init", &err)
          | vmm_cpio_add_file (f, "empty", 0644, NULL, 0, &err)
          | vmm_cpio_add_dir (f, "etc", 0755, &err)
          | vmm_cpio_add_host_file (f, "etc/hostname", 0644, host, &err)
          | vmm_cpio_finish (f, &err);
      if (round == 0)
        tap_ok (r == 0 && f->len == size && ref->len == size && memcmp (buf, ref->buf, size) == 0,
                "a fixed archive sized by vmm_cpio_entry_size is the same %zu bytes, in place",
                size);
      else
        tap_ok (r != 0 && err && strstr (err->msg, "does not fit") && buf[cap] == 0xAA,
                "a fixed buffer 16 bytes short: an error, nothing written past it (%s)",
                err ? err->msg : "no error");
      hy_error_free (&err);
    }
  free (buf);
}

int
main (void)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_vmm_cpio struct vmm_cpio *c = vmm_cpio_new ();
  char host[] = "/tmp/test_vmm_cpio_host.XXXXXX";
  struct parsed e[16];
  int fd, n, r;

  tap_plan (18);
  fd = mkstemp (host);
  if (fd < 0 || write (fd, "guest-host\n", 11) != 11)
    abort ();
  close (fd);
  r = vmm_cpio_add_file (c, "init", 0755, "#!/bin/sh\n", 10, &err)
      | vmm_cpio_add_dir (c, "dev", 0755, &err)
      | vmm_cpio_add_node (c, "dev/console", S_IFCHR | 0600, 5, 1, &err)
      | vmm_cpio_add_dir (c, "bin", 0755, &err) | vmm_cpio_add_symlink (c, "bin/sh", "/init", &err)
      | vmm_cpio_add_file (c, "empty", 0644, NULL, 0, &err)
      | vmm_cpio_add_dir (c, "etc", 0755, &err)
      | vmm_cpio_add_host_file (c, "etc/hostname", 0644, host, &err) | vmm_cpio_finish (c, &err);
  tap_ok (r == 0, "an archive of 8 entries is written: %s", err ? err->msg : "ok");
  check_fixed (c, host);
  unlink (host);

  n = parse (c->buf, c->len, e, 16);
  tap_ok (n == 8 && c->len % 4 == 0, "it parses back to 8 entries and a trailer ending the buffer");
  if (n != 8)
    return tap_done ();
  tap_ok (strcmp (e[0].name, "init") == 0 && e[0].mode == (S_IFREG | 0755) && e[0].size == 10
              && memcmp (e[0].data, "#!/bin/sh\n", 10) == 0,
          "a regular file: name, mode, size, data");
  tap_ok (e[1].mode == (S_IFDIR | 0755) && e[1].nlink == 2 && e[1].size == 0, "a directory");
  tap_ok (e[2].mode == (S_IFCHR | 0600) && e[2].rmaj == 5 && e[2].rmin == 1,
          "a character device keeps its major and minor");
  tap_ok (e[4].mode == (S_IFLNK | 0777) && e[4].size == 5 && memcmp (e[4].data, "/init", 5) == 0,
          "a symlink's data is its target, without a NUL");
  tap_ok (e[5].size == 0, "an empty file");
  tap_ok (e[7].size == 11 && memcmp (e[7].data, "guest-host\n", 11) == 0,
          "a host file is copied in (11 bytes: data padding exercised)");
  check_external (c->buf, c->len);

  tap_ok (vmm_cpio_add_file (c, "late", 0644, "x", 1, &err) < 0,
          "nothing is added after the trailer");
  hy_error_free (&err);
  {
    cleanup_vmm_cpio struct vmm_cpio *d = vmm_cpio_new ();
    static const char *const bad[] = { "/abs", "../up", "a/../b", "a//b", "a/", "." };
    size_t i;

    for (i = 0; i < sizeof (bad) / sizeof (bad[0]); i++)
      {
        tap_ok (vmm_cpio_add_dir (d, bad[i], 0755, &err) < 0, "the name `%s` is refused", bad[i]);
        hy_error_free (&err);
      }
  }
  return tap_done ();
}

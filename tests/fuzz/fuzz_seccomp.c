/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: linux.seccomp of config.json converted to a filter
 * (lc_seccomp_export: every check lc_seccomp_load makes, then libseccomp's
 * BPF written to a memfd instead of loaded).  Oracles besides the
 * sanitizers: a conversion that succeeds yields whole BPF instructions,
 * at least one, at most BPF_MAXINSNS; one that fails says why. */
#include "common/error.h"
#include "libcontainer/security.h"
#include "spec/spec.h"

#include <linux/filter.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  hy_error_t err = NULL;
  struct spec *s = spec_parse ("config.json", (const char *)data, size, &err);
  int fd;
  off_t len;

  hy_error_free (&err);
  if (s == NULL || s->linux_ == NULL || s->linux_->seccomp == NULL)
    {
      spec_free (s);
      return 0;
    }
  fd = memfd_create ("fuzz-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    abort ();
  if (lc_seccomp_export (s->linux_->seccomp, fd, &err) < 0)
    {
      if (err == NULL || err->msg == NULL || err->msg[0] == '\0')
        abort (); /* a refusal names its reason */
    }
  else
    {
      len = lseek (fd, 0, SEEK_END);
      if (len <= 0 || len % (off_t)sizeof (struct sock_filter) != 0)
        abort ();
    }
  hy_error_free (&err);
  close (fd);
  spec_free (s);
  return 0;
}

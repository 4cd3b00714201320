/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CVE-2019-5736: re-execute hyrun from a sealed memfd copy before any of
 * its processes enters a container, so /proc/<pid>/exe seen from inside
 * points at an immutable anonymous file, never at the binary on disk. */
#include "libcontainer/selfexe.h"
#include "common/cleanup.h"
#include "common/test_hook.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool
already_sealed (void)
{
  cleanup_close int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals;

  if (fd < 0)
    return false;
  seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

int
lc_selfexe_ensure_sealed (int argc, char **argv, char **envp, hy_error_t *err)
{
  cleanup_close int src = -1, mem = -1;
  struct stat st;
  off_t off = 0;

  (void)argc;
  if (already_sealed () || test_hook_off (TEST_HOOK_SELFEXE_SEAL))
    return 0;
  src = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (src < 0 || fstat (src, &st) < 0)
    return hy_error_set (err, errno, "open /proc/self/exe");
  mem = memfd_create ("hyrun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0)
    return hy_error_set (err, errno, "memfd_create");
  while (off < st.st_size)
    {
      ssize_t n = sendfile (mem, src, &off, st.st_size - off);
      if (n <= 0)
        return hy_error_set (err, n < 0 ? errno : EIO, "copy the hyrun binary into a memfd");
    }
  if (fcntl (mem, F_ADD_SEALS, SEALS) < 0)
    return hy_error_set (err, errno, "seal the memfd");
  syscall (SYS_execveat, mem, "", argv, envp, AT_EMPTY_PATH);
  return hy_error_set (err, errno, "re-execute hyrun from its sealed copy");
}

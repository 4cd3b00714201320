/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.apparmorProfile and process.selinuxLabel: checked against the
 * host before anything is created (a clear error where the LSM is absent),
 * applied by the init as the label of its next exec. */
#include "libcontainer/lsm.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/path.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SELINUX_MAGIC 0xf97cff8c

static bool
apparmor_enabled (void)
{
  char c = 0;
  cleanup_close int fd = open ("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);

  return fd >= 0 && read (fd, &c, 1) == 1 && c == 'Y';
}

static bool
selinux_enabled (void)
{
  struct statfs s;

  return statfs ("/sys/fs/selinux", &s) == 0 && (unsigned long)s.f_type == SELINUX_MAGIC;
}

int
lc_lsm_check (const struct spec_process *p, hy_error_t *err)
{
  if (p == NULL)
    return 0;
  if (p->apparmor_profile && *p->apparmor_profile && !apparmor_enabled ())
    return hy_error_set (err, 0, "process.apparmorProfile: AppArmor is not enabled on this host");
  if (p->selinux_label && *p->selinux_label && !selinux_enabled ())
    return hy_error_set (err, 0, "process.selinuxLabel: SELinux is not enabled on this host");
  return 0;
}

int
lc_lsm_apply (const struct spec_process *p, hy_error_t *err)
{
  if (p->apparmor_profile && *p->apparmor_profile)
    {
      cleanup_free char *v = xasprintf ("exec %s", p->apparmor_profile);
      const char *path = access ("/proc/self/attr/apparmor/exec", F_OK) == 0
                             ? "/proc/self/attr/apparmor/exec"
                             : "/proc/self/attr/exec";
      if (lc_proc_write (path, v, err) < 0)
        return hy_error_prefix (err, "process.apparmorProfile");
    }
  if (p->selinux_label && *p->selinux_label
      && lc_proc_write ("/proc/self/attr/exec", p->selinux_label, err) < 0)
    return hy_error_prefix (err, "process.selinuxLabel");
  return 0;
}

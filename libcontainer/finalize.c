/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One finalize sequence (finalize.h) for the init, exec and the agent. */
#include "libcontainer/finalize.h"
#include "common/test_hook.h"
#include "libcontainer/container.h"
#include "libcontainer/fd.h"
#include "libcontainer/lsm.h"
#include "libcontainer/path.h"
#include "libcontainer/security.h"
#include "libcontainer/user.h"

#include <errno.h>
#include <linux/ioprio.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

/* sched_setattr(2)'s argument; glibc 2.36 has no wrapper */
struct sched_attr_v1
{
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
};

static int
set_scheduler (const struct spec_scheduler *s, hy_error_t *err)
{
  struct sched_attr_v1 a = { .size = sizeof (a),
                             .policy = (uint32_t)s->policy_id,
                             .flags = s->flag_bits,
                             .nice = s->has_nice ? s->nice : 0,
                             .priority = s->has_priority ? (uint32_t)s->priority : 0,
                             .runtime = s->runtime,
                             .deadline = s->deadline,
                             .period = s->period };

  if (syscall (SYS_sched_setattr, 0, &a, 0) < 0)
    return hy_error_set (err, errno, "process.scheduler: sched_setattr (%s)", s->policy);
  return 0;
}

/* rlimits, oomScoreAdj, the scheduler and the I/O priority (runtime-spec
 * 1.2; runc 1.2 sets both in the init and in exec). */
int
lc_process_limits (const struct spec_process *p, hy_error_t *err)
{
  size_t i;
  char buf[16];

  if (p->scheduler && set_scheduler (p->scheduler, err) < 0)
    return -1;
  if (p->io_priority
      && syscall (SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
                  IOPRIO_PRIO_VALUE (p->io_priority->class_id, p->io_priority->priority))
             < 0)
    return hy_error_set (err, errno, "process.ioPriority: ioprio_set (%s, %d)",
                         p->io_priority->class_name, p->io_priority->priority);

  for (i = 0; i < p->n_rlimits; i++)
    {
      struct rlimit rl = { p->rlimits[i].soft, p->rlimits[i].hard };
      if (setrlimit (p->rlimits[i].resource, &rl) < 0)
        return hy_error_set (err, errno, "process.rlimits[%zu]: setrlimit %s", i,
                             p->rlimits[i].type);
    }
  if (p->has_oom_score_adj)
    {
      snprintf (buf, sizeof (buf), "%d", p->oom_score_adj);
      if (lc_proc_write ("/proc/self/oom_score_adj", buf, err) < 0)
        return hy_error_prefix (err, "process.oomScoreAdj");
    }
  return 0;
}

static int
load (const struct spec_seccomp *sc, const struct lc_seccomp_loader *ld, hy_error_t *err)
{
  if (sc == NULL)
    return 0;
  return ld && ld->load ? ld->load (ld->opaque, sc, err) : lc_seccomp_load (sc, NULL, err);
}

/* Without a terminal the process's stdio are the caller's pipes or files,
 * owned by root: give them to the process's user, so that it can reopen
 * /dev/stdout (runc's fixStdioPermissions, which skips /dev/null and
 * ignores EINVAL and EPERM). */
static int
fix_stdio (const struct spec_process *p, hy_error_t *err)
{
  int fd;

  if (p->terminal)
    return 0;
  for (fd = 0; fd <= 2; fd++)
    {
      struct stat st;
      if (fstat (fd, &st) < 0)
        continue;
      if ((S_ISCHR (st.st_mode) && st.st_rdev == makedev (1, 3)) || st.st_uid == p->user.uid)
        continue;
      if (fchown (fd, p->user.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM)
        return hy_error_set (err, errno, "give stdio fd %d to uid %u", fd, (unsigned)p->user.uid);
    }
  return 0;
}

/* The cwd must be inside the container's root: a cwd reached through an
 * fd of the runtime's that leaked in (runc's CVE-2024-21626, cwd
 * /proc/self/fd/N) is outside it, and the kernel's getcwd then answers a
 * path that does not start with '/' ("(unreachable)/...").  The raw
 * syscall: glibc turns that answer into ENOENT, as it does a cwd deleted
 * under us, which is refused too. */
static int
check_cwd (const struct spec_process *p, hy_error_t *err)
{
  char buf[4096];
  long n = syscall (SYS_getcwd, buf, sizeof (buf));

  if (n < 0 && errno == ERANGE)
    return 0; /* a deep path: the kernel builds it only within the root */
  if (n <= 0 || buf[0] != '/')
    return hy_error_set (err, n < 0 ? errno : EPERM,
                         "process.cwd: `%s` is outside the container's root", p->cwd);
  return 0;
}

int
lc_process_finalize (const struct spec_process *p, const struct spec_personality *pers,
                     const struct spec_seccomp *sc, int keep_from,
                     const struct lc_seccomp_loader *ld, hy_error_t *err)
{
  bool cwd_done = p->cwd == NULL || chdir (p->cwd) == 0;

  /* linux.personality: inherited through execve */
  if (pers && pers->domain
      && personality (strcmp (pers->domain, "LINUX32") == 0 ? PER_LINUX32 : PER_LINUX) < 0)
    return hy_error_set (err, errno, "linux.personality: personality(%s)", pers->domain);

  /* before the filter, so the profile need not allow fcntl */
  if (lc_fd_cloexec_from (keep_from, err) < 0 || lc_lsm_apply (p, err) < 0)
    return -1;
  if (!p->no_new_privileges && load (sc, ld, err) < 0)
    return -1;
  if (fix_stdio (p, err) < 0 || lc_caps_drop_bounding (p->capabilities, err) < 0
      || lc_caps_keep (err) < 0 || lc_user_switch (&p->user, err) < 0)
    return -1;
  if (!cwd_done && chdir (p->cwd) < 0)
    return hy_error_set (err, errno, "process.cwd: chdir `%s`", p->cwd);
  if (p->cwd && !test_hook_off (TEST_HOOK_NO_CWD_CHECK) && check_cwd (p, err) < 0)
    return -1;
  if (lc_caps_apply (p->capabilities, err) < 0)
    return -1;
  if (p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return hy_error_set (err, errno, "process.noNewPrivileges");
  return 0;
}

int
lc_process_seccomp_late (const struct spec_process *p, const struct spec_seccomp *sc,
                         const struct lc_seccomp_loader *ld, hy_error_t *err)
{
  return p->no_new_privileges ? load (sc, ld, err) : 0;
}

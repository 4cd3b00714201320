/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The last steps of every container process before execve, one sequence
 * for the container init, `exec` and (through both) the guest agent, so
 * they cannot drift apart. */
#ifndef HY_LC_FINALIZE_H
#define HY_LC_FINALIZE_H

#include "common/error.h"
#include "spec/spec.h"

/* rlimits, oomScoreAdj, scheduler, ioPriority, as root in the container's
 * namespaces. */
int lc_process_limits (const struct spec_process *p, hy_error_t *err);

/* How the seccomp filter is loaded: the init hands a notify fd to
 * linux.seccomp.listenerPath; NULL means lc_seccomp_load alone. */
struct lc_seccomp_loader
{
  int (*load) (void *opaque, const struct spec_seccomp *sc, hy_error_t *err);
  void *opaque;
};

/* runc's finalizeNamespace order: linux.personality, close-on-exec every fd from keep_from,
 * LSM label, seccomp when the process has no no_new_privs (loading then
 * needs CAP_SYS_ADMIN, which the uid switch drops: so before it), the
 * bounding set, keep-caps, the uid/gid switch, cwd (as root when it can,
 * else as the user), the capability sets, no_new_privs. */
int lc_process_finalize (const struct spec_process *p, const struct spec_personality *pers,
                         const struct spec_seccomp *sc, int keep_from,
                         const struct lc_seccomp_loader *ld, hy_error_t *err);
/* With no_new_privs, the filter goes last, right before execve (runc). */
int lc_process_seccomp_late (const struct spec_process *p, const struct spec_seccomp *sc,
                             const struct lc_seccomp_loader *ld, hy_error_t *err);

#endif

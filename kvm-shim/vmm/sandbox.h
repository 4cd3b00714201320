/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's own seccomp filter, loaded once the machine is built: a guest
 * that escapes into the VMM process meets a second wall (after the
 * container's namespaces and cgroup) that allows only what running a
 * guest needs. */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include "common/error.h"

/* Applies to every thread of the process (TSYNC).  Anything outside the
 * list kills the process. */
int vmm_sandbox_apply (hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's own seccomp filter, loaded once the machine is built: a guest
 * that escapes into the VMM process meets a second wall (after the
 * container's namespaces and cgroup) that allows only what running a
 * guest needs. */
#ifndef VMM_SANDBOX_H
#define VMM_SANDBOX_H

#include "common/error.h"

#include <linux/capability.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A folder the VMM may still use once built: everything beneath it, or
 * only writing files that are there (the exec fifo in the state dir). */
struct vmm_sandbox_dir
{
  const char *path;
  bool write_only;
};

/* Landlock: from now on this thread, and the threads it starts after,
 * reach no file outside `dirs` (the shared rootfs, the volumes, the exec
 * fifo); the fds already open stay usable.  Call before the machine's
 * threads start (Landlock has no TSYNC).  A kernel without Landlock: 0,
 * nothing applied (logged). */
int vmm_sandbox_fs (const struct vmm_sandbox_dir *dirs, size_t n, hy_error_t *err);

/* What a running VMM keeps of root's capabilities: the 9P server's
 * file-system ones (it serves the rootfs as the container's root:
 * fs/p9_cred.c raises them only on mapped inodes with a user namespace),
 * setfsuid/setfsgid with a user namespace, and CAP_NET_ADMIN with a
 * network (the tc redirects it removes at exit, net_host.c).  Nothing
 * else: no CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_KILL, CAP_MKNOD (9P refuses
 * device nodes), CAP_SETFCAP (nor xattrs), CAP_IPC_LOCK (VFIO maps guest
 * RAM before). */
#define VMM_CAPS_FS                                                                                \
  ((1ull << CAP_CHOWN) | (1ull << CAP_DAC_OVERRIDE) | (1ull << CAP_DAC_READ_SEARCH)                \
   | (1ull << CAP_FOWNER) | (1ull << CAP_FSETID))
#define VMM_CAPS_IDMAP ((1ull << CAP_SETUID) | (1ull << CAP_SETGID))
#define VMM_CAPS_NET (1ull << CAP_NET_ADMIN)

/* Keep only `keep` (VMM_CAPS_*) of the capabilities held: in the
 * bounding, permitted and effective sets; none inheritable or ambient.
 * Per thread: call before the machine's threads start. */
int vmm_sandbox_caps (uint64_t keep, hy_error_t *err);

/* Applies to every thread of the process (TSYNC).  Anything outside the
 * list kills the process. */
int vmm_sandbox_apply (hy_error_t *err);

#endif

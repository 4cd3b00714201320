/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's seccomp allow list (sandbox.h), grouped by what needs it.  Not
 * on the list: execve, ptrace, mount, setns/unshare, bpf, process_vm_*,
 * keyctl, socket creation, kexec... nothing a running VMM does.  clone is
 * allowed only for threads; clone3 answers ENOSYS (its flags sit in
 * memory, out of seccomp's reach), and glibc then falls back to clone. */
#include "kvm-shim/vmm/sandbox.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>

static const char *const allowed[] = {
  /* memory */
  "brk",
  "mmap",
  "munmap",
  "mremap",
  "mprotect",
  "madvise",
  /* threads, signals, time */
  "futex",
  "set_robust_list",
  "rseq",
  "sched_yield",
  "gettid",
  "getpid",
  "tgkill",
  "tkill",
  "kill",
  "rt_sigprocmask",
  "rt_sigaction",
  "rt_sigreturn",
  "sigaltstack",
  "exit",
  "exit_group",
  "restart_syscall",
  "nanosleep",
  "clock_nanosleep",
  "clock_gettime",
  "gettimeofday",
  "prctl",
  /* vCPUs, interrupts, the event loop, the control socket */
  "ioctl",
  "read",
  "write",
  "readv",
  "writev",
  "pread64",
  "pwrite64",
  "preadv",
  "pwritev",
  "preadv2",
  "pwritev2",
  "lseek",
  "close",
  "dup",
  "dup3",
  "fcntl",
  "epoll_wait",
  "epoll_pwait",
  "epoll_ctl",
  "poll",
  "ppoll",
  "eventfd2",
  "signalfd4",
  "sendmsg",
  "sendto",
  "recvmsg",
  "recvfrom",
  "shutdown",
  "pipe2",
  /* `hyrun exec` clients on the exec socket (bound by the runtime) */
  "accept4",
  /* the 9P server, inside the shared folder (it resolves every path
   * beneath its root itself) and the exec fifo */
  "openat",
  "openat2",
  "newfstatat",
  "fstat",
  "statx",
  "fstatfs",
  "getdents64",
  "mkdirat",
  "unlinkat",
  "renameat",
  "renameat2",
  "linkat",
  "symlinkat",
  "readlinkat",
  "mknodat",
  "fchownat",
  "fchown",
  "fchmodat",
  "fchmod",
  "ftruncate",
  /* setattr's size and mode go through /proc/self/fd/N of an O_PATH open
   * (fs/p9_ops.c via_proc): glibc's truncate and chmod are these calls */
  "truncate",
  "chmod",
  "fallocate",
  "fsync",
  "fdatasync",
  "utimensat",
  "flock",
  "fgetxattr",
  "flistxattr",
  "fsetxattr",
  "fremovexattr",
  "umask",
  /* a container with a user namespace: each request as its mapped ids,
   * fs capabilities only on the namespace's own inodes (fs/p9_cred.c) */
  "setfsuid",
  "setfsgid",
  "capget",
  "capset",
  "getuid",
  "getgid",
  "geteuid",
  "getegid",
};

int
vmm_sandbox_apply (hy_error_t *err)
{
  scmp_filter_ctx ctx = seccomp_init (SCMP_ACT_KILL_PROCESS);
  size_t i;
  int r = 0;

  if (ctx == NULL)
    return hy_error_set (err, ENOMEM, "VMM seccomp filter");
  for (i = 0; i < sizeof (allowed) / sizeof (allowed[0]) && r == 0; i++)
    {
      int nr = seccomp_syscall_resolve_name (allowed[i]);
      if (nr != __NR_SCMP_ERROR)
        r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, nr, 0, NULL);
    }
  if (r == 0)
    {
      struct scmp_arg_cmp thread = SCMP_A0 (SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD);
      r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, SCMP_SYS (clone), 1, &thread);
    }
  if (r == 0)
    r = seccomp_rule_add_array (ctx, SCMP_ACT_ERRNO (ENOSYS), SCMP_SYS (clone3), 0, NULL);
  if (r == 0)
    r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_TSYNC, 1);
  if (r == 0)
    r = seccomp_load (ctx);
  seccomp_release (ctx);
  if (r < 0)
    return hy_error_set (err, -r, "load the VMM seccomp filter");
  return 0;
}

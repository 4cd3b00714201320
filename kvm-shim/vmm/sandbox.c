/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's seccomp allow list (sandbox.h), grouped by what needs it.  Not
 * on the list: execve, ptrace, mount, setns/unshare, bpf, process_vm_*,
 * keyctl, socket creation, kexec... nothing a running VMM does.  clone is
 * allowed only for threads; clone3 answers ENOSYS (its flags sit in
 * memory, out of seccomp's reach), and glibc then falls back to clone.
 * Narrowed by argument: ioctl only for KVM's and VFIO's requests (and the two
 * read-only terminal queries stdio makes), kill only of the VMM itself. */
#include "kvm-shim/vmm/sandbox.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/kvm.h>
#include <linux/landlock.h>
#include <linux/vfio.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Landlock ABI 1's file-system rights (EXECUTE .. MAKE_SYM), and REFER
 * (renames and links across folders) from ABI 2. */
#define LL_FS_V1 ((LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1)

int
vmm_sandbox_fs (const struct vmm_sandbox_dir *dirs, size_t n, hy_error_t *err)
{
  struct landlock_ruleset_attr attr = { 0 };
  long abi = syscall (SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  int rs, r = 0;
  size_t i;

  if (abi < 0 && (errno == ENOSYS || errno == EOPNOTSUPP))
    {
      hy_debug ("vmm: no Landlock in this kernel: the VMM's file system is not narrowed");
      return 0;
    }
  if (abi < 0)
    return hy_error_set (err, errno, "Landlock ABI version");
  attr.handled_access_fs = LL_FS_V1 | (abi >= 2 ? LANDLOCK_ACCESS_FS_REFER : 0);
  rs = (int)syscall (SYS_landlock_create_ruleset, &attr, sizeof (attr), 0);
  if (rs < 0)
    return hy_error_set (err, errno, "Landlock ruleset");
  for (i = 0; i < n && r == 0; i++)
    {
      struct landlock_path_beneath_attr pb = { 0 };
      int fd = open (dirs[i].path, O_PATH | O_CLOEXEC);

      if (fd < 0)
        {
          r = hy_error_set (err, errno, "Landlock: `%s`", dirs[i].path);
          break;
        }
      pb.allowed_access
          = dirs[i].write_only ? LANDLOCK_ACCESS_FS_WRITE_FILE : attr.handled_access_fs;
      pb.parent_fd = fd;
      if (syscall (SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
        r = hy_error_set (err, errno, "Landlock rule for `%s`", dirs[i].path);
      close (fd);
    }
  /* no_new_privs: required without CAP_SYS_ADMIN, and the seccomp filter
   * sets it anyway */
  if (r == 0 && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    r = hy_error_set (err, errno, "no_new_privs");
  if (r == 0 && syscall (SYS_landlock_restrict_self, rs, 0) < 0)
    r = hy_error_set (err, errno, "Landlock: restrict the VMM");
  close (rs);
  return r;
}

int
vmm_sandbox_caps (uint64_t keep, hy_error_t *err)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  uint64_t eff;
  int cap;

  if (syscall (SYS_capget, &h, d) < 0)
    return hy_error_set (err, errno, "VMM capabilities: capget");
  eff = d[0].effective | (uint64_t)d[1].effective << 32;
  /* The bounding set needs CAP_SETPCAP (still held here).  Without it
   * (hyrun not run as root) there is nothing to drop: the VMM never
   * executes a program (execve kills it, vmm_sandbox_apply). */
  for (cap = 0; (eff >> CAP_SETPCAP & 1) && prctl (PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
    if (!(keep >> cap & 1) && prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
      return hy_error_set (err, errno, "VMM capabilities: drop capability %d from the bounding set",
                           cap);
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return hy_error_set (err, errno, "VMM capabilities: clear the ambient set");
  for (cap = 0; cap < 2; cap++)
    {
      d[cap].permitted &= (uint32_t)(keep >> (32 * cap));
      d[cap].effective = d[cap].permitted;
      d[cap].inheritable = 0;
    }
  if (syscall (SYS_capset, &h, d) < 0)
    return hy_error_set (err, errno, "VMM capabilities: capset");
  return 0;
}

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
  /* ioctl: the KVM fds' requests (type KVMIO in bits 8-15), isatty's
   * TCGETS and TIOCGWINSZ; no TIOCSTI, no other driver's ioctls */
  if (r == 0)
    {
      struct scmp_arg_cmp kvm = SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xff00, KVMIO << 8);
      r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1, &kvm);
    }
  /* VFIO's requests (type ';'): an assigned device's MSI follows the
   * guest's writes to its capability (devices/vfio_pci.c) */
  if (r == 0)
    {
      struct scmp_arg_cmp vfio = SCMP_A1 (SCMP_CMP_MASKED_EQ, 0xff00, VFIO_TYPE << 8);
      r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1, &vfio);
    }
  if (r == 0)
    {
      struct scmp_arg_cmp tcgets = SCMP_A1 (SCMP_CMP_EQ, TCGETS);
      r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1, &tcgets);
    }
  if (r == 0)
    {
      struct scmp_arg_cmp winsz = SCMP_A1 (SCMP_CMP_EQ, TIOCGWINSZ);
      r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, SCMP_SYS (ioctl), 1, &winsz);
    }
  /* kill: only this process (abort() and raise() use tgkill) */
  if (r == 0)
    {
      struct scmp_arg_cmp self = SCMP_A0 (SCMP_CMP_EQ, (scmp_datum_t)getpid ());
      r = seccomp_rule_add_array (ctx, SCMP_ACT_ALLOW, SCMP_SYS (kill), 1, &self);
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

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's seccomp filter: what a running VMM does stays allowed (accept4
 * on the exec socket, the 9P server's truncate and chmod among it), and
 * anything off the list kills the process (socket creation, execve); its
 * capabilities (only the file-system ones) and Landlock rules. */
#include "kvm-shim/fs/p9.h"
#include "kvm-shim/fs/p9_wire.h"
#include "kvm-shim/vmm/sandbox.h"
#include "tests/unit/tap.h"

#include <linux/kvm.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn in a child under the filter; its wait status. */
static int
sandboxed (int (*fn) (int), int arg)
{
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      if (vmm_sandbox_apply (NULL) < 0)
        _exit (100);
      _exit (fn (arg));
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

static struct p9_server *srv;
static char share_dir[64];

/* Landlock: a file in the allowed folder can be made; /etc/passwd, opened
 * before the sandbox by anyone, cannot be opened now. */
static int
do_landlock (int unused)
{
  struct vmm_sandbox_dir d = { share_dir, false };
  char p[96];
  int fd;
  (void)unused;

  if (vmm_sandbox_fs (&d, 1, NULL) < 0)
    return 3;
  snprintf (p, sizeof (p), "%s/made", share_dir);
  if ((fd = open (p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) < 0)
    return 1;
  close (fd);
  fd = open ("/etc/passwd", O_RDONLY | O_CLOEXEC);
  return fd < 0 && errno == EACCES ? 0 : 2;
}

/* A 9P session in a child with the VMM's capabilities, under Landlock (the
 * share only) and the filter (the id map set first, as the VMM does before
 * it loads the filter); its wait status. */
static int do_p9_session (int mapped);
static int
sandboxed_p9 (const struct p9_idmap *map)
{
  struct vmm_sandbox_dir d = { share_dir, false };
  int status;
  pid_t pid = fork ();

  if (pid == 0)
    {
      if (p9_server_set_idmap (srv, map, NULL) < 0
          || vmm_sandbox_caps (VMM_CAPS_FS | (map ? VMM_CAPS_IDMAP : 0), NULL) < 0
          || vmm_sandbox_fs (&d, 1, NULL) < 0 || vmm_sandbox_apply (NULL) < 0)
        _exit (100);
      _exit (do_p9_session (map != NULL));
    }
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return status;
}

/* One capability set from /proc/self/status ("CapPrm" ...). */
static unsigned long long
cap_set (const char *name)
{
  char line[128];
  unsigned long long v = ~0ull;
  size_t n = strlen (name);
  FILE *f = fopen ("/proc/self/status", "re");

  while (f && fgets (line, sizeof (line), f))
    if (strncmp (line, name, n) == 0 && line[n] == ':')
      v = strtoull (line + n + 1, NULL, 16);
  if (f)
    fclose (f);
  return v;
}

/* The VMM's capabilities without a user namespace or network: the file
 * system's five in every set but the inheritable and ambient ones (0);
 * CAP_SYS_ADMIN (sethostname in a UTS namespace made before) and
 * CAP_MKNOD (a device node) gone; CAP_CHOWN still there.  Exit status:
 * one bit per check that failed. */
static int
do_caps (int unused)
{
  char dir[] = "/tmp/hyrun-sandbox-caps.XXXXXX", p[64];
  int fd, bad = 0;
  (void)unused;

  if (unshare (CLONE_NEWUTS) < 0 || !mkdtemp (dir))
    return 0x80;
  if (vmm_sandbox_caps (VMM_CAPS_FS, NULL) < 0)
    return 0x40;
  bad |= cap_set ("CapPrm") != VMM_CAPS_FS || cap_set ("CapEff") != VMM_CAPS_FS;
  bad |= (cap_set ("CapBnd") != VMM_CAPS_FS) << 1;
  bad |= (cap_set ("CapInh") != 0 || cap_set ("CapAmb") != 0) << 2;
  bad |= !(sethostname ("x", 1) < 0 && errno == EPERM) << 3;
  snprintf (p, sizeof (p), "%s/null", dir);
  bad |= !(mknod (p, S_IFCHR | 0600, makedev (1, 3)) < 0 && errno == EPERM) << 4;
  snprintf (p, sizeof (p), "%s/f", dir);
  fd = open (p, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
  bad |= (fd < 0 || fchown (fd, 1234, 1234) < 0) << 5;
  if (fd >= 0)
    close (fd);
  unlink (p);
  snprintf (p, sizeof (p), "%s/null", dir);
  unlink (p);
  rmdir (dir);
  return bad;
}

/* A non-blocking listener with nobody connecting: EAGAIN, not SIGSYS. */
static int
do_accept4 (int listen_fd)
{
  int fd = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  return fd < 0 && errno == EAGAIN ? 0 : 1;
}

/* A guest's Tsetattr of size and mode (an O_TRUNC open of an existing
 * file, a chmod), as the 9P server does it: through /proc/self/fd of an
 * O_PATH open (fs/p9_ops.c). */
static int
do_setattr_via_proc (int path_fd)
{
  char proc[64];
  struct stat st;

  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", path_fd);
  if (truncate (proc, 0) < 0 || chmod (proc, 0600) < 0 || fstat (path_fd, &st) < 0)
    return 1;
  return st.st_size == 0 && (st.st_mode & 07777) == 0600 ? 0 : 1;
}

static int
do_socket (int unused)
{
  (void)unused;
  return socket (AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1;
}

static int
do_execve (int unused)
{
  char *argv[] = { (char *)"/bin/true", NULL };
  (void)unused;
  execve ("/bin/true", argv, NULL);
  return 1;
}

/* ioctl: KVM's requests pass (on /dev/kvm where there is one), stdio's
 * isatty too; another driver's request kills */
static int
do_kvm_ioctl (int kvm_fd)
{
  if (kvm_fd >= 0 && ioctl (kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
    return 1;
  return isatty (STDIN_FILENO) || errno == ENOTTY || errno == EBADF ? 0 : 2;
}

static int
do_fionread (int unused)
{
  int fds[2], n;
  (void)unused;
  if (pipe (fds) < 0)
    return 1;
  return ioctl (fds[0], FIONREAD, &n) == 0 ? 0 : 1;
}

static int
do_tiocsti (int unused)
{
  char c = 'x';
  (void)unused;
  ioctl (STDIN_FILENO, TIOCSTI, &c);
  return 0;
}

/* kill: the VMM may signal itself (signal 0: a probe), nobody else */
static int
do_kill_self (int unused)
{
  (void)unused;
  return kill (getpid (), 0) == 0 ? 0 : 1;
}

static int
do_kill_parent (int unused)
{
  (void)unused;
  kill (getppid (), 0);
  return 0;
}

/* --- a 9P session under the filter: every call the server makes for a
 * guest must be on the list (a chmod by path once killed the VMM) --- */

static uint8_t req[8192], resp[8192];

/* one request: 4 = u32, 8 = u64, s = string; returns the reply type */
static int
p9 (uint8_t type, const char *fmt, ...)
{
  struct p9_wr w = { req, sizeof (req), 7, false };
  va_list ap;

  va_start (ap, fmt);
  for (; *fmt; fmt++)
    if (*fmt == '4')
      p9_put32 (&w, va_arg (ap, uint32_t));
    else if (*fmt == '8')
      p9_put64 (&w, va_arg (ap, uint64_t));
    else if (*fmt == '2')
      p9_put16 (&w, (uint16_t)va_arg (ap, int));
    else
      p9_putstr (&w, va_arg (ap, const char *));
  va_end (ap);
  memcpy (req, &(uint32_t){ (uint32_t)w.off }, 4);
  req[4] = type;
  req[5] = req[6] = 0;
  return p9_server_handle (srv, req, w.off, resp, sizeof (resp)) >= 7 ? resp[4] : 0;
}

/* Returns the number of requests that did not get their R-message. */
static int
do_p9_session (int mapped)
{
  uint32_t owner = mapped ? 100000 : 0; /* what Tsetattr chowns to */
  int bad = 0;

  bad += p9 (100, "4s", 8192, "9P2000.L") != 101;
  bad += p9 (104, "44ss4", 0, ~0u, "root", "", 0u) != 105;
  bad += p9 (110, "442", 0, 1, 0) != 111;
  bad += p9 (14, "4s444", 1, "f", (uint32_t)(O_RDWR | O_CREAT), 0644u, 0u) != 15;
  bad += p9 (118, "4844", 1, (uint64_t)0, 4u, 0x41414141u) != 119;
  bad += p9 (26, "4444488888", 1, 0x1u | 0x2u | 0x4u | 0x8u | 0x10u | 0x20u, 04755u, owner, owner,
             (uint64_t)1, (uint64_t)0, (uint64_t)0, (uint64_t)0, (uint64_t)0)
         != 27;
  bad += p9 (24, "48", 1, (uint64_t)0x7ff) != 25;
  bad += p9 (72, "4s44", 0, "d", 0755u, 0u) != 73;
  bad += p9 (16, "4ss4", 0, "ln", "f", 0u) != 17;
  bad += p9 (110, "442s", 0, 2, 1, "ln") != 111 || p9 (22, "4", 2) != 23;
  bad += p9 (74, "4s4s", 0, "f", 0, "g") != 75;
  bad += p9 (110, "442", 0, 3, 0) != 111
         || p9 (12, "44", 3, (uint32_t)(O_RDONLY | O_DIRECTORY)) != 13;
  bad += p9 (40, "484", 3, (uint64_t)0, 4096u) != 41;
  bad += p9 (8, "4", 0) != 9 || p9 (50, "4", 1) != 51;
  bad += p9 (76, "4s4", 0, "ln", 0u) != 77;
  bad += p9 (120, "4", 1) != 121;
  return bad;
}

static int
p9_under_filter (const struct p9_idmap *map)
{
  char *dir = share_dir, cmd[96];
  hy_error_t err = NULL;
  int st;

  strcpy (share_dir, "/tmp/hyrun-sandbox-p9.XXXXXX");
  if (!mkdtemp (dir) || chown (dir, 100000, 100000) < 0)
    abort ();
  srv = p9_server_create (dir, &err);
  if (srv == NULL)
    abort ();
  st = sandboxed_p9 (map);
  p9_server_destroy (srv);
  snprintf (cmd, sizeof (cmd), "rm -rf %s", dir);
  if (system (cmd) != 0)
    tap_diag ("could not remove %s", dir);
  return st;
}

int
main (void)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  char file[] = "/tmp/hyrun-test-sandbox-XXXXXX";
  int lfd, st, fd;

  tap_plan (13);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  /* an abstract address: nothing on disk */
  snprintf (sa.sun_path + 1, sizeof (sa.sun_path) - 1, "hyrun-test-sandbox-%d", getpid ());
  if (lfd < 0 || bind (lfd, (struct sockaddr *)&sa, sizeof (sa)) < 0 || listen (lfd, 1) < 0)
    abort ();
  st = sandboxed (do_accept4, lfd);
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "accept4 on the exec socket is allowed (status %#x)", st);
  fd = mkstemp (file);
  if (fd < 0 || write (fd, "data", 4) != 4)
    abort ();
  close (fd);
  fd = open (file, O_PATH | O_CLOEXEC);
  if (fd < 0)
    abort ();
  st = sandboxed (do_setattr_via_proc, fd);
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "the 9P server's truncate and chmod through /proc/self/fd are allowed (status %#x)", st);
  close (fd);
  unlink (file);
  st = sandboxed (do_socket, 0);
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS,
          "creating a socket kills the VMM (status %#x)", st);
  st = sandboxed (do_execve, 0);
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS, "execve kills the VMM (status %#x)", st);
  close (lfd);
  {
    int kvm = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
    st = sandboxed (do_kvm_ioctl, kvm);
    tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
            "KVM ioctls (%s) and isatty are allowed (status %#x)",
            kvm >= 0 ? "KVM_GET_API_VERSION on /dev/kvm" : "no /dev/kvm here", st);
    if (kvm >= 0)
      close (kvm);
  }
  st = sandboxed (do_fionread, 0);
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS,
          "another ioctl (FIONREAD on a pipe) kills the VMM (status %#x)", st);
  st = sandboxed (do_tiocsti, 0);
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS,
          "TIOCSTI (typing into a terminal) kills the VMM (status %#x)", st);
  st = sandboxed (do_kill_self, 0);
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0, "kill of itself is allowed (status %#x)", st);
  st = sandboxed (do_kill_parent, 0);
  tap_ok (WIFSIGNALED (st) && WTERMSIG (st) == SIGSYS,
          "kill of another process kills the VMM (status %#x)", st);
  if (geteuid () != 0)
    tap_skip ("not root: there are no capabilities to drop",
              "the VMM keeps only the file-system capabilities");
  else
    {
      pid_t pid = fork ();
      if (pid == 0)
        _exit (do_caps (0));
      while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
        ;
      tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
              "the VMM keeps only the file-system capabilities (0x%llx): no CAP_SYS_ADMIN, "
              "no CAP_MKNOD, none inheritable or ambient, the bounding set the same (status %#x)",
              (unsigned long long)VMM_CAPS_FS, st);
    }
  strcpy (share_dir, "/tmp/hyrun-sandbox-ll.XXXXXX");
  if (!mkdtemp (share_dir))
    abort ();
  {
    pid_t pid = fork ();
    if (pid == 0)
      _exit (do_landlock (0));
    while (waitpid (pid, &st, 0) < 0 && errno == EINTR)
      ;
  }
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "Landlock: the VMM makes files in its share, /etc/passwd is EACCES (status %#x)", st);
  {
    char cmd[96];
    snprintf (cmd, sizeof (cmd), "rm -rf %s", share_dir);
    if (system (cmd) != 0)
      tap_diag ("could not remove %s", share_dir);
  }
  st = p9_under_filter (NULL);
  tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
          "a 9P session (create, write, setattr of all, mkdir, symlink, rename, readdir...) "
          "runs under the filter (status %#x)",
          st);
  {
    struct p9_idmap map = {
      .uid = { { 0, 100000, 65536 } }, .gid = { { 0, 100000, 65536 } }, .n_uid = 1, .n_gid = 1
    };
    st = p9_under_filter (&map);
    tap_ok (WIFEXITED (st) && WEXITSTATUS (st) == 0,
            "and with a user namespace's id map (setfsuid, capset) (status %#x)", st);
  }
  return tap_done ();
}

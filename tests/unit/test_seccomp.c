/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp on the real kernel: every case forks a child that loads a
 * hand-built spec_seccomp and reports what the filtered syscalls did
 * (errno returned, or the signal that killed it).  The NOTIFY case runs a
 * listener in the parent that answers the child's syscall. */
#include "common/cleanup.h"
#include "common/error.h"
#include "libcontainer/security.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define NAMES(...)                                                                                 \
  ((char *[]){ __VA_ARGS__, NULL }), (sizeof ((char *[]){ __VA_ARGS__ }) / sizeof (char *))
#define SET_NAMES(r, ...)                                                                          \
  ((r).names = (char *[]){ __VA_ARGS__, NULL },                                                    \
   (r).n_names = sizeof ((char *[]){ __VA_ARGS__ }) / sizeof (char *))
#define BADFD 1000

typedef int (*probe_fn) (void);

/* Child: load sc (with NNP, as an unprivileged-safe default), run probe,
 * exit with its result.  Parent: the exit code, or 128+signal. */
static int
in_child (const struct spec_seccomp *sc, probe_fn probe)
{
  pid_t pid = fork ();
  int status;

  if (pid == 0)
    {
      hy_error_t err = NULL;
      struct rlimit no_core = { 0, 0 };
      setrlimit (RLIMIT_CORE, &no_core); /* SIGSYS would dump core */
      if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        _exit (201);
      if (lc_seccomp_load (sc, NULL, &err) < 0)
        {
          printf ("# load: %s\n", err->msg);
          fflush (stdout);
          _exit (200);
        }
      _exit (probe ());
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return -1;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static int
errno_of (long r)
{
  return r < 0 ? errno : 0;
}

static int
probe_getcwd_mkdir (void)
{
  char buf[256];
  int a = getcwd (buf, sizeof (buf)) == NULL ? errno : 0;
  int b = errno_of (mkdir ("/nonexistent-dir/x", 0700));
  return a == 38 && b == 38 ? 0 : 1;
}

static int
probe_getcwd (void)
{
  char buf[256];
  return getcwd (buf, sizeof (buf)) == NULL ? errno : 0;
}

static int
probe_getppid (void)
{
  syscall (SYS_getppid);
  return 0;
}

/* personality(0xffffffff) only queries; blocked by the arg rule. */
static int
probe_personality (void)
{
  int blocked = errno_of (syscall (SYS_personality, 0xffffffffUL));
  int other = errno_of (syscall (SYS_personality, 0xffffffffUL - 1)) == 0
              && errno_of (syscall (SYS_personality, 0UL)) == 0;
  return blocked == 1 && other ? 0 : 1;
}

/* lseek(BADFD, off, 0): EBADF when allowed, 38 when the filter blocks it.
 * Returns a bitmap of which offsets in offs[] were blocked. */
static const unsigned long offs[] = { 0, 5, 10, 15, 0x1234 };

static int
probe_lseek_bitmap (void)
{
  int bits = 0;
  size_t i;

  for (i = 0; i < sizeof (offs) / sizeof (offs[0]); i++)
    if (errno_of (syscall (SYS_lseek, BADFD, offs[i], 0)) == 38)
      bits |= 1 << i;
  return bits;
}

/* socket(AF_VSOCK) blocked, socket(AF_UNIX) allowed. */
static int
probe_socket (void)
{
  int vsock = errno_of (socket (40 /* AF_VSOCK */, SOCK_STREAM, 0));
  int unix_fd = socket (AF_UNIX, SOCK_STREAM, 0);
  return vsock == 38 && unix_fd >= 0 ? 0 : 1;
}

static struct spec_seccomp
allow_default (struct spec_seccomp_syscall *rules, size_t n)
{
  return (struct spec_seccomp){ .default_action = "SCMP_ACT_ALLOW",
                                .default_action_id = SCMP_ACT_ALLOW,
                                .syscalls = rules,
                                .n_syscalls = n };
}

/* One lseek rule with arg1 OP value; returns the blocked bitmap. */
static int
op_case (const char *op, uint64_t value, uint64_t value_two)
{
  struct spec_seccomp_arg arg
      = { .index = 1, .value = value, .value_two = value_two, .op = (char *)op };
  struct spec_seccomp_syscall r = { NAMES ("lseek"),       .action = "SCMP_ACT_ERRNO",
                                    .has_errno_ret = true, .errno_ret = 38,
                                    .args = &arg,          .n_args = 1 };
  struct spec_seccomp sc = allow_default (&r, 1);
  return in_child (&sc, probe_lseek_bitmap);
}

static void
test_ops (void)
{
  /* offs: 0 5 10 15 0x1234 -> bit i set when blocked */
  tap_ok (op_case ("SCMP_CMP_EQ", 10, 0) == 0x04, "seccomp: SCMP_CMP_EQ");
  tap_ok (op_case ("SCMP_CMP_NE", 10, 0) == 0x1b, "seccomp: SCMP_CMP_NE");
  tap_ok (op_case ("SCMP_CMP_LT", 10, 0) == 0x03, "seccomp: SCMP_CMP_LT");
  tap_ok (op_case ("SCMP_CMP_LE", 10, 0) == 0x07, "seccomp: SCMP_CMP_LE");
  tap_ok (op_case ("SCMP_CMP_GT", 10, 0) == 0x18, "seccomp: SCMP_CMP_GT");
  tap_ok (op_case ("SCMP_CMP_GE", 10, 0) == 0x1c, "seccomp: SCMP_CMP_GE");
  tap_ok (op_case ("SCMP_CMP_MASKED_EQ", 0xff, 0x34) == 0x10, "seccomp: SCMP_CMP_MASKED_EQ");
}

static void
test_arg_logic (void)
{
  /* Same index twice: ORed (two rules), as runc. */
  struct spec_seccomp_arg same[]
      = { { 1, 5, 0, "SCMP_CMP_EQ", 0 }, { 1, 15, 0, "SCMP_CMP_EQ", 0 } };
  /* Different indexes: ANDed in one rule. */
  struct spec_seccomp_arg diff[]
      = { { 0, BADFD, 0, "SCMP_CMP_EQ", 0 }, { 1, 10, 0, "SCMP_CMP_GE", 0 } };
  struct spec_seccomp_arg diff2[]
      = { { 0, 7, 0, "SCMP_CMP_EQ", 0 }, { 1, 10, 0, "SCMP_CMP_GE", 0 } };
  struct spec_seccomp_syscall r
      = { NAMES ("lseek"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = 38 };
  struct spec_seccomp sc = allow_default (&r, 1);

  r.args = same, r.n_args = 2;
  tap_ok (in_child (&sc, probe_lseek_bitmap) == 0x0a, "seccomp: conditions on one index are ORed");
  r.args = diff, r.n_args = 2;
  tap_ok (in_child (&sc, probe_lseek_bitmap) == 0x1c,
          "seccomp: conditions on two indexes are ANDed");
  r.args = diff2;
  tap_ok (in_child (&sc, probe_lseek_bitmap) == 0,
          "seccomp: an AND with a false term blocks nothing");
}

static void
test_actions (void)
{
  struct spec_seccomp_syscall r = { NAMES ("getcwd", "mkdir"), .action = "SCMP_ACT_ERRNO",
                                    .has_errno_ret = true, .errno_ret = 38 };
  struct spec_seccomp sc = allow_default (&r, 1);
  struct spec_seccomp_arg pers = { 0, 0xffffffffUL, 0, "SCMP_CMP_EQ", 0 };

  tap_ok (in_child (&sc, probe_getcwd_mkdir) == 0,
          "seccomp: ERRNO errnoRet=38 on getcwd and mkdir");
  r.has_errno_ret = false;
  tap_ok (in_child (&sc, probe_getcwd) == EPERM, "seccomp: ERRNO without errnoRet is EPERM");
  /* Resolved ids only (no names), as the spec/ parser may hand them. */
  r.action = NULL, r.action_id = SCMP_ACT_ERRNO (0), r.has_errno_ret = true, r.errno_ret = 38;
  tap_ok (in_child (&sc, probe_getcwd) == 38, "seccomp: action_id without a name");
  SET_NAMES (r, "getppid");
  r.action = "SCMP_ACT_KILL";
  tap_ok (in_child (&sc, probe_getppid) == 128 + SIGSYS,
          "seccomp: SCMP_ACT_KILL kills with SIGSYS");
  r.action = "SCMP_ACT_KILL_PROCESS";
  tap_ok (in_child (&sc, probe_getppid) == 128 + SIGSYS, "seccomp: SCMP_ACT_KILL_PROCESS");
  r.action = "SCMP_ACT_KILL_THREAD";
  tap_ok (in_child (&sc, probe_getppid) == 128 + SIGSYS, "seccomp: SCMP_ACT_KILL_THREAD");
  r.action = "SCMP_ACT_TRAP";
  tap_ok (in_child (&sc, probe_getppid) == 128 + SIGSYS, "seccomp: SCMP_ACT_TRAP raises SIGSYS");
  r.action = "SCMP_ACT_LOG";
  tap_ok (in_child (&sc, probe_getppid) == 0, "seccomp: SCMP_ACT_LOG lets the call through");
  /* TRACE without a tracer: the kernel fails the call with ENOSYS. */
  SET_NAMES (r, "getcwd");
  r.action = "SCMP_ACT_TRACE";
  tap_ok (in_child (&sc, probe_getcwd) == ENOSYS,
          "seccomp: SCMP_ACT_TRACE without a tracer is ENOSYS");
  SET_NAMES (r, "personality");
  r.action = "SCMP_ACT_ERRNO", r.errno_ret = 1, r.args = &pers, r.n_args = 1;
  tap_ok (in_child (&sc, probe_personality) == 0,
          "seccomp: personality blocked only for arg0 == 0xffffffff");
}

static void
test_default_and_names (void)
{
  struct spec_seccomp_syscall allow[] = {
    { NAMES ("this_syscall_does_not_exist", "getcwd"), .action = "SCMP_ACT_ERRNO",
      .has_errno_ret = true, .errno_ret = 38 },
    { NAMES ("mkdir"), .action = "SCMP_ACT_ALLOW" }, /* equals the default: skipped */
  };
  struct spec_seccomp sc = allow_default (allow, 2);
  char *archs[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" };
  char *flags[] = { "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
                    "SECCOMP_FILTER_FLAG_TSYNC" };
  char *bad_arch[] = { "SCMP_ARCH_PDP11" };
  cleanup_error hy_error_t err = NULL;

  tap_ok (in_child (&sc, probe_getcwd) == 38,
          "seccomp: unknown syscall names are ignored, default-action rules skipped");
  sc.architectures = archs, sc.n_architectures = 3;
  sc.flags = flags, sc.n_flags = 3;
  tap_ok (in_child (&sc, probe_getcwd) == 38, "seccomp: architectures and flags accepted");
  /* Default ERRNO with defaultErrnoRet: the probe's getcwd hits the default. */
  sc = (struct spec_seccomp){ .default_action = "SCMP_ACT_ERRNO",
                              .has_default_errno_ret = true,
                              .default_errno_ret = 38 };
  {
    struct spec_seccomp_syscall keep[] = {
      { NAMES ("exit_group", "exit", "prctl", "seccomp", "brk", "mmap", "munmap", "write", "futex",
               "rt_sigprocmask", "getpid", "gettid",
               /* what the ASan runtime needs around an intercepted call */
               "sigaltstack", "rt_sigaction", "madvise", "mprotect", "close", "read", "openat",
               "newfstatat", "fstat", "getrandom", "sched_yield", "prlimit64"),
        .action = "SCMP_ACT_ALLOW" },
    };
    sc.syscalls = keep, sc.n_syscalls = 1;
    tap_ok (in_child (&sc, probe_getcwd) == 38,
            "seccomp: defaultAction ERRNO with defaultErrnoRet");
  }
  {
    /* Docker's default profile shape: three x86 ABIs, a multiplexed
     * syscall with an argument condition, syscalls missing on some ABIs. */
    struct spec_seccomp_arg vsock = { 0, 40, 0, "SCMP_CMP_EQ", 0 };
    struct spec_seccomp_syscall rules[] = {
      { NAMES ("socket"), .action = "SCMP_ACT_ERRNO", .has_errno_ret = true, .errno_ret = 38,
        .args = &vsock, .n_args = 1 },
      { NAMES ("arch_prctl", "socketcall", "modify_ldt"), .action = "SCMP_ACT_ERRNO" },
    };
    sc = allow_default (rules, 2);
    sc.architectures = archs, sc.n_architectures = 3;
    tap_ok (in_child (&sc, probe_socket) == 0,
            "seccomp: multi-arch filter with an argument rule on socket()");
  }
  sc = allow_default (allow, 1);
  sc.architectures = bad_arch, sc.n_architectures = 1;
  tap_ok (lc_seccomp_load (&sc, NULL, &err) < 0 && strstr (err->msg, "architectures[0]"),
          "seccomp: unknown architecture is an error naming it");
}

/* The listener side, in the parent. */
static int
listen_unix (const char *path)
{
  struct sockaddr_un a = { .sun_family = AF_UNIX };
  int s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  strcpy (a.sun_path, path);
  if (s < 0 || bind (s, (struct sockaddr *)&a, sizeof (a)) < 0 || listen (s, 1) < 0)
    return -1;
  return s;
}

static int
recv_state (int s, char *buf, size_t len)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { buf, len - 1 };
  struct msghdr m
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  cleanup_close int c = accept4 (s, NULL, NULL, SOCK_CLOEXEC);
  struct cmsghdr *h;
  ssize_t n;
  int fd = -1;

  if (c < 0 || (n = recvmsg (c, &m, MSG_CMSG_CLOEXEC)) <= 0)
    return -1;
  buf[n] = '\0';
  h = CMSG_FIRSTHDR (&m);
  if (h && h->cmsg_type == SCM_RIGHTS)
    memcpy (&fd, CMSG_DATA (h), sizeof (int));
  return fd;
}

/* Answer one notification with errno 38 (sent as a negative error). */
static int
answer_one (int fd)
{
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  int r;

  if (seccomp_notify_alloc (&req, &resp) < 0)
    return -1;
  r = seccomp_notify_receive (fd, req);
  if (r == 0)
    {
      resp->id = req->id;
      resp->error = -38;
      r = seccomp_notify_respond (fd, resp);
    }
  seccomp_notify_free (req, resp);
  return r;
}

static void
test_notify (bool wait_killable)
{
  char dir[] = "/tmp/hy-seccomp-XXXXXX", path[128], msg[4096];
  struct spec_seccomp_syscall r = { NAMES ("getcwd"), .action = "SCMP_ACT_NOTIFY" };
  struct spec_seccomp sc = allow_default (&r, 1);
  char *flags[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" };
  int s, fd = -1, status = -1;
  pid_t pid;

  if (wait_killable)
    sc.flags = flags, sc.n_flags = 1;
  snprintf (path, sizeof (path), "%s/listener.sock", mkdtemp (dir));
  s = listen_unix (path);
  pid = fork ();
  if (pid == 0)
    {
      hy_error_t err = NULL;
      int nfd = -1;
      char st[128];
      snprintf (st, sizeof (st),
                "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"status\":\"creating\","
                "\"pid\":%d,\"annotations\":{\"pid\":\"no\"}}",
                getpid ());
      int sock = wait_killable ? lc_seccomp_listener_connect (path, &err) : -1;
      if ((wait_killable && sock < 0) || lc_seccomp_load (&sc, &nfd, &err) < 0 || nfd < 0
          || (wait_killable ? lc_seccomp_send_listener_fd (sock, "meta=1", nfd, st, &err)
                            : lc_seccomp_send_listener (path, "meta=1", nfd, st, &err))
                 < 0)
        _exit ((printf ("# %s\n", err ? err->msg : "no listener fd"), fflush (stdout), 200));
      close (nfd);
      _exit (probe_getcwd ());
    }
  if (s >= 0)
    fd = recv_state (s, msg, sizeof (msg));
  if (fd >= 0)
    answer_one (fd);
  waitpid (pid, &status, 0);
  {
    char want[128];
    snprintf (want, sizeof (want), "\"pid\":%d,", pid);
    tap_ok (fd >= 0 && strstr (msg, "\"fds\":[\"seccompFd\"]") && strstr (msg, want)
                && strstr (msg, "\"metadata\":\"meta=1\"")
                && strstr (msg, "\"state\":{\"ociVersion\""),
            "seccomp: NOTIFY%s sends the listener fd and the process state",
            wait_killable ? " (WAIT_KILLABLE_RECV)" : "");
    if (fd < 0 || !strstr (msg, want))
      tap_diag ("message: %s", msg);
  }
  tap_ok (WIFEXITED (status) && WEXITSTATUS (status) == 38,
          "seccomp: the listener's answer reaches the notified syscall");
  if (fd >= 0)
    close (fd);
  if (s >= 0)
    close (s);
  unlink (path);
  rmdir (dir);
}

int
main (void)
{
  tap_plan (29);
  fflush (stdout);
  test_actions ();
  test_ops ();
  test_arg_logic ();
  test_default_and_names ();
  test_notify (false);
  test_notify (true);
  return tap_done ();
}

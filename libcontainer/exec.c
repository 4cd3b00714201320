/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `exec` into a running container.  Stages, visible in ps:
 *   caller          - waits for the new pid, then for an error or EOF
 *   hyrun:exec-join - opens the init's namespaces, joins the cgroup and
 *                     the namespaces (user first, mount last), clones the
 *                     process with CLONE_PARENT so it is the caller's child,
 *                     reports its pid and exits
 *   hyrun:exec      - the process: terminal, limits, user, capabilities,
 *                     seccomp in runc's order (security.h), then execve.
 * Errors before the exec travel back over a close-on-exec pipe: EOF there
 * means the exec happened. */
#include "common/cleanup.h"
#include "common/log.h"
#include "common/test_hook.h"
#include "common/xalloc.h"
#include "libcontainer/exec.h"
#include "libcontainer/fd.h"
#include "libcontainer/finalize.h"
#include "libcontainer/lsm.h"
#include "libcontainer/path.h"
#include "libcontainer/security.h"
#include "libcontainer/user.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Join order: user first (it grants the rights for the rest), mount last
 * (the paths opened before it are host paths). */
static const struct
{
  const char *name;
  int flag;
} ns_order[] = {
  { "user", CLONE_NEWUSER }, { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS },
  { "net", CLONE_NEWNET },   { "pid", CLONE_NEWPID }, { "cgroup", CLONE_NEWCGROUP },
  { "time", CLONE_NEWTIME }, { "mnt", CLONE_NEWNS },
};
#define N_NS (sizeof (ns_order) / sizeof (ns_order[0]))

/* Report an error to the caller and end this process. */
__attribute__ ((noreturn)) static void
die (int errfd, hy_error_t *err)
{
  const char *msg = *err ? (*err)->msg : "unknown error";
  if (write (errfd, msg, strlen (msg)) < 0)
    _exit (126);
  _exit (126);
}

static int
open_namespaces (pid_t pid, int fds[N_NS], hy_error_t *err)
{
  size_t i;

  for (i = 0; i < N_NS; i++)
    {
      char theirs[64], ours[64];
      struct stat a, b;

      fds[i] = -1;
      snprintf (theirs, sizeof (theirs), "/proc/%d/ns/%s", pid, ns_order[i].name);
      snprintf (ours, sizeof (ours), "/proc/self/ns/%s", ns_order[i].name);
      if (stat (theirs, &a) < 0)
        {
          if (errno == ENOENT && kill (pid, 0) == 0)
            continue; /* this kernel lacks the namespace type */
          return hy_error_set (err, errno, "the container's init (pid %d) is gone", pid);
        }
      if (stat (ours, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
        continue;
      fds[i] = open (theirs, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0)
        return hy_error_set (err, errno, "open `%s`", theirs);
    }
  return 0;
}

/* The process itself, in every namespace of the container. */
__attribute__ ((noreturn)) static void
exec_stage (const struct spec_process *p, const struct lc_exec_config *cfg, int console, int errfd)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_strv char **env = NULL;
  cleanup_free char *exe = NULL;
  int slave = -1;

  prctl (PR_SET_NAME, "hyrun:exec");
  if (console >= 0
      && (lc_terminal_setup (console, p, &slave, &err) < 0 || lc_terminal_attach (slave, &err) < 0))
    die (errfd, &err);
  if (console >= 0)
    close (console);
  else if (setsid () < 0 && errno != EPERM)
    hy_debug ("exec: setsid: %s", strerror (errno));
  if (lc_process_limits (p, &err) < 0)
    die (errfd, &err);
  env = lc_user_env (p);
  exe = lc_user_find_exec (p->args[0], env, &err);
  if (exe == NULL)
    die (errfd, &err);
  /* the init's sequence (finalize.h): seccomp before the uid switch
   * unless no_new_privs */
  if (lc_process_finalize (p, cfg->personality, cfg->seccomp, 3 + cfg->preserve_fds, NULL, &err) < 0
      || lc_process_seccomp_late (p, cfg->seccomp, NULL, &err) < 0)
    die (errfd, &err);
  test_hook_stop ("exec-before-execve");
  execve (exe, p->args, env);
  hy_error_set (&err, errno, "exec `%s`", exe);
  die (errfd, &err);
}

/* The helper: join, clone the process as the caller's child, report. */
__attribute__ ((noreturn)) static void
join_stage (const struct spec_process *p, const struct lc_exec_config *cfg, int pidfd_w, int errfd)
{
  cleanup_error hy_error_t err = NULL;
  int fds[N_NS], console = -1;
  size_t i;
  pid_t pid;

  prctl (PR_SET_NAME, "hyrun:exec-join");
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* Not dumpable from before the first setns until the execve (which makes
   * the process dumpable again as its binary allows): in between it holds
   * the runtime's memory and fds inside the container, where a process of
   * the container's could ptrace it or open its /proc/PID/fd (runc's
   * CVE-2016-9962).  The clone below inherits it. */
  if (!test_hook_off (TEST_HOOK_EXEC_DUMPABLE) && prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    {
      hy_error_set (&err, errno, "exec: prctl(PR_SET_DUMPABLE, 0)");
      die (errfd, &err);
    }
  if (open_namespaces (cfg->init_pid, fds, &err) < 0)
    die (errfd, &err);
  if (p->terminal
      && (console = lc_terminal_connect (cfg->console_socket ? cfg->console_socket : "", &err)) < 0)
    die (errfd, &err);
  if (cfg->cg && lc_cgroup_enter (cfg->cg, getpid (), &err) < 0)
    die (errfd, &err);
  for (i = 0; i < N_NS; i++)
    if (fds[i] >= 0 && setns (fds[i], ns_order[i].flag) < 0)
      {
        hy_error_set (&err, errno, "join the container's %s namespace", ns_order[i].name);
        die (errfd, &err);
      }
  /* CLONE_PARENT: the process is the caller's child, so the caller can
   * wait for it; the pid and time namespaces apply to children only. */
  pid = syscall (SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
  if (pid == 0)
    {
      close (pidfd_w);
      exec_stage (p, cfg, console, errfd);
    }
  if (pid < 0)
    {
      hy_error_set (&err, errno, "clone the process");
      die (errfd, &err);
    }
  if (write (pidfd_w, &pid, sizeof (pid)) != sizeof (pid))
    _exit (1);
  _exit (0);
}

pid_t
lc_exec_process (const struct spec_process *p, const struct lc_exec_config *cfg, hy_error_t *err)
{
  int pidp[2], errp[2], status;
  cleanup_close int pid_r = -1, err_r = -1;
  pid_t helper, pid = -1;
  char msg[4096];
  ssize_t n;

  if (p == NULL || p->args == NULL || p->n_args == 0)
    return hy_error_set (err, EINVAL, "process.args: must be a non-empty array");
  if (p->terminal && cfg->console_socket == NULL)
    return hy_error_set (err, EINVAL, "process.terminal is true but no --console-socket was given");
  lc_seccomp_preload (cfg->seccomp);
  if (pipe2 (pidp, O_CLOEXEC) < 0 || pipe2 (errp, O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "pipe");
  pid_r = pidp[0], err_r = errp[0];
  fflush (NULL);
  helper = fork ();
  if (helper == 0)
    {
      close (pidp[0]), close (errp[0]);
      join_stage (p, cfg, pidp[1], errp[1]);
    }
  close (pidp[1]), close (errp[1]);
  if (helper < 0)
    return hy_error_set (err, errno, "fork");
  if (read (pid_r, &pid, sizeof (pid)) != sizeof (pid))
    pid = -1;
  while (waitpid (helper, &status, 0) < 0 && errno == EINTR)
    ;
  do
    n = read (err_r, msg, sizeof (msg) - 1);
  while (n < 0 && errno == EINTR);
  if (n > 0 || pid < 0)
    {
      msg[n > 0 ? n : 0] = '\0';
      if (pid > 0)
        while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
          ;
      return hy_error_set (err, 0, "%s", n > 0 ? msg : "exec: the helper process failed");
    }
  return pid;
}

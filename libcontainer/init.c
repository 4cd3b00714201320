/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container init ("hyrun:init" in ps): cloned into its new namespaces
 * by lc_container_create, it waits for the parent to write its id maps and
 * join its cgroup, builds the rootfs, reports ready, blocks on the exec
 * fifo until `start`, then drops privileges and execs the process.  Every
 * failure before "ready" travels to the parent as a sync message. */
#include "common/cleanup.h"
#include "common/test_hook.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/fd.h"
#include "libcontainer/lsm.h"
#include "libcontainer/mount.h"
#include "libcontainer/finalize.h"
#include "libcontainer/init.h"
#include "libcontainer/netlink.h"
#include "libcontainer/path.h"
#include "libcontainer/rootfs.h"
#include "libcontainer/security.h"
#include "libcontainer/sync.h"
#include "libcontainer/user.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_JOIN_SESSION_KEYRING 1

/* Whether fd is the namespace of that type this process is in already:
 * joining it is then a no-op, and setns() would refuse it from a new user
 * namespace (the VM guest's spec names its own netns as /proc/self/ns/net). */
static bool
already_in (int fd, enum spec_ns_type type)
{
  const char *name = type == SPEC_NS_NETWORK ? "net"
                     : type == SPEC_NS_MOUNT ? "mnt"
                                             : spec_ns_type_name (type);
  char path[64];
  struct stat a, b;

  snprintf (path, sizeof (path), "/proc/self/ns/%s", name);
  return fstat (fd, &a) == 0 && stat (path, &b) == 0 && a.st_ino == b.st_ino
         && a.st_dev == b.st_dev;
}

static int
join_late_namespaces (const struct spec *spec, hy_error_t *err)
{
  static const enum spec_ns_type late[]
      = { SPEC_NS_NETWORK, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_CGROUP, SPEC_NS_MOUNT };
  size_t i;

  for (i = 0; i < sizeof (late) / sizeof (late[0]); i++)
    {
      const struct spec_namespace *ns = spec_namespace_find (spec, late[i]);
      cleanup_close int fd = -1;
      if (ns == NULL || ns->path == NULL)
        continue;
      fd = open (ns->path, O_RDONLY | O_CLOEXEC);
      if (fd >= 0 && already_in (fd, ns->type))
        continue;
      if (fd < 0 || setns (fd, spec_ns_clone_flag (ns->type)) < 0)
        return hy_error_set (err, errno, "linux.namespaces: join %s namespace `%s`",
                             spec_ns_type_name (ns->type), ns->path);
    }
  return 0;
}

static int
set_names (const struct spec *spec, hy_error_t *err)
{
  if (spec->hostname && sethostname (spec->hostname, strlen (spec->hostname)) < 0)
    return hy_error_set (err, errno, "hostname: sethostname(\"%s\")", spec->hostname);
  if (spec->domainname && setdomainname (spec->domainname, strlen (spec->domainname)) < 0)
    return hy_error_set (err, errno, "domainname: setdomainname(\"%s\")", spec->domainname);
  return 0;
}

static int
apply_sysctls (const struct spec *spec, hy_error_t *err)
{
  size_t i;

  for (i = 0; spec->linux_ && i < spec->linux_->n_sysctl; i++)
    {
      const struct spec_kv *kv = &spec->linux_->sysctl[i];
      cleanup_free char *path = xasprintf ("/proc/sys/%s", kv->key);
      char *p;

      /* keys were checked by spec/ (namespaced, no "..", no "/") */
      for (p = path + 10; *p; p++)
        if (*p == '.')
          *p = '/';
      if (lc_proc_write (path, kv->value, err) < 0)
        return hy_error_prefix (err, "linux.sysctl.%s", kv->key);
    }
  return 0;
}

/* A cgroup mount in a cgroup namespace: the one case that may need the
 * container's cgroup2 path as the host sees it (lc_mount_cgroup's bind
 * fallback); read only then, off the common start path. */
static char *
own_cgroup2_if_needed (const struct spec *spec)
{
  size_t i;

  if (spec_namespace_find (spec, SPEC_NS_CGROUP) == NULL)
    return NULL;
  for (i = 0; i < spec->n_mounts; i++)
    if (spec->mounts[i].type && strcmp (spec->mounts[i].type, "cgroup") == 0)
      return lc_mount_own_cgroup ("cgroup2", "");
  return NULL;
}

/* Everything done as root in the container's namespaces, before ready. */
static int
setup (struct lc_init_args *a, pid_t host_pid, hy_error_t *err)
{
  const struct spec *spec = a->spec;
  struct lc_rootfs_opts ro = { a->rootfs, a->cfg->no_pivot, a->new_userns,
                               spec_namespace_find (spec, SPEC_NS_MOUNT) != NULL };
  cleanup_close int root_fd = -1;
  /* before a cgroup namespace (new or joined) makes it "/" */
  cleanup_free char *cgroup2_own = own_cgroup2_if_needed (spec);

  ro.cgroup2_own = cgroup2_own;
  if (a->new_userns && (setresgid (0, 0, 0) < 0 || setresuid (0, 0, 0) < 0))
    return hy_error_set (err, errno, "become root in the user namespace (is uid 0 mapped?)");
  if (join_late_namespaces (spec, err) < 0)
    return -1;
  test_hook_stop ("init-namespaces");
  if (a->new_cgroupns && unshare (CLONE_NEWCGROUP) < 0)
    return hy_error_set (err, errno, "linux.namespaces: new cgroup namespace");
  if (set_names (spec, err) < 0)
    return -1;
  /* The listener is a host path: reach it before pivot_root. */
  if (spec->linux_ && spec->linux_->seccomp && spec->linux_->seccomp->listener_path)
    {
      a->listener_fd = lc_seccomp_listener_connect (spec->linux_->seccomp->listener_path, err);
      if (a->listener_fd < 0)
        return hy_error_prefix (err, "linux.seccomp.listenerPath");
    }
  if ((a->new_ns_flags & CLONE_NEWNET) && lc_netlink_loopback_up (err) < 0)
    return -1;
  if (spec->hooks && (spec->hooks->n_prestart || spec->hooks->n_create_runtime))
    {
      if (lc_sync_send (a->sync_fd, LC_SYNC_HOOKS_RUNTIME, NULL, 0, err) < 0
          || lc_sync_recv (a->sync_fd, LC_SYNC_HOOKS_DONE, NULL, NULL, err) < 0)
        return -1;
    }
  /* runc creates a missing cwd in the rootfs. */
  root_fd = open (a->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return hy_error_set (err, errno, "open the rootfs `%s`", a->rootfs);
  {
    int cwd = lc_path_open_in_root (root_fd, spec->process->cwd, LC_PATH_MKDIR, err);
    if (cwd < 0)
      return hy_error_prefix (err, "process.cwd");
    close (cwd);
  }
  if (spec->hooks && spec->hooks->n_create_container)
    {
      cleanup_free char *state = lc_hook_state (spec, a->cfg, "created", host_pid);
      if (lc_hooks_run (spec->hooks->create_container, spec->hooks->n_create_container,
                        "createContainer", state, err)
          < 0)
        return -1;
    }
  if (lc_rootfs_prepare (spec, &ro, err) < 0)
    return -1;
  test_hook_stop ("init-pivot");
  if (apply_sysctls (spec, err) < 0 || lc_rootfs_finalize (spec, err) < 0)
    return -1;
  return lc_process_limits (spec->process, err);
}

/* Load the filter; with a listener, send it the notify fd and the
 * container process state (built before the load: a notified syscall
 * made by us after it would wait on ourselves). */
static int
load_seccomp (struct lc_init_args *a, const struct spec_seccomp *sc, const char *state,
              hy_error_t *err)
{
  int notify_fd = -1, r;

  if (a->late_filter)
    r = lc_seccomp_load_built (a->late_filter, a->listener_fd < 0 ? NULL : &notify_fd, err);
  else
    r = lc_seccomp_load (sc, a->listener_fd < 0 ? NULL : &notify_fd, err);
  if (r < 0 || a->listener_fd < 0)
    return r;
  r = notify_fd < 0 ? 0
                    : lc_seccomp_send_listener_fd (a->listener_fd, sc->listener_metadata, notify_fd,
                                                   state, err);
  if (notify_fd >= 0)
    close (notify_fd);
  close (a->listener_fd);
  a->listener_fd = -1;
  return r;
}

/* Before ready (runc's finalizeNamespace): LSM, identity, capabilities
 * and, without no_new_privs, seccomp.  An error here fails `create`, and
 * `start` releases a process that has little left to do but exec. */
/* load_seccomp as an lc_seccomp_loader */
struct init_loader
{
  struct lc_init_args *a;
  const char *state;
};

static int
init_load (void *opaque, const struct spec_seccomp *sc, hy_error_t *err)
{
  struct init_loader *l = opaque;
  return load_seccomp (l->a, sc, l->state, err);
}

static int
finalize_process (struct lc_init_args *a, pid_t host_pid, hy_error_t *err)
{
  const struct spec_process *p = a->spec->process;
  const struct spec_seccomp *sc = a->spec->linux_ ? a->spec->linux_->seccomp : NULL;
  cleanup_free char *seccomp_state
      = a->listener_fd >= 0 ? lc_hook_state (a->spec, a->cfg, "created", host_pid) : NULL;
  struct init_loader l = { a, seccomp_state };
  struct lc_seccomp_loader ld = { init_load, &l };

  /* a filter loaded after start is built now: a config libseccomp
   * refuses fails `create` (exit 1, as runc), not the process's exec */
  if (sc && p->no_new_privileges)
    {
      a->late_filter = lc_seccomp_build (sc, err);
      if (a->late_filter == NULL)
        return -1;
    }
  return lc_process_finalize (p, a->spec->linux_ ? a->spec->linux_->personality : NULL, sc,
                              3 + a->cfg->preserve_fds, &ld, err);
}

/* After `start`: startContainer hooks, the no_new_privs seccomp filter
 * (as close to execve as possible), exec.  Errors here can only go to
 * the process's stderr. */
__attribute__ ((noreturn)) static void
finish_and_exec (struct lc_init_args *a, const char *exe, char **env, pid_t host_pid)
{
  const struct spec_process *p = a->spec->process;
  const struct spec_seccomp *sc = a->spec->linux_ ? a->spec->linux_->seccomp : NULL;
  cleanup_error hy_error_t err = NULL;
  cleanup_free char *seccomp_state
      = a->listener_fd >= 0 ? lc_hook_state (a->spec, a->cfg, "running", host_pid) : NULL;

  if (a->spec->hooks && a->spec->hooks->n_start_container)
    {
      cleanup_free char *state = lc_hook_state (a->spec, a->cfg, "running", host_pid);
      if (lc_hooks_run (a->spec->hooks->start_container, a->spec->hooks->n_start_container,
                        "startContainer", state, &err)
          < 0)
        goto fail;
    }
  {
    struct init_loader l = { a, seccomp_state };
    struct lc_seccomp_loader ld = { init_load, &l };
    if (lc_process_seccomp_late (p, sc, &ld, &err) < 0)
      goto fail;
  }
  execve (exe, p->args, env);
  hy_error_set (&err, errno, "exec `%s`", exe);
fail:
  dprintf (STDERR_FILENO, "hyrun: %s\n", err ? err->msg : "unknown error");
  _exit (127);
}

/* The runtime blocks signals to read them from a signalfd (run) and may
 * ignore some: the container process starts with neither. */
static void
reset_signals (void)
{
  sigset_t none;

  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      signal (sig, SIG_DFL);
  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

static void
wait_for_start (struct lc_init_args *a)
{
  char path[64];
  int fd;

  lc_path_fd_name (a->fifo_fd, path, sizeof (path));
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, "0", 1) != 1)
    {
      dprintf (STDERR_FILENO, "hyrun: open the exec fifo: %s\n", strerror (errno));
      _exit (127);
    }
  /* The write end stays open, close-on-exec: `start` sees EOF on the fifo
   * exactly when the process is exec'd (or the init died), so poststart
   * hooks run after the exec, as the runtime-spec requires. */
  close (a->fifo_fd);
}

void
lc_init_main (struct lc_init_args *a)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_strv char **env = NULL;
  cleanup_free char *exe = NULL;
  int32_t host_pid = 0;
  uint32_t len = sizeof (host_pid);
  int slave = -1;

  prctl (PR_SET_NAME, "hyrun:init");
  reset_signals ();
  /* Until ready, the init must not outlive a runtime that died. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  {
    int keep[] = { a->sync_fd, a->fifo_fd, a->console_fd };
    lc_fd_close_except (3 + a->cfg->preserve_fds, keep, sizeof (keep) / sizeof (keep[0]));
  }
  if (lc_sync_recv (a->sync_fd, LC_SYNC_GO, &host_pid, &len, &err) < 0)
    _exit (1);
  if (setup (a, host_pid, &err) < 0)
    lc_sync_die (a->sync_fd, &err);
  if (a->console_fd >= 0)
    {
      if (lc_terminal_setup (a->console_fd, a->spec->process, &slave, &err) < 0
          || lc_terminal_attach (slave, &err) < 0)
        lc_sync_die (a->sync_fd, &err);
      close (a->console_fd);
    }
  if (!a->cfg->no_new_keyring && syscall (SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0
      && errno != ENOSYS && errno != EPERM)
    {
      hy_error_set (&err, errno, "create a session keyring");
      lc_sync_die (a->sync_fd, &err);
    }
  env = lc_user_env (a->spec->process);
  exe = lc_user_find_exec (a->spec->process->args[0], env, &err);
  if (exe == NULL || finalize_process (a, host_pid, &err) < 0)
    lc_sync_die (a->sync_fd, &err);
  test_hook_stop ("init-before-ready");
  prctl (PR_SET_PDEATHSIG, 0);
  lc_sync_send (a->sync_fd, LC_SYNC_READY, NULL, 0, NULL);
  close (a->sync_fd);
  if (a->fifo_fd >= 0)
    wait_for_start (a);
  finish_and_exec (a, exe, env, host_pid);
}

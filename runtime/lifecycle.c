/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A container's life on the host, in one place for both isolation modes:
 * create (the steps that touch the host, in order, and their undo when
 * one fails), the pid file, the state record, the poststart hooks, and
 * destroy (kill, cgroup, mounts, state dir, poststop hooks).  The init
 * itself is libcontainer's (container mode) or the VMM (runtime/vm.c). */
#include "runtime/create.h"
#include "runtime/vm.h"
#include "common/cleanup.h"
#include "common/test_hook.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "libcontainer/container.h"
#include "libcontainer/lsm.h"
#include "libcontainer/mountinfo.h"
#include "libcontainer/security.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *
now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char buf[64];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (buf, sizeof (buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return xasprintf ("%s.%09ldZ", buf, ts.tv_nsec);
}

/* runc writes the pid without a newline, atomically. */
int
write_pid_file (const char *path, pid_t pid, hy_error_t *err)
{
  cleanup_free char *tmp = xasprintf ("%s.hyrun-tmp", path);
  cleanup_close int fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0 || dprintf (fd, "%d", (int)pid) < 0)
    return hy_error_set (err, errno, "--pid-file: write `%s`", tmp);
  if (rename (tmp, path) < 0)
    {
      unlink (tmp);
      return hy_error_set (err, errno, "--pid-file: rename to `%s`", path);
    }
  return 0;
}

struct spec_state *
new_state (const struct spec *spec, const struct create_opts *o, const char *bundle,
           const struct lc_created *cr, const char *cg_path, bool vm)
{
  struct spec_state *st = xzalloc (sizeof (*st));
  size_t i;
  char real[PATH_MAX];

  st->oci_version = xstrdup (spec->oci_version);
  st->id = xstrdup (o->id);
  st->pid = cr->pid;
  st->pid_start_time = cr->start_time;
  st->bundle = xstrdup (bundle);
  st->rootfs = spec->root->path[0] == '/' ? xstrdup (spec->root->path)
                                          : xasprintf ("%s/%s", bundle, spec->root->path);
  if (realpath (st->rootfs, real))
    {
      free (st->rootfs);
      st->rootfs = xstrdup (real);
    }
  st->created = now_rfc3339 ();
  st->owner_uid = getuid ();
  st->annotations = xcalloc (spec->n_annotations, sizeof (struct spec_kv));
  for (i = 0; i < spec->n_annotations; i++)
    {
      st->annotations[i].key = xstrdup (spec->annotations[i].key);
      st->annotations[i].value = xstrdup (spec->annotations[i].value);
    }
  st->n_annotations = spec->n_annotations;
  st->cgroup_path = cg_path ? xstrdup (cg_path) : NULL;
  st->isolation = xstrdup (vm ? "vm" : "container");
  st->terminal = spec->process && spec->process->terminal;
  st->host_mounts = !vm && spec_namespace_find (spec, SPEC_NS_MOUNT) == NULL;
  return st;
}

/* The folder of the running hyrun (argv[0] as the shell resolved it):
 * VM mode finds its guest agent there in a build tree. */
static const char *
self_dir (const char *argv0)
{
  static char dir[PATH_MAX];
  char found[PATH_MAX];
  const char *path = getenv ("PATH");
  char *slash;

  if (strchr (argv0, '/'))
    {
      if (realpath (argv0, dir) == NULL)
        return NULL;
    }
  else
    {
      dir[0] = '\0';
      while (path && *path)
        {
          size_t n = strcspn (path, ":");
          snprintf (found, sizeof (found), "%.*s/%s", (int)n, path, argv0);
          if (access (found, X_OK) == 0 && realpath (found, dir))
            break;
          dir[0] = '\0';
          path += n + (path[n] == ':');
        }
      if (dir[0] == '\0')
        return NULL;
    }
  slash = strrchr (dir, '/');
  *slash = '\0';
  return dir;
}

/* The steps that touch the host, in order; undone by the caller's
 * cleanup when one fails. */
static int
build (struct hy_globals *g, const struct create_opts *o, const struct spec *spec,
       const char *bundle, struct vm_plan *vm, struct container *c, struct lc_cgroup **cgp,
       hy_error_t *err)
{
  const struct spec_linux *l = spec->linux_;
  struct lc_config cfg = { .id = o->id,
                           .bundle = bundle,
                           .state_dir = c->dir,
                           .console_socket = o->console_socket,
                           .preserve_fds = o->preserve_fds,
                           .no_pivot = o->no_pivot,
                           .no_new_keyring = o->no_new_keyring,
                           .start_now = o->start_now };
  struct lc_created cr = { 0 };

  if (vm == NULL && lc_lsm_check (spec->process, err) < 0)
    return -1;
  *cgp = lc_cgroup_new (l ? l->cgroups_path : NULL, o->id, g->systemd_cgroup, err);
  if (*cgp == NULL)
    return -1;
  /* Recorded before the host is touched, the cgroup's path included: a
   * create killed from here on leaves a state (pid 0, "stopped") that
   * `delete --force` cleans up, its cgroup too (a cgroup made before the
   * state was written had nobody to remove it). */
  c->st = new_state (spec, o, bundle, &cr, lc_cgroup_path (*cgp), vm != NULL);
  /* which driver the later commands (update, delete) re-open it with */
  c->st->systemd_cgroup = g->systemd_cgroup;
  if (vm)
    c->st->vm_mem_mib = vm->mem_mib;
  if (container_save (c, err) < 0)
    return -1;
  test_hook_stop ("create-state");
  {
    cleanup_error hy_error_t cg_err = NULL;
    if (lc_cgroup_create (*cgp, &cg_err) < 0)
      {
        /* Rootless without delegated cgroups: like runc, go on without
         * one unless resources were asked for. */
        if (geteuid () == 0 || (l && l->resources))
          {
            hy_error_move (err, &cg_err);
            return -1;
          }
        hy_debug ("rootless: no cgroup (%s)", cg_err->msg);
        lc_cgroup_free (*cgp);
        *cgp = NULL;
        free (c->st->cgroup_path);
        c->st->cgroup_path = NULL;
        c->st->systemd_cgroup = false;
        if (container_save (c, err) < 0)
          return -1;
      }
  }
  test_hook_stop ("create-cgroup");
  if (l && *cgp
      && lc_cgroup_apply (*cgp, vm ? vm_host_resources (vm, l->resources) : l->resources, err) < 0)
    return -1;
  if (vm ? vm_container_create (spec, &cfg, vm, *cgp, &cr, err)
         : lc_container_create (spec, &cfg, *cgp, &cr, err))
    return -1;
  c->st->pid = cr.pid;
  c->st->pid_start_time = cr.start_time;
  if (container_save (c, err) < 0)
    return -1;
  if (o->pid_file && write_pid_file (o->pid_file, cr.pid, err) < 0)
    return -1;
  return 0;
}

/* A failed build: kill what runs, remove the cgroup and the state dir. */
static void
undo_create (struct container *c, struct lc_cgroup *cg)
{
  if (c->st && c->st->pid > 0)
    {
      int status;
      kill (c->st->pid, SIGKILL);
      waitpid (c->st->pid, &status, 0);
    }
  if (cg)
    lc_cgroup_destroy (cg, NULL);
  if (c->st && c->st->host_mounts)
    lc_mountinfo_unmount_under (c->st->rootfs, NULL);
  container_remove (c, NULL);
}

int
create_container (struct hy_globals *g, const struct create_opts *o, const char *bundle,
                  const struct spec *spec, struct container *c, hy_error_t *err)
{
  struct lc_cgroup *cg = NULL;
  struct vm_plan vm;
  enum isolation iso;
  int r;

  if (container_id_validate (o->id, err) < 0 || isolation_of (spec, g->isolation, &iso, err) < 0)
    return -1;
  /* VM mode: the whole plan (kernel, agent, sizes) is checked before the
   * host is touched, and while the caller's cwd still resolves argv[0]. */
  if (iso == ISOLATION_VM
      && vm_plan_build (spec, g->argv0 ? self_dir (g->argv0[0]) : NULL, &vm, err) < 0)
    return -1;
  if (chdir (bundle) < 0)
    r = hy_error_set (err, errno, "chdir `%s`", bundle);
  else
    r = container_new (g->root, o->id, c, err);
  if (r == 0)
    {
      r = build (g, o, spec, bundle, iso == ISOLATION_VM ? &vm : NULL, c, &cg, err);
      if (r < 0)
        undo_create (c, cg);
    }
  if (iso == ISOLATION_VM)
    vm_plan_fini (&vm);
  lc_cgroup_free (cg);
  return r;
}

static void
run_poststop (const struct spec_state *st)
{
  cleanup_free char *config = xasprintf ("%s/config.json", st->bundle);
  cleanup_error hy_error_t err = NULL;
  cleanup_spec struct spec *spec = spec_load (config, &err);
  cleanup_free char *json = NULL;
  struct spec_state s = *st;

  if (spec == NULL || spec->hooks == NULL || spec->hooks->n_poststop == 0)
    return;
  s.status = (char *)"stopped";
  json = spec_state_to_json (&s, SPEC_STATE_HOOK);
  /* runtime-spec: poststop failures are logged, the delete goes on. */
  if (lc_hooks_run (spec->hooks->poststop, spec->hooks->n_poststop, "poststop", json, &err) < 0)
    hy_warn ("%s", err->msg);
}

/* SIGKILL the init and every process of the cgroup, thaw a paused
 * container (a frozen task dies only once thawed), then wait (bounded)
 * until the init is gone. */
static void
kill_container (const struct spec_state *st, struct lc_cgroup *cg)
{
  cleanup_error hy_error_t ignored = NULL;
  int pidfd = -1;

  if (container_alive (st))
    {
      pidfd = syscall (SYS_pidfd_open, st->pid, 0);
      kill (st->pid, SIGKILL);
    }
  if (cg)
    {
      bool frozen = false;
      lc_cgroup_kill_all (cg, SIGKILL, &ignored);
      hy_error_free (&ignored);
      if (lc_cgroup_is_frozen (cg, &frozen, &ignored) == 0 && frozen)
        lc_cgroup_freeze (cg, false, &ignored);
    }
  if (pidfd >= 0)
    {
      struct pollfd p = { pidfd, POLLIN, 0 };
      poll (&p, 1, 5000);
      close (pidfd);
    }
  /* Our own child when `run` deletes what it started. */
  if (st->pid > 0)
    waitpid (st->pid, NULL, WNOHANG);
}

int
destroy_container (struct container *c, hy_error_t *err)
{
  if (c->st)
    {
      cleanup_cgroup struct lc_cgroup *cg = NULL;
      if (c->st->cgroup_path)
        {
          cg = lc_cgroup_load (c->st->cgroup_path, c->st->systemd_cgroup, err);
          if (cg == NULL)
            return -1;
        }
      kill_container (c->st, cg);
      if (cg && lc_cgroup_destroy (cg, err) < 0)
        return -1;
      /* Only once the cgroup is empty: a VMM killed before it was the
       * container's pid (pid 0 in the state, so nobody waited for it)
       * may still be exiting, its TAP still registered, and a redirect
       * to a live TAP does not look stale (net_host.c) */
      if (c->st->isolation && strcmp (c->st->isolation, "vm") == 0 && c->st->bundle)
        vm_net_cleanup (c->st->bundle);
      if (c->st->host_mounts && lc_mountinfo_unmount_under (c->st->rootfs, err) < 0)
        return -1;
    }
  if (container_remove (c, err) < 0)
    return -1;
  if (c->st)
    run_poststop (c->st);
  return 0;
}

int
start_poststart (const struct spec *spec, const struct spec_state *st, hy_error_t *err)
{
  cleanup_free char *json = NULL;
  struct spec_state s = *st;

  if (spec == NULL || spec->hooks == NULL || spec->hooks->n_poststart == 0)
    return 0;
  s.status = (char *)"running";
  json = spec_state_to_json (&s, SPEC_STATE_HOOK);
  /* runtime-spec 1.1 and runc: a failing poststart hook is an error and
   * the container is stopped (run then deletes it, as runc's run does). */
  if (lc_hooks_run (spec->hooks->poststart, spec->hooks->n_poststart, "poststart", json, err) < 0)
    {
      if (st->pid > 0)
        kill (st->pid, SIGKILL);
      return -1;
    }
  return 0;
}

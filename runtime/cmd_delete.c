/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun delete [--force] ID`: remove a stopped container (or, forced, any
 * container, including what a crashed create left behind): its processes,
 * cgroup, state dir, then the poststop hooks. */
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "libcontainer/mountinfo.h"
#include "libcontainer/security.h"
#include "runtime/cli.h"
#include "runtime/create.h"
#include "runtime/state_dir.h"
#include "runtime/vm.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

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
      if (c->st->isolation && strcmp (c->st->isolation, "vm") == 0 && c->st->bundle)
        vm_net_cleanup (c->st->bundle);
      if (cg && lc_cgroup_destroy (cg, err) < 0)
        return -1;
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
cmd_delete (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[] = { { "force", no_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_error hy_error_t open_err = NULL;
  bool force = false;
  const char *id, *status;
  int opt;

  while ((opt = cli_getopt (argc, argv, "+f", opts, "delete", err)) != -1)
    if (opt == 'f')
      force = true;
    else
      return -1;
  if (cli_one_id (argc, argv, "delete", &id, err) < 0)
    return -1;
  if (container_open (g->root, id, &c, &open_err) < 0)
    {
      /* runc: deleting a missing container with --force succeeds. */
      if (force && c.dir && access (c.dir, F_OK) != 0)
        return 0;
      hy_error_move (err, &open_err);
      return -1;
    }
  status = container_status (&c);
  if (!force && strcmp (status, "stopped") != 0 && strcmp (status, "created") != 0)
    return hy_error_set (err, 0, "cannot delete container %s that is not stopped: %s", id, status);
  return destroy_container (&c, err) < 0 ? -1 : 0;
}

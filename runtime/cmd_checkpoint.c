/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun checkpoint / restore through criu (libcontainer/criu.c), with
 * runc's flags.  Both run `criu check` first: on a kernel criu cannot
 * handle they fail with criu's reason and change nothing. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "libcontainer/container.h"
#include "libcontainer/criu.h"
#include "runtime/cli.h"
#include "runtime/create.h"
#include "runtime/state_dir.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

enum
{
  OPT_IMAGE = 256,
  OPT_WORK,
  OPT_LEAVE,
  OPT_TCP,
  OPT_LOCKS,
  OPT_SHELL,
  OPT_BUNDLE,
  OPT_PIDFILE,
  OPT_DETACH,
  OPT_IGNORED,
};

static const struct option criu_opts[]
    = { { "image-path", required_argument, NULL, OPT_IMAGE },
        { "work-path", required_argument, NULL, OPT_WORK },
        { "leave-running", no_argument, NULL, OPT_LEAVE },
        { "tcp-established", no_argument, NULL, OPT_TCP },
        { "file-locks", no_argument, NULL, OPT_LOCKS },
        { "shell-job", no_argument, NULL, OPT_SHELL },
        { "bundle", required_argument, NULL, OPT_BUNDLE },
        { "pid-file", required_argument, NULL, OPT_PIDFILE },
        { "detach", no_argument, NULL, OPT_DETACH },
        /* accepted for runc compatibility, no effect here */
        { "ext-unix-sk", no_argument, NULL, OPT_IGNORED },
        { "manage-cgroups-mode", required_argument, NULL, OPT_IGNORED },
        { "pre-dump", no_argument, NULL, OPT_IGNORED },
        { "parent-path", required_argument, NULL, OPT_IGNORED },
        { "empty-ns", required_argument, NULL, OPT_IGNORED },
        { "auto-dedup", no_argument, NULL, OPT_IGNORED },
        { "lazy-pages", no_argument, NULL, OPT_IGNORED },
        { "no-subreaper", no_argument, NULL, OPT_IGNORED },
        { "no-pivot", no_argument, NULL, OPT_IGNORED },
        { NULL, 0, NULL, 0 } };

struct criu_cmd
{
  struct lc_criu_opts o;
  const char *bundle, *pid_file;
  bool detach;
  char image_abs[PATH_MAX];
};

static int
parse (int argc, char **argv, const char *cmd, struct criu_cmd *c, hy_error_t *err)
{
  int opt;

  c->o.image_path = "checkpoint"; /* runc's default, relative to the cwd */
  while ((opt = cli_getopt (argc, argv, "+d", criu_opts, cmd, err)) != -1)
    switch (opt)
      {
      case OPT_IMAGE:
        c->o.image_path = optarg;
        break;
      case OPT_WORK:
        c->o.work_path = optarg;
        break;
      case OPT_LEAVE:
        c->o.leave_running = true;
        break;
      case OPT_TCP:
        c->o.tcp_established = true;
        break;
      case OPT_LOCKS:
        c->o.file_locks = true;
        break;
      case OPT_SHELL:
        c->o.shell_job = true;
        break;
      case OPT_BUNDLE:
        c->bundle = optarg;
        break;
      case OPT_PIDFILE:
        c->pid_file = optarg;
        break;
      case 'd':
      case OPT_DETACH:
        c->detach = true;
        break;
      case OPT_IGNORED:
        break;
      default:
        return -1;
      }
  if (realpath (c->o.image_path, c->image_abs) == NULL)
    {
      if (strcmp (cmd, "restore") == 0)
        return hy_error_set (err, errno, "--image-path `%s`", c->o.image_path);
      snprintf (c->image_abs, sizeof (c->image_abs), "%s", c->o.image_path);
    }
  c->o.image_path = c->image_abs;
  return 0;
}

int
cmd_checkpoint (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_spec struct spec *spec = NULL;
  cleanup_free char *config = NULL;
  struct criu_cmd cc = { 0 };
  const char *id;

  if (parse (argc, argv, "checkpoint", &cc, err) < 0
      || cli_one_id (argc, argv, "checkpoint", &id, err) < 0)
    return -1;
  cc.o.criu_path = g->criu;
  if (container_open (g->root, id, &c, err) < 0)
    return -1;
  if (c.st->isolation && strcmp (c.st->isolation, "vm") == 0)
    return hy_error_set (err, 0, "checkpoint of %s: not supported for io.hyrun.isolation=vm", id);
  if (strcmp (container_status (&c), "running") != 0)
    return hy_error_set (err, 0, "container %s is not running", id);
  /* Before anything: a host criu cannot work on fails here, untouched. */
  if (lc_criu_check (g->criu, err) < 0)
    return -1;
  config = xasprintf ("%s/config.json", c.st->bundle);
  spec = spec_load (config, err);
  if (spec == NULL)
    return -1;
  cc.o.shell_job = cc.o.shell_job || c.st->terminal;
  if (mkdir (cc.o.image_path, 0700) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "--image-path: create `%s`", cc.o.image_path);
  if (lc_criu_dump (spec, c.st->pid, c.st->rootfs, &cc.o, err) < 0)
    return -1;
  /* Without --leave-running the tree is gone: the container is too. */
  return cc.o.leave_running ? 0 : destroy_container (&c, err);
}

int
cmd_restore (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_spec struct spec *spec = NULL;
  cleanup_free char *bundle = NULL;
  cleanup_cgroup struct lc_cgroup *cg = NULL;
  struct criu_cmd cc = { 0 };
  struct create_opts co = { 0 };
  struct lc_created cr = { 0 };
  const char *id;

  if (parse (argc, argv, "restore", &cc, err) < 0
      || cli_one_id (argc, argv, "restore", &id, err) < 0)
    return -1;
  cc.o.criu_path = g->criu;
  co.id = id;
  /* as create and runc: the bundle is the current directory by default */
  co.bundle = cc.bundle ? cc.bundle : ".";
  co.pid_file = cc.pid_file;
  if (lc_criu_check (g->criu, err) < 0 || create_load (&co, &bundle, &spec, err) < 0)
    return -1;
  if (container_new (g->root, id, &c, err) < 0)
    return -1;
  cg = lc_cgroup_new (spec->linux_ ? spec->linux_->cgroups_path : NULL, id, g->systemd_cgroup, err);
  if (cg == NULL || lc_cgroup_create (cg, err) < 0)
    goto fail;
  cc.o.shell_job = cc.o.shell_job || (spec->process && spec->process->terminal);
  {
    cleanup_free char *rootfs = spec->root->path[0] == '/'
                                    ? xstrdup (spec->root->path)
                                    : xasprintf ("%s/%s", bundle, spec->root->path);
    if (lc_criu_restore (spec, rootfs, &cc.o, &cr.pid, err) < 0)
      goto fail;
  }
  cr.start_time = lc_proc_start_time (cr.pid);
  if (lc_cgroup_enter (cg, cr.pid, err) < 0)
    goto fail;
  c.st = new_state (spec, &co, bundle, &cr, lc_cgroup_path (cg), false);
  c.st->systemd_cgroup = g->systemd_cgroup;
  if (container_save (&c, err) < 0
      || (cc.pid_file && write_pid_file (cc.pid_file, cr.pid, err) < 0))
    goto fail;
  if (cc.detach)
    return 0;
  {
    /* Not our child (criu restores detached): wait on a pidfd. */
    int pidfd = syscall (SYS_pidfd_open, cr.pid, 0);
    struct pollfd p = { pidfd, POLLIN, 0 };
    container_release (&c);
    if (pidfd >= 0)
      {
        poll (&p, 1, -1);
        close (pidfd);
      }
    if (container_open (g->root, id, &c, NULL) == 0)
      destroy_container (&c, NULL);
  }
  return 0;
fail:
  if (cr.pid > 0)
    kill (cr.pid, SIGKILL);
  if (c.st == NULL)
    {
      if (cg)
        lc_cgroup_destroy (cg, NULL);
      container_remove (&c, NULL);
    }
  else
    destroy_container (&c, NULL);
  return -1;
}

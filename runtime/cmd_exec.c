/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun exec: a new process in a running container, as runc's exec.
 * The process comes from --process FILE (what containerd and podman pass)
 * or from the container's own process with args, env, cwd, user, caps and
 * no-new-privs taken from the flags.  With --detach hyrun returns once it
 * has exec'd (pid in --pid-file); otherwise it waits, forwarding signals,
 * and exits with the process's code.  In VM mode the process runs in the
 * guest, with a host-side proxy standing in for it (vm_exec.c). */
#include "common/cleanup.h"
#include "common/test_hook.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/exec.h"
#include "libcontainer/lsm.h"
#include "libcontainer/selfexe.h"
#include "runtime/cli.h"
#include "runtime/create.h"
#include "runtime/foreground.h"
#include "runtime/state_dir.h"
#include "runtime/terminal.h"
#include "runtime/vm.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct exec_opts
{
  const char *console_socket, *cwd, *user, *process_file, *pid_file, *apparmor, *selinux_label;
  char **env, **caps, **gids;
  size_t n_env, n_caps, n_gids;
  bool tty, detach, no_new_privs, ignore_paused;
  int preserve_fds;
};

static void
push (char ***v, size_t *n, const char *s)
{
  *v = xrealloc (*v, (*n + 2) * sizeof (**v));
  (*v)[(*n)++] = xstrdup (s);
  (*v)[*n] = NULL;
}

static void
exec_opts_release (struct exec_opts *o)
{
  cleanup_strvp (&o->env);
  cleanup_strvp (&o->caps);
  cleanup_strvp (&o->gids);
}

static int
parse_opts (int argc, char **argv, struct exec_opts *o, hy_error_t *err)
{
  static const struct option opts[] = { { "console-socket", required_argument, NULL, 's' },
                                        { "cwd", required_argument, NULL, 'w' },
                                        { "env", required_argument, NULL, 'e' },
                                        { "tty", no_argument, NULL, 't' },
                                        { "user", required_argument, NULL, 'u' },
                                        { "additional-gids", required_argument, NULL, 'g' },
                                        { "process", required_argument, NULL, 'p' },
                                        { "detach", no_argument, NULL, 'd' },
                                        { "pid-file", required_argument, NULL, 'P' },
                                        { "process-label", required_argument, NULL, 'L' },
                                        { "apparmor", required_argument, NULL, 'A' },
                                        { "no-new-privs", no_argument, NULL, 'n' },
                                        { "cap", required_argument, NULL, 'c' },
                                        { "preserve-fds", required_argument, NULL, 'f' },
                                        { "ignore-paused", no_argument, NULL, 'i' },
                                        { "cgroup", required_argument, NULL, 'C' },
                                        { NULL, 0, NULL, 0 } };
  int opt;
  char *end;

  while ((opt = cli_getopt (argc, argv, "+s:w:e:tu:g:p:dP:nc:f:", opts, "exec", err)) != -1)
    switch (opt)
      {
      case 's':
        o->console_socket = optarg;
        break;
      case 'w':
        o->cwd = optarg;
        break;
      case 'e':
        push (&o->env, &o->n_env, optarg);
        break;
      case 't':
        o->tty = true;
        break;
      case 'u':
        o->user = optarg;
        break;
      case 'g':
        push (&o->gids, &o->n_gids, optarg);
        break;
      case 'p':
        o->process_file = optarg;
        break;
      case 'd':
        o->detach = true;
        break;
      case 'P':
        o->pid_file = optarg;
        break;
      case 'n':
        o->no_new_privs = true;
        break;
      case 'c':
        push (&o->caps, &o->n_caps, optarg);
        break;
      case 'i':
        o->ignore_paused = true;
        break;
      case 'L':
      case 'A':
        hy_debug ("exec: LSM labels are not applied (no LSM support in this build)");
        break;
      case 'C':
        return hy_error_set (err, 0, "exec --cgroup: sub-cgroups are not supported yet");
      case 'f':
        errno = 0;
        o->preserve_fds = (int)strtol (optarg, &end, 10);
        if (errno || *end || o->preserve_fds < 0)
          return hy_error_set (err, 0, "--preserve-fds: invalid number `%s`", optarg);
        break;
      default:
        return -1;
      }
  return 0;
}

/* "uid[:gid]" for --user. */
static int
parse_user (const char *s, struct spec_user *u, hy_error_t *err)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (s, &end, 10);
  if (errno || end == s || (*end && *end != ':'))
    return hy_error_set (err, 0, "--user: expected uid[:gid], got `%s`", s);
  u->uid = (uid_t)v;
  if (*end == ':')
    {
      const char *g = end + 1;
      v = strtoul (g, &end, 10);
      if (errno || end == g || *end)
        return hy_error_set (err, 0, "--user: expected uid[:gid], got `%s`", s);
      u->gid = (gid_t)v;
    }
  return 0;
}

static void
add_cap (char ***set, size_t *n, const char *cap)
{
  for (size_t i = 0; *set && i < *n; i++)
    if (strcmp ((*set)[i], cap) == 0)
      return;
  push (set, n, cap);
}

/* The container's process with the command line's changes. */
static int
process_from_flags (struct spec_process *p, const struct exec_opts *o, char **args, size_t n_args,
                    hy_error_t *err)
{
  if (n_args == 0)
    return hy_error_set (err, 0, "exec: no command given (or use --process FILE)");
  cleanup_strvp (&p->args);
  p->args = xcalloc (n_args + 1, sizeof (char *));
  for (size_t i = 0; i < n_args; i++)
    p->args[i] = xstrdup (args[i]);
  p->n_args = n_args;
  p->terminal = o->tty;
  for (size_t i = 0; i < o->n_env; i++)
    push (&p->env, &p->n_env, o->env[i]);
  if (o->cwd)
    {
      if (o->cwd[0] != '/')
        return hy_error_set (err, 0, "--cwd: must be an absolute path, got `%s`", o->cwd);
      free (p->cwd);
      p->cwd = xstrdup (o->cwd);
    }
  if (o->user && parse_user (o->user, &p->user, err) < 0)
    return -1;
  if (o->n_gids)
    {
      free (p->user.additional_gids);
      p->user.additional_gids = xcalloc (o->n_gids, sizeof (gid_t));
      for (size_t i = 0; i < o->n_gids; i++)
        {
          char *end;
          unsigned long g = strtoul (o->gids[i], &end, 10);
          if (*end || end == o->gids[i])
            return hy_error_set (err, 0, "--additional-gids: invalid gid `%s`", o->gids[i]);
          p->user.additional_gids[i] = (gid_t)g;
        }
      p->user.n_additional_gids = o->n_gids;
    }
  if (o->no_new_privs)
    p->no_new_privileges = true;
  if (o->apparmor)
    {
      free (p->apparmor_profile);
      p->apparmor_profile = xstrdup (o->apparmor);
    }
  if (o->selinux_label)
    {
      free (p->selinux_label);
      p->selinux_label = xstrdup (o->selinux_label);
    }
  if (o->n_caps)
    {
      struct spec_capabilities *c = p->capabilities;
      if (c == NULL)
        c = p->capabilities = xcalloc (1, sizeof (*c));
      for (size_t i = 0; i < o->n_caps; i++)
        {
          if (!spec_cap_known (o->caps[i]))
            {
              /* as runc: a warning, not an error */
              hy_warn ("--cap: ignoring unknown or unavailable capability \"%s\"", o->caps[i]);
              continue;
            }
          add_cap (&c->bounding, &c->n_bounding, o->caps[i]);
          add_cap (&c->effective, &c->n_effective, o->caps[i]);
          add_cap (&c->permitted, &c->n_permitted, o->caps[i]);
          add_cap (&c->ambient, &c->n_ambient, o->caps[i]);
          /* never the inheritable set (runc's CVE-2022-29162: a process
           * could pass the capability on through an execve of a file
           * with inheritable file capabilities) */
          if (test_hook_off (TEST_HOOK_EXEC_CAP_INH))
            add_cap (&c->inheritable, &c->n_inheritable, o->caps[i]);
        }
    }
  return 0;
}

static int
check_status (struct container *c, const struct exec_opts *o, const char *id, hy_error_t *err)
{
  const char *status = container_status (c);

  if (strcmp (status, "running") == 0)
    return 0;
  if (strcmp (status, "paused") == 0 && o->ignore_paused)
    return 0;
  if (strcmp (status, "paused") == 0)
    return hy_error_set (err, 0, "cannot exec in a paused container %s (use --ignore-paused)", id);
  return hy_error_set (err, 0, "cannot exec in a %s container", status);
}

static bool
is_vm (const struct container *c)
{
  return c->st->isolation && strcmp (c->st->isolation, "vm") == 0;
}

/* The process runs in the guest (vm_exec.c), never in the VMM's
 * namespaces, which are the host side of the VM. */
static int
exec_in_vm (struct container *c, const struct exec_opts *o, const struct spec_process *p,
            hy_error_t *err)
{
  cleanup_free char *dir = xstrdup (c->dir), *id = xstrdup (c->id);

  if (o->preserve_fds > 0)
    return hy_error_set (err, 0,
                         "exec into %s: --preserve-fds is not supported with "
                         "io.hyrun.isolation=vm (host fds cannot enter the guest)",
                         id);
  /* Other commands must not wait on the lock while the process runs. */
  container_release (c);
  return vm_exec (dir, id, p, o->detach, o->console_socket, o->pid_file, err);
}

static int
exec_in (struct hy_globals *g, struct exec_opts *o, int argc, char **argv, hy_error_t *err)
{
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_spec struct spec *spec = NULL;
  cleanup_free char *config = NULL;
  cleanup_cgroup struct lc_cgroup *cg = NULL;
  struct spec_process *p, *from_file = NULL;
  struct run_tty tty = { .master = -1, .listen_fd = -1 };
  struct lc_exec_config cfg = { 0 };
  const char *id;
  sigset_t set;
  pid_t pid;
  int code = -1;

  if (optind >= argc)
    return hy_error_set (err, 0, "exec: missing container id");
  id = argv[optind];
  if (container_open (g->root, id, &c, err) < 0)
    return -1;
  if (c.st == NULL)
    return hy_error_set (err, 0, "cannot exec in container %s: its create did not finish", id);
  if (check_status (&c, o, id, err) < 0)
    return -1;
  config = xasprintf ("%s/config.json", c.st->bundle);
  spec = spec_load (config, err);
  if (spec == NULL)
    return -1;
  if (o->process_file)
    {
      from_file = spec_process_load (o->process_file, err);
      if (from_file == NULL)
        return hy_error_prefix (err, "--process");
      p = from_file;
    }
  else
    {
      if (spec->process == NULL)
        return hy_error_set (err, 0, "exec: the container's config has no process to start from");
      p = spec->process;
      if (process_from_flags (p, o, argv + optind + 1, (size_t)(argc - optind - 1), err) < 0)
        return -1;
    }
  if (is_vm (&c))
    {
      code = exec_in_vm (&c, o, p, err);
      goto out;
    }
  if (c.st->cgroup_path
      && (cg = lc_cgroup_load (c.st->cgroup_path, c.st->systemd_cgroup, err)) == NULL)
    goto out;
  cfg.init_pid = c.st->pid;
  cfg.cg = cg;
  cfg.preserve_fds = o->preserve_fds;
  cfg.seccomp = spec->linux_ ? spec->linux_->seccomp : NULL;
  cfg.personality = spec->linux_ ? spec->linux_->personality : NULL;
  cfg.console_socket = o->console_socket;
  if (p->terminal && !o->console_socket)
    {
      if (o->detach)
        {
          hy_error_set (err, 0, "exec: a terminal with --detach needs --console-socket");
          goto out;
        }
      if (run_tty_listen (&tty, err) < 0)
        goto out;
      cfg.console_socket = tty.path;
    }
  fg_block_signals (&set, !o->detach);
  /* Other commands must not wait on the lock while the process runs. */
  container_release (&c);
  pid = lc_exec_process (p, &cfg, err);
  if (pid < 0)
    goto out;
  if (o->pid_file && write_pid_file (o->pid_file, pid, err) < 0)
    {
      kill (pid, SIGKILL);
      goto out;
    }
  if (o->detach)
    {
      code = 0;
      goto out;
    }
  if (tty.listen_fd >= 0 && run_tty_accept (&tty, err) < 0)
    {
      kill (pid, SIGKILL);
      goto out;
    }
  {
    int sfd = signalfd (-1, &set, SFD_CLOEXEC);
    code = fg_wait_forwarding (pid, sfd, tty.master >= 0 ? &tty : NULL);
    close (sfd);
  }
out:
  run_tty_close (&tty);
  if (from_file)
    spec_process_free (from_file);
  return code;
}

int
cmd_exec (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  struct exec_opts o = { 0 };
  int r;

  if (parse_opts (argc, argv, &o, err) < 0)
    {
      exec_opts_release (&o);
      return -1;
    }
  if (lc_selfexe_ensure_sealed (g->argc0, g->argv0, g->envp, err) < 0)
    {
      exec_opts_release (&o);
      return -1;
    }
  r = exec_in (g, &o, argc, argv, err);
  exec_opts_release (&o);
  if (r < 0)
    {
      /* runc's wording and status for an exec that never ran (the shim
       * and conmon tell it from the process's own exit code by them) */
      hy_error_prefix (err, "exec failed");
      g->error_exit = 255;
    }
  return r;
}

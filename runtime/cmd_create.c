/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun create`: from a bundle to a container waiting on its exec fifo.
 * The config is parsed and checked before anything on the host changes;
 * any failure after that undoes everything (state dir, cgroup, init). */
#include "runtime/create.h"
#include "runtime/vm.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/container.h"
#include "libcontainer/lsm.h"
#include "libcontainer/mountinfo.h"
#include "libcontainer/security.h"
#include "libcontainer/selfexe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
create_parse_opts (int argc, char **argv, const char *cmd, bool is_run, struct create_opts *o,
                   hy_error_t *err)
{
  static const struct option opts[] = {
    { "bundle", required_argument, NULL, 'b' },
    { "pid-file", required_argument, NULL, 'p' },
    { "console-socket", required_argument, NULL, 'c' },
    { "no-pivot", no_argument, NULL, 'P' },
    { "no-new-keyring", no_argument, NULL, 'k' },
    { "preserve-fds", required_argument, NULL, 'f' },
    { "detach", no_argument, NULL, 'd' },
    { "no-subreaper", no_argument, NULL, 'S' },
    { "keep", no_argument, NULL, 'K' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  memset (o, 0, sizeof (*o));
  o->bundle = ".";
  while ((c = cli_getopt (argc, argv, is_run ? "+b:d" : "+b:", opts, cmd, err)) != -1)
    switch (c)
      {
      case 'b':
        o->bundle = optarg;
        break;
      case 'p':
        o->pid_file = optarg;
        break;
      case 'c':
        o->console_socket = optarg;
        break;
      case 'P':
        o->no_pivot = true;
        break;
      case 'k':
        o->no_new_keyring = true;
        break;
      case 'f':
        {
          char *end;
          long v = strtol (optarg, &end, 10);
          if (*end || v < 0 || v > 65536)
            return hy_error_set (err, 0, "--preserve-fds: invalid number \"%s\"", optarg);
          o->preserve_fds = (int)v;
          break;
        }
      case 'd':
        if (!is_run)
          return hy_error_set (err, 0, "%s: flag provided but not defined: --detach", cmd);
        o->detach = true;
        break;
      case 'K':
        if (!is_run)
          return hy_error_set (err, 0, "%s: flag provided but not defined: --keep", cmd);
        o->keep = true;
        break;
      case 'S':
        break;
      default:
        return -1;
      }
  if (o->keep && o->detach)
    return hy_error_set (err, 0, "run: --keep and --detach cannot be used together");
  return cli_one_id (argc, argv, cmd, &o->id, err);
}

/* systemd socket activation, as runc: when hyrun itself was given
 * LISTEN_FDS for its pid, those fds (from 3) pass to the container
 * process ahead of --preserve-fds, which sees LISTEN_FDS=n, LISTEN_PID=1. */
static void
socket_activation (struct create_opts *o, struct spec *spec)
{
  const char *fds = getenv ("LISTEN_FDS"), *pid = getenv ("LISTEN_PID");
  struct spec_process *p = spec->process;
  char *end;
  long n;

  if (fds == NULL || pid == NULL || p == NULL || atol (pid) != (long)getpid ())
    return;
  n = strtol (fds, &end, 10);
  if (*end || n <= 0 || n > 1024)
    return;
  o->preserve_fds += (int)n;
  p->env = xrealloc (p->env, (p->n_env + 3) * sizeof (char *));
  p->env[p->n_env++] = xasprintf ("LISTEN_FDS=%ld", n);
  p->env[p->n_env++] = xstrdup ("LISTEN_PID=1");
  p->env[p->n_env] = NULL;
}

int
create_load (struct create_opts *o, char **bundle, struct spec **spec, hy_error_t *err)
{
  char real[PATH_MAX];
  cleanup_free char *config = NULL;

  if (realpath (o->bundle, real) == NULL)
    return hy_error_set (err, errno, "--bundle: `%s`", o->bundle);
  *bundle = xstrdup (real);
  config = xasprintf ("%s/config.json", real);
  *spec = spec_load (config, err);
  if (*spec == NULL)
    return -1;
  socket_activation (o, *spec);
  return 0;
}

int
cmd_create (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  struct create_opts o;
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_free char *bundle = NULL;
  cleanup_spec struct spec *spec = NULL;

  if (create_parse_opts (argc, argv, "create", false, &o, err) < 0)
    return -1;
  if (container_id_validate (o.id, err) < 0)
    return -1;
  if (lc_selfexe_ensure_sealed (g->argc0, g->argv0, g->envp, err) < 0)
    return -1;
  if (create_load (&o, &bundle, &spec, err) < 0)
    return -1;
  return create_container (g, &o, bundle, spec, &c, err) < 0 ? -1 : 0;
}

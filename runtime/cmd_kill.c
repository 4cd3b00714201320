/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun kill [--all] ID [SIGNAL]`: signal the init, or every process of
 * the container through its cgroup. */
#include "common/cleanup.h"
#include "libcontainer/cgroup.h"
#include "runtime/cli.h"
#include "runtime/signals.h"
#include "runtime/state_dir.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

int
cmd_kill (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[] = { { "all", no_argument, NULL, 'a' }, { NULL, 0, NULL, 0 } };
  cleanup_container struct container c = { .lock_fd = -1 };
  bool all = false;
  const char *id;
  int opt, sig = SIGTERM;

  while ((opt = cli_getopt (argc, argv, "+a", opts, "kill", err)) != -1)
    if (opt == 'a')
      all = true;
    else
      return -1;
  if (cli_one_id (argc, argv, "kill", &id, err) < 0)
    return -1;
  if (optind + 1 < argc && (sig = signal_parse (argv[optind + 1], err)) < 0)
    return -1;
  if (container_open (g->root, id, &c, err) < 0)
    return -1;
  if (all && c.st && c.st->cgroup_path)
    {
      cleanup_cgroup struct lc_cgroup *cg
          = lc_cgroup_load (c.st->cgroup_path, c.st->systemd_cgroup, err);
      if (cg == NULL || lc_cgroup_kill_all (cg, sig, err) < 0)
        return -1;
      return 0;
    }
  if (!container_alive (c.st))
    return hy_error_set (err, 0, "container not running");
  if (kill (c.st->pid, sig) < 0)
    return hy_error_set (err, errno, "kill container init (pid %d)", (int)c.st->pid);
  return 0;
}

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

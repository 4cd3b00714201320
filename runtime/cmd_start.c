/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun start`: release a created container's init through its exec
 * fifo, then run the poststart hooks. */
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/container.h"
#include "libcontainer/security.h"
#include "runtime/cli.h"
#include "runtime/create.h"
#include "runtime/state_dir.h"

#include <signal.h>
#include <string.h>

/* `start` has no parsed config: the hooks come from the bundle's (the
 * process itself is already running). */
static int
run_poststart (const struct spec_state *st, hy_error_t *err)
{
  cleanup_free char *config = xasprintf ("%s/config.json", st->bundle);
  cleanup_error hy_error_t load_err = NULL;
  cleanup_spec struct spec *spec = spec_load (config, &load_err);

  return start_poststart (spec, st, err);
}

int
cmd_start (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  cleanup_container struct container c = { .lock_fd = -1 };
  const char *id, *status;

  if (cli_one_id (argc, argv, "start", &id, err) < 0 || container_open (g->root, id, &c, err) < 0)
    return -1;
  status = container_status (&c);
  if (strcmp (status, "created") != 0)
    return hy_error_set (err, 0, "cannot start a container that has %s",
                         strcmp (status, "stopped") == 0 ? "stopped" : "already been started");
  if (lc_container_start (c.dir, c.st->pid, err) < 0)
    return -1;
  return run_poststart (c.st, err);
}

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

#include <string.h>

void
start_poststart (const struct spec *spec, const struct spec_state *st)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_free char *json = NULL;
  struct spec_state s = *st;

  if (spec == NULL || spec->hooks == NULL || spec->hooks->n_poststart == 0)
    return;
  s.status = (char *)"running";
  json = spec_state_to_json (&s, SPEC_STATE_HOOK);
  /* runtime-spec: a failing poststart hook only warns. */
  if (lc_hooks_run (spec->hooks->poststart, spec->hooks->n_poststart, "poststart", json, &err) < 0)
    hy_warn ("%s", err->msg);
}

/* `start` has no parsed config: the hooks come from the bundle's (the
 * process itself is already running). */
static void
run_poststart (const struct spec_state *st)
{
  cleanup_free char *config = xasprintf ("%s/config.json", st->bundle);
  cleanup_error hy_error_t err = NULL;
  cleanup_spec struct spec *spec = spec_load (config, &err);

  start_poststart (spec, st);
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
  run_poststart (c.st);
  return 0;
}

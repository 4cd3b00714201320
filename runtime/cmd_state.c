/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun state`: runc's state JSON. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cli.h"
#include "runtime/state_dir.h"

#include <stdio.h>

int
cmd_state (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_free char *json = NULL;
  const char *id;

  if (cli_one_id (argc, argv, "state", &id, err) < 0 || container_open (g->root, id, &c, err) < 0)
    return -1;
  if (c.st == NULL)
    return hy_error_set (err, 0, "container \"%s\" does not exist (its create did not finish)", id);
  c.st->status = xstrdup (container_status (&c));
  json = spec_state_to_json (c.st, SPEC_STATE_PUBLIC);
  printf ("%s\n", json);
  return 0;
}

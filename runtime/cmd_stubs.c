/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Commands not implemented yet: a clear error, never a silent success. */
#include "runtime/cli.h"

#define NOT_YET(fn, name)                                                                          \
  int fn (struct hy_globals *g, int argc, char **argv, hy_error_t *err)                            \
  {                                                                                                \
    (void)g;                                                                                       \
    (void)argc;                                                                                    \
    (void)argv;                                                                                    \
    return hy_error_set (err, 0, "hyrun " name ": not implemented yet");                           \
  }

NOT_YET (cmd_checkpoint, "checkpoint")
NOT_YET (cmd_restore, "restore")

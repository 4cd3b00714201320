/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container lifecycle on the host (runtime/lifecycle.c): create and
 * run share one path from bundle to created container; start, run and
 * delete share the poststart hooks and the teardown. */
#ifndef HY_RUNTIME_CREATE_H
#define HY_RUNTIME_CREATE_H

#include "runtime/cli.h"
#include "runtime/state_dir.h"

struct create_opts
{
  const char *id;
  const char *bundle;
  const char *pid_file;
  const char *console_socket;
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool start_now; /* run in the foreground: no exec fifo */
  bool detach;
  bool keep; /* run --keep (runc 1.2): the container stays, stopped, until delete */
};

/* Parse create's (and run's) flags; run adds --detach/-d. */
int create_parse_opts (int argc, char **argv, const char *cmd, bool is_run, struct create_opts *o,
                       hy_error_t *err);
struct spec;
/* Resolve the bundle and parse its config.json (the only parse). */
int create_load (struct create_opts *o, char **bundle, struct spec **spec, hy_error_t *err);
/* Create the container; on success c is the locked, saved container.  On
 * failure nothing is left behind. */
int create_container (struct hy_globals *g, const struct create_opts *o, const char *bundle,
                      const struct spec *spec, struct container *c, hy_error_t *err);
/* The state of a container just made from spec (create, restore). */
struct lc_created;
struct spec_state *new_state (const struct spec *spec, const struct create_opts *o,
                              const char *bundle, const struct lc_created *cr, const char *cg_path,
                              bool vm);
/* --pid-file: the pid, no newline, written atomically (runc). */
int write_pid_file (const char *path, pid_t pid, hy_error_t *err);

/* The poststart hooks of a started container; a failing one kills the
 * container's process and is an error (runc). */
int start_poststart (const struct spec *spec, const struct spec_state *st, hy_error_t *err);

/* Tear a container down: kill what is left, remove its cgroup and state
 * dir, run poststop hooks. */
int destroy_container (struct container *c, hy_error_t *err);

/* Which isolation the bundle asks for (annotation io.hyrun.isolation), else
 * `dflt` ("vm", "container" or NULL) unless it is a pod's sandbox. */
enum isolation
{
  ISOLATION_CONTAINER,
  ISOLATION_VM,
};
int isolation_of (const struct spec *spec, const char *dflt, enum isolation *out, hy_error_t *err);

#endif

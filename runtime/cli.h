/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hyrun command line: global options, the command table, and the
 * helpers every cmd_*.c shares. */
#ifndef HY_RUNTIME_CLI_H
#define HY_RUNTIME_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "common/error.h"

struct hy_globals
{
  const char *root;       /* --root, default /run/hyrun */
  const char *log;        /* --log */
  const char *log_format; /* text | json */
  bool debug;
  bool systemd_cgroup;
  const char *criu;
  /* the isolation when the bundle does not say: "vm" for a hyrun started
   * as hyrun-vm, or --isolation; NULL: container */
  const char *isolation;
  /* the exit status of a failed command (1; exec: 255, as runc) */
  int error_exit;
  char **envp;
  int argc0; /* original argc/argv, for re-executing from a sealed copy */
  char **argv0;
};

/* A command's name and function; its usage, summary and options are in
 * the one table --help, the man pages and completion print (cli_doc.c). */
struct hy_command
{
  const char *name;
  int (*run) (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
};

/* Each command returns its exit code (>= 0), or -1 with err set. */
int cmd_create (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_start (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_run (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_state (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_kill (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_delete (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_list (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_spec (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_features (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_ps (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_pause (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_resume (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_exec (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_update (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_events (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_checkpoint (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_bench (struct hy_globals *g, int argc, char **argv, hy_error_t *err);
int cmd_restore (struct hy_globals *g, int argc, char **argv, hy_error_t *err);

/* getopt_long over a command's argv ("+" mode: options stop at the first
 * operand, as runc's CLI).  Returns the option, -1 at the end; unknown
 * options and missing arguments fill err and return '?'. */
int cli_getopt (int argc, char **argv, const char *shortopts, const struct option *longopts,
                const char *cmd, hy_error_t *err);
/* The single operand <container-id>, with runc's error when missing. */
int cli_one_id (int argc, char **argv, const char *cmd, const char **id, hy_error_t *err);
/* "--help" for a command: prints its usage; returns true when asked. */
bool cli_wants_help (int argc, char **argv, const char *cmd);
void cli_print_usage (const char *cmd);
/* `hyrun --help`: the commands and the global options, from cli_doc.c. */
void cli_print_help (void);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun's entry point: runc's global options, dispatch to one file per
 * command, and the only place that prints the final error and picks the
 * exit code (STYLE.md rule 4). */
#include "config.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "libcontainer/cgroup.h"
#include "runtime/cli.h"

#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HYRUN_SPEC_VERSION "1.2.0"

static const struct hy_command commands[] = {
  { "bench", cmd_bench },
  { "checkpoint", cmd_checkpoint },
  { "create", cmd_create },
  { "delete", cmd_delete },
  { "events", cmd_events },
  { "exec", cmd_exec },
  { "features", cmd_features },
  { "kill", cmd_kill },
  { "list", cmd_list },
  { "pause", cmd_pause },
  { "ps", cmd_ps },
  { "restore", cmd_restore },
  { "resume", cmd_resume },
  { "run", cmd_run },
  { "spec", cmd_spec },
  { "start", cmd_start },
  { "state", cmd_state },
  { "update", cmd_update },
};

static void
print_version (void)
{
  const struct scmp_version *v = seccomp_version ();

  printf ("hyrun version %s\nspec: %s\nlibseccomp: %u.%u.%u\n", PACKAGE_VERSION, HYRUN_SPEC_VERSION,
          v->major, v->minor, v->micro);
}

/* runc's global flags; returns the index of the command or -1 with err. */
static int
parse_globals (int argc, char **argv, struct hy_globals *g, hy_error_t *err)
{
  static const struct option opts[] = {
    { "root", required_argument, NULL, 'r' },
    { "log", required_argument, NULL, 'l' },
    { "log-format", required_argument, NULL, 'f' },
    { "debug", no_argument, NULL, 'd' },
    { "systemd-cgroup", no_argument, NULL, 's' },
    { "criu", required_argument, NULL, 'c' },
    { "rootless", required_argument, NULL, 'R' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'v' },
    { "isolation", required_argument, NULL, 'i' },
    { NULL, 0, NULL, 0 },
  };
  int c;

  while ((c = cli_getopt (argc, argv, "+hv", opts, "hyrun", err)) != -1)
    switch (c)
      {
      case 'r':
        g->root = optarg;
        break;
      case 'l':
        g->log = optarg;
        break;
      case 'f':
        g->log_format = optarg;
        break;
      case 'd':
        g->debug = true;
        break;
      case 's':
        g->systemd_cgroup = true;
        break;
      case 'c':
        g->criu = optarg;
        break;
      case 'R':
        break;
      case 'i':
        g->isolation = optarg;
        break;
      case 'h':
        cli_print_help ();
        exit (0);
      case 'v':
        print_version ();
        exit (0);
      default:
        return -1;
      }
  if (g->isolation && strcmp (g->isolation, "vm") != 0 && strcmp (g->isolation, "container") != 0)
    return hy_error_set (err, 0, "--isolation: must be \"container\" or \"vm\", got \"%s\"",
                         g->isolation);
  if (strcmp (g->log_format, "text") != 0 && strcmp (g->log_format, "json") != 0)
    return hy_error_set (err, 0, "--log-format: must be \"text\" or \"json\", got \"%s\"",
                         g->log_format);
  return optind;
}

static int
dispatch (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < sizeof (commands) / sizeof (commands[0]); i++)
    if (strcmp (commands[i].name, argv[0]) == 0)
      {
        if (cli_wants_help (argc, argv, argv[0]))
          return 0;
        optind = 1;
        return commands[i].run (g, argc, argv, err);
      }
  return hy_error_set (err, 0, "no such command: %s (see hyrun --help)", argv[0]);
}

int
main (int argc, char **argv, char **envp)
{
  struct hy_globals g
      = { .root = "/run/hyrun", .log_format = "text", .envp = envp, .argc0 = argc, .argv0 = argv };
  cleanup_error hy_error_t err = NULL;
  const char *base = strrchr (argv[0], '/');
  int first, r;

  /* an installed link: hyrun-vm runs bundles in VMs unless they say */
  if (strcmp (base ? base + 1 : argv[0], "hyrun-vm") == 0)
    g.isolation = "vm";

  first = parse_globals (argc, argv, &g, &err);
  if (first >= 0 && g.systemd_cgroup)
    lc_cgroup_systemd_locate (argv[0]);
  if (first >= 0
      && hy_log_init (g.log, strcmp (g.log_format, "json") == 0 ? HY_LOG_JSON : HY_LOG_TEXT,
                      g.debug)
             < 0)
    {
      fprintf (stderr, "hyrun: open the log file `%s`: %m\n", g.log);
      return 1;
    }
  if (first >= 0 && first >= argc)
    {
      cli_print_help ();
      return 0;
    }
  r = first < 0 ? -1 : dispatch (&g, argc - first, argv + first, &err);
  if (r < 0)
    {
      hy_log (HY_LOG_ERROR, "%s", err ? err->msg : "unknown error");
      /* runc prints the error on stderr as well when it logs to a file. */
      if (g.log)
        fprintf (stderr, "hyrun: %s\n", err ? err->msg : "unknown error");
      return g.error_exit ? g.error_exit : 1;
    }
  return r;
}

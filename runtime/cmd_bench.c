/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun bench`: the same bundle at both isolation levels, measured side
 * by side.  The options are checked here; the orchestration (many runs,
 * interleaving, statistics, the plot and the report) is a shell driver,
 * hyrun-bench in pkglibexecdir (contrib/bench/hyrun-bench.sh), which this
 * execs with the path of the running hyrun. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The driver: $HYRUN_BENCH_LIBEXEC, else next to this hyrun (a build
 * tree: make links it there), else the installed one. */
static char *
find_driver (const char *self)
{
  const char *env = getenv ("HYRUN_BENCH_LIBEXEC");
  char *dir, *p;

  if (env && *env)
    return xasprintf ("%s/hyrun-bench", env);
  dir = xstrdup (self);
  p = strrchr (dir, '/');
  if (p)
    {
      *p = '\0';
      p = xasprintf ("%s/hyrun-bench", dir);
      free (dir);
      if (access (p, X_OK) == 0)
        return p;
      free (p);
    }
  else
    free (dir);
  return xstrdup (LIBEXECDIR "/hyrun/hyrun-bench");
}

static int
check_count (const char *v, hy_error_t *err)
{
  char *end;
  long n;

  errno = 0;
  n = strtol (v, &end, 10);
  if (errno || end == v || *end || n < 1 || n > 500)
    return hy_error_set (err, 0, "bench: --containers: \"%s\" is not a number in 1..500", v);
  return 0;
}

int
cmd_bench (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[] = {
    { "quick", no_argument, NULL, 'q' },
    { "containers", required_argument, NULL, 'n' },
    { "out", required_argument, NULL, 'o' },
    { "modes", required_argument, NULL, 'm' },
    { "kernel", required_argument, NULL, 'k' },
    { "runs", required_argument, NULL, 'r' },
    { "only", required_argument, NULL, 'O' },
    { "vm-annotation", required_argument, NULL, 'A' },
    { NULL, 0, NULL, 0 },
  };
  char self[PATH_MAX];
  cleanup_free char *driver = NULL;
  ssize_t n;
  int c;

  (void)g;
  while ((c = cli_getopt (argc, argv, "+qn:o:m:k:r:O:A:", opts, "bench", err)) != -1)
    switch (c)
      {
      case 'n':
      case 'r':
        if (check_count (optarg, err) < 0)
          return -1;
        break;
      case 'm':
        if (strcmp (optarg, "container") != 0 && strcmp (optarg, "vm") != 0
            && strcmp (optarg, "container,vm") != 0 && strcmp (optarg, "vm,container") != 0)
          return hy_error_set (err, 0, "bench: --modes: \"%s\": container, vm or container,vm",
                               optarg);
        break;
      case 'q':
      case 'o':
      case 'k':
      case 'O': /* the driver checks the part names */
        break;
      case 'A': /* the runtime checks the value when the VM starts */
        if (strchr (optarg, '=') == NULL || optarg[0] == '=')
          return hy_error_set (err, 0, "bench: --vm-annotation: \"%s\" is not KEY=VALUE", optarg);
        break;
      default:
        return -1;
      }
  if (optind < argc)
    return hy_error_set (err, 0, "bench: unexpected argument \"%s\"", argv[optind]);
  n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
  if (n < 0)
    return hy_error_set (err, errno, "bench: readlink /proc/self/exe");
  self[n] = '\0';
  driver = find_driver (self);
  if (access (driver, X_OK) < 0)
    return hy_error_set (err, errno, "bench: the driver `%s` (make install puts it there)", driver);
  setenv ("HYRUN", self, 1);
  argv[0] = driver;
  execv (driver, argv);
  return hy_error_set (err, errno, "bench: exec `%s`", driver);
}

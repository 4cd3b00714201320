/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun pause`, `hyrun resume` and `hyrun ps`: the container's cgroup. */
#include "common/cleanup.h"
#include "libcontainer/cgroup.h"
#include "runtime/cli.h"
#include "runtime/state_dir.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int
open_running (struct hy_globals *g, int argc, char **argv, const char *cmd, struct container *c,
              struct lc_cgroup **cg, hy_error_t *err)
{
  const char *id;

  if (cli_one_id (argc, argv, cmd, &id, err) < 0 || container_open (g->root, id, c, err) < 0)
    return -1;
  if (!container_alive (c->st))
    return hy_error_set (
        err, 0, strcmp (cmd, "resume") == 0 ? "container not paused" : "container not running");
  *cg = lc_cgroup_load (c->st->cgroup_path, c->st->systemd_cgroup, err);
  return *cg ? 0 : -1;
}

static int
freeze (struct hy_globals *g, int argc, char **argv, bool frozen, hy_error_t *err)
{
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_cgroup struct lc_cgroup *cg = NULL;
  const char *status;

  if (open_running (g, argc, argv, frozen ? "pause" : "resume", &c, &cg, err) < 0)
    return -1;
  status = container_status (&c);
  if (frozen && strcmp (status, "running") != 0)
    return hy_error_set (err, 0, "container not running");
  if (!frozen && strcmp (status, "paused") != 0)
    return hy_error_set (err, 0, "container not paused");
  return lc_cgroup_freeze (cg, frozen, err) < 0 ? -1 : 0;
}

int
cmd_pause (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  return freeze (g, argc, argv, true, err);
}

int
cmd_resume (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  return freeze (g, argc, argv, false, err);
}

/* ps --format table runs ps(1) and keeps the container's lines, as runc. */
static int
ps_table (pid_t *pids, size_t n, int argc, char **argv, hy_error_t *err)
{
  char *args[64] = { (char *)"ps" };
  int i, k = 1, fds[2];
  FILE *f;
  char line[4096];
  int pid_col = -1, status;
  pid_t child;

  for (i = optind + 1; i < argc && k < 62; i++)
    args[k++] = argv[i];
  if (k == 1)
    args[k++] = (char *)"-ef";
  if (pipe (fds) < 0 || (child = fork ()) < 0)
    return hy_error_set (err, 0, "run ps");
  if (child == 0)
    {
      dup2 (fds[1], 1);
      close (fds[0]);
      execvp ("ps", args);
      _exit (127);
    }
  close (fds[1]);
  f = fdopen (fds[0], "r");
  while (fgets (line, sizeof (line), f))
    {
      char copy[4096], *tok, *save = NULL;
      int col = 0;
      long pid = -1;
      size_t j;

      strcpy (copy, line);
      if (pid_col < 0)
        {
          for (tok = strtok_r (copy, " \t\n", &save); tok;
               tok = strtok_r (NULL, " \t\n", &save), col++)
            if (strcmp (tok, "PID") == 0)
              pid_col = col;
          fputs (line, stdout);
          continue;
        }
      for (tok = strtok_r (copy, " \t\n", &save); tok && col < pid_col;
           tok = strtok_r (NULL, " \t\n", &save))
        col++;
      if (tok)
        pid = strtol (tok, NULL, 10);
      for (j = 0; j < n; j++)
        if (pids[j] == pid)
          fputs (line, stdout);
    }
  fclose (f);
  waitpid (child, &status, 0);
  return 0;
}

int
cmd_ps (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[]
      = { { "format", required_argument, NULL, 'f' }, { NULL, 0, NULL, 0 } };
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_cgroup struct lc_cgroup *cg = NULL;
  cleanup_free pid_t *pids = NULL;
  const char *format = "table", *id;
  size_t n, i;
  int opt;

  while ((opt = cli_getopt (argc, argv, "+f:", opts, "ps", err)) != -1)
    if (opt == 'f')
      format = optarg;
    else
      return -1;
  if (cli_one_id (argc, argv, "ps", &id, err) < 0 || container_open (g->root, id, &c, err) < 0)
    return -1;
  if (c.st == NULL || (cg = lc_cgroup_load (c.st->cgroup_path, c.st->systemd_cgroup, err)) == NULL)
    return hy_error_set (err, 0, "container \"%s\" has no cgroup", id);
  if (lc_cgroup_pids (cg, &pids, &n, err) < 0)
    return -1;
  if (strcmp (format, "json") == 0)
    {
      printf ("[");
      for (i = 0; i < n; i++)
        printf ("%s%d", i ? "," : "", (int)pids[i]);
      printf ("]\n");
      return 0;
    }
  if (strcmp (format, "table") != 0)
    return hy_error_set (err, 0, "--format: invalid format `%s` (table or json)", format);
  return ps_table (pids, n, argc, argv, err);
}

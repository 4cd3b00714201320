/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun events [--stats] [--interval DURATION] ID: runc's JSON events.
 * --stats prints one "stats" event and exits; otherwise a "stats" event
 * every interval (default 5s) and an "oom" event when the memory
 * controller reports one (v1: its OOM eventfd; v2: one more oom_kill in
 * memory.events), until the container stops. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "runtime/cli.h"
#include "runtime/state_dir.h"
#include "spec/jsonw.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

static void
memory_entry (struct jsonw *w, const char *key, uint64_t limit, uint64_t usage, uint64_t max,
              uint64_t failcnt)
{
  jsonw_key (w, key);
  jsonw_begin_object (w);
  jsonw_key (w, "limit");
  jsonw_uint (w, limit);
  if (usage)
    jsonw_key (w, "usage"), jsonw_uint (w, usage);
  if (max)
    jsonw_key (w, "max"), jsonw_uint (w, max);
  jsonw_key (w, "failcnt");
  jsonw_uint (w, failcnt);
  jsonw_end_object (w);
}

/* runc's BlkioEntry list; zero fields left out (omitempty). */
static void
blkio_list (struct jsonw *w, const char *key, const struct lc_blkio_entry *e, size_t n)
{
  if (n == 0)
    return;
  jsonw_key (w, key);
  jsonw_begin_array (w);
  for (size_t i = 0; i < n; i++)
    {
      jsonw_begin_object (w);
      if (e[i].major)
        jsonw_key (w, "major"), jsonw_uint (w, e[i].major);
      if (e[i].minor)
        jsonw_key (w, "minor"), jsonw_uint (w, e[i].minor);
      jsonw_key (w, "op"), jsonw_string (w, e[i].op);
      if (e[i].value)
        jsonw_key (w, "value"), jsonw_uint (w, e[i].value);
      jsonw_end_object (w);
    }
  jsonw_end_array (w);
}

static void
stats_data (struct jsonw *w, const struct lc_cgroup_stats *s)
{
  jsonw_begin_object (w);
  jsonw_key (w, "cpu");
  jsonw_begin_object (w);
  jsonw_key (w, "usage");
  jsonw_begin_object (w);
  if (s->n_cpu_percpu)
    {
      jsonw_key (w, "percpu");
      jsonw_begin_array (w);
      for (size_t i = 0; i < s->n_cpu_percpu; i++)
        jsonw_uint (w, s->cpu_percpu[i]);
      jsonw_end_array (w);
    }
  jsonw_key (w, "total"), jsonw_uint (w, s->cpu_usage_total);
  jsonw_key (w, "kernel"), jsonw_uint (w, s->cpu_usage_kernel);
  jsonw_key (w, "user"), jsonw_uint (w, s->cpu_usage_user);
  jsonw_end_object (w);
  jsonw_key (w, "throttling");
  jsonw_begin_object (w);
  if (s->cpu_throttle_periods)
    jsonw_key (w, "periods"), jsonw_uint (w, s->cpu_throttle_periods);
  if (s->cpu_throttled_periods)
    jsonw_key (w, "throttledPeriods"), jsonw_uint (w, s->cpu_throttled_periods);
  if (s->cpu_throttled_time)
    jsonw_key (w, "throttledTime"), jsonw_uint (w, s->cpu_throttled_time);
  jsonw_end_object (w);
  jsonw_end_object (w);

  jsonw_key (w, "memory");
  jsonw_begin_object (w);
  if (s->mem_cache)
    jsonw_key (w, "cache"), jsonw_uint (w, s->mem_cache);
  memory_entry (w, "usage", s->mem_limit, s->mem_usage, s->mem_max_usage, s->mem_failcnt);
  memory_entry (w, "swap", s->swap_limit, s->swap_usage, 0, 0);
  if (s->n_mem_raw)
    {
      jsonw_key (w, "raw");
      jsonw_begin_object (w);
      for (size_t i = 0; i < s->n_mem_raw; i++)
        jsonw_key (w, s->mem_raw_keys[i]), jsonw_uint (w, s->mem_raw_vals[i]);
      jsonw_end_object (w);
    }
  jsonw_end_object (w);

  jsonw_key (w, "pids");
  jsonw_begin_object (w);
  if (s->pids_current)
    jsonw_key (w, "current"), jsonw_uint (w, s->pids_current);
  if (s->pids_limit && s->pids_limit != UINT64_MAX)
    jsonw_key (w, "limit"), jsonw_uint (w, s->pids_limit);
  jsonw_end_object (w);
  jsonw_key (w, "blkio");
  jsonw_begin_object (w);
  blkio_list (w, "ioServiceBytesRecursive", s->io_bytes, s->n_io_bytes);
  blkio_list (w, "ioServicedRecursive", s->io_ios, s->n_io_ios);
  jsonw_end_object (w);
  jsonw_key (w, "hugetlb");
  jsonw_begin_object (w);
  for (size_t i = 0; i < s->n_hugetlb; i++)
    {
      jsonw_key (w, s->hugetlb[i].size);
      jsonw_begin_object (w);
      if (s->hugetlb[i].usage)
        jsonw_key (w, "usage"), jsonw_uint (w, s->hugetlb[i].usage);
      if (s->hugetlb[i].max)
        jsonw_key (w, "max"), jsonw_uint (w, s->hugetlb[i].max);
      jsonw_key (w, "failcnt"), jsonw_uint (w, s->hugetlb[i].failcnt);
      jsonw_end_object (w);
    }
  jsonw_end_object (w);
  jsonw_end_object (w);
}

/* One event line: {"type": T, "id": ID[, "data": stats]}. */
static int
print_event (const char *type, const char *id, struct lc_cgroup *cg, hy_error_t *err)
{
  struct jsonw *w = jsonw_new (false);
  struct lc_cgroup_stats st;
  cleanup_free char *out = NULL;

  jsonw_begin_object (w);
  jsonw_key (w, "type");
  jsonw_string (w, type);
  jsonw_key (w, "id");
  jsonw_string (w, id);
  if (cg && strcmp (type, "stats") == 0)
    {
      if (lc_cgroup_stats (cg, &st, err) < 0)
        {
          jsonw_free (w);
          return -1;
        }
      jsonw_key (w, "data");
      stats_data (w, &st);
      lc_cgroup_stats_release (&st);
    }
  jsonw_end_object (w);
  out = jsonw_finish (w, NULL);
  printf ("%s\n", out);
  fflush (stdout);
  return 0;
}

/* "5s", "500ms", "1m", or plain seconds; returns milliseconds. */
static int
parse_interval (const char *s, long *ms, hy_error_t *err)
{
  char *end;
  double v = strtod (s, &end);

  if (end == s || v <= 0)
    return hy_error_set (err, 0, "--interval: invalid duration `%s`", s);
  if (strcmp (end, "ms") == 0)
    *ms = (long)v;
  else if (strcmp (end, "s") == 0 || *end == '\0')
    *ms = (long)(v * 1000);
  else if (strcmp (end, "m") == 0)
    *ms = (long)(v * 60000);
  else
    return hy_error_set (err, 0, "--interval: invalid duration `%s`", s);
  return 0;
}

/* v1: an eventfd signalled on OOM (cgroup.event_control); -1 if none. */
static int
oom_eventfd (const char *memdir)
{
  cleanup_free char *ctl = NULL, *oc = NULL;
  cleanup_close int ctl_fd = -1, oc_fd = -1;
  int efd;
  char line[64];

  if (memdir == NULL)
    return -1;
  ctl = xasprintf ("%s/cgroup.event_control", memdir);
  oc = xasprintf ("%s/memory.oom_control", memdir);
  oc_fd = open (oc, O_RDONLY | O_CLOEXEC);
  ctl_fd = open (ctl, O_WRONLY | O_CLOEXEC);
  if (oc_fd < 0 || ctl_fd < 0)
    return -1;
  efd = eventfd (0, EFD_CLOEXEC);
  snprintf (line, sizeof (line), "%d %d", efd, oc_fd);
  if (efd < 0 || write (ctl_fd, line, strlen (line)) < 0)
    {
      if (efd >= 0)
        close (efd);
      return -1;
    }
  return efd;
}

/* v2: memory.events changes (inotify IN_MODIFY, as runc's notify_v2)
 * with every event it counts; an OOM kill is one more oom_kill there. */
static int
oom_inotify (const char *dir, uint64_t *oom_kills)
{
  cleanup_free char *path = NULL;
  int fd;

  if (dir == NULL || !lc_cgroup_v2_events (dir, oom_kills))
    return -1;
  path = xasprintf ("%s/memory.events", dir);
  fd = inotify_init1 (IN_CLOEXEC | IN_NONBLOCK);
  if (fd >= 0 && inotify_add_watch (fd, path, IN_MODIFY) < 0)
    {
      close (fd);
      fd = -1;
    }
  return fd;
}

/* The fd says something happened: is it an OOM?  v1's eventfd counts
 * OOMs; v2's inotify says memory.events changed: compare its oom_kill. */
static bool
oom_happened (int fd, bool v2, const char *dir, uint64_t *oom_kills)
{
  char buf[4096];
  uint64_t n;

  if (!v2)
    return read (fd, &n, sizeof (n)) == sizeof (n);
  while (read (fd, buf, sizeof (buf)) > 0)
    ;
  n = *oom_kills;
  return lc_cgroup_v2_events (dir, oom_kills) && *oom_kills > n;
}

int
cmd_events (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[] = { { "stats", no_argument, NULL, 's' },
                                        { "interval", required_argument, NULL, 'i' },
                                        { NULL, 0, NULL, 0 } };
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_cgroup struct lc_cgroup *cg = NULL;
  cleanup_free char *id = NULL;
  bool stats_only = false;
  const char *v2dir;
  uint64_t oom_kills = 0;
  long interval = 5000;
  int opt, efd;

  while ((opt = cli_getopt (argc, argv, "+", opts, "events", err)) != -1)
    if (opt == 's')
      stats_only = true;
    else if (opt == 'i')
      {
        if (parse_interval (optarg, &interval, err) < 0)
          return -1;
      }
    else
      return -1;
  {
    const char *arg;
    if (cli_one_id (argc, argv, "events", &arg, err) < 0)
      return -1;
    id = xstrdup (arg);
  }
  if (container_open (g->root, id, &c, err) < 0)
    return -1;
  if (strcmp (container_status (&c), "stopped") == 0)
    return hy_error_set (err, 0, "container with id %s is not running", id);
  if (c.st->cgroup_path == NULL)
    return hy_error_set (err, 0, "container %s has no cgroup", id);
  cg = lc_cgroup_load (c.st->cgroup_path, c.st->systemd_cgroup, err);
  if (cg == NULL)
    return -1;
  if (stats_only)
    return print_event ("stats", id, cg, err);
  /* Streaming: the state dir is locked only to read the status. */
  v2dir = lc_cgroup_v2_dir (cg);
  efd = v2dir ? oom_inotify (v2dir, &oom_kills) : oom_eventfd (lc_cgroup_dir (cg, "memory"));
  for (;;)
    {
      struct pollfd p = { efd, POLLIN, 0 };
      bool alive;

      container_release (&c);
      if (container_open (g->root, id, &c, NULL) < 0)
        break;
      alive = strcmp (container_status (&c), "stopped") != 0;
      container_release (&c);
      if (!alive)
        break;
      if (print_event ("stats", id, cg, err) < 0)
        break;
      if (poll (&p, 1, (int)interval) > 0 && efd >= 0
          && oom_happened (efd, v2dir != NULL, v2dir, &oom_kills))
        print_event ("oom", id, NULL, NULL);
    }
  if (efd >= 0)
    close (efd);
  return 0;
}

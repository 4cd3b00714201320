/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `events --stats`: usage read from the container's cgroup files, v1
 * (memory, cpuacct, cpu, pids) or v2 (memory.*, cpu.stat, pids.*).  A
 * controller that is absent leaves its fields at zero, as runc does. */
#include "libcontainer/cgroup_fs.h"
#include "common/xalloc.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static uint64_t
read_u64 (const char *dir, const char *file)
{
  char buf[64];

  if (dir == NULL || cg_read (dir, file, buf, sizeof (buf)) < 0)
    return 0;
  if (strcmp (buf, "max") == 0)
    return UINT64_MAX;
  return strtoull (buf, NULL, 10);
}

/* The value of `key` in a flat "key value" file (memory.stat, cpu.stat). */
static uint64_t
read_keyed (const char *dir, const char *file, const char *key)
{
  char buf[8192];
  size_t n = strlen (key);

  if (dir == NULL || cg_read (dir, file, buf, sizeof (buf)) < 0)
    return 0;
  for (char *l = buf; l && *l; l = strchr (l, '\n') ? strchr (l, '\n') + 1 : NULL)
    if (strncmp (l, key, n) == 0 && l[n] == ' ')
      return strtoull (l + n + 1, NULL, 10);
  return 0;
}

static void
percpu_v1 (const char *dir, struct lc_cgroup_stats *st)
{
  char buf[4096];
  char *p, *end;

  if (dir == NULL || cg_read (dir, "cpuacct.usage_percpu", buf, sizeof (buf)) < 0)
    return;
  for (p = buf;; p = end)
    {
      uint64_t v = strtoull (p, &end, 10);
      if (end == p)
        break;
      st->cpu_percpu = xrealloc (st->cpu_percpu, (st->n_cpu_percpu + 1) * sizeof (uint64_t));
      st->cpu_percpu[st->n_cpu_percpu++] = v;
    }
}

static void
stats_v1 (struct lc_cgroup *cg, struct lc_cgroup_stats *st)
{
  const char *mem = cg_dir (cg, "memory"), *acct = cg_dir (cg, "cpuacct"),
             *cpu = cg_dir (cg, "cpu");
  const char *pids = cg_dir (cg, "pids");
  /* USER_HZ ticks to nanoseconds */
  const uint64_t tick_ns = 10000000;

  st->mem_usage = read_u64 (mem, "memory.usage_in_bytes");
  st->mem_max_usage = read_u64 (mem, "memory.max_usage_in_bytes");
  st->mem_limit = read_u64 (mem, "memory.limit_in_bytes");
  st->mem_failcnt = read_u64 (mem, "memory.failcnt");
  st->swap_usage = read_u64 (mem, "memory.memsw.usage_in_bytes");
  st->swap_limit = read_u64 (mem, "memory.memsw.limit_in_bytes");
  st->mem_cache = read_keyed (mem, "memory.stat", "cache");
  st->oom_kill_count = read_keyed (mem, "memory.oom_control", "oom_kill");
  st->cpu_usage_total = read_u64 (acct, "cpuacct.usage");
  st->cpu_usage_user = read_keyed (acct, "cpuacct.stat", "user") * tick_ns;
  st->cpu_usage_kernel = read_keyed (acct, "cpuacct.stat", "system") * tick_ns;
  percpu_v1 (acct, st);
  st->cpu_throttle_periods = read_keyed (cpu, "cpu.stat", "nr_periods");
  st->cpu_throttled_periods = read_keyed (cpu, "cpu.stat", "nr_throttled");
  st->cpu_throttled_time = read_keyed (cpu, "cpu.stat", "throttled_time");
  st->pids_current = read_u64 (pids, "pids.current");
  st->pids_limit = read_u64 (pids, "pids.max");
}

static void
stats_v2 (const char *d, struct lc_cgroup_stats *st)
{
  st->mem_usage = read_u64 (d, "memory.current");
  st->mem_max_usage = read_u64 (d, "memory.peak");
  st->mem_limit = read_u64 (d, "memory.max");
  /* v1's swap counts memory+swap: runc reports v2's that way too */
  st->swap_usage = read_u64 (d, "memory.swap.current") + st->mem_usage;
  st->swap_limit = read_u64 (d, "memory.swap.max");
  if (st->swap_limit != UINT64_MAX && st->mem_limit != UINT64_MAX)
    st->swap_limit += st->mem_limit;
  else
    st->swap_limit = UINT64_MAX;
  st->mem_cache = read_keyed (d, "memory.stat", "file");
  st->mem_failcnt = read_keyed (d, "memory.events", "max");
  st->oom_kill_count = read_keyed (d, "memory.events", "oom_kill");
  st->cpu_usage_total = read_keyed (d, "cpu.stat", "usage_usec") * 1000;
  st->cpu_usage_user = read_keyed (d, "cpu.stat", "user_usec") * 1000;
  st->cpu_usage_kernel = read_keyed (d, "cpu.stat", "system_usec") * 1000;
  st->cpu_throttle_periods = read_keyed (d, "cpu.stat", "nr_periods");
  st->cpu_throttled_periods = read_keyed (d, "cpu.stat", "nr_throttled");
  st->cpu_throttled_time = read_keyed (d, "cpu.stat", "throttled_usec") * 1000;
  st->pids_current = read_u64 (d, "pids.current");
  st->pids_limit = read_u64 (d, "pids.max");
}

const char *
lc_cgroup_dir (const struct lc_cgroup *cg, const char *controller)
{
  return cg->mode == LC_CGROUP_V2 ? cg_unified_dir (cg) : cg_dir (cg, controller);
}

const char *
lc_cgroup_v2_dir (const struct lc_cgroup *cg)
{
  return cg->mode == LC_CGROUP_V2 ? cg_unified_dir (cg) : NULL;
}

bool
lc_cgroup_v2_events (const char *dir, uint64_t *oom_kills)
{
  if (!cg_has_file (dir, "memory.events"))
    return false;
  *oom_kills = read_keyed (dir, "memory.events", "oom_kill");
  return true;
}

int
lc_cgroup_stats (struct lc_cgroup *cg, struct lc_cgroup_stats *st, hy_error_t *err)
{
  memset (st, 0, sizeof (*st));
  if (cg->mode == LC_CGROUP_V2)
    {
      const char *d = cg_unified_dir (cg);
      if (d == NULL)
        return hy_error_set (err, 0, "no cgroup v2 directory for the container");
      stats_v2 (d, st);
      return 0;
    }
  stats_v1 (cg, st);
  return 0;
}

void
lc_cgroup_stats_release (struct lc_cgroup_stats *st)
{
  free (st->cpu_percpu);
  st->cpu_percpu = NULL;
  st->n_cpu_percpu = 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `events --stats`: usage read from the container's cgroup files, v1
 * (memory, cpuacct, cpu, pids) or v2 (memory.*, cpu.stat, pids.*, io.stat,
 * hugetlb.*).  A
 * controller that is absent leaves its fields at zero, as runc does. */
#include "libcontainer/cgroup_fs.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
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

/* memory.stat, every key (runc's memory.raw on v2). */
static void
memory_raw_v2 (const char *d, struct lc_cgroup_stats *st)
{
  char buf[8192], *line, *save = NULL;

  if (cg_read (d, "memory.stat", buf, sizeof (buf)) < 0)
    return;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *sp = strchr (line, ' ');
      if (sp == NULL)
        continue;
      *sp = '\0';
      st->mem_raw_keys = xrealloc (st->mem_raw_keys, (st->n_mem_raw + 1) * sizeof (char *));
      st->mem_raw_vals = xrealloc (st->mem_raw_vals, (st->n_mem_raw + 1) * sizeof (uint64_t));
      st->mem_raw_keys[st->n_mem_raw] = xstrdup (line);
      st->mem_raw_vals[st->n_mem_raw++] = strtoull (sp + 1, NULL, 10);
    }
}

static void
add_blkio (struct lc_blkio_entry **arr, size_t *n, uint64_t maj, uint64_t min, const char *op,
           uint64_t v)
{
  *arr = xrealloc (*arr, (*n + 1) * sizeof (**arr));
  (*arr)[(*n)++] = (struct lc_blkio_entry){ maj, min, v, op };
}

/* io.stat lines "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." as runc's
 * statIo: bytes in ioServiceBytesRecursive, ios in ioServicedRecursive. */
static void
io_v2 (const char *d, struct lc_cgroup_stats *st)
{
  char buf[8192], *line, *save = NULL;

  if (cg_read (d, "io.stat", buf, sizeof (buf)) < 0)
    return;
  for (line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      unsigned long long maj, min, v;
      char key[32], *p = line;
      int used;
      if (sscanf (p, "%llu:%llu%n", &maj, &min, &used) != 2)
        continue;
      for (p += used; sscanf (p, " %31[a-z_]=%llu%n", key, &v, &used) == 2; p += used)
        if (strcmp (key, "rbytes") == 0 || strcmp (key, "wbytes") == 0)
          add_blkio (&st->io_bytes, &st->n_io_bytes, maj, min, key[0] == 'r' ? "Read" : "Write", v);
        else if (strcmp (key, "rios") == 0 || strcmp (key, "wios") == 0)
          add_blkio (&st->io_ios, &st->n_io_ios, maj, min, key[0] == 'r' ? "Read" : "Write", v);
    }
}

/* hugetlb.<size>.* for each size the kernel has (hugepages-2048kB ->
 * "2MB", as the cgroup files name them). */
static void
hugetlb_v2 (const char *d, struct lc_cgroup_stats *st)
{
  cleanup_dir DIR *dir = opendir ("/sys/kernel/mm/hugepages");
  struct dirent *e;

  while (dir && (e = readdir (dir)))
    {
      unsigned long kb;
      char size[24], file[80];
      struct lc_hugetlb_stat *h;
      if (sscanf (e->d_name, "hugepages-%lukB", &kb) != 1)
        continue;
      if (kb >= 1024 * 1024)
        snprintf (size, sizeof (size), "%luGB", kb >> 20);
      else if (kb >= 1024)
        snprintf (size, sizeof (size), "%luMB", kb >> 10);
      else
        snprintf (size, sizeof (size), "%luKB", kb);
      snprintf (file, sizeof (file), "hugetlb.%s.current", size);
      if (!cg_has_file (d, file))
        continue;
      st->hugetlb = xrealloc (st->hugetlb, (st->n_hugetlb + 1) * sizeof (*st->hugetlb));
      h = &st->hugetlb[st->n_hugetlb++];
      snprintf (h->size, sizeof (h->size), "%s", size);
      h->usage = read_u64 (d, file);
      snprintf (file, sizeof (file), "hugetlb.%s.max", size);
      h->max = read_u64 (d, file);
      snprintf (file, sizeof (file), "hugetlb.%s.events", size);
      h->failcnt = read_keyed (d, file, "max");
    }
}

static void
stats_v2 (const char *d, struct lc_cgroup_stats *st)
{
  memory_raw_v2 (d, st);
  io_v2 (d, st);
  hugetlb_v2 (d, st);
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
  for (size_t i = 0; i < st->n_mem_raw; i++)
    free (st->mem_raw_keys[i]);
  free (st->mem_raw_keys);
  free (st->mem_raw_vals);
  free (st->io_bytes);
  free (st->io_ios);
  free (st->hugetlb);
  memset (st, 0, sizeof (*st));
}

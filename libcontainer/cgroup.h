/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup manager: one interface over cgroup v1 (including hybrid hosts
 * where a cgroup2 mount sits beside the v1 controllers), pure v2 and the
 * systemd driver (a transient scope per container).  The back end is
 * picked from the host layout once. */
#ifndef HY_LC_CGROUP_H
#define HY_LC_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"
#include "spec/spec.h"

enum lc_cgroup_mode
{
  LC_CGROUP_V1,     /* v1 controllers only */
  LC_CGROUP_HYBRID, /* v1 controllers + a cgroup2 mount (/sys/fs/cgroup/unified) */
  LC_CGROUP_V2,     /* unified hierarchy at /sys/fs/cgroup */
};

struct lc_cgroup;

/* Which layout this host has (cached).  `root` overrides /sys/fs/cgroup so
 * tests can point the v2 back end at a prepared directory tree. */
int lc_cgroup_detect_mode (const char *root, enum lc_cgroup_mode *mode, hy_error_t *err);

/* A manager for the container's cgroup.  cgroups_path is linux.cgroupsPath
 * (NULL: "/hyrun/<id>" as runc derives a default from the id); a relative
 * path is taken under the caller's own cgroup as runc does.  Nothing is
 * created yet. */
struct lc_cgroup *lc_cgroup_new (const char *cgroups_path, const char *id, bool systemd,
                                 hy_error_t *err);
/* Re-open the manager for an existing container from the path stored in its
 * state file. */
struct lc_cgroup *lc_cgroup_load (const char *saved_path, bool systemd, hy_error_t *err);
void lc_cgroup_free (struct lc_cgroup *cg);
/* The systemd driver's D-Bus helper (hyrun-systemd) is looked up next to
 * argv0 first; call before the cwd changes. */
void lc_cgroup_systemd_locate (const char *argv0);
/* The path to store in the state file (owned by cg). */
const char *lc_cgroup_path (const struct lc_cgroup *cg);
/* The controllers of a v1 hierarchy from its super options ("rw,memory" ->
 * "memory"; named ones like "name=systemd" kept), as mount(2) takes them. */
char *lc_cgroup_v1_controllers (const char *opts);

/* Create the cgroup in every hierarchy (mkdir -p; an existing one is
 * joined). */
int lc_cgroup_create (struct lc_cgroup *cg, hy_error_t *err);
/* Write linux.resources; a field the host cannot honour is an error naming
 * the field. */
int lc_cgroup_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err);
/* Move pid into the cgroup in every hierarchy. */
int lc_cgroup_enter (struct lc_cgroup *cg, pid_t pid, hy_error_t *err);
/* Kill what is left (v2 cgroup.kill, or SIGKILL each pid after freezing on
 * v1) and remove the directories. */
int lc_cgroup_destroy (struct lc_cgroup *cg, hy_error_t *err);
int lc_cgroup_freeze (struct lc_cgroup *cg, bool frozen, hy_error_t *err);
/* Whether the cgroup is frozen now (for the "paused" status). */
int lc_cgroup_is_frozen (struct lc_cgroup *cg, bool *frozen, hy_error_t *err);
int lc_cgroup_pids (struct lc_cgroup *cg, pid_t **pids, size_t *n, hy_error_t *err);
int lc_cgroup_kill_all (struct lc_cgroup *cg, int sig, hy_error_t *err);

/* `events --stats` (runc's types.Stats, the subset hyrun fills). */
struct lc_cgroup_stats
{
  uint64_t cpu_usage_total, cpu_usage_kernel, cpu_usage_user;
  uint64_t *cpu_percpu;
  size_t n_cpu_percpu;
  uint64_t cpu_throttle_periods, cpu_throttled_periods, cpu_throttled_time;
  uint64_t mem_usage, mem_max_usage, mem_limit, mem_failcnt;
  uint64_t swap_usage, swap_limit;
  uint64_t mem_cache;
  uint64_t pids_current, pids_limit;
  uint64_t oom_kill_count;
  /* v2: memory.stat as it is (runc's memory.raw) */
  char **mem_raw_keys;
  uint64_t *mem_raw_vals;
  size_t n_mem_raw;
  /* v2: io.stat as runc's blkio lists (op "Read"/"Write") */
  struct lc_blkio_entry
  {
    uint64_t major, minor, value;
    const char *op;
  } * io_bytes, *io_ios;
  size_t n_io_bytes, n_io_ios;
  /* v2: each huge page size ("2MB"): current, max, events' max */
  struct lc_hugetlb_stat
  {
    char size[24];
    uint64_t usage, max, failcnt;
  } * hugetlb;
  size_t n_hugetlb;
};
/* The container's directory in the hierarchy of `controller` (v1), or
 * its v2 directory; NULL when there is none. */
const char *lc_cgroup_dir (const struct lc_cgroup *cg, const char *controller);
/* The v2 directory on a pure v2 host, NULL otherwise. */
const char *lc_cgroup_v2_dir (const struct lc_cgroup *cg);
/* memory.events' oom_kill in a v2 directory; false when unreadable. */
bool lc_cgroup_v2_events (const char *dir, uint64_t *oom_kills);
int lc_cgroup_stats (struct lc_cgroup *cg, struct lc_cgroup_stats *st, hy_error_t *err);
void lc_cgroup_stats_release (struct lc_cgroup_stats *st);

static inline void
lc_cgroup_freep (struct lc_cgroup **cg)
{
  if (*cg)
    lc_cgroup_free (*cg);
}
#define cleanup_cgroup __attribute__ ((cleanup (lc_cgroup_freep)))

#endif

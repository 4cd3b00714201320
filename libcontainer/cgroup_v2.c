/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2 resource files, with runc's conversions from the v1-shaped
 * spec fields (shares → weight, memory+swap → swap.max, blkio → io) and
 * its order of writes; `unified` validated as runc's fs2 does.  memory.high,
 * memory.min and memory.oom.group have no spec field: they come through
 * `unified`. */
#include "libcontainer/cgroup_fs.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F(field) "linux.resources." field

/* runc's ConvertCPUSharesToCgroupV2Value (runc 1.3.2 and later, crun
 * 1.23): a quadratic in log2(shares) through (2, 1), (1024, 100) and
 * (262144, 10000), so the v1 default 1024 becomes the v2 default 100 (the
 * linear formula of older runc made it 39). */
unsigned long long
lc_cgroup_shares_to_weight (unsigned long long shares)
{
  double l, exponent;

  if (shares == 0)
    return 0;
  if (shares <= 2)
    return 1;
  if (shares >= 262144)
    return 10000;
  l = log2 ((double)shares);
  exponent = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
  return (unsigned long long)ceil (pow (10, exponent));
}

/* runc's ConvertBlkIOToIOWeightValue: [10, 1000] onto [1, 10000]. */
unsigned long long
lc_cgroup_blkio_to_io_weight (unsigned long long w)
{
  return w == 0 ? 0 : 1 + (w - 10) * 9999 / 990;
}

/* runc's ConvertMemorySwapToCgroupV2Value: the spec's swap is memory+swap
 * (v1's memsw), v2's memory.swap.max is swap alone.  `memory` is the
 * limit being set, or the cgroup's memory.max when none is (update
 * --memory-swap alone); -1 is unlimited. */
int
lc_cgroup_swap_to_v2 (long long swap, long long memory, long long *out, hy_error_t *err)
{
  if (memory == -1 && swap == 0)
    *out = -1; /* memory unlimited, swap unset: both unlimited */
  else if (swap == -1 || swap == 0 || memory == -1)
    *out = swap;
  else if (memory == 0)
    return hy_error_set (err, 0,
                         F ("memory.swap") ": cannot set a swap limit without a memory limit");
  else if (memory < 0)
    return hy_error_set (err, 0, F ("memory.limit") ": invalid value %lld", memory);
  else if (swap < memory)
    return hy_error_set (err, 0,
                         F ("memory.swap") ": %lld is below the memory limit %lld (it counts "
                                           "memory+swap)",
                         swap, memory);
  else
    *out = swap - memory;
  return 0;
}

static int
write_max (const char *d, const char *file, long long v, const char *field, hy_error_t *err)
{
  return v < 0 ? cg_write (d, file, "max", field, err) : cg_write_i64 (d, file, v, field, err);
}

/* The memory limit the swap conversion works from: the one being set,
 * else the cgroup's current memory.max. */
static long long
memory_base (const char *d, const struct spec_memory *m)
{
  char buf[32];

  if (m->has_limit)
    return m->limit;
  if (cg_read (d, "memory.max", buf, sizeof (buf)) < 0)
    return 0;
  return strcmp (buf, "max") == 0 ? -1 : strtoll (buf, NULL, 10);
}

static int
memory_v2 (const char *d, const struct spec_memory *m, hy_error_t *err)
{
  long long base = memory_base (d, m), swap;

  if (m->has_swap || (m->has_limit && m->limit == -1))
    {
      if (lc_cgroup_swap_to_v2 (m->has_swap ? m->swap : 0, base, &swap, err) < 0)
        return -1;
      /* "max" or 0 on a kernel without swap accounting: nothing to limit */
      if ((swap == -1 || swap == 0) && !cg_has_file (d, "memory.swap.max"))
        ;
      else if ((m->has_swap || swap != 0)
               && write_max (d, "memory.swap.max", swap, F ("memory.swap"), err) < 0)
        return -1;
    }
  if (m->has_limit && write_max (d, "memory.max", m->limit, F ("memory.limit"), err) < 0)
    return -1;
  if (m->has_reservation
      && write_max (d, "memory.low", m->reservation, F ("memory.reservation"), err) < 0)
    return -1;
  if (m->has_kernel || m->has_kernel_tcp)
    return hy_error_set (err, 0,
                         F ("memory.kernel") ": not supported on cgroup v2 (kernel memory is "
                                             "part of memory.max there)");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    return hy_error_set (err, 0, F ("memory.disableOOMKiller") ": not supported on cgroup v2");
  if (m->has_swappiness && m->swappiness != 0)
    return hy_error_set (err, 0, F ("memory.swappiness") ": not supported on cgroup v2");
  return 0;
}

/* runc's order: idle, weight, burst, then cpu.max; a burst the kernel
 * refuses (EINVAL: above the old quota) is tried again after the new
 * quota. */
static int
cpu_v2 (const char *d, const struct spec_cpu *c, hy_error_t *err)
{
  bool burst_later = false;

  if (c->has_idle && cg_write_i64 (d, "cpu.idle", c->idle, F ("cpu.idle"), err) < 0)
    return -1;
  if (c->has_shares
      && cg_write_u64 (d, "cpu.weight", lc_cgroup_shares_to_weight (c->shares), F ("cpu.shares"),
                       err)
             < 0)
    return -1;
  if (c->has_burst)
    {
      hy_error_t e = NULL;
      if (cg_write_u64 (d, "cpu.max.burst", c->burst, F ("cpu.burst"), &e) < 0)
        {
          if (e->code != EINVAL || !c->has_quota)
            {
              hy_error_move (err, &e);
              return -1;
            }
          hy_error_free (&e);
          burst_later = true;
        }
    }
  if (c->has_quota || c->has_period)
    {
      char buf[64];
      unsigned long long period = c->has_period ? c->period : 100000;
      if (c->has_quota && c->quota > 0)
        snprintf (buf, sizeof (buf), "%lld %llu", (long long)c->quota, period);
      else
        snprintf (buf, sizeof (buf), "max %llu", period);
      if (cg_write (d, "cpu.max", buf, F ("cpu.quota"), err) < 0)
        return -1;
    }
  if (burst_later && cg_write_u64 (d, "cpu.max.burst", c->burst, F ("cpu.burst"), err) < 0)
    return -1;
  if (c->has_realtime_runtime || c->has_realtime_period)
    return hy_error_set (err, 0, F ("cpu.realtimeRuntime") ": not supported on cgroup v2");
  if (c->cpus && cg_write (d, "cpuset.cpus", c->cpus, F ("cpu.cpus"), err) < 0)
    return -1;
  if (c->mems && cg_write (d, "cpuset.mems", c->mems, F ("cpu.mems"), err) < 0)
    return -1;
  return 0;
}

/* BFQ's io.bfq.weight takes per-device weights (Linux 5.4+) when it
 * reads "default N" rather than a bare number. */
static bool
bfq_per_device (const char *d)
{
  char buf[64];

  return cg_read (d, "io.bfq.weight", buf, sizeof (buf)) == 0 && strncmp (buf, "default", 7) == 0;
}

/* runc's setIo: BFQ's io.bfq.weight takes the blkio weight as it is; without
 * BFQ, io.weight (iocost) takes it converted. */
static int
io_weights (const char *d, const struct spec_block_io *b, hy_error_t *err)
{
  bool bfq = cg_has_file (d, "io.bfq.weight"), bfq_dev = bfq && bfq_per_device (d);
  size_t i;

  if (b->has_weight
      && cg_write_u64 (d, bfq ? "io.bfq.weight" : "io.weight",
                       bfq ? b->weight : lc_cgroup_blkio_to_io_weight (b->weight),
                       F ("blockIO.weight"), err)
             < 0)
    return -1;
  for (i = 0; i < b->n_weight_device; i++)
    {
      const struct spec_weight_device *w = &b->weight_device[i];
      char buf[64];
      if (w->has_leaf_weight && w->leaf_weight)
        return hy_error_set (err, 0,
                             F ("blockIO.weightDevice[%zu].leafWeight") ": no cgroup v2 "
                                                                        "file for it",
                             i);
      if (!w->has_weight)
        continue;
      snprintf (buf, sizeof (buf), "%lld:%lld %llu", (long long)w->major, (long long)w->minor,
                bfq_dev ? w->weight : lc_cgroup_blkio_to_io_weight (w->weight));
      if (cg_write (d, bfq_dev ? "io.bfq.weight" : "io.weight", buf, F ("blockIO.weightDevice"),
                    err)
          < 0)
        return -1;
    }
  if (b->has_leaf_weight)
    return hy_error_set (err, 0, F ("blockIO.leafWeight") ": no cgroup v2 file for it");
  return 0;
}

static int
io_v2 (const char *d, const struct spec_block_io *b, hy_error_t *err)
{
  size_t i;

  if (io_weights (d, b, err) < 0)
    return -1;
#define IOMAX(arr, n, key, field)                                                                  \
  for (i = 0; i < (n); i++)                                                                        \
    {                                                                                              \
      char buf[96];                                                                                \
      snprintf (buf, sizeof (buf), "%lld:%lld " key "=%llu", (long long)(arr)[i].major,            \
                (long long)(arr)[i].minor, (unsigned long long)(arr)[i].rate);                     \
      if (cg_write (d, "io.max", buf, F (field), err) < 0)                                         \
        return -1;                                                                                 \
    }
  IOMAX (b->throttle_read_bps, b->n_throttle_read_bps, "rbps", "blockIO.throttleReadBpsDevice");
  IOMAX (b->throttle_write_bps, b->n_throttle_write_bps, "wbps", "blockIO.throttleWriteBpsDevice");
  IOMAX (b->throttle_read_iops, b->n_throttle_read_iops, "riops", "blockIO.throttleReadIOPSDevice");
  IOMAX (b->throttle_write_iops, b->n_throttle_write_iops, "wiops",
         "blockIO.throttleWriteIOPSDevice");
#undef IOMAX
  return 0;
}

/* hugetlb.<size>.max, and .rsvd.max (Linux 5.7+: reservations count too,
 * runc writes both). */
static int
hugetlb_v2 (const char *d, const struct spec_resources *r, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < r->n_hugepage_limits; i++)
    {
      const struct spec_hugepage_limit *h = &r->hugepage_limits[i];
      cleanup_free char *file = xasprintf ("hugetlb.%s.max", h->page_size);
      cleanup_free char *rsvd = xasprintf ("hugetlb.%s.rsvd.max", h->page_size);
      cleanup_free char *field = xasprintf (F ("hugepageLimits[%zu]"), i);
      if (cg_write_u64 (d, file, h->limit, field, err) < 0)
        return -1;
      if (cg_has_file (d, rsvd) && cg_write_u64 (d, rsvd, h->limit, field, err) < 0)
        return -1;
    }
  return 0;
}

static int
rdma_v2 (const char *d, const struct spec_resources *r, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < r->n_rdma; i++)
    {
      cleanup_free char *line = cg_rdma_line (&r->rdma[i]);
      cleanup_free char *field = xasprintf (F ("rdma.%s"), r->rdma[i].device);
      if (cg_write (d, "rdma.max", line, field, err) < 0)
        return -1;
    }
  return 0;
}

/* Whether `ctrl` is one of the cgroup's (its cgroup.controllers). */
static bool
has_controller (const char *d, const char *ctrl)
{
  char buf[512], *tok, *save = NULL;

  if (cg_read (d, "cgroup.controllers", buf, sizeof (buf)) < 0)
    return false;
  for (tok = strtok_r (buf, " ", &save); tok; tok = strtok_r (NULL, " ", &save))
    if (strcmp (tok, ctrl) == 0)
      return true;
  return false;
}

/* One unified key: a file name CONTROLLER.PARAMETER in the container's
 * cgroup (runtime-spec config-linux.md "Unified"), its controller
 * available there; a value of several lines is written line by line (io.max
 * takes one device a write), as runc's WriteFileByLine. */
static int
unified_one (const char *d, const struct spec_kv *kv, hy_error_t *err)
{
  cleanup_free char *field = xasprintf (F ("unified.%s"), kv->key);
  cleanup_free char *ctrl = xstrndup (kv->key, strcspn (kv->key, "."));
  cleanup_free char *value = xstrdup (kv->value);
  char *line, *save = NULL;

  if (strchr (kv->key, '/') || kv->key[0] == '.' || kv->key[0] == '\0')
    return hy_error_set (err, 0, "%s: must be a file name (no slashes)", field);
  if (strchr (kv->key, '.') == NULL || kv->key[strlen (kv->key) - 1] == '.')
    return hy_error_set (err, 0, "%s: must be CONTROLLER.PARAMETER", field);
  if (strcmp (ctrl, "cgroup") != 0 && !has_controller (d, ctrl))
    return hy_error_set (err, 0,
                         "%s: the %s controller is not available in this cgroup (not in "
                         "`%s/cgroup.controllers`)",
                         field, ctrl, d);
  for (line = strtok_r (value, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (cg_write (d, kv->key, line, field, err) < 0)
      return -1;
  if (value[0] == '\0' && cg_write (d, kv->key, "", field, err) < 0)
    return -1;
  return 0;
}

int
cg_v2_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err)
{
  const char *d = cg_unified_dir (cg);
  size_t i;

  if (r->memory && memory_v2 (d, r->memory, err) < 0)
    return -1;
  if (r->cpu && cpu_v2 (d, r->cpu, err) < 0)
    return -1;
  if (r->pids
      && write_max (d, "pids.max", r->pids->limit > 0 ? r->pids->limit : -1, F ("pids.limit"), err)
             < 0)
    return -1;
  if (r->block_io && io_v2 (d, r->block_io, err) < 0)
    return -1;
  if (hugetlb_v2 (d, r, err) < 0 || rdma_v2 (d, r, err) < 0)
    return -1;
  if (r->network && (r->network->has_class_id || r->network->n_priorities))
    return hy_error_set (err, 0, F ("network") ": net_cls/net_prio do not exist on cgroup v2");
  if (r->n_devices)
    {
      /* one program for the bundle's rules and the default devices after */
      size_t n = r->n_devices + cg_n_default_devices;
      cleanup_free struct spec_device_cgroup *all = xcalloc (n, sizeof (*all));
      memcpy (all, r->devices, r->n_devices * sizeof (*all));
      memcpy (all + r->n_devices, cg_default_devices, cg_n_default_devices * sizeof (*all));
      if (cg_bpf_devices (d, all, n, err) < 0)
        return -1;
    }
  for (i = 0; i < r->n_unified; i++)
    if (unified_one (d, &r->unified[i], err) < 0)
      return -1;
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v2 resource files, with runc's conversions from the v1-shaped
 * spec fields (shares → weight, swap → swap.max, blkio → io). */
#include "libcontainer/cgroup_fs.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define F(field) "linux.resources." field

/* runc's ConvertCPUSharesToCgroupV2Value. */
unsigned long long
lc_cgroup_shares_to_weight (unsigned long long shares)
{
  if (shares == 0)
    return 0;
  return 1 + ((shares - 2) * 9999) / 262142;
}

/* runc's ConvertBlkIOToIOWeightValue. */
static unsigned long long
blkio_to_io_weight (unsigned long long w)
{
  return w == 0 ? 0 : 1 + (w - 10) * 9999 / 990;
}

static int
write_max (const char *d, const char *file, long long v, const char *field, hy_error_t *err)
{
  return v < 0 ? cg_write (d, file, "max", field, err) : cg_write_i64 (d, file, v, field, err);
}

static int
memory_v2 (const char *d, const struct spec_memory *m, hy_error_t *err)
{
  if (m->has_limit && write_max (d, "memory.max", m->limit, F ("memory.limit"), err) < 0)
    return -1;
  if (m->has_reservation
      && write_max (d, "memory.low", m->reservation, F ("memory.reservation"), err) < 0)
    return -1;
  if (m->has_swap)
    {
      long long swap = m->swap;
      /* v1's swap counts memory+swap; v2's swap.max is swap alone. */
      if (swap > 0 && m->has_limit && m->limit > 0)
        swap -= m->limit;
      if (write_max (d, "memory.swap.max", swap, F ("memory.swap"), err) < 0)
        return -1;
    }
  if (m->has_kernel || m->has_kernel_tcp)
    return hy_error_set (err, 0, F ("memory.kernel") ": not supported on cgroup v2");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    return hy_error_set (err, 0, F ("memory.disableOOMKiller") ": not supported on cgroup v2");
  if (m->has_swappiness && m->swappiness != 0)
    return hy_error_set (err, 0, F ("memory.swappiness") ": not supported on cgroup v2");
  return 0;
}

static int
cpu_v2 (const char *d, const struct spec_cpu *c, hy_error_t *err)
{
  if (c->has_shares
      && cg_write_u64 (d, "cpu.weight", lc_cgroup_shares_to_weight (c->shares), F ("cpu.shares"),
                       err)
             < 0)
    return -1;
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
  if (c->has_burst && cg_write_u64 (d, "cpu.max.burst", c->burst, F ("cpu.burst"), err) < 0)
    return -1;
  if (c->has_idle && cg_write_i64 (d, "cpu.idle", c->idle, F ("cpu.idle"), err) < 0)
    return -1;
  if (c->has_realtime_runtime || c->has_realtime_period)
    return hy_error_set (err, 0, F ("cpu.realtimeRuntime") ": not supported on cgroup v2");
  if (c->cpus && cg_write (d, "cpuset.cpus", c->cpus, F ("cpu.cpus"), err) < 0)
    return -1;
  if (c->mems && cg_write (d, "cpuset.mems", c->mems, F ("cpu.mems"), err) < 0)
    return -1;
  return 0;
}

static int
io_v2 (const char *d, const struct spec_block_io *b, hy_error_t *err)
{
  size_t i;

  if (b->has_weight
      && cg_write_u64 (d, "io.weight", blkio_to_io_weight (b->weight), F ("blockIO.weight"), err)
             < 0)
    return -1;
  for (i = 0; i < b->n_weight_device; i++)
    {
      char buf[64];
      snprintf (buf, sizeof (buf), "%lld:%lld %llu", (long long)b->weight_device[i].major,
                (long long)b->weight_device[i].minor,
                blkio_to_io_weight (b->weight_device[i].weight));
      if (cg_write (d, "io.weight", buf, F ("blockIO.weightDevice"), err) < 0)
        return -1;
    }
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

/* unified: keys are file names inside the cgroup; no path tricks. */
static int
unified_v2 (const char *d, const struct spec_resources *r, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < r->n_unified; i++)
    {
      cleanup_free char *field = xasprintf (F ("unified.%s"), r->unified[i].key);
      if (strchr (r->unified[i].key, '/') || r->unified[i].key[0] == '.')
        return hy_error_set (err, 0, "%s: invalid file name", field);
      if (cg_write (d, r->unified[i].key, r->unified[i].value, field, err) < 0)
        return -1;
    }
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
  for (i = 0; i < r->n_hugepage_limits; i++)
    {
      cleanup_free char *file = xasprintf ("hugetlb.%s.max", r->hugepage_limits[i].page_size);
      if (cg_write_u64 (d, file, r->hugepage_limits[i].limit, F ("hugepageLimits"), err) < 0)
        return -1;
    }
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
  return unified_v2 (d, r, err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cgroup v1 resource files (and, on a hybrid host, the controllers that
 * live on the cgroup2 mount, e.g. hugetlb here). */
#include "libcontainer/cgroup_fs.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* Linux 5.16 to 6.x accepts memory.kmem.limit_in_bytes and ignores it
 * (the limit was deprecated in 5.4; runtime-spec: NOT RECOMMENDED, "may
 * be ignored by runtimes").  Not silent: say so. */
static void
kernel_limit_check (const char *d, long long want)
{
  char buf[32];

  if (want > 0 && cg_read (d, "memory.kmem.limit_in_bytes", buf, sizeof (buf)) == 0
      && strtoll (buf, NULL, 10) != want)
    hy_warn ("linux.resources.memory.kernel: this kernel ignores kernel memory limits "
             "(memory.kmem.limit_in_bytes reads %s)",
             buf);
}

#define F(field) "linux.resources." field

static int
need (const struct lc_cgroup *cg, const char *ctrl, const char *field, const char **dir,
      hy_error_t *err)
{
  *dir = cg_dir (cg, ctrl);
  if (*dir == NULL)
    return hy_error_set (err, 0, "%s: the %s cgroup controller is not available on this host",
                         field, ctrl);
  return 0;
}

static int
memory_v1 (struct lc_cgroup *cg, const struct spec_memory *m, hy_error_t *err)
{
  const char *d;

  if (need (cg, "memory", F ("memory"), &d, err) < 0)
    return -1;
  if (m->has_limit)
    {
      /* memsw must stay >= limit: raise it first when the new limit is
       * above the current memsw, otherwise the kernel says EINVAL. */
      if (m->has_swap)
        (void)cg_write_i64 (d, "memory.memsw.limit_in_bytes", m->swap, F ("memory.swap"), NULL);
      if (cg_write_i64 (d, "memory.limit_in_bytes", m->limit, F ("memory.limit"), err) < 0)
        return -1;
    }
  if (m->has_swap
      && cg_write_i64 (d, "memory.memsw.limit_in_bytes", m->swap, F ("memory.swap"), err) < 0)
    return -1;
  if (m->has_reservation
      && cg_write_i64 (d, "memory.soft_limit_in_bytes", m->reservation, F ("memory.reservation"),
                       err)
             < 0)
    return -1;
  if (m->has_kernel
      && cg_write_i64 (d, "memory.kmem.limit_in_bytes", m->kernel, F ("memory.kernel"), err) < 0)
    return -1;
  if (m->has_kernel)
    kernel_limit_check (d, m->kernel);
  if (m->has_kernel_tcp
      && cg_write_i64 (d, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, F ("memory.kernelTCP"),
                       err)
             < 0)
    return -1;
  if (m->has_swappiness
      && cg_write_u64 (d, "memory.swappiness", m->swappiness, F ("memory.swappiness"), err) < 0)
    return -1;
  if (m->has_disable_oom_killer && m->disable_oom_killer
      && cg_write (d, "memory.oom_control", "1", F ("memory.disableOOMKiller"), err) < 0)
    return -1;
  if (m->has_use_hierarchy
      && cg_write (d, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0",
                   F ("memory.useHierarchy"), err)
             < 0)
    return -1;
  return 0;
}

static int
cpu_v1 (struct lc_cgroup *cg, const struct spec_cpu *c, hy_error_t *err)
{
  const char *d = NULL;

  if ((c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_realtime_runtime
       || c->has_realtime_period || c->has_idle)
      && need (cg, "cpu", F ("cpu"), &d, err) < 0)
    return -1;
  if (c->has_shares && cg_write_u64 (d, "cpu.shares", c->shares, F ("cpu.shares"), err) < 0)
    return -1;
  if (c->has_period && cg_write_u64 (d, "cpu.cfs_period_us", c->period, F ("cpu.period"), err) < 0)
    return -1;
  if (c->has_quota && cg_write_i64 (d, "cpu.cfs_quota_us", c->quota, F ("cpu.quota"), err) < 0)
    return -1;
  if (c->has_burst && cg_write_u64 (d, "cpu.cfs_burst_us", c->burst, F ("cpu.burst"), err) < 0)
    return -1;
  if (c->has_realtime_period
      && cg_write_u64 (d, "cpu.rt_period_us", c->realtime_period, F ("cpu.realtimePeriod"), err)
             < 0)
    return -1;
  if (c->has_realtime_runtime
      && cg_write_i64 (d, "cpu.rt_runtime_us", c->realtime_runtime, F ("cpu.realtimeRuntime"), err)
             < 0)
    return -1;
  if (c->has_idle && cg_write_i64 (d, "cpu.idle", c->idle, F ("cpu.idle"), err) < 0)
    return -1;
  if ((c->cpus || c->mems) && need (cg, "cpuset", F ("cpu.cpus"), &d, err) < 0)
    return -1;
  if (c->cpus && cg_write (d, "cpuset.cpus", c->cpus, F ("cpu.cpus"), err) < 0)
    return -1;
  if (c->mems && cg_write (d, "cpuset.mems", c->mems, F ("cpu.mems"), err) < 0)
    return -1;
  return 0;
}

static int
throttle (const char *d, const char *file, const struct spec_throttle_device *t, size_t n,
          const char *field, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      char buf[96];
      snprintf (buf, sizeof (buf), "%lld:%lld %llu", (long long)t[i].major, (long long)t[i].minor,
                (unsigned long long)t[i].rate);
      if (cg_write (d, file, buf, field, err) < 0)
        return -1;
    }
  return 0;
}

static int
blkio_v1 (struct lc_cgroup *cg, const struct spec_block_io *b, hy_error_t *err)
{
  const char *d;
  size_t i;

  if (!b->has_weight && !b->has_leaf_weight && !b->n_weight_device && !b->n_throttle_read_bps
      && !b->n_throttle_write_bps && !b->n_throttle_read_iops && !b->n_throttle_write_iops)
    return 0;
  if (need (cg, "blkio", F ("blockIO"), &d, err) < 0)
    return -1;
  /* without CFQ the weight is BFQ's (runc does the same) */
  if (b->has_weight
      && cg_write_u64 (d, cg_has_file (d, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight",
                       b->weight, F ("blockIO.weight"), err)
             < 0)
    return -1;
  if (b->has_leaf_weight
      && cg_write_u64 (d, "blkio.leaf_weight", b->leaf_weight, F ("blockIO.leafWeight"), err) < 0)
    return -1;
  for (i = 0; i < b->n_weight_device; i++)
    {
      char buf[64];
      const struct spec_weight_device *w = &b->weight_device[i];
      snprintf (buf, sizeof (buf), "%lld:%lld %u", (long long)w->major, (long long)w->minor,
                w->weight);
      if (w->has_weight
          && cg_write (d, "blkio.weight_device", buf, F ("blockIO.weightDevice"), err) < 0)
        return -1;
    }
  return throttle (d, "blkio.throttle.read_bps_device", b->throttle_read_bps,
                   b->n_throttle_read_bps, F ("blockIO.throttleReadBpsDevice"), err)
                     < 0
                 || throttle (d, "blkio.throttle.write_bps_device", b->throttle_write_bps,
                              b->n_throttle_write_bps, F ("blockIO.throttleWriteBpsDevice"), err)
                        < 0
                 || throttle (d, "blkio.throttle.read_iops_device", b->throttle_read_iops,
                              b->n_throttle_read_iops, F ("blockIO.throttleReadIOPSDevice"), err)
                        < 0
                 || throttle (d, "blkio.throttle.write_iops_device", b->throttle_write_iops,
                              b->n_throttle_write_iops, F ("blockIO.throttleWriteIOPSDevice"), err)
                        < 0
             ? -1
             : 0;
}

/* devices cgroup: runc writes the rules in order, the first "deny all"
 * resets the list. */
static int
write_rules_v1 (const char *d, const struct spec_device_cgroup *rules, size_t n, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      const struct spec_device_cgroup *dev = &rules[i];
      char rule[96], maj[24] = "*", min[24] = "*";
      if (dev->has_major)
        snprintf (maj, sizeof (maj), "%lld", (long long)dev->major);
      if (dev->has_minor)
        snprintf (min, sizeof (min), "%lld", (long long)dev->minor);
      if (dev->type == 'a' && !dev->has_major && !dev->has_minor)
        snprintf (rule, sizeof (rule), "a");
      else
        snprintf (rule, sizeof (rule), "%c %s:%s %s", dev->type, maj, min,
                  dev->access ? dev->access : "rwm");
      if (cg_write (d, dev->allow ? "devices.allow" : "devices.deny", rule, F ("devices"), err) < 0)
        return -1;
    }
  return 0;
}

/* The bundle's rules, then the devices a container always gets. */
static int
devices_v1 (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err)
{
  const char *d;

  if (need (cg, "devices", F ("devices"), &d, err) < 0)
    return -1;
  if (write_rules_v1 (d, r->devices, r->n_devices, err) < 0)
    return -1;
  return write_rules_v1 (d, cg_default_devices, cg_n_default_devices, err);
}

static int
other_v1 (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err)
{
  const char *d;
  size_t i;

  for (i = 0; i < r->n_hugepage_limits; i++)
    {
      cleanup_free char *v1
          = xasprintf ("hugetlb.%s.limit_in_bytes", r->hugepage_limits[i].page_size);
      cleanup_free char *v2 = xasprintf ("hugetlb.%s.max", r->hugepage_limits[i].page_size);
      if (need (cg, "hugetlb", F ("hugepageLimits"), &d, err) < 0)
        return -1;
      if (cg_write_u64 (d, cg_has_file (d, v1) ? v1 : v2, r->hugepage_limits[i].limit,
                        F ("hugepageLimits"), err)
          < 0)
        return -1;
    }
  if (r->network && r->network->has_class_id)
    {
      if (need (cg, "net_cls", F ("network.classID"), &d, err) < 0
          || cg_write_u64 (d, "net_cls.classid", r->network->class_id, F ("network.classID"), err)
                 < 0)
        return -1;
    }
  for (i = 0; r->network && i < r->network->n_priorities; i++)
    {
      char buf[128];
      snprintf (buf, sizeof (buf), "%s %u", r->network->priorities[i].name,
                r->network->priorities[i].priority);
      if (need (cg, "net_prio", F ("network.priorities"), &d, err) < 0
          || cg_write (d, "net_prio.ifpriomap", buf, F ("network.priorities"), err) < 0)
        return -1;
    }
  for (i = 0; i < r->n_rdma; i++)
    {
      cleanup_free char *buf = cg_rdma_line (&r->rdma[i]);
      if (need (cg, "rdma", F ("rdma"), &d, err) < 0
          || cg_write (d, "rdma.max", buf, F ("rdma"), err) < 0)
        return -1;
    }
  if (r->n_unified)
    return hy_error_set (
        err, 0, F ("unified") ": requires cgroup v2 (this host has cgroup v1 controllers)");
  return 0;
}

int
cg_v1_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err)
{
  if (r->memory && memory_v1 (cg, r->memory, err) < 0)
    return -1;
  if (r->cpu && cpu_v1 (cg, r->cpu, err) < 0)
    return -1;
  if (r->pids)
    {
      const char *d;
      if (need (cg, "pids", F ("pids"), &d, err) < 0)
        return -1;
      if (r->pids->limit > 0
              ? cg_write_i64 (d, "pids.max", r->pids->limit, F ("pids.limit"), err) < 0
              : cg_write (d, "pids.max", "max", F ("pids.limit"), err) < 0)
        return -1;
    }
  if (r->block_io && blkio_v1 (cg, r->block_io, err) < 0)
    return -1;
  if (r->n_devices && devices_v1 (cg, r, err) < 0)
    return -1;
  return other_v1 (cg, r, err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources (also the document `update --resources` reads):
 * devices, memory, cpu, pids, blockIO, hugepageLimits, network, rdma,
 * unified. */
#include "spec/parse_util.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "spec/spec.h"

#include <string.h>

/* has = (r > 0) after a get_*; bails out on error. */
#define OPT(call, has)                                                                             \
  do                                                                                               \
    {                                                                                              \
      int r_ = (call);                                                                             \
      if (r_ < 0)                                                                                  \
        return -1;                                                                                 \
      has = r_ > 0;                                                                                \
    }                                                                                              \
  while (0)

static int
parse_dev_rules (struct pctx *c, yajl_val v, const char *path, struct spec_resources *r)
{
  cleanup_free char *pd = path_key (path, "devices");
  yajl_val arr;
  size_t i;

  if (get_array (c, v, path, "devices", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  r->devices = xcalloc (arr->u.array.len, sizeof (*r->devices));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (pd, i);
      cleanup_free char *type = NULL;
      yajl_val o = arr->u.array.values[i];
      struct spec_device_cgroup *d = &r->devices[r->n_devices++];

      if (!YAJL_IS_OBJECT (o))
        return perr (c, pi, "expected an object");
      if (get_bool (c, o, pi, "allow", &d->allow) < 0 || get_string (c, o, pi, "type", &type) < 0
          || get_string (c, o, pi, "access", &d->access) < 0)
        return -1;
      OPT (get_int64 (c, o, pi, "major", &d->major), d->has_major);
      OPT (get_int64 (c, o, pi, "minor", &d->minor), d->has_minor);
      d->type = type ? type[0] : 'a';
      if (type && (strlen (type) != 1 || strchr ("acb", type[0]) == NULL))
        {
          cleanup_free char *pt = path_key (pi, "type");
          return perr (c, pt, "must be one of \"a\", \"c\", \"b\"");
        }
      if (d->access && d->access[strspn (d->access, "rwm")] != '\0')
        {
          cleanup_free char *pa = path_key (pi, "access");
          return perr (c, pa, "must be a combination of \"r\", \"w\", \"m\"");
        }
    }
  return 0;
}

static int
parse_memory (struct pctx *c, yajl_val v, const char *path, struct spec_resources *r)
{
  cleanup_free char *p = path_key (path, "memory");
  struct spec_memory *m;
  yajl_val o;

  if (get_object (c, v, path, "memory", &o) < 0)
    return -1;
  if (o == NULL)
    return 0;
  m = r->memory = xzalloc (sizeof (*m));
  OPT (get_int64 (c, o, p, "limit", &m->limit), m->has_limit);
  OPT (get_int64 (c, o, p, "reservation", &m->reservation), m->has_reservation);
  OPT (get_int64 (c, o, p, "swap", &m->swap), m->has_swap);
  OPT (get_int64 (c, o, p, "kernel", &m->kernel), m->has_kernel);
  OPT (get_int64 (c, o, p, "kernelTCP", &m->kernel_tcp), m->has_kernel_tcp);
  OPT (get_uint64 (c, o, p, "swappiness", &m->swappiness), m->has_swappiness);
  OPT (get_bool (c, o, p, "disableOOMKiller", &m->disable_oom_killer), m->has_disable_oom_killer);
  OPT (get_bool (c, o, p, "useHierarchy", &m->use_hierarchy), m->has_use_hierarchy);
  OPT (get_bool (c, o, p, "checkBeforeUpdate", &m->check_before_update),
       m->has_check_before_update);
  if (m->has_swappiness && m->swappiness > 100)
    {
      cleanup_free char *ps = path_key (p, "swappiness");
      return perr (c, ps, "must be between 0 and 100");
    }
  if (m->has_limit && m->has_swap && m->swap > 0 && m->limit > 0 && m->swap < m->limit)
    {
      cleanup_free char *ps = path_key (p, "swap");
      return perr (c, ps, "must be at least linux.resources.memory.limit (it counts memory+swap)");
    }
  return 0;
}

static int
parse_cpu (struct pctx *c, yajl_val v, const char *path, struct spec_resources *r)
{
  cleanup_free char *p = path_key (path, "cpu");
  struct spec_cpu *cpu;
  yajl_val o;

  if (get_object (c, v, path, "cpu", &o) < 0)
    return -1;
  if (o == NULL)
    return 0;
  cpu = r->cpu = xzalloc (sizeof (*cpu));
  OPT (get_uint64 (c, o, p, "shares", &cpu->shares), cpu->has_shares);
  OPT (get_int64 (c, o, p, "quota", &cpu->quota), cpu->has_quota);
  OPT (get_uint64 (c, o, p, "burst", &cpu->burst), cpu->has_burst);
  OPT (get_uint64 (c, o, p, "period", &cpu->period), cpu->has_period);
  OPT (get_int64 (c, o, p, "realtimeRuntime", &cpu->realtime_runtime), cpu->has_realtime_runtime);
  OPT (get_uint64 (c, o, p, "realtimePeriod", &cpu->realtime_period), cpu->has_realtime_period);
  OPT (get_int64 (c, o, p, "idle", &cpu->idle), cpu->has_idle);
  if (get_string (c, o, p, "cpus", &cpu->cpus) < 0 || get_string (c, o, p, "mems", &cpu->mems) < 0)
    return -1;
  return 0;
}

static int
parse_weight_devices (struct pctx *c, yajl_val o, const char *p, struct spec_block_io *b)
{
  cleanup_free char *pw = path_key (p, "weightDevice");
  yajl_val arr;
  size_t i;
  uint32_t w;
  int r;

  if (get_array (c, o, p, "weightDevice", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  b->weight_device = xcalloc (arr->u.array.len, sizeof (*b->weight_device));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (pw, i);
      yajl_val d = arr->u.array.values[i];
      struct spec_weight_device *wd = &b->weight_device[b->n_weight_device++];

      if (!YAJL_IS_OBJECT (d))
        return perr (c, pi, "expected an object");
      if (get_int64 (c, d, pi, "major", &wd->major) < 0
          || get_int64 (c, d, pi, "minor", &wd->minor) < 0)
        return -1;
      if ((r = get_uint32 (c, d, pi, "weight", &w)) < 0)
        return -1;
      wd->has_weight = r > 0;
      wd->weight = r > 0 ? w : 0;
      if ((r = get_uint32 (c, d, pi, "leafWeight", &w)) < 0)
        return -1;
      wd->has_leaf_weight = r > 0;
      wd->leaf_weight = r > 0 ? w : 0;
    }
  return 0;
}

static int
parse_throttle (struct pctx *c, yajl_val o, const char *p, const char *key,
                struct spec_throttle_device **out, size_t *n)
{
  cleanup_free char *pk = path_key (p, key);
  yajl_val arr;
  size_t i;

  if (get_array (c, o, p, key, &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  *out = xcalloc (arr->u.array.len, sizeof (**out));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (pk, i);
      yajl_val d = arr->u.array.values[i];
      struct spec_throttle_device *t = &(*out)[(*n)++];

      if (!YAJL_IS_OBJECT (d))
        return perr (c, pi, "expected an object");
      if (get_int64 (c, d, pi, "major", &t->major) < 0
          || get_int64 (c, d, pi, "minor", &t->minor) < 0
          || get_uint64 (c, d, pi, "rate", &t->rate) < 0)
        return -1;
    }
  return 0;
}

static int
parse_block_io (struct pctx *c, yajl_val v, const char *path, struct spec_resources *r)
{
  cleanup_free char *p = path_key (path, "blockIO");
  struct spec_block_io *b;
  yajl_val o;
  uint32_t w;
  int rr;

  if (get_object (c, v, path, "blockIO", &o) < 0)
    return -1;
  if (o == NULL)
    return 0;
  b = r->block_io = xzalloc (sizeof (*b));
  if ((rr = get_uint32 (c, o, p, "weight", &w)) < 0)
    return -1;
  b->has_weight = rr > 0;
  b->weight = rr > 0 ? w : 0;
  if ((rr = get_uint32 (c, o, p, "leafWeight", &w)) < 0)
    return -1;
  b->has_leaf_weight = rr > 0;
  b->leaf_weight = rr > 0 ? w : 0;
  if (parse_weight_devices (c, o, p, b) < 0
      || parse_throttle (c, o, p, "throttleReadBpsDevice", &b->throttle_read_bps,
                         &b->n_throttle_read_bps)
             < 0
      || parse_throttle (c, o, p, "throttleWriteBpsDevice", &b->throttle_write_bps,
                         &b->n_throttle_write_bps)
             < 0
      || parse_throttle (c, o, p, "throttleReadIOPSDevice", &b->throttle_read_iops,
                         &b->n_throttle_read_iops)
             < 0
      || parse_throttle (c, o, p, "throttleWriteIOPSDevice", &b->throttle_write_iops,
                         &b->n_throttle_write_iops)
             < 0)
    return -1;
  return 0;
}

static int
parse_hugepages (struct pctx *c, yajl_val v, const char *path, struct spec_resources *r)
{
  cleanup_free char *p = path_key (path, "hugepageLimits");
  yajl_val arr;
  size_t i;

  if (get_array (c, v, path, "hugepageLimits", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  r->hugepage_limits = xcalloc (arr->u.array.len, sizeof (*r->hugepage_limits));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (p, i);
      yajl_val o = arr->u.array.values[i];
      struct spec_hugepage_limit *h = &r->hugepage_limits[r->n_hugepage_limits++];

      if (!YAJL_IS_OBJECT (o))
        return perr (c, pi, "expected an object");
      if (get_string (c, o, pi, "pageSize", &h->page_size) < 0
          || get_uint64 (c, o, pi, "limit", &h->limit) < 0)
        return -1;
      if (h->page_size == NULL)
        {
          cleanup_free char *pp = path_key (pi, "pageSize");
          return perr (c, pp, "required");
        }
    }
  return 0;
}

static int
parse_network (struct pctx *c, yajl_val v, const char *path, struct spec_resources *r)
{
  cleanup_free char *p = path_key (path, "network");
  cleanup_free char *pp = path_key (p, "priorities");
  yajl_val o, arr;
  size_t i;

  if (get_object (c, v, path, "network", &o) < 0)
    return -1;
  if (o == NULL)
    return 0;
  r->network = xzalloc (sizeof (*r->network));
  OPT (get_uint32 (c, o, p, "classID", &r->network->class_id), r->network->has_class_id);
  if (get_array (c, o, p, "priorities", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  r->network->priorities = xcalloc (arr->u.array.len, sizeof (*r->network->priorities));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (pp, i);
      yajl_val e = arr->u.array.values[i];
      struct spec_net_priority *np = &r->network->priorities[r->network->n_priorities++];

      if (!YAJL_IS_OBJECT (e))
        return perr (c, pi, "expected an object");
      if (get_string (c, e, pi, "name", &np->name) < 0
          || get_uint32 (c, e, pi, "priority", &np->priority) < 0)
        return -1;
    }
  return 0;
}

static int
parse_rdma (struct pctx *c, yajl_val v, const char *path, struct spec_resources *r)
{
  cleanup_free char *p = path_key (path, "rdma");
  yajl_val o;
  size_t i;

  if (get_object (c, v, path, "rdma", &o) < 0)
    return -1;
  if (o == NULL)
    return 0;
  r->rdma = xcalloc (o->u.object.len, sizeof (*r->rdma));
  for (i = 0; i < o->u.object.len; i++)
    {
      cleanup_free char *pk = path_key (p, o->u.object.keys[i]);
      yajl_val e = o->u.object.values[i];
      struct spec_rdma *rd = &r->rdma[r->n_rdma++];

      rd->device = xstrdup (o->u.object.keys[i]);
      if (!YAJL_IS_OBJECT (e))
        return perr (c, pk, "expected an object");
      OPT (get_uint32 (c, e, pk, "hcaHandles", &rd->hca_handles), rd->has_hca_handles);
      OPT (get_uint32 (c, e, pk, "hcaObjects", &rd->hca_objects), rd->has_hca_objects);
    }
  return 0;
}

int
parse_resources (struct pctx *c, yajl_val v, const char *path, struct spec_resources **out)
{
  struct spec_resources *r = *out = xzalloc (sizeof (*r));
  yajl_val o;

  if (!YAJL_IS_OBJECT (v))
    return perr (c, path, "expected an object");
  if (parse_dev_rules (c, v, path, r) < 0 || parse_memory (c, v, path, r) < 0
      || parse_cpu (c, v, path, r) < 0 || parse_block_io (c, v, path, r) < 0
      || parse_hugepages (c, v, path, r) < 0 || parse_network (c, v, path, r) < 0
      || parse_rdma (c, v, path, r) < 0
      || get_kv (c, v, path, "unified", &r->unified, &r->n_unified) < 0)
    return -1;
  if (get_object (c, v, path, "pids", &o) < 0)
    return -1;
  if (o)
    {
      cleanup_free char *pp = path_key (path, "pids");
      r->pids = xzalloc (sizeof (*r->pids));
      if (get_int64 (c, o, pp, "limit", &r->pids->limit) < 0)
        return -1;
    }
  return 0;
}

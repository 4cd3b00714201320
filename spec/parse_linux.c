/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "linux" object: namespaces, id mappings, time offsets, devices,
 * propagation, sysctl, masked/readonly paths and the seccomp section
 * (actions, operators and architectures resolved with libseccomp). */
#include "spec/parse_util.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "spec/spec.h"

#include <sched.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mount.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct
{
  const char *name;
  int flag;
} ns_types[SPEC_NS__COUNT] = {
  [SPEC_NS_PID] = { "pid", CLONE_NEWPID },          [SPEC_NS_NETWORK] = { "network", CLONE_NEWNET },
  [SPEC_NS_MOUNT] = { "mount", CLONE_NEWNS },       [SPEC_NS_IPC] = { "ipc", CLONE_NEWIPC },
  [SPEC_NS_UTS] = { "uts", CLONE_NEWUTS },          [SPEC_NS_USER] = { "user", CLONE_NEWUSER },
  [SPEC_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP }, [SPEC_NS_TIME] = { "time", CLONE_NEWTIME },
};

const char *
spec_ns_type_name (enum spec_ns_type type)
{
  return type < SPEC_NS__COUNT ? ns_types[type].name : "unknown";
}

int
spec_ns_type_from_name (const char *name)
{
  int i;

  for (i = 0; i < SPEC_NS__COUNT; i++)
    if (strcmp (ns_types[i].name, name) == 0)
      return i;
  return -1;
}

int
spec_ns_clone_flag (enum spec_ns_type type)
{
  return type < SPEC_NS__COUNT ? ns_types[type].flag : 0;
}

static int
parse_namespaces (struct pctx *c, yajl_val lx, const char *path, struct spec_linux *l)
{
  cleanup_free char *pn = path_key (path, "namespaces");
  yajl_val arr;
  size_t i, j;

  if (get_array (c, lx, path, "namespaces", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  l->namespaces = xcalloc (arr->u.array.len, sizeof (*l->namespaces));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (pn, i);
      cleanup_free char *pt = path_key (pi, "type");
      cleanup_free char *type = NULL;
      yajl_val o = arr->u.array.values[i];
      struct spec_namespace *ns = &l->namespaces[l->n_namespaces];
      int t;

      if (!YAJL_IS_OBJECT (o))
        return perr (c, pi, "expected an object");
      if (get_string (c, o, pi, "type", &type) < 0 || get_string (c, o, pi, "path", &ns->path) < 0)
        {
          free (ns->path);
          ns->path = NULL;
          return -1;
        }
      l->n_namespaces++;
      if (type == NULL)
        return perr (c, pt, "required");
      if ((t = spec_ns_type_from_name (type)) < 0)
        return perr (c, pt, "unknown namespace type \"%s\"", type);
      ns->type = t;
      for (j = 0; j < i; j++)
        if (l->namespaces[j].type == ns->type)
          return perr (c, pt, "duplicate namespace type \"%s\"", type);
      if (ns->path && ns->path[0] != '/')
        {
          cleanup_free char *pp = path_key (pi, "path");
          return perr (c, pp, "must be an absolute path, got \"%s\"", ns->path);
        }
    }
  return 0;
}

int
parse_id_mappings (struct pctx *c, yajl_val arr, const char *path, struct spec_id_mapping **out,
                   size_t *n)
{
  size_t i;

  *out = xcalloc (arr->u.array.len, sizeof (**out));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (path, i);
      yajl_val o = arr->u.array.values[i];
      struct spec_id_mapping *m = &(*out)[i];

      (*n)++;
      if (!YAJL_IS_OBJECT (o))
        return perr (c, pi, "expected an object");
      if (get_uint32 (c, o, pi, "containerID", &m->container_id) < 0
          || get_uint32 (c, o, pi, "hostID", &m->host_id) < 0
          || get_uint32 (c, o, pi, "size", &m->size) < 0)
        return -1;
      if (m->size == 0)
        {
          cleanup_free char *ps = path_key (pi, "size");
          return perr (c, ps, "must be greater than zero");
        }
    }
  return 0;
}

static int
parse_mappings (struct pctx *c, yajl_val lx, const char *path, struct spec_linux *l)
{
  cleanup_free char *pu = path_key (path, "uidMappings");
  cleanup_free char *pg = path_key (path, "gidMappings");
  yajl_val v;

  if (get_array (c, lx, path, "uidMappings", &v) < 0
      || (v && parse_id_mappings (c, v, pu, &l->uid_mappings, &l->n_uid_mappings) < 0))
    return -1;
  if (get_array (c, lx, path, "gidMappings", &v) < 0
      || (v && parse_id_mappings (c, v, pg, &l->gid_mappings, &l->n_gid_mappings) < 0))
    return -1;
  return 0;
}

static int
parse_time_offsets (struct pctx *c, yajl_val lx, const char *path, struct spec_linux *l)
{
  cleanup_free char *pt = path_key (path, "timeOffsets");
  yajl_val o;
  size_t i;

  if (get_object (c, lx, path, "timeOffsets", &o) < 0)
    return -1;
  if (o == NULL)
    return 0;
  l->time_offsets = xcalloc (o->u.object.len, sizeof (*l->time_offsets));
  for (i = 0; i < o->u.object.len; i++)
    {
      const char *clock = o->u.object.keys[i];
      cleanup_free char *pc = path_key (pt, clock);
      struct spec_time_offset *t = &l->time_offsets[l->n_time_offsets++];

      t->clock = xstrdup (clock);
      if (strcmp (clock, "monotonic") != 0 && strcmp (clock, "boottime") != 0)
        return perr (c, pc, "unknown clock \"%s\" (monotonic or boottime)", clock);
      if (!YAJL_IS_OBJECT (o->u.object.values[i]))
        return perr (c, pc, "expected an object");
      if (get_int64 (c, o->u.object.values[i], pc, "secs", &t->secs) < 0
          || get_uint32 (c, o->u.object.values[i], pc, "nanosecs", &t->nanosecs) < 0)
        return -1;
    }
  return 0;
}

static int
parse_device (struct pctx *c, yajl_val o, const char *pi, struct spec_device *d)
{
  cleanup_free char *type = NULL;
  cleanup_free char *pt = path_key (pi, "type");
  cleanup_free char *pp = path_key (pi, "path");
  uint32_t v;
  int r;

  if (!YAJL_IS_OBJECT (o))
    return perr (c, pi, "expected an object");
  if (get_string (c, o, pi, "type", &type) < 0 || get_string (c, o, pi, "path", &d->path) < 0
      || get_int64 (c, o, pi, "major", &d->major) < 0
      || get_int64 (c, o, pi, "minor", &d->minor) < 0)
    return -1;
  if (type == NULL || strlen (type) != 1 || strchr ("cbup", type[0]) == NULL)
    return perr (c, pt, "must be one of \"c\", \"b\", \"u\", \"p\"");
  d->type = type[0];
  if (d->path == NULL || d->path[0] != '/')
    return perr (c, pp, "must be an absolute path");
  if ((r = get_uint32 (c, o, pi, "fileMode", &v)) < 0)
    return -1;
  d->has_file_mode = r > 0;
  d->file_mode = v & 07777;
  if ((r = get_uint32 (c, o, pi, "uid", &v)) < 0)
    return -1;
  d->has_uid = r > 0;
  d->uid = v;
  if ((r = get_uint32 (c, o, pi, "gid", &v)) < 0)
    return -1;
  d->has_gid = r > 0;
  d->gid = v;
  return 0;
}

static int
parse_devices (struct pctx *c, yajl_val lx, const char *path, struct spec_linux *l)
{
  cleanup_free char *pd = path_key (path, "devices");
  yajl_val arr;
  size_t i;

  if (get_array (c, lx, path, "devices", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  l->devices = xcalloc (arr->u.array.len, sizeof (*l->devices));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (pd, i);
      if (parse_device (c, arr->u.array.values[i], pi, &l->devices[l->n_devices++]) < 0)
        return -1;
    }
  return 0;
}

static int
check_abs_paths (struct pctx *c, const char *path, const char *key, char **v, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (v[i][0] != '/')
      {
        cleanup_free char *pk = path_key (path, key);
        cleanup_free char *pi = path_idx (pk, i);
        return perr (c, pi, "must be an absolute path, got \"%s\"", v[i]);
      }
  return 0;
}

int parse_seccomp (struct pctx *c, yajl_val v, const char *path, struct spec_seccomp **out);

static int
parse_misc (struct pctx *c, yajl_val lx, const char *path, struct spec_linux *l)
{
  yajl_val v;

  if (get_string (c, lx, path, "cgroupsPath", &l->cgroups_path) < 0
      || get_string (c, lx, path, "rootfsPropagation", &l->rootfs_propagation) < 0
      || get_kv (c, lx, path, "sysctl", &l->sysctl, &l->n_sysctl) < 0
      || get_strv (c, lx, path, "maskedPaths", &l->masked_paths, &l->n_masked_paths) < 0
      || check_abs_paths (c, path, "maskedPaths", l->masked_paths, l->n_masked_paths) < 0
      || get_strv (c, lx, path, "readonlyPaths", &l->readonly_paths, &l->n_readonly_paths) < 0
      || check_abs_paths (c, path, "readonlyPaths", l->readonly_paths, l->n_readonly_paths) < 0
      || get_string (c, lx, path, "mountLabel", &l->mount_label) < 0)
    return -1;
  if (l->rootfs_propagation
      && propagation_from_name (l->rootfs_propagation, &l->rootfs_propagation_flags) < 0)
    {
      cleanup_free char *pr = path_key (path, "rootfsPropagation");
      return perr (c, pr, "unknown propagation \"%s\"", l->rootfs_propagation);
    }
  if (get_object (c, lx, path, "resources", &v) < 0)
    return -1;
  if (v)
    {
      cleanup_free char *pr = path_key (path, "resources");
      if (parse_resources (c, v, pr, &l->resources) < 0)
        return -1;
    }
  if (get_object (c, lx, path, "seccomp", &v) < 0)
    return -1;
  if (v)
    {
      cleanup_free char *ps = path_key (path, "seccomp");
      if (parse_seccomp (c, v, ps, &l->seccomp) < 0)
        return -1;
    }
  if (get_object (c, lx, path, "intelRdt", &v) < 0)
    return -1;
  if (v)
    {
      cleanup_free char *pi = path_key (path, "intelRdt");
      l->intel_rdt = xzalloc (sizeof (*l->intel_rdt));
      if (get_string (c, v, pi, "closID", &l->intel_rdt->clos_id) < 0
          || get_string (c, v, pi, "l3CacheSchema", &l->intel_rdt->l3_cache_schema) < 0
          || get_string (c, v, pi, "memBwSchema", &l->intel_rdt->mem_bw_schema) < 0)
        return -1;
      /* not applied (no resctrl support): refused, as runc refuses it on
       * a host without RDT, rather than ignored */
      return perr (c, pi, "not supported by hyrun (no Intel RDT / resctrl support)");
    }
  /* runtime-spec 1.2's NUMA policy is not applied: refused, not ignored */
  if (get_object (c, lx, path, "memoryPolicy", &v) < 0)
    return -1;
  if (v)
    {
      cleanup_free char *pm = path_key (path, "memoryPolicy");
      return perr (c, pm, "not supported by hyrun");
    }
  if (get_object (c, lx, path, "personality", &v) < 0)
    return -1;
  if (v)
    {
      cleanup_free char *pp = path_key (path, "personality");
      l->personality = xzalloc (sizeof (*l->personality));
      if (get_string (c, v, pp, "domain", &l->personality->domain) < 0
          || get_strv (c, v, pp, "flags", &l->personality->flags, &l->personality->n_flags) < 0)
        return -1;
      if (l->personality->n_flags)
        {
          cleanup_free char *pf = path_key (pp, "flags");
          return perr (c, pf, "not supported (the runtime-spec reserves it)");
        }
      if (l->personality->domain && strcmp (l->personality->domain, "LINUX") != 0
          && strcmp (l->personality->domain, "LINUX32") != 0)
        {
          cleanup_free char *pd = path_key (pp, "domain");
          return perr (c, pd, "unknown domain \"%s\" (LINUX or LINUX32)", l->personality->domain);
        }
    }
  return 0;
}

static bool
has_ns (const struct spec_linux *l, enum spec_ns_type type, bool new_only)
{
  for (size_t i = 0; i < l->n_namespaces; i++)
    if (l->namespaces[i].type == type && !(new_only && l->namespaces[i].path))
      return true;
  return false;
}

/* runc's rule: a sysctl is set only where the container has its own copy
 * of it (ipc, network or uts namespace); anything else would change the
 * host's value. */
static int
check_sysctls (struct pctx *c, const char *path, const struct spec_linux *l)
{
  static const char *const ipc_keys[]
      = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
          "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };

  for (size_t i = 0; i < l->n_sysctl; i++)
    {
      const char *key = l->sysctl[i].key;
      cleanup_free char *pk = xasprintf ("%s.sysctl.%s", path, key);
      enum spec_ns_type need = SPEC_NS__COUNT;

      if (strstr (key, "..") || strchr (key, '/'))
        return perr (c, pk, "invalid key");
      for (size_t k = 0; k < sizeof (ipc_keys) / sizeof (ipc_keys[0]); k++)
        if (strcmp (key, ipc_keys[k]) == 0)
          need = SPEC_NS_IPC;
      if (strncmp (key, "fs.mqueue.", 10) == 0)
        need = SPEC_NS_IPC;
      else if (strncmp (key, "net.", 4) == 0)
        need = SPEC_NS_NETWORK;
      else if (strcmp (key, "kernel.hostname") == 0 || strcmp (key, "kernel.domainname") == 0)
        need = SPEC_NS_UTS;
      if (need == SPEC_NS__COUNT)
        return perr (c, pk,
                     "not in a separate kernel namespace, refusing to change the host's value");
      if (!has_ns (l, need, false))
        return perr (c, pk, "needs a%s %s namespace", need == SPEC_NS_IPC ? "n" : "",
                     ns_types[need].name);
    }
  return 0;
}

int
parse_linux (struct pctx *c, yajl_val v, const char *path, struct spec_linux **out)
{
  struct spec_linux *l = *out = xzalloc (sizeof (*l));

  if (parse_namespaces (c, v, path, l) < 0 || parse_mappings (c, v, path, l) < 0
      || parse_time_offsets (c, v, path, l) < 0 || parse_devices (c, v, path, l) < 0
      || parse_misc (c, v, path, l) < 0)
    return -1;
  /* runc: mappings without a user namespace are meaningless. */
  if ((l->n_uid_mappings || l->n_gid_mappings) && !has_ns (l, SPEC_NS_USER, false))
    {
      cleanup_free char *pu = path_key (path, "uidMappings");
      return perr (c, pu, "requires a user namespace (linux.namespaces has no \"user\")");
    }
  if (l->n_time_offsets && !has_ns (l, SPEC_NS_TIME, true))
    {
      cleanup_free char *pt = path_key (path, "timeOffsets");
      return perr (c, pt, "requires a new time namespace (linux.namespaces has no \"time\")");
    }
  /* Without a mount namespace the container shares the runtime's mount
   * table (runtime-spec: an unlisted namespace is inherited): what would
   * remount or hide paths there would do it on the host (runc: "unable to
   * restrict sys entries without a private MNT namespace"). */
  if (!has_ns (l, SPEC_NS_MOUNT, false))
    {
      const char *key = l->n_masked_paths       ? "maskedPaths"
                        : l->n_readonly_paths   ? "readonlyPaths"
                        : l->rootfs_propagation ? "rootfsPropagation"
                                                : NULL;
      if (key)
        {
          cleanup_free char *pk = path_key (path, key);
          return perr (c, pk, "requires a mount namespace (linux.namespaces has no \"mount\")");
        }
    }
  return check_sysctls (c, path, l);
}

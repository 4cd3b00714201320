/* SPDX-License-Identifier: GPL-2.0-or-later */
/* struct spec → JSON: the fields hyrun acts on, so a parsed config can be
 * written back (round-trip tests; handing a checked config on). */
#include "spec/jsonw.h"
#include "spec/spec.h"

static void
strv (struct jsonw *w, const char *key, char **v, size_t n)
{
  size_t i;

  if (v == NULL)
    return;
  jsonw_key (w, key);
  jsonw_begin_array (w);
  for (i = 0; i < n; i++)
    jsonw_string (w, v[i]);
  jsonw_end_array (w);
}

static void
kv (struct jsonw *w, const char *key, struct spec_kv *v, size_t n)
{
  size_t i;

  if (v == NULL)
    return;
  jsonw_key (w, key);
  jsonw_begin_object (w);
  for (i = 0; i < n; i++)
    {
      jsonw_key (w, v[i].key);
      jsonw_string (w, v[i].value);
    }
  jsonw_end_object (w);
}

static void
write_caps (struct jsonw *w, const struct spec_capabilities *c)
{
  if (c == NULL)
    return;
  jsonw_key (w, "capabilities");
  jsonw_begin_object (w);
  strv (w, "bounding", c->bounding, c->n_bounding);
  strv (w, "effective", c->effective, c->n_effective);
  strv (w, "inheritable", c->inheritable, c->n_inheritable);
  strv (w, "permitted", c->permitted, c->n_permitted);
  strv (w, "ambient", c->ambient, c->n_ambient);
  jsonw_end_object (w);
}

static void
write_process_object (struct jsonw *w, const struct spec_process *p)
{
  size_t i;

  jsonw_begin_object (w);
  jsonw_key (w, "terminal");
  jsonw_bool (w, p->terminal);
  jsonw_key (w, "user");
  jsonw_begin_object (w);
  jsonw_key (w, "uid");
  jsonw_uint (w, p->user.uid);
  jsonw_key (w, "gid");
  jsonw_uint (w, p->user.gid);
  if (p->user.has_umask)
    {
      jsonw_key (w, "umask");
      jsonw_uint (w, p->user.umask);
    }
  if (p->user.n_additional_gids)
    {
      jsonw_key (w, "additionalGids");
      jsonw_begin_array (w);
      for (i = 0; i < p->user.n_additional_gids; i++)
        jsonw_uint (w, p->user.additional_gids[i]);
      jsonw_end_array (w);
    }
  jsonw_end_object (w);
  strv (w, "args", p->args, p->n_args);
  strv (w, "env", p->env, p->n_env);
  jsonw_key (w, "cwd");
  jsonw_string (w, p->cwd);
  write_caps (w, p->capabilities);
  if (p->n_rlimits)
    {
      jsonw_key (w, "rlimits");
      jsonw_begin_array (w);
      for (i = 0; i < p->n_rlimits; i++)
        {
          jsonw_begin_object (w);
          jsonw_key (w, "type");
          jsonw_string (w, p->rlimits[i].type);
          jsonw_key (w, "hard");
          jsonw_uint (w, p->rlimits[i].hard);
          jsonw_key (w, "soft");
          jsonw_uint (w, p->rlimits[i].soft);
          jsonw_end_object (w);
        }
      jsonw_end_array (w);
    }
  jsonw_key (w, "noNewPrivileges");
  jsonw_bool (w, p->no_new_privileges);
  if (p->has_oom_score_adj)
    {
      jsonw_key (w, "oomScoreAdj");
      jsonw_int (w, p->oom_score_adj);
    }
  jsonw_end_object (w);
}

static void
write_process (struct jsonw *w, const struct spec_process *p)
{
  jsonw_key (w, "process");
  write_process_object (w, p);
}

char *
spec_process_to_json (const struct spec_process *p)
{
  struct jsonw *w = jsonw_new (false);

  write_process_object (w, p);
  return jsonw_finish (w, NULL);
}

static void
write_mounts (struct jsonw *w, const struct spec *s)
{
  size_t i;

  jsonw_key (w, "mounts");
  jsonw_begin_array (w);
  for (i = 0; i < s->n_mounts; i++)
    {
      const struct spec_mount *m = &s->mounts[i];
      jsonw_begin_object (w);
      jsonw_key (w, "destination");
      jsonw_string (w, m->destination);
      if (m->type)
        {
          jsonw_key (w, "type");
          jsonw_string (w, m->type);
        }
      if (m->source)
        {
          jsonw_key (w, "source");
          jsonw_string (w, m->source);
        }
      strv (w, "options", m->options, m->n_options);
      jsonw_end_object (w);
    }
  jsonw_end_array (w);
}

static void
write_mappings (struct jsonw *w, const char *key, const struct spec_id_mapping *m, size_t n)
{
  size_t i;

  if (n == 0)
    return;
  jsonw_key (w, key);
  jsonw_begin_array (w);
  for (i = 0; i < n; i++)
    {
      jsonw_begin_object (w);
      jsonw_key (w, "containerID");
      jsonw_uint (w, m[i].container_id);
      jsonw_key (w, "hostID");
      jsonw_uint (w, m[i].host_id);
      jsonw_key (w, "size");
      jsonw_uint (w, m[i].size);
      jsonw_end_object (w);
    }
  jsonw_end_array (w);
}

static void
write_resources (struct jsonw *w, const struct spec_resources *r)
{
  jsonw_key (w, "resources");
  jsonw_begin_object (w);
  if (r->memory && r->memory->has_limit)
    {
      jsonw_key (w, "memory");
      jsonw_begin_object (w);
      jsonw_key (w, "limit");
      jsonw_int (w, r->memory->limit);
      jsonw_end_object (w);
    }
  if (r->pids)
    {
      jsonw_key (w, "pids");
      jsonw_begin_object (w);
      jsonw_key (w, "limit");
      jsonw_int (w, r->pids->limit);
      jsonw_end_object (w);
    }
  if (r->cpu)
    {
      jsonw_key (w, "cpu");
      jsonw_begin_object (w);
      if (r->cpu->has_shares)
        {
          jsonw_key (w, "shares");
          jsonw_uint (w, r->cpu->shares);
        }
      if (r->cpu->has_quota)
        {
          jsonw_key (w, "quota");
          jsonw_int (w, r->cpu->quota);
        }
      if (r->cpu->has_period)
        {
          jsonw_key (w, "period");
          jsonw_uint (w, r->cpu->period);
        }
      if (r->cpu->cpus)
        {
          jsonw_key (w, "cpus");
          jsonw_string (w, r->cpu->cpus);
        }
      jsonw_end_object (w);
    }
  jsonw_end_object (w);
}

static void
write_linux (struct jsonw *w, const struct spec_linux *l)
{
  size_t i;

  jsonw_key (w, "linux");
  jsonw_begin_object (w);
  jsonw_key (w, "namespaces");
  jsonw_begin_array (w);
  for (i = 0; i < l->n_namespaces; i++)
    {
      jsonw_begin_object (w);
      jsonw_key (w, "type");
      jsonw_string (w, spec_ns_type_name (l->namespaces[i].type));
      if (l->namespaces[i].path)
        {
          jsonw_key (w, "path");
          jsonw_string (w, l->namespaces[i].path);
        }
      jsonw_end_object (w);
    }
  jsonw_end_array (w);
  write_mappings (w, "uidMappings", l->uid_mappings, l->n_uid_mappings);
  write_mappings (w, "gidMappings", l->gid_mappings, l->n_gid_mappings);
  if (l->cgroups_path)
    {
      jsonw_key (w, "cgroupsPath");
      jsonw_string (w, l->cgroups_path);
    }
  if (l->resources)
    write_resources (w, l->resources);
  if (l->rootfs_propagation)
    {
      jsonw_key (w, "rootfsPropagation");
      jsonw_string (w, l->rootfs_propagation);
    }
  kv (w, "sysctl", l->sysctl, l->n_sysctl);
  strv (w, "maskedPaths", l->masked_paths, l->n_masked_paths);
  strv (w, "readonlyPaths", l->readonly_paths, l->n_readonly_paths);
  jsonw_end_object (w);
}

char *
spec_to_json (const struct spec *s, hy_error_t *err)
{
  struct jsonw *w = jsonw_new (true);

  (void)err;
  jsonw_begin_object (w);
  jsonw_key (w, "ociVersion");
  jsonw_string (w, s->oci_version);
  if (s->process)
    write_process (w, s->process);
  jsonw_key (w, "root");
  jsonw_begin_object (w);
  jsonw_key (w, "path");
  jsonw_string (w, s->root->path);
  jsonw_key (w, "readonly");
  jsonw_bool (w, s->root->readonly);
  jsonw_end_object (w);
  if (s->hostname)
    {
      jsonw_key (w, "hostname");
      jsonw_string (w, s->hostname);
    }
  if (s->domainname)
    {
      jsonw_key (w, "domainname");
      jsonw_string (w, s->domainname);
    }
  write_mounts (w, s);
  kv (w, "annotations", s->annotations, s->n_annotations);
  if (s->linux_)
    write_linux (w, s->linux_);
  jsonw_end_object (w);
  return jsonw_finish (w, NULL);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Releasing a parsed spec; every free tolerates a partially filled struct
 * (the parser frees through here when it fails half way). */
#include "common/cleanup.h"
#include "spec/spec.h"

#include <stdlib.h>

static void
strv_free (char **v, size_t n)
{
  size_t i;

  if (v == NULL)
    return;
  for (i = 0; i < n || (n == 0 && v[i]); i++)
    free (v[i]);
  free (v);
}

static void
kv_free (struct spec_kv *kv, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

static void
caps_free (struct spec_capabilities *c)
{
  if (c == NULL)
    return;
  strv_free (c->bounding, c->n_bounding);
  strv_free (c->effective, c->n_effective);
  strv_free (c->inheritable, c->n_inheritable);
  strv_free (c->permitted, c->n_permitted);
  strv_free (c->ambient, c->n_ambient);
  free (c);
}

void
spec_process_free (struct spec_process *p)
{
  size_t i;

  if (p == NULL)
    return;
  free (p->user.additional_gids);
  free (p->user.username);
  strv_free (p->args, p->n_args);
  free (p->command_line);
  strv_free (p->env, p->n_env);
  free (p->cwd);
  caps_free (p->capabilities);
  for (i = 0; i < p->n_rlimits; i++)
    free (p->rlimits[i].type);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  if (p->io_priority)
    free (p->io_priority->class_name);
  free (p->io_priority);
  if (p->scheduler)
    {
      free (p->scheduler->policy);
      strv_free (p->scheduler->flags, p->scheduler->n_flags);
    }
  free (p->scheduler);
  free (p);
}

static void
hooks_free (struct spec_hook *h, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      free (h[i].path);
      strv_free (h[i].args, h[i].n_args);
      strv_free (h[i].env, h[i].n_env);
    }
  free (h);
}

static void
block_io_free (struct spec_block_io *b)
{
  if (b == NULL)
    return;
  free (b->weight_device);
  free (b->throttle_read_bps);
  free (b->throttle_write_bps);
  free (b->throttle_read_iops);
  free (b->throttle_write_iops);
  free (b);
}

void
spec_resources_free (struct spec_resources *r)
{
  size_t i;

  if (r == NULL)
    return;
  for (i = 0; i < r->n_devices; i++)
    free (r->devices[i].access);
  free (r->devices);
  free (r->memory);
  if (r->cpu)
    {
      free (r->cpu->cpus);
      free (r->cpu->mems);
    }
  free (r->cpu);
  free (r->pids);
  block_io_free (r->block_io);
  for (i = 0; i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  if (r->network)
    {
      for (i = 0; i < r->network->n_priorities; i++)
        free (r->network->priorities[i].name);
      free (r->network->priorities);
    }
  free (r->network);
  for (i = 0; i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  kv_free (r->unified, r->n_unified);
  free (r);
}

static void
seccomp_free (struct spec_seccomp *s)
{
  size_t i, j;

  if (s == NULL)
    return;
  free (s->default_action);
  strv_free (s->architectures, s->n_architectures);
  strv_free (s->flags, s->n_flags);
  free (s->listener_path);
  free (s->listener_metadata);
  for (i = 0; i < s->n_syscalls; i++)
    {
      strv_free (s->syscalls[i].names, s->syscalls[i].n_names);
      free (s->syscalls[i].action);
      for (j = 0; j < s->syscalls[i].n_args; j++)
        free (s->syscalls[i].args[j].op);
      free (s->syscalls[i].args);
    }
  free (s->syscalls);
  free (s);
}

static void
linux_free (struct spec_linux *l)
{
  size_t i;

  if (l == NULL)
    return;
  for (i = 0; i < l->n_namespaces; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (i = 0; i < l->n_time_offsets; i++)
    free (l->time_offsets[i].clock);
  free (l->time_offsets);
  for (i = 0; i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  free (l->cgroups_path);
  spec_resources_free (l->resources);
  free (l->rootfs_propagation);
  seccomp_free (l->seccomp);
  kv_free (l->sysctl, l->n_sysctl);
  strv_free (l->masked_paths, l->n_masked_paths);
  strv_free (l->readonly_paths, l->n_readonly_paths);
  free (l->mount_label);
  if (l->intel_rdt)
    {
      free (l->intel_rdt->clos_id);
      free (l->intel_rdt->l3_cache_schema);
      free (l->intel_rdt->mem_bw_schema);
    }
  free (l->intel_rdt);
  if (l->personality)
    {
      free (l->personality->domain);
      strv_free (l->personality->flags, l->personality->n_flags);
    }
  free (l->personality);
  free (l);
}

void
spec_free (struct spec *s)
{
  size_t i;

  if (s == NULL)
    return;
  free (s->oci_version);
  if (s->root)
    free (s->root->path);
  free (s->root);
  spec_process_free (s->process);
  free (s->hostname);
  free (s->domainname);
  for (i = 0; i < s->n_mounts; i++)
    {
      struct spec_mount *m = &s->mounts[i];
      free (m->destination);
      free (m->type);
      free (m->source);
      strv_free (m->options, m->n_options);
      free (m->data);
      free (m->uid_mappings);
      free (m->gid_mappings);
    }
  free (s->mounts);
  if (s->hooks)
    {
      hooks_free (s->hooks->prestart, s->hooks->n_prestart);
      hooks_free (s->hooks->create_runtime, s->hooks->n_create_runtime);
      hooks_free (s->hooks->create_container, s->hooks->n_create_container);
      hooks_free (s->hooks->start_container, s->hooks->n_start_container);
      hooks_free (s->hooks->poststart, s->hooks->n_poststart);
      hooks_free (s->hooks->poststop, s->hooks->n_poststop);
    }
  free (s->hooks);
  kv_free (s->annotations, s->n_annotations);
  linux_free (s->linux_);
  if (s->vm)
    {
      free (s->vm->kernel_path);
      strv_free (s->vm->kernel_parameters, s->vm->n_kernel_parameters);
      free (s->vm->kernel_initrd);
      free (s->vm->hypervisor_path);
    }
  free (s->vm);
  free (s);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM plan: guest kernel, agent, RAM and vCPUs, from the annotations
 * (io.hyrun.vm.*) or from linux.resources, each checked with a message
 * naming the field, before anything on the host changes. */
#include "config.h"
#include "runtime/vm.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "kvm-shim/vmm/machine.h"
#include "kvm-shim/proto/vmproto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MEM_MIB 128
#define MAX_MEM_MIB (256 * 1024)

static int
parse_uint (const char *key, const char *v, uint64_t min, uint64_t max, const char *unit,
            uint64_t *out, hy_error_t *err)
{
  char *end;
  unsigned long long n;

  errno = 0;
  n = strtoull (v, &end, 10);
  if (errno || end == v || *end || v[0] == '-')
    return hy_error_set (err, 0, "config.json: annotations.%s: \"%s\" is not a number", key, v);
  if (n < min || n > max)
    return hy_error_set (err, 0,
                         "config.json: annotations.%s: %llu is out of range (%llu..%llu %s)", key,
                         n, (unsigned long long)min, (unsigned long long)max, unit);
  *out = n;
  return 0;
}

static int
plan_memory (const struct spec *spec, struct vm_plan *p, hy_error_t *err)
{
  const char *v = spec_annotation (spec, "io.hyrun.vm.memory");
  const struct spec_resources *r = spec->linux_ ? spec->linux_->resources : NULL;
  uint64_t n;

  p->mem_mib = DEFAULT_MEM_MIB;
  if (v)
    {
      if (parse_uint ("io.hyrun.vm.memory", v, VMM_MIN_MEM_MIB, MAX_MEM_MIB, "MiB of guest RAM", &n,
                      err)
          < 0)
        return -1;
      p->mem_mib = n;
    }
  else if (r && r->memory && r->memory->has_limit && r->memory->limit > 0)
    {
      n = (uint64_t)r->memory->limit >> 20;
      if (n < VMM_MIN_MEM_MIB + VM_OVERHEAD_MIB)
        return hy_error_set (err, 0,
                             "config.json: linux.resources.memory.limit: %lld bytes is less than "
                             "the %d MiB a VM needs (%d of guest RAM, %d for the VMM; "
                             "io.hyrun.isolation=vm)",
                             (long long)r->memory->limit, VMM_MIN_MEM_MIB + VM_OVERHEAD_MIB,
                             VMM_MIN_MEM_MIB, VM_OVERHEAD_MIB);
      n -= VM_OVERHEAD_MIB;
      p->mem_mib = n > MAX_MEM_MIB ? MAX_MEM_MIB : n;
    }
  return 0;
}

static unsigned
count_cpus (const char *list)
{
  unsigned n = 0;
  const char *s = list;

  while (*s)
    {
      char *end;
      unsigned long a = strtoul (s, &end, 10), b = a;
      if (end == s)
        return 0;
      if (*end == '-')
        {
          s = end + 1;
          b = strtoul (s, &end, 10);
          if (end == s || b < a)
            return 0;
        }
      n += (unsigned)(b - a + 1);
      s = *end == ',' ? end + 1 : end;
      if (*end && *end != ',')
        return 0;
    }
  return n;
}

static int
plan_vcpus (const struct spec *spec, struct vm_plan *p, hy_error_t *err)
{
  const char *v = spec_annotation (spec, "io.hyrun.vm.vcpus");
  const struct spec_resources *r = spec->linux_ ? spec->linux_->resources : NULL;
  const struct spec_cpu *c = r ? r->cpu : NULL;
  uint64_t n;

  p->vcpus = 1;
  if (v)
    {
      if (parse_uint ("io.hyrun.vm.vcpus", v, 1, VMM_MAX_VCPUS, "vCPUs", &n, err) < 0)
        return -1;
      p->vcpus = (unsigned)n;
    }
  else if (c && c->has_quota && c->quota > 0)
    {
      /* quota/period rounded up: 1.5 CPUs of time need 2 vCPUs */
      uint64_t period = c->has_period && c->period ? c->period : 100000;
      n = ((uint64_t)c->quota + period - 1) / period;
      p->vcpus = (unsigned)(n > VMM_MAX_VCPUS ? VMM_MAX_VCPUS : n);
    }
  else if (c && c->cpus && count_cpus (c->cpus) > 0)
    {
      n = count_cpus (c->cpus);
      p->vcpus = (unsigned)(n > VMM_MAX_VCPUS ? VMM_MAX_VCPUS : n);
    }
  return 0;
}

/* A kernel named by the bundle: `field` is where, for the message.  The
 * bundle is less trusted than the runtime: a regular file, not followed
 * if a symlink (O_NOFOLLOW), never a FIFO that would hang the VMM or a
 * device it would read into guest RAM (the VMM checks again). */
static int
named_kernel (const char *field, const char *k, struct vm_plan *p, hy_error_t *err)
{
  cleanup_close int fd = -1;
  struct stat st;

  if (k[0] != '/')
    return hy_error_set (err, 0, "config.json: %s: \"%s\" is not an absolute path", field, k);
  fd = open (k, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0 && errno == ELOOP)
    return hy_error_set (err, 0, "config.json: %s: `%s` is a symlink (name the file itself)", field,
                         k);
  if (fd < 0 || fstat (fd, &st) < 0)
    return hy_error_set (err, errno, "config.json: %s: `%s`", field, k);
  if (!S_ISREG (st.st_mode))
    return hy_error_set (err, 0, "config.json: %s: `%s` is not a regular file", field, k);
  p->kernel = xstrdup (k);
  return 0;
}

static int
plan_files (const struct spec *spec, const char *self_dir, struct vm_plan *p, hy_error_t *err)
{
  const char *k = spec_annotation (spec, "io.hyrun.vm.kernel");

  if (k)
    {
      if (named_kernel ("annotations.io.hyrun.vm.kernel", k, p, err) < 0)
        return -1;
    }
  else if (spec->vm && spec->vm->kernel_path)
    {
      if (named_kernel ("vm.kernel.path", spec->vm->kernel_path, p, err) < 0)
        return -1;
    }
  else
    {
      p->kernel = xstrdup (LIBEXECDIR "/hyrun/vmlinux");
      if (access (p->kernel, R_OK) < 0)
        return hy_error_set (err, errno,
                             "io.hyrun.isolation=vm: no guest kernel at `%s` (build it with "
                             "`make guest-kernel && make install`, or name one with the "
                             "annotation io.hyrun.vm.kernel)",
                             p->kernel);
    }
  p->agent = self_dir ? xasprintf ("%s/hyrun-agent", self_dir) : NULL;
  if (p->agent == NULL || access (p->agent, R_OK) < 0)
    {
      free (p->agent);
      p->agent = xstrdup (LIBEXECDIR "/hyrun/hyrun-agent");
      if (access (p->agent, R_OK) < 0)
        return hy_error_set (err, errno, "io.hyrun.isolation=vm: no guest agent at `%s`", p->agent);
    }
  return 0;
}

/* io.hyrun.vm.ksm: "true" or "false"; without it the build's default
 * (configure --enable-vm-ksm).  Anything else is refused rather than read
 * as false: a typo would silently cost the memory KSM was meant to save. */
static int
plan_ksm (const struct spec *spec, struct vm_plan *p, hy_error_t *err)
{
  const char *v = spec_annotation (spec, "io.hyrun.vm.ksm");

  p->ksm = HYRUN_VM_KSM_DEFAULT;
  if (v == NULL)
    return 0;
  if (strcmp (v, "true") != 0 && strcmp (v, "false") != 0)
    return hy_error_set (err, 0,
                         "config.json: annotations.io.hyrun.vm.ksm: \"%s\": must be \"true\" or "
                         "\"false\"",
                         v);
  p->ksm = strcmp (v, "true") == 0;
  return 0;
}

/* io.hyrun.vm.rootfs-cache: "none" or "loose" (vmproto.h says what each
 * does; the agent reads the annotation from the spec it is sent).  Any
 * other value is refused here, before a guest boots. */
static int
plan_rootfs_cache (const struct spec *spec, hy_error_t *err)
{
  const char *v = spec_annotation (spec, VMPROTO_ROOTFS_CACHE_ANNOTATION);

  if (vmproto_rootfs_cache_known (v))
    return 0;
  return hy_error_set (err, 0,
                       "config.json: annotations." VMPROTO_ROOTFS_CACHE_ANNOTATION
                       ": \"%s\": must be \"none\" (the default: host-side changes seen at "
                       "once) or \"loose\" (the guest caches metadata and pages)",
                       v);
}

/* vm.kernel.parameters go on the guest's command line, after hyrun's own. */
static void
plan_cmdline (const struct spec *spec, struct vm_plan *p)
{
  size_t i;

  for (i = 0; spec->vm && i < spec->vm->n_kernel_parameters; i++)
    {
      char *n = xasprintf ("%s%s%s", p->cmdline ? p->cmdline : "", p->cmdline ? " " : "",
                           spec->vm->kernel_parameters[i]);
      free (p->cmdline);
      p->cmdline = n;
    }
}

/* The guest's network is the container's network namespace, shared
 * through the VMM (kvm-shim/vmm/net_host.h): the host's own network would
 * have its interfaces redirected into the guest. */
static int
plan_network (const struct spec *spec, struct vm_plan *p, hy_error_t *err)
{
  const char *v = spec_annotation (spec, "io.hyrun.vm.network");

  if (v && strcmp (v, "none") != 0)
    return hy_error_set (err, 0,
                         "config.json: annotations: io.hyrun.vm.network: \"%s\": only \"none\" "
                         "(no network in the guest) is known",
                         v);
  p->network = v == NULL;
  if (p->network && spec_namespace_find (spec, SPEC_NS_NETWORK) == NULL)
    return hy_error_set (err, 0,
                         "config.json: linux.namespaces: VM mode needs a network namespace (the "
                         "guest gets its interfaces; the host's own cannot be given away): add "
                         "one, or set the annotation io.hyrun.vm.network=none for a guest "
                         "without network");
  return 0;
}

int
vm_plan_build (const struct spec *spec, const char *self_dir, struct vm_plan *p, hy_error_t *err)
{
  const char *console = spec_annotation (spec, "io.hyrun.vm.debug-console");

  memset (p, 0, sizeof (*p));
  /* These run in the container's namespaces, which are the guest's: their
   * paths name host programs the guest does not have. */
  if (spec->hooks && spec->hooks->n_create_container)
    return hy_error_set (err, 0,
                         "config.json: hooks.createContainer: not supported with "
                         "io.hyrun.isolation=vm yet");
  if (spec->hooks && spec->hooks->n_start_container)
    return hy_error_set (err, 0,
                         "config.json: hooks.startContainer: not supported with "
                         "io.hyrun.isolation=vm yet");
  if (plan_network (spec, p, err) < 0 || plan_ksm (spec, p, err) < 0
      || plan_rootfs_cache (spec, err) < 0)
    return -1;
  p->console = console && strcmp (console, "true") == 0;
  if (plan_memory (spec, p, err) < 0 || plan_vcpus (spec, p, err) < 0
      || plan_files (spec, self_dir, p, err) < 0 || vm_plan_vfio (spec, p, err) < 0)
    {
      vm_plan_fini (p);
      return -1;
    }
  plan_cmdline (spec, p);
  return 0;
}

void
vm_plan_fini (struct vm_plan *p)
{
  free (p->kernel);
  free (p->agent);
  free (p->cmdline);
  p->kernel = p->agent = p->cmdline = NULL;
  vm_plan_vfio_fini (p);
}

const struct spec_resources *
vm_host_resources (struct vm_plan *p, const struct spec_resources *r)
{
  if (r == NULL)
    return NULL;
  p->host_res = *r;
  /* deny all, then /dev/kvm (10:232), /dev/net/tun (10:200, the guest's
   * TAPs) and the VFIO nodes of an assigned device for the VMM (vm_vfio.c) */
  p->host_res.devices = p->vmm_devs;
  p->host_res.n_devices = p->n_vmm_devs;
  return &p->host_res;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun update: change a running container's cgroup limits, as runc's.
 * `--resources FILE` (or `-` for stdin, which containerd uses) gives a
 * linux.resources JSON object; the flags set single fields on top of it.
 * Device rules in --resources replace the container's (as crun's update;
 * runc 1.1 ignores them): on cgroup v2 a new eBPF program takes the old
 * one's place, on v1 the rules are written to devices.deny/allow in order
 * (a list that starts by denying all replaces the old one). */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "runtime/cli.h"
#include "runtime/state_dir.h"
#include "runtime/vm.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum
{
  OPT_RESOURCES = 256,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_CPU_SHARES,
  OPT_CPU_QUOTA,
  OPT_CPU_PERIOD,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_PIDS_LIMIT,
  OPT_BLKIO_WEIGHT,
  OPT_L3_CACHE,
  OPT_MEM_BW,
};

static char *
read_all (int fd, size_t *len, hy_error_t *err)
{
  size_t cap = 4096, n = 0;
  char *buf = xmalloc (cap);

  for (;;)
    {
      ssize_t r;
      if (n + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          free (buf);
          hy_error_set (err, errno, "--resources: read");
          return NULL;
        }
      if (r == 0)
        break;
      n += (size_t)r;
    }
  buf[n] = '\0';
  *len = n;
  return buf;
}

static struct spec_resources *
load_resources (const char *path, hy_error_t *err)
{
  cleanup_close int fd = -1;
  cleanup_free char *json = NULL;
  size_t len = 0;

  if (strcmp (path, "-") == 0)
    json = read_all (STDIN_FILENO, &len, err);
  else
    {
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0)
        {
          hy_error_set (err, errno, "--resources: open `%s`", path);
          return NULL;
        }
      json = read_all (fd, &len, err);
    }
  if (json == NULL)
    return NULL;
  return spec_resources_parse (strcmp (path, "-") == 0 ? "stdin" : path, json, len, err);
}

/* runc's units.RAMInBytes: a number with an optional k/m/g/t suffix
 * (binary), "-1" for unlimited. */
static int
parse_bytes (const char *flag, const char *s, int64_t *out, hy_error_t *err)
{
  char *end;
  double v;
  int64_t mult = 1;

  errno = 0;
  v = strtod (s, &end);
  if (errno || end == s)
    return hy_error_set (err, 0, "--%s: invalid size `%s`", flag, s);
  switch (tolower ((unsigned char)*end))
    {
    case '\0':
      break;
    case 'b':
      break;
    case 'k':
      mult = 1LL << 10;
      break;
    case 'm':
      mult = 1LL << 20;
      break;
    case 'g':
      mult = 1LL << 30;
      break;
    case 't':
      mult = 1LL << 40;
      break;
    default:
      return hy_error_set (err, 0, "--%s: invalid size `%s`", flag, s);
    }
  if (*end && end[1] && !(tolower ((unsigned char)end[1]) == 'b' && end[2] == '\0')
      && !(tolower ((unsigned char)end[1]) == 'i' && tolower ((unsigned char)end[2]) == 'b'
           && end[3] == '\0'))
    return hy_error_set (err, 0, "--%s: invalid size `%s`", flag, s);
  *out = v < 0 ? -1 : (int64_t)(v * (double)mult);
  return 0;
}

static int
parse_int (const char *flag, const char *s, int64_t *out, hy_error_t *err)
{
  char *end;

  errno = 0;
  *out = strtoll (s, &end, 10);
  if (errno || end == s || *end)
    return hy_error_set (err, 0, "--%s: invalid number `%s`", flag, s);
  return 0;
}

static struct spec_memory *
memory_of (struct spec_resources *r)
{
  if (r->memory == NULL)
    r->memory = xcalloc (1, sizeof (*r->memory));
  return r->memory;
}

static struct spec_cpu *
cpu_of (struct spec_resources *r)
{
  if (r->cpu == NULL)
    r->cpu = xcalloc (1, sizeof (*r->cpu));
  return r->cpu;
}

/* One flag onto r. */
static int
apply_flag (struct spec_resources *r, int opt, const char *name, const char *arg, hy_error_t *err)
{
  int64_t v = 0;

  switch (opt)
    {
    case OPT_MEMORY:
    case OPT_MEMORY_RESERVATION:
    case OPT_MEMORY_SWAP:
    case OPT_KERNEL_MEMORY:
    case OPT_KERNEL_MEMORY_TCP:
      if (parse_bytes (name, arg, &v, err) < 0)
        return -1;
      break;
    case OPT_CPUSET_CPUS:
    case OPT_CPUSET_MEMS:
    case OPT_L3_CACHE:
    case OPT_MEM_BW:
      break;
    default:
      if (parse_int (name, arg, &v, err) < 0)
        return -1;
    }
  switch (opt)
    {
    case OPT_MEMORY:
      memory_of (r)->has_limit = true, r->memory->limit = v;
      break;
    case OPT_MEMORY_RESERVATION:
      memory_of (r)->has_reservation = true, r->memory->reservation = v;
      break;
    case OPT_MEMORY_SWAP:
      memory_of (r)->has_swap = true, r->memory->swap = v;
      break;
    case OPT_KERNEL_MEMORY:
      memory_of (r)->has_kernel = true, r->memory->kernel = v;
      break;
    case OPT_KERNEL_MEMORY_TCP:
      memory_of (r)->has_kernel_tcp = true, r->memory->kernel_tcp = v;
      break;
    case OPT_CPU_SHARES:
      cpu_of (r)->has_shares = true, r->cpu->shares = (uint64_t)v;
      break;
    case OPT_CPU_QUOTA:
      cpu_of (r)->has_quota = true, r->cpu->quota = v;
      break;
    case OPT_CPU_PERIOD:
      cpu_of (r)->has_period = true, r->cpu->period = (uint64_t)v;
      break;
    case OPT_CPU_RT_PERIOD:
      cpu_of (r)->has_realtime_period = true, r->cpu->realtime_period = (uint64_t)v;
      break;
    case OPT_CPU_RT_RUNTIME:
      cpu_of (r)->has_realtime_runtime = true, r->cpu->realtime_runtime = v;
      break;
    case OPT_CPUSET_CPUS:
      free (cpu_of (r)->cpus);
      r->cpu->cpus = xstrdup (arg);
      break;
    case OPT_CPUSET_MEMS:
      free (cpu_of (r)->mems);
      r->cpu->mems = xstrdup (arg);
      break;
    case OPT_PIDS_LIMIT:
      if (r->pids == NULL)
        r->pids = xcalloc (1, sizeof (*r->pids));
      r->pids->limit = v;
      break;
    case OPT_BLKIO_WEIGHT:
      if (v < 10 || v > 1000)
        return hy_error_set (err, 0, "--blkio-weight: must be 10..1000, got %lld", (long long)v);
      if (r->block_io == NULL)
        r->block_io = xcalloc (1, sizeof (*r->block_io));
      r->block_io->has_weight = true;
      r->block_io->weight = (uint16_t)v;
      break;
    default:
      return hy_error_set (err, 0, "--%s: Intel RDT is not supported", name);
    }
  return 0;
}

int
cmd_update (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[]
      = { { "resources", required_argument, NULL, OPT_RESOURCES },
          { "memory", required_argument, NULL, OPT_MEMORY },
          { "memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION },
          { "memory-swap", required_argument, NULL, OPT_MEMORY_SWAP },
          { "kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY },
          { "kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP },
          { "cpu-shares", required_argument, NULL, OPT_CPU_SHARES },
          { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
          { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
          { "cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD },
          { "cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME },
          { "cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS },
          { "cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS },
          { "pids-limit", required_argument, NULL, OPT_PIDS_LIMIT },
          { "blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT },
          { "l3-cache-schema", required_argument, NULL, OPT_L3_CACHE },
          { "mem-bw-schema", required_argument, NULL, OPT_MEM_BW },
          { NULL, 0, NULL, 0 } };
  cleanup_container struct container c = { .lock_fd = -1 };
  cleanup_cgroup struct lc_cgroup *cg = NULL;
  struct spec_resources *r = NULL;
  const char *resources = NULL, *id, *status;
  struct
  {
    int opt;
    const char *name, *arg;
  } flags[32];
  size_t n_flags = 0;
  int opt, idx, ret = -1;

  opterr = 0;
  while ((opt = getopt_long (argc, argv, "+", opts, &idx)) != -1)
    {
      if (opt == OPT_RESOURCES)
        resources = optarg;
      else if (opt >= OPT_MEMORY && n_flags < sizeof (flags) / sizeof (flags[0]))
        flags[n_flags++] = (typeof (flags[0])){ opt, opts[idx].name, optarg };
      else
        return hy_error_set (err, 0,
                             "update: flag provided but not defined or missing its value: %s",
                             argv[optind - 1]);
    }
  if (cli_one_id (argc, argv, "update", &id, err) < 0 || container_open (g->root, id, &c, err) < 0)
    return -1;
  status = container_status (&c);
  if (strcmp (status, "stopped") == 0)
    return hy_error_set (err, 0, "cannot update a stopped container %s", id);
  if (c.st->cgroup_path == NULL)
    return hy_error_set (err, 0, "container %s has no cgroup to update", id);
  r = resources ? load_resources (resources, err) : xcalloc (1, sizeof (*r));
  if (r == NULL)
    return -1;
  for (size_t i = 0; i < n_flags; i++)
    if (apply_flag (r, flags[i].opt, flags[i].name, flags[i].arg, err) < 0)
      goto out;
  /* A VM keeps the RAM it booted with: a limit above it cannot be used */
  if (c.st->vm_mem_mib && r->memory && r->memory->has_limit && r->memory->limit > 0
      && ((uint64_t)r->memory->limit >> 20) > c.st->vm_mem_mib + VM_OVERHEAD_MIB)
    {
      hy_error_set (err, 0,
                    "linux.resources.memory.limit: %lld bytes is more than the %llu MiB of RAM "
                    "this VM booted with (and %d MiB for its VMM): a VM's RAM cannot grow "
                    "(io.hyrun.isolation=vm)",
                    (long long)r->memory->limit, (unsigned long long)c.st->vm_mem_mib,
                    VM_OVERHEAD_MIB);
      goto out;
    }
  cg = lc_cgroup_load (c.st->cgroup_path, c.st->systemd_cgroup, err);
  if (cg == NULL)
    goto out;
  if (c.st->vm_mem_mib)
    {
      /* a VM's cgroup holds the VMM: its rules (/dev/kvm, /dev/net/tun) stay */
      for (size_t i = 0; i < r->n_devices; i++)
        free (r->devices[i].access);
      free (r->devices);
      r->devices = NULL;
      r->n_devices = 0;
    }
  ret = lc_cgroup_apply (cg, r, err);
out:
  spec_resources_free (r);
  return ret;
}

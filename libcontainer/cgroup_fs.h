/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup manager's private parts: the hierarchies and file helpers
 * shared by the v1 and v2 back ends. */
#ifndef HY_LC_CGROUP_FS_H
#define HY_LC_CGROUP_FS_H

#include "libcontainer/cgroup.h"

struct cg_hier
{
  char *mnt;   /* mount point, e.g. /sys/fs/cgroup/memory */
  char *ctrls; /* comma list: "memory", "cpu,cpuacct", "name=systemd", v2: its controllers */
  bool v2;
  char *dir; /* mnt + container path */
};

struct lc_cgroup
{
  enum lc_cgroup_mode mode;
  char *path; /* inside each hierarchy, absolute ("/hyrun/id") */
  bool systemd;
  /* systemd driver (cgroup_systemd.c): the scope, its slice, whether
   * systemd has started it, the resources to start it with */
  char *unit, *slice;
  bool started;
  const struct spec_resources *pending;
  struct cg_hier *h;
  size_t n;
};

/* The directory of the hierarchy carrying `ctrl` (NULL when none). */
const char *cg_dir (const struct lc_cgroup *cg, const char *ctrl);
/* The unified hierarchy's directory (v2 or hybrid), NULL on pure v1. */
const char *cg_unified_dir (const struct lc_cgroup *cg);
int cg_write (const char *dir, const char *file, const char *value, const char *field,
              hy_error_t *err);
int cg_write_u64 (const char *dir, const char *file, unsigned long long v, const char *field,
                  hy_error_t *err);
int cg_write_i64 (const char *dir, const char *file, long long v, const char *field,
                  hy_error_t *err);
/* Read a small file into buf (trailing newline removed); -1 with errno. */
int cg_read (const char *dir, const char *file, char *buf, size_t len);
bool cg_has_file (const char *dir, const char *file);
/* Whether `word` is one of the words of the space-separated `list`. */
bool cg_list_has (const char *list, const char *word);
/* "DEVICE hca_handle=N hca_object=M" for rdma.max, only the limits set. */
char *cg_rdma_line (const struct spec_rdma *rd);

/* runc's conversions to v2 values (cgroup_v2.c; unit-tested). */
unsigned long long lc_cgroup_shares_to_weight (unsigned long long shares);
/* blockIO.weight [10, 1000] as io.weight [1, 10000] (runc's conversion). */
unsigned long long lc_cgroup_blkio_to_io_weight (unsigned long long w);
int lc_cgroup_swap_to_v2 (long long swap, long long memory, long long *out, hy_error_t *err);

/* linux.resources written to the cgroup's files (cgroup.c). */
int cg_fs_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err);
int cg_v1_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err);
int cg_v2_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err);
extern const struct spec_device_cgroup cg_default_devices[];
extern const size_t cg_n_default_devices;

/* linux.resources.devices as an eBPF program attached to a v2 cgroup
 * (cgroup_bpf.c). */
int cg_bpf_devices (const char *dir, const struct spec_device_cgroup *rules, size_t n,
                    hy_error_t *err);

/* The systemd driver (cgroup_systemd.c): the cgroup path of cgroupsPath
 * "slice:prefix:name" (NULL: the default) with the slice and unit names;
 * starting the scope with the first pid (and the resources applied before
 * it); resources as unit properties then files; stopping the scope. */
char *cg_systemd_path (const char *cgroups_path, const char *id, char **slice, char **unit,
                       hy_error_t *err);
int cg_systemd_start (struct lc_cgroup *cg, pid_t pid, hy_error_t *err);
int cg_systemd_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err);
int cg_systemd_stop (struct lc_cgroup *cg, hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OCI runtime-spec 1.2 configuration (config.json) for Linux as plain C
 * structs.  spec_load() parses and validates the whole file; everything
 * after it reads these structs and never touches JSON again.  Optional
 * scalars carry a has_<field> flag; arrays are (pointer, count) pairs;
 * strings are NULL when absent. */
#ifndef HY_SPEC_H
#define HY_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

struct spec_kv
{
  char *key;
  char *value;
};

struct spec_rlimit
{
  char *type;   /* "RLIMIT_NOFILE" */
  int resource; /* resolved RLIMIT_* number */
  uint64_t hard;
  uint64_t soft;
};

struct spec_user
{
  uid_t uid;
  gid_t gid;
  bool has_umask;
  mode_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* unused on Linux, kept for round trip */
};

struct spec_capabilities
{
  /* Each set is NULL when absent (not specified) and an empty vector
   * (non-NULL, count 0) when given as []. */
  char **bounding;
  size_t n_bounding;
  char **effective;
  size_t n_effective;
  char **inheritable;
  size_t n_inheritable;
  char **permitted;
  size_t n_permitted;
  char **ambient;
  size_t n_ambient;
};

struct spec_console_size
{
  unsigned height;
  unsigned width;
};

struct spec_io_priority
{
  char *class_name; /* IOPRIO_CLASS_RT|BE|IDLE */
  int class_id;
  int priority;
};

struct spec_scheduler
{
  char *policy; /* SCHED_OTHER ... */
  int policy_id;
  bool has_nice;
  int nice;
  bool has_priority;
  int priority;
  char **flags;
  size_t n_flags;
  uint64_t flag_bits; /* SCHED_FLAG_* of flags */
  bool has_runtime, has_deadline, has_period;
  uint64_t runtime, deadline, period;
};

struct spec_process
{
  bool terminal;
  bool has_console_size;
  struct spec_console_size console_size;
  struct spec_user user;
  char **args; /* NULL-terminated as well, n_args entries */
  size_t n_args;
  char *command_line; /* Windows only, ignored */
  char **env;         /* NULL-terminated as well */
  size_t n_env;
  char *cwd;
  struct spec_capabilities *capabilities; /* NULL when absent */
  struct spec_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *selinux_label;
  struct spec_io_priority *io_priority;
  struct spec_scheduler *scheduler;
};

struct spec_root
{
  char *path;
  bool readonly;
};

struct spec_mount
{
  char *destination;
  char *type;
  char *source;
  char **options;
  size_t n_options;
  /* Resolved from options by the parser (see spec/mount_opts.c). */
  unsigned long flags;       /* MS_* for mount(2) */
  unsigned long clear_flags; /* MS_* explicitly cleared (rw, suid, ...) */
  unsigned long propagation; /* MS_SHARED|MS_SLAVE|MS_PRIVATE|MS_UNBINDABLE [|MS_REC] */
  bool bind;                 /* bind or rbind */
  bool recursive;            /* rbind */
  /* The recursive options (rro, rnosuid, ratime, ...: runtime-spec 1.1),
   * as mount_setattr(2) MOUNT_ATTR_* bits to set and to clear on the whole
   * tree, atime mode included (MOUNT_ATTR__ATIME in attr_clr). */
  unsigned long long attr_set, attr_clr;
  char *data; /* remaining fs-specific options, comma-joined; NULL if none */
  struct spec_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct spec_id_mapping *gid_mappings;
  size_t n_gid_mappings;
};

struct spec_hook
{
  char *path;
  char **args; /* NULL-terminated */
  size_t n_args;
  char **env; /* NULL-terminated */
  size_t n_env;
  bool has_timeout;
  int timeout; /* seconds, > 0 */
};

struct spec_hooks
{
  struct spec_hook *prestart;
  size_t n_prestart;
  struct spec_hook *create_runtime;
  size_t n_create_runtime;
  struct spec_hook *create_container;
  size_t n_create_container;
  struct spec_hook *start_container;
  size_t n_start_container;
  struct spec_hook *poststart;
  size_t n_poststart;
  struct spec_hook *poststop;
  size_t n_poststop;
};

enum spec_ns_type
{
  SPEC_NS_PID,
  SPEC_NS_NETWORK,
  SPEC_NS_MOUNT,
  SPEC_NS_IPC,
  SPEC_NS_UTS,
  SPEC_NS_USER,
  SPEC_NS_CGROUP,
  SPEC_NS_TIME,
  SPEC_NS__COUNT,
};

struct spec_namespace
{
  enum spec_ns_type type;
  char *path; /* join when non-NULL */
};

struct spec_id_mapping
{
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct spec_device
{
  char type; /* 'c', 'b', 'u', 'p' */
  char *path;
  int64_t major;
  int64_t minor;
  bool has_file_mode;
  mode_t file_mode;
  bool has_uid;
  uid_t uid;
  bool has_gid;
  gid_t gid;
};

struct spec_device_cgroup
{
  bool allow;
  char type; /* 'a', 'c', 'b'; 'a' when absent */
  bool has_major, has_minor;
  int64_t major, minor;
  char *access; /* "rwm" subset, NULL = all */
};

struct spec_memory
{
  bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
  int64_t limit, reservation, swap, kernel, kernel_tcp;
  uint64_t swappiness;
  bool has_disable_oom_killer;
  bool disable_oom_killer;
  bool has_use_hierarchy;
  bool use_hierarchy;
  bool has_check_before_update;
  bool check_before_update;
};

struct spec_cpu
{
  bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime, has_realtime_period,
      has_idle;
  uint64_t shares;
  int64_t quota;
  uint64_t burst;
  uint64_t period;
  int64_t realtime_runtime;
  uint64_t realtime_period;
  char *cpus;
  char *mems;
  int64_t idle;
};

struct spec_pids
{
  int64_t limit;
};

struct spec_weight_device
{
  int64_t major, minor;
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
};

struct spec_throttle_device
{
  int64_t major, minor;
  uint64_t rate;
};

struct spec_block_io
{
  bool has_weight, has_leaf_weight;
  uint16_t weight, leaf_weight;
  struct spec_weight_device *weight_device;
  size_t n_weight_device;
  struct spec_throttle_device *throttle_read_bps, *throttle_write_bps, *throttle_read_iops,
      *throttle_write_iops;
  size_t n_throttle_read_bps, n_throttle_write_bps, n_throttle_read_iops, n_throttle_write_iops;
};

struct spec_hugepage_limit
{
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct spec_net_priority
{
  char *name;
  uint32_t priority;
};

struct spec_network
{
  bool has_class_id;
  uint32_t class_id;
  struct spec_net_priority *priorities;
  size_t n_priorities;
};

struct spec_rdma
{
  char *device;
  bool has_hca_handles, has_hca_objects;
  uint32_t hca_handles, hca_objects;
};

struct spec_resources
{
  struct spec_device_cgroup *devices;
  size_t n_devices;
  struct spec_memory *memory;
  struct spec_cpu *cpu;
  struct spec_pids *pids;
  struct spec_block_io *block_io;
  struct spec_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  struct spec_network *network;
  struct spec_rdma *rdma;
  size_t n_rdma;
  struct spec_kv *unified;
  size_t n_unified;
};

/* One seccomp argument condition. */
struct spec_seccomp_arg
{
  unsigned index;
  uint64_t value;
  uint64_t value_two;
  char *op;  /* SCMP_CMP_* */
  int op_id; /* resolved enum scmp_compare */
};

struct spec_seccomp_syscall
{
  char **names;
  size_t n_names;
  char *action;
  uint32_t action_id; /* resolved SCMP_ACT_* without errno */
  bool has_errno_ret;
  uint32_t errno_ret;
  struct spec_seccomp_arg *args;
  size_t n_args;
};

struct spec_seccomp
{
  char *default_action;
  uint32_t default_action_id;
  bool has_default_errno_ret;
  uint32_t default_errno_ret;
  char **architectures;
  size_t n_architectures;
  char **flags;
  size_t n_flags;
  char *listener_path;
  char *listener_metadata;
  struct spec_seccomp_syscall *syscalls;
  size_t n_syscalls;
};

struct spec_time_offset
{
  char *clock; /* "monotonic" | "boottime" */
  int64_t secs;
  uint32_t nanosecs;
};

struct spec_intel_rdt
{
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
};

struct spec_personality
{
  char *domain;
  char **flags;
  size_t n_flags;
};

struct spec_linux
{
  struct spec_namespace *namespaces;
  size_t n_namespaces;
  struct spec_id_mapping *uid_mappings;
  size_t n_uid_mappings;
  struct spec_id_mapping *gid_mappings;
  size_t n_gid_mappings;
  struct spec_time_offset *time_offsets;
  size_t n_time_offsets;
  struct spec_device *devices;
  size_t n_devices;
  char *cgroups_path;
  struct spec_resources *resources;
  char *rootfs_propagation;
  unsigned long rootfs_propagation_flags; /* resolved MS_* */
  struct spec_seccomp *seccomp;
  struct spec_kv *sysctl;
  size_t n_sysctl;
  char **masked_paths;
  size_t n_masked_paths;
  char **readonly_paths;
  size_t n_readonly_paths;
  char *mount_label;
  struct spec_intel_rdt *intel_rdt;
  struct spec_personality *personality;
};

struct spec_vm
{
  char *kernel_path;
  char **kernel_parameters;
  size_t n_kernel_parameters;
  char *kernel_initrd;
  char *hypervisor_path;
};

struct spec
{
  char *oci_version;
  struct spec_root *root;       /* required on Linux */
  struct spec_process *process; /* optional for create, required for start */
  char *hostname;
  char *domainname;
  struct spec_mount *mounts;
  size_t n_mounts;
  struct spec_hooks *hooks;
  struct spec_kv *annotations;
  size_t n_annotations;
  struct spec_linux *linux_; /* "linux" */
  struct spec_vm *vm;
};

/* Parse and validate config.json at `path`. On failure err names the file
 * and the JSON path ("config.json: process.args: must be a non-empty
 * array"). */
struct spec *spec_load (const char *path, hy_error_t *err);
/* The same from memory; `name` is used in messages. */
struct spec *spec_parse (const char *name, const char *json, size_t len, hy_error_t *err);
/* A standalone "process" object (exec --process FILE). */
struct spec_process *spec_process_load (const char *path, hy_error_t *err);
/* The seccomp names of the runtime-spec as libseccomp values (SCMP_ACT_*
 * without errno, enum scmp_compare): 0, or -1 for an unknown name.  The
 * one table, for the parser and for callers that fill structs by name. */
int spec_seccomp_action_id (const char *name, uint32_t *out);
int spec_seccomp_operator_id (const char *name, int *out);
struct spec_process *spec_process_parse (const char *name, const char *json, size_t len,
                                         hy_error_t *err);
/* linux.resources alone (update --resources FILE|-). */
struct spec_resources *spec_resources_parse (const char *name, const char *json, size_t len,
                                             hy_error_t *err);
void spec_free (struct spec *s);
void spec_process_free (struct spec_process *p);
void spec_resources_free (struct spec_resources *r);

/* Lookups. */
/* A capability name this runtime knows (CAP_..., libcap's list). */
bool spec_cap_known (const char *name);
const char *spec_annotation (const struct spec *s, const char *key);
const struct spec_namespace *spec_namespace_find (const struct spec *s, enum spec_ns_type type);
const char *spec_ns_type_name (enum spec_ns_type type); /* "pid", "network", ... */
int spec_ns_type_from_name (const char *name);          /* -1 if unknown */
int spec_ns_clone_flag (enum spec_ns_type type);        /* CLONE_NEWPID, ... */

/* Serialise back to JSON (round trip; used by tests and the VM agent
 * channel).  Returns a malloc'ed NUL-terminated string. */
char *spec_to_json (const struct spec *s, hy_error_t *err);
/* A process object alone, as spec_process_parse reads it (VM mode's exec
 * sends it to the guest). */
char *spec_process_to_json (const struct spec_process *p);

/* `hyrun spec`: the default config.json (rootless variant when asked).
 * cgroupns: a new cgroup namespace too, after the mount one, as runc's
 * spec adds on a pure cgroup v2 host (the caller detects the host). */
char *spec_default_json (bool rootless, bool cgroupns);

#define cleanup_spec __attribute__ ((cleanup (spec_freep)))
static inline void
spec_freep (struct spec **s)
{
  if (*s)
    spec_free (*s);
}

#endif

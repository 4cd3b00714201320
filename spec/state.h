/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container state: what `create` records in <root>/<id>/state.json and
 * what `state`/`list` print in runc's format.  The file carries private
 * fields (pid start time, cgroup path, isolation) that the public output
 * leaves out. */
#ifndef HY_SPEC_STATE_H
#define HY_SPEC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"
#include "spec/spec.h"

struct spec_state
{
  char *oci_version;
  char *id;
  char
      *status; /* "creating" | "created" | "running" | "paused" | "stopped" (derived, not stored) */
  pid_t pid;   /* host pid of the container init (or the VMM in VM mode) */
  unsigned long long pid_start_time; /* /proc/<pid>/stat field 22: guards against pid reuse */
  char *bundle;                      /* absolute */
  char *rootfs;                      /* absolute */
  char *created;                     /* RFC 3339 with nanoseconds, UTC */
  uid_t owner_uid;
  struct spec_kv *annotations;
  size_t n_annotations;
  /* private */
  char *cgroup_path; /* as resolved by the cgroup manager */
  bool systemd_cgroup;
  char *isolation;     /* "container" | "vm" */
  uint64_t vm_mem_mib; /* VM mode: the guest RAM it booted with */
  bool terminal;       /* process.terminal at create */
  /* no mount namespace of its own: its mounts under rootfs are on the
   * host, and `delete` removes them */
  bool host_mounts;
};

/* format: SPEC_STATE_FILE (all fields, compact), SPEC_STATE_PUBLIC (runc's
 * `state` output: ociVersion,id,pid,status,bundle,rootfs,created,owner,
 * annotations; pretty), SPEC_STATE_HOOK (the OCI state object passed to
 * hooks on stdin: ociVersion,id,status,pid,bundle,annotations; compact). */
enum spec_state_format
{
  SPEC_STATE_FILE,
  SPEC_STATE_PUBLIC,
  SPEC_STATE_HOOK,
};

char *spec_state_to_json (const struct spec_state *st, enum spec_state_format format);
struct spec_state *spec_state_parse (const char *name, const char *json, size_t len,
                                     hy_error_t *err);
void spec_state_free (struct spec_state *st);

static inline void
spec_state_freep (struct spec_state **st)
{
  if (*st)
    spec_state_free (*st);
}
#define cleanup_state __attribute__ ((cleanup (spec_state_freep)))

/* runc's `list --format json`: an array of the public objects, with the
 * owner's user name. */
char *spec_state_list_json (struct spec_state **states, size_t n);

/* `hyrun features` document (runtime-spec features.md). */
char *spec_features_json (void);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun features`: the runtime-spec features document, built from what
 * this build and its libseccomp/libcap actually support. */
#include "config.h"
#include "common/xalloc.h"
#include "spec/jsonw.h"
#include "spec/spec.h"
#include "spec/state.h"

#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

size_t spec_seccomp_action_names (const char *const **names);
size_t spec_seccomp_operator_names (const char *const **names);

static const char *const hooks[]
    = { "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop" };

static const char *const mount_options[] = {
  "async",
  "atime",
  "bind",
  "defaults",
  "dev",
  "diratime",
  "dirsync",
  "exec",
  "iversion",
  "lazytime",
  "loud",
  "mand",
  "noatime",
  "nodev",
  "nodiratime",
  "noexec",
  "noiversion",
  "nolazytime",
  "nomand",
  "norelatime",
  "nostrictatime",
  "nosuid",
  "nosymfollow",
  "private",
  "ratime",
  "rbind",
  "rdev",
  "rdiratime",
  "relatime",
  "remount",
  "rexec",
  "rnoatime",
  "rnodev",
  "rnodiratime",
  "rnoexec",
  "rnorelatime",
  "rnostrictatime",
  "rnosuid",
  "rnosymfollow",
  "ro",
  "rprivate",
  "rrelatime",
  "rro",
  "rrw",
  "rshared",
  "rslave",
  "rstrictatime",
  "rsuid",
  "rsymfollow",
  "runbindable",
  "rw",
  "shared",
  "silent",
  "slave",
  "strictatime",
  "suid",
  "symfollow",
  "sync",
  "unbindable",
};

static const char *const archs[]
    = { "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_RISCV64" };

static const struct
{
  const char *key, *value;
} annotations[] = {
  { "io.hyrun.isolation", "container|vm: run the bundle in namespaces or in a KVM guest" },
  { "io.hyrun.vm.vcpus", "number of guest vCPUs (VM isolation)" },
  { "io.hyrun.vm.memory", "guest RAM in MiB (VM isolation)" },
  { "io.hyrun.vm.kernel", "path of the guest kernel (VM isolation)" },
  { "io.hyrun.vm.ksm",
    HYRUN_VM_KSM_DEFAULT
        ? "true|false: guest RAM mergeable for KSM (VM isolation; default true)"
        : "true|false: guest RAM mergeable for KSM (VM isolation; default false)" },
  { "io.hyrun.vm.rootfs-cache",
    "none|loose: the guest's caching of the shared rootfs (VM isolation; default none, "
    "host-side changes seen at once)" },
  { "io.hyrun.vm.debug-console",
    "true: the guest kernel log on the container's stderr (VM isolation)" },
};

static void
string_array (struct jsonw *w, const char *key, const char *const *v, size_t n)
{
  size_t i;

  jsonw_key (w, key);
  jsonw_begin_array (w);
  for (i = 0; i < n; i++)
    jsonw_string (w, v[i]);
  jsonw_end_array (w);
}

#define N(a) (sizeof (a) / sizeof ((a)[0]))

static void
write_capabilities (struct jsonw *w)
{
  cap_value_t c;

  jsonw_key (w, "capabilities");
  jsonw_begin_array (w);
  for (c = 0; c <= CAP_LAST_CAP; c++)
    {
      char *name = cap_to_name (c);
      char *p;
      /* libcap prints lower case without the prefix: cap_chown. */
      for (p = name; *p; p++)
        *p = (*p >= 'a' && *p <= 'z') ? *p - 'a' + 'A' : *p;
      if (strncmp (name, "CAP_", 4) == 0)
        jsonw_string (w, name);
      cap_free (name);
    }
  jsonw_end_array (w);
}

static void
write_seccomp (struct jsonw *w)
{
  const char *const *names;
  size_t n;

  jsonw_key (w, "seccomp");
  jsonw_begin_object (w);
  jsonw_key (w, "enabled");
  jsonw_bool (w, true);
  n = spec_seccomp_action_names (&names);
  string_array (w, "actions", names, n);
  n = spec_seccomp_operator_names (&names);
  string_array (w, "operators", names, n);
  string_array (w, "archs", archs, N (archs));
  jsonw_key (w, "knownFlags");
  jsonw_begin_array (w);
  jsonw_string (w, "SECCOMP_FILTER_FLAG_TSYNC");
  jsonw_string (w, "SECCOMP_FILTER_FLAG_LOG");
  jsonw_string (w, "SECCOMP_FILTER_FLAG_SPEC_ALLOW");
  jsonw_end_array (w);
  jsonw_end_object (w);
}

static void
write_linux (struct jsonw *w)
{
  int i;

  jsonw_key (w, "linux");
  jsonw_begin_object (w);
  jsonw_key (w, "namespaces");
  jsonw_begin_array (w);
  for (i = 0; i < SPEC_NS__COUNT; i++)
    jsonw_string (w, spec_ns_type_name (i));
  jsonw_end_array (w);
  write_capabilities (w);
  jsonw_key (w, "cgroup");
  jsonw_begin_object (w);
  jsonw_key (w, "v1");
  jsonw_bool (w, true);
  jsonw_key (w, "v2");
  jsonw_bool (w, true);
  jsonw_key (w, "systemd");
  jsonw_bool (w, true);
  jsonw_key (w, "systemdUser");
  jsonw_bool (w, false);
  jsonw_end_object (w);
  write_seccomp (w);
  jsonw_key (w, "apparmor");
  jsonw_begin_object (w);
  jsonw_key (w, "enabled");
  jsonw_bool (w, true);
  jsonw_end_object (w);
  jsonw_key (w, "selinux");
  jsonw_begin_object (w);
  jsonw_key (w, "enabled");
  jsonw_bool (w, false);
  jsonw_end_object (w);
  jsonw_end_object (w);
}

char *
spec_features_json (void)
{
  struct jsonw *w = jsonw_new (true);
  const struct scmp_version *v = seccomp_version ();
  char ver[32];
  size_t i;

  jsonw_begin_object (w);
  jsonw_key (w, "ociVersionMin");
  jsonw_string (w, "1.0.0");
  jsonw_key (w, "ociVersionMax");
  jsonw_string (w, "1.2.0");
  string_array (w, "hooks", hooks, N (hooks));
  string_array (w, "mountOptions", mount_options, N (mount_options));
  write_linux (w);
  jsonw_key (w, "annotations");
  jsonw_begin_object (w);
  snprintf (ver, sizeof (ver), "%u.%u.%u", v->major, v->minor, v->micro);
  jsonw_key (w, "io.github.seccomp.libseccomp.version");
  jsonw_string (w, ver);
  jsonw_key (w, "org.opencontainers.runc.checkpoint.enabled");
  jsonw_string (w, "true");
  for (i = 0; i < N (annotations); i++)
    {
      jsonw_key (w, annotations[i].key);
      jsonw_string (w, annotations[i].value);
    }
  jsonw_end_object (w);
  jsonw_end_object (w);
  return jsonw_finish (w, NULL);
}

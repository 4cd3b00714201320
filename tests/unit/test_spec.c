/* SPDX-License-Identifier: GPL-2.0-or-later */
/* spec/: valid configs parse and round-trip; each kind of malformed input
 * fails with an error that names the JSON path. */
#include "common/cleanup.h"
#include "spec/spec.h"
#include "spec/state.h"
#include "tests/unit/tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define BASE_HEAD "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
#define PROC "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}"

static struct spec *
parse (const char *json, hy_error_t *err)
{
  return spec_parse ("config.json", json, strlen (json), err);
}

static void
expect_error (const char *json, const char *needle, const char *what)
{
  cleanup_error hy_error_t err = NULL;
  struct spec *s = parse (json, &err);

  tap_ok (s == NULL && err && strstr (err->msg, needle) != NULL, "%s: %s", what,
          err ? err->msg : "(parsed without error)");
  spec_free (s);
}

/* runc 1.1 and crun warn about unknown capability names and drop them */
static void
test_unknown_caps (void)
{
  cleanup_error hy_error_t err = NULL;
  struct spec *s
      = parse (BASE_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\","
                         "\"capabilities\":{\"bounding\":[\"CAP_NOPE\",\"CAP_CHOWN\"]}}}",
               &err);

  tap_ok (s && s->process->capabilities->n_bounding == 1
              && strcmp (s->process->capabilities->bounding[0], "CAP_CHOWN") == 0
              && s->process->capabilities->bounding[1] == NULL,
          "an unknown capability is dropped, the known one kept: %s", err ? err->msg : "ok");
  spec_free (s);
}

static void
test_errors (void)
{
  expect_error ("{", "config.json: invalid JSON", "truncated JSON");
  expect_error ("[]", "must be a JSON object", "top level not an object");
  expect_error ("{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: required",
                "missing ociVersion");
  expect_error ("{\"ociVersion\":\"1\"}", "root: required", "missing root");
  expect_error (BASE_HEAD "\"process\":{\"args\":[],\"cwd\":\"/\"}}",
                "process.args: must be a non-empty array", "empty args");
  expect_error (BASE_HEAD "\"process\":{\"args\":[\"a\",1],\"cwd\":\"/\"}}",
                "process.args[1]: expected a string", "args element of the wrong type");
  expect_error (BASE_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"rel\"}}",
                "process.cwd: must be an absolute path", "relative cwd");
  expect_error (BASE_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"user\":{\"uid\":\"0\"}}}",
                "process.user.uid: expected a number", "uid as a string");
  expect_error (BASE_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/"
                          "\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]}}",
                "process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\"", "unknown rlimit");
  expect_error (
      BASE_HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"foo\"}]}}",
      "linux.namespaces[1].type: unknown namespace type \"foo\"", "unknown namespace type");
  expect_error (BASE_HEAD PROC
                ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}",
                "linux.namespaces[1].type: duplicate namespace type", "duplicate namespace");
  expect_error (BASE_HEAD PROC ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],"
                               "\"maskedPaths\":[\"/proc/kcore\"]}}",
                "linux.maskedPaths: requires a mount namespace",
                "maskedPaths without a mount namespace");
  expect_error ("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\",\"readonly\":true}," PROC
                ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}",
                "root.readonly: requires a mount namespace",
                "a read-only root without a mount namespace");
  expect_error (BASE_HEAD PROC ",\"mounts\":[{\"destination\":\"tmp\",\"type\":\"tmpfs\"}]}",
                "mounts[0].destination: must be an absolute path", "relative mount destination");
  expect_error (BASE_HEAD PROC ",\"mounts\":[{\"destination\":\"/x\",\"options\":[\"bind\"]}]}",
                "mounts[0].source: required for a bind mount", "bind mount without source");
  expect_error (BASE_HEAD PROC ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_NOPE\"}}}",
                "linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_NOPE\"",
                "bad seccomp action");
  expect_error (
      BASE_HEAD PROC ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{"
                     "\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,"
                     "\"value\":1,\"op\":\"SCMP_CMP_BOGUS\"}]}]}}}",
      "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator", "bad seccomp operator");
  expect_error (BASE_HEAD PROC ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
                               "\"architectures\":[\"SCMP_ARCH_Z80\"]}}}",
                "linux.seccomp.architectures[0]: unknown seccomp architecture", "bad seccomp arch");
  expect_error (BASE_HEAD PROC ",\"hostname\":\"h\"}", "hostname: requires a private UTS namespace",
                "hostname without uts namespace");
  expect_error (BASE_HEAD PROC
                ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}",
                "linux.uidMappings: requires a user namespace", "mappings without user namespace");
  expect_error (BASE_HEAD PROC ",\"linux\":{\"resources\":{\"memory\":{\"limit\":\"big\"}}}}",
                "linux.resources.memory.limit: expected a number",
                "memory limit of the wrong type");
  expect_error (BASE_HEAD PROC ",\"linux\":{\"resources\":{\"pids\":{\"limit\":1.5}}}}",
                "linux.resources.pids.limit: expected an integer", "fractional pids limit");
  expect_error (BASE_HEAD PROC ",\"hooks\":{\"prestart\":[{\"path\":\"rel\"}]}}",
                "hooks.prestart[0].path: must be an absolute path", "relative hook path");
  expect_error (BASE_HEAD "\"process\":{\"args\":[\"a\"],\"cwd\":\"/\",\"env\":[\"NOEQUALS\"]}}",
                "process.env[0]: expected \"NAME=value\"", "env entry without =");
}

static void
test_valid (void)
{
  const char *json
      = "{\"ociVersion\":\"1.2.0\",\"unknownField\":{\"x\":1},"
        "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
        "\"process\":{\"terminal\":false,\"user\":{\"uid\":1000,\"gid\":100,\"umask\":18,"
        "\"additionalGids\":[5,6]},\"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"A=b\"],"
        "\"cwd\":\"/tmp\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":2048,\"soft\":1024}],"
        "\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[]},\"noNewPrivileges\":true,"
        "\"oomScoreAdj\":100},"
        "\"hostname\":\"box\",\"mounts\":[{\"destination\":\"/data\",\"source\":\"/srv\","
        "\"options\":[\"rbind\",\"ro\",\"nosuid\",\"rslave\",\"mode=755\"]}],"
        "\"annotations\":{\"io.hyrun.isolation\":\"vm\"},"
        "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"uts\"},"
        "{\"type\":\"network\","
        "\"path\":\"/proc/1/ns/net\"}],\"cgroupsPath\":\"/hyrun/x\",\"resources\":{\"memory\":"
        "{\"limit\":67108864},\"pids\":{\"limit\":32},\"cpu\":{\"shares\":512,\"quota\":50000,"
        "\"period\":100000,\"cpus\":\"0\"}},\"sysctl\":{\"net.ipv4.ip_forward\":\"1\"},"
        "\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"]}}";
  cleanup_error hy_error_t err = NULL;
  cleanup_spec struct spec *s = parse (json, &err);
  cleanup_spec struct spec *s2 = NULL;
  cleanup_free char *out = NULL;

  if (!tap_ok (s != NULL, "a full config parses (unknown fields ignored): %s",
               err ? err->msg : "ok"))
    return;
  tap_ok (s->process->user.uid == 1000 && s->process->user.n_additional_gids == 2
              && s->process->user.umask == 022,
          "process.user fields");
  tap_ok (s->process->rlimits[0].resource == 7 /* RLIMIT_NOFILE */
              && s->process->rlimits[0].soft == 1024,
          "rlimits resolved");
  tap_ok (s->process->capabilities->n_bounding == 1 && s->process->capabilities->effective != NULL
              && s->process->capabilities->n_effective == 0
              && s->process->capabilities->ambient == NULL,
          "capability sets: absent vs empty kept apart");
  tap_ok ((s->mounts[0].flags & (MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID))
                  == (MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID)
              && s->mounts[0].propagation == (MS_SLAVE | MS_REC) && s->mounts[0].data
              && strcmp (s->mounts[0].data, "mode=755") == 0,
          "mount options resolved to flags, propagation and data");
  tap_ok (spec_annotation (s, "io.hyrun.isolation")
              && strcmp (spec_annotation (s, "io.hyrun.isolation"), "vm") == 0,
          "annotations");
  tap_ok (spec_namespace_find (s, SPEC_NS_NETWORK)
              && strcmp (spec_namespace_find (s, SPEC_NS_NETWORK)->path, "/proc/1/ns/net") == 0,
          "namespace with a path");
  out = spec_to_json (s, &err);
  s2 = out ? parse (out, &err) : NULL;
  tap_ok (s2 && s2->process->n_args == 3 && strcmp (s2->process->args[2], "true") == 0
              && s2->linux_->resources->memory->limit == 67108864
              && s2->linux_->resources->pids->limit == 32 && strcmp (s2->hostname, "box") == 0
              && s2->root->readonly && s2->mounts[0].flags == s->mounts[0].flags
              && s2->linux_->n_namespaces == 4,
          "round trip: to_json then parse gives the same values");
  {
    /* a process alone, as VM mode's exec sends it to the guest */
    cleanup_free char *pj = spec_process_to_json (s->process);
    struct spec_process *p = spec_process_parse ("process", pj, strlen (pj), &err);
    tap_ok (p && p->n_args == 3 && strcmp (p->args[2], "true") == 0
                && p->user.umask == s->process->user.umask && p->n_rlimits == 1
                && p->rlimits[0].soft == 1024 && p->capabilities->n_bounding == 1
                && strcmp (p->cwd, s->process->cwd) == 0,
            "round trip: a process object alone, to_json then spec_process_parse");
    if (p)
      spec_process_free (p);
  }
}

/* runtime-spec 1.1's recursive options become mount_setattr attributes;
 * the last atime mode wins and clears the whole atime field. */
static void
test_recursive_mount_options (void)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_spec struct spec *s
      = parse (BASE_HEAD PROC ",\"mounts\":[{\"destination\":\"/m\",\"source\":\"/srv\","
                              "\"options\":[\"rbind\",\"rro\",\"rnosuid\",\"rnoatime\","
                              "\"rstrictatime\",\"rexec\",\"nosymfollow\"]}]}",
               &err);

  if (!tap_ok (s != NULL, "recursive mount options parse: %s", err ? err->msg : "ok"))
    return;
  tap_ok (s->mounts[0].attr_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_STRICTATIME)
              && s->mounts[0].attr_clr == (MOUNT_ATTR__ATIME | MOUNT_ATTR_NOEXEC)
              && (s->mounts[0].flags & MS_NOSYMFOLLOW) && s->mounts[0].data == NULL,
          "rro/rnosuid/rexec as attributes, the last atime mode wins, nosymfollow a flag");
}

static void
test_default_and_features (void)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_free char *def = spec_default_json (false, false);
  cleanup_free char *rl = spec_default_json (true, false);
  cleanup_free char *def2 = spec_default_json (false, true);
  cleanup_free char *rl2 = spec_default_json (true, true);
  cleanup_free char *feat = spec_features_json ();
  cleanup_spec struct spec *s = parse (def, &err);
  cleanup_spec struct spec *r = parse (rl, &err);
  cleanup_spec struct spec *s2 = parse (def2, &err);
  cleanup_spec struct spec *r2 = parse (rl2, &err);

  tap_ok (s && s->process->terminal && strcmp (s->process->args[0], "sh") == 0 && s->root->readonly
              && s->linux_->n_namespaces == 5,
          "default config parses and matches runc spec");
  tap_ok (r && r->linux_->n_uid_mappings == 1 && r->linux_->uid_mappings[0].host_id == getuid ()
              && spec_namespace_find (r, SPEC_NS_USER) && !spec_namespace_find (r, SPEC_NS_NETWORK),
          "rootless default maps the caller's uid in a user namespace");
  /* runc's specconv.Example on a pure v2 host, and ToRootless of it */
  tap_ok (s2 && s2->linux_->n_namespaces == 6 && s2->linux_->namespaces[5].type == SPEC_NS_CGROUP,
          "default config on pure cgroup v2 ends with a cgroup namespace, as runc spec");
  tap_ok (r2 && r2->linux_->n_namespaces == 6 && r2->linux_->namespaces[4].type == SPEC_NS_CGROUP
              && r2->linux_->namespaces[5].type == SPEC_NS_USER,
          "rootless default on pure cgroup v2: cgroup namespace before the user one, as runc spec");
  tap_ok (feat && strstr (feat, "\"SCMP_ACT_NOTIFY\"") && strstr (feat, "\"CAP_SYS_ADMIN\"")
              && strstr (feat, "io.hyrun.isolation"),
          "features lists seccomp actions, capabilities and hyrun annotations");
}

static void
test_state (void)
{
  struct spec_kv ann = { (char *)"a", (char *)"b" };
  struct spec_state st = { .id = (char *)"c1",
                           .pid = 42,
                           .pid_start_time = 99,
                           .bundle = (char *)"/b",
                           .rootfs = (char *)"/b/rootfs",
                           .created = (char *)"2026-01-01T00:00:00.000000000Z",
                           .annotations = &ann,
                           .n_annotations = 1,
                           .cgroup_path = (char *)"/hyrun/c1",
                           .status = (char *)"running" };
  cleanup_free char *file = spec_state_to_json (&st, SPEC_STATE_FILE);
  cleanup_free char *pub = spec_state_to_json (&st, SPEC_STATE_PUBLIC);
  cleanup_error hy_error_t err = NULL;
  cleanup_state struct spec_state *back
      = spec_state_parse ("state.json", file, strlen (file), &err);

  tap_ok (back && back->pid == 42 && back->pid_start_time == 99
              && strcmp (back->cgroup_path, "/hyrun/c1") == 0 && back->n_annotations == 1,
          "state file round trip keeps the private fields");
  tap_ok (strstr (pub, "\"status\": \"running\"") && strstr (pub, "\"owner\": \"\"")
              && !strstr (pub, "cgroupPath"),
          "public state is runc's shape without private fields");
}

int
main (void)
{
  tap_plan (43);
  test_unknown_caps ();
  test_errors ();
  test_recursive_mount_options ();
  test_valid ();
  test_default_and_features ();
  test_state ();
  return tap_done ();
}

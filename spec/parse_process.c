/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "process" object: args, env, cwd, user, capabilities, rlimits,
 * terminal, scheduling and LSM labels.  Capability names are checked
 * against libcap here; whether the running kernel has them is decided at
 * apply time (runc warns and drops). */
#include "spec/parse_util.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "spec/spec.h"

#include <linux/ioprio.h>
#include <sched.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "RLIMIT_AS", RLIMIT_AS },
  { "RLIMIT_CORE", RLIMIT_CORE },
  { "RLIMIT_CPU", RLIMIT_CPU },
  { "RLIMIT_DATA", RLIMIT_DATA },
  { "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "RLIMIT_LOCKS", RLIMIT_LOCKS },
  { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
  { "RLIMIT_NICE", RLIMIT_NICE },
  { "RLIMIT_NOFILE", RLIMIT_NOFILE },
  { "RLIMIT_NPROC", RLIMIT_NPROC },
  { "RLIMIT_RSS", RLIMIT_RSS },
  { "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "RLIMIT_RTTIME", RLIMIT_RTTIME },
  { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "RLIMIT_STACK", RLIMIT_STACK },
};

static int
parse_user (struct pctx *c, yajl_val p, const char *path, struct spec_user *u)
{
  cleanup_free char *pu = path_key (path, "user");
  yajl_val v, arr;
  uint32_t id = 0, mask = 0;
  size_t i;
  int r;

  if (get_object (c, p, path, "user", &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  if (get_uint32 (c, v, pu, "uid", &id) < 0)
    return -1;
  u->uid = id;
  id = 0;
  if (get_uint32 (c, v, pu, "gid", &id) < 0)
    return -1;
  u->gid = id;
  if ((r = get_uint32 (c, v, pu, "umask", &mask)) < 0)
    return -1;
  u->has_umask = r > 0;
  u->umask = mask & 07777;
  if (get_string (c, v, pu, "username", &u->username) < 0
      || get_array (c, v, pu, "additionalGids", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  u->additional_gids = xcalloc (arr->u.array.len, sizeof (gid_t));
  for (i = 0; i < arr->u.array.len; i++)
    {
      yajl_val g = arr->u.array.values[i];
      cleanup_free char *pa = path_key (pu, "additionalGids");
      cleanup_free char *pi = path_idx (pa, i);
      if (!YAJL_IS_INTEGER (g) || YAJL_GET_INTEGER (g) < 0 || YAJL_GET_INTEGER (g) > UINT32_MAX)
        return perr (c, pi, "expected a non-negative integer");
      u->additional_gids[u->n_additional_gids++] = (gid_t)YAJL_GET_INTEGER (g);
    }
  return 0;
}

bool
spec_cap_known (const char *name)
{
  cap_value_t cap;

  return strncmp (name, "CAP_", 4) == 0 && cap_from_name (name, &cap) == 0 && cap >= 0 && cap <= 63;
}

/* runc 1.1 and crun warn about capability names they do not know (a
 * config written for a newer kernel) and go on without them. */
static void
drop_unknown_caps (const char *path, char **names, size_t *n)
{
  size_t i, kept = 0;

  for (i = 0; i < *n; i++)
    {
      if (spec_cap_known (names[i]))
        {
          names[kept++] = names[i];
          continue;
        }
      hy_warn ("%s[%zu]: ignoring unknown or unavailable capability \"%s\"", path, i, names[i]);
      free (names[i]);
    }
  *n = kept;
  if (names)
    names[kept] = NULL;
}

static int
parse_caps (struct pctx *c, yajl_val p, const char *path, struct spec_capabilities **out)
{
  cleanup_free char *pc = path_key (path, "capabilities");
  struct spec_capabilities *caps;
  yajl_val v;
  struct
  {
    const char *key;
    char ***names;
    size_t *n;
  } sets[5];
  size_t i;

  if (get_object (c, p, path, "capabilities", &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  caps = *out = xzalloc (sizeof (*caps));
  sets[0] = (typeof (sets[0])){ "bounding", &caps->bounding, &caps->n_bounding };
  sets[1] = (typeof (sets[0])){ "effective", &caps->effective, &caps->n_effective };
  sets[2] = (typeof (sets[0])){ "inheritable", &caps->inheritable, &caps->n_inheritable };
  sets[3] = (typeof (sets[0])){ "permitted", &caps->permitted, &caps->n_permitted };
  sets[4] = (typeof (sets[0])){ "ambient", &caps->ambient, &caps->n_ambient };
  for (i = 0; i < 5; i++)
    {
      cleanup_free char *ps = path_key (pc, sets[i].key);
      if (get_strv (c, v, pc, sets[i].key, sets[i].names, sets[i].n) < 0)
        return -1;
      drop_unknown_caps (ps, *sets[i].names, sets[i].n);
    }
  return 0;
}

static int
parse_rlimits (struct pctx *c, yajl_val p, const char *path, struct spec_process *proc)
{
  cleanup_free char *pr = path_key (path, "rlimits");
  yajl_val arr;
  size_t i, j;

  if (get_array (c, p, path, "rlimits", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  proc->rlimits = xcalloc (arr->u.array.len, sizeof (*proc->rlimits));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (pr, i);
      cleanup_free char *pt = path_key (pi, "type");
      yajl_val o = arr->u.array.values[i];
      struct spec_rlimit *rl = &proc->rlimits[proc->n_rlimits++];

      rl->resource = -1;
      if (!YAJL_IS_OBJECT (o))
        return perr (c, pi, "expected an object");
      if (get_string (c, o, pi, "type", &rl->type) < 0
          || get_uint64 (c, o, pi, "hard", &rl->hard) < 0
          || get_uint64 (c, o, pi, "soft", &rl->soft) < 0)
        return -1;
      if (rl->type == NULL)
        return perr (c, pt, "required");
      for (j = 0; j < sizeof (rlimits) / sizeof (rlimits[0]); j++)
        if (strcmp (rlimits[j].name, rl->type) == 0)
          rl->resource = rlimits[j].resource;
      if (rl->resource < 0)
        return perr (c, pt, "unknown rlimit \"%s\"", rl->type);
      for (j = 0; j + 1 < proc->n_rlimits; j++)
        if (proc->rlimits[j].resource == rl->resource)
          return perr (c, pt, "duplicate rlimit \"%s\"", rl->type);
    }
  return 0;
}

static int
parse_console_size (struct pctx *c, yajl_val p, const char *path, struct spec_process *proc)
{
  cleanup_free char *pc = path_key (path, "consoleSize");
  yajl_val v;
  uint32_t h = 0, w = 0;

  if (get_object (c, p, path, "consoleSize", &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  if (get_uint32 (c, v, pc, "height", &h) < 0 || get_uint32 (c, v, pc, "width", &w) < 0)
    return -1;
  proc->has_console_size = true;
  proc->console_size.height = h;
  proc->console_size.width = w;
  return 0;
}

static int
parse_io_priority (struct pctx *c, yajl_val p, const char *path, struct spec_process *proc)
{
  cleanup_free char *pi = path_key (path, "ioPriority");
  cleanup_free char *pc = path_key (pi, "class");
  yajl_val v;
  struct spec_io_priority *io;

  if (get_object (c, p, path, "ioPriority", &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  io = proc->io_priority = xzalloc (sizeof (*io));
  if (get_string (c, v, pi, "class", &io->class_name) < 0
      || get_int (c, v, pi, "priority", &io->priority) < 0)
    return -1;
  if (io->class_name == NULL)
    return perr (c, pc, "required");
  if (strcmp (io->class_name, "IOPRIO_CLASS_RT") == 0)
    io->class_id = IOPRIO_CLASS_RT;
  else if (strcmp (io->class_name, "IOPRIO_CLASS_BE") == 0)
    io->class_id = IOPRIO_CLASS_BE;
  else if (strcmp (io->class_name, "IOPRIO_CLASS_IDLE") == 0)
    io->class_id = IOPRIO_CLASS_IDLE;
  else
    return perr (c, pc, "unknown I/O priority class \"%s\"", io->class_name);
  return 0;
}

static int
parse_scheduler (struct pctx *c, yajl_val p, const char *path, struct spec_process *proc)
{
  static const struct
  {
    const char *name;
    int id;
  } policies[] = {
    { "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
    { "SCHED_BATCH", SCHED_BATCH }, { "SCHED_ISO", 4 },           { "SCHED_IDLE", SCHED_IDLE },
    { "SCHED_DEADLINE", 6 }
  };
  cleanup_free char *ps = path_key (path, "scheduler");
  cleanup_free char *pp = path_key (ps, "policy");
  struct spec_scheduler *sc;
  yajl_val v;
  size_t i;
  int r;

  if (get_object (c, p, path, "scheduler", &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  sc = proc->scheduler = xzalloc (sizeof (*sc));
  sc->policy_id = -1;
  if (get_string (c, v, ps, "policy", &sc->policy) < 0)
    return -1;
  if (sc->policy == NULL)
    return perr (c, pp, "required");
  for (i = 0; i < sizeof (policies) / sizeof (policies[0]); i++)
    if (strcmp (policies[i].name, sc->policy) == 0)
      sc->policy_id = policies[i].id;
  if (sc->policy_id < 0)
    return perr (c, pp, "unknown scheduler policy \"%s\"", sc->policy);
  if ((r = get_int (c, v, ps, "nice", &sc->nice)) < 0)
    return -1;
  sc->has_nice = r > 0;
  if ((r = get_int (c, v, ps, "priority", &sc->priority)) < 0)
    return -1;
  sc->has_priority = r > 0;
  if (get_strv (c, v, ps, "flags", &sc->flags, &sc->n_flags) < 0)
    return -1;
  for (i = 0; i < sc->n_flags; i++)
    {
      static const char *const names[]
          = { "SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM",     "SCHED_FLAG_DL_OVERRUN",
              "SCHED_FLAG_KEEP_POLICY",   "SCHED_FLAG_KEEP_PARAMS", "SCHED_FLAG_UTIL_CLAMP_MIN",
              "SCHED_FLAG_UTIL_CLAMP_MAX" };
      size_t k;
      for (k = 0; k < sizeof (names) / sizeof (names[0]); k++)
        if (strcmp (sc->flags[i], names[k]) == 0)
          break;
      if (k == sizeof (names) / sizeof (names[0]))
        {
          cleanup_free char *pf = path_key (ps, "flags");
          cleanup_free char *pfi = path_idx (pf, i);
          return perr (c, pfi, "unknown scheduler flag \"%s\"", sc->flags[i]);
        }
      sc->flag_bits |= 1ull << k; /* the kernel's bit order (uapi/linux/sched.h) */
    }
  if ((r = get_uint64 (c, v, ps, "runtime", &sc->runtime)) < 0)
    return -1;
  sc->has_runtime = r > 0;
  if ((r = get_uint64 (c, v, ps, "deadline", &sc->deadline)) < 0)
    return -1;
  sc->has_deadline = r > 0;
  if ((r = get_uint64 (c, v, ps, "period", &sc->period)) < 0)
    return -1;
  sc->has_period = r > 0;
  return 0;
}

static int
check_env (struct pctx *c, const char *path, char **env, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (strchr (env[i], '=') == NULL || env[i][0] == '=')
      {
        cleanup_free char *pe = path_key (path, "env");
        cleanup_free char *pi = path_idx (pe, i);
        return perr (c, pi, "expected \"NAME=value\", got \"%s\"", env[i]);
      }
  return 0;
}

int
parse_process (struct pctx *c, yajl_val v, const char *path, struct spec_process **out)
{
  struct spec_process *p = *out = xzalloc (sizeof (*p));
  cleanup_free char *pcwd = path_key (path, "cwd");
  int r;

  if (get_bool (c, v, path, "terminal", &p->terminal) < 0 || parse_console_size (c, v, path, p) < 0
      || parse_user (c, v, path, &p->user) < 0
      || get_strv (c, v, path, "args", &p->args, &p->n_args) < 0
      || get_string (c, v, path, "commandLine", &p->command_line) < 0
      || get_strv (c, v, path, "env", &p->env, &p->n_env) < 0
      || check_env (c, path, p->env, p->n_env) < 0 || get_string (c, v, path, "cwd", &p->cwd) < 0
      || parse_caps (c, v, path, &p->capabilities) < 0 || parse_rlimits (c, v, path, p) < 0
      || get_bool (c, v, path, "noNewPrivileges", &p->no_new_privileges) < 0
      || get_string (c, v, path, "apparmorProfile", &p->apparmor_profile) < 0
      || get_string (c, v, path, "selinuxLabel", &p->selinux_label) < 0
      || parse_io_priority (c, v, path, p) < 0 || parse_scheduler (c, v, path, p) < 0)
    return -1;
  if ((r = get_int (c, v, path, "oomScoreAdj", &p->oom_score_adj)) < 0)
    return -1;
  p->has_oom_score_adj = r > 0;
  if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
    {
      cleanup_free char *po = path_key (path, "oomScoreAdj");
      return perr (c, po, "must be between -1000 and 1000");
    }
  if (p->args == NULL || p->n_args == 0)
    {
      cleanup_free char *pa = path_key (path, "args");
      return perr (c, pa, "must be a non-empty array");
    }
  if (p->cwd == NULL)
    return perr (c, pcwd, "required");
  if (p->cwd[0] != '/')
    return perr (c, pcwd, "must be an absolute path, got \"%s\"", p->cwd);
  return 0;
}

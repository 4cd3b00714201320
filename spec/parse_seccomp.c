/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp: actions, operators, architectures and flags are checked
 * and resolved here; syscall names this libseccomp does not know are kept
 * and skipped at load time, as runc does. */
#include "spec/parse_util.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "spec/spec.h"

#include <seccomp.h>
#include <string.h>

static const struct
{
  const char *name;
  uint32_t action;
} actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0) },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0) },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

static const struct
{
  const char *name;
  int op;
} operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

static const char *const known_flags[] = {
  "SECCOMP_FILTER_FLAG_TSYNC",
  "SECCOMP_FILTER_FLAG_LOG",
  "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
  "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

int
spec_seccomp_action_id (const char *name, uint32_t *out)
{
  size_t i;

  for (i = 0; i < sizeof (actions) / sizeof (actions[0]); i++)
    if (strcmp (actions[i].name, name) == 0)
      {
        *out = actions[i].action;
        return 0;
      }
  return -1;
}

int
spec_seccomp_operator_id (const char *name, int *out)
{
  size_t i;

  for (i = 0; i < sizeof (operators) / sizeof (operators[0]); i++)
    if (strcmp (operators[i].name, name) == 0)
      {
        *out = operators[i].op;
        return 0;
      }
  return -1;
}

/* Exposed for features.c. */
size_t
spec_seccomp_action_names (const char *const **names)
{
  static const char *list[sizeof (actions) / sizeof (actions[0])];
  size_t i;

  for (i = 0; i < sizeof (actions) / sizeof (actions[0]); i++)
    list[i] = actions[i].name;
  *names = list;
  return i;
}

size_t
spec_seccomp_operator_names (const char *const **names)
{
  static const char *list[sizeof (operators) / sizeof (operators[0])];
  size_t i;

  for (i = 0; i < sizeof (operators) / sizeof (operators[0]); i++)
    list[i] = operators[i].name;
  *names = list;
  return i;
}

static int
parse_args (struct pctx *c, yajl_val o, const char *pi, struct spec_seccomp_syscall *sc)
{
  cleanup_free char *pa = path_key (pi, "args");
  yajl_val arr;
  size_t i;

  if (get_array (c, o, pi, "args", &arr) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  sc->args = xcalloc (arr->u.array.len, sizeof (*sc->args));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pj = path_idx (pa, i);
      cleanup_free char *po = path_key (pj, "op");
      yajl_val a = arr->u.array.values[i];
      struct spec_seccomp_arg *arg = &sc->args[sc->n_args++];
      uint32_t idx = 0;

      arg->op_id = -1;
      if (!YAJL_IS_OBJECT (a))
        return perr (c, pj, "expected an object");
      if (get_uint32 (c, a, pj, "index", &idx) < 0
          || get_uint64 (c, a, pj, "value", &arg->value) < 0
          || get_uint64 (c, a, pj, "valueTwo", &arg->value_two) < 0
          || get_string (c, a, pj, "op", &arg->op) < 0)
        return -1;
      if (idx > 5)
        {
          cleanup_free char *px = path_key (pj, "index");
          return perr (c, px, "must be between 0 and 5");
        }
      arg->index = idx;
      if (arg->op == NULL)
        return perr (c, po, "required");
      if (spec_seccomp_operator_id (arg->op, &arg->op_id) < 0)
        return perr (c, po, "unknown seccomp operator \"%s\"", arg->op);
    }
  return 0;
}

static int
parse_syscall (struct pctx *c, yajl_val o, const char *pi, struct spec_seccomp_syscall *sc)
{
  cleanup_free char *pa = path_key (pi, "action");
  uint32_t e = 0;
  int r;

  if (!YAJL_IS_OBJECT (o))
    return perr (c, pi, "expected an object");
  if (get_strv (c, o, pi, "names", &sc->names, &sc->n_names) < 0
      || get_string (c, o, pi, "action", &sc->action) < 0)
    return -1;
  if (sc->names == NULL || sc->n_names == 0)
    {
      cleanup_free char *pn = path_key (pi, "names");
      return perr (c, pn, "must be a non-empty array");
    }
  if (sc->action == NULL)
    return perr (c, pa, "required");
  if (spec_seccomp_action_id (sc->action, &sc->action_id) < 0)
    return perr (c, pa, "unknown seccomp action \"%s\"", sc->action);
  if ((r = get_uint32 (c, o, pi, "errnoRet", &e)) < 0)
    return -1;
  sc->has_errno_ret = r > 0;
  sc->errno_ret = e;
  return parse_args (c, o, pi, sc);
}

static int
check_archs_flags (struct pctx *c, const char *path, struct spec_seccomp *s)
{
  size_t i, j;

  for (i = 0; i < s->n_architectures; i++)
    {
      const char *a = s->architectures[i];
      cleanup_free char *lower = NULL;
      char *p;

      if (strncmp (a, "SCMP_ARCH_", 10) != 0)
        goto bad_arch;
      lower = xstrdup (a + 10);
      for (p = lower; *p; p++)
        *p = (*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p;
      if (seccomp_arch_resolve_name (lower) == 0)
        goto bad_arch;
      continue;
    bad_arch:
      {
        cleanup_free char *pa = path_key (path, "architectures");
        cleanup_free char *pi = path_idx (pa, i);
        return perr (c, pi, "unknown seccomp architecture \"%s\"", a);
      }
    }
  for (i = 0; i < s->n_flags; i++)
    {
      bool ok = false;
      for (j = 0; j < sizeof (known_flags) / sizeof (known_flags[0]); j++)
        ok |= strcmp (known_flags[j], s->flags[i]) == 0;
      if (!ok)
        {
          cleanup_free char *pf = path_key (path, "flags");
          cleanup_free char *pi = path_idx (pf, i);
          return perr (c, pi, "unknown seccomp flag \"%s\"", s->flags[i]);
        }
    }
  return 0;
}

int parse_seccomp (struct pctx *c, yajl_val v, const char *path, struct spec_seccomp **out);

int
parse_seccomp (struct pctx *c, yajl_val v, const char *path, struct spec_seccomp **out)
{
  struct spec_seccomp *s = *out = xzalloc (sizeof (*s));
  cleanup_free char *pd = path_key (path, "defaultAction");
  cleanup_free char *ps = path_key (path, "syscalls");
  yajl_val arr;
  uint32_t e = 0;
  size_t i;
  int r;

  if (get_string (c, v, path, "defaultAction", &s->default_action) < 0)
    return -1;
  if (s->default_action == NULL)
    return perr (c, pd, "required");
  if (spec_seccomp_action_id (s->default_action, &s->default_action_id) < 0)
    return perr (c, pd, "unknown seccomp action \"%s\"", s->default_action);
  if ((r = get_uint32 (c, v, path, "defaultErrnoRet", &e)) < 0)
    return -1;
  s->has_default_errno_ret = r > 0;
  s->default_errno_ret = e;
  if (get_strv (c, v, path, "architectures", &s->architectures, &s->n_architectures) < 0
      || get_strv (c, v, path, "flags", &s->flags, &s->n_flags) < 0
      || get_string (c, v, path, "listenerPath", &s->listener_path) < 0
      || get_string (c, v, path, "listenerMetadata", &s->listener_metadata) < 0
      || check_archs_flags (c, path, s) < 0 || get_array (c, v, path, "syscalls", &arr) < 0)
    return -1;
  if (arr)
    {
      s->syscalls = xcalloc (arr->u.array.len, sizeof (*s->syscalls));
      for (i = 0; i < arr->u.array.len; i++)
        {
          cleanup_free char *pi = path_idx (ps, i);
          if (parse_syscall (c, arr->u.array.values[i], pi, &s->syscalls[s->n_syscalls++]) < 0)
            return -1;
          /* The notify fd has to go somewhere (runc refuses the same). */
          if (s->syscalls[s->n_syscalls - 1].action_id == SCMP_ACT_NOTIFY
              && s->listener_path == NULL)
            return perr (c, pi, "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
        }
    }
  if (s->default_action_id == SCMP_ACT_NOTIFY)
    return perr (c, pd, "SCMP_ACT_NOTIFY cannot be the default action");
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp with libseccomp: the filter is built from linux.seccomp and
 * loaded as the last step before execve.  Syscalls unknown to libseccomp
 * are skipped, as runc does. */
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/security.h"

#include <errno.h>
#include <seccomp.h>
#include <string.h>

static uint32_t
action_of (uint32_t base, bool has_errno, uint32_t errno_ret)
{
  if (base == SCMP_ACT_ERRNO (0))
    return SCMP_ACT_ERRNO (has_errno ? errno_ret : EPERM);
  if (base == SCMP_ACT_TRACE (0))
    return SCMP_ACT_TRACE (has_errno ? errno_ret : EPERM);
  return base;
}

static int
add_archs (scmp_filter_ctx ctx, const struct spec_seccomp *sc, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < sc->n_architectures; i++)
    {
      char lower[64];
      size_t j;
      uint32_t arch;
      int r;

      for (j = 0; sc->architectures[i][10 + j] && j < sizeof (lower) - 1; j++)
        {
          char ch = sc->architectures[i][10 + j];
          lower[j] = (ch >= 'A' && ch <= 'Z') ? ch - 'A' + 'a' : ch;
        }
      lower[j] = '\0';
      arch = seccomp_arch_resolve_name (lower);
      if (arch == 0)
        return hy_error_set (err, 0, "linux.seccomp.architectures[%zu]: unknown \"%s\"", i,
                             sc->architectures[i]);
      r = seccomp_arch_add (ctx, arch);
      if (r < 0 && r != -EEXIST)
        return hy_error_set (err, -r, "seccomp: add architecture %s", sc->architectures[i]);
    }
  return 0;
}

static int
set_flags (scmp_filter_ctx ctx, const struct spec_seccomp *sc, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < sc->n_flags; i++)
    {
      const char *f = sc->flags[i];
      int r = 0;
      if (strcmp (f, "SECCOMP_FILTER_FLAG_LOG") == 0)
        r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_LOG, 1);
      else if (strcmp (f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
        r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_SSB, 1);
      else if (strcmp (f, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
        r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_TSYNC, 1);
      else
        return hy_error_set (err, 0, "linux.seccomp.flags[%zu]: \"%s\" is not supported by this libseccomp", i, f);
      if (r < 0)
        return hy_error_set (err, -r, "linux.seccomp.flags[%zu]: set %s", i, f);
    }
  return 0;
}

/* One rule per syscall name; args with the same index in one rule are
 * ORed by runc, i.e. one libseccomp rule each. */
static int
add_rule (scmp_filter_ctx ctx, const struct spec_seccomp_syscall *s, int nr, uint32_t action,
          hy_error_t *err)
{
  struct scmp_arg_cmp cmps[6];
  size_t i, j, n = 0;
  bool dup_index = false;
  int r;

  for (i = 0; i < s->n_args; i++)
    for (j = 0; j < i; j++)
      dup_index |= s->args[i].index == s->args[j].index;
  if (!dup_index)
    {
      for (i = 0; i < s->n_args && n < 6; i++)
        cmps[n++] = (struct scmp_arg_cmp){ s->args[i].index, s->args[i].op_id, s->args[i].value,
                                           s->args[i].value_two };
      r = seccomp_rule_add_array (ctx, action, nr, n, cmps);
      if (r < 0)
        return hy_error_set (err, -r, "seccomp: add rule for syscall %d", nr);
      return 0;
    }
  for (i = 0; i < s->n_args; i++)
    {
      cmps[0] = (struct scmp_arg_cmp){ s->args[i].index, s->args[i].op_id, s->args[i].value,
                                       s->args[i].value_two };
      r = seccomp_rule_add_array (ctx, action, nr, 1, cmps);
      if (r < 0)
        return hy_error_set (err, -r, "seccomp: add rule for syscall %d", nr);
    }
  return 0;
}

static int
add_rules (scmp_filter_ctx ctx, const struct spec_seccomp *sc, uint32_t def, hy_error_t *err)
{
  size_t i, j;

  for (i = 0; i < sc->n_syscalls; i++)
    {
      const struct spec_seccomp_syscall *s = &sc->syscalls[i];
      uint32_t action = action_of (s->action_id, s->has_errno_ret, s->errno_ret);

      if (action == def)
        continue; /* libseccomp refuses rules equal to the default */
      for (j = 0; j < s->n_names; j++)
        {
          int nr = seccomp_syscall_resolve_name (s->names[j]);
          if (nr == __NR_SCMP_ERROR)
            {
              hy_debug ("seccomp: unknown syscall \"%s\" ignored", s->names[j]);
              continue;
            }
          if (add_rule (ctx, s, nr, action, err) < 0)
            return hy_error_prefix (err, "linux.seccomp.syscalls[%zu] (%s)", i, s->names[j]);
        }
    }
  return 0;
}

int
lc_seccomp_load (const struct spec_seccomp *sc, int *notify_fd, hy_error_t *err)
{
  scmp_filter_ctx ctx;
  uint32_t def;
  int r;

  if (notify_fd)
    *notify_fd = -1;
  if (sc == NULL)
    return 0;
  def = action_of (sc->default_action_id, sc->has_default_errno_ret, sc->default_errno_ret);
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return hy_error_set (err, 0, "linux.seccomp.defaultAction: cannot initialise the filter");
  /* No NNP here means the caller still holds CAP_SYS_ADMIN. */
  seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (add_archs (ctx, sc, err) < 0 || set_flags (ctx, sc, err) < 0 || add_rules (ctx, sc, def, err) < 0)
    {
      seccomp_release (ctx);
      return -1;
    }
  r = seccomp_load (ctx);
  if (r < 0)
    {
      seccomp_release (ctx);
      return hy_error_set (err, -r, "seccomp: load the filter");
    }
  if (notify_fd)
    {
      int fd = seccomp_notify_fd (ctx);
      *notify_fd = fd >= 0 ? fd : -1;
    }
  seccomp_release (ctx);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities (libcap): the bounding set first, then E/P/I and ambient
 * after the uid change, in runc's order.  Names libcap knows but the
 * running kernel lacks are dropped with a warning. */
#include "common/cleanup.h"
#include "common/log.h"
#include "libcontainer/security.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static int
last_cap (void)
{
  static int cached = -1;
  FILE *f;

  if (cached >= 0)
    return cached;
  f = fopen ("/proc/sys/kernel/cap_last_cap", "re");
  if (f == NULL || fscanf (f, "%d", &cached) != 1)
    cached = CAP_LAST_CAP;
  if (f)
    fclose (f);
  return cached;
}

/* Resolve names to a bitmask of capabilities this kernel has.  Unknown
 * names are rejected by spec/ already; checked again so a hand-built
 * struct cannot slip one through. */
static int
caps_mask (char **names, size_t n, const char *set, uint64_t *mask, hy_error_t *err)
{
  size_t i;

  *mask = 0;
  for (i = 0; i < n; i++)
    {
      cap_value_t c;
      if (cap_from_name (names[i], &c) < 0 || c < 0 || c > 63)
        return hy_error_set (err, EINVAL, "process.capabilities.%s[%zu]: unknown capability \"%s\"",
                             set, i, names[i]);
      if (c > last_cap ())
        {
          hy_warn ("capability %s (%s set) is not supported by this kernel: dropped", names[i],
                   set);
          continue;
        }
      *mask |= 1ULL << c;
    }
  return 0;
}

int
lc_caps_drop_bounding (const struct spec_capabilities *caps, hy_error_t *err)
{
  uint64_t keep;
  int c;

  if (caps == NULL || caps->bounding == NULL)
    return 0;
  if (caps_mask (caps->bounding, caps->n_bounding, "bounding", &keep, err) < 0)
    return -1;
  /* EINVAL: the kernel has no such capability (cap_last_cap raced). */
  for (c = 0; c <= last_cap (); c++)
    if (!(keep & (1ULL << c)) && prctl (PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
      return hy_error_set (err, errno, "drop capability %d from the bounding set", c);
  return 0;
}

int
lc_caps_keep (hy_error_t *err)
{
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return hy_error_set (err, errno, "prctl(PR_SET_KEEPCAPS)");
  return 0;
}

static void
set_flag (cap_t c, cap_flag_t flag, uint64_t mask)
{
  cap_value_t v;

  for (v = 0; v <= last_cap (); v++)
    if (mask & (1ULL << v))
      cap_set_flag (c, flag, 1, &v, CAP_SET);
}

int
lc_caps_apply (const struct spec_capabilities *caps, hy_error_t *err)
{
  uint64_t eff = 0, perm = 0, inh = 0, amb = 0;
  cap_t c;
  cap_value_t v;
  int r;

  if (caps)
    {
      if (caps_mask (caps->effective, caps->n_effective, "effective", &eff, err) < 0
          || caps_mask (caps->permitted, caps->n_permitted, "permitted", &perm, err) < 0
          || caps_mask (caps->inheritable, caps->n_inheritable, "inheritable", &inh, err) < 0
          || caps_mask (caps->ambient, caps->n_ambient, "ambient", &amb, err) < 0)
        return -1;
    }
  c = cap_init ();
  set_flag (c, CAP_EFFECTIVE, eff);
  set_flag (c, CAP_PERMITTED, perm);
  set_flag (c, CAP_INHERITABLE, inh);
  r = cap_set_proc (c);
  cap_free (c);
  if (r < 0)
    return hy_error_set (err, errno,
                         "process.capabilities: set the effective, permitted and inheritable sets");
  prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0);
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return hy_error_set (err, errno, "clear ambient capabilities");
  for (v = 0; v <= last_cap (); v++)
    if ((amb & (1ULL << v)) && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, v, 0, 0) < 0)
      {
        /* The kernel requires the capability in permitted and inheritable;
         * runc only warns about the others. */
        char *name = cap_to_name (v);
        hy_debug ("cannot raise ambient capability %s: %s", name, strerror (errno));
        cap_free (name);
      }
  return 0;
}

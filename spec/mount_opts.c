/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mounts[]: the option table (runc's) turning option strings into
 * mount(2) flags, propagation and fs-specific data. */
#include "spec/parse_util.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "spec/spec.h"

#include <string.h>
#include <sys/mount.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

static const struct
{
  const char *name;
  bool clear;
  unsigned long flag;
} flag_opts[] = {
  { "async", true, MS_SYNCHRONOUS },
  { "atime", true, MS_NOATIME },
  { "bind", false, MS_BIND },
  { "defaults", false, 0 },
  { "dev", true, MS_NODEV },
  { "diratime", true, MS_NODIRATIME },
  { "dirsync", false, MS_DIRSYNC },
  { "exec", true, MS_NOEXEC },
  { "iversion", false, MS_I_VERSION },
  { "lazytime", false, MS_LAZYTIME },
  { "loud", true, MS_SILENT },
  { "mand", false, MS_MANDLOCK },
  { "noatime", false, MS_NOATIME },
  { "nodev", false, MS_NODEV },
  { "nodiratime", false, MS_NODIRATIME },
  { "noexec", false, MS_NOEXEC },
  { "noiversion", true, MS_I_VERSION },
  { "nolazytime", true, MS_LAZYTIME },
  { "nomand", true, MS_MANDLOCK },
  { "norelatime", true, MS_RELATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "nosuid", false, MS_NOSUID },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "rbind", false, MS_BIND | MS_REC },
  { "relatime", false, MS_RELATIME },
  { "remount", false, MS_REMOUNT },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "silent", false, MS_SILENT },
  { "strictatime", false, MS_STRICTATIME },
  { "suid", true, MS_NOSUID },
  { "symfollow", true, MS_NOSYMFOLLOW },
  { "sync", false, MS_SYNCHRONOUS },
};

static const struct
{
  const char *name;
  unsigned long flags;
} propagation_opts[] = {
  { "private", MS_PRIVATE },       { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },         { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },           { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* The recursive options: mount_setattr(2) on the whole tree.  The atime
 * mode is a value of the MOUNT_ATTR__ATIME field, not a bit: setting one
 * clears the field first (mount_setattr(2)); "ratime" asks for the
 * kernel's default (relatime); "rnorelatime" and "rnostrictatime" name
 * no mode and change nothing. */
enum rec_kind
{
  REC_SET,
  REC_CLEAR,
  REC_ATIME, /* attr is the mode */
};
static const struct
{
  const char *name;
  enum rec_kind kind;
  unsigned long long attr;
} recursive_opts[] = {
  { "rro", REC_SET, MOUNT_ATTR_RDONLY },
  { "rrw", REC_CLEAR, MOUNT_ATTR_RDONLY },
  { "rnosuid", REC_SET, MOUNT_ATTR_NOSUID },
  { "rsuid", REC_CLEAR, MOUNT_ATTR_NOSUID },
  { "rnodev", REC_SET, MOUNT_ATTR_NODEV },
  { "rdev", REC_CLEAR, MOUNT_ATTR_NODEV },
  { "rnoexec", REC_SET, MOUNT_ATTR_NOEXEC },
  { "rexec", REC_CLEAR, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", REC_SET, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", REC_CLEAR, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", REC_SET, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", REC_CLEAR, MOUNT_ATTR_NOSYMFOLLOW },
  { "rnoatime", REC_ATIME, MOUNT_ATTR_NOATIME },
  { "rrelatime", REC_ATIME, MOUNT_ATTR_RELATIME },
  { "rstrictatime", REC_ATIME, MOUNT_ATTR_STRICTATIME },
  { "ratime", REC_ATIME, MOUNT_ATTR_RELATIME },
  { "rnorelatime", REC_CLEAR, 0 },
  { "rnostrictatime", REC_CLEAR, 0 },
};

static bool
recursive_opt (struct spec_mount *m, const char *o)
{
  size_t i;

  for (i = 0; i < sizeof (recursive_opts) / sizeof (recursive_opts[0]); i++)
    if (strcmp (recursive_opts[i].name, o) == 0)
      {
        unsigned long long a = recursive_opts[i].attr;

        switch (recursive_opts[i].kind)
          {
          case REC_SET:
            m->attr_set |= a;
            m->attr_clr &= ~a;
            break;
          case REC_CLEAR:
            m->attr_set &= ~a;
            m->attr_clr |= a;
            break;
          case REC_ATIME:
            m->attr_set = (m->attr_set & ~(unsigned long long)MOUNT_ATTR__ATIME) | a;
            m->attr_clr |= MOUNT_ATTR__ATIME;
            break;
          }
        return true;
      }
  return false;
}

/* Options runc accepts and handles itself or ignores; they never reach
 * mount(2) data. */
static const char *const runtime_opts[] = { "tmpcopyup", "idmap", "ridmap" };

int
propagation_from_name (const char *name, unsigned long *flags)
{
  size_t i;

  for (i = 0; i < sizeof (propagation_opts) / sizeof (propagation_opts[0]); i++)
    if (strcmp (propagation_opts[i].name, name) == 0)
      {
        *flags = propagation_opts[i].flags;
        return 0;
      }
  return -1;
}

static bool
is_runtime_opt (const char *o)
{
  size_t i;

  for (i = 0; i < sizeof (runtime_opts) / sizeof (runtime_opts[0]); i++)
    if (strcmp (runtime_opts[i], o) == 0)
      return true;
  return false;
}

static void
append_data (struct spec_mount *m, const char *o)
{
  char *d = m->data ? xasprintf ("%s,%s", m->data, o) : xstrdup (o);

  free (m->data);
  m->data = d;
}

int
mount_opts_resolve (struct pctx *c, const char *path, struct spec_mount *m)
{
  size_t i, j;

  (void)c;
  (void)path;
  for (i = 0; i < m->n_options; i++)
    {
      const char *o = m->options[i];
      unsigned long prop;
      bool known = false;

      for (j = 0; j < sizeof (flag_opts) / sizeof (flag_opts[0]) && !known; j++)
        if (strcmp (flag_opts[j].name, o) == 0)
          {
            known = true;
            if (flag_opts[j].clear)
              {
                m->flags &= ~flag_opts[j].flag;
                m->clear_flags |= flag_opts[j].flag;
              }
            else
              m->flags |= flag_opts[j].flag;
          }
      if (known)
        continue;
      if (propagation_from_name (o, &prop) == 0)
        m->propagation |= prop;
      else if (recursive_opt (m, o))
        ;
      else if (!is_runtime_opt (o))
        append_data (m, o);
    }
  m->bind = (m->flags & MS_BIND) != 0 || (m->type && strcmp (m->type, "bind") == 0);
  m->recursive = (m->flags & MS_REC) != 0;
  if (m->bind)
    m->flags |= MS_BIND;
  return 0;
}

int
parse_mounts (struct pctx *c, yajl_val arr, const char *path, struct spec_mount **out, size_t *n)
{
  size_t i;

  *out = xcalloc (arr->u.array.len, sizeof (**out));
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (path, i);
      cleanup_free char *pd = path_key (pi, "destination");
      cleanup_free char *pu = path_key (pi, "uidMappings");
      cleanup_free char *pg = path_key (pi, "gidMappings");
      yajl_val o = arr->u.array.values[i], v;
      struct spec_mount *m = &(*out)[(*n)++];

      if (!YAJL_IS_OBJECT (o))
        return perr (c, pi, "expected an object");
      if (get_string (c, o, pi, "destination", &m->destination) < 0
          || get_string (c, o, pi, "type", &m->type) < 0
          || get_string (c, o, pi, "source", &m->source) < 0
          || get_strv (c, o, pi, "options", &m->options, &m->n_options) < 0)
        return -1;
      if (m->destination == NULL)
        return perr (c, pd, "required");
      if (m->destination[0] != '/')
        return perr (c, pd, "must be an absolute path, got \"%s\"", m->destination);
      if (get_array (c, o, pi, "uidMappings", &v) < 0
          || (v && parse_id_mappings (c, v, pu, &m->uid_mappings, &m->n_uid_mappings) < 0)
          || get_array (c, o, pi, "gidMappings", &v) < 0
          || (v && parse_id_mappings (c, v, pg, &m->gid_mappings, &m->n_gid_mappings) < 0))
        return -1;
      if (mount_opts_resolve (c, pi, m) < 0)
        return -1;
      if (m->type == NULL && !m->bind)
        {
          cleanup_free char *pt = path_key (pi, "type");
          return perr (c, pt, "required unless options has \"bind\" or \"rbind\"");
        }
      if (m->bind && m->source == NULL)
        {
          cleanup_free char *ps = path_key (pi, "source");
          return perr (c, ps, "required for a bind mount");
        }
    }
  return 0;
}

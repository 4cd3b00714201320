/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp with libseccomp: the filter is built from linux.seccomp and
 * loaded as the last step before execve.  Syscalls unknown to libseccomp
 * are skipped, as runc does.  For SCMP_ACT_NOTIFY the listener fd is handed
 * back, and lc_seccomp_send_listener() passes it to listenerPath with the
 * container process state (runtime-spec config-linux.md#seccomp). */
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/security.h"
#include "libcontainer/sendfd.h"
#include "spec/jsonw.h"

#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* The action without its 16-bit data (errno / trace message number). */
#define ACTION_BASE(a) ((a)&0xffff0000U)

/* libseccomp gained SCMP_FLTATR_CTL_WAITKILL in 2.6; before that the
 * filter is exported as BPF and loaded with seccomp(2) here (runc's
 * patchbpf does the same for flags its libseccomp lacks). */
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
#define HAVE_SCMP_WAITKILL 1
#endif

struct filter_opts
{
  bool log, spec_allow, wait_killable, notify;
};

/* The name wins over the resolved id: the id 0 is also KILL_THREAD, so an
 * unfilled id cannot be told apart from a real one. */
static int
resolve_action (const char *name, uint32_t id, bool has_errno, uint32_t errno_ret, uint32_t *out)
{
  if (name && spec_seccomp_action_id (name, &id) < 0)
    return -1;
  if (ACTION_BASE (id) == SCMP_ACT_ERRNO (0))
    id = SCMP_ACT_ERRNO (has_errno ? errno_ret : EPERM);
  else if (ACTION_BASE (id) == SCMP_ACT_TRACE (0))
    id = SCMP_ACT_TRACE (has_errno ? errno_ret : EPERM);
  *out = id;
  return 0;
}

static int
resolve_op (const struct spec_seccomp_arg *a, enum scmp_compare *out)
{
  int op;

  if (a->op)
    {
      if (spec_seccomp_operator_id (a->op, &op) < 0)
        return -1;
      *out = (enum scmp_compare)op;
      return 0;
    }
  if (a->op_id <= _SCMP_CMP_MIN || a->op_id >= _SCMP_CMP_MAX)
    return -1;
  *out = a->op_id;
  return 0;
}

static int
add_archs (scmp_filter_ctx ctx, const struct spec_seccomp *sc, hy_error_t *err)
{
  size_t i, j;

  for (i = 0; i < sc->n_architectures; i++)
    {
      const char *name = sc->architectures[i];
      char lower[64];
      uint32_t arch;
      int r;

      if (strncmp (name, "SCMP_ARCH_", 10) == 0)
        name += 10;
      for (j = 0; name[j] && j < sizeof (lower) - 1; j++)
        lower[j] = tolower ((unsigned char)name[j]);
      lower[j] = '\0';
      arch = seccomp_arch_resolve_name (lower);
      if (arch == 0)
        return hy_error_set (err, 0, "linux.seccomp.architectures[%zu]: unknown \"%s\"", i,
                             sc->architectures[i]);
      /* The native architecture is already in a new filter: EEXIST. */
      r = seccomp_arch_add (ctx, arch);
      if (r < 0 && r != -EEXIST)
        return hy_error_set (err, -r, "linux.seccomp.architectures[%zu]: add %s", i,
                             sc->architectures[i]);
    }
  return 0;
}

static int
parse_flags (const struct spec_seccomp *sc, struct filter_opts *o, hy_error_t *err)
{
  size_t i;

  for (i = 0; i < sc->n_flags; i++)
    {
      const char *f = sc->flags[i];
      if (strcmp (f, "SECCOMP_FILTER_FLAG_LOG") == 0)
        o->log = true;
      else if (strcmp (f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
        o->spec_allow = true;
      else if (strcmp (f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
        o->wait_killable = true;
      else if (strcmp (f, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
        hy_debug ("seccomp: SECCOMP_FILTER_FLAG_TSYNC ignored (the init is single-threaded)");
      else
        return hy_error_set (err, EINVAL, "linux.seccomp.flags[%zu]: unsupported flag \"%s\"", i,
                             f);
    }
  return 0;
}

static int
set_attrs (scmp_filter_ctx ctx, const struct filter_opts *o, hy_error_t *err)
{
  int r;

  /* The caller decides about no_new_privs (process.noNewPrivileges); when
   * it is off, loading needs CAP_SYS_ADMIN, which the init still holds. */
  if ((r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
    return hy_error_set (err, -r, "seccomp: clear the no_new_privs attribute");
  if (o->log && (r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_LOG, 1)) < 0)
    return hy_error_set (err, -r, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_LOG");
  if (o->spec_allow && (r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_SSB, 1)) < 0)
    return hy_error_set (err, -r, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_SPEC_ALLOW");
#ifdef HAVE_SCMP_WAITKILL
  if (o->wait_killable && (r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_WAITKILL, 1)) < 0)
    return hy_error_set (err, -r, "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");
#endif
  return 0;
}

static struct scmp_arg_cmp
arg_cmp (const struct spec_seccomp_arg *a, enum scmp_compare op)
{
  return (struct scmp_arg_cmp){ a->index, op, a->value, a->value_two };
}

/* One rule per syscall name.  runc's rule: when two conditions name the
 * same argument index they are ORed, i.e. each becomes its own rule;
 * otherwise all conditions are ANDed in one rule. */
static int
add_rule (scmp_filter_ctx ctx, const struct spec_seccomp_syscall *s, int nr, uint32_t action,
          hy_error_t *err)
{
  struct scmp_arg_cmp cmps[6];
  unsigned counts[6] = { 0 };
  bool separate = false;
  size_t i, n = 0;
  int r;

  if (s->n_args > 6 * 6)
    return hy_error_set (err, EINVAL, "too many argument conditions");
  for (i = 0; i < s->n_args; i++)
    {
      enum scmp_compare op;
      if (s->args[i].index > 5)
        return hy_error_set (err, EINVAL, "args[%zu].index: must be between 0 and 5", i);
      if (resolve_op (&s->args[i], &op) < 0)
        return hy_error_set (err, EINVAL, "args[%zu].op: unknown operator \"%s\"", i,
                             s->args[i].op ? s->args[i].op : "");
      separate |= ++counts[s->args[i].index] > 1;
    }
  for (i = 0; i < s->n_args; i++)
    {
      enum scmp_compare op = SCMP_CMP_EQ; /* resolved above: cannot fail here */
      resolve_op (&s->args[i], &op);
      if (separate)
        {
          cmps[0] = arg_cmp (&s->args[i], op);
          if ((r = seccomp_rule_add_array (ctx, action, nr, 1, cmps)) < 0)
            return hy_error_set (err, -r, "add the rule for args[%zu]", i);
        }
      else
        cmps[n++] = arg_cmp (&s->args[i], op);
    }
  if (!separate && (r = seccomp_rule_add_array (ctx, action, nr, n, cmps)) < 0)
    return hy_error_set (err, -r, "add the rule");
  return 0;
}

static int
add_rules (scmp_filter_ctx ctx, const struct spec_seccomp *sc, uint32_t def, struct filter_opts *o,
           hy_error_t *err)
{
  size_t i, j;

  for (i = 0; i < sc->n_syscalls; i++)
    {
      const struct spec_seccomp_syscall *s = &sc->syscalls[i];
      uint32_t action;

      if (resolve_action (s->action, s->action_id, s->has_errno_ret, s->errno_ret, &action) < 0)
        return hy_error_set (err, EINVAL, "linux.seccomp.syscalls[%zu].action: unknown \"%s\"", i,
                             s->action);
      if (action == def)
        {
          /* libseccomp refuses rules equal to the default action. */
          hy_debug ("seccomp: syscalls[%zu] has the default action: skipped", i);
          continue;
        }
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
          o->notify |= action == SCMP_ACT_NOTIFY;
        }
    }
  return 0;
}

/* Load through seccomp(2) with flags this libseccomp cannot set. */
static int
load_raw (scmp_filter_ctx ctx, const struct filter_opts *o, int *listener, hy_error_t *err)
{
  cleanup_close int mfd = memfd_create ("hyrun-seccomp", MFD_CLOEXEC);
  cleanup_free struct sock_filter *insns = NULL;
  struct sock_fprog prog;
  unsigned long flags = SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  off_t size;
  int r;

  if (mfd < 0)
    return hy_error_set (err, errno, "seccomp: memfd_create");
  if ((r = seccomp_export_bpf (ctx, mfd)) < 0)
    return hy_error_set (err, -r, "seccomp: export the filter");
  size = lseek (mfd, 0, SEEK_END);
  if (size <= 0 || size % sizeof (struct sock_filter) != 0
      || size / sizeof (struct sock_filter) > 0xffff)
    return hy_error_set (err, EINVAL, "seccomp: exported filter has a bad size");
  insns = xmalloc (size);
  if (pread (mfd, insns, size, 0) != size)
    return hy_error_set (err, errno, "seccomp: read the exported filter");
  prog.len = size / sizeof (struct sock_filter);
  prog.filter = insns;
  flags |= o->log ? SECCOMP_FILTER_FLAG_LOG : 0;
  flags |= o->spec_allow ? SECCOMP_FILTER_FLAG_SPEC_ALLOW : 0;
  /* WAIT_KILLABLE_RECV only has a meaning (and the kernel only accepts
   * it) together with a listener. */
  flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0)
    return hy_error_set (err, errno,
                         "seccomp: load the filter (SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)");
  *listener = r;
  return 0;
}

/* The filter of linux.seccomp, built and checked as it will be loaded:
 * the context (NULL with *err set) and its options in *o. */
static scmp_filter_ctx
build (const struct spec_seccomp *sc, struct filter_opts *o, hy_error_t *err)
{
  scmp_filter_ctx ctx;
  uint32_t def;

  if (resolve_action (sc->default_action, sc->default_action_id, sc->has_default_errno_ret,
                      sc->default_errno_ret, &def)
      < 0)
    {
      hy_error_set (err, EINVAL, "linux.seccomp.defaultAction: unknown \"%s\"", sc->default_action);
      return NULL;
    }
  if (def == SCMP_ACT_NOTIFY)
    {
      hy_error_set (err, EINVAL,
                    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default");
      return NULL;
    }
  ctx = seccomp_init (def);
  if (ctx == NULL)
    {
      hy_error_set (err, EINVAL, "linux.seccomp.defaultAction: cannot initialise the filter");
      return NULL;
    }
  *o = (struct filter_opts){ 0 };
  if (parse_flags (sc, o, err) < 0 || set_attrs (ctx, o, err) < 0 || add_archs (ctx, sc, err) < 0
      || add_rules (ctx, sc, def, o, err) < 0)
    goto fail;
  if (o->wait_killable && !o->notify)
    {
      hy_error_set (err, EINVAL,
                    "linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV "
                    "needs a rule with SCMP_ACT_NOTIFY");
      goto fail;
    }
  return ctx;
fail:
  seccomp_release (ctx);
  return NULL;
}

static int
load (scmp_filter_ctx ctx, const struct filter_opts *o, int *listener, hy_error_t *err)
{
  int r;

  *listener = -1;
#ifndef HAVE_SCMP_WAITKILL
  if (o->wait_killable)
    return load_raw (ctx, o, listener, err);
#endif
  if ((r = seccomp_load (ctx)) < 0)
    return hy_error_set (err, -r, "seccomp: load the filter");
  if (o->notify)
    *listener = seccomp_notify_fd (ctx);
  return 0;
}

struct lc_seccomp_filter
{
  scmp_filter_ctx ctx;
  struct filter_opts o;
};

struct lc_seccomp_filter *
lc_seccomp_build (const struct spec_seccomp *sc, hy_error_t *err)
{
  struct filter_opts o;
  scmp_filter_ctx ctx = build (sc, &o, err);
  struct lc_seccomp_filter *f;

  if (ctx == NULL)
    return NULL;
  f = xmalloc (sizeof (*f));
  f->ctx = ctx;
  f->o = o;
  return f;
}

void
lc_seccomp_filter_free (struct lc_seccomp_filter *f)
{
  if (f == NULL)
    return;
  seccomp_release (f->ctx);
  free (f);
}

int
lc_seccomp_load_built (struct lc_seccomp_filter *f, int *notify_fd, hy_error_t *err)
{
  int listener = -1;

  if (notify_fd)
    *notify_fd = -1;
  if (load (f->ctx, &f->o, &listener, err) < 0)
    return -1;
  /* The listener is close-on-exec (the kernel makes it so). */
  if (notify_fd)
    *notify_fd = listener;
  else if (listener >= 0)
    close (listener);
  return 0;
}

int
lc_seccomp_load (const struct spec_seccomp *sc, int *notify_fd, hy_error_t *err)
{
  struct lc_seccomp_filter *f;
  int r;

  if (notify_fd)
    *notify_fd = -1;
  if (sc == NULL)
    return 0;
  f = lc_seccomp_build (sc, err);
  if (f == NULL)
    return -1;
  r = lc_seccomp_load_built (f, notify_fd, err);
  lc_seccomp_filter_free (f);
  return r;
}

int
lc_seccomp_export (const struct spec_seccomp *sc, int fd, hy_error_t *err)
{
  struct filter_opts o;
  scmp_filter_ctx ctx = build (sc, &o, err);
  int r;

  if (ctx == NULL)
    return -1;
  r = seccomp_export_bpf (ctx, fd);
  seccomp_release (ctx);
  if (r < 0)
    return hy_error_set (err, -r, "seccomp: export the filter");
  return 0;
}

/* The top-level "pid" of the state object, found without a JSON parser
 * (STYLE.md rule 9): strings are skipped, depth is tracked. */
static long
state_pid (const char *json)
{
  int depth = 0;
  const char *p;

  for (p = json; *p; p++)
    {
      if (*p == '{' || *p == '[')
        depth++;
      else if (*p == '}' || *p == ']')
        depth--;
      else if (*p == '"')
        {
          const char *start = ++p;
          while (*p && *p != '"')
            p += (*p == '\\' && p[1]) ? 2 : 1;
          if (*p == '\0')
            return -1;
          if (depth == 1 && p - start == 3 && strncmp (start, "pid", 3) == 0)
            {
              const char *q = p + 1;
              while (*q == ' ' || *q == ':' || *q == '\n' || *q == '\t')
                q++;
              return strtol (q, NULL, 10);
            }
        }
    }
  return -1;
}

/* The runtime-spec "container process state" with state_json spliced in
 * as its last member. */
static char *
process_state_json (const char *metadata, const char *state_json)
{
  struct jsonw *w = jsonw_new (false);
  cleanup_free char *head = NULL;
  size_t len;

  jsonw_begin_object (w);
  jsonw_key (w, "ociVersion");
  jsonw_string (w, "1.2.0");
  jsonw_key (w, "fds");
  jsonw_begin_array (w);
  jsonw_string (w, "seccompFd");
  jsonw_end_array (w);
  jsonw_key (w, "pid");
  jsonw_int (w, state_pid (state_json));
  if (metadata)
    {
      jsonw_key (w, "metadata");
      jsonw_string (w, metadata);
    }
  jsonw_end_object (w);
  head = jsonw_finish (w, &len);
  head[len - 1] = '\0'; /* drop the closing brace */
  return xasprintf ("%s,\"state\":%s}", head, state_json);
}

int
lc_seccomp_listener_connect (const char *listener_path, hy_error_t *err)
{
  int sock = lc_unix_connect (listener_path, err);

  if (sock < 0)
    return hy_error_prefix (err, "linux.seccomp.listenerPath");
  return sock;
}

int
lc_seccomp_send_listener_fd (int sock, const char *metadata, int notify_fd, const char *state_json,
                             hy_error_t *err)
{
  cleanup_free char *msg = process_state_json (metadata, state_json);

  if (lc_send_fd (sock, notify_fd, msg, strlen (msg), err) < 0)
    return hy_error_prefix (err, "linux.seccomp.listenerPath: send the seccomp fd");
  return 0;
}

int
lc_seccomp_send_listener (const char *listener_path, const char *metadata, int notify_fd,
                          const char *state_json, hy_error_t *err)
{
  cleanup_close int sock = lc_seccomp_listener_connect (listener_path, err);

  if (sock < 0)
    return -1;
  return lc_seccomp_send_listener_fd (sock, metadata, notify_fd, state_json, err);
}

void
lc_seccomp_preload (const struct spec_seccomp *sc)
{
  if (sc)
    (void)seccomp_version ();
}

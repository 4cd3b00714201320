/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libseccomp, loaded on first use.  Most containers hyrun starts in a
 * benchmark or a CI job have no linux.seccomp, and mapping the library at
 * every start cost ~110 KiB of RSS (its text, faulted in around each
 * relocation).  The hyrun binary links these forwarders instead of
 * -lseccomp; the static guest agent and the unit tests link the library
 * itself.  A missing library makes every call fail the way libseccomp
 * reports a failure (NULL, a negative errno, __NR_SCMP_ERROR). */
#include <dlfcn.h>
#include <errno.h>
#include <seccomp.h>
#include <stddef.h>

static void *
sym (const char *name)
{
  static void *lib;

  if (lib == NULL)
    lib = dlopen ("libseccomp.so.2", RTLD_NOW | RTLD_LOCAL);
  return lib ? dlsym (lib, name) : NULL;
}

#define FORWARD(ret, name, params, args, fail)                                                     \
  ret name params                                                                                  \
  {                                                                                                \
    static ret (*f) params;                                                                        \
    if (f == NULL)                                                                                 \
      f = (ret (*) params)sym (#name);                                                             \
    return f ? f args : (fail);                                                                    \
  }

FORWARD (const struct scmp_version *, seccomp_version, (void), (), NULL)
FORWARD (scmp_filter_ctx, seccomp_init, (uint32_t a), (a), NULL)
FORWARD (int, seccomp_arch_add, (scmp_filter_ctx c, uint32_t a), (c, a), -ENOSYS)
FORWARD (uint32_t, seccomp_arch_resolve_name, (const char *n), (n), 0)
FORWARD (int, seccomp_load, (const scmp_filter_ctx c), (c), -ENOSYS)
FORWARD (int, seccomp_attr_set, (scmp_filter_ctx c, enum scmp_filter_attr a, uint32_t v), (c, a, v),
         -ENOSYS)
FORWARD (int, seccomp_syscall_resolve_name, (const char *n), (n), __NR_SCMP_ERROR)
FORWARD (int, seccomp_rule_add_array,
         (scmp_filter_ctx c, uint32_t a, int s, unsigned n, const struct scmp_arg_cmp *v),
         (c, a, s, n, v), -ENOSYS)
FORWARD (int, seccomp_notify_fd, (const scmp_filter_ctx c), (c), -ENOSYS)
FORWARD (int, seccomp_export_bpf, (const scmp_filter_ctx c, int fd), (c, fd), -ENOSYS)

void
seccomp_release (scmp_filter_ctx c)
{
  static void (*f) (scmp_filter_ctx);

  if (f == NULL)
    f = (void (*) (scmp_filter_ctx))sym ("seccomp_release");
  if (f)
    f (c);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container process's identity and environment: uid/gid/groups,
 * umask, HOME and the lookup of the program in PATH. */
#ifndef HY_LC_USER_H
#define HY_LC_USER_H

#include <stdbool.h>

#include "common/error.h"
#include "spec/spec.h"

/* setgroups/setresgid/setresuid as process.user says.  setgroups is
 * skipped when the user namespace forbids it (runc does the same). */
int lc_user_switch (const struct spec_user *u, hy_error_t *err);
/* process.env plus HOME from the container's /etc/passwd when missing.
 * Returns a NULL-terminated vector to free with cleanup_strv. */
char **lc_user_env (const struct spec_process *p);
/* Find argv0 like execvp: a name with a slash is taken as is, otherwise
 * each PATH entry of env is tried.  Returns the path to execve. */
char *lc_user_find_exec (const char *argv0, char **env, hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Closing what the container must not inherit (STYLE.md rule 10). */
#ifndef HY_LC_FD_H
#define HY_LC_FD_H

#include "common/error.h"

#include <stddef.h>

/* Mark every fd >= first as close-on-exec, so the exec of the container
 * process drops them all (fds 0..first-1 pass: stdio + --preserve-fds). */
int lc_fd_cloexec_from (int first, hy_error_t *err);

/* Close every fd >= first that is not in keep[] (sorted in place): the
 * init drops the runtime's fds (its state lock above all) as soon as it
 * is forked, so nothing of the host lingers while it waits for start. */
void lc_fd_close_except (int first, int *keep, size_t n_keep);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Closing what the container must not inherit (STYLE.md rule 10). */
#ifndef HY_LC_FD_H
#define HY_LC_FD_H

#include "common/error.h"

/* Mark every fd >= first as close-on-exec, so the exec of the container
 * process drops them all (fds 0..first-1 pass: stdio + --preserve-fds). */
int lc_fd_cloexec_from (int first, hy_error_t *err);

#endif

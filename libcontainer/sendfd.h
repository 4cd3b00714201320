/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to libcontainer: send one fd over a connected Unix socket with
 * SCM_RIGHTS in a single message whose payload is `data` (the console
 * socket and the seccomp listener both read it that way). */
#ifndef HY_LC_SENDFD_H
#define HY_LC_SENDFD_H

#include <stddef.h>

#include "common/error.h"

/* Defined in terminal.c.  A stream socket may take the payload in several
 * writes: the fd rides on the first one, the rest follows plainly. */
int lc_send_fd (int sock, int fd, const void *data, size_t len, hy_error_t *err);
/* Connect a SOCK_STREAM Unix socket to path (close-on-exec). */
int lc_unix_connect (const char *path, hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one error type of hyrun: functions that can fail take `hy_error_t *err`
 * last, fill it with hy_error_set() and return a negative value (or NULL).
 * Callers add context on the way up with hy_error_prefix(). Only
 * runtime/main.c prints the final message and picks the exit code. */
#ifndef HY_ERROR_H
#define HY_ERROR_H

#include <stdarg.h>

struct hy_error
{
  int code;  /* errno-style cause, 0 when none */
  char *msg; /* full message, context first */
};
typedef struct hy_error *hy_error_t;

/* Set *err (must be NULL) to a new error; appends strerror(errno_) when
 * errno_ != 0.  Returns -1 - or -errno_ when errno_ > 0 - so callers can
 * write `return hy_error_set (err, errno, "open `%s`", path);`. */
int hy_error_set (hy_error_t *err, int errno_, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
/* Prepend "CONTEXT: " to an existing error and return -1. */
int hy_error_prefix (hy_error_t *err, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void hy_error_free (hy_error_t *err);
/* Move the error from *src to *dst (dst empty). */
void hy_error_move (hy_error_t *dst, hy_error_t *src);

#define cleanup_error __attribute__ ((cleanup (hy_error_free)))

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The error type: creation, context prefixes, release. */
#include "common/error.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
hy_error_set (hy_error_t *err, int errno_, const char *fmt, ...)
{
  va_list ap;
  char *body = NULL;
  struct hy_error *e;

  va_start (ap, fmt);
  if (vasprintf (&body, fmt, ap) < 0)
    abort ();
  va_end (ap);

  if (err == NULL)
    {
      free (body);
      return errno_ > 0 ? -errno_ : -1;
    }
  /* Keep the first error: a later failure during cleanup must not hide the
   * cause. */
  if (*err != NULL)
    {
      free (body);
      return errno_ > 0 ? -errno_ : -1;
    }
  e = xzalloc (sizeof (*e));
  e->code = errno_;
  if (errno_ > 0)
    {
      e->msg = xasprintf ("%s: %s", body, strerror (errno_));
      free (body);
    }
  else
    e->msg = body;
  *err = e;
  return errno_ > 0 ? -errno_ : -1;
}

int
hy_error_prefix (hy_error_t *err, const char *fmt, ...)
{
  va_list ap;
  char *ctx = NULL;
  char *msg;

  if (err == NULL || *err == NULL)
    return -1;
  va_start (ap, fmt);
  if (vasprintf (&ctx, fmt, ap) < 0)
    abort ();
  va_end (ap);
  msg = xasprintf ("%s: %s", ctx, (*err)->msg);
  free (ctx);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void
hy_error_free (hy_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free ((*err)->msg);
  free (*err);
  *err = NULL;
}

void
hy_error_move (hy_error_t *dst, hy_error_t *src)
{
  if (*dst == NULL)
    {
      *dst = *src;
      *src = NULL;
    }
  else
    hy_error_free (src);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation wrappers that abort on exhaustion. */
#include "common/xalloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *
check (void *p)
{
  if (p == NULL)
    abort ();
  return p;
}

void *
xmalloc (size_t size)
{
  return check (malloc (size ? size : 1));
}

void *
xzalloc (size_t size)
{
  return check (calloc (1, size ? size : 1));
}

void *
xcalloc (size_t n, size_t size)
{
  return check (calloc (n ? n : 1, size ? size : 1));
}

void *
xrealloc (void *ptr, size_t size)
{
  return check (realloc (ptr, size ? size : 1));
}

char *
xstrdup (const char *s)
{
  return s ? check (strdup (s)) : NULL;
}

char *
xstrndup (const char *s, size_t n)
{
  return s ? check (strndup (s, n)) : NULL;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *out = NULL;

  va_start (ap, fmt);
  if (vasprintf (&out, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return out;
}

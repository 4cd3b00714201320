/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation wrappers: running out of memory aborts, it is not an error
 * path (STYLE.md rule 5). */
#ifndef HY_XALLOC_H
#define HY_XALLOC_H

#include <stddef.h>

void *xmalloc (size_t size);
void *xzalloc (size_t size);
void *xrealloc (void *ptr, size_t size);
void *xcalloc (size_t n, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP output for the C unit tests: plan, ok/not ok, skip with a
 * reason, and an exit status that is non-zero when any test failed. */
#ifndef HY_TAP_H
#define HY_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline void
tap_plan (int n)
{
  printf ("1..%d\n", n);
}

static inline int tap_ok (int cond, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static inline int
tap_ok (int cond, const char *fmt, ...)
{
  va_list ap;

  printf ("%sok %d - ", cond ? "" : "not ", ++tap_n);
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
  if (!cond)
    tap_failed++;
  return cond;
}

static inline void
tap_skip (const char *why, const char *name)
{
  printf ("ok %d - %s # SKIP %s\n", ++tap_n, name, why);
  fflush (stdout);
}

static inline void tap_diag (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static inline void
tap_diag (const char *fmt, ...)
{
  va_list ap;

  printf ("# ");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  printf ("\n");
}

static inline int
tap_done (void)
{
  return tap_failed ? 1 : 0;
}

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP output for the C unit tests: plan, ok/not ok, skip with a
 * reason, and an exit status that is non-zero when any test failed or the
 * program ran another number of tests than it planned. */
#ifndef HY_TAP_H
#define HY_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed, tap_planned = -1;

static inline void
tap_plan (int n)
{
  tap_planned = n;
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
  /* A plan that does not match hides tests that never ran (or were
   * added without it): that is a failure of its own. */
  if (tap_planned >= 0 && tap_n != tap_planned)
    {
      printf ("not ok %d - planned %d tests, ran %d\n", tap_n + 1, tap_planned, tap_n);
      tap_failed++;
    }
  return tap_failed ? 1 : 0;
}

#endif

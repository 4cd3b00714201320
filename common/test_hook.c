/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test-only switches of test_hook.h, read from the environment; this
 * file is empty unless configured with --enable-test-hooks. */
#include "common/test_hook.h"

#ifdef HYRUN_TEST_HOOKS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Is `name` an item of the comma-separated list in variable `var`? */
static bool
listed (const char *var, const char *name)
{
  const char *v = getenv (var);
  size_t n = strlen (name);

  for (const char *p = v; p && *p;)
    {
      const char *end = strchr (p, ',');
      size_t len = end ? (size_t)(end - p) : strlen (p);
      if (len == n && strncmp (p, name, n) == 0)
        return true;
      p = end ? end + 1 : NULL;
    }
  return false;
}

bool
test_hook_off (const char *name)
{
  return listed ("HYRUN_TEST_DISABLE", name);
}

/* Named for the test to find; a PID namespace's init ignores even its own
 * SIGSTOP, so it waits in pause() instead, for the test's SIGKILL. */
void
test_hook_stop (const char *stage)
{
  if (!listed ("HYRUN_TEST_STOP", stage))
    return;
  prctl (PR_SET_NAME, "hyrun:stopped");
  raise (SIGSTOP);
  for (;;)
    pause ();
}
#endif

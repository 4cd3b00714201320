/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd driver's reading of cgroupsPath "slice:prefix:name" (runc's
 * rules: the default slice, nested slices, the unit name, what is refused)
 * and its error when the D-Bus helper cannot be run.  The driver itself
 * runs against systemd in tests/vm/systemd-in-l1.sh. */
#include "common/xalloc.h"
#include "libcontainer/cgroup_fs.h"
#include "tests/unit/tap.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* path_is IN WANT_PATH WANT_SLICE WANT_UNIT (WANT_PATH NULL: an error
 * containing WANT_SLICE is expected) */
static void
path_is (const char *in, const char *want, const char *slice_or_msg, const char *unit)
{
  hy_error_t err = NULL;
  char *slice = NULL, *u = NULL, *p = cg_systemd_path (in, "c1", &slice, &u, &err);

  if (want)
    tap_ok (p && strcmp (p, want) == 0 && strcmp (slice, slice_or_msg) == 0
                && strcmp (u, unit) == 0,
            "cgroupsPath \"%s\" -> %s (slice %s, unit %s); got %s", in ? in : "(none)", want,
            slice_or_msg, unit, p ? p : err->msg);
  else
    tap_ok (p == NULL && err && strstr (err->msg, slice_or_msg),
            "cgroupsPath \"%s\" is refused naming \"%s\"; got %s", in, slice_or_msg,
            p ? p : err->msg);
  free (p);
  free (slice);
  free (u);
  hy_error_free (&err);
}

int
main (void)
{
  tap_plan (9);
  if (geteuid () != 0)
    {
      for (int i = 0; i < 9; i++)
        tap_skip ("the systemd driver is root-only (no user bus yet)", "cgroupsPath parsing");
      return tap_done ();
    }
  path_is (NULL, "/system.slice/hyrun-c1.scope", "system.slice", "hyrun-c1.scope");
  path_is ("system.slice:docker:1234", "/system.slice/docker-1234.scope", "system.slice",
           "docker-1234.scope");
  path_is ("machine-a-b.slice:libpod:x",
           "/machine.slice/machine-a.slice/machine-a-b.slice/libpod-x.scope", "machine-a-b.slice",
           "libpod-x.scope");
  path_is ("-.slice:p:n", "/p-n.scope", "-.slice", "p-n.scope");
  path_is (":p:n", "/system.slice/p-n.scope", "system.slice", "p-n.scope");
  path_is ("/abs/path", NULL, "slice:prefix:name", NULL);
  path_is ("a--b.slice:p:n", NULL, "invalid systemd slice name", NULL);
  path_is ("system.slice:p:x/../y", NULL, "bad systemd unit name", NULL);
  path_is ("system.slice:p:sub.slice", NULL, "not supported", NULL);
  return tap_done ();
}

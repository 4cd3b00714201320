/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hooks with real processes: the state JSON reaches a hook's stdin, args
 * and env are exactly as given, a failing hook and a timing-out hook fail
 * with messages that name them, and the timeout is honoured promptly. */
#include "common/cleanup.h"
#include "common/error.h"
#include "libcontainer/security.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char *
slurp (const char *path)
{
  static char buf[8192];
  FILE *f = fopen (path, "re");
  size_t n = 0;

  buf[0] = '\0';
  if (f)
    {
      n = fread (buf, 1, sizeof (buf) - 1, f);
      fclose (f);
    }
  buf[n] = '\0';
  return buf;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (void)
{
  char dir[] = "/tmp/hy-hooks-XXXXXX", out[128], script[512];
  const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42}";
  cleanup_error hy_error_t err = NULL;
  double t0;
  int r;

  tap_plan (12);
  fflush (stdout);
  if (mkdtemp (dir) == NULL)
    return 1;
  snprintf (out, sizeof (out), "%s/out", dir);

  {
    snprintf (script, sizeof (script), "cat > %s; echo; echo \"$0 $1 [$FOO]\"; /usr/bin/env", out);
    char *args[] = { "sh", "-c", script, "argzero", "arg1", NULL };
    char *env[] = { "FOO=bar", NULL };
    struct spec_hook h = { "/bin/sh", args, 5, env, 1, false, 0 };
    /* The hook's stdout goes to our stderr: catch it in a file. */
    char log[160];
    int saved = dup (2), fd;
    snprintf (log, sizeof (log), "%s/stderr", dir);
    fd = open (log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    dup2 (fd, 2);
    r = lc_hooks_run (&h, 1, "prestart", state, &err);
    dup2 (saved, 2);
    close (saved);
    close (fd);
    tap_ok (r == 0, "hooks: a hook that reads its stdin succeeds");
    tap_ok (strncmp (slurp (out), state, strlen (state)) == 0,
            "hooks: the state JSON arrives on stdin");
    tap_ok (strstr (slurp (log), "argzero arg1 [bar]\n") != NULL
                && strstr (slurp (log), "\nFOO=bar\n") && !strstr (slurp (log), "PATH="),
            "hooks: args and env exactly as given (no PATH), stdout on the runtime's stderr");
    unlink (log);
  }
  {
    char *args[] = { "true", NULL };
    struct spec_hook h = { "/bin/true", args, 1, NULL, 0, false, 0 };
    tap_ok (lc_hooks_run (&h, 1, "poststart", state, &err) == 0,
            "hooks: a hook that ignores its stdin succeeds");
  }
  {
    /* Larger than a socket buffer, to a hook that never reads. */
    size_t big = 4 << 20;
    char *json = malloc (big + 1);
    char *args[] = { "true", NULL };
    struct spec_hook h = { "/bin/true", args, 1, NULL, 0, true, 5 };
    memset (json, ' ', big);
    json[big] = '\0';
    t0 = now ();
    r = lc_hooks_run (&h, 1, "poststart", json, &err);
    tap_ok (r == 0 && now () - t0 < 3,
            "hooks: a big state to a hook that exits unread does not block");
    free (json);
  }
  {
    char *args[] = { "sh", "-c", "exit 3", NULL };
    struct spec_hook hooks[2] = { { "/bin/true", NULL, 0, NULL, 0, false, 0 },
                                  { "/bin/sh", args, 3, NULL, 0, false, 0 } };
    r = lc_hooks_run (hooks, 2, "createRuntime", state, &err);
    tap_ok (r < 0 && err && strstr (err->msg, "createRuntime hook #1 (/bin/sh)")
                && strstr (err->msg, "status 3"),
            "hooks: a failing hook's error names kind, index, path and status");
    if (err)
      tap_diag ("%s", err->msg);
    hy_error_free (&err);
    err = NULL;
  }
  {
    char *args[] = { "sh", "-c", "kill -9 $$", NULL };
    struct spec_hook h = { "/bin/sh", args, 3, NULL, 0, false, 0 };
    r = lc_hooks_run (&h, 1, "poststop", state, &err);
    tap_ok (r < 0 && err && strstr (err->msg, "killed by signal 9"), "hooks: a killed hook fails");
    hy_error_free (&err);
    err = NULL;
  }
  {
    struct spec_hook h = { "/nonexistent/hook", NULL, 0, NULL, 0, false, 0 };
    r = lc_hooks_run (&h, 1, "prestart", state, &err);
    tap_ok (r < 0 && err
                && strstr (err->msg, "prestart hook #0 (/nonexistent/hook): cannot execute"),
            "hooks: a missing hook binary is reported as such");
    if (err)
      tap_diag ("%s", err->msg);
    hy_error_free (&err);
    err = NULL;
  }
  {
    char *args[] = { "sleep", "30", NULL };
    struct spec_hook h = { "/bin/sleep", args, 2, NULL, 0, true, 1 };
    t0 = now ();
    r = lc_hooks_run (&h, 1, "prestart", state, &err);
    double took = now () - t0;
    tap_ok (r < 0 && err && strstr (err->msg, "prestart hook #0 (/bin/sleep): timed out after 1s"),
            "hooks: a timing-out hook fails naming it");
    /* the lower bound is the timeout's; the upper one only has to tell
     * the timeout from the hook's own 30 s, with room for a loaded CI
     * box (or valgrind) */
    tap_ok (took >= 0.9 && took < 15.0,
            "hooks: the timeout fires after ~1s, not the hook's 30s (%.2fs)", took);
    if (err)
      tap_diag ("%s", err->msg);
    hy_error_free (&err);
    err = NULL;
  }
  {
    /* a hook waiting for an EOF that never came would end at its 60 s
     * timeout: well under that, with room for a loaded box */
    char *args[] = { "sh", "-c", "cat >/dev/null; exit 0", NULL };
    struct spec_hook h = { "/bin/sh", args, 3, NULL, 0, true, 60 };
    t0 = now ();
    tap_ok (lc_hooks_run (&h, 1, "prestart", state, &err) == 0 && now () - t0 < 30,
            "hooks: stdin is closed after the state, a hook reading to EOF finishes");
  }
  tap_ok (lc_hooks_run (NULL, 0, "prestart", state, &err) == 0, "hooks: no hooks is a no-op");
  unlink (out);
  rmdir (dir);
  return tap_done ();
}

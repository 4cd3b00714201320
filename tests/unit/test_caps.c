/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities on the real kernel: each case forks a child that applies a
 * hand-built spec_capabilities in the init's order (bounding, keep caps,
 * optional uid change, apply) and compares the five masks of
 * /proc/self/status with the expected bits. */
#include "common/error.h"
#include "libcontainer/security.h"
#include "tests/unit/tap.h"

#include <inttypes.h>
#include <sched.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SET(...) ((char *[]){ __VA_ARGS__, NULL })
#define N(...) (sizeof ((char *[]){ __VA_ARGS__ }) / sizeof (char *))
#define B(c) (1ULL << (c))

struct expect
{
  uint64_t bnd, eff, prm, inh, amb;
};

static uint64_t
status_mask (const char *key)
{
  char line[256];
  uint64_t v = ~0ULL;
  FILE *f = fopen ("/proc/self/status", "re");

  while (f && fgets (line, sizeof (line), f))
    if (strncmp (line, key, strlen (key)) == 0)
      v = strtoull (line + strlen (key) + 1, NULL, 16);
  if (f)
    fclose (f);
  return v;
}

static int
check (const char *key, uint64_t want)
{
  uint64_t got = status_mask (key);
  if (got != want)
    printf ("# %s: got %016" PRIx64 ", want %016" PRIx64 "\n", key, got, want);
  return got == want;
}

/* Rootless containers: the same steps as root of a new user namespace. */
static bool in_userns;

static int
write_file (const char *path, const char *text)
{
  FILE *f = fopen (path, "we");
  int r = f && fputs (text, f) >= 0 ? 0 : -1;
  if (f && fclose (f) != 0)
    r = -1;
  return r;
}

static int
enter_userns (void)
{
  char map[64];
  snprintf (map, sizeof (map), "0 %u 1\n", (unsigned)geteuid ());
  if (unshare (CLONE_NEWUSER) < 0 || write_file ("/proc/self/setgroups", "deny") < 0
      || write_file ("/proc/self/uid_map", map) < 0 || write_file ("/proc/self/gid_map", map) < 0)
    return -1;
  return 0;
}

/* Returns the child's verdict: 0 all masks match, 1 mismatch, 2 error. */
static int
run_case (const struct spec_capabilities *caps, uid_t uid, const struct expect *e,
          int want_apply_error)
{
  pid_t pid = fork ();
  int status;

  if (pid == 0)
    {
      hy_error_t err = NULL;
      int ok;
      if (in_userns && enter_userns () < 0)
        _exit (3);
      if (lc_caps_drop_bounding (caps, &err) < 0 || lc_caps_keep (&err) < 0)
        _exit ((printf ("# %s\n", err->msg), fflush (stdout), 2));
      if (uid && setresuid (uid, uid, uid) < 0)
        _exit (2);
      if (lc_caps_apply (caps, &err) < 0)
        {
          printf ("# %s\n", err->msg);
          fflush (stdout);
          _exit (want_apply_error ? 0 : 2);
        }
      if (want_apply_error)
        _exit (1);
      ok = check ("CapBnd:", e->bnd) & check ("CapEff:", e->eff) & check ("CapPrm:", e->prm)
           & check ("CapInh:", e->inh) & check ("CapAmb:", e->amb);
      fflush (stdout);
      _exit (ok ? 0 : 1);
    }
  if (pid < 0 || waitpid (pid, &status, 0) < 0)
    return 2;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 2;
}

int
main (void)
{
  struct spec_capabilities full = {
    .bounding = SET ("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_SETUID"),
    .n_bounding = 4,
    .effective = SET ("CAP_CHOWN", "CAP_KILL"),
    .n_effective = 2,
    .permitted = SET ("CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"),
    .n_permitted = 3,
    .inheritable = SET ("CAP_KILL", "CAP_NET_BIND_SERVICE"),
    .n_inheritable = 2,
    .ambient = SET ("CAP_KILL"),
    .n_ambient = 1,
  };
  struct expect e_full
      = { B (CAP_CHOWN) | B (CAP_KILL) | B (CAP_NET_BIND_SERVICE) | B (CAP_SETUID),
          B (CAP_CHOWN) | B (CAP_KILL), B (CAP_CHOWN) | B (CAP_KILL) | B (CAP_NET_BIND_SERVICE),
          B (CAP_KILL) | B (CAP_NET_BIND_SERVICE), B (CAP_KILL) };
  char *none[] = { NULL };
  struct spec_capabilities empty = { none, 0, none, 0, none, 0, none, 0, none, 0 };
  struct expect e_zero = { 0, 0, 0, 0, 0 };
  /* Whatever bounding set we were started with stays. */
  struct expect e_null = { status_mask ("CapBnd:"), 0, 0, 0, 0 };
  struct spec_capabilities amb_bad = full;
  struct expect e_amb_bad = e_full;
  struct spec_capabilities bad_name = full;
  struct spec_capabilities eff_not_perm = full;

  amb_bad.ambient = SET ("CAP_CHOWN"); /* not inheritable: the kernel refuses */
  e_amb_bad.amb = 0;
  bad_name.effective = SET ("CAP_NO_SUCH_THING");
  bad_name.n_effective = N ("x");
  eff_not_perm.effective = SET ("CAP_SYS_ADMIN");
  eff_not_perm.n_effective = 1;

  tap_plan (8);
  fflush (stdout);
  if (geteuid () != 0)
    {
      for (int i = 0; i < 8; i++)
        tap_skip ("needs root", "capabilities");
      return 0;
    }
  tap_ok (run_case (&full, 0, &e_full, 0) == 0, "caps: all five sets as given (root)");
  tap_ok (run_case (&full, 1000, &e_full, 0) == 0,
          "caps: all five sets survive setresuid(1000) through keep caps");
  in_userns = true;
  tap_ok (run_case (&full, 0, &e_full, 0) == 0, "caps: all five sets as root of a user namespace");
  in_userns = false;
  tap_ok (run_case (NULL, 0, &e_null, 0) == 0,
          "caps: NULL clears E/P/I/A and leaves the bounding set alone");
  tap_ok (run_case (&empty, 1000, &e_zero, 0) == 0, "caps: empty sets drop everything");
  tap_ok (run_case (&amb_bad, 0, &e_amb_bad, 0) == 0,
          "caps: an ambient cap missing from inheritable is skipped with a warning");
  tap_ok (run_case (&bad_name, 0, &e_full, 1) == 0, "caps: an unknown name is an error");
  tap_ok (run_case (&eff_not_perm, 1000, &e_full, 1) == 0,
          "caps: effective outside permitted is an error");
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checkpoint/restore: the criu argv for a container, and what a host
 * where `criu check` fails does (this machine's kernel: criu 3.17 cannot
 * read its vDSO, so a real dump cannot be tested here). */
#include "libcontainer/criu.h"
#include "common/cleanup.h"
#include "tests/unit/tap.h"

#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static bool
has_pair (char **argv, const char *a, const char *b)
{
  for (; argv[0] && argv[1]; argv++)
    if (strcmp (argv[0], a) == 0 && (b == NULL || strcmp (argv[1], b) == 0))
      return true;
  return false;
}

static void
test_dump_argv (void)
{
  struct spec_mount mounts[2] = {
    { .destination = (char *)"/data",
      .source = (char *)"/srv/data",
      .type = (char *)"bind",
      .bind = true },
    { .destination = (char *)"/proc", .source = (char *)"proc", .type = (char *)"proc" },
  };
  struct spec spec = { .mounts = mounts, .n_mounts = 2 };
  struct lc_criu_opts o = {
    .image_path = "/tmp/img", .leave_running = true, .tcp_established = true, .file_locks = true
  };
  cleanup_strv char **argv = lc_criu_dump_argv (&spec, 1234, "/b/rootfs", &o);

  tap_ok (strcmp (argv[0], "criu") == 0 && strcmp (argv[1], "dump") == 0, "dump argv: criu dump");
  tap_ok (has_pair (argv, "--tree", "1234"), "dump argv: --tree names the init pid");
  tap_ok (has_pair (argv, "--root", "/b/rootfs"), "dump argv: --root is the rootfs");
  tap_ok (has_pair (argv, "--images-dir", "/tmp/img"), "dump argv: --images-dir");
  tap_ok (has_pair (argv, "--leave-running", NULL) && has_pair (argv, "--tcp-established", NULL)
              && has_pair (argv, "--file-locks", NULL),
          "dump argv: --leave-running --tcp-established --file-locks passed through");
  tap_ok (has_pair (argv, "--external", "mnt[/data]:/data")
              && !has_pair (argv, "--external", "mnt[/proc]:/proc"),
          "dump argv: bind mounts (only) are external");
}

static void
test_check_on_this_host (void)
{
  cleanup_error hy_error_t err = NULL;
  int r = lc_criu_check (NULL, &err);

  if (r == 0)
    {
      tap_skip ("criu check passes on this host: the failure path cannot be observed",
                "criu check failure gives criu's reason");
      return;
    }
  tap_ok (err && strstr (err->msg, "criu check failed") != NULL,
          "criu check failure gives one clear error: %s", err ? err->msg : "(none)");
}

static void
test_dump_leaves_process_running (void)
{
  cleanup_error hy_error_t err = NULL;
  struct spec spec = { 0 };
  struct lc_criu_opts o = { .image_path = "/tmp/hyrun-test-criu-img" };
  pid_t child = fork ();
  int r, status;

  if (child == 0)
    {
      pause ();
      _exit (0);
    }
  r = lc_criu_dump (&spec, child, "/", &o, &err);
  if (r == 0)
    tap_skip ("criu works on this host: the refusal path cannot be observed",
              "a refused checkpoint leaves the process running");
  else
    tap_ok (waitpid (child, &status, WNOHANG) == 0 && kill (child, 0) == 0,
            "a refused checkpoint leaves the process running (%s)", err ? err->msg : "");
  kill (child, SIGKILL);
  waitpid (child, &status, 0);
  rmdir (o.image_path);
}

static void
test_missing_criu (void)
{
  cleanup_error hy_error_t err = NULL;
  int r = lc_criu_check ("/nonexistent/criu", &err);

  tap_ok (r < 0 && err && strstr (err->msg, "/nonexistent/criu") != NULL,
          "a missing criu binary is named in the error");
}

int
main (void)
{
  tap_plan (9);
  test_dump_argv ();
  test_check_on_this_host ();
  test_dump_leaves_process_running ();
  test_missing_criu ();
  return tap_done ();
}

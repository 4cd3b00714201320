/* SPDX-License-Identifier: GPL-2.0-or-later */
/* exec into a stand-in container on the real kernel: a process that
 * unshared uts/ipc/net (hostname set), and one that is pid 1 of new pid and
 * mount namespaces with a private tmpfs.  The exec'd process must see those
 * namespaces, be the caller's child and hand back its exit status. */
#include "common/cleanup.h"
#include "common/error.h"
#include "libcontainer/exec.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/hy-exec-XXXXXX";

static char *
slurp (const char *name)
{
  static char buf[1024];
  char path[128];
  FILE *f;
  size_t n = 0;

  snprintf (path, sizeof (path), "%s/%s", dir, name);
  f = fopen (path, "re");
  if (f)
    {
      n = fread (buf, 1, sizeof (buf) - 1, f);
      fclose (f);
    }
  buf[n] = '\0';
  return buf;
}

/* The stand-in init: set up, say ready on fd, wait to be killed. */
static pid_t
start_container (bool pid_mnt)
{
  int p[2];
  char c;
  pid_t pid;

  if (pipe (p) < 0)
    return -1;
  pid = fork ();
  if (pid == 0)
    {
      char mnt[128], marker[160];
      prctl (PR_SET_PDEATHSIG, SIGKILL);
      if (!pid_mnt)
        {
          if (unshare (CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET) < 0
              || sethostname ("hy-exec-test", 12) < 0)
            _exit (1);
        }
      else
        {
          if (unshare (CLONE_NEWNS | CLONE_NEWPID) < 0)
            _exit (1);
          if (fork () != 0)
            {
              wait (NULL);
              _exit (0);
            }
          snprintf (mnt, sizeof (mnt), "%s/mnt", dir);
          snprintf (marker, sizeof (marker), "%s/marker", mnt);
          if (mount ("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0
              || mount ("tmpfs", mnt, "tmpfs", 0, NULL) < 0
              || close (open (marker, O_WRONLY | O_CREAT, 0644)) < 0)
            _exit (1);
        }
      if (write (p[1], "r", 1) != 1)
        _exit (1);
      pause ();
      _exit (0);
    }
  close (p[1]);
  if (read (p[0], &c, 1) != 1)
    pid = -1;
  close (p[0]);
  return pid;
}

/* With pid and mnt namespaces the real init is the child of pid. */
static pid_t
first_child (pid_t pid)
{
  char path[64], buf[64] = "";
  FILE *f;

  snprintf (path, sizeof (path), "/proc/%d/task/%d/children", pid, pid);
  f = fopen (path, "re");
  if (f)
    {
      if (fgets (buf, sizeof (buf), f) == NULL)
        buf[0] = '\0';
      fclose (f);
    }
  return atoi (buf);
}

static int
run_p (pid_t init, struct spec_process *p, const char *console, const char *script, hy_error_t *err)
{
  char *args[] = { "sh", "-c", (char *)script, NULL };
  char *env[] = { "PATH=/usr/bin:/bin", NULL };
  struct lc_exec_config cfg = { .init_pid = init, .console_socket = console };
  int status;
  pid_t pid;

  p->args = args, p->n_args = 3, p->env = env, p->n_env = 1, p->cwd = dir;
  pid = lc_exec_process (p, &cfg, err);

  if (pid < 0)
    return -1;
  if (waitpid (pid, &status, 0) != pid)
    return -2;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

static int
run (pid_t init, const char *script, hy_error_t *err)
{
  struct spec_process p = { 0 };
  return run_p (init, &p, NULL, script, err);
}

/* exec -t: the pty master goes to console-receiver, whose output is
 * returned. */
static char *
run_tty (pid_t init, hy_error_t *err)
{
  static char out[4096];
  char self[PATH_MAX], exe[PATH_MAX + 64], sock[160], ready[160];
  struct spec_process p = { .terminal = true };
  struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
  ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
  size_t len = 0;
  int pipefd[2], i, r;
  pid_t recv;

  out[0] = '\0';
  if (n < 0 || pipe2 (pipefd, O_CLOEXEC) < 0)
    return out;
  self[n] = '\0';
  snprintf (exe, sizeof (exe), "%s/../integration/helpers/console-receiver", dirname (self));
  snprintf (sock, sizeof (sock), "%s/tty.sock", dir);
  snprintf (ready, sizeof (ready), "%s/tty.ready", dir);
  recv = fork ();
  if (recv == 0)
    {
      int null = open ("/dev/null", O_WRONLY);
      dup2 (pipefd[1], 1);
      dup2 (null, 2);
      execl (exe, exe, sock, "--timeout", "10", "--ready", ready, (char *)NULL);
      _exit (127);
    }
  close (pipefd[1]);
  for (i = 0; i < 500 && access (ready, F_OK) < 0; i++)
    nanosleep (&ten_ms, NULL);
  r = run_p (init, &p, sock, "echo hi-from-exec-tty; tty", err);
  while (len < sizeof (out) - 1 && (n = read (pipefd[0], out + len, sizeof (out) - 1 - len)) > 0)
    len += n;
  out[len] = '\0';
  close (pipefd[0]);
  waitpid (recv, NULL, 0);
  if (r != 0)
    out[0] = '\0';
  return out;
}

int
main (void)
{
  cleanup_error hy_error_t err = NULL;
  char script[512], mnt[128];
  pid_t c1, c2, init2;
  int r;

  tap_plan (9);
  fflush (stdout);
  if (geteuid () != 0)
    {
      for (r = 0; r < 9; r++)
        tap_skip ("needs root", "exec");
      return 0;
    }
  if (mkdtemp (dir) == NULL)
    return 1;
  snprintf (mnt, sizeof (mnt), "%s/mnt", dir);
  mkdir (mnt, 0755);

  c1 = start_container (false);
  snprintf (script, sizeof (script), "hostname > %s/uts; exit 7", dir);
  r = run (c1, script, &err);
  tap_ok (r == 7, "exec: the process is our child and its exit status comes back (%d)", r);
  tap_ok (strcmp (slurp ("uts"), "hy-exec-test\n") == 0, "exec: joins the uts namespace");
  if (err)
    tap_diag ("%s", err->msg);

  c2 = start_container (true);
  init2 = first_child (c2);
  snprintf (script, sizeof (script), "ls %s > %s/ls; echo $$ > %s/pid", mnt, dir, dir);
  r = run (init2, script, &err);
  tap_ok (r == 0 && strcmp (slurp ("ls"), "marker\n") == 0, "exec: joins the mount namespace");
  tap_ok (atoi (slurp ("pid")) > 1 && atoi (slurp ("pid")) < 100,
          "exec: joins the pid namespace (pid %d inside)", atoi (slurp ("pid")));
  if (err)
    tap_diag ("%s", err->msg);
  hy_error_free (&err);
  err = NULL;

  {
    struct spec_process p = { .user = { .uid = 1000, .gid = 1000 } };
    snprintf (script, sizeof (script), "id -u > %s/id; grep CapEff /proc/self/status >> %s/id", dir,
              dir);
    chmod (dir, 0777);
    r = run_p (c1, &p, NULL, script, &err);
    tap_ok (r == 0 && strcmp (slurp ("id"), "1000\nCapEff:\t0000000000000000\n") == 0,
            "exec: process.user applied, no capabilities when none are given");
    if (r != 0 || err)
      tap_diag ("r=%d %s %s", r, slurp ("id"), err ? err->msg : "");
    hy_error_free (&err);
    err = NULL;
  }
  {
    char *text = run_tty (c1, &err);
    tap_ok (strstr (text, "hi-from-exec-tty") && strstr (text, "/dev/pts/"),
            "exec: --tty sends a pty master to the console socket");
    if (err)
      tap_diag ("%s", err->msg);
    hy_error_free (&err);
    err = NULL;
  }
  {
    char *args[] = { "/nonexistent/prog", NULL };
    struct spec_process p = { .args = args, .n_args = 1, .cwd = "/" };
    struct lc_exec_config cfg = { .init_pid = c1 };
    tap_ok (lc_exec_process (&p, &cfg, &err) < 0 && strstr (err->msg, "/nonexistent/prog"),
            "exec: a missing program is an error naming it");
    if (err)
      tap_diag ("%s", err->msg);
    hy_error_free (&err);
    err = NULL;
  }
  kill (c1, SIGKILL);
  waitpid (c1, NULL, 0);
  kill (c2, SIGKILL);
  kill (init2, SIGKILL);
  waitpid (c2, NULL, 0);
  r = run (c1, "exit 0", &err);
  tap_ok (r == -1 && err && strstr (err->msg, "gone"), "exec: a stopped container is an error");
  if (err)
    tap_diag ("%s", err->msg);
  hy_error_free (&err);
  err = NULL;
  tap_ok (run (getpid (), "exit 3", &err) == 3, "exec: nothing to join still runs the process");
  snprintf (script, sizeof (script), "rm -rf %s", dir);
  if (system (script) != 0)
    return 1;
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Checkpoint/restore by running the criu binary.  Bind mounts from the
 * bundle are declared external (criu cannot dump what lives outside the
 * container's root), so a restore maps them back to the same sources. */
#include "libcontainer/criu.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct argv_builder
{
  char **v;
  size_t n, cap;
};

static void
push (struct argv_builder *b, char *s)
{
  if (b->n + 2 > b->cap)
    {
      b->cap = b->cap ? b->cap * 2 : 32;
      b->v = xrealloc (b->v, b->cap * sizeof (char *));
    }
  b->v[b->n++] = s;
  b->v[b->n] = NULL;
}

static const char *
criu_bin (const struct lc_criu_opts *o)
{
  return o && o->criu_path ? o->criu_path : "criu";
}

/* Run argv with stdout/stderr into log_path (or a pipe captured into *out
 * when log_path is NULL).  Returns the exit status, or -1 with err set. */
static int
run_criu (char **argv, const char *log_path, char **out, hy_error_t *err)
{
  int pipefd[2] = { -1, -1 };
  pid_t pid;
  int status;

  if (out && pipe2 (pipefd, O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    return hy_error_set (err, errno, "fork");
  if (pid == 0)
    {
      int fd = out ? pipefd[1] : open (log_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0)
        {
          dup2 (fd, STDOUT_FILENO);
          dup2 (fd, STDERR_FILENO);
        }
      execvp (argv[0], argv);
      _exit (127);
    }
  if (out)
    {
      FILE *mem;
      size_t len = 0;
      char buf[4096];
      ssize_t r;

      close (pipefd[1]);
      mem = open_memstream (out, &len);
      while ((r = read (pipefd[0], buf, sizeof (buf))) > 0)
        fwrite (buf, 1, r, mem);
      fclose (mem);
      close (pipefd[0]);
    }
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return hy_error_set (err, errno, "waitpid criu");
  if (WIFEXITED (status) && WEXITSTATUS (status) == 127)
    return hy_error_set (err, 0, "cannot run `%s`: is criu installed?", argv[0]);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* The last non-empty line of criu's output: its own reason. */
static char *
last_line (const char *text)
{
  const char *end, *start;

  if (text == NULL)
    return xstrdup ("(no output)");
  end = text + strlen (text);
  while (end > text && (end[-1] == '\n' || end[-1] == ' '))
    end--;
  start = end;
  while (start > text && start[-1] != '\n')
    start--;
  return start == end ? xstrdup ("(no output)") : xstrndup (start, end - start);
}

int
lc_criu_check (const char *criu_path, hy_error_t *err)
{
  cleanup_free char *out = NULL;
  cleanup_free char *reason = NULL;
  char *argv[] = { (char *)(criu_path ? criu_path : "criu"), (char *)"check", NULL };
  int r;

  r = run_criu (argv, NULL, &out, err);
  if (r < 0)
    return r;
  /* criu 3.17 prints its errors but may still exit 0: trust the text. */
  if (r == 0 && (out == NULL || strstr (out, "Error") == NULL))
    return 0;
  reason = last_line (out);
  return hy_error_set (
      err, 0, "criu check failed, checkpoint/restore is not possible on this host: %s", reason);
}

/* Mounts whose source is outside the rootfs are external to the image. */
static void
push_external_mounts (struct argv_builder *b, const struct spec *spec, bool restore)
{
  size_t i;

  for (i = 0; i < spec->n_mounts; i++)
    {
      const struct spec_mount *m = &spec->mounts[i];
      if (!m->bind || m->source == NULL)
        continue;
      push (b, xstrdup (restore ? "--ext-mount-map" : "--external"));
      push (b, restore ? xasprintf ("%s:%s", m->destination, m->source)
                       : xasprintf ("mnt[%s]:%s", m->destination, m->destination));
    }
}

static void
push_common (struct argv_builder *b, const struct spec *spec, const char *rootfs,
             const struct lc_criu_opts *o, bool restore)
{
  push (b, xstrdup ("--images-dir"));
  push (b, xstrdup (o->image_path));
  push (b, xstrdup ("--work-dir"));
  push (b, xstrdup (o->work_path ? o->work_path : o->image_path));
  push (b, xstrdup ("--root"));
  push (b, xstrdup (rootfs));
  push (b, xstrdup ("--log-file"));
  push (b, xstrdup (restore ? "restore.log" : "dump.log"));
  push (b, xstrdup ("-v4"));
  push (b, xstrdup ("--manage-cgroups"));
  if (o->tcp_established)
    push (b, xstrdup ("--tcp-established"));
  if (o->file_locks)
    push (b, xstrdup ("--file-locks"));
  if (o->shell_job)
    push (b, xstrdup ("--shell-job"));
  push_external_mounts (b, spec, restore);
}

char **
lc_criu_dump_argv (const struct spec *spec, pid_t pid, const char *rootfs,
                   const struct lc_criu_opts *o)
{
  struct argv_builder b = { 0 };

  push (&b, xstrdup (criu_bin (o)));
  push (&b, xstrdup ("dump"));
  push (&b, xstrdup ("--tree"));
  push (&b, xasprintf ("%d", (int)pid));
  if (o->leave_running)
    push (&b, xstrdup ("--leave-running"));
  push_common (&b, spec, rootfs, o, false);
  return b.v;
}

static int
prepare_dirs (const struct lc_criu_opts *o, hy_error_t *err)
{
  if (o->image_path == NULL)
    return hy_error_set (err, 0, "--image-path is required");
  if (mkdir (o->image_path, 0700) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "mkdir `%s`", o->image_path);
  if (o->work_path && mkdir (o->work_path, 0700) < 0 && errno != EEXIST)
    return hy_error_set (err, errno, "mkdir `%s`", o->work_path);
  return 0;
}

static int
criu_failed (const char *what, const struct lc_criu_opts *o, int status, hy_error_t *err)
{
  return hy_error_set (err, 0, "criu %s failed (exit status %d): see %s/%s.log", what, status,
                       o->work_path ? o->work_path : o->image_path, what);
}

int
lc_criu_dump (const struct spec *spec, pid_t pid, const char *rootfs, const struct lc_criu_opts *o,
              hy_error_t *err)
{
  cleanup_strv char **argv = NULL;
  cleanup_free char *log = NULL;
  int r;

  /* Check first: on a host criu cannot handle, a dump attempt could leave
   * the tree stopped half way. */
  if (lc_criu_check (o->criu_path, err) < 0)
    return -1;
  if (prepare_dirs (o, err) < 0)
    return -1;
  argv = lc_criu_dump_argv (spec, pid, rootfs, o);
  log = xasprintf ("%s/criu-dump.out", o->work_path ? o->work_path : o->image_path);
  r = run_criu (argv, log, NULL, err);
  if (r < 0)
    return r;
  if (r != 0)
    {
      /* criu resumes the tree itself on a failed dump; make sure. */
      kill (pid, SIGCONT);
      return criu_failed ("dump", o, r, err);
    }
  return 0;
}

static pid_t
read_pidfile (const char *path)
{
  char buf[32] = { 0 };
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0 || read (fd, buf, sizeof (buf) - 1) <= 0)
    return -1;
  return (pid_t)strtol (buf, NULL, 10);
}

int
lc_criu_restore (const struct spec *spec, const char *rootfs, const struct lc_criu_opts *o,
                 pid_t *pid, hy_error_t *err)
{
  struct argv_builder b = { 0 };
  cleanup_strv char **argv = NULL;
  cleanup_free char *pidfile = NULL;
  cleanup_free char *log = NULL;
  int r;

  if (lc_criu_check (o->criu_path, err) < 0)
    return -1;
  if (prepare_dirs (o, err) < 0)
    return -1;
  pidfile = xasprintf ("%s/restore.pid", o->work_path ? o->work_path : o->image_path);
  push (&b, xstrdup (criu_bin (o)));
  push (&b, xstrdup ("restore"));
  push (&b, xstrdup ("--restore-detached"));
  push (&b, xstrdup ("--pidfile"));
  push (&b, xstrdup (pidfile));
  push_common (&b, spec, rootfs, o, true);
  argv = b.v;
  log = xasprintf ("%s/criu-restore.out", o->work_path ? o->work_path : o->image_path);
  r = run_criu (argv, log, NULL, err);
  if (r < 0)
    return r;
  if (r != 0)
    return criu_failed ("restore", o, r, err);
  *pid = read_pidfile (pidfile);
  if (*pid <= 0)
    return hy_error_set (err, 0, "criu restore: no pid in `%s`", pidfile);
  return 0;
}

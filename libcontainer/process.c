/* SPDX-License-Identifier: GPL-2.0-or-later */
/* lc_container_create, the parent side: clone the init into its
 * namespaces (through a short-lived stage-1 process when namespaces must
 * be joined before the clone), write its id maps, put it in its cgroup,
 * run the runtime-namespace hooks and wait until it is ready. */
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "libcontainer/init.h"
#include "libcontainer/path.h"
#include "libcontainer/security.h"
#include "libcontainer/spawn.h"
#include "libcontainer/sync.h"
#include "spec/jsonw.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

char *
lc_hook_state (const struct spec *spec, const struct lc_config *cfg, const char *status, pid_t pid)
{
  struct jsonw *w = jsonw_new (false);
  size_t i;

  jsonw_begin_object (w);
  jsonw_key (w, "ociVersion");
  jsonw_string (w, spec->oci_version);
  jsonw_key (w, "id");
  jsonw_string (w, cfg->id);
  jsonw_key (w, "status");
  jsonw_string (w, status);
  jsonw_key (w, "pid");
  jsonw_int (w, pid);
  jsonw_key (w, "bundle");
  jsonw_string (w, cfg->bundle);
  jsonw_key (w, "annotations");
  jsonw_begin_object (w);
  for (i = 0; i < spec->n_annotations; i++)
    {
      jsonw_key (w, spec->annotations[i].key);
      jsonw_string (w, spec->annotations[i].value);
    }
  jsonw_end_object (w);
  jsonw_end_object (w);
  return jsonw_finish (w, NULL);
}

unsigned long long
lc_proc_start_time (pid_t pid)
{
  char path[64], buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;
  int field;
  unsigned long long t = 0;

  snprintf (path, sizeof (path), "/proc/%d/stat", (int)pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || (n = read (fd, buf, sizeof (buf) - 1)) <= 0)
    return 0;
  buf[n] = '\0';
  /* comm may contain spaces and ')': fields start after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL)
    return 0;
  for (field = 2; p && field < 22; field++)
    p = strchr (p + 1, ' ');
  if (p)
    t = strtoull (p + 1, NULL, 10);
  /* A zombie is as good as gone for the container's status. */
  if (strstr (buf, ") Z ") != NULL)
    return 0;
  return t;
}

/* newuidmap/newgidmap (shadow's setuid helpers) write mappings an
 * unprivileged user may not: several ranges, or ids other than its own. */
static int
run_idmap_helper (const char *tool, pid_t pid, const struct spec_id_mapping *m, size_t n,
                  const char *field, hy_error_t *err)
{
  cleanup_strv char **argv = xcalloc (3 + 3 * n, sizeof (char *));
  size_t k = 0;
  int status;
  pid_t child;

  argv[k++] = xstrdup (tool);
  argv[k++] = xasprintf ("%d", (int)pid);
  for (size_t i = 0; i < n; i++)
    {
      argv[k++] = xasprintf ("%u", m[i].container_id);
      argv[k++] = xasprintf ("%u", m[i].host_id);
      argv[k++] = xasprintf ("%u", m[i].size);
    }
  child = fork ();
  if (child < 0)
    return hy_error_set (err, errno, "linux.%s: fork %s", field, tool);
  if (child == 0)
    {
      execvp (tool, argv);
      _exit (127);
    }
  while (waitpid (child, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return hy_error_set (err, 0, "linux.%s: %s failed (%s)", field, tool,
                         WIFEXITED (status) && WEXITSTATUS (status) == 127
                             ? "not installed: apt-get install uidmap"
                             : "see its message above");
  return 0;
}

static int
write_id_map (pid_t pid, const char *file, const struct spec_id_mapping *m, size_t n,
              hy_error_t *err)
{
  bool uid = strcmp (file, "uid_map") == 0;
  const char *field = uid ? "uidMappings" : "gidMappings";
  unsigned own = uid ? (unsigned)geteuid () : (unsigned)getegid ();
  char path[64];
  cleanup_free char *buf = NULL;
  size_t len = 0, i;
  FILE *f;

  if (n == 0)
    return 0;
  /* Unprivileged (rootless): the kernel takes one line mapping our own
   * id, and for gids only once setgroups is denied; anything else goes
   * through newuidmap/newgidmap, as runc does. */
  if (geteuid () != 0)
    {
      if (n > 1 || m[0].host_id != own || m[0].size != 1)
        return run_idmap_helper (uid ? "newuidmap" : "newgidmap", pid, m, n, field, err);
      if (!uid)
        {
          snprintf (path, sizeof (path), "/proc/%d/setgroups", (int)pid);
          if (lc_proc_write (path, "deny", err) < 0)
            return hy_error_prefix (err, "linux.%s", field);
        }
    }
  f = open_memstream (&buf, &len);
  for (i = 0; i < n; i++)
    fprintf (f, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  fclose (f);
  snprintf (path, sizeof (path), "/proc/%d/%s", (int)pid, file);
  if (lc_proc_write (path, buf, err) < 0)
    return hy_error_prefix (err, "linux.%s", field);
  return 0;
}

static int
join_ns (const struct spec_namespace *ns, hy_error_t *err)
{
  cleanup_close int fd = open (ns->path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return hy_error_set (err, errno, "linux.namespaces: open %s namespace `%s`",
                         spec_ns_type_name (ns->type), ns->path);
  if (setns (fd, spec_ns_clone_flag (ns->type)) < 0)
    return hy_error_set (err, errno, "linux.namespaces: join %s namespace `%s`",
                         spec_ns_type_name (ns->type), ns->path);
  return 0;
}

/* Time namespace offsets go in before any process lives in it. */
static int
set_time_offsets (const struct spec_linux *l, hy_error_t *err)
{
  size_t i;

  if (unshare (CLONE_NEWTIME) < 0)
    return hy_error_set (err, errno, "linux.namespaces: new time namespace");
  for (i = 0; i < l->n_time_offsets; i++)
    {
      char line[96];
      snprintf (line, sizeof (line), "%s %lld %u\n", l->time_offsets[i].clock,
                (long long)l->time_offsets[i].secs, l->time_offsets[i].nanosecs);
      if (lc_proc_write ("/proc/self/timens_offsets", line, err) < 0)
        return hy_error_prefix (err, "linux.timeOffsets.%s", l->time_offsets[i].clock);
    }
  return 0;
}

static pid_t
clone_init (struct lc_init_args *a, int extra)
{
  pid_t pid = syscall (SYS_clone, (a->new_ns_flags & ~CLONE_NEWTIME) | extra | SIGCHLD, NULL, NULL,
                       NULL, 0);

  if (pid == 0)
    lc_init_main (a);
  return pid;
}

/* Stage 1: joins the namespaces a process can only enter before it is
 * created (user, pid, time) and creates a new time namespace, then clones
 * the init as our sibling (CLONE_PARENT) and reports its pid. */
__attribute__ ((noreturn)) static void
stage1_main (struct lc_init_args *a)
{
  static const enum spec_ns_type early[] = { SPEC_NS_USER, SPEC_NS_PID, SPEC_NS_TIME };
  cleanup_error hy_error_t err = NULL;
  size_t i;
  int32_t pid;

  prctl (PR_SET_NAME, "hyrun:stage1");
  for (i = 0; i < sizeof (early) / sizeof (early[0]); i++)
    {
      const struct spec_namespace *ns = spec_namespace_find (a->spec, early[i]);
      if (ns && ns->path && join_ns (ns, &err) < 0)
        lc_sync_die (a->sync_fd, &err);
    }
  if ((a->new_ns_flags & CLONE_NEWTIME) && set_time_offsets (a->spec->linux_, &err) < 0)
    lc_sync_die (a->sync_fd, &err);
  pid = clone_init (a, CLONE_PARENT);
  if (pid < 0)
    {
      hy_error_set (&err, errno, "clone the container init");
      lc_sync_die (a->sync_fd, &err);
    }
  lc_sync_send (a->sync_fd, LC_SYNC_INIT_PID, &pid, sizeof (pid), NULL);
  _exit (0);
}

static bool
needs_stage1 (const struct spec *spec, int flags)
{
  static const enum spec_ns_type early[] = { SPEC_NS_USER, SPEC_NS_PID, SPEC_NS_TIME };
  size_t i;

  if (flags & CLONE_NEWTIME)
    return true;
  for (i = 0; i < sizeof (early) / sizeof (early[0]); i++)
    {
      const struct spec_namespace *ns = spec_namespace_find (spec, early[i]);
      if (ns && ns->path)
        return true;
    }
  return false;
}

static pid_t
spawn (struct lc_init_args *a, int parent_fd, hy_error_t *err)
{
  pid_t stage1, pid;
  int32_t got = 0;
  uint32_t len = sizeof (got);
  int status;

  if (!needs_stage1 (a->spec, a->new_ns_flags))
    {
      pid = clone_init (a, 0);
      if (pid < 0)
        return hy_error_set (err, errno, "clone the container init");
      return pid;
    }
  stage1 = fork ();
  if (stage1 < 0)
    return hy_error_set (err, errno, "fork");
  if (stage1 == 0)
    stage1_main (a);
  if (lc_sync_recv (parent_fd, LC_SYNC_INIT_PID, &got, &len, err) < 0)
    got = -1;
  while (waitpid (stage1, &status, 0) < 0 && errno == EINTR)
    ;
  return got > 0 ? got : -1;
}

static void
init_args_setup (struct lc_init_args *a, const struct spec *spec)
{
  size_t i;

  for (i = 0; spec->linux_ && i < spec->linux_->n_namespaces; i++)
    {
      const struct spec_namespace *ns = &spec->linux_->namespaces[i];
      if (ns->path)
        continue;
      if (ns->type == SPEC_NS_CGROUP)
        a->new_cgroupns = true; /* unshared after the cgroup is joined */
      else
        a->new_ns_flags |= spec_ns_clone_flag (ns->type);
      if (ns->type == SPEC_NS_USER)
        a->new_userns = true;
    }
}

static int
resolve_rootfs (const struct spec *spec, const struct lc_config *cfg, char **out, hy_error_t *err)
{
  cleanup_free char *joined = spec->root->path[0] == '/'
                                  ? xstrdup (spec->root->path)
                                  : xasprintf ("%s/%s", cfg->bundle, spec->root->path);
  char real[PATH_MAX];
  struct stat st;

  if (realpath (joined, real) == NULL)
    return hy_error_set (err, errno, "root.path: `%s`", joined);
  if (stat (real, &st) < 0 || !S_ISDIR (st.st_mode))
    return hy_error_set (err, ENOTDIR, "root.path: `%s`", joined);
  *out = xstrdup (real);
  return 0;
}

int
lc_run_runtime_hooks (const struct spec *spec, const struct lc_config *cfg, pid_t pid,
                      hy_error_t *err)
{
  cleanup_free char *state = lc_hook_state (spec, cfg, "creating", pid);

  if (lc_hooks_run (spec->hooks->prestart, spec->hooks->n_prestart, "prestart", state, err) < 0)
    return -1;
  return lc_hooks_run (spec->hooks->create_runtime, spec->hooks->n_create_runtime, "createRuntime",
                       state, err);
}

/* lc_spawn's start for the container init: clone it (through stage 1
 * when needed) with its end of the sync socket and the exec fifo. */
struct init_spawn
{
  struct lc_init_args *a;
  const struct spec *spec;
  struct lc_cgroup *cg;
};

static pid_t
start_init (void *opaque, int parent_fd, int child_fd, int fifo_fd, hy_error_t *err)
{
  struct init_spawn *is = opaque;

  is->a->sync_fd = child_fd;
  is->a->fifo_fd = fifo_fd;
  return spawn (is->a, parent_fd, err);
}

/* The parent's part before the init goes on: the uid/gid maps of a new
 * user namespace, the cgroup, then GO. */
static int
prepare_init (void *opaque, int fd, pid_t pid, hy_error_t *err)
{
  struct init_spawn *is = opaque;
  const struct spec_linux *l = is->spec->linux_;
  int32_t p = pid;

  if (is->a->new_userns
      && (write_id_map (pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0
          || write_id_map (pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err) < 0))
    return -1;
  if (is->cg && lc_cgroup_enter (is->cg, pid, err) < 0)
    return -1;
  return lc_sync_send (fd, LC_SYNC_GO, &p, sizeof (p), err);
}

int
lc_container_create (const struct spec *spec, const struct lc_config *cfg, struct lc_cgroup *cg,
                     struct lc_created *out, hy_error_t *err)
{
  struct lc_init_args a
      = { .spec = spec, .cfg = cfg, .fifo_fd = -1, .console_fd = -1, .listener_fd = -1 };
  struct init_spawn is = { &a, spec, cg };
  struct lc_spawn sp = { start_init, prepare_init, &is };
  cleanup_free char *rootfs = NULL;
  cleanup_close int console_fd = -1;

  if (spec->process == NULL)
    return hy_error_set (err, 0, "config.json: process: required to create a container");
  if (resolve_rootfs (spec, cfg, &rootfs, err) < 0)
    return -1;
  lc_seccomp_preload (spec->linux_ ? spec->linux_->seccomp : NULL);
  if (spec->process->terminal)
    {
      if (cfg->console_socket == NULL)
        return hy_error_set (err, 0, "process.terminal is true: --console-socket is required");
      console_fd = lc_terminal_connect (cfg->console_socket, err);
      if (console_fd < 0)
        return -1;
    }
  a.rootfs = rootfs;
  a.console_fd = console_fd;
  init_args_setup (&a, spec);
  return lc_spawn (spec, cfg, &sp, out, err);
}

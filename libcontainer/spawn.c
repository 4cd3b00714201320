/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent's side of starting an init (spawn.h), over sync.h. */
#include "libcontainer/spawn.h"
#include "common/cleanup.h"
#include "libcontainer/sync.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static bool
has_runtime_hooks (const struct spec *spec)
{
  return spec->hooks && (spec->hooks->n_prestart || spec->hooks->n_create_runtime);
}

int
lc_spawn (const struct spec *spec, const struct lc_config *cfg, const struct lc_spawn *s,
          struct lc_created *out, hy_error_t *err)
{
  cleanup_close int fifo_fd = -1, parent_fd = -1, child_fd = -1;
  int sv[2], status;
  pid_t pid;

  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return hy_error_set (err, errno, "socketpair");
  parent_fd = sv[0];
  child_fd = sv[1];
  if (!cfg->start_now && (fifo_fd = lc_container_fifo_create (cfg->state_dir, err)) < 0)
    return -1;
  pid = s->start (s->opaque, parent_fd, child_fd, fifo_fd, err);
  if (pid < 0)
    return -1;
  close (take_fd (child_fd));
  if ((s->prepare && s->prepare (s->opaque, parent_fd, pid, err) < 0)
      || (has_runtime_hooks (spec)
          && (lc_sync_recv (parent_fd, LC_SYNC_HOOKS_RUNTIME, NULL, NULL, err) < 0
              || lc_run_runtime_hooks (spec, cfg, pid, err) < 0
              || lc_sync_send (parent_fd, LC_SYNC_HOOKS_DONE, NULL, 0, err) < 0))
      || lc_sync_recv (parent_fd, LC_SYNC_READY, NULL, NULL, err) < 0)
    {
      kill (pid, SIGKILL);
      while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
      return -1;
    }
  out->pid = pid;
  out->start_time = lc_proc_start_time (pid);
  return 0;
}

int
lc_spawn_child_hooks (int sync_fd, const struct spec *spec, hy_error_t *err)
{
  if (!has_runtime_hooks (spec))
    return 0;
  if (lc_sync_send (sync_fd, LC_SYNC_HOOKS_RUNTIME, NULL, 0, err) < 0)
    return -1;
  return lc_sync_recv (sync_fd, LC_SYNC_HOOKS_DONE, NULL, NULL, err);
}

int
lc_spawn_child_ready (int sync_fd, hy_error_t *err)
{
  return lc_sync_send (sync_fd, LC_SYNC_READY, NULL, 0, err);
}

void
lc_spawn_child_fail (int sync_fd, hy_error_t *err)
{
  lc_sync_die (sync_fd, err);
}

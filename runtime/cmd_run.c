/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun run`: create and start in one go.  Detached, it returns once the
 * process runs; in the foreground it forwards signals to the init, waits
 * for it, deletes the container and exits with the process's status
 * (128+N for a signal), as runc does. */
#include "common/cleanup.h"
#include "common/log.h"
#include "libcontainer/container.h"
#include "libcontainer/selfexe.h"
#include "runtime/create.h"
#include "runtime/foreground.h"
#include "runtime/terminal.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

int
cmd_run (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  cleanup_container struct container c = { .lock_fd = -1 };
  struct create_opts o;
  struct run_tty tty = { .master = -1, .listen_fd = -1 };
  cleanup_free char *bundle = NULL;
  cleanup_spec struct spec *spec = NULL;
  bool use_tty;
  sigset_t set;
  pid_t pid;
  int sfd, code;

  if (create_parse_opts (argc, argv, "run", true, &o, err) < 0)
    return -1;
  if (lc_selfexe_ensure_sealed (g->argc0, g->argv0, g->envp, err) < 0)
    return -1;
  if (create_load (&o, &bundle, &spec, err) < 0)
    return -1;
  use_tty = !o.detach && o.console_socket == NULL && spec->process && spec->process->terminal;
  if (use_tty && run_tty_listen (&tty, err) < 0)
    return -1;
  if (use_tty)
    o.console_socket = tty.path;
  o.start_now = !o.detach;
  /* Signals wait in a signalfd from before the clone, so none is lost. */
  fg_block_signals (&set, !o.detach);
  if (create_container (g, &o, bundle, spec, &c, err) < 0)
    {
      run_tty_close (&tty);
      return -1;
    }
  pid = c.st->pid;
  if (o.detach)
    {
      if (lc_container_start (c.dir, pid, err) < 0 || start_poststart (spec, c.st, err) < 0)
        {
          destroy_container (&c, NULL);
          return -1;
        }
      return 0;
    }
  /* runc's run is create + start: poststart runs here too */
  if (start_poststart (spec, c.st, err) < 0 || (use_tty && run_tty_accept (&tty, err) < 0))
    {
      destroy_container (&c, NULL);
      return -1;
    }
  /* The state dir must not stay locked while the process runs: `kill`,
   * `state` and `ps` from elsewhere need it. */
  {
    const char *id = o.id;
    container_release (&c);
    sfd = signalfd (-1, &set, SFD_CLOEXEC);
    code = fg_wait_forwarding (pid, sfd, use_tty ? &tty : NULL);
    close (sfd);
    run_tty_close (&tty);
    if (!o.keep && container_open (g->root, id, &c, err) == 0)
      destroy_container (&c, NULL);
  }
  return code;
}

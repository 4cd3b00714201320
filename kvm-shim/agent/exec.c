/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun exec` inside the guest: EXEC starts a process in the workload's
 * namespaces with libcontainer's exec (the same code as container mode's
 * exec: setns user first, mount last, then limits, user, capabilities,
 * seccomp), its stdio three pipes that the agent relays as EXEC_STDIN /
 * EXEC_STDOUT / EXEC_STDERR; EXEC_SIGNAL signals it; its wait status goes
 * back as EXEC_EXIT once its output is drained.  A failed exec answers
 * EXEC_ERROR and leaves the agent and the workload alone.  With a
 * terminal (process.terminal) the process gets a pty instead (tty.c): its
 * master is relayed as EXEC_STDIN / EXEC_STDOUT, EXEC_RESIZE sizes it.
 * Both directions keep to the exec window (vmproto.h): stdin written to
 * the process is acknowledged (EXEC_STDIN_ACK), and the process's output
 * is read only while less than a window of it is unacknowledged. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "kvm-shim/agent/agent.h"
#include "kvm-shim/proto/vmproto.h"
#include "libcontainer/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Stdin the process has not read yet, per exec: beyond this the host
 * ignores the window (it never does), and the excess is dropped. */
#define STDIN_BUFFER_MAX (4u << 20)
_Static_assert(STDIN_BUFFER_MAX > VMPROTO_EXEC_WINDOW + VMPROTO_EXEC_CHUNK, "stdin buffer");
/* EXEC_ERROR's text, as the protocol allows it */
#define ERROR_MAX 4096

static struct agent_exec *
find (struct agent_execs *x, uint32_t id)
{
  for (size_t i = 0; i < AGENT_MAX_EXECS; i++)
    if (x->e[i].used && x->e[i].id == id)
      return &x->e[i];
  return NULL;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

static void
release (struct agent_exec *e)
{
  close_fd (&e->in_fd);
  close_fd (&e->out_fd);
  close_fd (&e->err_fd);
  free (e->in_buf);
  memset (e, 0, sizeof (*e));
  e->in_fd = e->out_fd = e->err_fd = -1;
}

/* The process's stdio are fds 0-2 when libcontainer's exec clones it:
 * put the pipes there for the call, /dev/null back after (the agent
 * keeps no stdio of its own, see detach_stdio in main.c). */
static pid_t
spawn (struct agent_exec *e, const struct spec_process *p, pid_t init_pid,
       const struct spec_seccomp *seccomp, hy_error_t *err)
{
  struct lc_exec_config cfg = { .init_pid = init_pid, .seccomp = seccomp };
  int in[2], out[2], errp[2], null;
  pid_t pid;

  if (pipe2 (in, O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "exec: pipe");
  if (pipe2 (out, O_CLOEXEC) < 0)
    {
      close (in[0]), close (in[1]);
      return hy_error_set (err, errno, "exec: pipe");
    }
  if (pipe2 (errp, O_CLOEXEC) < 0)
    {
      close (in[0]), close (in[1]), close (out[0]), close (out[1]);
      return hy_error_set (err, errno, "exec: pipe");
    }
  dup2 (in[0], STDIN_FILENO);
  dup2 (out[1], STDOUT_FILENO);
  dup2 (errp[1], STDERR_FILENO);
  close (in[0]), close (out[1]), close (errp[1]);
  pid = lc_exec_process (p, &cfg, err);
  null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd <= 2; fd++)
    dup3 (null, fd, 0);
  close (null);
  e->in_fd = in[1], e->out_fd = out[0], e->err_fd = errp[0];
  fcntl (e->in_fd, F_SETFL, O_NONBLOCK);
  fcntl (e->out_fd, F_SETFL, O_NONBLOCK);
  fcntl (e->err_fd, F_SETFL, O_NONBLOCK);
  return pid;
}

/* A process on a pty: libcontainer's exec opens it in the container's
 * devpts and sends the master to our console socket; the agent's stdio
 * (/dev/null) are what the process would have had otherwise. */
static pid_t
spawn_tty (struct agent_exec *e, const struct spec_process *p, pid_t init_pid,
           const struct spec_seccomp *seccomp, hy_error_t *err)
{
  static unsigned serial;
  struct lc_exec_config cfg = { .init_pid = init_pid, .seccomp = seccomp };
  char path[64];
  cleanup_close int lfd = -1;
  int master;
  pid_t pid;

  snprintf (path, sizeof (path), "/run/hyrun/exec-tty-%u.sock", ++serial);
  lfd = agent_tty_listen (path, err);
  if (lfd < 0)
    return -1;
  cfg.console_socket = path;
  pid = lc_exec_process (p, &cfg, err);
  master = pid < 0 ? -1 : agent_tty_receive (lfd, err);
  unlink (path);
  if (pid < 0)
    return -1;
  if (master < 0)
    {
      kill (pid, SIGKILL); /* reaped by the supervise loop, as nobody's */
      return -1;
    }
  e->tty = true;
  e->out_fd = master;
  e->in_fd = fcntl (master, F_DUPFD_CLOEXEC, 3);
  if (e->in_fd < 0)
    {
      kill (pid, SIGKILL);
      return hy_error_set (err, errno, "exec: dup the pty master");
    }
  return pid;
}

/* EXEC: "<id><process JSON>".  Only a failure to talk to the host is an
 * error of the agent's; the exec's own failure goes back as EXEC_ERROR. */
static int
start (struct agent_execs *x, int ctl, const struct vmproto_msg *msg, pid_t init_pid,
       const struct spec_seccomp *seccomp, hy_error_t *err)
{
  cleanup_error hy_error_t why = NULL;
  uint32_t id = vmproto_exec_id (msg), len;
  const char *json = (const char *)vmproto_exec_data (msg, &len);
  struct spec_process *p = NULL;
  struct agent_exec *e = NULL;
  pid_t pid = -1;

  if (find (x, id))
    hy_error_set (&why, 0, "exec %u: the id is in use", id);
  for (size_t i = 0; why == NULL && e == NULL && i < AGENT_MAX_EXECS; i++)
    if (!x->e[i].used)
      e = &x->e[i];
  if (why == NULL && e == NULL)
    hy_error_set (&why, 0, "exec: %d processes are running already", AGENT_MAX_EXECS);
  if (why == NULL)
    p = spec_process_parse ("process", json, len, &why);
  if (p)
    {
      release (e);
      pid = p->terminal ? spawn_tty (e, p, init_pid, seccomp, &why)
                        : spawn (e, p, init_pid, seccomp, &why);
      spec_process_free (p);
    }
  if (pid < 0)
    {
      const char *m = why ? why->msg : "exec failed";
      if (e)
        release (e);
      return vmproto_send_exec (ctl, VMPROTO_EXEC_ERROR, id, m, (uint32_t)strnlen (m, ERROR_MAX),
                                err);
    }
  e->used = true;
  e->id = id;
  e->pid = pid;
  return vmproto_send_exec_u32 (ctl, VMPROTO_EXEC_STARTED, id, (uint32_t)pid, err);
}

/* Acknowledge the stdin passed on: in batches, and whatever is owed once
 * nothing is left to write (the host may be waiting for it). */
static int
ack_stdin (struct agent_exec *e, int ctl, hy_error_t *err)
{
  uint32_t n = e->in_owed;

  if (n == 0 || (n < VMPROTO_EXEC_ACK_BATCH && e->in_len > 0 && e->in_fd >= 0))
    return 0;
  e->in_owed = 0;
  return vmproto_send_exec_u32 (ctl, VMPROTO_EXEC_STDIN_ACK, e->id, n, err);
}

static int
flush_stdin (struct agent_exec *e, int ctl, hy_error_t *err)
{
  while (e->in_fd >= 0 && e->in_len > 0)
    {
      ssize_t n = write (e->in_fd, e->in_buf, e->in_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0)
        {
          /* the process closed its stdin: what is left has no reader */
          e->in_owed += (uint32_t)e->in_len;
          e->in_len = 0;
          close_fd (&e->in_fd);
          break;
        }
      memmove (e->in_buf, e->in_buf + n, e->in_len - (size_t)n);
      e->in_len -= (size_t)n;
      e->in_owed += (uint32_t)n;
    }
  if (e->in_eof && e->in_len == 0)
    close_fd (&e->in_fd);
  return ack_stdin (e, ctl, err);
}

static int
on_stdin (struct agent_exec *e, int ctl, const struct vmproto_msg *msg, hy_error_t *err)
{
  uint32_t len;
  const uint8_t *data = vmproto_exec_data (msg, &len);

  if (len == 0)
    e->in_eof = true;
  else if (e->in_fd >= 0 && !e->in_eof && e->in_len + len <= STDIN_BUFFER_MAX)
    {
      e->in_buf = xrealloc (e->in_buf, e->in_len + len);
      memcpy (e->in_buf + e->in_len, data, len);
      e->in_len += len;
    }
  else
    e->in_owed += len; /* dropped: the host's window moves on all the same */
  return flush_stdin (e, ctl, err);
}

int
agent_exec_msg (struct agent_execs *x, int ctl, const struct vmproto_msg *msg, pid_t init_pid,
                const struct spec_seccomp *seccomp, hy_error_t *err)
{
  struct agent_exec *e;

  if (msg->type == VMPROTO_EXEC)
    return start (x, ctl, msg, init_pid, seccomp, err);
  /* stdin or a signal for an exec that ended meanwhile: nothing to do */
  e = find (x, vmproto_exec_id (msg));
  if (e == NULL)
    return 0;
  if (msg->type == VMPROTO_EXEC_STDIN)
    return on_stdin (e, ctl, msg, err);
  if (msg->type == VMPROTO_EXEC_OUTPUT_ACK)
    {
      uint32_t n = vmproto_exec_u32 (msg);
      e->out_unacked -= n < e->out_unacked ? n : e->out_unacked;
    }
  else if (msg->type == VMPROTO_EXEC_RESIZE)
    {
      uint32_t len;
      const uint8_t *ws = vmproto_exec_data (msg, &len);
      /* a process without a terminal has no size */
      if (e->tty && e->out_fd >= 0)
        agent_tty_resize (e->out_fd, ws);
    }
  else if (msg->type == VMPROTO_EXEC_SIGNAL)
    {
      uint32_t sig = vmproto_exec_u32 (msg);
      if (sig > 0 && sig < (uint32_t)NSIG)
        kill (e->pid, (int)sig);
    }
  return 0;
}

size_t
agent_exec_pollfds (struct agent_execs *x, struct pollfd *p, struct agent_exec **owner, size_t max)
{
  size_t n = 0;

  for (size_t i = 0; i < AGENT_MAX_EXECS && n + 3 <= max; i++)
    {
      struct agent_exec *e = &x->e[i];
      bool out_room = e->out_unacked < VMPROTO_EXEC_WINDOW;
      if (!e->used)
        continue;
      /* past the window the output waits in the process's pipes, and the
       * process blocks there, as it would writing to a slow reader */
      if (e->out_fd >= 0 && out_room)
        owner[n] = e, p[n++] = (struct pollfd){ e->out_fd, POLLIN, 0 };
      if (e->err_fd >= 0 && out_room)
        owner[n] = e, p[n++] = (struct pollfd){ e->err_fd, POLLIN, 0 };
      if (e->in_fd >= 0 && e->in_len > 0)
        owner[n] = e, p[n++] = (struct pollfd){ e->in_fd, POLLOUT, 0 };
    }
  return n;
}

/* Relay what one of the process's output pipes holds; at EOF close it.
 * With drain, read until the pipe is empty (the process has ended). */
static int
relay_output (struct agent_exec *e, int *fd, enum vmproto_type type, int ctl, bool drain,
              hy_error_t *err)
{
  static uint8_t buf[VMPROTO_EXEC_CHUNK];
  /* a child the process left behind may hold the pipe and keep writing:
   * the drain stops after this much */
  int rounds = 64;

  while (*fd >= 0 && rounds-- > 0)
    {
      ssize_t n = read (*fd, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return 0;
      if (n <= 0)
        {
          close_fd (fd);
          return 0;
        }
      if (vmproto_send_exec (ctl, type, e->id, buf, (uint32_t)n, err) < 0)
        return -1;
      e->out_unacked += (uint32_t)n;
      if (!drain)
        return 0;
    }
  return 0;
}

int
agent_exec_on_poll (struct agent_exec *e, const struct pollfd *p, int ctl, hy_error_t *err)
{
  if (p->revents == 0 || !e->used)
    return 0;
  if (p->fd == e->out_fd)
    return relay_output (e, &e->out_fd, VMPROTO_EXEC_STDOUT, ctl, false, err);
  if (p->fd == e->err_fd)
    return relay_output (e, &e->err_fd, VMPROTO_EXEC_STDERR, ctl, false, err);
  if (p->fd == e->in_fd)
    {
      if (p->revents & (POLLERR | POLLHUP))
        {
          e->in_owed += (uint32_t)e->in_len;
          e->in_len = 0;
          close_fd (&e->in_fd);
        }
      return flush_stdin (e, ctl, err);
    }
  return 0;
}

int
agent_exec_reaped (struct agent_execs *x, int ctl, pid_t pid, int status, hy_error_t *err)
{
  for (size_t i = 0; i < AGENT_MAX_EXECS; i++)
    {
      struct agent_exec *e = &x->e[i];
      int r;
      if (!e->used || e->pid != pid)
        continue;
      /* everything it wrote is in the pipes now: relay it before EXIT */
      r = relay_output (e, &e->out_fd, VMPROTO_EXEC_STDOUT, ctl, true, err);
      if (r == 0)
        r = relay_output (e, &e->err_fd, VMPROTO_EXEC_STDERR, ctl, true, err);
      if (r == 0)
        r = vmproto_send_exec_u32 (ctl, VMPROTO_EXEC_EXIT, e->id, (uint32_t)status, err);
      release (e);
      return r;
    }
  return 0;
}

void
agent_execs_init (struct agent_execs *x)
{
  for (size_t i = 0; i < AGENT_MAX_EXECS; i++)
    {
      memset (&x->e[i], 0, sizeof (x->e[i]));
      x->e[i].in_fd = x->e[i].out_fd = x->e[i].err_fd = -1;
    }
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exec clients of a VM-mode container's VMM (exec_relay.h).  Clients
 * speak vmproto on a Unix socket; the VMM checks their messages as it
 * checks the guest's, replaces the exec id with its own, and never blocks
 * on a client: output the client's socket does not take is queued, up to a
 * bound past which the client is dropped (and its process killed); the
 * exec window (vmproto.h) keeps an honest client's queue far below it. */
#include "kvm-shim/vmm/exec_relay.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define OUT_QUEUE_MAX (8u << 20)

void
vmm_exec_relay_init (struct vmm_exec_relay *x, int listen_fd)
{
  memset (x, 0, sizeof (*x));
  x->listen_fd = listen_fd;
  for (size_t i = 0; i < VMM_EXEC_MAX_CLIENTS; i++)
    x->c[i].fd = -1;
}

static void
drop (struct vmm_exec_client *c, struct vmproto_outq *ctl)
{
  /* its process is still running in the guest: nobody waits for it now
   * (a full queue loses the kill: that guest reads nothing anyway) */
  if (c->sent && !c->ended && ctl
      && !vmproto_outq_push_exec_u32 (ctl, VMPROTO_EXEC_SIGNAL, c->id, SIGKILL))
    hy_debug ("vm: exec %u: the kill of its process is lost: the control queue is full", c->id);
  close (c->fd);
  vmproto_reader_fini (&c->rd);
  vmproto_outq_fini (&c->out);
  memset (c, 0, sizeof (*c));
  c->fd = -1;
}

void
vmm_exec_relay_fini (struct vmm_exec_relay *x)
{
  for (size_t i = 0; i < VMM_EXEC_MAX_CLIENTS; i++)
    if (x->c[i].fd >= 0)
      drop (&x->c[i], NULL);
}

size_t
vmm_exec_relay_pollfds (struct vmm_exec_relay *x, bool accepting, struct pollfd *p, size_t max)
{
  size_t n = 0;

  if (max < 1 + VMM_EXEC_MAX_CLIENTS)
    return 0;
  p[n++] = (struct pollfd){ accepting ? x->listen_fd : -1, POLLIN, 0 };
  for (size_t i = 0; i < VMM_EXEC_MAX_CLIENTS; i++)
    {
      short ev = (short)((x->reading ? POLLIN : 0)
                         | (vmproto_outq_pending (&x->c[i].out) ? POLLOUT : 0));
      /* not even a hangup is looked at with nothing to do (poll reports
       * it unasked, and would spin) */
      p[n++] = (struct pollfd){ ev ? x->c[i].fd : -1, ev, 0 };
    }
  return n;
}

static void
accept_client (struct vmm_exec_relay *x)
{
  int fd = accept4 (x->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

  if (fd < 0)
    return;
  for (size_t i = 0; i < VMM_EXEC_MAX_CLIENTS; i++)
    if (x->c[i].fd < 0)
      {
        struct vmm_exec_client *c = &x->c[i];
        c->fd = fd;
        if (++x->last_id == 0)
          ++x->last_id;
        c->id = x->last_id;
        vmproto_reader_init (&c->rd);
        vmproto_outq_init (&c->out, OUT_QUEUE_MAX);
        return;
      }
  {
    static const char full[] = "too many exec'd processes in this VM at once";
    size_t n;
    uint8_t *m;
    uint8_t msg[4 + sizeof (full) - 1] = { 0 }; /* exec id 0 */

    memcpy (msg + 4, full, sizeof (full) - 1);
    m = vmproto_encode (VMPROTO_EXEC_ERROR, msg, sizeof (msg), &n);
    /* best effort: a new socket's buffer takes this much */
    if (send (fd, m, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
      hy_debug ("vm: exec: refusing a client: %s", strerror (errno));
    free (m);
  }
  hy_debug ("vm: exec: %d clients already, one refused", VMM_EXEC_MAX_CLIENTS);
  close (fd);
}

/* Write what is queued; false when the client is gone. */
static bool
flush (struct vmm_exec_client *c)
{
  return vmproto_outq_flush (&c->out, c->fd, NULL) == 0;
}

static bool
queue (struct vmm_exec_client *c, enum vmproto_type type, const void *payload, uint32_t len)
{
  return vmproto_outq_push (&c->out, type, payload, len) && flush (c);
}

/* One message from a client: EXEC first and once, then STDIN, SIGNAL,
 * RESIZE and OUTPUT_ACK.  false: the client broke the protocol (or its
 * stdin window). */
static bool
client_msg (struct vmm_exec_client *c, struct vmproto_outq *ctl, const struct vmproto_msg *msg)
{
  uint32_t len;
  const uint8_t *data = vmproto_exec_data (msg, &len);

  switch (msg->type)
    {
    case VMPROTO_EXEC:
      if (c->sent)
        return false;
      c->sent = true;
      break;
    case VMPROTO_EXEC_STDIN:
      if (!c->sent || c->in_flight + len > VMPROTO_EXEC_WINDOW + VMPROTO_EXEC_CHUNK)
        return false;
      c->in_flight += len;
      break;
    case VMPROTO_EXEC_SIGNAL:
    case VMPROTO_EXEC_RESIZE:
    case VMPROTO_EXEC_OUTPUT_ACK:
      if (!c->sent)
        return false;
      break;
    default:
      return false;
    }
  /* the queue takes a client's messages while below its soft bound: one
   * refused means the client sends far more than it may */
  return c->ended || vmproto_outq_push_exec (ctl, msg->type, c->id, data, len);
}

/* false: drop the client. */
static bool
read_client (struct vmm_exec_client *c, struct vmproto_outq *ctl)
{
  uint8_t buf[65536];
  struct vmproto_msg msg;
  cleanup_error hy_error_t bad = NULL;
  ssize_t n = read (c->fd, buf, sizeof (buf));
  int got = 0;

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    return false;
  vmproto_reader_feed (&c->rd, buf, (size_t)n);
  while ((got = vmproto_reader_next (&c->rd, &msg, &bad)) > 0)
    if (!client_msg (c, ctl, &msg))
      {
        hy_debug ("vm: exec %u: unexpected %s from the client", c->id,
                  vmproto_type_name (msg.type));
        return false;
      }
  if (got < 0)
    hy_debug ("vm: exec %u: %s", c->id, bad->msg);
  return got >= 0;
}

int
vmm_exec_relay_on_poll (struct vmm_exec_relay *x, struct vmproto_outq *ctl, const struct pollfd *p,
                        size_t n, hy_error_t *err)
{
  (void)err;
  if (n == 0)
    return 0;
  for (size_t i = 0; i < VMM_EXEC_MAX_CLIENTS && i + 1 < n; i++)
    {
      struct vmm_exec_client *c = &x->c[i];
      short ev = p[1 + i].revents;
      if (c->fd < 0 || c->fd != p[1 + i].fd || ev == 0)
        continue;
      /* not reading: a hangup waits too, until the queue has room for
       * the client's last messages */
      if ((ev & POLLOUT) && !flush (c))
        drop (c, ctl);
      else if (x->reading && (ev & (POLLIN | POLLHUP | POLLERR)) && !read_client (c, ctl))
        drop (c, ctl);
      else if (c->ended && vmproto_outq_pending (&c->out) == 0)
        drop (c, ctl);
    }
  if (p[0].revents & POLLIN)
    accept_client (x);
  return 0;
}

int
vmm_exec_relay_from_guest (struct vmm_exec_relay *x, struct vmproto_outq *ctl,
                           const struct vmproto_msg *msg, hy_error_t *err)
{
  uint32_t id = vmproto_exec_id (msg);
  struct vmm_exec_client *c = NULL;

  if (id == 0 || id > x->last_id)
    return hy_error_set (err, 0, "%s: %s for exec %u, which was never started", VMPROTO_PORT_CTL,
                         vmproto_type_name (msg->type), id);
  for (size_t i = 0; i < VMM_EXEC_MAX_CLIENTS; i++)
    if (x->c[i].fd >= 0 && x->c[i].id == id)
      c = &x->c[i];
  if (c == NULL || c->ended)
    return 0; /* its client went away */
  /* STARTED first and once; then output and EXIT.  ERROR instead of
   * STARTED (the exec failed) or after it */
  if ((msg->type == VMPROTO_EXEC_STARTED) == c->started && msg->type != VMPROTO_EXEC_ERROR)
    {
      hy_debug ("vm: exec %u: %s out of order from the guest; dropped", id,
                vmproto_type_name (msg->type));
      drop (c, ctl);
      return 0;
    }
  if (msg->type == VMPROTO_EXEC_STARTED)
    c->started = true;
  if (msg->type == VMPROTO_EXEC_STDIN_ACK)
    {
      uint32_t n = vmproto_exec_u32 (msg);
      c->in_flight -= n < c->in_flight ? n : c->in_flight;
    }
  if (!queue (c, msg->type, msg->payload, msg->len))
    {
      hy_debug ("vm: exec %u: the client does not keep up or is gone; dropped", id);
      drop (c, ctl);
      return 0;
    }
  if (msg->type == VMPROTO_EXEC_EXIT || msg->type == VMPROTO_EXEC_ERROR)
    c->ended = true;
  if (c->ended && vmproto_outq_pending (&c->out) == 0)
    drop (c, ctl);
  return 0;
}

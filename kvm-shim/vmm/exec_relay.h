/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's exec clients (`hyrun exec` into a VM-mode container): each
 * connection on the exec socket gets an exec id of the VMM's; its EXEC,
 * EXEC_STDIN, EXEC_SIGNAL and EXEC_RESIZE go down the control port with
 * that id, and what the guest sends for the id comes back to it.  Nothing
 * here blocks: what goes down is queued on the session's control queue,
 * what goes to a client on its own, and the exec window (vmproto.h) keeps
 * both bounded.  A client that goes
 * away before its process ended has the process killed (SIGKILL can only
 * reach `hyrun exec`'s proxy process that way). */
#ifndef VMM_EXEC_RELAY_H
#define VMM_EXEC_RELAY_H

#include "common/error.h"
#include "kvm-shim/proto/vmproto.h"

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VMM_EXEC_MAX_CLIENTS 32

struct vmm_exec_client
{
  int fd;       /* -1: free slot */
  uint32_t id;  /* the exec id the guest knows it by */
  bool sent;    /* EXEC went down */
  bool started; /* EXEC_STARTED came back */
  bool ended;   /* EXEC_EXIT or EXEC_ERROR came back: close once flushed */
  struct vmproto_reader rd;
  struct vmproto_outq out; /* for the client, as its socket takes it */
  uint32_t in_flight;      /* stdin sent down and not acknowledged (VMPROTO_EXEC_WINDOW) */
};

struct vmm_exec_relay
{
  int listen_fd; /* -1: no exec socket */
  bool reading;  /* read the clients (false: the control queue is full) */
  uint32_t last_id;
  struct vmm_exec_client c[VMM_EXEC_MAX_CLIENTS];
};

void vmm_exec_relay_init (struct vmm_exec_relay *x, int listen_fd);
/* Close every client (the container ended). */
void vmm_exec_relay_fini (struct vmm_exec_relay *x);
/* The fds to poll: the listening socket when accepting, then the clients. */
size_t vmm_exec_relay_pollfds (struct vmm_exec_relay *x, bool accepting, struct pollfd *p,
                               size_t max);
/* After poll: accept, read clients and queue for the guest on ctl, flush
 * to the clients.  p and n as vmm_exec_relay_pollfds filled them. */
int vmm_exec_relay_on_poll (struct vmm_exec_relay *x, struct vmproto_outq *ctl,
                            const struct pollfd *p, size_t n, hy_error_t *err);
/* An exec message from the guest (EXEC_STARTED, _STDOUT, _STDERR, _EXIT,
 * _ERROR, _STDIN_ACK): to its client.  -1 when the guest names an id never
 * issued. */
int vmm_exec_relay_from_guest (struct vmm_exec_relay *x, struct vmproto_outq *ctl,
                               const struct vmproto_msg *msg, hy_error_t *err);

#endif

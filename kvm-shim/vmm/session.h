/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM as a container's init: drives a started machine through the
 * control protocol (kvm-shim/proto/vmproto.h) -- config in, CREATED out,
 * START when `hyrun start` opens the exec fifo, signals forwarded, the
 * workload's wait status out. */
#ifndef VMM_SESSION_H
#define VMM_SESSION_H

#include "common/error.h"
#include "kvm-shim/vmm/machine.h"

#include <stdbool.h>
#include <stddef.h>

struct vmm_session_config
{
  const char *id;
  const char *config_json; /* the validated config, as JSON */
  size_t config_len;
  int fifo_fd; /* O_PATH fd of exec.fifo; -1: start at once */
  /* The listening exec socket (`hyrun exec`, exec_relay.h), accepted on
   * while the workload runs; -1: none. */
  int exec_fd;
  /* The VMPROTO_NET records (net_host.h), sent before CONFIG. */
  const void *net_recs;
  uint32_t net_len;
  /* process.terminal: tty_fd is the host pty's slave (the VMM's
   * controlling terminal): its size goes down as RESIZE once the container
   * exists and at every SIGWINCH, which is then not forwarded. */
  bool terminal;
  int tty_fd;
  /* Called once the container is created in the guest (agent CREATED):
   * the runtime's create returns then.  May be NULL. */
  int (*on_created) (void *opaque, hy_error_t *err);
  void *opaque;
};

/* Run the session to the end.  The calling thread must have every
 * forwardable signal blocked (the session reads them from a signalfd).
 * On success *wait_status is the workload's wait status. */
int vmm_session_run (struct vmm_machine *m, int ctl_fd, const struct vmm_session_config *cfg,
                     int *wait_status, hy_error_t *err);

/* Block the signals the session forwards to the guest; before any thread
 * is created, so every thread inherits the mask. */
void vmm_session_block_signals (void);

#endif

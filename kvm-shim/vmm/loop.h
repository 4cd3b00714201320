/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's host I/O event loop: one epoll set served by one thread, so
 * that host input (a pipe, a socket) reaches a device and the guest
 * without waiting for a vCPU exit.  Callbacks run on the loop thread (or
 * in the thread calling vmm_loop_run_once) without any loop lock held, so
 * they may take their device's lock and call back into the loop. */
#ifndef VMM_LOOP_H
#define VMM_LOOP_H

#include "common/error.h"

#include <stdbool.h>
#include <stdint.h>

struct vmm_loop;

/* `events` are the EPOLL* bits that fired.  Return -1 with *err set only
 * for a failure of the VMM itself: the loop then stops and
 * vmm_loop_stop() reports the error.  A device absorbs guest or host-peer
 * trouble (EPIPE, EOF) itself. */
typedef int (*vmm_loop_fn) (void *opaque, int fd, uint32_t events, hy_error_t *err);

struct vmm_loop *vmm_loop_create (hy_error_t *err);
/* Stops the thread if it runs. */
void vmm_loop_destroy (struct vmm_loop *loop);

/* Watch `fd` (not owned) for `events` (EPOLLIN, EPOLLOUT...; level
 * triggered; 0 registers it disabled).  One registration per fd. */
int vmm_loop_add (struct vmm_loop *loop, int fd, uint32_t events, vmm_loop_fn fn, void *opaque,
                  hy_error_t *err);
/* Change the events watched on a registered fd (backpressure: 0 pauses). */
int vmm_loop_modify (struct vmm_loop *loop, int fd, uint32_t events, hy_error_t *err);
/* Stop watching fd.  Called from another thread, the callback may still
 * be running (once) when this returns: keep `opaque` alive until
 * vmm_loop_stop(). */
int vmm_loop_remove (struct vmm_loop *loop, int fd, hy_error_t *err);

/* Serve events on a new thread until vmm_loop_stop(). */
int vmm_loop_start (struct vmm_loop *loop, hy_error_t *err);
/* Wake the thread through its eventfd and join it.  Returns -1 with the
 * error of a failed callback, if one stopped the loop.  Idempotent. */
int vmm_loop_stop (struct vmm_loop *loop, hy_error_t *err);
/* Without the thread (tests, or a single-threaded VMM): wait up to
 * timeout_ms (-1: forever) and dispatch one batch.  Returns the number of
 * callbacks run, or -1. */
int vmm_loop_run_once (struct vmm_loop *loop, int timeout_ms, hy_error_t *err);

#define cleanup_vmm_loop __attribute__ ((cleanup (vmm_loop_destroyp)))
static inline void
vmm_loop_destroyp (struct vmm_loop **loop)
{
  vmm_loop_destroy (*loop);
}

#endif

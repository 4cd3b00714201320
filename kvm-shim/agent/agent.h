/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest agent's parts (PID 1 inside a VM-mode guest). */
#ifndef AGENT_H
#define AGENT_H

#include "common/error.h"
#include "kvm-shim/proto/vmproto.h"
#include "spec/spec.h"

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The guest's own file systems: proc, sys, dev, run, tmp, cgroup2, and the
 * shared rootfs folder over virtio-9p at AGENT_ROOTFS. */
#define AGENT_ROOTFS VMPROTO_ROOTFS_DIR
/* The 9P message size of both shares: the most Linux 6.1's virtio
 * transport takes (PAGE_SIZE * (VIRTQUEUE_NUM - 3), trans_virtio.c; more
 * is cut to it with a warning).  A 1 MiB read or write is 3 requests, not
 * the 8 it was at 128 KiB (each a notification and an interrupt: VM exits);
 * the VMM's server allows up to P9_MAX_MSIZE. */
#define AGENT_9P_MSIZE "512000"
int agent_mount_base (hy_error_t *err);
/* The shared rootfs at AGENT_ROOTFS, cached as the spec's
 * VMPROTO_ROOTFS_CACHE_ANNOTATION says (default none). */
int agent_mount_rootfs (const struct spec *spec, hy_error_t *err);
/* Write back what the guest caches of the shared rootfs (cache=loose)
 * before the workload's end is reported; best effort, said on stderr. */
void agent_flush_rootfs (const struct spec *spec);
/* The volumes share at VMPROTO_VOLS_DIR, when a mount of the container
 * takes its source there (volumes.c). */
int agent_mount_volumes (const struct spec *spec, hy_error_t *err);

/* Configure the guest's interfaces from a VMPROTO_NET payload (net.c):
 * each found by its MAC, given the MTU, addresses and routes, up. */
int agent_net_apply (const uint8_t *payload, uint32_t len, hy_error_t *err);

/* Open the virtio-console port called `name` (its /sys/class/virtio-ports
 * entry), waiting for the driver to publish it. */
int agent_port_open (const char *name, int flags, hy_error_t *err);

/* Terminals (tty.c).  A listening socket at path, for libcontainer's
 * create or exec as their console socket; then the pty master it sends
 * (non-blocking). */
int agent_tty_listen (const char *path, hy_error_t *err);
int agent_tty_receive (int listen_fd, hy_error_t *err);
/* RESIZE's payload (EXEC_RESIZE's data) to the master; -1 with errno. */
int agent_tty_resize (int master, const uint8_t *winsize);
/* The workload's terminal: its master relayed to the stdio ports. */
struct agent_tty
{
  int master;            /* -1: no terminal */
  int in_port, out_port; /* hyrun.stdin, hyrun.stdout; -1 once closed */
  bool out_done;         /* the master gave EIO: nobody holds the slave */
  uint8_t *in_buf;       /* typed bytes not yet written to the master */
  size_t in_len;
};
void agent_tty_init (struct agent_tty *t);
int agent_tty_attach (struct agent_tty *t, int master, hy_error_t *err);
/* Fills p[0..1] (fd -1 when idle); then on_poll with the same two. */
size_t agent_tty_pollfds (struct agent_tty *t, struct pollfd *p);
void agent_tty_on_poll (struct agent_tty *t, const struct pollfd *p);
/* The workload ended: what it wrote last, to the host. */
void agent_tty_drain (struct agent_tty *t);

/* The processes `hyrun exec` started (exec.c), by the VMM's exec id. */
#define AGENT_MAX_EXECS 64
struct agent_exec
{
  bool used;
  uint32_t id;
  pid_t pid;
  int in_fd, out_fd, err_fd; /* our ends of its stdio pipes; -1 once closed */
  uint8_t *in_buf;           /* stdin not yet written */
  size_t in_len;
  bool in_eof;          /* the host's stdin ended: close once in_buf is written */
  uint32_t in_owed;     /* stdin bytes passed on (or dropped), not yet acknowledged */
  uint32_t out_unacked; /* output sent, not yet acknowledged (VMPROTO_EXEC_WINDOW) */
  bool tty;             /* on a pty: out_fd is its master, in_fd a dup of it */
};
struct agent_execs
{
  struct agent_exec e[AGENT_MAX_EXECS];
};
void agent_execs_init (struct agent_execs *x);
/* EXEC, EXEC_STDIN, EXEC_SIGNAL, EXEC_RESIZE or EXEC_OUTPUT_ACK from the host.  init_pid is the
 * workload's (whose namespaces an exec joins), seccomp its filter.  -1
 * only when the channel fails; a failed exec answers EXEC_ERROR. */
int agent_exec_msg (struct agent_execs *x, int ctl, const struct vmproto_msg *msg, pid_t init_pid,
                    const struct spec_seccomp *seccomp, hy_error_t *err);
/* The fds to poll (at most max; owner[i] is p[i]'s exec), and what to do
 * when one is ready. */
size_t agent_exec_pollfds (struct agent_execs *x, struct pollfd *p, struct agent_exec **owner,
                           size_t max);
int agent_exec_on_poll (struct agent_exec *e, const struct pollfd *p, int ctl, hy_error_t *err);
/* A child was reaped: if it is an exec'd process, relay the rest of its
 * output and its EXEC_EXIT. */
int agent_exec_reaped (struct agent_execs *x, int ctl, pid_t pid, int status, hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parent↔init protocol over the SOCK_SEQPACKET socketpair of
 * lc_container_create.  One closed enum, one fixed-layout header with an
 * explicit length; the receiver checks the length (STYLE.md rule 11). */
#ifndef HY_LC_SYNC_H
#define HY_LC_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

enum lc_sync_type
{
  LC_SYNC_INIT_PID = 1,  /* stage-1 → parent: the init's pid (payload: int32) */
  LC_SYNC_USERMAP_DONE,  /* parent → init: uid/gid maps written, cgroup joined */
  LC_SYNC_GO,            /* parent → init: cgroup joined, hooks run; carry on */
  LC_SYNC_HOOKS_RUNTIME, /* init → parent: namespaces exist, run prestart/createRuntime */
  LC_SYNC_HOOKS_DONE,    /* parent → init: those hooks finished */
  LC_SYNC_READY,         /* init → parent: set up, now waiting on the exec fifo */
  LC_SYNC_ERROR,         /* either way: payload is the error message */
};

struct lc_sync_msg
{
  uint32_t type;
  uint32_t len; /* payload bytes that follow in the same datagram */
};

#define LC_SYNC_MAX_PAYLOAD 4096

int lc_sync_send (int fd, enum lc_sync_type type, const void *payload, uint32_t len,
                  hy_error_t *err);
/* Receive one message; an LC_SYNC_ERROR from the peer becomes *err (the
 * peer's message) and returns -1.  `expect` is the only other type
 * accepted.  payload may be NULL when none is expected. */
int lc_sync_recv (int fd, enum lc_sync_type expect, void *payload, uint32_t *len, hy_error_t *err);
/* In a child: send the error and _exit(1). */
__attribute__ ((noreturn)) void lc_sync_die (int fd, hy_error_t *err);

#endif

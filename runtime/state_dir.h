/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state directory <root>/<id>: created with the container, locked by
 * every command that changes it, its state.json replaced atomically. */
#ifndef HY_RUNTIME_STATE_DIR_H
#define HY_RUNTIME_STATE_DIR_H

#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"
#include "spec/state.h"

struct container
{
  char *dir; /* <root>/<id> */
  char *id;
  int lock_fd;
  struct spec_state *st; /* NULL until loaded (or after a crashed create) */
};

/* runc's id rule: [A-Za-z0-9_+.-]+, not "." or "..", at most 1024 bytes. */
int container_id_validate (const char *id, hy_error_t *err);
/* create: a new, locked, empty state dir; fails if the id exists. */
int container_new (const char *root, const char *id, struct container *c, hy_error_t *err);
/* Every other command: lock and load.  A state dir without state.json (a
 * create that crashed) loads with c->st NULL. */
int container_open (const char *root, const char *id, struct container *c, hy_error_t *err);
int container_save (struct container *c, hy_error_t *err);
/* Remove the directory (the lock goes with it). */
int container_remove (struct container *c, hy_error_t *err);
void container_release (struct container *c);

/* created | running | paused | stopped, from the live pid, the exec fifo
 * and the freezer (never stored). */
const char *container_status (struct container *c);
bool container_alive (const struct spec_state *st);

static inline void
container_releasep (struct container *c)
{
  container_release (c);
}
#define cleanup_container __attribute__ ((cleanup (container_releasep)))

#endif

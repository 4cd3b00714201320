/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container's user namespace as the 9P server's id map: VM mode
 * serves the shared folders with the ids container mode would use. */
#ifndef VMM_IDMAP_H
#define VMM_IDMAP_H

#include "common/error.h"
#include "kvm-shim/fs/p9.h"
#include "spec/spec.h"

/* 1 and *map filled when the spec asks for a user namespace with
 * mappings; 0 when it has none; -1 when the map cannot be served. */
int vmm_idmap_from_spec (const struct spec *spec, struct p9_idmap *map, hy_error_t *err);

#endif

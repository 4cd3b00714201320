/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the guest agent is given of a VM-mode container's spec: the config
 * as validated on the host, with what only the host can act on taken out
 * (the agent applies the rest inside the guest with libcontainer). */
#ifndef VMM_GUEST_SPEC_H
#define VMM_GUEST_SPEC_H

#include "common/error.h"
#include "kvm-shim/vmm/volumes.h"
#include "spec/spec.h"

#include <stdbool.h>

/* The config.json the agent receives, as a new string; the mounts are
 * vols' guest mounts when given.  uts_name: the host name of the UTS
 * namespace the container joins by path (a pod's), which the guest's own
 * new one takes when the spec sets no hostname; NULL for none. */
char *vmm_guest_spec_json (const struct spec *spec, const struct vmm_volumes *vols,
                           const char *uts_name, hy_error_t *err);

/* A linux.devices path that names a host VFIO group (/dev/vfio/N): its
 * devices are assigned to the guest, the node stays on the host. */
bool vmm_guest_spec_is_vfio_group (const char *path);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exit port: a byte the guest writes to it stops the VM with that byte
 * as the exit code (QEMU's isa-debug-exit, without its code mangling).  For
 * test guests and boot measurement; a Linux guest powers off instead. */
#ifndef VMM_DEBUG_EXIT_H
#define VMM_DEBUG_EXIT_H

#include "common/error.h"
#include "kvm-shim/vmm/bus.h"
#include "kvm-shim/vmm/vm.h"

#include <stdint.h>

/* Register one port at `port`.  Nothing to free: the VM holds the state. */
int vmm_debug_exit_create (struct vmm_bus *bus, struct vmm_vm *vm, uint16_t port, hy_error_t *err);

#endif

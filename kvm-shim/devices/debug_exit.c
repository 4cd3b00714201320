/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The exit port: a write requests the VM stop with the written byte; a read
 * returns 0 so a probing guest sees something harmless. */
#include "kvm-shim/devices/debug_exit.h"

#include <string.h>

static int
debug_exit_io (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  struct vmm_vm *vm = opaque;

  if (a->is_write)
    vmm_vm_request_stop (vm, a->data[0]);
  else
    memset (a->data, 0, a->len);
  return 0;
}

int
vmm_debug_exit_create (struct vmm_bus *bus, struct vmm_vm *vm, uint16_t port, hy_error_t *err)
{
  return vmm_bus_register (bus, VMM_BUS_PIO, port, 1, "debug-exit", debug_exit_io, vm, err);
}

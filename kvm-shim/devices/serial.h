/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An 8250/16550A UART on the port bus (COM1 at 0x3f8, IRQ 4): what the guest
 * transmits is written to an fd; what the VMM feeds in is received.  The
 * console of an early or debug boot; the container's stdio goes through
 * virtio instead (one exit per byte here). */
#ifndef VMM_SERIAL_H
#define VMM_SERIAL_H

#include "common/error.h"
#include "kvm-shim/vmm/bus.h"
#include "kvm-shim/vmm/vm.h"

#include <stddef.h>
#include <stdint.h>

struct vmm_serial;

/* Register at `port` (8 ports).  `out_fd` is not owned; vm may be NULL (no
 * interrupts: a polled UART, for tests). */
struct vmm_serial *vmm_serial_create (struct vmm_bus *bus, struct vmm_vm *vm, uint16_t port,
                                      unsigned irq, int out_fd, hy_error_t *err);
/* Flushes what is buffered. */
void vmm_serial_destroy (struct vmm_serial *serial);

/* Write out what the guest sent since the last newline. */
int vmm_serial_flush (struct vmm_serial *serial, hy_error_t *err);

/* Queue host input for the guest; returns how many bytes fit. */
size_t vmm_serial_feed (struct vmm_serial *serial, const void *buf, size_t len);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host end of a VM-mode terminal (process.terminal): a pty slave in
 * raw mode whose bytes the VMM (or an exec's proxy) relays to a pty in the
 * guest, where the only line discipline is.  Its window size follows the
 * master's: the holder of the slave makes it its controlling terminal, so
 * a TIOCSWINSZ on the master (containerd's resize) raises SIGWINCH, and
 * sends the new size down as RESIZE or EXEC_RESIZE (vmproto.h). */
#ifndef VMM_TTY_H
#define VMM_TTY_H

#include "common/error.h"
#include "kvm-shim/proto/vmproto.h"

#include <stdbool.h>
#include <stdint.h>

/* Make tty_fd this process's controlling terminal (a new session first,
 * unless this process heads one already), so its size changes raise
 * SIGWINCH here. */
int vmm_tty_take_control (int tty_fd, hy_error_t *err);

/* tty_fd's window size as RESIZE's payload; false when it cannot be read
 * or is 0x0 (never set). */
bool vmm_tty_get_size (int tty_fd, uint8_t out[VMPROTO_WINSIZE_LEN]);

/* Send tty_fd's window size on fd: RESIZE, or EXEC_RESIZE for exec `id`.
 * A size that cannot be read, or 0x0 (never set), sends nothing. */
int vmm_tty_send_size (int fd, int tty_fd, enum vmproto_type type, uint32_t id, hy_error_t *err);

#endif

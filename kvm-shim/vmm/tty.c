/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host end of a VM-mode terminal (tty.h): the controlling-terminal
 * setup that makes resizes visible, and the size messages.  The bytes
 * themselves need no code here: the slave is the VMM's stdin and stdout,
 * bound to the hyrun.stdin/hyrun.stdout ports like any stdio. */
#include "kvm-shim/vmm/tty.h"

#include <errno.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int
vmm_tty_take_control (int tty_fd, hy_error_t *err)
{
  /* EPERM: this process leads a process group already - the exec proxy,
   * which heads its own session (setsid) */
  if (setsid () < 0 && errno != EPERM)
    return hy_error_set (err, errno, "terminal: setsid");
  if (ioctl (tty_fd, TIOCSCTTY, 0) < 0)
    return hy_error_set (err, errno, "terminal: make the pty the controlling terminal");
  return 0;
}

bool
vmm_tty_get_size (int tty_fd, uint8_t out[VMPROTO_WINSIZE_LEN])
{
  struct winsize ws;

  if (ioctl (tty_fd, TIOCGWINSZ, &ws) < 0 || (ws.ws_row == 0 && ws.ws_col == 0))
    return false;
  vmproto_winsize_put (out, ws.ws_row, ws.ws_col);
  return true;
}

int
vmm_tty_send_size (int fd, int tty_fd, enum vmproto_type type, uint32_t id, hy_error_t *err)
{
  uint8_t p[VMPROTO_WINSIZE_LEN];

  if (!vmm_tty_get_size (tty_fd, p))
    return 0;
  if (type == VMPROTO_EXEC_RESIZE)
    return vmproto_send_exec (fd, type, id, p, sizeof (p), err);
  return vmproto_send (fd, type, p, sizeof (p), err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host pty of a VM-mode terminal (process.terminal, `exec -t`): the
 * pair is made on the host, its master goes to --console-socket exactly as
 * container mode sends it, and the slave - raw, so the guest pty's line
 * discipline is the only one - stays with the VMM or the exec proxy, which
 * relay its bytes to the guest (kvm-shim/vmm/tty.h). */
#include "common/cleanup.h"
#include "libcontainer/security.h"
#include "runtime/vm.h"

#include <errno.h>
#include <termios.h>
#include <unistd.h>

int
vm_tty_open (const char *console_socket, const struct spec_process *p, hy_error_t *err)
{
  cleanup_close int sock = -1, master = -1, slave = -1;

  if (console_socket == NULL)
    return hy_error_set (err, 0, "process.terminal is true: --console-socket is required");
  sock = lc_terminal_connect (console_socket, err);
  if (sock < 0)
    return -1;
  if (lc_terminal_open (p, true, &master, &slave, err) < 0
      || lc_terminal_send_master (sock, master, err) < 0)
    return hy_error_prefix (err, "terminal");
  return take_fd (slave);
}

bool
vm_tty_raw (int fd, struct termios *saved)
{
  struct termios raw;

  if (!isatty (fd) || tcgetattr (fd, saved) < 0)
    return false;
  raw = *saved;
  cfmakeraw (&raw);
  /* the guest pty does the output processing (ONLCR) already */
  return tcsetattr (fd, TCSANOW, &raw) == 0;
}

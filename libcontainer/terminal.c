/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.terminal: a pty from the container's own devpts, its master sent
 * to --console-socket with SCM_RIGHTS (what containerd and podman wait
 * for).  Called in the init after pivot_root, so /dev/ptmx is the
 * container's. */
#include "common/cleanup.h"
#include "libcontainer/security.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static int
send_fd (int sock, int fd, const char *name, hy_error_t *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { (void *) name, strlen (name) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);

  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  if (sendmsg (sock, &msg, 0) < 0)
    return hy_error_set (err, errno, "send the terminal to the console socket");
  return 0;
}

int
lc_terminal_connect (const char *console_socket, hy_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int sock;

  if (strlen (console_socket) >= sizeof (addr.sun_path))
    return hy_error_set (err, ENAMETOOLONG, "--console-socket `%s`", console_socket);
  strcpy (addr.sun_path, console_socket);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return hy_error_set (err, errno, "socket");
  if (connect (sock, (struct sockaddr *) &addr, sizeof (addr)) < 0)
    {
      close (sock);
      return hy_error_set (err, errno, "connect to the console socket `%s`", console_socket);
    }
  return sock;
}

int
lc_terminal_setup (int console_sock, const struct spec_process *proc, int *slave_fd,
                   hy_error_t *err)
{
  cleanup_close int master = -1;
  char name[64];

  if (console_sock < 0)
    return hy_error_set (err, 0, "process.terminal is true but no --console-socket was given");
  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return hy_error_set (err, errno, "open /dev/ptmx");
  if (grantpt (master) < 0 || unlockpt (master) < 0 || ptsname_r (master, name, sizeof (name)) != 0)
    return hy_error_set (err, errno, "set up the pty");
  *slave_fd = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (*slave_fd < 0)
    return hy_error_set (err, errno, "open `%s`", name);
  if (proc->has_console_size)
    {
      struct winsize ws = { .ws_row = proc->console_size.height, .ws_col = proc->console_size.width };
      ioctl (*slave_fd, TIOCSWINSZ, &ws);
    }
  return send_fd (console_sock, master, name, err);
}

int
lc_terminal_attach (int slave_fd, hy_error_t *err)
{
  if (setsid () < 0)
    return hy_error_set (err, errno, "setsid");
  if (ioctl (slave_fd, TIOCSCTTY, 0) < 0)
    return hy_error_set (err, errno, "make the pty the controlling terminal");
  if (dup2 (slave_fd, 0) < 0 || dup2 (slave_fd, 1) < 0 || dup2 (slave_fd, 2) < 0)
    return hy_error_set (err, errno, "dup the pty to stdio");
  if (slave_fd > 2)
    close (slave_fd);
  return 0;
}

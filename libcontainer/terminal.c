/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.terminal: a pty from the container's own devpts, its master sent
 * to --console-socket with SCM_RIGHTS (what containerd and podman wait
 * for).  lc_terminal_setup must run in the init AFTER /dev/pts (newinstance)
 * is mounted and the root has changed, so /dev/ptmx is the container's and
 * the slave belongs to its devpts (runc opens /dev/ptmx inside too); the
 * socket itself is connected earlier, while the host path still resolves. */
#include "common/cleanup.h"
#include "libcontainer/security.h"
#include "libcontainer/sendfd.h"

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

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO ('T', 0x41)
#endif

int
lc_send_fd (int sock, int fd, const void *data, size_t len, hy_error_t *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { (void *)data, len };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  const char *p = data;
  ssize_t w;

  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  do
    w = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return hy_error_set (err, errno, "sendmsg with SCM_RIGHTS");
  /* A stream socket may take less: the fd went with the first part. */
  while ((size_t)w < len)
    {
      ssize_t n = send (sock, p + w, len - w, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return hy_error_set (err, errno, "send the message");
      w += n;
    }
  return 0;
}

int
lc_unix_connect (const char *path, hy_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int sock = -1;

  if (strlen (path) >= sizeof (addr.sun_path))
    return hy_error_set (err, ENAMETOOLONG, "`%s`", path);
  strcpy (addr.sun_path, path);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return hy_error_set (err, errno, "socket");
  if (connect (sock, (struct sockaddr *)&addr, sizeof (addr)) < 0)
    return hy_error_set (err, errno, "connect to `%s`", path);
  return take_fd (sock);
}

int
lc_terminal_connect (const char *console_socket, hy_error_t *err)
{
  int sock = lc_unix_connect (console_socket, err);

  if (sock < 0)
    return hy_error_prefix (err, "--console-socket");
  return sock;
}

/* The slave through the master itself (TIOCGPTPEER, Linux 4.13), so no
 * path inside the container is trusted; ptsname() only as a fallback. */
static int
open_slave (int master, hy_error_t *err)
{
  char name[64];
  int fd = ioctl (master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);

  if (fd >= 0)
    return fd;
  if (ptsname_r (master, name, sizeof (name)) != 0)
    return hy_error_set (err, errno, "ptsname");
  fd = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return hy_error_set (err, errno, "open the pty slave `%s`", name);
  return fd;
}

int
lc_terminal_open (const struct spec_process *proc, bool raw, int *master_fd, int *slave_fd,
                  hy_error_t *err)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;

  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return hy_error_set (err, errno, "open /dev/ptmx");
  if (grantpt (master) < 0 || unlockpt (master) < 0)
    return hy_error_set (err, errno, "unlock the pty");
  slave = open_slave (master, err);
  if (slave < 0)
    return -1;
  if (proc && proc->has_console_size)
    {
      struct winsize ws
          = { .ws_row = proc->console_size.height, .ws_col = proc->console_size.width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return hy_error_set (err, errno, "process.consoleSize: set the window size");
    }
  if (raw)
    {
      struct termios t;
      if (tcgetattr (slave, &t) < 0)
        return hy_error_set (err, errno, "tcgetattr on the pty");
      cfmakeraw (&t);
      if (tcsetattr (slave, TCSANOW, &t) < 0)
        return hy_error_set (err, errno, "put the pty in raw mode");
    }
  *master_fd = take_fd (master);
  *slave_fd = take_fd (slave);
  return 0;
}

int
lc_terminal_send_master (int console_sock, int master_fd, hy_error_t *err)
{
  /* runc sends the master's file name, which is /dev/ptmx. */
  static const char payload[] = "/dev/ptmx";

  if (lc_send_fd (console_sock, master_fd, payload, sizeof (payload) - 1, err) < 0)
    return hy_error_prefix (err, "send the pty master to the console socket");
  return 0;
}

int
lc_terminal_setup (int console_sock, const struct spec_process *proc, int *slave_fd,
                   hy_error_t *err)
{
  cleanup_close int master = -1;
  cleanup_close int slave = -1;

  if (console_sock < 0)
    return hy_error_set (err, EINVAL, "process.terminal is true but no --console-socket was given");
  if (lc_terminal_open (proc, false, &master, &slave, err) < 0
      || lc_terminal_send_master (console_sock, master, err) < 0)
    return -1;
  *slave_fd = take_fd (slave);
  return 0;
}

int
lc_terminal_attach (int slave_fd, hy_error_t *err)
{
  /* setsid fails (EPERM) only for a process group leader, which already
   * heads its session when it is the container's init. */
  if (setsid () < 0 && errno != EPERM)
    return hy_error_set (err, errno, "setsid");
  if (ioctl (slave_fd, TIOCSCTTY, 0) < 0)
    return hy_error_set (err, errno, "make the pty the controlling terminal");
  if (dup2 (slave_fd, 0) < 0 || dup2 (slave_fd, 1) < 0 || dup2 (slave_fd, 2) < 0)
    return hy_error_set (err, errno, "dup the pty to stdio");
  if (slave_fd > 2)
    close (slave_fd);
  return 0;
}

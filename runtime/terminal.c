/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console-socket receiver behind a foreground `run` with a terminal. */
#include "runtime/terminal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
run_tty_listen (struct run_tty *t, hy_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };

  snprintf (t->dir, sizeof (t->dir), "/tmp/hyrun-tty-XXXXXX");
  if (mkdtemp (t->dir) == NULL)
    return hy_error_set (err, errno, "mkdtemp");
  snprintf (t->path, sizeof (t->path), "%s/console.sock", t->dir);
  snprintf (addr.sun_path, sizeof (addr.sun_path), "%s", t->path);
  t->listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (t->listen_fd < 0 || bind (t->listen_fd, (struct sockaddr *)&addr, sizeof (addr)) < 0
      || listen (t->listen_fd, 1) < 0)
    return hy_error_set (err, errno, "listen on `%s`", t->path);
  return 0;
}

static int
recv_fd (int sock, hy_error_t *err)
{
  char name[256], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { name, sizeof (name) };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;
  int fd;

  if (recvmsg (sock, &msg, MSG_CMSG_CLOEXEC) < 0)
    return hy_error_set (err, errno, "receive the pty master");
  c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN (sizeof (int)))
    return hy_error_set (err, 0, "the console socket message carried no fd");
  memcpy (&fd, CMSG_DATA (c), sizeof (int));
  return fd;
}

int
run_tty_accept (struct run_tty *t, hy_error_t *err)
{
  int conn = accept4 (t->listen_fd, NULL, NULL, SOCK_CLOEXEC);

  if (conn < 0)
    return hy_error_set (err, errno, "accept on the console socket");
  t->master = recv_fd (conn, err);
  close (conn);
  if (t->master < 0)
    return -1;
  if (isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &t->saved) == 0)
    {
      struct termios raw = t->saved;
      cfmakeraw (&raw);
      raw.c_oflag |= OPOST | ONLCR; /* keep our own newlines sane */
      t->raw = tcsetattr (STDIN_FILENO, TCSANOW, &raw) == 0;
    }
  run_tty_resize (t);
  return 0;
}

void
run_tty_resize (struct run_tty *t)
{
  struct winsize ws;

  if (t->master >= 0 && ioctl (STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
    ioctl (t->master, TIOCSWINSZ, &ws);
}

void
run_tty_close (struct run_tty *t)
{
  if (t->raw)
    tcsetattr (STDIN_FILENO, TCSANOW, &t->saved);
  t->raw = false;
  if (t->master >= 0)
    close (t->master);
  if (t->listen_fd >= 0)
    close (t->listen_fd);
  t->master = t->listen_fd = -1;
  if (t->path[0])
    {
      unlink (t->path);
      rmdir (t->dir);
      t->path[0] = '\0';
    }
}

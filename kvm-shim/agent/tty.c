/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminals in the guest (process.terminal, `exec -t`).  libcontainer
 * makes the pty as in container mode: the agent is its console socket (a
 * listening Unix socket whose path goes in lc_config / lc_exec_config), so
 * the pty comes from the container's own devpts and is the process's
 * controlling terminal and stdio.  The agent keeps the master: the
 * workload's is relayed to the stdio ports (hyrun.stdin in, hyrun.stdout
 * out; vmproto.h), an exec'd process's to EXEC_STDIN / EXEC_STDOUT
 * (exec.c); RESIZE / EXEC_RESIZE set its window size, and the kernel
 * signals SIGWINCH to the terminal's foreground process group. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "kvm-shim/agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

/* How long the master may take to arrive once the process exists (it is
 * sent before create / exec return: this only bounds a broken case). */
#define RECEIVE_WAIT_MS 10000
/* Typed input the process has not read yet; beyond it the input port is
 * not read (backpressure to the host). */
#define IN_BUFFER_MAX (1u << 20)
#define CHUNK 65536

int
agent_tty_listen (const char *path, hy_error_t *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int fd = -1;

  if (strlen (path) >= sizeof (addr.sun_path))
    return hy_error_set (err, ENAMETOOLONG, "terminal: `%s`", path);
  strcpy (addr.sun_path, path);
  unlink (path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || bind (fd, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (fd, 1) < 0)
    return hy_error_set (err, errno, "terminal: listen on `%s`", path);
  return take_fd (fd);
}

static int
recv_master (int conn, hy_error_t *err)
{
  char name[256], cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { name, sizeof (name) };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;
  ssize_t n;
  unsigned ptn;
  int fd;

  do
    n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return hy_error_set (err, errno, "terminal: receive the pty master");
  c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS
      || c->cmsg_len != CMSG_LEN (sizeof (int)))
    return hy_error_set (err, 0, "terminal: the console socket message carried no fd");
  memcpy (&fd, CMSG_DATA (c), sizeof (int));
  /* TIOCGPTN answers on a pty master only */
  if (ioctl (fd, TIOCGPTN, &ptn) < 0)
    {
      close (fd);
      return hy_error_set (err, 0, "terminal: the fd received is not a pty master");
    }
  fcntl (fd, F_SETFL, O_NONBLOCK);
  return fd;
}

int
agent_tty_receive (int listen_fd, hy_error_t *err)
{
  struct pollfd p = { listen_fd, POLLIN, 0 };
  cleanup_close int conn = -1;
  int r;

  do
    r = poll (&p, 1, RECEIVE_WAIT_MS);
  while (r < 0 && errno == EINTR);
  if (r <= 0)
    return hy_error_set (err, r < 0 ? errno : ETIMEDOUT, "terminal: no pty master arrived");
  conn = accept4 (listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return hy_error_set (err, errno, "terminal: accept on the console socket");
  return recv_master (conn, err);
}

int
agent_tty_resize (int master, const uint8_t *winsize)
{
  uint16_t rows, cols;
  struct winsize ws = { 0 };

  vmproto_winsize_get (winsize, &rows, &cols);
  ws.ws_row = rows;
  ws.ws_col = cols;
  return ioctl (master, TIOCSWINSZ, &ws);
}

/* --- the workload's terminal ------------------------------------------- */

void
agent_tty_init (struct agent_tty *t)
{
  memset (t, 0, sizeof (*t));
  t->master = t->in_port = t->out_port = -1;
}

int
agent_tty_attach (struct agent_tty *t, int master, hy_error_t *err)
{
  t->master = master;
  t->in_port = agent_port_open (VMPROTO_PORT_STDIN, O_RDONLY | O_NONBLOCK, err);
  if (t->in_port < 0)
    return -1;
  t->out_port = agent_port_open (VMPROTO_PORT_STDOUT, O_WRONLY, err);
  return t->out_port < 0 ? -1 : 0;
}

size_t
agent_tty_pollfds (struct agent_tty *t, struct pollfd *p)
{
  bool in = t->in_port >= 0 && t->in_len < IN_BUFFER_MAX;

  p[0] = (struct pollfd){ in ? t->in_port : -1, POLLIN, 0 };
  p[1] = (struct pollfd){ t->out_done ? -1 : t->master, (short)(POLLIN | (t->in_len ? POLLOUT : 0)),
                          0 };
  return 2;
}

static void
close_fd (int *fd)
{
  if (*fd >= 0)
    close (*fd);
  *fd = -1;
}

/* Typed bytes to the master, as far as it takes them. */
static void
flush_in (struct agent_tty *t)
{
  while (t->in_len > 0)
    {
      ssize_t n = write (t->master, t->in_buf, t->in_len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          t->in_len = 0; /* nobody holds the slave: nothing will read it */
          return;
        }
      memmove (t->in_buf, t->in_buf + n, t->in_len - (size_t)n);
      t->in_len -= (size_t)n;
    }
}

static void
read_in (struct agent_tty *t)
{
  size_t room = IN_BUFFER_MAX - t->in_len;
  ssize_t n;

  if (t->in_buf == NULL)
    t->in_buf = xmalloc (IN_BUFFER_MAX);
  n = read (t->in_port, t->in_buf + t->in_len, room < CHUNK ? room : CHUNK);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0)
    {
      /* the host's terminal is gone: as a closed master, no more input */
      close_fd (&t->in_port);
      return;
    }
  t->in_len += (size_t)n;
  flush_in (t);
}

static void
write_out (struct agent_tty *t, const uint8_t *buf, size_t len)
{
  while (t->out_port >= 0 && len > 0)
    {
      ssize_t w = write (t->out_port, buf, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          close_fd (&t->out_port); /* the rest has no reader */
          return;
        }
      buf += w, len -= (size_t)w;
    }
}

/* One chunk of output (or, with drain, all there is) to the host.  EIO:
 * no process holds the slave any more. */
static void
read_out (struct agent_tty *t, bool drain)
{
  static uint8_t buf[CHUNK];
  int rounds = 64;

  while (!t->out_done && rounds-- > 0)
    {
      ssize_t n = read (t->master, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        return;
      if (n <= 0)
        {
          t->out_done = true;
          return;
        }
      write_out (t, buf, (size_t)n);
      if (!drain)
        return;
    }
}

void
agent_tty_on_poll (struct agent_tty *t, const struct pollfd *p)
{
  if (t->master < 0)
    return;
  if (p[0].revents)
    read_in (t);
  if (p[1].revents & POLLOUT)
    flush_in (t);
  if (p[1].revents & (POLLIN | POLLHUP | POLLERR))
    read_out (t, false);
}

void
agent_tty_drain (struct agent_tty *t)
{
  if (t->master >= 0)
    read_out (t, true);
}

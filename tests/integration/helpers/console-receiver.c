/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper for process.terminal: listens on a Unix socket (the
 * --console-socket), receives one pty master with SCM_RIGHTS, optionally
 * writes INPUT to it, then copies what the container writes to stdout
 * until the slave side closes (EIO) or --timeout seconds pass.
 *   console-receiver SOCKET [--input STR] [--timeout SEC] [--ready FILE]
 * --ready FILE is created once the socket listens, so a test knows when to
 * start the runtime.  Exit 0 on EOF, 2 on timeout, 1 on errors. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int
listen_on (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int s;

  if (strlen (path) >= sizeof (addr.sun_path))
    return -1;
  strcpy (addr.sun_path, path);
  unlink (path);
  s = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0 || bind (s, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (s, 1) < 0)
    return -1;
  return s;
}

/* One message: payload (the pty name) plus the fd. */
static int
recv_fd (int conn, char *name, size_t name_len)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { name, name_len - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;
  ssize_t n;
  int fd;

  n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0)
    return -1;
  name[n] = '\0';
  c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
    {
      errno = EPROTO;
      return -1;
    }
  memcpy (&fd, CMSG_DATA (c), sizeof (int));
  return fd;
}

static int
copy_out (int master, int timeout_s)
{
  time_t end = time (NULL) + timeout_s;
  char buf[4096];

  for (;;)
    {
      struct pollfd p = { master, POLLIN, 0 };
      int left = (int)(end - time (NULL));
      ssize_t n;

      if (left <= 0 || poll (&p, 1, left * 1000) == 0)
        return 2;
      n = read (master, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return 0; /* EIO: every slave fd is closed */
      if (write (STDOUT_FILENO, buf, n) != n)
        return 1;
    }
}

int
main (int argc, char **argv)
{
  const char *input = NULL, *ready = NULL;
  int timeout_s = 10, s, conn, master, i;
  char name[256];

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s SOCKET [--input STR] [--timeout SEC] [--ready FILE]\n", argv[0]);
      return 1;
    }
  for (i = 2; i + 1 < argc; i += 2)
    if (strcmp (argv[i], "--input") == 0)
      input = argv[i + 1];
    else if (strcmp (argv[i], "--timeout") == 0)
      timeout_s = atoi (argv[i + 1]);
    else if (strcmp (argv[i], "--ready") == 0)
      ready = argv[i + 1];
  s = listen_on (argv[1]);
  if (s < 0)
    return perror ("console-receiver: listen"), 1;
  if (ready && close (open (ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) < 0)
    return perror ("console-receiver: ready file"), 1;
  alarm (timeout_s + 1);
  conn = accept4 (s, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    return perror ("console-receiver: accept"), 1;
  master = recv_fd (conn, name, sizeof (name));
  if (master < 0)
    return perror ("console-receiver: receive the pty master"), 1;
  fprintf (stderr, "console-receiver: got %s (isatty=%d)\n", name, isatty (master));
  if (input && write (master, input, strlen (input)) < 0)
    return perror ("console-receiver: write"), 1;
  return copy_out (master, timeout_s);
}

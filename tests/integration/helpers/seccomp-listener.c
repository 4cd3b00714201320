/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helper for linux.seccomp.listenerPath: listens on SOCKET, receives
 * the notify fd (SCM_RIGHTS) and the container process state, prints the
 * state as one line, then answers every notified syscall with -EXDEV
 * until the container's filter goes away or --timeout seconds pass.
 *   seccomp-listener SOCKET [--timeout SEC] */
#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int
recv_fd (int s, char *buf, size_t len)
{
  char cbuf[CMSG_SPACE (sizeof (int) * 4)];
  struct iovec iov = { buf, len - 1 };
  struct msghdr m
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  ssize_t n = recvmsg (s, &m, 0);
  struct cmsghdr *c = CMSG_FIRSTHDR (&m);
  int fd;

  if (n < 0 || c == NULL || c->cmsg_type != SCM_RIGHTS)
    return -1;
  buf[n] = '\0';
  memcpy (&fd, CMSG_DATA (c), sizeof (fd));
  return fd;
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int timeout = argc > 3 && strcmp (argv[2], "--timeout") == 0 ? atoi (argv[3]) : 20;
  char state[8192];
  int ls, s, fd;

  if (argc < 2 || strlen (argv[1]) >= sizeof (addr.sun_path))
    return 1;
  strcpy (addr.sun_path, argv[1]);
  unlink (argv[1]);
  ls = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0 || bind (ls, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (ls, 1) < 0)
    return perror ("listen"), 1;
  alarm ((unsigned)timeout);
  s = accept4 (ls, NULL, NULL, SOCK_CLOEXEC);
  fd = s < 0 ? -1 : recv_fd (s, state, sizeof (state));
  if (fd < 0)
    return perror ("receive the notify fd"), 1;
  printf ("%s\n", state);
  fflush (stdout);
  for (;;)
    {
      struct seccomp_notif *req;
      struct seccomp_notif_resp *resp;
      struct pollfd p = { fd, POLLIN, 0 };

      if (poll (&p, 1, -1) < 0 || (p.revents & (POLLHUP | POLLERR)))
        break;
      if (seccomp_notify_alloc (&req, &resp) < 0)
        return 1;
      if (seccomp_notify_receive (fd, req) == 0)
        {
          resp->id = req->id;
          resp->error = -EXDEV;
          resp->val = 0;
          resp->flags = 0;
          seccomp_notify_respond (fd, resp);
          printf ("answered syscall %d\n", req->data.nr);
          fflush (stdout);
        }
      seccomp_notify_free (req, resp);
    }
  return 0;
}

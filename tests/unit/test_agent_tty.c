/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's terminal relay (kvm-shim/agent/tty.c) on a real pty, with
 * pipes in place of the virtio-console ports: a master sent with
 * SCM_RIGHTS is received (and anything but a pty refused), typed bytes
 * reach the slave, the slave's output reaches the output port, RESIZE sets
 * the slave's window size, and once the slave is closed everything it
 * wrote is drained and the master is done. */
#include "kvm-shim/agent/agent.h"
#include "tests/unit/tap.h"

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

static int
send_fd (const char *path, int fd)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char cbuf[CMSG_SPACE (sizeof (int))] = { 0 };
  struct iovec iov = { (void *)"/dev/ptmx", 9 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  int s = socket (AF_UNIX, SOCK_STREAM, 0), r;

  snprintf (addr.sun_path, sizeof (addr.sun_path), "%s", path);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  r = connect (s, (struct sockaddr *)&addr, sizeof (addr)) == 0 && sendmsg (s, &msg, 0) == 9;
  close (s);
  return r ? 0 : -1;
}

/* The pty pair, the slave raw (no echo, no line editing in the way). */
static void
open_pty (int *master, int *slave)
{
  struct termios t;

  *master = posix_openpt (O_RDWR | O_NOCTTY);
  if (*master < 0 || grantpt (*master) < 0 || unlockpt (*master) < 0)
    abort ();
  *slave = open (ptsname (*master), O_RDWR | O_NOCTTY);
  if (*slave < 0 || tcgetattr (*slave, &t) < 0)
    abort ();
  cfmakeraw (&t);
  tcsetattr (*slave, TCSANOW, &t);
}

/* One round of the supervise loop's part. */
static void
step (struct agent_tty *t)
{
  struct pollfd p[2];

  agent_tty_pollfds (t, p);
  if (poll (p, 2, 1000) > 0)
    agent_tty_on_poll (t, p);
}

static void
test_receive (const char *dir)
{
  char path[256];
  hy_error_t err = NULL;
  int lfd, m, s, got;

  snprintf (path, sizeof (path), "%s/tty.sock", dir);
  lfd = agent_tty_listen (path, &err);
  open_pty (&m, &s);
  got = lfd >= 0 && send_fd (path, m) == 0 ? agent_tty_receive (lfd, &err) : -1;
  tap_ok (got >= 0 && isatty (got) && (fcntl (got, F_GETFL) & O_NONBLOCK),
          "a pty master sent with SCM_RIGHTS is received, non-blocking (%s)",
          err ? err->msg : "ok");
  hy_error_free (&err);
  close (got);
  /* a slave is a terminal, but not the master the agent relays */
  got = send_fd (path, s) == 0 ? agent_tty_receive (lfd, &err) : -1;
  tap_ok (got < 0 && err && strstr (err->msg, "not a pty master"), "a pty slave is refused (%s)",
          err ? err->msg : "accepted");
  hy_error_free (&err);
  close (m), close (s);
  /* a pipe is no terminal */
  {
    int pp[2];
    if (pipe (pp) < 0)
      abort ();
    got = send_fd (path, pp[0]) == 0 ? agent_tty_receive (lfd, &err) : -1;
    tap_ok (got < 0 && err && strstr (err->msg, "not a pty"),
            "an fd that is no pty is refused (%s)", err ? err->msg : "accepted");
    hy_error_free (&err);
    close (pp[0]), close (pp[1]);
  }
  close (lfd);
  unlink (path);
}

static void
test_relay (void)
{
  struct agent_tty t;
  int m, s, in[2], out[2], n;
  char buf[64] = "";
  struct winsize ws = { 0 };
  uint8_t w[VMPROTO_WINSIZE_LEN];

  open_pty (&m, &s);
  fcntl (m, F_SETFL, O_NONBLOCK);
  if (pipe (in) < 0 || pipe (out) < 0)
    abort ();
  agent_tty_init (&t);
  t.master = m, t.in_port = in[0], t.out_port = out[1];

  if (write (in[1], "typed\x03", 6) != 6)
    abort ();
  for (int i = 0; i < 3; i++)
    step (&t);
  n = (int)read (s, buf, sizeof (buf) - 1);
  tap_ok (n == 6 && memcmp (buf, "typed\x03", 6) == 0,
          "bytes from the input port reach the slave as they are (^C included)");

  if (write (s, "output", 6) != 6)
    abort ();
  step (&t);
  n = (int)read (out[0], buf, sizeof (buf) - 1);
  tap_ok (n == 6 && memcmp (buf, "output", 6) == 0, "the slave's output reaches the output port");

  vmproto_winsize_put (w, 41, 123);
  tap_ok (agent_tty_resize (m, w) == 0 && ioctl (s, TIOCGWINSZ, &ws) == 0 && ws.ws_row == 41
              && ws.ws_col == 123,
          "RESIZE sets the window size (41x123)");

  /* the workload ended: its last words arrive, then the master is done */
  if (write (s, "last", 4) != 4)
    abort ();
  close (s);
  agent_tty_drain (&t);
  n = (int)read (out[0], buf, sizeof (buf) - 1);
  tap_ok (n == 4 && memcmp (buf, "last", 4) == 0 && t.out_done,
          "after the slave closes, what it wrote is drained and the master is done");

  close (in[1]), close (out[0]);
  close (t.in_port), close (t.out_port), close (m);
  free (t.in_buf);
}

int
main (void)
{
  char dir[] = "/tmp/test_agent_tty.XXXXXX";

  tap_plan (7);
  if (mkdtemp (dir) == NULL)
    abort ();
  test_receive (dir);
  test_relay ();
  rmdir (dir);
  return tap_done ();
}

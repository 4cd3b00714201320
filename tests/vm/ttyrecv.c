/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ttyrecv: stand in for containerd's shim or conmon on --console-socket.
 *
 *   ttyrecv SOCKET STEP...
 *   ttyrecv --pty ROWSxCOLS STEP... -- CMD...
 *
 * Listens on the Unix socket SOCKET, receives one pty master over it with
 * SCM_RIGHTS (as runc sends it), checks it is a pty master, then runs the
 * steps in order:
 *   size:ROWSxCOLS  set the window size on the master (TIOCSWINSZ)
 *   send:TEXT       write TEXT; \n \r \\ and \xNN escapes (\x03 is ^C)
 *   wait:TEXT       read until TEXT appears after the last match
 *   sleep:MS        wait MS milliseconds, reading meanwhile
 *   eof             read until the slave side is closed everywhere (EIO)
 * Everything read goes to stdout as it arrives; "ttyrecv: ..." lines on
 * stderr say what happened.  Exit 0 when every step succeeded, 1 on a
 * timeout (TTYRECV_TIMEOUT seconds per step, default 60) or an error.
 *
 * With --pty there is no socket: ttyrecv makes a pty of that size itself
 * and runs CMD on it as its controlling terminal and stdio (a user at a
 * terminal running `hyrun exec -t`), then runs the steps on the master and
 * prints "ttyrecv: CMD exit N" (or "signal N") at the end. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char *out;
static size_t out_len, matched; /* output so far; where the last wait matched */
static int master = -1;
static bool eof_seen;

static void
die (const char *what)
{
  fprintf (stderr, "ttyrecv: %s: %s\n", what, strerror (errno));
  exit (1);
}

static long long
now_ms (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int
receive (const char *path)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char name[256] = "", cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { name, sizeof (name) - 1 };
  struct msghdr msg
      = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  struct cmsghdr *c;
  int l, conn, fd, n;
  unsigned ptn;

  snprintf (addr.sun_path, sizeof (addr.sun_path), "%s", path);
  unlink (path);
  l = socket (AF_UNIX, SOCK_STREAM, 0);
  if (l < 0 || bind (l, (struct sockaddr *)&addr, sizeof (addr)) < 0 || listen (l, 1) < 0)
    die ("listen");
  conn = accept (l, NULL, NULL);
  if (conn < 0)
    die ("accept");
  n = (int)recvmsg (conn, &msg, 0);
  if (n < 0)
    die ("recvmsg");
  c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN (sizeof (int)))
    {
      fprintf (stderr, "ttyrecv: the message carried no fd\n");
      exit (1);
    }
  memcpy (&fd, CMSG_DATA (c), sizeof (int));
  if (ioctl (fd, TIOCGPTN, &ptn) < 0)
    die ("the fd is not a pty master (TIOCGPTN)");
  fprintf (stderr, "ttyrecv: got a pty master (pts %u), message \"%s\"\n", ptn, name);
  close (conn);
  close (l);
  unlink (path);
  return fd;
}

/* Read what is there within ms (or until EOF); false once the slave side
 * is closed. */
static bool
pump (int ms)
{
  struct pollfd p = { master, POLLIN, 0 };
  char buf[4096];
  ssize_t n;

  if (eof_seen || poll (&p, 1, ms) <= 0)
    return !eof_seen;
  n = read (master, buf, sizeof (buf));
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0)
    {
      eof_seen = true;
      return false;
    }
  out = realloc (out, out_len + (size_t)n + 1);
  memcpy (out + out_len, buf, (size_t)n);
  out_len += (size_t)n;
  out[out_len] = '\0';
  fwrite (buf, 1, (size_t)n, stdout);
  fflush (stdout);
  return true;
}

static size_t
unescape (const char *s, char *d)
{
  size_t n = 0;

  while (*s)
    {
      if (s[0] == '\\' && s[1] == 'n')
        d[n++] = '\n', s += 2;
      else if (s[0] == '\\' && s[1] == 'r')
        d[n++] = '\r', s += 2;
      else if (s[0] == '\\' && s[1] == '\\')
        d[n++] = '\\', s += 2;
      else if (s[0] == '\\' && s[1] == 'x' && s[2] && s[3])
        {
          char hex[3] = { s[2], s[3], 0 };
          d[n++] = (char)strtol (hex, NULL, 16);
          s += 4;
        }
      else
        d[n++] = *s++;
    }
  return n;
}

static bool
step (const char *s, int timeout_s)
{
  long long end = now_ms () + timeout_s * 1000LL;

  if (strncmp (s, "size:", 5) == 0)
    {
      struct winsize ws = { 0 };
      if (sscanf (s + 5, "%hux%hu", &ws.ws_row, &ws.ws_col) != 2)
        return false;
      return ioctl (master, TIOCSWINSZ, &ws) == 0;
    }
  if (strncmp (s, "send:", 5) == 0)
    {
      char buf[1024];
      size_t n = unescape (s + 5, buf);
      return write (master, buf, n) == (ssize_t)n;
    }
  if (strncmp (s, "sleep:", 6) == 0)
    {
      end = now_ms () + atoi (s + 6);
      while (now_ms () < end)
        pump ((int)(end - now_ms ()));
      return true;
    }
  if (strncmp (s, "wait:", 5) == 0)
    {
      char want[1024];
      size_t n = unescape (s + 5, want);
      want[n] = '\0';
      for (;;)
        {
          char *at = out ? strstr (out + matched, want) : NULL;
          if (at)
            {
              matched = (size_t)(at - out) + n;
              return true;
            }
          if (now_ms () >= end || !pump (200))
            return false;
        }
    }
  if (strcmp (s, "eof") == 0)
    {
      while (now_ms () < end)
        if (!pump (200))
          return true;
      return false;
    }
  fprintf (stderr, "ttyrecv: unknown step \"%s\"\n", s);
  return false;
}

/* --pty: CMD on a new pty of the given size; returns its pid. */
static pid_t
spawn_on_pty (const char *size, char **cmd)
{
  struct winsize ws = { 0 };
  pid_t pid;
  int slave;

  if (sscanf (size, "%hux%hu", &ws.ws_row, &ws.ws_col) != 2)
    {
      fprintf (stderr, "ttyrecv: bad size \"%s\"\n", size);
      exit (2);
    }
  master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0 || grantpt (master) < 0 || unlockpt (master) < 0)
    die ("open a pty");
  if (ioctl (master, TIOCSWINSZ, &ws) < 0)
    die ("TIOCSWINSZ");
  fflush (NULL);
  pid = fork ();
  if (pid < 0)
    die ("fork");
  if (pid == 0)
    {
      slave = open (ptsname (master), O_RDWR);
      if (slave < 0 || setsid () < 0 || ioctl (slave, TIOCSCTTY, 0) < 0)
        die ("make the pty the controlling terminal");
      dup2 (slave, 0), dup2 (slave, 1), dup2 (slave, 2);
      if (slave > 2)
        close (slave);
      execvp (cmd[0], cmd);
      die ("exec");
    }
  return pid;
}

int
main (int argc, char **argv)
{
  const char *t = getenv ("TTYRECV_TIMEOUT");
  int timeout_s = t ? atoi (t) : 60, first = 2, last = argc, status;
  pid_t cmd = 0;

  if (argc < 2)
    {
      fprintf (stderr,
               "usage: ttyrecv SOCKET STEP... | ttyrecv --pty ROWSxCOLS STEP... -- CMD...\n");
      return 2;
    }
  if (strcmp (argv[1], "--pty") == 0)
    {
      for (last = 3; last < argc && strcmp (argv[last], "--") != 0; last++)
        ;
      if (argc < 3 || last + 1 >= argc)
        {
          fprintf (stderr, "ttyrecv: --pty needs a size and -- CMD\n");
          return 2;
        }
      first = 3;
      cmd = spawn_on_pty (argv[2], argv + last + 1);
    }
  else
    master = receive (argv[1]);
  for (int i = first; i < last; i++)
    {
      if (!step (argv[i], timeout_s))
        {
          fprintf (stderr, "\nttyrecv: step \"%s\" failed%s\n", argv[i],
                   eof_seen ? " (the terminal was closed)" : "");
          return 1;
        }
      fprintf (stderr, "ttyrecv: step \"%s\" done\n", argv[i]);
    }
  if (cmd > 0)
    {
      while (waitpid (cmd, &status, 0) < 0 && errno == EINTR)
        ;
      if (WIFSIGNALED (status))
        fprintf (stderr, "ttyrecv: CMD signal %d\n", WTERMSIG (status));
      else
        fprintf (stderr, "ttyrecv: CMD exit %d\n", WEXITSTATUS (status));
    }
  return 0;
}

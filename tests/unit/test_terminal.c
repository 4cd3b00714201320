/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminal through a real console socket: tests/integration/helpers/
 * console-receiver listens, a forked "init" connects, opens a pty, sends
 * the master and attaches the slave as its controlling terminal and stdio;
 * what it writes must come out of the receiver, what the receiver types
 * must reach it, and consoleSize must be the window size. */
#include "common/cleanup.h"
#include "common/error.h"
#include "libcontainer/security.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/hy-term-XXXXXX";
static char sock_path[128], ready_path[128], err_path[128];

static pid_t
start_receiver (int out_fd)
{
  char self[PATH_MAX], exe[PATH_MAX + 64];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
  pid_t pid;

  if (n < 0)
    return -1;
  self[n] = '\0';
  snprintf (exe, sizeof (exe), "%s/../integration/helpers/console-receiver", dirname (self));
  pid = fork ();
  if (pid == 0)
    {
      int e = open (err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2 (out_fd, 1);
      dup2 (e, 2);
      execl (exe, exe, sock_path, "--input", "ping\n", "--timeout", "10", "--ready", ready_path,
             (char *)NULL);
      _exit (127);
    }
  return pid;
}

static int
wait_ready (void)
{
  struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
  int i;

  for (i = 0; i < 500; i++)
    {
      if (access (ready_path, F_OK) == 0)
        return 0;
      nanosleep (&ten_ms, NULL);
    }
  return -1;
}

/* The container side: connect, set up, attach, talk through the pty. */
__attribute__ ((noreturn)) static void
fake_init (void)
{
  struct spec_process proc = { .terminal = true,
                               .has_console_size = true,
                               .console_size = { .height = 40, .width = 100 } };
  hy_error_t err = NULL;
  struct winsize ws = { 0 };
  pid_t sid = -1;
  char line[64] = "";
  int sock, slave = -1;

  sock = lc_terminal_connect (sock_path, &err);
  if (sock < 0 || lc_terminal_setup (sock, &proc, &slave, &err) < 0
      || lc_terminal_attach (slave, &err) < 0)
    {
      dprintf (3, "# init error: %s\n", err->msg);
      _exit (1);
    }
  close (sock);
  ioctl (0, TIOCGWINSZ, &ws);
  /* TIOCGSID by hand with an initialised result: valgrind does not know
   * this ioctl writes it, and tcgetsid's own local then reads as
   * uninitialised (a valgrind error, and exit 99, in this child). */
  ioctl (0, TIOCGSID, &sid);
  printf ("winsize %ux%u ctty=%d\n", ws.ws_row, ws.ws_col, sid == getsid (0));
  printf ("hello from slave\n");
  fflush (stdout);
  if (fgets (line, sizeof (line), stdin))
    line[strcspn (line, "\r\n")] = '\0';
  /* The receiver closes the master once it has read the last line: the
   * kernel then hangs up this session leader, which under valgrind may
   * still be exiting.  Only the exit status of our own steps counts. */
  signal (SIGHUP, SIG_IGN);
  printf ("got:%s\n", line);
  fflush (stdout);
  _exit (0);
}

static char *
read_all (int fd)
{
  static char buf[8192];
  size_t n = 0;
  ssize_t r;

  while (n < sizeof (buf) - 1 && (r = read (fd, buf + n, sizeof (buf) - 1 - n)) > 0)
    n += r;
  buf[n] = '\0';
  return buf;
}

int
main (void)
{
  cleanup_error hy_error_t err = NULL;
  int out[2], st_recv = -1, st_init = -1, slave = -1;
  pid_t recv_pid, init_pid;
  char *text, *errtext;

  tap_plan (7);
  fflush (stdout);
  tap_ok (lc_terminal_setup (-1, NULL, &slave, &err) < 0 && strstr (err->msg, "console-socket"),
          "terminal: no console socket is a clear error");
  hy_error_free (&err);
  err = NULL;
  if (mkdtemp (dir) == NULL || pipe2 (out, O_CLOEXEC) < 0)
    return 1;
  snprintf (sock_path, sizeof (sock_path), "%s/console.sock", dir);
  snprintf (ready_path, sizeof (ready_path), "%s/ready", dir);
  snprintf (err_path, sizeof (err_path), "%s/receiver.err", dir);
  recv_pid = start_receiver (out[1]);
  close (out[1]);
  tap_ok (recv_pid > 0 && wait_ready () == 0, "terminal: console-receiver listens");
  init_pid = fork ();
  if (init_pid == 0)
    {
      dup2 (1, 3);
      fake_init ();
    }
  text = read_all (out[0]);
  waitpid (init_pid, &st_init, 0);
  waitpid (recv_pid, &st_recv, 0);
  for (char *l = text, *nl; *l; l = nl + 1)
    {
      nl = strchrnul (l, '\n');
      tap_diag ("receiver: %.*s", (int)(nl - l), l);
      if (*nl == '\0')
        break;
    }
  tap_ok (WIFEXITED (st_init) && WEXITSTATUS (st_init) == 0,
          "terminal: setup and attach succeed (wait status 0x%x)", (unsigned)st_init);
  tap_ok (strstr (text, "hello from slave") != NULL, "terminal: slave output reaches the master");
  tap_ok (strstr (text, "got:ping") != NULL, "terminal: master input reaches the slave");
  tap_ok (strstr (text, "winsize 40x100 ctty=1") != NULL,
          "terminal: consoleSize applied and the pty is the controlling terminal");
  {
    FILE *f = fopen (err_path, "re");
    static char e[512];
    size_t n = f ? fread (e, 1, sizeof (e) - 1, f) : 0;
    e[n] = '\0';
    if (f)
      fclose (f);
    errtext = e;
  }
  tap_ok (strstr (errtext, "got /dev/ptmx (isatty=1)") != NULL && WIFEXITED (st_recv)
              && WEXITSTATUS (st_recv) == 0,
          "terminal: one message with the fd and /dev/ptmx as payload");
  if (!strstr (errtext, "isatty=1"))
    tap_diag ("receiver: %s", errtext);
  unlink (sock_path);
  unlink (ready_path);
  unlink (err_path);
  rmdir (dir);
  return tap_done ();
}

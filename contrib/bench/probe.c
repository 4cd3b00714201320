/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun-bench-probe: the measuring end of `hyrun bench`, a static program
 * that is the whole rootfs of the benchmark's bundle (and its host-side
 * helper), so the same instructions run under both isolation levels.
 * Each measurement prints one line the driver parses:
 *
 *   RESULT <name> ops=<N> ns=<elapsed> [bytes=<B>]
 *
 * Commands (several, separated by ";", in one run):
 *   true | noop                   nothing (a baseline, and the start-latency workload)
 *   syscall N                     N getppid() system calls
 *   forkexec N                    N fork + exec of this program's `true` + wait
 *   cpu N                         N rounds of an integer loop (no memory, no syscalls)
 *   seqwrite FILE MIB             write MIB MiB in 1 MiB blocks, fsync
 *   seqread FILE                  read FILE in 1 MiB blocks
 *   meta DIR N                    N files: create, stat, unlink (3N operations)
 *   tcpsend HOST PORT MIB         send MIB MiB to `serve`, wait for its ack
 *   tcprr HOST PORT N             N one-byte round trips with `serve`
 *   serve PORT                    (host side) sink or echo each connection
 *   idle                          print "idle-ready", sleep until SIGTERM
 *   sleep SECONDS                 sleep (keeps a VM alive for exit counting)
 *   time PROGRAM ARGS...          run PROGRAM; "RESULT time ops=1 ns=<wall>"
 *   run FILE                      the commands in FILE (the bundle's process)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024 * 1024)
#define MAX_WORDS 64

static uint64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
fail (const char *what)
{
  fprintf (stderr, "probe: %s: %s\n", what, strerror (errno));
  return 1;
}

static void
result (const char *name, uint64_t ops, uint64_t t0, uint64_t bytes)
{
  printf ("RESULT %s ops=%llu ns=%llu", name, (unsigned long long)ops,
          (unsigned long long)(now_ns () - t0));
  if (bytes)
    printf (" bytes=%llu", (unsigned long long)bytes);
  printf ("\n");
  fflush (stdout);
}

static uint64_t
num (const char *s)
{
  return strtoull (s, NULL, 10);
}

static int
do_syscall (uint64_t n)
{
  uint64_t t0 = now_ns (), i;

  /* syscall(2), not getppid(3): no libc may cache or vDSO it away */
  for (i = 0; i < n; i++)
    syscall (SYS_getppid);
  result ("syscall", n, t0, 0);
  return 0;
}

static int
do_forkexec (const char *self, uint64_t n)
{
  uint64_t t0 = now_ns (), i;

  for (i = 0; i < n; i++)
    {
      int st;
      pid_t p = fork ();
      if (p < 0)
        return fail ("fork");
      if (p == 0)
        {
          execl (self, self, "true", (char *)NULL);
          _exit (127);
        }
      if (waitpid (p, &st, 0) < 0 || !WIFEXITED (st) || WEXITSTATUS (st) != 0)
        {
          fprintf (stderr, "probe: forkexec: %s true failed\n", self);
          return 1;
        }
    }
  result ("forkexec", n, t0, 0);
  return 0;
}

static int
do_cpu (uint64_t n)
{
  uint64_t t0 = now_ns (), i;
  volatile uint64_t sink;
  uint64_t x = 88172645463325252ull;

  for (i = 0; i < n; i++)
    {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
    }
  sink = x;
  (void)sink;
  result ("cpu", n, t0, 0);
  return 0;
}

static int
do_seqwrite (const char *path, uint64_t mib)
{
  static char buf[MIB];
  uint64_t t0, i;
  int fd;

  memset (buf, 0xa5, sizeof (buf));
  t0 = now_ns ();
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail (path);
  for (i = 0; i < mib; i++)
    if (write (fd, buf, sizeof (buf)) != (ssize_t)sizeof (buf))
      return fail ("write");
  if (fsync (fd) < 0 || close (fd) < 0)
    return fail ("fsync");
  result ("seqwrite", mib, t0, mib * MIB);
  return 0;
}

static int
do_seqread (const char *path)
{
  static char buf[MIB];
  uint64_t t0 = now_ns (), total = 0, ops = 0;
  ssize_t r;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return fail (path);
  while ((r = read (fd, buf, sizeof (buf))) > 0)
    {
      total += (uint64_t)r;
      ops++;
    }
  if (r < 0)
    return fail ("read");
  close (fd);
  result ("seqread", ops, t0, total);
  return 0;
}

static int
do_meta (const char *dir, uint64_t n)
{
  char path[4096];
  uint64_t t0 = now_ns (), i;
  struct stat st;

  if (mkdir (dir, 0755) < 0 && errno != EEXIST)
    return fail (dir);
  for (i = 0; i < n; i++)
    {
      int fd;
      snprintf (path, sizeof (path), "%s/f%llu", dir, (unsigned long long)i);
      fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        return fail (path);
      close (fd);
    }
  for (i = 0; i < n; i++)
    {
      snprintf (path, sizeof (path), "%s/f%llu", dir, (unsigned long long)i);
      if (stat (path, &st) < 0)
        return fail (path);
    }
  for (i = 0; i < n; i++)
    {
      snprintf (path, sizeof (path), "%s/f%llu", dir, (unsigned long long)i);
      if (unlink (path) < 0)
        return fail (path);
    }
  result ("meta", 3 * n, t0, 0);
  return 0;
}

static int
dial (const char *host, const char *port, char mode)
{
  struct sockaddr_in a = { .sin_family = AF_INET };
  int fd, one = 1, tries;

  a.sin_port = htons ((uint16_t)num (port));
  if (inet_pton (AF_INET, host, &a.sin_addr) != 1)
    {
      fprintf (stderr, "probe: %s: not an IPv4 address\n", host);
      return -1;
    }
  /* a guest's interface may come up a moment after the workload starts */
  for (tries = 0;; tries++)
    {
      fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return fail ("socket"), -1;
      if (connect (fd, (struct sockaddr *)&a, sizeof (a)) == 0)
        break;
      close (fd);
      if (tries == 50)
        return fail ("connect"), -1;
      usleep (100000);
    }
  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));
  if (write (fd, &mode, 1) != 1)
    return fail ("write"), -1;
  return fd;
}

static int
do_tcpsend (const char *host, const char *port, uint64_t mib)
{
  static char buf[64 * 1024];
  uint64_t t0, left = mib * MIB, ack;
  int fd = dial (host, port, 'S');

  if (fd < 0)
    return 1;
  t0 = now_ns ();
  while (left)
    {
      ssize_t w = write (fd, buf, left < sizeof (buf) ? left : sizeof (buf));
      if (w <= 0)
        return fail ("tcp write");
      left -= (uint64_t)w;
    }
  shutdown (fd, SHUT_WR);
  if (read (fd, &ack, sizeof (ack)) != (ssize_t)sizeof (ack) || ack != mib * MIB)
    return fail ("tcp ack");
  close (fd);
  result ("tcpsend", mib, t0, mib * MIB);
  return 0;
}

static int
do_tcprr (const char *host, const char *port, uint64_t n)
{
  uint64_t t0, i;
  char c = 'x';
  int fd = dial (host, port, 'E');

  if (fd < 0)
    return 1;
  t0 = now_ns ();
  for (i = 0; i < n; i++)
    if (write (fd, &c, 1) != 1 || read (fd, &c, 1) != 1)
      return fail ("tcp round trip");
  close (fd);
  result ("tcprr", n, t0, 0);
  return 0;
}

/* serve: one child per connection; the first byte picks sink or echo. */
static void
serve_one (int c)
{
  static char buf[64 * 1024];
  uint64_t total = 0;
  ssize_t r;
  char mode;

  if (read (c, &mode, 1) != 1)
    _exit (1);
  while ((r = read (c, buf, mode == 'E' ? 1 : sizeof (buf))) > 0)
    {
      total += (uint64_t)r;
      if (mode == 'E' && write (c, buf, (size_t)r) != r)
        _exit (1);
    }
  if (mode == 'S' && write (c, &total, sizeof (total)) != (ssize_t)sizeof (total))
    _exit (1);
  _exit (0);
}

static int
do_serve (const char *port)
{
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_ANY) };
  int s = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

  a.sin_port = htons ((uint16_t)num (port));
  signal (SIGCHLD, SIG_IGN);
  setsockopt (s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof (one));
  if (s < 0 || bind (s, (struct sockaddr *)&a, sizeof (a)) < 0 || listen (s, 16) < 0)
    return fail ("serve: bind/listen");
  printf ("serving %s\n", port);
  fflush (stdout);
  for (;;)
    {
      int c = accept4 (s, NULL, NULL, SOCK_CLOEXEC);
      if (c < 0)
        continue;
      setsockopt (c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));
      if (fork () == 0)
        serve_one (c);
      close (c);
    }
}

static volatile sig_atomic_t stop;

static void
on_term (int sig)
{
  (void)sig;
  stop = 1;
}

static int
do_idle (void)
{
  /* as a container's pid 1 it has no default action for SIGTERM */
  signal (SIGTERM, on_term);
  signal (SIGINT, on_term);
  printf ("idle-ready\n");
  fflush (stdout);
  while (!stop)
    pause ();
  return 0;
}

static int
do_time (char **argv)
{
  uint64_t t0 = now_ns ();
  int st;
  pid_t p = fork ();

  if (p < 0)
    return fail ("fork");
  if (p == 0)
    {
      execvp (argv[0], argv);
      fprintf (stderr, "probe: time: %s: %s\n", argv[0], strerror (errno));
      _exit (127);
    }
  if (waitpid (p, &st, 0) < 0)
    return fail ("waitpid");
  /* a failed run is no start-latency sample */
  if (WIFEXITED (st) && WEXITSTATUS (st) == 0)
    result ("time", 1, t0, 0);
  return WIFEXITED (st) ? WEXITSTATUS (st) : 128 + WTERMSIG (st);
}

/* how many arguments each command needs */
static const struct
{
  const char *name;
  int args;
} arity[] = {
  { "syscall", 1 }, { "forkexec", 1 }, { "cpu", 1 },     { "seqwrite", 2 },
  { "seqread", 1 }, { "meta", 2 },     { "tcpsend", 3 }, { "tcprr", 3 },
  { "serve", 1 },   { "sleep", 1 },    { "time", 1 },
};

/* one command of words w[0..n-1] */
static int
command (const char *self, int n, char **w)
{
  size_t i;

  for (i = 0; i < sizeof (arity) / sizeof (arity[0]); i++)
    if (strcmp (w[0], arity[i].name) == 0 && n < arity[i].args + 1)
      {
        fprintf (stderr, "probe: %s: needs %d argument(s)\n", w[0], arity[i].args);
        return 2;
      }
  if (strcmp (w[0], "true") == 0)
    return 0;
  if (strcmp (w[0], "noop") == 0)
    return result ("noop", 1, now_ns (), 0), 0;
  if (strcmp (w[0], "idle") == 0)
    return do_idle ();
  if (strcmp (w[0], "syscall") == 0)
    return do_syscall (num (w[1]));
  if (strcmp (w[0], "forkexec") == 0)
    return do_forkexec (self, num (w[1]));
  if (strcmp (w[0], "cpu") == 0)
    return do_cpu (num (w[1]));
  if (strcmp (w[0], "seqwrite") == 0)
    return do_seqwrite (w[1], num (w[2]));
  if (strcmp (w[0], "seqread") == 0)
    return do_seqread (w[1]);
  if (strcmp (w[0], "meta") == 0)
    return do_meta (w[1], num (w[2]));
  if (strcmp (w[0], "tcpsend") == 0)
    return do_tcpsend (w[1], w[2], num (w[3]));
  if (strcmp (w[0], "tcprr") == 0)
    return do_tcprr (w[1], w[2], num (w[3]));
  if (strcmp (w[0], "serve") == 0)
    return do_serve (w[1]);
  if (strcmp (w[0], "sleep") == 0)
    return sleep ((unsigned)num (w[1])), 0;
  if (strcmp (w[0], "time") == 0)
    return do_time (w + 1);
  fprintf (stderr, "probe: unknown command %s\n", w[0]);
  return 2;
}

/* the commands in FILE, ";" between them; the first failure ends the run */
static int
run_file (const char *self, const char *path)
{
  static char text[4096];
  char *w[MAX_WORDS], *tok, *save;
  int n = 0, rc, fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t len;

  if (fd < 0)
    return fail (path);
  len = read (fd, text, sizeof (text) - 1);
  close (fd);
  if (len < 0)
    return fail (path);
  text[len] = '\0';
  for (tok = strtok_r (text, " \t\n", &save);; tok = strtok_r (NULL, " \t\n", &save))
    {
      if (tok == NULL || strcmp (tok, ";") == 0)
        {
          if (n > 0 && (rc = command (self, n, w)) != 0)
            return rc;
          n = 0;
          if (tok == NULL)
            return 0;
          continue;
        }
      if (n < MAX_WORDS - 1)
        w[n++] = tok;
      w[n] = NULL;
    }
}

int
main (int argc, char **argv)
{
  if (argc < 2)
    {
      fprintf (stderr, "usage: %s COMMAND [ARGS...] (see contrib/bench/probe.c)\n", argv[0]);
      return 2;
    }
  if (strcmp (argv[1], "run") == 0 && argc == 3)
    return run_file (argv[0], argv[2]);
  return command (argv[0], argc - 1, argv + 1);
}

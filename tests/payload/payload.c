/* SPDX-License-Identifier: GPL-2.0-or-later */
/* payload: a small static program the integration tests run inside
 * containers, printing what the runtime set up.  One command per run:
 *
 *   payload id                 uid=U gid=G groups=A,B
 *   payload cwd                the working directory
 *   payload env NAME           $NAME, or "unset"
 *   payload rlimit NAME        "soft hard" (numbers or "unlimited")
 *   payload umask              octal umask
 *   payload umask-raw N...     umask(N) as raw syscalls: "N:ok" or "N:errno=EPERM" each
 *   payload fds                the open fds other than 0-2, one per line
 *   payload status FIELD       a /proc/self/status line's value (CapEff, NoNewPrivs...)
 *   payload hostname           nodename and domainname
 *   payload exit N             exit with code N
 *   payload kill SIG           raise SIG at itself
 *   payload sleep SECONDS [--ready]  print "ready" if asked, sleep, exit 0; SIGTERM prints
 *                              "SIGTERM" and exits 143 (as pid 1 it has no default actions)
 *   payload write PATH TEXT    write TEXT to PATH (exit 1 with errno on failure)
 *   payload cat PATH           print PATH's contents
 *   payload open PATH... MODE  open each PATH (MODE r, w or rw): "PATH:ok" or "PATH:EPERM"...
 *                              (the device cgroup refuses with EPERM)
 *   payload fids DIR DEPTH N   many 9P fids at once (VM mode, tests/vm/cases.sh): see cmd_fids
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int
fail (const char *what)
{
  fprintf (stderr, "payload: %s: %s\n", what, strerror (errno));
  return 1;
}

static int
cmd_id (void)
{
  gid_t groups[256];
  int n = getgroups (256, groups);

  if (n < 0)
    return fail ("getgroups");
  printf ("uid=%u gid=%u groups=", (unsigned)getuid (), (unsigned)getgid ());
  for (int i = 0; i < n; i++)
    printf ("%s%u", i ? "," : "", (unsigned)groups[i]);
  printf ("\n");
  return 0;
}

static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  { "AS", RLIMIT_AS },
  { "CORE", RLIMIT_CORE },
  { "CPU", RLIMIT_CPU },
  { "DATA", RLIMIT_DATA },
  { "FSIZE", RLIMIT_FSIZE },
  { "LOCKS", RLIMIT_LOCKS },
  { "MEMLOCK", RLIMIT_MEMLOCK },
  { "MSGQUEUE", RLIMIT_MSGQUEUE },
  { "NICE", RLIMIT_NICE },
  { "NOFILE", RLIMIT_NOFILE },
  { "NPROC", RLIMIT_NPROC },
  { "RSS", RLIMIT_RSS },
  { "RTPRIO", RLIMIT_RTPRIO },
  { "RTTIME", RLIMIT_RTTIME },
  { "SIGPENDING", RLIMIT_SIGPENDING },
  { "STACK", RLIMIT_STACK },
};

static void
print_limit (rlim_t v)
{
  if (v == RLIM_INFINITY)
    printf ("unlimited");
  else
    printf ("%llu", (unsigned long long)v);
}

static int
cmd_rlimit (const char *name)
{
  struct rlimit rl;

  for (size_t i = 0; i < sizeof (rlimits) / sizeof (rlimits[0]); i++)
    if (strcmp (rlimits[i].name, name) == 0)
      {
        if (getrlimit (rlimits[i].resource, &rl) < 0)
          return fail ("getrlimit");
        print_limit (rl.rlim_cur);
        printf (" ");
        print_limit (rl.rlim_max);
        printf ("\n");
        return 0;
      }
  fprintf (stderr, "payload: unknown rlimit %s\n", name);
  return 2;
}

static int
cmd_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *de;

  if (d == NULL)
    return fail ("/proc/self/fd");
  while ((de = readdir (d)))
    {
      char path[PATH_MAX], link[PATH_MAX];
      int fd = atoi (de->d_name);
      ssize_t n;

      if (de->d_name[0] == '.' || fd <= 2 || fd == dirfd (d))
        continue;
      snprintf (path, sizeof (path), "/proc/self/fd/%d", fd);
      n = readlink (path, link, sizeof (link) - 1);
      link[n < 0 ? 0 : n] = '\0';
      printf ("%d %s\n", fd, link);
    }
  closedir (d);
  return 0;
}

static int
cmd_status (const char *field)
{
  FILE *f = fopen ("/proc/self/status", "re");
  char line[512];
  size_t len = strlen (field);

  if (f == NULL)
    return fail ("/proc/self/status");
  while (fgets (line, sizeof (line), f))
    if (strncmp (line, field, len) == 0 && line[len] == ':')
      {
        char *v = line + len + 1;
        v += strspn (v, " \t");
        fputs (v, stdout);
        fclose (f);
        return 0;
      }
  fclose (f);
  fprintf (stderr, "payload: no %s in /proc/self/status\n", field);
  return 2;
}

static int
cmd_cat (const char *path)
{
  char buf[4096];
  ssize_t n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return fail (path);
  while ((n = read (fd, buf, sizeof (buf))) > 0)
    fwrite (buf, 1, (size_t)n, stdout);
  close (fd);
  return n < 0 ? fail (path) : 0;
}

static int
cmd_write (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

  if (fd < 0)
    return fail (path);
  if (write (fd, text, strlen (text)) < 0)
    return fail (path);
  close (fd);
  return 0;
}

static const char *
errno_name (int e)
{
  static char buf[16];

  switch (e)
    {
    case EPERM:
      return "EPERM";
    case EACCES:
      return "EACCES";
    case ENOENT:
      return "ENOENT";
    case ENXIO:
      return "ENXIO";
    case ENODEV:
      return "ENODEV";
    case EROFS:
      return "EROFS";
    case EMFILE:
      return "EMFILE";
    case ENFILE:
      return "ENFILE";
    case ENAMETOOLONG:
      return "ENAMETOOLONG";
    }
  snprintf (buf, sizeof (buf), "errno%d", e);
  return buf;
}

static int
cmd_open (int n, char **paths, const char *mode)
{
  int flags = strcmp (mode, "rw") == 0 ? O_RDWR : strcmp (mode, "w") == 0 ? O_WRONLY : O_RDONLY;

  for (int i = 0; i < n; i++)
    {
      int fd = open (paths[i], flags | O_CLOEXEC | O_NONBLOCK);
      printf ("%s:%s\n", paths[i], fd < 0 ? errno_name (errno) : "ok");
      if (fd >= 0)
        close (fd);
    }
  return 0;
}

/* Wait for one of the blocked signals in `set`; SIGTERM ends the program
 * as `sleep` does (143). */
static int
wait_signal (const sigset_t *set)
{
  int sig;

  do
    sig = sigwaitinfo (set, NULL);
  while (sig < 0 && errno == EINTR);
  if (sig == SIGTERM)
    {
      printf ("SIGTERM\n");
      exit (143);
    }
  return sig;
}

/* fids DIR DEPTH N: a guest holding as many 9P fids as it can.  Makes DIR,
 * DEPTH nested folders of 250-character names in it (so that every path
 * the VMM's 9P server keeps per fid is near PATH_MAX) and N files at the
 * bottom (unless the last one is there: "found N"), prints "created N",
 * waits for SIGUSR2; then opens the files
 * read-write until an open fails (each such open holds an fd in the
 * VMM), the rest O_PATH until one fails (each holds a fid, no fd), prints
 * "rw R ERR, path P ERR" and "holding"; SIGUSR1 closes them all
 * ("released"); SIGTERM prints "SIGTERM" and exits 143. */
static int
cmd_fids (const char *dir, int depth, int n)
{
  sigset_t set;
  char name[251];
  int *fds, rw = 0, path = 0, rw_err = 0, path_err = 0, i;

  sigemptyset (&set);
  sigaddset (&set, SIGUSR1);
  sigaddset (&set, SIGUSR2);
  sigaddset (&set, SIGTERM);
  sigprocmask (SIG_BLOCK, &set, NULL);
  if ((mkdir (dir, 0755) < 0 && errno != EEXIST) || chdir (dir) < 0)
    return fail (dir);
  for (i = 0; i < depth; i++)
    {
      memset (name, 'a' + i % 26, sizeof (name) - 1);
      name[sizeof (name) - 1] = '\0';
      if ((mkdir (name, 0755) < 0 && errno != EEXIST) || chdir (name) < 0)
        return fail ("a nested folder");
    }
  /* made beforehand (the test's host side is faster at it): found */
  snprintf (name, sizeof (name), "f%d", n - 1);
  if (access (name, F_OK) == 0)
    printf ("found %d\n", n);
  else
    {
      for (i = 0; i < n; i++)
        {
          char f[16];
          int fd;
          snprintf (f, sizeof (f), "f%d", i);
          if ((fd = open (f, O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) < 0)
            return fail (f);
          close (fd);
        }
      printf ("created %d\n", n);
    }
  while (wait_signal (&set) != SIGUSR2)
    ;
  fds = calloc ((size_t)n, sizeof (*fds));
  if (fds == NULL)
    return fail ("calloc");
  for (i = 0; i < n; i++)
    {
      char f[16];
      snprintf (f, sizeof (f), "f%d", i);
      fds[i] = open (f, (rw_err ? O_PATH : O_RDWR) | O_CLOEXEC);
      if (fds[i] < 0 && rw_err == 0)
        {
          rw_err = errno;
          fds[i] = open (f, O_PATH | O_CLOEXEC);
        }
      if (fds[i] < 0)
        {
          path_err = errno;
          break;
        }
      if (rw_err)
        path++;
      else
        rw++;
    }
  printf ("rw %d %s, path %d %s\n", rw, rw_err ? errno_name (rw_err) : "none", path,
          path_err ? errno_name (path_err) : "none");
  printf ("holding\n");
  while (wait_signal (&set) != SIGUSR1)
    ;
  for (i = 0; i < rw + path; i++)
    close (fds[i]);
  free (fds);
  printf ("released\n");
  for (;;)
    wait_signal (&set);
}

static void
on_term (int sig)
{
  (void)sig;
  if (write (STDOUT_FILENO, "SIGTERM\n", 8) < 0)
    _exit (1);
  _exit (143);
}

int
main (int argc, char **argv)
{
  const char *cmd = argc > 1 ? argv[1] : "";
  const char *arg = argc > 2 ? argv[2] : "";

  setvbuf (stdout, NULL, _IOLBF, 0);
  if (strcmp (cmd, "id") == 0)
    return cmd_id ();
  if (strcmp (cmd, "cwd") == 0)
    {
      char buf[PATH_MAX];
      if (getcwd (buf, sizeof (buf)) == NULL)
        return fail ("getcwd");
      printf ("%s\n", buf);
      return 0;
    }
  if (strcmp (cmd, "env") == 0)
    {
      const char *v = getenv (arg);
      printf ("%s\n", v ? v : "unset");
      return 0;
    }
  if (strcmp (cmd, "rlimit") == 0)
    return cmd_rlimit (arg);
  if (strcmp (cmd, "umask-raw") == 0)
    {
      /* umask(N) as a raw syscall for each argument: "N:ok" or "N:errno"
       * (a seccomp ERRNO rule on its argument shows as errno=E) */
      for (int i = 2; i < argc; i++)
        {
          long r = syscall (SYS_umask, strtol (argv[i], NULL, 0));
          printf ("%s:%s%s ", argv[i], r < 0 ? "errno=" : "ok",
                  r < 0 ? (errno == EPERM ? "EPERM" : "other") : "");
        }
      printf ("\n");
      return 0;
    }
  if (strcmp (cmd, "umask") == 0)
    {
      mode_t m = umask (0);
      printf ("%04o\n", (unsigned)m);
      return 0;
    }
  if (strcmp (cmd, "fds") == 0)
    return cmd_fds ();
  if (strcmp (cmd, "status") == 0)
    return cmd_status (arg);
  if (strcmp (cmd, "hostname") == 0)
    {
      struct utsname u;
      uname (&u);
      printf ("%s %s\n", u.nodename, u.domainname);
      return 0;
    }
  if (strcmp (cmd, "exit") == 0)
    return atoi (arg);
  if (strcmp (cmd, "kill") == 0)
    {
      signal (atoi (arg), SIG_DFL);
      raise (atoi (arg));
      return 1;
    }
  if (strcmp (cmd, "sleep") == 0)
    {
      signal (SIGTERM, on_term);
      if (argc > 3 && strcmp (argv[3], "--ready") == 0)
        printf ("ready\n");
      sleep ((unsigned)atoi (arg));
      return 0;
    }
  if (strcmp (cmd, "write") == 0 && argc > 3)
    return cmd_write (arg, argv[3]);
  if (strcmp (cmd, "cat") == 0)
    return cmd_cat (arg);
  if (strcmp (cmd, "open") == 0 && argc > 3)
    return cmd_open (argc - 3, argv + 2, argv[argc - 1]);
  if (strcmp (cmd, "fids") == 0 && argc > 4)
    return cmd_fids (arg, atoi (argv[3]), atoi (argv[4]));
  fprintf (stderr, "payload: unknown command `%s`\n", cmd);
  return 2;
}

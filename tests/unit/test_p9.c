/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The 9P2000.L server against a real temp folder, driven with messages
 * built here as Linux's v9fs sends them: a whole session with its effects
 * checked on disk; every way out of the folder (.., names with '/', a
 * symlink to / or to ../.., through a symlinked directory, hard links and
 * renames out, device nodes) refused and checked on the host; malformed
 * messages answered with Rlerror, never a crash. */
#include "common/cleanup.h"
#include "kvm-shim/fs/p9.h"
#include "kvm-shim/fs/p9_wire.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/p9_client.h"

static char dir[64], outside[64];

static int
exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

static void
setup (void)
{
  hy_error_t err = NULL;
  char p[128];

  strcpy (dir, "/tmp/hyrun-p9.XXXXXX");
  strcpy (outside, "/tmp/hyrun-p9-out.XXXXXX");
  if (!mkdtemp (dir) || !mkdtemp (outside))
    abort ();
  snprintf (p, sizeof (p), "%s/secret", outside);
  close (open (p, O_CREAT | O_WRONLY, 0600));
  snprintf (p, sizeof (p), "%s/sub", dir);
  mkdir (p, 0755);
  snprintf (p, sizeof (p), "%s/to-root", dir);
  symlink ("/", p);
  snprintf (p, sizeof (p), "%s/to-up", dir);
  symlink ("../../../../..", p);
  snprintf (p, sizeof (p), "%s/to-out", dir);
  symlink (outside, p);
  srv = p9_server_create (dir, &err);
  if (srv == NULL)
    abort ();
}

static void
test_session (void)
{
  char p[128], buf[64];
  int fd;
  uint32_t count;

  tap_ok (msg (100, "4s", 131072 + 24, "9P2000.L") == 101, "Tversion 9P2000.L is accepted");
  tap_ok (msg (104, "44ss4", 0, NOFID, "root", "", 0) == 105, "Tattach gives the root");
  tap_ok (msg (110, "442", 0, 1, 0) == 111, "Twalk with no names clones the fid");
  tap_ok (msg (14, "4s444", 1, "file", O_RDWR | O_CREAT, 0640, 0) == 15,
          "Tlcreate makes and opens a file");
  tap_ok (msg (118, "484d", 1, (uint64_t)0, 5, 5, "hello") == 119, "Twrite writes");
  snprintf (p, sizeof (p), "%s/file", dir);
  fd = open (p, O_RDONLY);
  tap_ok (fd >= 0 && read (fd, buf, sizeof (buf)) == 5 && memcmp (buf, "hello", 5) == 0,
          "the bytes are in the host folder at once");
  close (fd);
  msg (116, "484", 1, (uint64_t)1, 100);
  count = p9_get32 (&reply);
  tap_ok (reply_type == 117 && count == 4 && memcmp (resp + 11, "ello", 4) == 0,
          "Tread at an offset reads them back");
  tap_ok (msg (72, "4s44", 0, "d", 0755, 0) == 73 && msg (110, "442s", 0, 2, 1, "d") == 111,
          "Tmkdir and a walk into the new directory");
  tap_ok (msg (16, "4ss4", 2, "ln", "../file", 0) == 17 && msg (110, "442s", 2, 3, 1, "ln") == 111
              && msg (22, "4", 3) == 23,
          "Tsymlink, then Treadlink gives the target text back");
  tap_ok (msg (74, "4s4s", 0, "file", 2, "moved") == 75 && !exists (p)
              && msg (24, "48", 1, (uint64_t)0x7ff) == 25,
          "Trenameat moves the file; the open fid follows it");
  tap_ok (msg (12, "44", 0, O_RDONLY | O_DIRECTORY) == 13
              && msg (40, "484", 0, (uint64_t)0, 8192) == 41 && p9_get32 (&reply) > 50,
          "Tlopen of the root and Treaddir list entries");
  tap_ok (msg (76, "4s4", 2, "ln", 0) == 77 && msg (8, "4", 2) == 9 && msg (50, "4", 1) == 51,
          "Tunlinkat, Tstatfs, Tfsync");
  tap_ok (msg (26, "4444488888", 1, 0x1 | 0x8, 0600, 0, 0, (uint64_t)2, (uint64_t)0, (uint64_t)0,
               (uint64_t)0, (uint64_t)0)
              == 27,
          "Tsetattr changes mode and size");
  {
    struct stat st;
    snprintf (p, sizeof (p), "%s/d/moved", dir);
    tap_ok (stat (p, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 2,
            "and the host file shows both");
  }
  tap_ok (msg (120, "4", 1) == 121 && msg (120, "4", 1) == 7 && lerror () == EBADF,
          "Tclunk frees a fid; a second clunk is EBADF");
}

static void
test_escapes (void)
{
  char p[128];

  tap_ok (msg (110, "442s", 0, 10, 1, "..") == 111 && msg (24, "48", 10, (uint64_t)0x7ff) == 25
              && p9_get64 (&reply) && (reply.off = 7 + 8, 1)
              && msg (110, "442ss", 10, 11, 2, "..", "sub") == 111,
          "walking .. at the root stays at the root");
  tap_ok (msg (110, "442s", 0, 12, 1, "a/b") == 7 && lerror () == EINVAL,
          "a name with '/' is refused");
  tap_ok (msg (110, "442ss", 0, 12, 2, "to-root", "etc") == 7 && lerror () == ENOTDIR,
          "a symlink to / is not walked through");
  tap_ok (msg (110, "442ss", 0, 12, 2, "to-out", "secret") == 7,
          "a symlink to a folder outside is not walked through");
  tap_ok (msg (110, "442s", 0, 13, 1, "to-out") == 111 && msg (12, "44", 13, O_RDONLY) == 7
              && lerror () == ELOOP,
          "Tlopen of a symlink is ELOOP, not a file outside");
  tap_ok (msg (14, "4s444", 13, "x", O_RDWR, 0644, 0) == 7
              && msg (72, "4s44", 13, "x", 0755, 0) == 7,
          "Tlcreate and Tmkdir through a symlinked directory fail");
  snprintf (p, sizeof (p), "%s/x", outside);
  tap_ok (!exists (p), "and nothing appears outside");
  tap_ok (msg (110, "442s", 0, 14, 1, "to-up") == 111 && msg (22, "4", 14) == 23,
          "Treadlink hands the guest the target text to resolve itself");
  tap_ok (msg (74, "4s4s", 0, "sub", 0, "../escaped") == 7 && lerror () == EINVAL
              && msg (70, "44s", 0, 14, "..") == 7,
          "a rename or a link whose new name leaves the folder is refused");
  tap_ok (msg (18, "4s4444", 0, "sda", S_IFBLK | 0600, 8, 0, 0) == 7 && lerror () == EPERM,
          "mknod of a block device is EPERM");
  snprintf (p, sizeof (p), "%s/sda", dir);
  tap_ok (!exists (p), "and no device node is made");
  tap_ok (msg (18, "4s4444", 0, "fifo", S_IFIFO | 0600, 0, 0, 0) == 19, "mknod of a FIFO works");
}

/* A rename racing the walks: a host thread swaps a folder of the share
 * with a symlink to a folder outside (RENAME_EXCHANGE, atomically) while
 * the server walks to, opens and reads a file under that name; no read
 * may ever return the outside file's content. */
static atomic_bool race_stop;

static void *
race_thread (void *arg)
{
  (void)arg;
  char a[128], b[128];
  snprintf (a, sizeof (a), "%s/race", dir);
  snprintf (b, sizeof (b), "%s/race-link", dir);
  while (!atomic_load (&race_stop))
    {
      renameat2 (AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
      /* let the walker in between swaps: under valgrind (one thread at a
       * time, long slices) the walker otherwise saw one state only */
      sched_yield ();
    }
  return NULL;
}

static void
test_rename_race (void)
{
  char p[128];
  int fd, inside = 0, refused = 0, leaked = 0;
  pthread_t t;

  snprintf (p, sizeof (p), "%s/race", dir);
  mkdir (p, 0755);
  snprintf (p, sizeof (p), "%s/race/f", dir);
  fd = open (p, O_CREAT | O_WRONLY, 0644);
  if (fd >= 0 && write (fd, "inside", 6) != 6)
    tap_diag ("write %s", p);
  close (fd);
  snprintf (p, sizeof (p), "%s/f", outside);
  fd = open (p, O_CREAT | O_WRONLY, 0644);
  if (fd >= 0 && write (fd, "SECRET", 6) != 6)
    tap_diag ("write %s", p);
  close (fd);
  snprintf (p, sizeof (p), "%s/race-link", dir);
  symlink (outside, p);
  atomic_store (&race_stop, false);
  pthread_create (&t, NULL, race_thread, NULL);
  for (int i = 0; i < 3000; i++)
    {
      if (msg (110, "442ss", 0, 40, 2, "race", "f") != 111)
        {
          refused++;
          continue;
        }
      if (msg (12, "44", 40, O_RDONLY) == 13 && msg (116, "484", 40, (uint64_t)0, 64) == 117)
        {
          uint32_t n = p9_get32 (&reply);
          const uint8_t *d = reply.p + reply.off;
          if (n == 6 && memcmp (d, "SECRET", 6) == 0)
            leaked++;
          else if (n == 6 && memcmp (d, "inside", 6) == 0)
            inside++;
        }
      else
        refused++;
      msg (120, "4", 40);
    }
  atomic_store (&race_stop, true);
  pthread_join (t, NULL);
  /* the race stopped with "race" either way round: put the folder back and
   * read through it once, so a run where every racing walk was refused
   * still shows the walk itself works */
  snprintf (p, sizeof (p), "%s/race/f", dir);
  if (access (p, F_OK) != 0)
    {
      char b[128];
      snprintf (p, sizeof (p), "%s/race", dir);
      snprintf (b, sizeof (b), "%s/race-link", dir);
      renameat2 (AT_FDCWD, p, AT_FDCWD, b, RENAME_EXCHANGE);
    }
  if (inside == 0 && msg (110, "442ss", 0, 40, 2, "race", "f") == 111
      && msg (12, "44", 40, O_RDONLY) == 13 && msg (116, "484", 40, (uint64_t)0, 64) == 117
      && p9_get32 (&reply) == 6 && memcmp (reply.p + reply.off, "inside", 6) == 0)
    {
      tap_diag ("every racing walk was refused; the walk after the race read the file");
      inside = 1;
    }
  msg (120, "4", 40);
  tap_ok (leaked == 0 && inside > 0,
          "a rename racing 3000 walks: %d reads inside, %d refused, %d outside", inside, refused,
          leaked);
}

static void
test_malformed (void)
{
  uint8_t bad[16] = { 20, 0, 0, 0, 110, 1, 0 };

  tap_ok (p9_server_handle (srv, bad, 7, resp, sizeof (resp)) > 0 && resp[4] == 7,
          "a size field that disagrees with the length is Rlerror");
  tap_ok (p9_server_handle (srv, bad, 3, resp, sizeof (resp)) == 0, "3 bytes get no reply");
  tap_ok (msg (110, "4422", 0, 20, 1, 300) == 7 && lerror () == EINVAL,
          "a string length past the end is EINVAL");
  tap_ok (msg (110, "442", 0, 20, 50) == 7 && lerror () == EINVAL, "more than 16 walk names");
  tap_ok (msg (116, "484", 999, (uint64_t)0, 10) == 7 && lerror () == EBADF, "an unknown fid");
  tap_ok (msg (104, "44ss4", 0, NOFID, "", "", 0) == 7 && lerror () == EBADF,
          "attaching to a fid in use");
  tap_ok (msg (2, "") == 7 && lerror () == EOPNOTSUPP, "an unknown type is EOPNOTSUPP");
  tap_ok (msg (116, "484", 0, (uint64_t)0, 0x7fffffff) == 7, "Tread of a directory fid fails");
}

/* The counters count every request with a header, by the type it names,
 * answered or refused: what a file operation costs in round trips. */
static void
test_counts (void)
{
  uint64_t walk = p9_server_requests (srv, 110), getattr = p9_server_requests (srv, 24);
  uint64_t bogus = p9_server_requests (srv, 2), all = p9_server_requests (srv, -1);
  uint8_t bad[3] = { 20, 0, 0 };
  char *text;

  msg (110, "442s", 0, 40, 1, "sub");
  msg (24, "48", 40, (uint64_t)0x7ff);
  msg (24, "48", 4040, (uint64_t)0x7ff); /* EBADF: counted all the same */
  msg (2, "");
  p9_server_handle (srv, bad, 3, resp, sizeof (resp)); /* no header: not counted */
  msg (120, "4", 40);
  tap_ok (p9_server_requests (srv, 110) == walk + 1 && p9_server_requests (srv, 24) == getattr + 2
              && p9_server_requests (srv, 2) == bogus + 1
              && p9_server_requests (srv, -1) == all + 5,
          "requests are counted by type, refused ones too, headerless ones not");
  text = p9_server_counts_text (srv);
  tap_ok (strstr (text, " requests: ") != NULL && strstr (text, "getattr ") != NULL
              && strstr (text, "type 2 ") != NULL,
          "the counts as text: %s", text);
  free (text);
}

/* The reply cap is the guest's descriptor length: 7..10 bytes hold the
 * header but not Rreaddir's count (nor an Rlerror); 11 hold an empty
 * Rreaddir. */
static void
test_tiny_reply_buffer (void)
{
  bool ok = true;

  msg (110, "442", 0, 30, 0);
  msg (12, "44", 30, O_RDONLY | O_DIRECTORY);
  for (resp_cap = 7; resp_cap <= 11; resp_cap++)
    {
      int t = msg (40, "484", 30, (uint64_t)0, 8192);
      ok = ok && (resp_cap < 11 ? t == 0 : t == 41 && p9_get32 (&reply) == 0);
      t = msg (116, "484", 30, (uint64_t)0, 100);
      ok = ok && (resp_cap < 11 ? t == 0 : t == 7);
    }
  resp_cap = sizeof (resp);
  tap_ok (
      ok,
      "Treaddir and Tread into a 7..11-byte buffer: no reply, Rlerror or nothing listed; no crash");
  tap_ok (msg (40, "484", 30, (uint64_t)0, 8192) == 41, "and the fid still works after");
  msg (120, "4", 30);
}

/* A guest opening fids without end: the server stops at its share of
 * RLIMIT_NOFILE with EMFILE, the process keeps fds of its own, and the fid
 * table stops at P9_MAX_FIDS. */
static void
test_fid_limits (void)
{
  struct p9_server *plain = srv;
  struct rlimit old, low;
  hy_error_t err = NULL;
  uint32_t i, opened = 0, first_err = 0, added = 0;
  int fd;

  if (getrlimit (RLIMIT_NOFILE, &old) < 0)
    abort ();
  low = old;
  low.rlim_cur = 400; /* a share of (400 - 128) / 2 = 136 open fids */
  if (setrlimit (RLIMIT_NOFILE, &low) < 0 || (srv = p9_server_create (dir, &err)) == NULL)
    abort ();
  msg (100, "4s", 8192, "9P2000.L");
  msg (104, "44ss4", 0, NOFID, "root", "", 0);
  for (i = 1; i <= 300; i++)
    if (msg (110, "442", 0, i, 0) == 111 && msg (12, "44", i, O_RDONLY | O_DIRECTORY) == 13)
      opened++;
    else if (first_err == 0)
      first_err = (uint32_t)lerror ();
  tap_ok (opened == 136 && first_err == EMFILE, "%u fids opened, then Rlerror %u (EMFILE)", opened,
          first_err);
  fd = open ("/", O_RDONLY | O_CLOEXEC);
  tap_ok (fd >= 0, "and the process still has fds of its own");
  close (fd);
  tap_ok (msg (120, "4", 1) == 121 && msg (12, "44", 200, O_RDONLY | O_DIRECTORY) == 13,
          "a clunk makes room for one more open");
  for (i = 301; i < 301 + P9_MAX_FIDS && msg (110, "442", 0, i, 0) == 111; i++)
    added++;
  /* fid 0 and 2..300 were there */
  tap_ok (300 + added == P9_MAX_FIDS && lerror () == EMFILE,
          "the fid table stops at %d with EMFILE (%u more)", P9_MAX_FIDS, added);
  p9_server_destroy (srv);
  srv = plain;
  setrlimit (RLIMIT_NOFILE, &old);
}

static bool
owned (const char *name, uid_t uid, gid_t gid, mode_t mode)
{
  char p[256];
  struct stat st;

  snprintf (p, sizeof (p), "%s/%s", dir, name);
  if (lstat (p, &st) < 0)
    return false;
  if (st.st_uid != uid || st.st_gid != gid || (st.st_mode & 07777) != mode)
    tap_diag ("%s: %u:%u %04o", name, st.st_uid, st.st_gid, st.st_mode & 07777);
  return st.st_uid == uid && st.st_gid == gid && (st.st_mode & 07777) == mode;
}

static void
host_file (const char *name, uid_t uid, gid_t gid, mode_t mode, bool is_dir)
{
  char p[256];

  snprintf (p, sizeof (p), "%s/%s", dir, name);
  if (is_dir ? mkdir (p, mode) : close (open (p, O_CREAT | O_WRONLY, mode))) /* close(-1) fails */
    abort ();
  if (chown (p, uid, gid) < 0 || chmod (p, mode) < 0)
    abort ();
}

/* A container with a user namespace (0 -> 100000, 65536 ids): the guest
 * acts with the mapped ids, never as host root; the namespace's root
 * keeps its power over the namespace's own files. */
static void
test_idmap (void)
{
  struct p9_idmap map = {
    .uid = { { 0, 100000, 65536 } }, .gid = { { 0, 100000, 65536 } }, .n_uid = 1, .n_gid = 1
  };
  struct p9_server *plain = srv;
  hy_error_t err = NULL;

  if (getuid () != 0)
    {
      for (int i = 0; i < 12; i++)
        tap_skip ("needs root", "9P with an id map");
      return;
    }
  strcpy (dir, "/tmp/hyrun-p9-map.XXXXXX");
  if (!mkdtemp (dir) || chown (dir, 100000, 100000) < 0 || chmod (dir, 0755) < 0)
    abort ();
  host_file ("host-root-suid", 0, 0, 04755, false);
  host_file ("host-root-dir", 0, 0, 0755, true);
  host_file ("user-secret", 101000, 101000, 0600, false);
  srv = p9_server_create (dir, &err);
  if (srv == NULL || p9_server_set_idmap (srv, &map, &err) < 0)
    abort ();
  tap_ok (msg (100, "4s", 131072 + 24, "9P2000.L") == 101
              && msg (104, "44ss4", 0, NOFID, "root", "", 0) == 105
              && msg (110, "442", 0, 1, 0) == 111,
          "idmap: the guest's root attaches");
  tap_ok (msg (14, "4s444", 1, "suid", O_RDWR | O_CREAT, 04755, 0) == 15
              && owned ("suid", 100000, 100000, 0755),
          "idmap: a file the guest's root creates is the namespace root's on the host");
  tap_ok (msg (110, "442s", 0, 2, 1, "suid") == 111
              && msg (26, "4444488888", 2, 0x2, 0, 0, 0, (uint64_t)0, (uint64_t)0, (uint64_t)0,
                      (uint64_t)0, (uint64_t)0)
                     == 7
              && lerror () == EPERM && owned ("suid", 100000, 100000, 0755),
          "idmap: chown to host uid 0 is EPERM");
  tap_ok (msg (26, "4444488888", 2, 0x1, 04755, 0, 0, (uint64_t)0, (uint64_t)0, (uint64_t)0,
               (uint64_t)0, (uint64_t)0)
                  == 27
              && owned ("suid", 100000, 100000, 04755),
          "idmap: setuid on its own file is fine (setuid to a mapped id)");
  tap_ok (msg (110, "442s", 0, 3, 1, "host-root-suid") == 111
              && msg (26, "4444488888", 3, 0x1, 04777, 0, 0, (uint64_t)0, (uint64_t)0, (uint64_t)0,
                      (uint64_t)0, (uint64_t)0)
                     == 7
              && owned ("host-root-suid", 0, 0, 04755),
          "idmap: chmod of a host root's file is refused");
  tap_ok (msg (12, "44", 3, O_WRONLY) == 7 && lerror () == EACCES,
          "idmap: a host root's setuid file cannot be opened for writing");
  tap_ok (msg (110, "442s", 0, 4, 1, "host-root-dir") == 111
              && msg (72, "4s44", 4, "x", 0755, 0) == 7 && lerror () == EACCES,
          "idmap: nothing is made in a host root's directory");
  tap_ok (msg (110, "442s", 0, 5, 1, "user-secret") == 111 && msg (12, "44", 5, O_RDWR) == 13,
          "idmap: the namespace's root opens another mapped user's 0600 file");
  tap_ok (msg (26, "4444488888", 5, 0x2 | 0x4, 0, 100005, 100005, (uint64_t)0, (uint64_t)0,
               (uint64_t)0, (uint64_t)0, (uint64_t)0)
                  == 27
              && owned ("user-secret", 100005, 100005, 0600),
          "idmap: and chowns it to another mapped id");
  tap_ok (msg (104, "44ss4", 6, NOFID, "u", "", 101000) == 105
              && msg (72, "4s44", 6, "home", 0700, 101000) == 73
              && owned ("home", 101000, 101000, 0700),
          "idmap: a mapped user's directory is that user's on the host");
  tap_ok (msg (72, "4s44", 6, "g0", 0700, 0) == 73 && owned ("g0", 101000, 100000, 0700),
          "idmap: an unmapped group (host 0) becomes the namespace root's group");
  tap_ok (setfsuid ((uid_t)-1) == 0 && setfsgid ((gid_t)-1) == 0,
          "idmap: the serving thread is host root again between requests");
  p9_server_destroy (srv);
  srv = plain;
  {
    char cmd[128];
    snprintf (cmd, sizeof (cmd), "rm -rf %s", dir);
    if (system (cmd) != 0)
      tap_diag ("could not remove %s", dir);
  }
}

int
main (void)
{
  tap_plan (56);
  setup ();
  test_session ();
  test_escapes ();
  test_rename_race ();
  test_malformed ();
  test_tiny_reply_buffer ();
  test_fid_limits ();
  test_counts ();
  p9_server_destroy (srv);
  {
    char cmd[256];
    snprintf (cmd, sizeof (cmd), "rm -rf %s %s", dir, outside);
    if (system (cmd) != 0)
      tap_diag ("could not remove %s", dir);
  }
  test_idmap ();
  return tap_done ();
}

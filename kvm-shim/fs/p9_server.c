/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The 9P2000.L server: the session (Tversion, Tattach, Tflush, Tclunk),
 * Twalk, the fid table, the path rules, and the dispatch table that maps
 * each T-message to its operation (p9_ops.c).  Parsing (p9_wire.c) is
 * separate from acting: an operation sees only checked values, and a
 * request the reader found short or malformed is answered EINVAL before
 * anything is touched. */
#include "kvm-shim/fs/p9_priv.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define P9_HDR 7 /* size[4] type[1] tag[2] */
#define RLERROR 7

/* --- fids ------------------------------------------------------------- */

struct p9_fid *
p9_fid_get (struct p9_server *srv, uint32_t num)
{
  size_t i;

  for (i = 0; i < srv->n_fids; i++)
    if (srv->fids[i]->num == num)
      return srv->fids[i];
  return NULL;
}

struct p9_fid *
p9_fid_new (struct p9_server *srv, uint32_t num, const char *path, uid_t uid, int *err)
{
  struct p9_fid *f;

  if (p9_fid_get (srv, num))
    {
      *err = EBADF;
      return NULL;
    }
  if (srv->n_fids == P9_MAX_FIDS)
    {
      *err = EMFILE;
      return NULL;
    }
  f = xzalloc (sizeof (*f));
  f->num = num;
  f->path = xstrdup (path);
  f->uid = uid;
  f->io_fd = -1;
  srv->fids[srv->n_fids++] = f;
  return f;
}

void
p9_fid_free (struct p9_server *srv, struct p9_fid *fid)
{
  size_t i;

  for (i = 0; i < srv->n_fids; i++)
    if (srv->fids[i] == fid)
      {
        srv->fids[i] = srv->fids[--srv->n_fids];
        break;
      }
  if (fid->io_fd >= 0)
    {
      close (fid->io_fd);
      srv->n_open--;
    }
  free (fid->path);
  free (fid);
}

bool
p9_fid_may_open (const struct p9_server *srv)
{
  return srv->n_open < srv->max_open;
}

void
p9_fid_opened (struct p9_server *srv, struct p9_fid *fid, int io_fd)
{
  fid->io_fd = io_fd;
  srv->n_open++;
}

void
p9_fids_moved (struct p9_server *srv, const char *from, const char *to)
{
  size_t i, n = strlen (from);

  for (i = 0; i < srv->n_fids; i++)
    {
      struct p9_fid *f = srv->fids[i];
      if (strncmp (f->path, from, n) == 0 && (f->path[n] == '\0' || f->path[n] == '/'))
        {
          char *p = xasprintf ("%s%s", to, f->path + n);
          free (f->path);
          f->path = p;
        }
    }
}

/* --- paths ------------------------------------------------------------ */

bool
p9_name_ok (const char *name)
{
  return name[0] != '\0' && strchr (name, '/') == NULL && strcmp (name, ".") != 0
         && strcmp (name, "..") != 0;
}

char *
p9_join (const char *path, const char *name)
{
  if (strlen (path) + strlen (name) + 2 > PATH_MAX)
    return NULL;
  return path[0] ? xasprintf ("%s/%s", path, name) : xstrdup (name);
}

/* Without openat2 (kernels before 5.6, valgrind): the same walk by hand,
 * one component at a time, none followed if a symlink.  Paths here are
 * made only of checked components (no "", ".", ".." or '/'). */
static int
open_path_walk (struct p9_server *srv, const char *path, int extra_flags)
{
  char buf[PATH_MAX];
  char *name, *save = NULL;
  int fd = dup (srv->root_fd), next;

  if (fd < 0)
    return -errno;
  snprintf (buf, sizeof (buf), "%s", path);
  for (name = strtok_r (buf, "/", &save); name; name = strtok_r (NULL, "/", &save))
    {
      bool last = save == NULL || *save == '\0';
      /* searching this directory: with the namespace root's rights only
       * if it is one of the namespace's own */
      p9_cred_for (srv, fd, NULL);
      next
          = openat (fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | (last ? extra_flags : O_DIRECTORY));
      if (next < 0 && errno == ENOENT)
        next = -ENOENT;
      else if (next < 0)
        next = errno == ELOOP || errno == ENOTDIR ? -ENOTDIR : -errno;
      close (fd);
      if (next < 0)
        return next;
      fd = next;
      if (!last)
        {
          struct stat st;
          if (fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
            {
              close (fd);
              return -ENOTDIR;
            }
        }
    }
  if (path[0] == '\0' && extra_flags)
    {
      p9_cred_for (srv, fd, NULL);
      next = openat (fd, ".", O_PATH | O_CLOEXEC | extra_flags);
      close (fd);
      return next < 0 ? -errno : next;
    }
  return fd;
}

int
p9_open_path (struct p9_server *srv, const char *path, int extra_flags)
{
  static bool no_openat2;
  struct open_how how
      = { .flags = (uint64_t)(O_PATH | O_NOFOLLOW | O_CLOEXEC | extra_flags),
          .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
  long fd;

  /* with an id map, each component's owner decides the rights used to
   * search it: the walk by hand */
  if (no_openat2 || srv->mapped)
    return open_path_walk (srv, path, extra_flags);
  fd = syscall (SYS_openat2, srv->root_fd, path[0] ? path : ".", &how, sizeof (how));
  if (fd < 0 && errno == ENOSYS)
    {
      no_openat2 = true;
      return open_path_walk (srv, path, extra_flags);
    }
  return fd < 0 ? -errno : (int)fd;
}

int
p9_parent (struct p9_server *srv, const char *path, const char **name)
{
  const char *slash = strrchr (path, '/');
  char dir[PATH_MAX];

  if (path[0] == '\0')
    {
      *name = ".";
      return p9_open_path (srv, "", O_DIRECTORY);
    }
  *name = slash ? slash + 1 : path;
  snprintf (dir, sizeof (dir), "%.*s", slash ? (int)(slash - path) : 0, path);
  return p9_open_path (srv, dir, O_DIRECTORY);
}

void
p9_qid_from_stat (const struct stat *st, struct p9_qid *q)
{
  q->type = S_ISDIR (st->st_mode) ? 0x80 : S_ISLNK (st->st_mode) ? 0x02 : 0;
  q->version = (uint32_t)st->st_mtim.tv_sec ^ (uint32_t)st->st_mtim.tv_nsec;
  /* inode numbers of another file system mounted inside the share must
   * not collide with the root file system's */
  q->path = (uint64_t)st->st_ino ^ ((uint64_t)st->st_dev << 48);
}

/* --- session ---------------------------------------------------------- */

static void
reset_fids (struct p9_server *srv)
{
  while (srv->n_fids)
    p9_fid_free (srv, srv->fids[0]);
}

static int
op_version (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  uint32_t msize = p9_get32 (r);
  char version[64];

  p9_getstr (r, version, sizeof (version));
  if (r->bad)
    return EINVAL;
  reset_fids (srv);
  if (msize < 4096)
    return EINVAL;
  srv->msize = msize < P9_MAX_MSIZE ? msize : P9_MAX_MSIZE;
  p9_put32 (w, srv->msize);
  p9_putstr (w, strcmp (version, "9P2000.L") == 0 ? "9P2000.L" : "unknown");
  return 0;
}

static int
op_attach (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  uint32_t fid = p9_get32 (r), n_uname;
  char uname[256], aname[256];
  struct p9_qid q;
  struct stat st;
  int e = 0;

  p9_get32 (r); /* afid: no authentication */
  p9_getstr (r, uname, sizeof (uname));
  p9_getstr (r, aname, sizeof (aname));
  n_uname = p9_get32 (r);
  if (r->bad)
    return EINVAL;
  if (fstatat (srv->root_fd, "", &st, AT_EMPTY_PATH) < 0)
    return errno;
  /* an unmapped user (the guest's own root) acts as the namespace's root */
  if (p9_fid_new (srv, fid, "", p9_cred_uid (srv, n_uname == ~0u ? 0 : n_uname), &e) == NULL)
    return e;
  p9_qid_from_stat (&st, &q);
  p9_putqid (w, &q);
  return 0;
}

static int
op_clunk (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  struct p9_fid *f = p9_fid_get (srv, p9_get32 (r));

  if (r->bad)
    return EINVAL;
  if (f == NULL)
    return EBADF;
  p9_fid_free (srv, f);
  return 0;
}

static int
op_flush (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  p9_get16 (r); /* requests are served one at a time: nothing to flush */
  return r->bad ? EINVAL : 0;
}

static int
op_xattr (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  return EOPNOTSUPP;
}

/* Twalk: names one by one from the fid's path; ".." stops at the root.
 * Each step must exist (not followed if a symlink) and all but the last
 * must be directories.  A failure after the first step returns the qids
 * walked so far and creates no newfid (9P semantics). */
static int
op_walk (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  uint32_t fid = p9_get32 (r), newfid = p9_get32 (r);
  uint16_t n = p9_get16 (r), i;
  struct p9_fid *f = p9_fid_get (srv, fid);
  char *path, name[256];
  uint8_t *count;
  int e = 0;

  if (r->bad || n > 16)
    return EINVAL;
  if (f == NULL)
    return EBADF;
  if (newfid != fid && p9_fid_get (srv, newfid))
    return EBADF;
  path = xstrdup (f->path);
  count = p9_reserve (w, 2);
  for (i = 0; i < n; i++)
    {
      struct stat st;
      struct p9_qid q;
      char *next;
      int fd;

      p9_getstr (r, name, sizeof (name));
      if (r->bad)
        e = EINVAL;
      else if (strcmp (name, "..") == 0)
        {
          char *slash = strrchr (path, '/');
          next = slash ? xstrndup (path, (size_t)(slash - path)) : xstrdup ("");
          free (path);
          path = next;
        }
      else if (!p9_name_ok (name))
        e = EINVAL;
      else if ((next = p9_join (path, name)) == NULL)
        e = ENAMETOOLONG;
      else
        {
          free (path);
          path = next;
        }
      if (e == 0 && (fd = p9_open_path (srv, path, 0)) < 0)
        e = -fd;
      else if (e == 0)
        {
          if (fstat (fd, &st) < 0)
            e = errno;
          else if (i + 1 < n && !S_ISDIR (st.st_mode))
            e = ENOTDIR;
          close (fd);
        }
      if (e)
        break;
      p9_qid_from_stat (&st, &q);
      p9_putqid (w, &q);
    }
  if (e && i == 0)
    {
      free (path);
      return e;
    }
  if (count)
    {
      count[0] = (uint8_t)i;
      count[1] = (uint8_t)(i >> 8);
    }
  if (i == n)
    {
      if (newfid == fid)
        {
          free (f->path);
          f->path = path;
          path = NULL;
        }
      else if (p9_fid_new (srv, newfid, path, f->uid, &e) == NULL)
        {
          free (path);
          return e;
        }
    }
  free (path);
  return 0;
}

/* --- dispatch --------------------------------------------------------- */

static const p9_op_fn ops[256] = {
  [8] = p9_op_statfs,   [12] = p9_op_lopen,    [14] = p9_op_lcreate,  [16] = p9_op_symlink,
  [18] = p9_op_mknod,   [20] = p9_op_rename,   [22] = p9_op_readlink, [24] = p9_op_getattr,
  [26] = p9_op_setattr, [30] = op_xattr,       [32] = op_xattr,       [40] = p9_op_readdir,
  [50] = p9_op_fsync,   [52] = p9_op_lock,     [54] = p9_op_getlock,  [70] = p9_op_link,
  [72] = p9_op_mkdir,   [74] = p9_op_renameat, [76] = p9_op_unlinkat, [100] = op_version,
  [104] = op_attach,    [108] = op_flush,      [110] = op_walk,       [116] = p9_op_read,
  [118] = p9_op_write,  [120] = op_clunk,      [122] = p9_op_remove,
};

static size_t
finish (struct p9_wr *w, uint8_t type, uint16_t tag)
{
  uint32_t size = (uint32_t)w->off;

  w->p[0] = (uint8_t)size;
  w->p[1] = (uint8_t)(size >> 8);
  w->p[2] = (uint8_t)(size >> 16);
  w->p[3] = (uint8_t)(size >> 24);
  w->p[4] = type;
  w->p[5] = (uint8_t)tag;
  w->p[6] = (uint8_t)(tag >> 8);
  return size;
}

static size_t
lerror (uint8_t *resp, size_t cap, uint16_t tag, int e)
{
  struct p9_wr w = { resp, cap, P9_HDR, false };

  if (cap < P9_HDR + 4)
    return 0;
  p9_put32 (&w, (uint32_t)e);
  return finish (&w, RLERROR, tag);
}

/* The user a request acts as: its fid's (Tversion, Tattach and Tflush
 * touch no file). */
static uint32_t
requester (struct p9_server *srv, uint8_t type, const uint8_t *req, size_t req_len)
{
  struct p9_fid *f;

  if (!srv->mapped || type == 100 || type == 104 || type == 108 || req_len < P9_HDR + 4)
    return srv->root_uid;
  f = p9_fid_get (srv, (uint32_t)req[7] | (uint32_t)req[8] << 8 | (uint32_t)req[9] << 16
                           | (uint32_t)req[10] << 24);
  return f ? f->uid : srv->root_uid;
}

size_t
p9_server_handle (struct p9_server *srv, const uint8_t *req, size_t req_len, uint8_t *resp,
                  size_t resp_cap)
{
  struct p9_rd r = { req, req_len, 0, false };
  uint32_t size = p9_get32 (&r);
  uint8_t type = p9_get8 (&r);
  uint16_t tag = p9_get16 (&r);
  struct p9_wr w;
  int e;

  if (r.bad)
    return 0;
  srv->n_requests[type]++;
  if (size != req_len || size > srv->msize)
    return lerror (resp, resp_cap, tag, EINVAL);
  if (resp_cap > srv->msize)
    resp_cap = srv->msize;
  if (ops[type] == NULL || (type & 1))
    return lerror (resp, resp_cap, tag, EOPNOTSUPP);
  if (resp_cap < P9_HDR)
    return 0;
  w = (struct p9_wr){ resp, resp_cap, P9_HDR, false };
  p9_cred_begin (srv, requester (srv, type, req, req_len));
  e = ops[type](srv, &r, &w);
  p9_cred_end (srv);
  if (e == 0 && w.full)
    e = ENOBUFS;
  if (e)
    return lerror (resp, resp_cap, tag, e);
  return finish (&w, (uint8_t)(type + 1), tag);
}

/* T-message names, as Linux's include/net/9p/9p.h without the T */
static const char *const names[256] = {
  [8] = "statfs",       [12] = "lopen",    [14] = "lcreate",  [16] = "symlink",  [18] = "mknod",
  [20] = "rename",      [22] = "readlink", [24] = "getattr",  [26] = "setattr",  [30] = "xattrwalk",
  [32] = "xattrcreate", [40] = "readdir",  [50] = "fsync",    [52] = "lock",     [54] = "getlock",
  [70] = "link",        [72] = "mkdir",    [74] = "renameat", [76] = "unlinkat", [100] = "version",
  [104] = "attach",     [108] = "flush",   [110] = "walk",    [116] = "read",    [118] = "write",
  [120] = "clunk",      [122] = "remove",
};

uint64_t
p9_server_requests (const struct p9_server *srv, int type)
{
  uint64_t n = 0;
  int i;

  if (type >= 0)
    return type < 256 ? srv->n_requests[type] : 0;
  for (i = 0; i < 256; i++)
    n += srv->n_requests[i];
  return n;
}

char *
p9_server_counts_text (const struct p9_server *srv)
{
  bool done[256] = { false };
  char *s = xasprintf ("%llu requests", (unsigned long long)p9_server_requests (srv, -1));
  const char *sep = ": ";

  for (;;)
    {
      int i, best = -1;
      char *n;

      for (i = 0; i < 256; i++)
        if (!done[i] && srv->n_requests[i]
            && (best < 0 || srv->n_requests[i] > srv->n_requests[best]))
          best = i;
      if (best < 0)
        return s;
      done[best] = true;
      if (names[best])
        n = xasprintf ("%s%s%s %llu", s, sep, names[best],
                       (unsigned long long)srv->n_requests[best]);
      else
        n = xasprintf ("%s%stype %d %llu", s, sep, best, (unsigned long long)srv->n_requests[best]);
      free (s);
      s = n;
      sep = ", ";
    }
}

uint32_t
p9_server_msize (const struct p9_server *srv)
{
  return srv->msize;
}

struct p9_server *
p9_server_create (const char *root, hy_error_t *err)
{
  struct p9_server *srv = xzalloc (sizeof (*srv));

  srv->root_fd = open (root, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (srv->root_fd < 0)
    {
      hy_error_set (err, errno, "9p: the shared folder `%s`", root);
      free (srv);
      return NULL;
    }
  srv->msize = P9_MAX_MSIZE;
  /* two servers (rootfs, volumes) share the process's fds: each may
   * hold half of what is left after a reserve for the VMM itself */
  {
    struct rlimit rl;
    rlim_t cur = getrlimit (RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
    srv->max_open = cur > 256 + 128 ? (size_t)((cur - 128) / 2) : 128;
    if (srv->max_open > P9_MAX_OPEN)
      srv->max_open = P9_MAX_OPEN;
  }
  return srv;
}

void
p9_server_destroy (struct p9_server *srv)
{
  if (srv == NULL)
    return;
  reset_fids (srv);
  close (srv->root_fd);
  free (srv);
}

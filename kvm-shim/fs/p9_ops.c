/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The 9P2000.L file operations (p9_priv.h).  Each resolves its fid's path
 * beneath the root again and acts through the parent directory's fd and
 * the last name, with *at() calls that do not follow a final symlink; a
 * file is opened for I/O only after an O_PATH open showed it is a regular
 * file or a directory, and then through that very inode (/proc/self/fd),
 * so nothing swapped in between is opened instead. */
#include "kvm-shim/fs/p9_priv.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Linux's 9P open flags (include/net/9p/9p.h P9_DOTL_*) are the x86 O_*
 * values; only these are honoured. */
#define OPEN_FLAGS_KEPT                                                                            \
  (O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECTORY | O_NOATIME | O_DSYNC | O_SYNC | O_LARGEFILE)

#define SETATTR_MODE 0x1
#define SETATTR_UID 0x2
#define SETATTR_GID 0x4
#define SETATTR_SIZE 0x8
#define SETATTR_ATIME 0x10
#define SETATTR_MTIME 0x20
#define SETATTR_ATIME_SET 0x80
#define SETATTR_MTIME_SET 0x100
#define GETATTR_BASIC 0x7ffULL

static struct p9_fid *
fid_arg (struct p9_server *srv, struct p9_rd *r, int *e)
{
  struct p9_fid *f = p9_fid_get (srv, p9_get32 (r));

  *e = r->bad ? EINVAL : f == NULL ? EBADF : 0;
  return *e ? NULL : f;
}

static int
stat_path (struct p9_server *srv, const char *path, struct stat *st)
{
  const char *name;
  int dir = p9_parent (srv, path, &name), r = 0;

  if (dir < 0)
    return -dir;
  if (fstatat (dir, name, st, AT_SYMLINK_NOFOLLOW) < 0)
    r = errno;
  close (dir);
  return r;
}

static int
put_qid_of (struct p9_server *srv, const char *path, struct p9_wr *w)
{
  struct stat st;
  struct p9_qid q;
  int e = stat_path (srv, path, &st);

  if (e)
    return e;
  p9_qid_from_stat (&st, &q);
  p9_putqid (w, &q);
  return 0;
}

int
p9_op_getattr (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  struct stat st;
  struct p9_qid q;

  p9_get64 (r); /* request_mask: the basic set is always returned */
  if (f == NULL || r->bad || (e = stat_path (srv, f->path, &st)))
    return e ? e : EINVAL;
  p9_qid_from_stat (&st, &q);
  p9_put64 (w, GETATTR_BASIC);
  p9_putqid (w, &q);
  p9_put32 (w, st.st_mode);
  p9_put32 (w, st.st_uid);
  p9_put32 (w, st.st_gid);
  p9_put64 (w, st.st_nlink);
  p9_put64 (w, st.st_rdev);
  p9_put64 (w, (uint64_t)st.st_size);
  p9_put64 (w, (uint64_t)st.st_blksize);
  p9_put64 (w, (uint64_t)st.st_blocks);
  p9_put64 (w, (uint64_t)st.st_atim.tv_sec);
  p9_put64 (w, (uint64_t)st.st_atim.tv_nsec);
  p9_put64 (w, (uint64_t)st.st_mtim.tv_sec);
  p9_put64 (w, (uint64_t)st.st_mtim.tv_nsec);
  p9_put64 (w, (uint64_t)st.st_ctim.tv_sec);
  p9_put64 (w, (uint64_t)st.st_ctim.tv_nsec);
  for (int i = 0; i < 4; i++)
    p9_put64 (w, 0); /* btime sec/nsec, gen, data_version */
  return 0;
}

/* truncate(2) by path is not on the VMM's seccomp list: open and
 * ftruncate (regular files only, as truncate allows). */
static int
truncate_proc (const char *proc, const struct stat *st, uint64_t size)
{
  int fd, e = 0;

  if (S_ISDIR (st->st_mode))
    return EISDIR;
  if (!S_ISREG (st->st_mode))
    return EINVAL;
  fd = open (proc, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return errno;
  if (ftruncate (fd, (off_t)size) < 0)
    e = errno;
  close (fd);
  return e;
}

/* chmod and truncate through the inode an O_PATH open found: a symlink
 * there is refused, not followed.  Only calls the VMM's seccomp filter
 * allows (fchmodat, not chmod: a guest's chmod killed the VMM). */
static int
via_proc (struct p9_server *srv, const char *path, uint32_t valid, uint32_t mode, uint64_t size)
{
  int fd = p9_open_path (srv, path, 0), e = 0;
  char proc[64];
  struct stat st;

  if (fd < 0)
    return -fd;
  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", fd);
  p9_cred_for (srv, fd, NULL);
  if (fstat (fd, &st) < 0)
    e = errno;
  else if (S_ISLNK (st.st_mode))
    e = (valid & SETATTR_SIZE) ? EINVAL : 0; /* a symlink's mode means nothing */
  else if ((valid & SETATTR_MODE) && fchmodat (AT_FDCWD, proc, mode & 07777, 0) < 0)
    e = errno;
  else if (valid & SETATTR_SIZE)
    e = truncate_proc (proc, &st, size);
  close (fd);
  return e;
}

int
p9_op_setattr (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  uint32_t valid = p9_get32 (r), mode = p9_get32 (r), uid = p9_get32 (r), gid = p9_get32 (r);
  uint64_t size = p9_get64 (r);
  struct timespec ts[2];
  const char *name;
  int dir;

  ts[0].tv_sec = (time_t)p9_get64 (r);
  ts[0].tv_nsec = (long)p9_get64 (r);
  ts[1].tv_sec = (time_t)p9_get64 (r);
  ts[1].tv_nsec = (long)p9_get64 (r);
  if (f == NULL || r->bad)
    return e ? e : EINVAL;
  /* no id outside the user namespace's map reaches the host */
  if (((valid & SETATTR_UID) && !p9_uid_mapped (srv, uid))
      || ((valid & SETATTR_GID) && !p9_gid_mapped (srv, gid)))
    return EPERM;
  if ((valid & (SETATTR_MODE | SETATTR_SIZE)) && (e = via_proc (srv, f->path, valid, mode, size)))
    return e;
  if ((dir = p9_parent (srv, f->path, &name)) < 0)
    return -dir;
  p9_cred_for (srv, dir, name);
  if ((valid & (SETATTR_UID | SETATTR_GID))
      && fchownat (dir, name, (valid & SETATTR_UID) ? uid : (uid_t)-1,
                   (valid & SETATTR_GID) ? gid : (gid_t)-1, AT_SYMLINK_NOFOLLOW)
             < 0)
    e = errno;
  if (e == 0 && (valid & (SETATTR_ATIME | SETATTR_MTIME)))
    {
      if (!(valid & SETATTR_ATIME))
        ts[0].tv_nsec = UTIME_OMIT;
      else if (!(valid & SETATTR_ATIME_SET))
        ts[0].tv_nsec = UTIME_NOW;
      if (!(valid & SETATTR_MTIME))
        ts[1].tv_nsec = UTIME_OMIT;
      else if (!(valid & SETATTR_MTIME_SET))
        ts[1].tv_nsec = UTIME_NOW;
      if (utimensat (dir, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
        e = errno;
    }
  close (dir);
  return e;
}

/* Open a node for I/O: only regular files and directories, reopened
 * through the inode the O_PATH open found. */
static int
open_io (struct p9_server *srv, const char *path, uint32_t flags, struct stat *st)
{
  int fd = p9_open_path (srv, path, 0), io;
  char proc[64];

  if (fd < 0)
    return fd;
  if (fstat (fd, st) < 0)
    io = -errno;
  else if (S_ISLNK (st->st_mode))
    io = -ELOOP;
  else if (!S_ISREG (st->st_mode) && !S_ISDIR (st->st_mode))
    io = -EACCES; /* devices, fifos, sockets: the guest's own business */
  else
    {
      p9_cred_for (srv, fd, NULL);
      snprintf (proc, sizeof (proc), "/proc/self/fd/%d", fd);
      io = open (proc, (int)(flags & OPEN_FLAGS_KEPT) | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
      if (io < 0)
        io = -errno;
    }
  close (fd);
  return io;
}

static void
put_open_reply (struct p9_server *srv, struct p9_wr *w, const struct stat *st)
{
  struct p9_qid q;

  p9_qid_from_stat (st, &q);
  p9_putqid (w, &q);
  p9_put32 (w, srv->msize - 24); /* iounit: a Tread/Twrite fits in msize */
}

int
p9_op_lopen (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  uint32_t flags = p9_get32 (r);
  struct stat st;
  int io;

  if (f == NULL || r->bad)
    return e ? e : EINVAL;
  if (f->io_fd >= 0)
    return EBUSY;
  if (!p9_fid_may_open (srv))
    return EMFILE;
  io = open_io (srv, f->path, flags, &st);
  if (io < 0)
    return -io;
  p9_fid_opened (srv, f, io);
  f->is_dir = S_ISDIR (st.st_mode);
  put_open_reply (srv, w, &st);
  return 0;
}

int
p9_op_lcreate (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  char name[256];
  uint32_t flags, mode, gid;
  cleanup_free char *path = NULL;
  struct stat st;
  int dir, io;

  p9_getstr (r, name, sizeof (name));
  flags = p9_get32 (r);
  mode = p9_get32 (r);
  gid = p9_get32 (r);
  if (f == NULL || r->bad)
    return e ? e : EINVAL;
  if (!p9_name_ok (name) || f->io_fd >= 0)
    return f->io_fd >= 0 ? EBUSY : EINVAL;
  if ((path = p9_join (f->path, name)) == NULL)
    return ENAMETOOLONG;
  if (!p9_fid_may_open (srv))
    return EMFILE;
  if ((dir = p9_open_path (srv, f->path, O_DIRECTORY)) < 0)
    return -dir;
  p9_cred_for (srv, dir, NULL);
  gid = p9_cred_gid (srv, gid);
  io = openat (dir, name,
               (int)(flags & OPEN_FLAGS_KEPT & ~O_DIRECTORY) | O_CREAT | O_EXCL | O_NOFOLLOW
                   | O_CLOEXEC | O_NOCTTY,
               mode & 07777);
  if (io < 0 || fchownat (dir, name, f->uid, gid, AT_SYMLINK_NOFOLLOW) < 0 || fstat (io, &st) < 0)
    e = errno;
  close (dir);
  if (e)
    {
      if (io >= 0)
        close (io);
      return e;
    }
  /* the fid now names the new file, opened */
  free (f->path);
  f->path = path;
  path = NULL;
  p9_fid_opened (srv, f, io);
  f->is_dir = false;
  put_open_reply (srv, w, &st);
  return 0;
}

int
p9_op_read (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  uint64_t off = p9_get64 (r);
  uint32_t count = p9_get32 (r);
  uint8_t *n_out, *data;
  ssize_t n;

  if (f == NULL || r->bad)
    return e ? e : EINVAL;
  if (f->io_fd < 0 || f->is_dir)
    return EBADF;
  if (w->cap - w->off < 4)
    return ENOBUFS;
  if (count > w->cap - w->off - 4)
    count = (uint32_t)(w->cap - w->off - 4);
  if ((n_out = p9_reserve (w, 4)) == NULL)
    return ENOBUFS;
  data = w->p + w->off;
  n = pread (f->io_fd, data, count, (off_t)off);
  if (n < 0)
    return errno;
  w->off += (size_t)n;
  n_out[0] = (uint8_t)n;
  n_out[1] = (uint8_t)(n >> 8);
  n_out[2] = (uint8_t)(n >> 16);
  n_out[3] = (uint8_t)(n >> 24);
  return 0;
}

int
p9_op_write (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  uint64_t off = p9_get64 (r);
  uint32_t count = p9_get32 (r);
  const uint8_t *data = p9_getbytes (r, count);
  ssize_t n;

  if (f == NULL || r->bad)
    return e ? e : EINVAL;
  if (f->io_fd < 0 || f->is_dir)
    return EBADF;
  n = pwrite (f->io_fd, data, count, (off_t)off);
  if (n < 0)
    return errno;
  p9_put32 (w, (uint32_t)n);
  return 0;
}

/* Entries from getdents64 at the fid's directory offset, as many as fit
 * in count; each carries the cookie of the next one (d_off). */
int
p9_op_readdir (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  uint64_t off = p9_get64 (r);
  uint32_t count = p9_get32 (r);
  uint8_t *n_out, buf[8192];
  size_t start, limit;
  long n;

  if (f == NULL || r->bad)
    return e ? e : EINVAL;
  if (f->io_fd < 0 || !f->is_dir)
    return EBADF;
  if (lseek (f->io_fd, (off_t)off, SEEK_SET) < 0)
    return errno;
  /* the reply cap is the guest's buffer: even the count may not fit */
  if ((n_out = p9_reserve (w, 4)) == NULL)
    return ENOBUFS;
  start = w->off;
  limit = w->off + count < w->cap ? w->off + count : w->cap;
  while ((n = syscall (SYS_getdents64, f->io_fd, buf, sizeof (buf))) > 0)
    {
      long pos = 0;
      while (pos < n)
        {
          struct dirent64 *d = (struct dirent64 *)(buf + pos);
          size_t len = strlen (d->d_name);
          struct p9_qid q = { d->d_type == DT_DIR   ? 0x80
                              : d->d_type == DT_LNK ? 0x02
                                                    : 0,
                              0, d->d_ino };
          if (w->off + 13 + 8 + 1 + 2 + len > limit)
            goto full;
          p9_putqid (w, &q);
          p9_put64 (w, (uint64_t)d->d_off);
          p9_put8 (w, d->d_type);
          p9_putstr (w, d->d_name);
          pos += d->d_reclen;
        }
    }
  if (n < 0)
    return errno;
full:
  {
    uint32_t got = (uint32_t)(w->off - start);
    n_out[0] = (uint8_t)got;
    n_out[1] = (uint8_t)(got >> 8);
    n_out[2] = (uint8_t)(got >> 16);
    n_out[3] = (uint8_t)(got >> 24);
  }
  return 0;
}

/* mkdir, symlink, mknod: made in the fid's directory, owned by the fid's
 * user and the group the guest asks for. */
static int
made (struct p9_server *srv, struct p9_fid *f, int dir, const char *name, gid_t gid,
      struct p9_wr *w)
{
  cleanup_free char *path = p9_join (f->path, name);
  int e = 0;

  if (fchownat (dir, name, f->uid, p9_cred_gid (srv, gid), AT_SYMLINK_NOFOLLOW) < 0)
    e = errno;
  close (dir);
  if (e == 0)
    e = put_qid_of (srv, path, w);
  return e;
}

int
p9_op_mkdir (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  char name[256];
  uint32_t mode, gid;
  int dir;

  p9_getstr (r, name, sizeof (name));
  mode = p9_get32 (r);
  gid = p9_get32 (r);
  if (f == NULL || r->bad || !p9_name_ok (name))
    return e ? e : EINVAL;
  if ((dir = p9_open_path (srv, f->path, O_DIRECTORY)) < 0)
    return -dir;
  p9_cred_for (srv, dir, NULL);
  if (mkdirat (dir, name, mode & 07777) < 0)
    {
      e = errno;
      close (dir);
      return e;
    }
  return made (srv, f, dir, name, gid, w);
}

int
p9_op_symlink (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  char name[256], target[PATH_MAX];
  uint32_t gid;
  int dir;

  p9_getstr (r, name, sizeof (name));
  p9_getstr (r, target, sizeof (target));
  gid = p9_get32 (r);
  if (f == NULL || r->bad || !p9_name_ok (name) || target[0] == '\0')
    return e ? e : EINVAL;
  if ((dir = p9_open_path (srv, f->path, O_DIRECTORY)) < 0)
    return -dir;
  p9_cred_for (srv, dir, NULL);
  if (symlinkat (target, dir, name) < 0)
    {
      e = errno;
      close (dir);
      return e;
    }
  return made (srv, f, dir, name, gid, w);
}

/* Device nodes are refused: one made in the shared folder would be a
 * host device node, usable by anything on the host that trusts the
 * folder.  FIFOs, sockets and regular files are fine. */
int
p9_op_mknod (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  char name[256];
  uint32_t mode, major, minor, gid;
  int dir;

  p9_getstr (r, name, sizeof (name));
  mode = p9_get32 (r);
  major = p9_get32 (r);
  minor = p9_get32 (r);
  gid = p9_get32 (r);
  if (f == NULL || r->bad || !p9_name_ok (name))
    return e ? e : EINVAL;
  if (S_ISCHR (mode) || S_ISBLK (mode))
    return EPERM;
  if ((dir = p9_open_path (srv, f->path, O_DIRECTORY)) < 0)
    return -dir;
  p9_cred_for (srv, dir, NULL);
  if (mknodat (dir, name, mode & (S_IFMT | 07777), makedev (major, minor)) < 0)
    {
      e = errno;
      close (dir);
      return e;
    }
  return made (srv, f, dir, name, gid, w);
}

int
p9_op_readlink (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  char target[PATH_MAX];
  const char *name;
  ssize_t n;
  int dir;

  if (f == NULL)
    return e;
  if ((dir = p9_parent (srv, f->path, &name)) < 0)
    return -dir;
  n = readlinkat (dir, name, target, sizeof (target) - 1);
  e = n < 0 ? errno : 0;
  close (dir);
  if (e)
    return e;
  target[n] = '\0';
  p9_putstr (w, target);
  return 0;
}

int
p9_op_link (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  struct p9_fid *d = p9_fid_get (srv, p9_get32 (&*r)), *f = p9_fid_get (srv, p9_get32 (r));
  char name[256];
  const char *old;
  int ddir, odir, e = 0;

  p9_getstr (r, name, sizeof (name));
  if (r->bad || !p9_name_ok (name))
    return EINVAL;
  if (d == NULL || f == NULL)
    return EBADF;
  if ((ddir = p9_open_path (srv, d->path, O_DIRECTORY)) < 0)
    return -ddir;
  if ((odir = p9_parent (srv, f->path, &old)) < 0)
    e = -odir;
  else
    {
      /* the namespace root's rights only if both the target folder and
       * the file linked are the namespace's own */
      p9_cred_caps (srv, p9_inode_mapped (srv, ddir, NULL) && p9_inode_mapped (srv, odir, old));
      if (linkat (odir, old, ddir, name, 0) < 0)
        e = errno;
    }
  if (odir >= 0)
    close (odir);
  close (ddir);
  return e;
}

static int
rename_in (struct p9_server *srv, const char *from, const char *to_dir, const char *to_name)
{
  cleanup_free char *to = p9_join (to_dir, to_name);
  const char *old;
  int odir, ndir, e = 0;

  if (to == NULL)
    return ENAMETOOLONG;
  if (from[0] == '\0')
    return EBUSY; /* the root stays */
  if ((odir = p9_parent (srv, from, &old)) < 0)
    return -odir;
  if ((ndir = p9_open_path (srv, to_dir, O_DIRECTORY)) < 0)
    e = -ndir;
  else
    {
      p9_cred_caps (srv, p9_inode_mapped (srv, odir, NULL) && p9_inode_mapped (srv, ndir, NULL));
      if (renameat (odir, old, ndir, to_name) < 0)
        e = errno;
    }
  close (odir);
  if (ndir >= 0)
    close (ndir);
  if (e == 0)
    p9_fids_moved (srv, from, to);
  return e;
}

int
p9_op_rename (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  struct p9_fid *f = p9_fid_get (srv, p9_get32 (r)), *d = p9_fid_get (srv, p9_get32 (r));
  char name[256];
  cleanup_free char *from = NULL;

  p9_getstr (r, name, sizeof (name));
  if (r->bad || !p9_name_ok (name))
    return EINVAL;
  if (f == NULL || d == NULL)
    return EBADF;
  from = xstrdup (f->path);
  return rename_in (srv, from, d->path, name);
}

int
p9_op_renameat (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  struct p9_fid *od = p9_fid_get (srv, p9_get32 (r)), *nd;
  char oname[256], nname[256];
  cleanup_free char *from = NULL, *to_dir = NULL;

  p9_getstr (r, oname, sizeof (oname));
  nd = p9_fid_get (srv, p9_get32 (r));
  p9_getstr (r, nname, sizeof (nname));
  if (r->bad || !p9_name_ok (oname) || !p9_name_ok (nname))
    return EINVAL;
  if (od == NULL || nd == NULL)
    return EBADF;
  if ((from = p9_join (od->path, oname)) == NULL)
    return ENAMETOOLONG;
  to_dir = xstrdup (nd->path);
  return rename_in (srv, from, to_dir, nname);
}

int
p9_op_unlinkat (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *d = fid_arg (srv, r, &e);
  char name[256];
  uint32_t flags;
  int dir;

  p9_getstr (r, name, sizeof (name));
  flags = p9_get32 (r);
  if (d == NULL || r->bad || !p9_name_ok (name))
    return e ? e : EINVAL;
  if ((dir = p9_open_path (srv, d->path, O_DIRECTORY)) < 0)
    return -dir;
  p9_cred_for (srv, dir, NULL);
  e = unlinkat (dir, name, (flags & AT_REMOVEDIR) ? AT_REMOVEDIR : 0) < 0 ? errno : 0;
  close (dir);
  return e;
}

int
p9_op_remove (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  const char *name;
  struct stat st;
  int dir;

  if (f == NULL)
    return e;
  if (f->path[0] == '\0')
    e = EBUSY;
  else if ((dir = p9_parent (srv, f->path, &name)) < 0)
    e = -dir;
  else
    {
      p9_cred_for (srv, dir, NULL);
      if (fstatat (dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0
          || unlinkat (dir, name, S_ISDIR (st.st_mode) ? AT_REMOVEDIR : 0) < 0)
        e = errno;
      close (dir);
    }
  /* Tremove clunks the fid whatever happened */
  p9_fid_free (srv, f);
  return e;
}

int
p9_op_statfs (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  struct statfs s;
  int fd;

  if (f == NULL)
    return e;
  if ((fd = p9_open_path (srv, f->path, 0)) < 0)
    return -fd;
  e = fstatfs (fd, &s) < 0 ? errno : 0;
  close (fd);
  if (e)
    return e;
  p9_put32 (w, (uint32_t)s.f_type);
  p9_put32 (w, (uint32_t)s.f_bsize);
  p9_put64 (w, s.f_blocks);
  p9_put64 (w, s.f_bfree);
  p9_put64 (w, s.f_bavail);
  p9_put64 (w, s.f_files);
  p9_put64 (w, s.f_ffree);
  p9_put64 (w, 0);
  p9_put32 (w, (uint32_t)s.f_namelen);
  return 0;
}

int
p9_op_fsync (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);

  if (f == NULL)
    return e;
  if (f->io_fd >= 0 && fsync (f->io_fd) < 0)
    return errno;
  return 0;
}

/* Byte-range locks live in the guest kernel (v9fs asks; we grant): the
 * share has one client. */
int
p9_op_lock (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);

  if (f == NULL)
    return e;
  p9_put8 (w, 0); /* P9_LOCK_SUCCESS */
  return 0;
}

int
p9_op_getlock (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w)
{
  int e;
  struct p9_fid *f = fid_arg (srv, r, &e);
  uint64_t start, length;
  uint32_t proc;
  char client[256];

  p9_get8 (r);
  start = p9_get64 (r);
  length = p9_get64 (r);
  proc = p9_get32 (r);
  p9_getstr (r, client, sizeof (client));
  if (f == NULL || r->bad)
    return e ? e : EINVAL;
  p9_put8 (w, 2); /* F_UNLCK: nothing held */
  p9_put64 (w, start);
  p9_put64 (w, length);
  p9_put32 (w, proc);
  p9_putstr (w, client);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the 9P server: the fid table and the path rules shared by
 * p9_server.c (session, walk, dispatch) and p9_ops.c (file operations). */
#ifndef P9_PRIV_H
#define P9_PRIV_H

#include "kvm-shim/fs/p9.h"
#include "kvm-shim/fs/p9_wire.h"

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* A fid names a node by its path relative to the shared root ("" is the
 * root): every use resolves it again beneath the root, so a rename or a
 * symlink swapped in by the host cannot redirect it outside. */
struct p9_fid
{
  uint32_t num;
  char *path;
  uid_t uid;   /* from Tattach's n_uname: owner of what this fid creates */
  int io_fd;   /* after Tlopen/Tlcreate, else -1 */
  bool is_dir; /* io_fd is a directory (Treaddir) */
};

struct p9_server
{
  int root_fd; /* O_PATH of the shared folder */
  uint32_t msize;
  struct p9_fid *fids[P9_MAX_FIDS];
  size_t n_fids;
  /* fids with an open io_fd, and how many may be: the VMM's own fds
   * (vCPUs, sockets, the exec socket) must never run out */
  size_t n_open, max_open;
  /* p9_cred.c: the user namespace's map, when the container has one */
  bool mapped;
  struct p9_idmap map;
  uint32_t root_uid, root_gid; /* what unmapped requesters act as */
  uint32_t saved_fsuid, saved_fsgid;
  /* requests served, by T-message type (p9_server_counts) */
  uint64_t n_requests[256];
};

struct p9_fid *p9_fid_get (struct p9_server *srv, uint32_t num);
struct p9_fid *p9_fid_new (struct p9_server *srv, uint32_t num, const char *path, uid_t uid,
                           int *err);
void p9_fid_free (struct p9_server *srv, struct p9_fid *fid);
/* Whether another fid may hold an open fd (else the op answers EMFILE);
 * p9_fid_opened counts one that now does. */
bool p9_fid_may_open (const struct p9_server *srv);
void p9_fid_opened (struct p9_server *srv, struct p9_fid *fid, int io_fd);
/* After a rename: fids at or under `from` now live under `to`. */
void p9_fids_moved (struct p9_server *srv, const char *from, const char *to);

/* A guest-supplied component: not empty, no '/', not "." or "..". */
bool p9_name_ok (const char *name);
/* path + "/" + name (malloc'd); NULL when too long. */
char *p9_join (const char *path, const char *name);
/* O_PATH|O_NOFOLLOW fd of `path` beneath the root; -errno. */
int p9_open_path (struct p9_server *srv, const char *path, int extra_flags);
/* The parent directory (O_PATH fd) and last component of a fid's path,
 * for the *at() calls; the root is (root dir, "."). */
int p9_parent (struct p9_server *srv, const char *path, const char **name);
void p9_qid_from_stat (const struct stat *st, struct p9_qid *q);

/* Ids (p9_cred.c).  Without a map every id is "mapped" and these do
 * nothing.  A request runs between begin and end as the (mapped) uid;
 * p9_cred_for raises the file-system capabilities for what follows when
 * the inode (dirfd, or name in dirfd, not followed) has a mapped owner and
 * group, and drops them otherwise. */
bool p9_uid_mapped (const struct p9_server *srv, uint32_t uid);
bool p9_gid_mapped (const struct p9_server *srv, uint32_t gid);
uint32_t p9_cred_uid (const struct p9_server *srv, uint32_t uid);
uint32_t p9_cred_gid (const struct p9_server *srv, uint32_t gid);
void p9_cred_begin (struct p9_server *srv, uint32_t uid);
void p9_cred_end (struct p9_server *srv);
bool p9_inode_mapped (const struct p9_server *srv, int dirfd, const char *name);
void p9_cred_caps (struct p9_server *srv, bool mapped_inode);
void p9_cred_for (struct p9_server *srv, int dirfd, const char *name);

/* Each operation reads its arguments from r and writes its reply body to
 * w; returns 0 or a positive errno for Rlerror. */
typedef int (*p9_op_fn) (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_getattr (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_setattr (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_lopen (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_lcreate (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_read (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_write (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_readdir (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_mkdir (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_symlink (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_mknod (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_readlink (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_link (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_rename (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_renameat (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_unlinkat (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_remove (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_statfs (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_fsync (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_lock (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);
int p9_op_getlock (struct p9_server *srv, struct p9_rd *r, struct p9_wr *w);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whose rights a 9P request uses on the host (p9.h, p9_server_set_idmap).
 * Without a map the server acts with the VMM's own ids, as a container
 * without a user namespace acts as host root.  With one, each request runs
 * with the requester's ids as the thread's fsuid/fsgid, so the kernel
 * checks it as that host user, and the file-system capabilities are raised
 * only while an operation touches an inode whose owner and group are both
 * mapped: what a user namespace's root may do (the kernel's
 * capable_wrt_inode_uidgid rule), nothing on the host's own files. */
#include "kvm-shim/fs/p9_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The capabilities that setfsuid() to a non-zero id drops (the kernel's
 * CAP_FS_MASK) less CAP_LINUX_IMMUTABLE and CAP_MAC_OVERRIDE: mapped
 * inodes may be chowned, chmod'ed, read or written past their mode bits,
 * as the namespace's root may. */
#define FS_CAPS                                                                                    \
  ((1u << CAP_CHOWN) | (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER) \
   | (1u << CAP_FSETID))

/* This thread's fs capabilities as last set (-1: not known): a walk asks
 * at every component, and the answer rarely changes. */
static __thread int fs_caps_raised = -1;

static bool
in_ranges (const struct p9_idrange *r, size_t n, uint32_t id)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (id >= r[i].outside && id - r[i].outside < r[i].count)
      return true;
  return false;
}

/* host id -> the container's id -> the host id in the other table */
static bool
translate (const struct p9_idrange *from, size_t n_from, const struct p9_idrange *to, size_t n_to,
           uint32_t id, uint32_t *out)
{
  size_t i, j;

  for (i = 0; i < n_from; i++)
    if (id >= from[i].outside && id - from[i].outside < from[i].count)
      {
        uint32_t inside = from[i].inside + (id - from[i].outside);
        for (j = 0; j < n_to; j++)
          if (inside >= to[j].inside && inside - to[j].inside < to[j].count)
            {
              *out = to[j].outside + (inside - to[j].inside);
              return true;
            }
      }
  return false;
}

bool
p9_uid_mapped (const struct p9_server *srv, uint32_t uid)
{
  return !srv->mapped || in_ranges (srv->map.uid, srv->map.n_uid, uid);
}

bool
p9_gid_mapped (const struct p9_server *srv, uint32_t gid)
{
  return !srv->mapped || in_ranges (srv->map.gid, srv->map.n_gid, gid);
}

uint32_t
p9_cred_uid (const struct p9_server *srv, uint32_t uid)
{
  return p9_uid_mapped (srv, uid) ? uid : srv->root_uid;
}

uint32_t
p9_cred_gid (const struct p9_server *srv, uint32_t gid)
{
  return p9_gid_mapped (srv, gid) ? gid : srv->root_gid;
}

int
p9_server_set_idmap (struct p9_server *srv, const struct p9_idmap *map, hy_error_t *err)
{
  uint32_t zero_uid = 0, zero_gid = 0;
  struct p9_idrange self = { 0, 0, 1 };

  if (map == NULL)
    {
      srv->mapped = false;
      return 0;
    }
  if (map->n_uid == 0 || map->n_gid == 0 || map->n_uid > P9_IDMAP_MAX || map->n_gid > P9_IDMAP_MAX)
    return hy_error_set (err, EINVAL, "9p: an id map needs 1 to %d uid and gid ranges",
                         P9_IDMAP_MAX);
  srv->map = *map;
  /* what unmapped requesters (the guest's own root, the agent) become:
   * the container's root, or the first mapped id when 0 is not mapped */
  if (!translate (&self, 1, map->uid, map->n_uid, 0, &zero_uid))
    zero_uid = map->uid[0].outside;
  if (!translate (&self, 1, map->gid, map->n_gid, 0, &zero_gid))
    zero_gid = map->gid[0].outside;
  srv->root_uid = zero_uid;
  srv->root_gid = zero_gid;
  srv->mapped = true;
  /* host root's supplementary groups would count for group permissions:
   * none (this thread and all, before any serving thread exists) */
  if (setgroups (0, NULL) < 0)
    return hy_error_set (err, errno, "9p: drop the supplementary groups");
  return 0;
}

void
p9_cred_begin (struct p9_server *srv, uint32_t uid)
{
  uint32_t gid;

  if (!srv->mapped)
    return;
  uid = p9_cred_uid (srv, uid);
  if (!translate (srv->map.uid, srv->map.n_uid, srv->map.gid, srv->map.n_gid, uid, &gid))
    gid = srv->root_gid;
  /* setfsuid()/setfsgid() are per thread (glibc does not broadcast
   * them) and return the previous value; leaving a non-zero fsuid makes
   * the kernel drop the file-system capabilities from the effective set */
  srv->saved_fsgid = (uint32_t)setfsgid (gid);
  srv->saved_fsuid = (uint32_t)setfsuid (uid);
  fs_caps_raised = uid == 0 ? -1 : 0;
}

void
p9_cred_end (struct p9_server *srv)
{
  if (!srv->mapped)
    return;
  /* back to fsuid 0: the kernel raises the permitted fs caps again */
  setfsuid (srv->saved_fsuid);
  setfsgid (srv->saved_fsgid);
  fs_caps_raised = -1;
}

static void
set_fs_caps (bool raise)
{
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];

  if (fs_caps_raised == (int)raise)
    return;
  fs_caps_raised = -1;
  if (syscall (SYS_capget, &h, d) < 0)
    return;
  if (raise)
    d[0].effective |= FS_CAPS & d[0].permitted;
  else
    d[0].effective &= ~FS_CAPS;
  if (syscall (SYS_capset, &h, d) == 0)
    fs_caps_raised = raise;
}

bool
p9_inode_mapped (const struct p9_server *srv, int dirfd, const char *name)
{
  struct stat st;

  if (!srv->mapped)
    return true;
  if (fstatat (dirfd, name ? name : "", &st, name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH) < 0)
    return false;
  return p9_uid_mapped (srv, st.st_uid) && p9_gid_mapped (srv, st.st_gid);
}

void
p9_cred_caps (struct p9_server *srv, bool mapped_inode)
{
  if (srv->mapped)
    set_fs_caps (mapped_inode);
}

void
p9_cred_for (struct p9_server *srv, int dirfd, const char *name)
{
  if (srv->mapped)
    set_fs_caps (p9_inode_mapped (srv, dirfd, name));
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Volumes in VM mode (volumes.h): the plan of config.json's bind mounts,
 * the guest's rewritten mounts, and the staging tmpfs the VMM exports over
 * virtio-9p.  The 9P server resolves every path beneath the staging root
 * with RESOLVE_BENEATH, which crosses the bind mounts on the entries (it
 * forbids "..", absolute paths and symlinks, not mount points); a source
 * mounted read-only here answers EROFS to the guest. */
#include "kvm-shim/vmm/volumes.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "kvm-shim/proto/vmproto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

/* --- the plan ----------------------------------------------------------- */

static const char *
refused_kind (mode_t mode)
{
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  if (S_ISFIFO (mode))
    return "a fifo";
  return NULL;
}

static bool
is_shm (const char *dest)
{
  size_t n = strlen (dest);

  while (n > 1 && dest[n - 1] == '/')
    n--;
  return n == 8 && strncmp (dest, "/dev/shm", 8) == 0;
}

/* /dev/shm: podman binds a tmpfs of its own (userdata/shm) that the guest
 * cannot share; the guest gets a tmpfs of the same size instead, with the
 * mount's flags.  (So /dev/shm is not shared with the host or with other
 * containers, as it would be with --ipc=container:...) */
static void
plan_shm (const struct spec_mount *m, struct vmm_volume *v, struct spec_mount *g)
{
  struct statfs sf;
  size_t i, n = 0;

  v->kind = VMM_VOL_SHM;
  v->shm_options = xcalloc (m->n_options + 2, sizeof (char *));
  for (i = 0; i < m->n_options; i++)
    if (strcmp (m->options[i], "bind") != 0 && strcmp (m->options[i], "rbind") != 0)
      v->shm_options[n++] = m->options[i];
  v->shm_mode = xstrdup ("mode=1777");
  v->shm_options[n++] = v->shm_mode;
  if (m->source && statfs (m->source, &sf) == 0 && sf.f_type == TMPFS_MAGIC)
    {
      v->shm_size = xasprintf ("size=%llu",
                               (unsigned long long)sf.f_blocks * (unsigned long long)sf.f_bsize);
      v->shm_options[n++] = v->shm_size;
    }
  g->type = (char *)"tmpfs";
  g->source = (char *)"shm";
  g->options = v->shm_options;
  g->n_options = n;
}

static int
plan_bind (size_t i, const struct spec_mount *m, const char *bundle, const char *rootfs,
           struct vmm_volume *v, struct spec_mount *g, hy_error_t *err)
{
  cleanup_free char *path
      = m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", bundle, m->source);
  char real[PATH_MAX];
  size_t n = strlen (rootfs);
  const char *kind;
  struct stat st;

  if (realpath (path, real) == NULL || stat (real, &st) < 0)
    return hy_error_set (err, errno, "config.json: mounts[%zu].source: `%s`", i, m->source);
  if ((kind = refused_kind (st.st_mode)))
    return hy_error_set (err, 0,
                         "config.json: mounts[%zu]: bind mount of `%s` on `%s`: %s cannot be "
                         "shared with a VM guest (io.hyrun.isolation=vm)",
                         i, m->source, m->destination, kind);
  if (strncmp (real, rootfs, n) == 0 && (real[n] == '\0' || real[n] == '/'))
    {
      v->kind = VMM_VOL_ROOTFS;
      v->guest = xasprintf ("%s%s", VMPROTO_ROOTFS_DIR, real + n);
    }
  else
    {
      v->kind = VMM_VOL_STAGED;
      v->host = xstrdup (real);
      v->guest = xasprintf ("%s/%zu", VMPROTO_VOLS_DIR, i);
      v->dir = S_ISDIR (st.st_mode);
      v->ro = (m->flags & MS_RDONLY) != 0 || (m->attr_set & MOUNT_ATTR_RDONLY) != 0;
      v->rro = (m->attr_set & MOUNT_ATTR_RDONLY) != 0;
      v->recursive = m->recursive;
    }
  g->source = v->guest;
  return 0;
}

int
vmm_volumes_plan (const struct spec *spec, const char *bundle, const char *rootfs,
                  struct vmm_volumes *out, hy_error_t *err)
{
  size_t i;

  memset (out, 0, sizeof (*out));
  out->n = spec->n_mounts;
  out->v = xcalloc (out->n + 1, sizeof (*out->v));
  out->guest = xcalloc (out->n + 1, sizeof (*out->guest));
  for (i = 0; i < out->n; i++)
    {
      const struct spec_mount *m = &spec->mounts[i];
      out->guest[i] = *m;
      if (!m->bind)
        continue;
      if (is_shm (m->destination))
        plan_shm (m, &out->v[i], &out->guest[i]);
      else if (plan_bind (i, m, bundle, rootfs, &out->v[i], &out->guest[i], err) < 0)
        {
          vmm_volumes_fini (out);
          return -1;
        }
      if (out->v[i].kind == VMM_VOL_STAGED)
        out->n_staged++;
    }
  return 0;
}

void
vmm_volumes_fini (struct vmm_volumes *vols)
{
  size_t i;

  for (i = 0; vols->v && i < vols->n; i++)
    {
      free (vols->v[i].host);
      free (vols->v[i].guest);
      free (vols->v[i].shm_options);
      free (vols->v[i].shm_mode);
      free (vols->v[i].shm_size);
    }
  free (vols->v);
  free (vols->guest);
  memset (vols, 0, sizeof (*vols));
}

/* --- staging (in the VMM) ----------------------------------------------- */

/* Read-only on the bind just made (with rro on every mount below it):
 * mount_setattr changes only that bit; without it (before Linux 5.12) a
 * remount that keeps the flags the source mount has (an unprivileged
 * remount may not clear them). */
static int
make_ro (const char *target, bool recursive, hy_error_t *err)
{
  struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
  struct statvfs sv;
  unsigned long keep = 0;

  if (mount_setattr (AT_FDCWD, target, recursive ? AT_RECURSIVE : 0, &attr, sizeof (attr)) == 0)
    return 0;
  if (errno != ENOSYS || recursive)
    return hy_error_set (err, errno, "make `%s` read-only", target);
  if (statvfs (target, &sv) < 0)
    return hy_error_set (err, errno, "statvfs `%s`", target);
  keep |= sv.f_flag & ST_NOSUID ? MS_NOSUID : 0;
  keep |= sv.f_flag & ST_NODEV ? MS_NODEV : 0;
  keep |= sv.f_flag & ST_NOEXEC ? MS_NOEXEC : 0;
  keep |= sv.f_flag & ST_NOATIME ? MS_NOATIME : 0;
  keep |= sv.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0;
  keep |= sv.f_flag & ST_RELATIME ? MS_RELATIME : 0;
  if (mount (NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
    return hy_error_set (err, errno, "make `%s` read-only", target);
  return 0;
}

/* Entry i: the source opened once (a symlink followed, as mount(2) does),
 * checked to be what the plan saw, then bound from that fd, so a source
 * swapped for a device since create cannot slip in. */
static int
stage_one (size_t i, const struct vmm_volume *v, const char *dir, hy_error_t *err)
{
  cleanup_close int src = open (v->host, O_PATH | O_CLOEXEC);
  cleanup_free char *target = xasprintf ("%s/%zu", dir, i);
  char proc[64];
  struct stat st;
  int fd;

  if (src < 0 || fstat (src, &st) < 0)
    return hy_error_set (err, errno, "`%s`", v->host);
  if (S_ISDIR (st.st_mode) != v->dir || (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode)))
    return hy_error_set (err, 0, "`%s` changed type since create", v->host);
  if (v->dir)
    fd = mkdir (target, 0755);
  else if ((fd = open (target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0)
    fd = close (fd);
  if (fd < 0)
    return hy_error_set (err, errno, "create `%s`", target);
  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", src);
  if (mount (proc, target, NULL, MS_BIND | (v->recursive ? MS_REC : 0), NULL) < 0)
    return hy_error_set (err, errno, "bind `%s` on `%s`", v->host, target);
  if (v->ro && make_ro (target, v->rro, err) < 0)
    return -1;
  return 0;
}

int
vmm_volumes_stage (const struct vmm_volumes *vols, const char *dir, hy_error_t *err)
{
  cleanup_free char *opts = NULL;
  size_t i;

  if (vols == NULL || vols->n_staged == 0)
    return 0;
  /* A copy of the mount namespace the VMM is in (the container's, or the
   * host's), receiving its events but sending none back. */
  if (unshare (CLONE_NEWNS) < 0)
    return hy_error_set (err, errno, "volumes: a mount namespace for the VMM");
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return hy_error_set (err, errno, "volumes: make the VMM's mounts slaves");
  /* empty files and folders take no blocks: one page, an inode each */
  opts = xasprintf ("mode=0755,size=4k,nr_inodes=%zu", vols->n_staged + 2);
  if (mount ("hyrun-vols", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
    return hy_error_set (err, errno, "volumes: mount the staging tmpfs on `%s`", dir);
  for (i = 0; i < vols->n; i++)
    if (vols->v[i].kind == VMM_VOL_STAGED && stage_one (i, &vols->v[i], dir, err) < 0)
      return hy_error_prefix (err, "volumes: mounts[%zu]", i);
  /* The guest can neither add nor remove entries (each bind keeps its own
   * read-write or read-only flag). */
  if (mount (NULL, dir, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
             NULL)
      < 0)
    return hy_error_set (err, errno, "volumes: make the staging tmpfs read-only");
  return 0;
}

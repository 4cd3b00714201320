/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup manager: finds the hierarchies of this host (v1, hybrid v1 +
 * cgroup2 mount, or pure v2), creates and joins the container's cgroup in
 * each, freezes, lists, signals and removes it.  Resource files are the
 * v1/v2 back ends' (cgroup_v1.c, cgroup_v2.c). */
#include "libcontainer/cgroup_fs.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

static const char *cgroup_root = "/sys/fs/cgroup";

int
lc_cgroup_detect_mode (const char *root, enum lc_cgroup_mode *mode, hy_error_t *err)
{
  struct statfs sfs;
  cleanup_free char *unified = NULL;

  if (root)
    cgroup_root = root;
  if (statfs (cgroup_root, &sfs) < 0)
    return hy_error_set (err, errno, "statfs `%s`", cgroup_root);
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    {
      *mode = LC_CGROUP_V2;
      return 0;
    }
  unified = xasprintf ("%s/unified", cgroup_root);
  *mode = (statfs (unified, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) ? LC_CGROUP_HYBRID
                                                                             : LC_CGROUP_V1;
  return 0;
}

static void
add_hier (struct lc_cgroup *cg, const char *mnt, const char *ctrls, bool v2)
{
  cg->h = xrealloc (cg->h, (cg->n + 1) * sizeof (*cg->h));
  cg->h[cg->n].mnt = xstrdup (mnt);
  cg->h[cg->n].ctrls = xstrdup (ctrls);
  cg->h[cg->n].v2 = v2;
  cg->h[cg->n].dir = xasprintf ("%s%s", mnt, cg->path);
  cg->n++;
}

/* v1 controllers from super options: "rw,memory" → "memory". */
char *
lc_cgroup_v1_controllers (const char *opts)
{
  cleanup_free char *copy = xstrdup (opts);
  char *tok, *save = NULL, *out = xstrdup ("");

  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      char *n;
      if (strcmp (tok, "rw") == 0 || strcmp (tok, "ro") == 0
          || strncmp (tok, "release_agent", 13) == 0 || strcmp (tok, "clone_children") == 0
          || strcmp (tok, "noprefix") == 0 || strcmp (tok, "xattr") == 0
          || strcmp (tok, "cpuset_v2_mode") == 0)
        continue;
      n = out[0] ? xasprintf ("%s,%s", out, tok) : xstrdup (tok);
      free (out);
      out = n;
    }
  return out;
}

static int
find_hierarchies (struct lc_cgroup *cg, hy_error_t *err)
{
  cleanup_file FILE *mi = NULL;
  cleanup_free char *line = NULL;
  size_t cap = 0, rootlen = strlen (cgroup_root);
  char buf[1024];

  if (cg->mode == LC_CGROUP_V2)
    {
      if (cg_read (cgroup_root, "cgroup.controllers", buf, sizeof (buf)) < 0)
        buf[0] = '\0';
      add_hier (cg, cgroup_root, buf, true);
      return 0;
    }
  mi = fopen ("/proc/self/mountinfo", "re");
  if (mi == NULL)
    return hy_error_set (err, errno, "open /proc/self/mountinfo");
  while (getline (&line, &cap, mi) > 0)
    {
      char mnt[4096], fstype[32], opts[1024];
      const char *sep = strstr (line, " - ");
      if (sep == NULL || sscanf (line, "%*s %*s %*s %*s %4095s", mnt) != 1
          || sscanf (sep, " - %31s %*s %1023s", fstype, opts) != 2)
        continue;
      if (strncmp (mnt, cgroup_root, rootlen) != 0 || mnt[rootlen] != '/')
        continue;
      if (strcmp (fstype, "cgroup") == 0)
        {
          cleanup_free char *ctrls = lc_cgroup_v1_controllers (opts);
          add_hier (cg, mnt, ctrls, false);
        }
      else if (strcmp (fstype, "cgroup2") == 0)
        {
          if (cg_read (mnt, "cgroup.controllers", buf, sizeof (buf)) < 0)
            buf[0] = '\0';
          add_hier (cg, mnt, buf, true);
        }
    }
  if (cg->n == 0)
    return hy_error_set (err, 0, "no cgroup hierarchy mounted under `%s`", cgroup_root);
  return 0;
}

/* This process's own cgroup (relative paths are taken under it, as runc
 * does); the memory hierarchy's on v1, the unified one on v2. */
static char *
own_cgroup (enum lc_cgroup_mode mode)
{
  cleanup_file FILE *f = fopen ("/proc/self/cgroup", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;

  while (f && getline (&line, &cap, f) > 0)
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      line[strcspn (line, "\n")] = '\0';
      if ((mode == LC_CGROUP_V2 && c2 == c1 + 1)
          || (mode != LC_CGROUP_V2 && strncmp (c1 + 1, "memory:", 7) == 0))
        return xstrdup (strcmp (c2 + 1, "/") == 0 ? "" : c2 + 1);
    }
  return xstrdup ("");
}

static struct lc_cgroup *
new_manager (const char *path, bool systemd, hy_error_t *err)
{
  struct lc_cgroup *cg = xzalloc (sizeof (*cg));

  if (lc_cgroup_detect_mode (NULL, &cg->mode, err) < 0)
    {
      free (cg);
      return NULL;
    }
  cg->path = xstrdup (path);
  cg->systemd = systemd;
  if (find_hierarchies (cg, err) < 0)
    {
      lc_cgroup_free (cg);
      return NULL;
    }
  return cg;
}

struct lc_cgroup *
lc_cgroup_new (const char *cgroups_path, const char *id, bool systemd, hy_error_t *err)
{
  cleanup_free char *path = NULL;

  if (systemd)
    {
      char *slice, *unit;
      struct lc_cgroup *cg;
      path = cg_systemd_path (cgroups_path, id, &slice, &unit, err);
      cg = path ? new_manager (path, true, err) : NULL;
      if (path && cg == NULL)
        {
          free (slice);
          free (unit);
        }
      else if (cg)
        {
          cg->slice = slice;
          cg->unit = unit;
        }
      return cg;
    }
  if (cgroups_path == NULL || cgroups_path[0] == '\0')
    path = xasprintf ("/hyrun/%s", id);
  else if (cgroups_path[0] == '/')
    path = xstrdup (cgroups_path);
  else
    {
      enum lc_cgroup_mode mode;
      cleanup_free char *own = NULL;
      if (lc_cgroup_detect_mode (NULL, &mode, err) < 0)
        return NULL;
      own = own_cgroup (mode);
      path = xasprintf ("%s/%s", own, cgroups_path);
    }
  if (strstr (path, "/../")
      || (strlen (path) >= 3 && strcmp (path + strlen (path) - 3, "/..") == 0))
    {
      hy_error_set (err, 0, "linux.cgroupsPath: must not contain \"..\": \"%s\"", path);
      return NULL;
    }
  return new_manager (path, systemd, err);
}

struct lc_cgroup *
lc_cgroup_load (const char *saved_path, bool systemd, hy_error_t *err)
{
  struct lc_cgroup *cg = new_manager (saved_path, systemd, err);

  /* systemd driver: the scope is the path's last part */
  if (cg && systemd)
    {
      cg->unit = xstrdup (strrchr (saved_path, '/') ? strrchr (saved_path, '/') + 1 : saved_path);
      cg->started = true;
    }
  return cg;
}

void
lc_cgroup_free (struct lc_cgroup *cg)
{
  size_t i;

  if (cg == NULL)
    return;
  for (i = 0; i < cg->n; i++)
    {
      free (cg->h[i].mnt);
      free (cg->h[i].ctrls);
      free (cg->h[i].dir);
    }
  free (cg->h);
  free (cg->unit);
  free (cg->slice);
  free (cg->path);
  free (cg);
}

const char *
lc_cgroup_path (const struct lc_cgroup *cg)
{
  return cg->path;
}

/* mkdir -p below the mount; on v1 cpuset, a new level inherits its
 * parent's cpus and mems (they start empty, which forbids joining). */
static int
mkdir_p (const struct cg_hier *h, hy_error_t *err)
{
  cleanup_free char *path = xstrdup (h->dir);
  char *p = path + strlen (h->mnt);
  bool cpuset = !h->v2 && strstr (h->ctrls, "cpuset") != NULL;

  while (p && *p)
    {
      p = strchr (p + 1, '/');
      if (p)
        *p = '\0';
      if (mkdir (path, 0755) == 0 && cpuset)
        {
          cleanup_free char *parent = xstrdup (path);
          char buf[256];
          *strrchr (parent, '/') = '\0';
          if (cg_read (parent, "cpuset.cpus", buf, sizeof (buf)) == 0)
            cg_write (path, "cpuset.cpus", buf, "cpuset.cpus", NULL);
          if (cg_read (parent, "cpuset.mems", buf, sizeof (buf)) == 0)
            cg_write (path, "cpuset.mems", buf, "cpuset.mems", NULL);
        }
      else if (errno != EEXIST && access (path, F_OK) != 0)
        return hy_error_set (err, errno, "create cgroup `%s`", path);
      if (p)
        *p = '/';
    }
  return 0;
}

/* Pure v2: a controller's files exist in a cgroup only when its parent
 * lists it in cgroup.subtree_control, so every level from the mount down
 * to the container's parent enables what it has (runc's fs2 does the same,
 * best effort: a controller that cannot be enabled, say in a delegated
 * subtree, fails later by name when a resource needs it).  Each level's
 * subtree_control is read first: after the first container the levels
 * have them all, and create writes nothing. */
static void
enable_controllers (const struct cg_hier *h)
{
  cleanup_free char *path = xstrdup (h->dir);
  char *p = path + strlen (h->mnt), *last = strrchr (path, '/');
  char avail[512], on[512], *tok, *save = NULL;

  while (p && p <= last)
    {
      char saved = *p;
      const char *dir;
      *p = '\0';
      dir = path[0] ? path : "/";
      if (cg_read (dir, "cgroup.subtree_control", on, sizeof (on)) < 0)
        on[0] = '\0';
      if (cg_read (dir, "cgroup.controllers", avail, sizeof (avail)) == 0)
        for (tok = strtok_r (avail, " \n", &save); tok; tok = strtok_r (NULL, " \n", &save))
          {
            if (cg_list_has (on, tok))
              continue;
            cleanup_free char *plus = xasprintf ("+%s", tok);
            cg_write (dir, "cgroup.subtree_control", plus, "cgroup", NULL);
          }
      *p = saved;
      p = strchr (p + 1, '/');
    }
}

int
lc_cgroup_create (struct lc_cgroup *cg, hy_error_t *err)
{
  size_t i;

  /* systemd makes the scope with its first process (lc_cgroup_enter) */
  if (cg->systemd && !cg->started)
    return 0;
  for (i = 0; i < cg->n; i++)
    {
      if (mkdir_p (&cg->h[i], err) < 0)
        return -1;
      if (cg->mode == LC_CGROUP_V2)
        enable_controllers (&cg->h[i]);
    }
  return 0;
}

/* runc's rule for values clients send as zero: they mean "not set", the
 * kernel's value stays (Docker 20.10 sends blockIO.weight 0 for every
 * container, and zero shares, quota, limits in `docker update`).  The
 * fields runc writes even when zero (swappiness, burst, idle, device
 * weights, throttles, hugepages, priorities) keep theirs. */
struct unset_zeros
{
  struct spec_resources r;
  struct spec_memory m;
  struct spec_cpu c;
  struct spec_block_io b;
  struct spec_network n;
};

#define ZERO_UNSET(s, f)                                                                           \
  do                                                                                               \
    if ((s).has_##f && (s).f == 0)                                                                 \
      (s).has_##f = false;                                                                         \
  while (0)

static const struct spec_resources *
zeros_unset (const struct spec_resources *in, struct unset_zeros *u)
{
  u->r = *in;
  if (in->memory)
    {
      u->m = *in->memory;
      ZERO_UNSET (u->m, limit);
      ZERO_UNSET (u->m, reservation);
      ZERO_UNSET (u->m, swap);
      ZERO_UNSET (u->m, kernel);
      ZERO_UNSET (u->m, kernel_tcp);
      u->r.memory = &u->m;
    }
  if (in->cpu)
    {
      u->c = *in->cpu;
      ZERO_UNSET (u->c, shares);
      ZERO_UNSET (u->c, quota);
      ZERO_UNSET (u->c, period);
      ZERO_UNSET (u->c, realtime_runtime);
      ZERO_UNSET (u->c, realtime_period);
      u->r.cpu = &u->c;
    }
  if (in->pids && in->pids->limit == 0)
    u->r.pids = NULL;
  if (in->block_io)
    {
      u->b = *in->block_io;
      ZERO_UNSET (u->b, weight);
      ZERO_UNSET (u->b, leaf_weight);
      u->r.block_io = &u->b;
    }
  if (in->network)
    {
      u->n = *in->network;
      ZERO_UNSET (u->n, class_id);
      u->r.network = &u->n;
    }
  return &u->r;
}

int
lc_cgroup_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err)
{
  if (r == NULL)
    return 0;
  if (cg->systemd)
    return cg_systemd_apply (cg, r, err);
  return cg_fs_apply (cg, r, err);
}

int
cg_fs_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err)
{
  struct unset_zeros u;

  r = zeros_unset (r, &u);
  if (cg->mode == LC_CGROUP_V2)
    return cg_v2_apply (cg, r, err);
  return cg_v1_apply (cg, r, err);
}

int
lc_cgroup_enter (struct lc_cgroup *cg, pid_t pid, hy_error_t *err)
{
  size_t i;

  if (cg->systemd && !cg->started)
    return cg_systemd_start (cg, pid, err);
  for (i = 0; i < cg->n; i++)
    if (cg_write_i64 (cg->h[i].dir, "cgroup.procs", pid, "cgroup", err) < 0)
      return -1;
  return 0;
}

/* Add the pids of `dir` and of every cgroup below it (the container may
 * make its own) to the list, skipping those already there. */
static int
add_pids (const char *dir, pid_t **pids, size_t *n, hy_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/cgroup.procs", dir);
  cleanup_file FILE *f = fopen (path, "re");
  cleanup_dir DIR *d = NULL;
  struct dirent *e;
  long v;
  size_t i;

  if (f == NULL)
    return errno == ENOENT ? 0 : hy_error_set (err, errno, "open `%s`", path);
  while (fscanf (f, "%ld", &v) == 1)
    {
      for (i = 0; i < *n && (*pids)[i] != (pid_t)v; i++)
        ;
      if (i < *n)
        continue;
      *pids = xrealloc (*pids, (*n + 1) * sizeof (pid_t));
      (*pids)[(*n)++] = (pid_t)v;
    }
  d = opendir (dir);
  while (d && (e = readdir (d)))
    if (e->d_type == DT_DIR && e->d_name[0] != '.')
      {
        cleanup_free char *sub = xasprintf ("%s/%s", dir, e->d_name);
        if (add_pids (sub, pids, n, err) < 0)
          return -1;
      }
  return 0;
}

/* Every pid in the container's cgroups, sub-cgroups included, once. */
int
lc_cgroup_pids (struct lc_cgroup *cg, pid_t **pids, size_t *n, hy_error_t *err)
{
  size_t i;

  *pids = NULL;
  *n = 0;
  for (i = 0; i < cg->n; i++)
    if (add_pids (cg->h[i].dir, pids, n, err) < 0)
      return -1;
  return 0;
}

static bool
v1_freezer_state_is (const char *dir, const char *want)
{
  char buf[32];

  return cg_read (dir, "freezer.state", buf, sizeof (buf)) == 0 && strcmp (buf, want) == 0;
}

static void
nap (long ns)
{
  struct timespec ts = { 0, ns };

  nanosleep (&ts, NULL);
}

/* PF_KTHREAD in /proc/<tid>/stat's flags (field 9). */
static bool
is_kernel_thread (const char *tid)
{
  cleanup_free char *path = xasprintf ("/proc/%s/stat", tid);
  cleanup_file FILE *f = fopen (path, "re");
  char buf[512], *p;
  unsigned long flags = 0;

  if (f == NULL || fgets (buf, sizeof (buf), f) == NULL || (p = strrchr (buf, ')')) == NULL)
    return false;
  /* after ") ": state ppid pgrp session tty_nr tpgid flags */
  return sscanf (p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) == 1 && (flags & 0x00200000);
}

/* A kernel thread in the cgroup never freezes, and the cgroup then never
 * reports frozen: KVM attaches its per-VM worker thread
 * (kvm-nx-lpage-recovery, before Linux 6.13) to the cgroup of the VMM
 * that made the VM.  It is none of the container's processes: it moves to
 * the hierarchy's root cgroup. */
static void
evict_kernel_threads (const struct lc_cgroup *cg, const char *dir)
{
  size_t i;

  for (i = 0; i < cg->n; i++)
    if (cg->h[i].dir == dir)
      {
        const char *list = cg->h[i].v2 ? "cgroup.threads" : "tasks";
        cleanup_free char *path = xasprintf ("%s/%s", dir, list);
        cleanup_file FILE *f = fopen (path, "re");
        char tid[32];

        while (f && fscanf (f, "%31s", tid) == 1)
          if (is_kernel_thread (tid))
            cg_write (cg->h[i].mnt, cg->h[i].v2 ? "cgroup.procs" : "tasks", tid, list, NULL);
      }
}

static int freeze_state (struct lc_cgroup *cg, bool frozen, hy_error_t *err);

/* A freeze that does not take is undone: a half-frozen container would
 * take neither signals nor delete. */
int
lc_cgroup_freeze (struct lc_cgroup *cg, bool frozen, hy_error_t *err)
{
  if (freeze_state (cg, frozen, err) == 0)
    return 0;
  if (frozen)
    freeze_state (cg, false, NULL);
  return -1;
}

static int
freeze_state (struct lc_cgroup *cg, bool frozen, hy_error_t *err)
{
  const char *dir = cg_dir (cg, "freezer");
  const char *want = frozen ? "FROZEN" : "THAWED";
  int i;

  if (frozen)
    evict_kernel_threads (cg, dir ? dir : cg_unified_dir (cg));
  if (dir == NULL && (dir = cg_unified_dir (cg)) && cg_has_file (dir, "cgroup.freeze"))
    {
      char buf[256] = "";
      if (cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", "cgroup.freeze", err) < 0)
        return -1;
      /* cgroup.events says when the freeze has taken effect (every task
       * stopped): wait for it, up to 10 s (a loaded or emulated host) */
      for (i = 0; i < 2000; i++)
        {
          if (cg_read (dir, "cgroup.events", buf, sizeof (buf)) == 0
              && strstr (buf, frozen ? "frozen 1" : "frozen 0"))
            return 0;
          nap (i < 100 ? 1000000 : 5000000);
        }
      return hy_error_set (err, 0, "cgroup `%s` did not %s within 10 s (cgroup.events: %s)", dir,
                           frozen ? "freeze" : "thaw", buf);
    }
  if (dir == NULL)
    return hy_error_set (err, 0, "no freezer cgroup controller on this host");
  /* v1 may report FREEZING for a while; write again until it settles. */
  for (i = 0; i < 1000; i++)
    {
      if (cg_write (dir, "freezer.state", want, "freezer.state", err) < 0)
        return -1;
      if (v1_freezer_state_is (dir, want))
        return 0;
      nap (1000000);
    }
  return hy_error_set (err, 0, "cgroup `%s` did not reach %s", dir, want);
}

int
lc_cgroup_is_frozen (struct lc_cgroup *cg, bool *frozen, hy_error_t *err)
{
  const char *dir = cg_dir (cg, "freezer");
  char buf[256];

  (void)err;
  *frozen = false;
  if (dir)
    *frozen = v1_freezer_state_is (dir, "FROZEN");
  else if ((dir = cg_unified_dir (cg)) && cg_read (dir, "cgroup.freeze", buf, sizeof (buf)) == 0)
    *frozen = buf[0] == '1';
  return 0;
}

/* The devices a container always gets, after the bundle's own rules
 * (runc's AllowedDevices): mknod of any, and the standard /dev nodes. */
#define DEV(t, ma, mi, acc)                                                                        \
  {                                                                                                \
    true, t, ma >= 0, mi >= 0, ma, mi, (char *)acc                                                 \
  }
const struct spec_device_cgroup cg_default_devices[] = {
  DEV ('c', -1, -1, "m"),    DEV ('b', -1, -1, "m"), DEV ('c', 1, 3, "rwm"),
  DEV ('c', 1, 8, "rwm"),    DEV ('c', 1, 7, "rwm"), DEV ('c', 5, 0, "rwm"),
  DEV ('c', 1, 5, "rwm"),    DEV ('c', 1, 9, "rwm"), DEV ('c', 5, 1, "rwm"),
  DEV ('c', 136, -1, "rwm"), DEV ('c', 5, 2, "rwm"), DEV ('c', 10, 200, "rwm"),
};
#undef DEV
const size_t cg_n_default_devices = sizeof (cg_default_devices) / sizeof (cg_default_devices[0]);

/* SIGKILL on v2 (Linux 5.14+): cgroup.kill kills every process of the
 * cgroup and its descendants at once, forks racing it included (runc's
 * kill --all does the same). */
static bool
v2_kill (struct lc_cgroup *cg, int sig)
{
  const char *u = cg_unified_dir (cg);

  return sig == SIGKILL && u && cg->mode == LC_CGROUP_V2 && cg_has_file (u, "cgroup.kill")
         && cg_write (u, "cgroup.kill", "1", "cgroup.kill", NULL) == 0;
}

int
lc_cgroup_kill_all (struct lc_cgroup *cg, int sig, hy_error_t *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n, i;
  const char *u = cg_unified_dir (cg);
  bool was_frozen = false,
       can_freeze = cg_dir (cg, "freezer") != NULL || (u && cg_has_file (u, "cgroup.freeze"));

  /* An empty cgroup (the common case when delete follows an exit) needs
   * no freeze: a freeze and a thaw cost milliseconds on v1. */
  if (lc_cgroup_pids (cg, &pids, &n, err) < 0)
    return -1;
  if (n == 0)
    return 0;
  free (pids);
  pids = NULL;
  if (v2_kill (cg, sig))
    return 0;
  /* Freeze so nothing forks while we signal (runc's kill --all); a
   * paused container stays paused. */
  lc_cgroup_is_frozen (cg, &was_frozen, NULL);
  if (can_freeze && !was_frozen && lc_cgroup_freeze (cg, true, NULL) < 0)
    can_freeze = false;
  if (lc_cgroup_pids (cg, &pids, &n, err) < 0)
    return -1;
  for (i = 0; i < n; i++)
    kill (pids[i], sig);
  if (can_freeze && !was_frozen)
    lc_cgroup_freeze (cg, false, NULL);
  return 0;
}

/* rmdir a cgroup and, first, every cgroup the container made below it;
 * EBUSY is retried for a while (the last exits are reaped asynchronously,
 * and a kernel still tears down a dying cgroup). */
static int
rm_tree (const char *dir)
{
  cleanup_dir DIR *d = opendir (dir);
  struct dirent *e;
  int tries;

  if (d == NULL)
    return errno == ENOENT ? 0 : -1;
  while ((e = readdir (d)))
    if (e->d_type == DT_DIR && e->d_name[0] != '.')
      {
        cleanup_free char *sub = xasprintf ("%s/%s", dir, e->d_name);
        rm_tree (sub);
      }
  for (tries = 0; tries < 400; tries++)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY)
        return -1;
      nap (5000000);
    }
  return -1;
}

/* Kill everything in the container's cgroups (thawing them if paused),
 * wait until they are empty, then remove them bottom-up.  What still
 * holds a cgroup after that is named in the error. */
int
lc_cgroup_destroy (struct lc_cgroup *cg, hy_error_t *err)
{
  cleanup_free pid_t *left = NULL;
  size_t i, n = 0;
  int tries;

  for (tries = 0; tries < 1000; tries++)
    {
      cleanup_free pid_t *pids = NULL;

      if (lc_cgroup_pids (cg, &pids, &n, NULL) < 0 || n == 0)
        break;
      if (!v2_kill (cg, SIGKILL))
        lc_cgroup_kill_all (cg, SIGKILL, NULL);
      /* a frozen cgroup holds its SIGKILLed tasks until thawed */
      lc_cgroup_freeze (cg, false, NULL);
      nap (2000000);
    }
  /* the scope goes first (systemd removes its cgroups), then what is left */
  if (cg->systemd && cg->unit && cg_systemd_stop (cg, err) < 0)
    return -1;
  for (i = cg->n; i > 0; i--)
    {
      const struct cg_hier *h = &cg->h[i - 1];
      if (rm_tree (h->dir) < 0 && access (h->dir, F_OK) == 0)
        {
          int saved = errno;
          char list[256] = "";
          size_t k, len = 0;
          if (lc_cgroup_pids (cg, &left, &n, NULL) == 0)
            for (k = 0; k < n && len + 16 < sizeof (list); k++)
              len += (size_t)snprintf (list + len, sizeof (list) - len, " %d", (int)left[k]);
          return hy_error_set (err, saved, "remove cgroup `%s` (processes still in it:%s)", h->dir,
                               n ? list : " none");
        }
    }
  return 0;
}

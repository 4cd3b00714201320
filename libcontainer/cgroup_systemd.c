/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The systemd cgroup driver: cgroupsPath "slice:prefix:name" read as runc
 * does, the container's cgroup a transient scope "prefix-name.scope" that
 * systemd starts with the init's pid (Delegate=yes), linux.resources as the
 * unit properties systemd understands (so a daemon-reload keeps them) and
 * then, as for cgroupfs, in the scope's own files.  The D-Bus calls are
 * hyrun-systemd's (cgroup_systemd.h has the protocol). */
#include "libcontainer/cgroup_systemd.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- names and paths -------------------------------------------------- */

/* "a-b.slice" -> "/a.slice/a-b.slice", "-.slice" -> "" (the root), as
 * systemd nests slices (runc's ExpandSlice). */
static char *
expand_slice (const char *slice, hy_error_t *err)
{
  size_t len = strlen (slice);
  cleanup_free char *name = NULL;
  char *out = xstrdup (""), *tok, *save = NULL, *prefix = xstrdup ("");

  if (len < 6 || strcmp (slice + len - 6, ".slice") != 0 || strchr (slice, '/'))
    goto bad;
  name = xstrndup (slice, len - 6);
  if (strcmp (name, "-") == 0)
    {
      free (prefix);
      return out;
    }
  if (name[0] == '-' || name[0] == '\0' || name[strlen (name) - 1] == '-' || strstr (name, "--"))
    goto bad;
  for (tok = strtok_r (name, "-", &save); tok; tok = strtok_r (NULL, "-", &save))
    {
      char *n = xasprintf ("%s/%s%s.slice", out, prefix, tok),
           *p = xasprintf ("%s%s-", prefix, tok);
      free (out);
      free (prefix);
      out = n;
      prefix = p;
    }
  free (prefix);
  return out;
bad:
  free (out);
  free (prefix);
  hy_error_set (err, 0, "linux.cgroupsPath: invalid systemd slice name \"%s\"", slice);
  return NULL;
}

char *
cg_systemd_path (const char *cgroups_path, const char *id, char **slice, char **unit,
                 hy_error_t *err)
{
  cleanup_free char *copy = NULL, *sl_path = NULL;
  char *parts[3];

  if (geteuid () != 0)
    {
      hy_error_set (err, 0, "--systemd-cgroup: only as root (no user-bus support yet)");
      return NULL;
    }
  /* runc: an empty path is ":runc:<id>"; hyrun's prefix is its own name */
  copy = cgroups_path && cgroups_path[0] ? xstrdup (cgroups_path) : xasprintf (":hyrun:%s", id);
  parts[0] = copy;
  parts[1] = strchr (parts[0], ':');
  parts[2] = parts[1] ? strchr (parts[1] + 1, ':') : NULL;
  if (parts[2] == NULL || strchr (parts[2] + 1, ':'))
    {
      hy_error_set (err, 0,
                    "linux.cgroupsPath: expected \"slice:prefix:name\" for systemd cgroups, "
                    "got \"%s\"",
                    copy);
      return NULL;
    }
  *parts[1]++ = '\0';
  *parts[2]++ = '\0';
  if (parts[2][0] == '\0' || strchr (parts[1], '/') || strchr (parts[2], '/'))
    {
      hy_error_set (err, 0, "linux.cgroupsPath: bad systemd unit name in \"%s:%s:%s\"", parts[0],
                    parts[1], parts[2]);
      return NULL;
    }
  if (strlen (parts[2]) > 6 && strcmp (parts[2] + strlen (parts[2]) - 6, ".slice") == 0)
    {
      hy_error_set (err, 0,
                    "linux.cgroupsPath: a slice as the container's unit (\"%s\") is "
                    "not supported; name a scope",
                    parts[2]);
      return NULL;
    }
  *slice = xstrdup (parts[0][0] ? parts[0] : "system.slice");
  sl_path = expand_slice (*slice, err);
  if (sl_path == NULL)
    {
      free (*slice);
      *slice = NULL;
      return NULL;
    }
  *unit = xasprintf ("%s-%s.scope", parts[1], parts[2]);
  return xasprintf ("%s/%s", sl_path, *unit);
}

/* ---- the helper -------------------------------------------------------- */

static char helper_path[PATH_MAX];

/* This binary's own path: /proc/self/exe unless that is the sealed memfd
 * copy (create, run, exec: selfexe.h), then argv0 (with PATH). */
static void
self_path (const char *argv0, char self[PATH_MAX])
{
  const char *path = getenv ("PATH");
  ssize_t len = readlink ("/proc/self/exe", self, PATH_MAX - 1);

  self[len > 0 ? len : 0] = '\0';
  /* the memfd reads "/memfd:hyrun (deleted)" */
  if (self[0] == '/' && strstr (self, " (deleted)") == NULL)
    return;
  self[0] = '\0';
  if (argv0 && strchr (argv0, '/'))
    {
      if (realpath (argv0, self) == NULL)
        self[0] = '\0';
    }
  else
    while (argv0 && path && *path)
      {
        size_t n = strcspn (path, ":");
        char cand[PATH_MAX];
        snprintf (cand, sizeof (cand), "%.*s/%s", (int)n, path, argv0);
        if (access (cand, X_OK) == 0 && realpath (cand, self))
          break;
        self[0] = '\0';
        path += n + (path[n] == ':');
      }
}

/* Next to the running hyrun first (the build tree), then where `make
 * install` puts it; HYRUN_SYSTEMD_HELPER overrides both.  main() resolves
 * it before create's chdir into the bundle (argv0 may be relative);
 * other commands (podman's delete has no --systemd-cgroup) on first use. */
void
lc_cgroup_systemd_locate (const char *argv0)
{
  char self[PATH_MAX], *slash;
  const char *env = getenv ("HYRUN_SYSTEMD_HELPER");

  if (env && env[0])
    {
      snprintf (helper_path, sizeof (helper_path), "%s", env);
      return;
    }
  self_path (argv0, self);
  slash = strrchr (self, '/');
  if (slash)
    {
      snprintf (slash + 1, sizeof (self) - (size_t)(slash + 1 - self), "%s", HY_SYSTEMD_HELPER);
      if (access (self, X_OK) == 0)
        {
          memcpy (helper_path, self, sizeof (self));
          return;
        }
    }
  snprintf (helper_path, sizeof (helper_path), "%s/hyrun/%s", LIBEXECDIR, HY_SYSTEMD_HELPER);
}

/* Run hyrun-systemd OP UNIT [ARGS] with `input` on its stdin (a memfd: no
 * SIGPIPE if it dies early); its one-line stderr becomes the error. */
static int
run_helper (const char *const argv[], const char *input, hy_error_t *err)
{
  cleanup_close int in = memfd_create ("hyrun-systemd-props", MFD_CLOEXEC);
  int errp[2], status;
  char msg[1024];
  size_t len = 0;
  ssize_t n;
  pid_t pid;

  if (helper_path[0] == '\0')
    lc_cgroup_systemd_locate (NULL);
  if (in < 0 || write (in, input, strlen (input)) != (ssize_t)strlen (input)
      || lseek (in, 0, SEEK_SET) < 0)
    return hy_error_set (err, errno, "systemd: unit properties for %s", argv[2]);
  if (pipe2 (errp, O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "pipe");
  pid = fork ();
  if (pid < 0)
    {
      close (errp[0]);
      close (errp[1]);
      return hy_error_set (err, errno, "fork");
    }
  if (pid == 0)
    {
      dup2 (in, 0);
      dup2 (errp[1], 2);
      execv (helper_path, (char *const *)argv);
      dprintf (2,
               "systemd cgroup driver: cannot run `%s`: %s (built only when libsystemd-dev "
               "is installed)",
               helper_path, strerror (errno));
      _exit (127);
    }
  close (errp[1]);
  while (len < sizeof (msg) - 1 && (n = read (errp[0], msg + len, sizeof (msg) - 1 - len)) > 0)
    len += (size_t)n;
  close (errp[0]);
  msg[len] = '\0';
  msg[strcspn (msg, "\n")] = '\0';
  while (waitpid (pid, &status, 0) < 0)
    if (errno != EINTR)
      return hy_error_set (err, errno, "wait for %s", HY_SYSTEMD_HELPER);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return 0;
  return hy_error_set (err, 0, "%s", msg[0] ? msg : "hyrun-systemd failed");
}

/* ---- properties -------------------------------------------------------- */

/* "0-3,8" as systemd's AllowedCPUs byte array: bit i of byte i/8 is cpu i
 * (runc's RangeToBits), in hex for the helper. */
static int
cpuset_bits (FILE *f, const char *prop, const char *list, hy_error_t *err)
{
  unsigned char bits[512] = { 0 };
  cleanup_free char *copy = xstrdup (list);
  char *tok, *save = NULL;
  size_t i, top = 0;

  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      unsigned long a, b;
      char *end;
      a = b = strtoul (tok, &end, 10);
      if (*end == '-')
        b = strtoul (end + 1, &end, 10);
      if (end == tok || (*end && *end != ' ' && *end != '\n') || a > b || b >= 8 * sizeof (bits))
        return hy_error_set (err, 0, "linux.resources.cpu: bad cpu/memory list \"%s\"", list);
      for (i = a; i <= b; i++)
        bits[i / 8] |= (unsigned char)(1u << (i % 8));
      top = b / 8 + 1 > top ? b / 8 + 1 : top;
    }
  if (top == 0)
    return 0;
  fprintf (f, "%s ay ", prop);
  for (i = 0; i < top; i++)
    fprintf (f, "%02x", bits[i]);
  fputc ('\n', f);
  return 0;
}

/* CPUQuotaPerSecUSec: systemd keeps it in 10 ms steps, so runc rounds a
 * quota up to the next step and writes that rounded quota to cpu.max too
 * (else a daemon-reload would change it). */
static void
cpu_quota (FILE *f, struct spec_cpu *c)
{
  uint64_t period = c->has_period && c->period ? c->period : 0, per_sec = UINT64_MAX;
  bool quota = c->has_quota && c->quota != 0;

  if (period)
    fprintf (f, "CPUQuotaPeriodUSec t %llu\n", (unsigned long long)period);
  if (!quota && !period)
    return;
  if (quota && c->quota > 0)
    {
      uint64_t p = period ? period : 100000;
      per_sec = (uint64_t)c->quota * 1000000 / p;
      if (per_sec % 10000)
        {
          per_sec = (per_sec / 10000 + 1) * 10000;
          c->quota = (int64_t)(per_sec * p / 1000000);
        }
    }
  fprintf (f, "CPUQuotaPerSecUSec t %llu\n", (unsigned long long)per_sec);
}

static void
throttles (FILE *f, const char *prop, const struct spec_throttle_device *t, size_t n)
{
  size_t i;

  if (n == 0)
    return;
  fprintf (f, "%s a(st)", prop);
  for (i = 0; i < n; i++)
    fprintf (f, " /dev/block/%lld:%lld %llu", (long long)t[i].major, (long long)t[i].minor,
             (unsigned long long)t[i].rate);
  fputc ('\n', f);
}

static void
device_entry (FILE *f, const struct spec_device_cgroup *d)
{
  const char *acc = d->access ? d->access : "rwm";
  bool any_major = !d->has_major || d->major < 0, any_minor = !d->has_minor || d->minor < 0;

  if (acc[0] == '\0')
    return;
  if (d->type == 'a')
    fprintf (f, " char-* %s block-* %s", acc, acc);
  else if (any_major && any_minor)
    fprintf (f, " %s-* %s", d->type == 'b' ? "block" : "char", acc);
  else if (any_minor)
    fprintf (f, " %s-%lld %s", d->type == 'b' ? "block" : "char", (long long)d->major, acc);
  else if (!any_major)
    fprintf (f, " /dev/%s/%lld:%lld %s", d->type == 'b' ? "block" : "char", (long long)d->major,
             (long long)d->minor, acc);
  /* "*:n" has no systemd form (runc skips it too); the cgroup's own
   * device filter still enforces the rule */
}

/* DevicePolicy=strict + DeviceAllow when the rules are an allow list (a
 * first deny-all, then only allows, as every client sends): on v1 a
 * daemon-reload would otherwise write "a" to devices.allow.  Other shapes
 * are left to the device filter alone. */
static void
devices (FILE *f, const struct spec_resources *r)
{
  const struct spec_device_cgroup *d0 = r->n_devices ? &r->devices[0] : NULL;
  size_t i;

  if (d0 == NULL || d0->allow || d0->type != 'a' || (d0->has_major && d0->major >= 0)
      || (d0->has_minor && d0->minor >= 0))
    return;
  for (i = 1; i < r->n_devices; i++)
    if (!r->devices[i].allow)
      return;
  fprintf (f, "DevicePolicy s strict\nDeviceAllow a(ss)\nDeviceAllow a(ss)");
  for (i = 1; i < r->n_devices; i++)
    device_entry (f, &r->devices[i]);
  for (i = 0; i < cg_n_default_devices; i++)
    device_entry (f, &cg_default_devices[i]);
  fputc ('\n', f);
}

/* linux.resources as unit properties (names for v2, or systemd's legacy
 * ones on v1); zero means unset, as in lc_cgroup_apply.  May round c's
 * quota (cpu_quota). */
static int
properties (const struct lc_cgroup *cg, const struct spec_resources *r, struct spec_cpu *c, FILE *f,
            hy_error_t *err)
{
  const struct spec_memory *m = r->memory;
  const struct spec_block_io *b = r->block_io;
  bool v2 = cg->mode == LC_CGROUP_V2;

  if (m && m->has_limit && m->limit != 0)
    fprintf (f, "%s t %llu\n", v2 ? "MemoryMax" : "MemoryLimit",
             m->limit < 0 ? (unsigned long long)UINT64_MAX : (unsigned long long)m->limit);
  if (v2 && m && m->has_reservation && m->reservation > 0)
    fprintf (f, "MemoryLow t %llu\n", (unsigned long long)m->reservation);
  if (v2 && m && m->has_swap && m->swap == -1)
    fprintf (f, "MemorySwapMax t %llu\n", (unsigned long long)UINT64_MAX);
  else if (v2 && m && m->has_swap && m->swap > 0 && m->has_limit && m->limit > 0
           && m->swap >= m->limit)
    fprintf (f, "MemorySwapMax t %llu\n", (unsigned long long)(m->swap - m->limit));
  if (c && c->has_shares && c->shares)
    /* the conversions cgroup_v2.c writes to the files, so a daemon-reload
     * re-applying the properties gives the files the same values */
    fprintf (f, v2 ? "CPUWeight t %llu\n" : "CPUShares t %llu\n",
             v2 ? lc_cgroup_shares_to_weight (c->shares) : (unsigned long long)c->shares);
  if (c)
    cpu_quota (f, c);
  if (c && c->cpus && c->cpus[0] && cpuset_bits (f, "AllowedCPUs", c->cpus, err) < 0)
    return -1;
  if (c && c->mems && c->mems[0] && cpuset_bits (f, "AllowedMemoryNodes", c->mems, err) < 0)
    return -1;
  if (r->pids && r->pids->limit != 0)
    fprintf (f, "TasksMax t %llu\n",
             r->pids->limit < 0 ? (unsigned long long)UINT64_MAX
                                : (unsigned long long)r->pids->limit);
  if (b && b->has_weight && b->weight)
    fprintf (f, "%s t %llu\n", v2 ? "IOWeight" : "BlockIOWeight",
             v2 ? lc_cgroup_blkio_to_io_weight (b->weight) : (unsigned long long)b->weight);
  if (b)
    {
      throttles (f, v2 ? "IOReadBandwidthMax" : "BlockIOReadBandwidth", b->throttle_read_bps,
                 b->n_throttle_read_bps);
      throttles (f, v2 ? "IOWriteBandwidthMax" : "BlockIOWriteBandwidth", b->throttle_write_bps,
                 b->n_throttle_write_bps);
      if (v2)
        {
          throttles (f, "IOReadIOPSMax", b->throttle_read_iops, b->n_throttle_read_iops);
          throttles (f, "IOWriteIOPSMax", b->throttle_write_iops, b->n_throttle_write_iops);
        }
    }
  devices (f, r);
  return 0;
}

/* The properties as the helper's stdin, and a copy of r whose cpu quota
 * is the rounded one (rc and cc hold it). */
static char *
properties_text (const struct lc_cgroup *cg, const struct spec_resources *r,
                 struct spec_resources *rc, struct spec_cpu *cc, hy_error_t *err)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream (&text, &len);
  int ret;

  *rc = *r;
  if (r->cpu)
    {
      *cc = *r->cpu;
      rc->cpu = cc;
    }
  ret = properties (cg, r, r->cpu ? cc : NULL, f, err);
  fclose (f);
  if (ret < 0)
    {
      free (text);
      return NULL;
    }
  return text;
}

/* ---- the driver -------------------------------------------------------- */

int
cg_systemd_start (struct lc_cgroup *cg, pid_t pid, hy_error_t *err)
{
  cleanup_free char *text = NULL, *spid = xasprintf ("%d", (int)pid);
  struct spec_resources rc = { 0 };
  struct spec_cpu cc;
  const char *argv[] = { HY_SYSTEMD_HELPER, "start", cg->unit, cg->slice, spid, NULL };

  if (cg->pending)
    text = properties_text (cg, cg->pending, &rc, &cc, err);
  else
    text = xstrdup ("");
  if (text == NULL || run_helper (argv, text, err) < 0)
    return -1;
  cg->started = true;
  /* systemd made the scope in the hierarchies it manages; the rest (v1
   * controllers it leaves alone) are made and joined as for cgroupfs */
  if (lc_cgroup_create (cg, err) < 0 || lc_cgroup_enter (cg, pid, err) < 0)
    return -1;
  return cg->pending ? cg_fs_apply (cg, &rc, err) : 0;
}

int
cg_systemd_apply (struct lc_cgroup *cg, const struct spec_resources *r, hy_error_t *err)
{
  cleanup_free char *text = NULL;
  struct spec_resources rc;
  struct spec_cpu cc;
  const char *argv[] = { HY_SYSTEMD_HELPER, "set", cg->unit, NULL };

  if (!cg->started)
    {
      /* create: the scope starts with the init's pid (lc_cgroup_enter),
       * these properties with it; the caller keeps r alive until then */
      cg->pending = r;
      return 0;
    }
  text = properties_text (cg, r, &rc, &cc, err);
  if (text == NULL || (text[0] && run_helper (argv, text, err) < 0))
    return -1;
  return cg_fs_apply (cg, &rc, err);
}

int
cg_systemd_stop (struct lc_cgroup *cg, hy_error_t *err)
{
  const char *argv[] = { HY_SYSTEMD_HELPER, "stop", cg->unit, NULL };

  return run_helper (argv, "", err);
}

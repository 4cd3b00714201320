/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup v2 resource files against a prepared directory tree: this
 * host's cgroup2 mount carries no memory/pids/cpu controllers, so what
 * hyrun writes for them on a pure v2 host is checked here, file by file,
 * with runc's conversions and the errors of a delegated hierarchy (the
 * real thing: tests/integration/cgroups_v2.bats in the pure-v2 test VM). */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup_fs.h"
#include "spec/spec.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *files[] = { "memory.max",
                               "memory.low",
                               "memory.swap.max",
                               "pids.max",
                               "cpu.weight",
                               "cpu.max",
                               "cpuset.cpus",
                               "cpuset.mems",
                               "io.weight",
                               "memory.high",
                               "memory.min",
                               "memory.oom.group",
                               "cpu.idle",
                               "cpu.max.burst",
                               "hugetlb.2MB.max",
                               "hugetlb.2MB.rsvd.max",
                               "rdma.max",
                               "io.max",
                               "cgroup.subtree_control",
                               "cgroup.controllers",
                               "io.bfq.weight",
                               NULL };

static char *
slurp (const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  char buf[256] = "";
  int fd = open (path, O_RDONLY);
  ssize_t n;

  if (fd < 0)
    return xstrdup ("<missing>");
  n = read (fd, buf, sizeof (buf) - 1);
  close (fd);
  buf[n > 0 ? n : 0] = '\0';
  return xstrdup (buf);
}

static void
put (const char *dir, const char *file, const char *text)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  if (fd >= 0)
    {
      if (write (fd, text, strlen (text)) < 0)
        perror (path);
      close (fd);
    }
}

static void
unlink_file (const char *dir, const char *file)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);

  unlink (path);
}

static void
prepare (const char *dir)
{
  for (const char **f = files; *f; f++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", dir, *f);
      int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0)
        close (fd);
    }
  /* as the kernel lists them: what unified keys are checked against */
  put (dir, "cgroup.controllers", "cpuset cpu io memory pids hugetlb rdma");
  unlink_file (dir, "io.bfq.weight");
}

static int
apply (const char *dir, const char *json, hy_error_t *err)
{
  struct cg_hier h = {
    .mnt = (char *)dir, .ctrls = (char *)"cpu io memory pids cpuset", .v2 = true, .dir = (char *)dir
  };
  struct lc_cgroup cg = { .mode = LC_CGROUP_V2, .path = (char *)"/t", .h = &h, .n = 1 };
  struct spec_resources *r = spec_resources_parse ("resources", json, strlen (json), err);
  int ret;

  if (r == NULL)
    return -1;
  /* the public entry: zero values are dropped there, as runc does */
  ret = lc_cgroup_apply (&cg, r, err);
  spec_resources_free (r);
  return ret;
}

static void
expect (const char *dir, const char *file, const char *want)
{
  cleanup_free char *got = slurp (dir, file);
  tap_ok (strcmp (got, want) == 0, "%s = \"%s\" (got \"%s\")", file, want, got);
}

/* A delegated or nested hierarchy: a controller missing below names the
 * level and the file that keep it from the container's cgroup. */
static int
apply_at (const char *top, const char *dir, const char *json, hy_error_t *err)
{
  struct cg_hier h = { .mnt = (char *)top, .ctrls = (char *)"", .v2 = true, .dir = (char *)dir };
  struct lc_cgroup cg = { .mode = LC_CGROUP_V2, .path = (char *)"/p/c", .h = &h, .n = 1 };
  struct spec_resources *r = spec_resources_parse ("resources", json, strlen (json), err);
  int ret;

  if (r == NULL)
    return -1;
  ret = lc_cgroup_apply (&cg, r, err);
  spec_resources_free (r);
  return ret;
}

static void
delegation (const char *top)
{
  cleanup_free char *p = xasprintf ("%s/p", top);
  cleanup_free char *c = xasprintf ("%s/p/c", top);
  cleanup_free char *stc = xasprintf ("%s/p/cgroup.subtree_control", top);
  cleanup_error hy_error_t err = NULL;
  int r;

  mkdir (p, 0755);
  mkdir (c, 0755);
  put (top, "cgroup.subtree_control", "memory pids");
  /* not delegated: the parent's cgroup.controllers lacks memory */
  put (p, "cgroup.controllers", "pids");
  put (c, "cgroup.controllers", "pids");
  r = apply_at (top, c, "{\"memory\": {\"limit\": 1048576}}", &err);
  tap_ok (r < 0 && err && strstr (err->msg, "memory controller is not available in `")
              && strstr (err->msg, "/p` (not in its cgroup.controllers"),
          "a controller not delegated names the level lacking it (%s)",
          err ? err->msg : "no error");
  /* delegated but cannot be enabled there (here: the file cannot be
   * written; on a real host EBUSY, a cgroup with processes of its own) */
  put (p, "cgroup.controllers", "memory pids");
  mkdir (stc, 0755);
  hy_error_free (&err);
  r = apply_at (top, c, "{\"memory\": {\"limit\": 1048576}}", &err);
  tap_ok (r < 0 && err && strstr (err->msg, "cannot enable the memory controller in `")
              && strstr (err->msg, "/p/cgroup.subtree_control`"),
          "a controller that cannot be enabled names the cgroup.subtree_control (%s)",
          err ? err->msg : "no error");
  rmdir (stc);
  unlink_file (c, "cgroup.controllers");
  unlink_file (p, "cgroup.controllers");
  rmdir (c);
  rmdir (p);
}

/* events --stats from the v2 files: runc's memory+swap, memory.stat as
 * raw, io.stat as blkio lists. */
static void
stats (const char *dir)
{
  struct cg_hier h = { .mnt = (char *)dir, .ctrls = (char *)"", .v2 = true, .dir = (char *)dir };
  struct lc_cgroup cg = { .mode = LC_CGROUP_V2, .path = (char *)"/t", .h = &h, .n = 1 };
  struct lc_cgroup_stats st;
  cleanup_error hy_error_t err = NULL;

  put (dir, "memory.current", "1000\n");
  put (dir, "memory.max", "4000\n");
  put (dir, "memory.swap.current", "10\n");
  put (dir, "memory.swap.max", "2000\n");
  put (dir, "memory.stat", "anon 700\nfile 300\n");
  put (dir, "memory.events", "low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n");
  put (dir, "io.stat", "1:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n");
  tap_ok (lc_cgroup_stats (&cg, &st, &err) == 0 && st.mem_usage == 1000 && st.mem_limit == 4000
              && st.swap_usage == 1010 && st.swap_limit == 6000 && st.mem_cache == 300
              && st.mem_failcnt == 5 && st.oom_kill_count == 1 && st.n_mem_raw == 2
              && strcmp (st.mem_raw_keys[0], "anon") == 0 && st.mem_raw_vals[0] == 700,
          "stats: memory usage, limit, swap as memory+swap, cache, failcnt, oom_kill, raw");
  tap_ok (st.n_io_bytes == 2 && st.io_bytes[0].major == 1 && st.io_bytes[0].minor == 0
              && strcmp (st.io_bytes[0].op, "Read") == 0 && st.io_bytes[0].value == 4096
              && strcmp (st.io_bytes[1].op, "Write") == 0 && st.io_bytes[1].value == 8192
              && st.n_io_ios == 2 && st.io_ios[1].value == 2,
          "stats: io.stat as runc's ioServiceBytesRecursive and ioServicedRecursive");
  lc_cgroup_stats_release (&st);
  for (const char *const *f
       = (const char *const[]){ "memory.current", "memory.swap.current", "memory.stat",
                                "memory.events", "io.stat", NULL };
       *f; f++)
    unlink_file (dir, *f);
}

#define PLAN 40

int
main (void)
{
  char tmpl[] = "/tmp/hyrun-cgv2.XXXXXX";
  char *dir = mkdtemp (tmpl);
  cleanup_error hy_error_t err = NULL;
  int r;

  tap_plan (PLAN);
  if (dir == NULL)
    return 1;
  prepare (dir);
  r = apply (dir,
             "{\"memory\": {\"limit\": 67108864, \"reservation\": 33554432, \"swap\": 134217728},"
             " \"pids\": {\"limit\": 42},"
             " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": "
             "\"0-1\", \"mems\": \"0\", \"idle\": 1, \"burst\": 10000},"
             " \"blockIO\": {\"weight\": 500, \"throttleReadBpsDevice\": [{\"major\": 8, "
             "\"minor\": 0, \"rate\": 1048576}]},"
             " \"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 4194304}],"
             " \"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3}}}",
             &err);
  tap_ok (r == 0, "memory, pids, cpu, blockIO, hugetlb, rdma apply%s%s", err ? ": " : "",
          err ? err->msg : "");
  expect (dir, "memory.max", "67108864");
  expect (dir, "memory.low", "33554432");
  /* v1's swap is memory+swap; v2's swap.max is swap alone */
  expect (dir, "memory.swap.max", "67108864");
  expect (dir, "pids.max", "42");
  /* runc (1.3.2+): shares 1024, v1's default, is v2's default 100 */
  expect (dir, "cpu.weight", "100");
  expect (dir, "cpu.max", "50000 100000");
  expect (dir, "cpu.idle", "1");
  expect (dir, "cpu.max.burst", "10000");
  expect (dir, "cpuset.cpus", "0-1");
  expect (dir, "cpuset.mems", "0");
  /* runc: blkio weight 500 -> io weight 1 + (500-10)*9999/990 = 4950 */
  expect (dir, "io.weight", "4950");
  expect (dir, "io.max", "8:0 rbps=1048576");
  /* Linux 5.7+ counts reservations too: runc limits both */
  expect (dir, "hugetlb.2MB.max", "4194304");
  expect (dir, "hugetlb.2MB.rsvd.max", "4194304");
  /* only the limits that are set */
  expect (dir, "rdma.max", "mlx5_1 hca_handle=3");

  /* runc's ConvertCPUSharesToCgroupV2Value at its ends and between */
  tap_ok (lc_cgroup_shares_to_weight (2) == 1 && lc_cgroup_shares_to_weight (262144) == 10000
              && lc_cgroup_shares_to_weight (512) == 59
              && lc_cgroup_shares_to_weight (100000) == 4340 && lc_cgroup_shares_to_weight (0) == 0,
          "shares -> weight: 2 -> 1, 512 -> 59, 100000 -> 4340, 262144 -> 10000, 0 unset");

  /* runc's ConvertMemorySwapToCgroupV2Value */
  {
    long long out = 7;
    hy_error_t e = NULL;
    bool ok = lc_cgroup_swap_to_v2 (0, -1, &out, NULL) == 0 && out == -1;
    ok = ok && lc_cgroup_swap_to_v2 (-1, 1000, &out, NULL) == 0 && out == -1;
    ok = ok && lc_cgroup_swap_to_v2 (3000, -1, &out, NULL) == 0 && out == 3000;
    ok = ok && lc_cgroup_swap_to_v2 (1000, 1000, &out, NULL) == 0 && out == 0;
    ok = ok && lc_cgroup_swap_to_v2 (500, 1000, &out, &e) < 0 && e
         && strstr (e->msg, "memory.swap");
    hy_error_free (&e);
    ok = ok && lc_cgroup_swap_to_v2 (500, 0, &out, &e) < 0 && e
         && strstr (e->msg, "without a memory limit");
    hy_error_free (&e);
    tap_ok (ok, "swap: memory -1 alone -> max, -1 -> max, swap with unlimited memory as is, "
                "equal -> 0, below memory and without memory refused");
  }

  prepare (dir);
  hy_error_free (&err);
  r = apply (dir, "{\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": -1}}", &err);
  tap_ok (r == 0, "unlimited values apply");
  expect (dir, "memory.max", "max");
  /* runc: unlimited memory without a swap value is unlimited swap too */
  expect (dir, "memory.swap.max", "max");
  expect (dir, "pids.max", "max");

  /* Docker 20.10 sends cpu.shares 0 and blockIO.weight 0 for every
   * container: runc takes zero as unset (cpu.weight 0 is out of range) */
  prepare (dir);
  hy_error_free (&err);
  r = apply (dir, "{\"cpu\": {\"shares\": 0}, \"blockIO\": {\"weight\": 0}}", &err);
  tap_ok (r == 0, "cpu.shares 0 and blockIO.weight 0 apply");
  expect (dir, "cpu.weight", "");
  expect (dir, "io.weight", "");

  /* BFQ (io.bfq.weight) takes the blkio weight as it is */
  prepare (dir);
  put (dir, "io.bfq.weight", "100"); /* a pre-5.4 kernel: one weight */
  hy_error_free (&err);
  r = apply (dir, "{\"blockIO\": {\"weight\": 300}}", &err);
  tap_ok (r == 0, "blockIO.weight with BFQ applies");
  expect (dir, "io.bfq.weight", "300");

  hy_error_free (&err);
  r = apply (dir, "{\"memory\": {\"kernel\": 1048576}}", &err);
  tap_ok (r < 0 && err && strstr (err->msg, "linux.resources.memory.kernel"),
          "a v1-only field is refused naming it (%s)", err ? err->msg : "no error");

  /* unified: memory.high, memory.min, memory.oom.group have no spec
   * field; keys are validated as runc's fs2 does */
  prepare (dir);
  hy_error_free (&err);
  r = apply (dir,
             "{\"unified\": {\"memory.high\": \"50331648\", \"memory.min\": \"1048576\","
             " \"memory.oom.group\": \"1\"}}",
             &err);
  tap_ok (r == 0, "unified memory.high, memory.min, memory.oom.group apply%s%s", err ? ": " : "",
          err ? err->msg : "");
  expect (dir, "memory.high", "50331648");
  expect (dir, "memory.min", "1048576");
  expect (dir, "memory.oom.group", "1");
  {
    static const struct
    {
      const char *json, *want;
    } bad[] = {
      { "{\"unified\": {\"../memory.max\": \"1\"}}", "must be a file name" },
      { "{\"unified\": {\"memoryhigh\": \"1\"}}", "must be CONTROLLER.PARAMETER" },
      { "{\"unified\": {\"misc.max\": \"1\"}}", "misc controller is not available" },
      { "{\"unified\": {\"memory.nosuch\": \"1\"}}", "unified.memory.nosuch" },
    };
    for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++)
      {
        hy_error_free (&err);
        r = apply (dir, bad[i].json, &err);
        tap_ok (r < 0 && err && strstr (err->msg, bad[i].want), "%s is refused: \"%s\" (%s)",
                bad[i].json, bad[i].want, err ? err->msg : "no error");
      }
  }

  delegation (dir);
  stats (dir);

  for (const char **f = files; *f; f++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", dir, *f);
      unlink (path);
    }
  rmdir (dir);
  return tap_done ();
}

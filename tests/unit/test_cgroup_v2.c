/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup v2 resource files against a prepared directory tree: this
 * host's cgroup2 mount carries no memory/pids/cpu controllers, so what
 * hyrun writes for them on a pure v2 host is checked here, file by file
 * (the v2 create/enter/remove path runs for real in
 * tests/integration/cgroups.bats on a private cgroup2 mount). */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup_fs.h"
#include "spec/spec.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *files[]
    = { "memory.max",  "memory.low",  "memory.swap.max", "pids.max",    "cpu.weight", "cpu.max",
        "cpuset.cpus", "cpuset.mems", "io.weight",       "memory.high", NULL };

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
prepare (const char *dir)
{
  for (const char **f = files; *f; f++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", dir, *f);
      int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0)
        close (fd);
    }
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

int
main (void)
{
  char tmpl[] = "/tmp/hyrun-cgv2.XXXXXX";
  char *dir = mkdtemp (tmpl);
  cleanup_error hy_error_t err = NULL;
  int r;

  tap_plan (17);
  if (dir == NULL)
    return 1;
  prepare (dir);
  r = apply (dir,
             "{\"memory\": {\"limit\": 67108864, \"reservation\": 33554432, \"swap\": 134217728},"
             " \"pids\": {\"limit\": 42},"
             " \"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000, \"cpus\": "
             "\"0-1\", \"mems\": \"0\"},"
             " \"blockIO\": {\"weight\": 500}}",
             &err);
  tap_ok (r == 0, "memory, pids, cpu, blockIO apply%s%s", err ? ": " : "", err ? err->msg : "");
  expect (dir, "memory.max", "67108864");
  expect (dir, "memory.low", "33554432");
  /* v1's swap is memory+swap; v2's swap.max is swap alone */
  expect (dir, "memory.swap.max", "67108864");
  expect (dir, "pids.max", "42");
  /* runc: shares 1024 -> weight 1 + (1024-2)*9999/262142 = 39 */
  expect (dir, "cpu.weight", "39");
  expect (dir, "cpu.max", "50000 100000");
  expect (dir, "cpuset.cpus", "0-1");
  expect (dir, "cpuset.mems", "0");
  /* runc: blkio weight 500 -> io weight 1 + (500-10)*9999/990 = 4950 */
  expect (dir, "io.weight", "4950");

  prepare (dir);
  hy_error_free (&err);
  r = apply (dir, "{\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": -1}}", &err);
  tap_ok (r == 0, "unlimited values apply");
  expect (dir, "memory.max", "max");
  expect (dir, "pids.max", "max");

  /* Docker 20.10 sends cpu.shares 0 and blockIO.weight 0 for every
   * container: runc takes zero as unset (cpu.weight 0 is out of range) */
  prepare (dir);
  hy_error_free (&err);
  r = apply (dir, "{\"cpu\": {\"shares\": 0}, \"blockIO\": {\"weight\": 0}}", &err);
  tap_ok (r == 0, "cpu.shares 0 and blockIO.weight 0 apply");
  expect (dir, "cpu.weight", "");
  expect (dir, "io.weight", "");

  hy_error_free (&err);
  r = apply (dir, "{\"memory\": {\"kernel\": 1048576}}", &err);
  tap_ok (r < 0 && err && strstr (err->msg, "linux.resources.memory.kernel"),
          "a v1-only field is refused naming it (%s)", err ? err->msg : "no error");

  for (const char **f = files; *f; f++)
    {
      cleanup_free char *path = xasprintf ("%s/%s", dir, *f);
      unlink (path);
    }
  rmdir (dir);
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VM-mode volumes (kvm-shim/vmm/volumes.h) against real folders: the plan
 * (what each bind becomes, a device source refused naming mounts[i]), the
 * guest's config.json read back by the parser, and, as root, the staging
 * tmpfs in a child's own mount namespace served by the real 9P server: a
 * rw folder takes a new file, a ro folder answers EROFS, a bound file is
 * read and a host-side change is read again, the staging root takes no new
 * entry, and the parent's mount namespace never sees any of it. */
#include "common/cleanup.h"
#include "kvm-shim/fs/p9.h"
#include "kvm-shim/fs/p9_wire.h"
#include "kvm-shim/proto/vmproto.h"
#include "kvm-shim/vmm/guest_spec.h"
#include "kvm-shim/vmm/volumes.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/p9_client.h"

static char dir[64];

static void
write_file (const char *name, const char *text)
{
  char p[128];
  FILE *f;

  snprintf (p, sizeof (p), "%s/%s", dir, name);
  f = fopen (p, "w");
  if (f == NULL)
    abort ();
  fputs (text, f);
  fclose (f);
}

static struct spec *
load (const char *extra)
{
  cleanup_free char *json = NULL;
  hy_error_t err = NULL;
  struct spec *s;

  if (asprintf (&json,
                "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
                " \"process\": {\"args\": [\"true\"], \"cwd\": \"/\"}, \"mounts\": ["
                "{\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
                "{\"destination\": \"/data\", \"type\": \"bind\", \"source\": \"%s/data\","
                " \"options\": [\"rbind\"]},"
                "{\"destination\": \"/ro\", \"type\": \"bind\", \"source\": \"%s/ro\","
                " \"options\": [\"rbind\", \"ro\"]},"
                "{\"destination\": \"/etc/hosts\", \"source\": \"hosts\", \"options\": [\"bind\"]},"
                "{\"destination\": \"/dev/shm\", \"type\": \"bind\", \"source\": \"/dev/shm\","
                " \"options\": [\"bind\", \"nosuid\"]},"
                "{\"destination\": \"/in\", \"type\": \"bind\", \"source\": \"%s/rootfs/inner\","
                " \"options\": [\"bind\"]}%s]}",
                dir, dir, dir, extra)
      < 0)
    abort ();
  s = spec_parse ("config.json", json, strlen (json), &err);
  if (s == NULL)
    tap_diag ("%s", err->msg);
  hy_error_free (&err);
  return s;
}

static bool
has_option (const struct spec_mount *m, const char *prefix)
{
  for (size_t i = 0; i < m->n_options; i++)
    if (strncmp (m->options[i], prefix, strlen (prefix)) == 0)
      return true;
  return false;
}

static void
test_plan (struct vmm_volumes *v)
{
  cleanup_spec struct spec *bad = load (",{\"destination\": \"/n\", \"type\": \"bind\","
                                        " \"source\": \"/dev/null\", \"options\": [\"bind\"]}");
  cleanup_spec struct spec *s = load ("");
  cleanup_spec struct spec *g = NULL;
  cleanup_free char *json = NULL, *rootfs = NULL;
  struct vmm_volumes none = { 0 };
  hy_error_t err = NULL;
  int r;

  if (asprintf (&rootfs, "%s/rootfs", dir) < 0 || bad == NULL || s == NULL)
    abort ();
  r = vmm_volumes_plan (bad, dir, rootfs, &none, &err);

  tap_ok (r < 0 && err && strstr (err->msg, "mounts[6]") && strstr (err->msg, "a character device"),
          "a /dev/null source is refused naming mounts[6] (%s)", err ? err->msg : "no error");
  hy_error_free (&err);
  tap_ok (vmm_volumes_plan (s, dir, rootfs, v, &err) == 0, "the plan of six mounts");
  tap_ok (v->n_staged == 3 && v->v[0].kind == VMM_VOL_GUEST && v->v[1].kind == VMM_VOL_STAGED
              && v->v[1].dir && !v->v[1].ro && v->v[2].ro && v->v[3].kind == VMM_VOL_STAGED
              && !v->v[3].dir && v->v[4].kind == VMM_VOL_SHM && v->v[5].kind == VMM_VOL_ROOTFS,
          "folders and a file (relative to the bundle) staged, /dev/shm a tmpfs, a rootfs path "
          "kept");
  json = vmm_guest_spec_json (s, v, NULL, &err);
  g = json ? spec_parse ("guest", json, strlen (json), &err) : NULL;
  tap_ok (g && strcmp (g->mounts[1].source, VMPROTO_VOLS_DIR "/1") == 0
              && strcmp (g->mounts[3].source, VMPROTO_VOLS_DIR "/3") == 0 && g->mounts[3].bind
              && (g->mounts[2].flags & MS_RDONLY),
          "the guest's binds take their sources from the volumes share, ro kept");
  tap_ok (g && strcmp (g->mounts[5].source, VMPROTO_ROOTFS_DIR "/inner") == 0,
          "a source inside the rootfs folder comes from the rootfs share");
  tap_ok (g && !g->mounts[4].bind && strcmp (g->mounts[4].type, "tmpfs") == 0
              && has_option (&g->mounts[4], "mode=1777") && has_option (&g->mounts[4], "size=")
              && (g->mounts[4].flags & MS_NOSUID),
          "the /dev/shm bind is a tmpfs of the host one's size with its flags");
  hy_error_free (&err);
}

static void
report (int out, char c)
{
  if (write (out, &c, 1) != 1)
    _exit (1);
}

/* In a child: stage, tell the parent, wait for it to look, then drive the
 * 9P server over the staging folder.  Each check is one byte on `out`. */
static void
staging_child (struct vmm_volumes *v, const char *vols, int out, int in)
{
  hy_error_t err = NULL;
  char c, p[128];

  if (vmm_volumes_stage (v, vols, &err) < 0)
    {
      dprintf (out, "E%s\n", err->msg);
      _exit (1);
    }
  if (write (out, "S", 1) != 1 || read (in, &c, 1) != 1)
    _exit (1);
  srv = p9_server_create (vols, &err);
  if (srv == NULL)
    _exit (1);
  msg (100, "4s", 131072 + 24, "9P2000.L");
  msg (104, "44ss4", 0, NOFID, "root", "", 0);
  /* rw folder: a new file lands in the source */
  snprintf (p, sizeof (p), "%s/data/new", dir);
  c = msg (110, "442s", 0, 1, 1, "1") == 111 && msg (14, "4s444", 1, "new", O_RDWR, 0644, 0) == 15
              && access (p, F_OK) == 0
          ? '1'
          : '0';
  report (out, c);
  /* ro folder: EROFS */
  c = msg (110, "442s", 0, 2, 1, "2") == 111 && msg (14, "4s444", 2, "new", O_RDWR, 0644, 0) == 7
              && lerror () == EROFS
          ? '1'
          : '0';
  report (out, c);
  /* the file, read; changed on the host in place; read again */
  c = msg (110, "442s", 0, 3, 1, "3") == 111 && msg (12, "44", 3, O_RDONLY) == 13
              && msg (116, "484", 3, (uint64_t)0, 64) == 117 && p9_get32 (&reply) == 6
              && memcmp (resp + 11, "first\n", 6) == 0
          ? '1'
          : '0';
  write_file ("hosts", "second\n");
  if (c == '1')
    c = msg (116, "484", 3, (uint64_t)0, 64) == 117 && p9_get32 (&reply) == 7
                && memcmp (resp + 11, "second\n", 7) == 0
            ? '1'
            : '0';
  report (out, c);
  /* the staging root itself takes nothing */
  c = msg (72, "4s44", 0, "x", 0755, 0) == 7 && lerror () == EROFS ? '1' : '0';
  report (out, c);
  p9_server_destroy (srv);
  _exit (0);
}

static void
test_staging (struct vmm_volumes *v)
{
  static const char *const names[] = {
    "a file created over 9P in the rw folder volume lands in the host folder",
    "a file created in the ro folder volume is EROFS",
    "the bound file reads, and after a host-side change reads the new content",
    "the staging root takes no new entry (EROFS)",
  };
  cleanup_free char *vols = NULL, *mi = NULL;
  int to_parent[2], to_child[2], status;
  char c, line[512], *r;
  size_t i;
  pid_t pid;
  FILE *f;
  bool leak = false, seen = false;

  if (geteuid () != 0)
    {
      for (i = 0; i < 6; i++)
        tap_skip ("needs root (mounts)", "staging");
      return;
    }
  if (asprintf (&vols, "%s/vols", dir) < 0 || mkdir (vols, 0700) < 0 || pipe (to_parent) < 0
      || pipe (to_child) < 0)
    abort ();
  pid = fork ();
  if (pid == 0)
    staging_child (v, vols, to_parent[1], to_child[0]);
  close (to_parent[1]);
  close (to_child[0]);
  r = read (to_parent[0], &c, 1) == 1 && c == 'S' ? NULL : (char *)"no";
  if (r == NULL && asprintf (&mi, "/proc/%d/mountinfo", (int)pid) > 0 && (f = fopen (mi, "r")))
    {
      while (fgets (line, sizeof (line), f))
        seen |= strstr (line, vols) != NULL;
      fclose (f);
    }
  if ((f = fopen ("/proc/self/mountinfo", "r")))
    {
      while (fgets (line, sizeof (line), f))
        leak |= strstr (line, vols) != NULL;
      fclose (f);
    }
  tap_ok (r == NULL && seen, "the staging mounts are in the staging process's namespace");
  tap_ok (r == NULL && !leak, "and not in the parent's");
  if (write (to_child[1], "g", 1) != 1)
    abort ();
  for (i = 0; i < 4; i++)
    tap_ok (read (to_parent[0], &c, 1) == 1 && c == '1', "%s", names[i]);
  waitpid (pid, &status, 0);
  rmdir (vols);
}

int
main (void)
{
  struct vmm_volumes v = { 0 };
  char p[128];

  tap_plan (12);
  strcpy (dir, "/tmp/hyrun-vols.XXXXXX");
  if (mkdtemp (dir) == NULL)
    abort ();
  snprintf (p, sizeof (p), "%s/data", dir);
  mkdir (p, 0755);
  snprintf (p, sizeof (p), "%s/ro", dir);
  mkdir (p, 0755);
  snprintf (p, sizeof (p), "%s/rootfs", dir);
  mkdir (p, 0755);
  snprintf (p, sizeof (p), "%s/rootfs/inner", dir);
  mkdir (p, 0755);
  write_file ("hosts", "first\n");
  test_plan (&v);
  test_staging (&v);
  vmm_volumes_fini (&v);
  snprintf (p, sizeof (p), "rm -rf %s", dir);
  if (system (p) != 0)
    tap_diag ("could not remove %s", dir);
  return tap_done ();
}

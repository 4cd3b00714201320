/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container state: the private state file, runc's `state` and `list`
 * output, and the OCI state object given to hooks. */
#include "spec/state.h"
#include "common/cleanup.h"
#include "common/passwd.h"
#include "common/xalloc.h"
#include "spec/jsonw.h"
#include "spec/parse_util.h"

#include <stdlib.h>
#include <string.h>

static void
write_annotations (struct jsonw *w, const struct spec_state *st, bool always)
{
  size_t i;

  if (st->n_annotations == 0 && !always)
    return;
  jsonw_key (w, "annotations");
  jsonw_begin_object (w);
  for (i = 0; i < st->n_annotations; i++)
    {
      jsonw_key (w, st->annotations[i].key);
      jsonw_string (w, st->annotations[i].value);
    }
  jsonw_end_object (w);
}

static void
write_public (struct jsonw *w, const struct spec_state *st, const char *owner)
{
  jsonw_begin_object (w);
  jsonw_key (w, "ociVersion");
  jsonw_string (w, st->oci_version ? st->oci_version : "1.2.0");
  jsonw_key (w, "id");
  jsonw_string (w, st->id);
  jsonw_key (w, "pid");
  jsonw_int (w, st->status && strcmp (st->status, "stopped") == 0 ? 0 : st->pid);
  jsonw_key (w, "status");
  jsonw_string (w, st->status ? st->status : "stopped");
  jsonw_key (w, "bundle");
  jsonw_string (w, st->bundle);
  jsonw_key (w, "rootfs");
  jsonw_string (w, st->rootfs);
  jsonw_key (w, "created");
  jsonw_string (w, st->created);
  write_annotations (w, st, false);
  jsonw_key (w, "owner");
  jsonw_string (w, owner);
  jsonw_end_object (w);
}

static void
write_file (struct jsonw *w, const struct spec_state *st)
{
  jsonw_begin_object (w);
  jsonw_key (w, "ociVersion");
  jsonw_string (w, st->oci_version ? st->oci_version : "1.2.0");
  jsonw_key (w, "id");
  jsonw_string (w, st->id);
  jsonw_key (w, "pid");
  jsonw_int (w, st->pid);
  jsonw_key (w, "pidStartTime");
  jsonw_uint (w, st->pid_start_time);
  jsonw_key (w, "bundle");
  jsonw_string (w, st->bundle);
  jsonw_key (w, "rootfs");
  jsonw_string (w, st->rootfs);
  jsonw_key (w, "created");
  jsonw_string (w, st->created);
  jsonw_key (w, "ownerUid");
  jsonw_uint (w, st->owner_uid);
  write_annotations (w, st, false);
  jsonw_key (w, "cgroupPath");
  jsonw_string (w, st->cgroup_path);
  jsonw_key (w, "systemdCgroup");
  jsonw_bool (w, st->systemd_cgroup);
  jsonw_key (w, "isolation");
  jsonw_string (w, st->isolation ? st->isolation : "container");
  jsonw_key (w, "vmMemMiB");
  jsonw_uint (w, st->vm_mem_mib);
  jsonw_key (w, "terminal");
  jsonw_bool (w, st->terminal);
  jsonw_key (w, "hostMounts");
  jsonw_bool (w, st->host_mounts);
  jsonw_end_object (w);
}

static void
write_hook (struct jsonw *w, const struct spec_state *st)
{
  jsonw_begin_object (w);
  jsonw_key (w, "ociVersion");
  jsonw_string (w, st->oci_version ? st->oci_version : "1.2.0");
  jsonw_key (w, "id");
  jsonw_string (w, st->id);
  jsonw_key (w, "status");
  jsonw_string (w, st->status ? st->status : "creating");
  jsonw_key (w, "pid");
  jsonw_int (w, st->pid);
  jsonw_key (w, "bundle");
  jsonw_string (w, st->bundle);
  write_annotations (w, st, true);
  jsonw_end_object (w);
}

char *
spec_state_to_json (const struct spec_state *st, enum spec_state_format format)
{
  struct jsonw *w = jsonw_new (format == SPEC_STATE_PUBLIC);

  if (format == SPEC_STATE_PUBLIC)
    write_public (w, st, "");
  else if (format == SPEC_STATE_FILE)
    write_file (w, st);
  else
    write_hook (w, st);
  return jsonw_finish (w, NULL);
}

char *
spec_state_list_json (struct spec_state **states, size_t n)
{
  struct jsonw *w = jsonw_new (false);
  size_t i;

  jsonw_begin_array (w);
  for (i = 0; i < n; i++)
    {
      cleanup_free char *owner = hy_uid_name (states[i]->owner_uid);
      write_public (w, states[i], owner);
    }
  jsonw_end_array (w);
  return jsonw_finish (w, NULL);
}

struct spec_state *
spec_state_parse (const char *name, const char *json, size_t len, hy_error_t *err)
{
  struct pctx c = { name, err };
  cleanup_free char *copy = xstrndup (json, len);
  char errbuf[256] = "";
  yajl_val t = yajl_tree_parse (copy, errbuf, sizeof (errbuf));
  struct spec_state *st;
  int64_t pid = 0;
  uint64_t v = 0, start = 0;

  if (t == NULL || !YAJL_IS_OBJECT (t))
    {
      if (t)
        yajl_tree_free (t);
      hy_error_set (err, 0, "%s: corrupt state file: %s", name, errbuf);
      return NULL;
    }
  st = xzalloc (sizeof (*st));
  if (get_string (&c, t, "", "ociVersion", &st->oci_version) < 0
      || get_string (&c, t, "", "id", &st->id) < 0 || get_int64 (&c, t, "", "pid", &pid) < 0
      || get_uint64 (&c, t, "", "pidStartTime", &start) < 0
      || get_string (&c, t, "", "bundle", &st->bundle) < 0
      || get_string (&c, t, "", "rootfs", &st->rootfs) < 0
      || get_string (&c, t, "", "created", &st->created) < 0
      || get_uint64 (&c, t, "", "ownerUid", &v) < 0
      || get_kv (&c, t, "", "annotations", &st->annotations, &st->n_annotations) < 0
      || get_string (&c, t, "", "cgroupPath", &st->cgroup_path) < 0
      || get_bool (&c, t, "", "systemdCgroup", &st->systemd_cgroup) < 0
      || get_string (&c, t, "", "isolation", &st->isolation) < 0
      || get_uint64 (&c, t, "", "vmMemMiB", &st->vm_mem_mib) < 0
      || get_bool (&c, t, "", "terminal", &st->terminal) < 0
      || get_bool (&c, t, "", "hostMounts", &st->host_mounts) < 0)
    {
      yajl_tree_free (t);
      spec_state_free (st);
      return NULL;
    }
  yajl_tree_free (t);
  st->pid = (pid_t)pid;
  st->pid_start_time = start;
  st->owner_uid = (uid_t)v;
  if (st->id == NULL)
    {
      spec_state_free (st);
      hy_error_set (err, 0, "%s: corrupt state file: no id", name);
      return NULL;
    }
  return st;
}

void
spec_state_free (struct spec_state *st)
{
  size_t i;

  if (st == NULL)
    return;
  free (st->oci_version);
  free (st->id);
  free (st->status);
  free (st->bundle);
  free (st->rootfs);
  free (st->created);
  for (i = 0; i < st->n_annotations; i++)
    {
      free (st->annotations[i].key);
      free (st->annotations[i].value);
    }
  free (st->annotations);
  free (st->cgroup_path);
  free (st->isolation);
  free (st);
}

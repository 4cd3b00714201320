/* SPDX-License-Identifier: GPL-2.0-or-later */
/* config.json → struct spec: the top level, root, annotations, hooks and
 * the standalone process/resources documents.  The whole file is checked
 * here before anything on the host is touched (DESIGN.md, step 1). */
#include "spec/parse_util.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "spec/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

/* Read a whole file (configs are small; refuse anything absurd). */
static char *
read_file (const char *path, size_t *len, hy_error_t *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  char *buf;
  size_t off = 0;

  if (fd < 0)
    {
      hy_error_set (err, errno, "open `%s`", path);
      return NULL;
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      hy_error_set (err, errno ? errno : EINVAL, "`%s` is not a regular file", path);
      return NULL;
    }
  if (st.st_size > 64 * 1024 * 1024)
    {
      hy_error_set (err, 0, "`%s`: file too large", path);
      return NULL;
    }
  buf = xmalloc (st.st_size + 1);
  while (off < (size_t)st.st_size)
    {
      ssize_t r = read (fd, buf + off, st.st_size - off);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        {
          free (buf);
          hy_error_set (err, r < 0 ? errno : EIO, "read `%s`", path);
          return NULL;
        }
      off += r;
    }
  buf[off] = '\0';
  *len = off;
  return buf;
}

/* yajl_tree's message spans lines and quotes the input; say instead
 * "line L, column C: <short message>" from a second, callback-less pass. */
static void
json_syntax_error (struct pctx *c, const char *json, size_t len)
{
  yajl_handle h = yajl_alloc (NULL, NULL, NULL);
  yajl_status st;
  size_t at, line = 1, col = 1;
  unsigned char *msg;

  st = yajl_parse (h, (const unsigned char *)json, len);
  at = st == yajl_status_ok ? len : yajl_get_bytes_consumed (h);
  if (st == yajl_status_ok)
    yajl_complete_parse (h); /* premature EOF: the error is at the end */
  for (size_t i = 0; i < at && i < len; i++)
    {
      col = json[i] == '\n' ? 1 : col + 1;
      line += json[i] == '\n';
    }
  msg = yajl_get_error (h, 0, (const unsigned char *)json, len);
  hy_error_set (c->err, 0, "%s: invalid JSON at line %zu, column %zu: %s", c->file, line, col,
                msg ? (const char *)msg : "syntax error");
  if (msg)
    yajl_free_error (h, msg);
  yajl_free (h);
}

static yajl_val
parse_tree (struct pctx *c, const char *json, size_t len)
{
  char errbuf[512] = "";
  cleanup_free char *copy = xstrndup (json, len);
  yajl_val tree = yajl_tree_parse (copy, errbuf, sizeof (errbuf));

  if (tree == NULL)
    {
      json_syntax_error (c, json, len);
      return NULL;
    }
  if (!YAJL_IS_OBJECT (tree))
    {
      hy_error_set (c->err, 0, "%s: the document must be a JSON object", c->file);
      yajl_tree_free (tree);
      return NULL;
    }
  return tree;
}

static int
parse_root (struct pctx *c, yajl_val top, struct spec *s)
{
  yajl_val v;

  if (get_object (c, top, "", "root", &v) < 0)
    return -1;
  if (v == NULL)
    return perr (c, "root", "required on Linux");
  s->root = xzalloc (sizeof (*s->root));
  if (get_string (c, v, "root", "path", &s->root->path) < 0
      || get_bool (c, v, "root", "readonly", &s->root->readonly) < 0)
    return -1;
  if (s->root->path == NULL || s->root->path[0] == '\0')
    return perr (c, "root.path", "required");
  return 0;
}

static int
parse_vm (struct pctx *c, yajl_val top, struct spec *s)
{
  yajl_val v, k;

  if (get_object (c, top, "", "vm", &v) < 0)
    return -1;
  if (v == NULL)
    return 0;
  s->vm = xzalloc (sizeof (*s->vm));
  if (get_object (c, v, "vm", "kernel", &k) < 0)
    return -1;
  if (k == NULL)
    return perr (c, "vm.kernel", "required");
  if (get_string (c, k, "vm.kernel", "path", &s->vm->kernel_path) < 0
      || get_strv (c, k, "vm.kernel", "parameters", &s->vm->kernel_parameters,
                   &s->vm->n_kernel_parameters)
             < 0
      || get_string (c, k, "vm.kernel", "initrd", &s->vm->kernel_initrd) < 0)
    return -1;
  if (s->vm->kernel_path == NULL)
    return perr (c, "vm.kernel.path", "required");
  if (get_object (c, v, "vm", "hypervisor", &k) < 0
      || (k && get_string (c, k, "vm.hypervisor", "path", &s->vm->hypervisor_path) < 0))
    return -1;
  return 0;
}

static int
parse_top (struct pctx *c, yajl_val top, struct spec *s)
{
  yajl_val v;

  if (get_string (c, top, "", "ociVersion", &s->oci_version) < 0)
    return -1;
  if (s->oci_version == NULL)
    return perr (c, "ociVersion", "required");
  if (parse_root (c, top, s) < 0)
    return -1;
  if (get_object (c, top, "", "process", &v) < 0
      || (v && parse_process (c, v, "process", &s->process) < 0))
    return -1;
  if (get_string (c, top, "", "hostname", &s->hostname) < 0
      || get_string (c, top, "", "domainname", &s->domainname) < 0)
    return -1;
  if (get_array (c, top, "", "mounts", &v) < 0
      || (v && parse_mounts (c, v, "mounts", &s->mounts, &s->n_mounts) < 0))
    return -1;
  if (get_object (c, top, "", "hooks", &v) < 0 || (v && parse_hooks (c, v, "hooks", &s->hooks) < 0))
    return -1;
  if (get_kv (c, top, "", "annotations", &s->annotations, &s->n_annotations) < 0)
    return -1;
  if (get_object (c, top, "", "linux", &v) < 0
      || (v && parse_linux (c, v, "linux", &s->linux_) < 0))
    return -1;
  if (parse_vm (c, top, s) < 0)
    return -1;
  /* The spec requires a UTS namespace for hostname (runc: "unable to set
   * hostname without a private UTS namespace"). */
  if ((s->hostname || s->domainname) && spec_namespace_find (s, SPEC_NS_UTS) == NULL)
    return perr (c, s->hostname ? "hostname" : "domainname",
                 "requires a private UTS namespace (linux.namespaces has no \"uts\")");
  /* A read-only / in the runtime's own mount namespace is the host's. */
  if (s->root && s->root->readonly && spec_namespace_find (s, SPEC_NS_MOUNT) == NULL)
    return perr (c, "root.readonly",
                 "requires a mount namespace (linux.namespaces has no \"mount\")");
  return 0;
}

struct spec *
spec_parse (const char *name, const char *json, size_t len, hy_error_t *err)
{
  struct pctx c = { name, err };
  struct spec *s;
  yajl_val tree = parse_tree (&c, json, len);

  if (tree == NULL)
    return NULL;
  s = xzalloc (sizeof (*s));
  if (parse_top (&c, tree, s) < 0)
    {
      yajl_tree_free (tree);
      spec_free (s);
      return NULL;
    }
  yajl_tree_free (tree);
  return s;
}

struct spec *
spec_load (const char *path, hy_error_t *err)
{
  cleanup_free char *json = NULL;
  const char *base = strrchr (path, '/');
  size_t len;

  json = read_file (path, &len, err);
  if (json == NULL)
    return NULL;
  return spec_parse (base ? base + 1 : path, json, len, err);
}

struct spec_process *
spec_process_parse (const char *name, const char *json, size_t len, hy_error_t *err)
{
  struct pctx c = { name, err };
  struct spec_process *p = NULL;
  yajl_val tree = parse_tree (&c, json, len);

  if (tree == NULL)
    return NULL;
  if (parse_process (&c, tree, "process", &p) < 0)
    {
      spec_process_free (p);
      p = NULL;
    }
  yajl_tree_free (tree);
  return p;
}

struct spec_process *
spec_process_load (const char *path, hy_error_t *err)
{
  cleanup_free char *json = NULL;
  size_t len;

  json = read_file (path, &len, err);
  return json ? spec_process_parse (path, json, len, err) : NULL;
}

struct spec_resources *
spec_resources_parse (const char *name, const char *json, size_t len, hy_error_t *err)
{
  struct pctx c = { name, err };
  struct spec_resources *r = NULL;
  yajl_val tree = parse_tree (&c, json, len);

  if (tree == NULL)
    return NULL;
  if (parse_resources (&c, tree, "resources", &r) < 0)
    {
      spec_resources_free (r);
      r = NULL;
    }
  yajl_tree_free (tree);
  return r;
}

/* ---- hooks ---- */

static int
parse_hook_list (struct pctx *c, yajl_val obj, const char *parent, const char *key,
                 struct spec_hook **out, size_t *n)
{
  yajl_val arr;
  cleanup_free char *p = path_key (parent, key);
  size_t i;
  int r = get_array (c, obj, parent, key, &arr);

  if (r <= 0)
    return r;
  *out = xcalloc (arr->u.array.len, sizeof (**out));
  *n = arr->u.array.len;
  for (i = 0; i < arr->u.array.len; i++)
    {
      cleanup_free char *pi = path_idx (p, i);
      yajl_val h = arr->u.array.values[i];
      struct spec_hook *hk = &(*out)[i];
      int t = 0;

      if (!YAJL_IS_OBJECT (h))
        return perr (c, pi, "expected an object");
      if (get_string (c, h, pi, "path", &hk->path) < 0
          || get_strv (c, h, pi, "args", &hk->args, &hk->n_args) < 0
          || get_strv (c, h, pi, "env", &hk->env, &hk->n_env) < 0)
        return -1;
      if (hk->path == NULL || hk->path[0] != '/')
        {
          cleanup_free char *pp = path_key (pi, "path");
          return perr (c, pp, "must be an absolute path");
        }
      r = get_int (c, h, pi, "timeout", &t);
      if (r < 0)
        return -1;
      if (r > 0 && t <= 0)
        {
          cleanup_free char *pt = path_key (pi, "timeout");
          return perr (c, pt, "must be greater than zero");
        }
      hk->has_timeout = r > 0;
      hk->timeout = t;
    }
  return 0;
}

int
parse_hooks (struct pctx *c, yajl_val v, const char *path, struct spec_hooks **out)
{
  struct spec_hooks *h = xzalloc (sizeof (*h));

  *out = h;
  if (parse_hook_list (c, v, path, "prestart", &h->prestart, &h->n_prestart) < 0
      || parse_hook_list (c, v, path, "createRuntime", &h->create_runtime, &h->n_create_runtime) < 0
      || parse_hook_list (c, v, path, "createContainer", &h->create_container,
                          &h->n_create_container)
             < 0
      || parse_hook_list (c, v, path, "startContainer", &h->start_container, &h->n_start_container)
             < 0
      || parse_hook_list (c, v, path, "poststart", &h->poststart, &h->n_poststart) < 0
      || parse_hook_list (c, v, path, "poststop", &h->poststop, &h->n_poststop) < 0)
    return -1;
  return 0;
}

/* ---- lookups ---- */

const char *
spec_annotation (const struct spec *s, const char *key)
{
  size_t i;

  for (i = 0; s && i < s->n_annotations; i++)
    if (strcmp (s->annotations[i].key, key) == 0)
      return s->annotations[i].value;
  return NULL;
}

const struct spec_namespace *
spec_namespace_find (const struct spec *s, enum spec_ns_type type)
{
  size_t i;

  if (s == NULL || s->linux_ == NULL)
    return NULL;
  for (i = 0; i < s->linux_->n_namespaces; i++)
    if (s->linux_->namespaces[i].type == type)
      return &s->linux_->namespaces[i];
  return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Typed, path-aware accessors over the yajl tree: the only place that
 * turns JSON values into C scalars, so type and range errors read alike. */
#include "spec/parse_util.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "spec/spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
perr (struct pctx *c, const char *path, const char *fmt, ...)
{
  cleanup_free char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return hy_error_set (c->err, 0, "%s: %s: %s", c->file, path, msg);
}

char *
path_key (const char *parent, const char *key)
{
  return parent && parent[0] ? xasprintf ("%s.%s", parent, key) : xstrdup (key);
}

char *
path_idx (const char *parent, size_t i)
{
  return xasprintf ("%s[%zu]", parent, i);
}

yajl_val
obj_get (yajl_val obj, const char *key)
{
  size_t i;

  if (obj == NULL || !YAJL_IS_OBJECT (obj))
    return NULL;
  /* The last duplicate wins, as with Go's encoding/json. */
  for (i = obj->u.object.len; i > 0; i--)
    if (strcmp (obj->u.object.keys[i - 1], key) == 0)
      {
        yajl_val v = obj->u.object.values[i - 1];
        return YAJL_IS_NULL (v) ? NULL : v;
      }
  return NULL;
}

int
get_string (struct pctx *c, yajl_val obj, const char *parent, const char *key, char **out)
{
  yajl_val v = obj_get (obj, key);
  cleanup_free char *p = NULL;

  if (v == NULL)
    return 0;
  if (!YAJL_IS_STRING (v))
    {
      p = path_key (parent, key);
      return perr (c, p, "expected a string");
    }
  free (*out);
  *out = xstrdup (YAJL_GET_STRING (v));
  return 1;
}

int
get_bool (struct pctx *c, yajl_val obj, const char *parent, const char *key, bool *out)
{
  yajl_val v = obj_get (obj, key);
  cleanup_free char *p = NULL;

  if (v == NULL)
    return 0;
  if (!YAJL_IS_TRUE (v) && !YAJL_IS_FALSE (v))
    {
      p = path_key (parent, key);
      return perr (c, p, "expected a boolean");
    }
  *out = YAJL_IS_TRUE (v);
  return 1;
}

/* yajl keeps integer text; reparse for the full unsigned range. */
static int
number_text (struct pctx *c, yajl_val v, const char *p, const char **text)
{
  if (!YAJL_IS_NUMBER (v))
    return perr (c, p, "expected a number");
  if (!YAJL_IS_INTEGER (v) && strpbrk (v->u.number.r, ".eE"))
    return perr (c, p, "expected an integer, got %s", v->u.number.r);
  *text = v->u.number.r;
  return 0;
}

int
get_int64 (struct pctx *c, yajl_val obj, const char *parent, const char *key, int64_t *out)
{
  yajl_val v = obj_get (obj, key);
  cleanup_free char *p = NULL;
  const char *t;
  char *end;
  long long r;

  if (v == NULL)
    return 0;
  p = path_key (parent, key);
  if (number_text (c, v, p, &t) < 0)
    return -1;
  errno = 0;
  r = strtoll (t, &end, 10);
  if (errno || *end)
    return perr (c, p, "integer out of range: %s", t);
  *out = r;
  return 1;
}

int
get_uint64 (struct pctx *c, yajl_val obj, const char *parent, const char *key, uint64_t *out)
{
  yajl_val v = obj_get (obj, key);
  cleanup_free char *p = NULL;
  const char *t;
  char *end;
  unsigned long long r;

  if (v == NULL)
    return 0;
  p = path_key (parent, key);
  if (number_text (c, v, p, &t) < 0)
    return -1;
  if (t[0] == '-')
    return perr (c, p, "must not be negative: %s", t);
  errno = 0;
  r = strtoull (t, &end, 10);
  if (errno || *end)
    return perr (c, p, "integer out of range: %s", t);
  *out = r;
  return 1;
}

int
get_uint32 (struct pctx *c, yajl_val obj, const char *parent, const char *key, uint32_t *out)
{
  uint64_t v;
  int r = get_uint64 (c, obj, parent, key, &v);
  cleanup_free char *p = NULL;

  if (r <= 0)
    return r;
  if (v > UINT32_MAX)
    {
      p = path_key (parent, key);
      return perr (c, p, "integer out of range: %llu", (unsigned long long)v);
    }
  *out = (uint32_t)v;
  return 1;
}

int
get_int (struct pctx *c, yajl_val obj, const char *parent, const char *key, int *out)
{
  int64_t v;
  int r = get_int64 (c, obj, parent, key, &v);
  cleanup_free char *p = NULL;

  if (r <= 0)
    return r;
  if (v < INT32_MIN || v > INT32_MAX)
    {
      p = path_key (parent, key);
      return perr (c, p, "integer out of range: %lld", (long long)v);
    }
  *out = (int)v;
  return 1;
}

int
get_object (struct pctx *c, yajl_val obj, const char *parent, const char *key, yajl_val *out)
{
  yajl_val v = obj_get (obj, key);
  cleanup_free char *p = NULL;

  *out = NULL;
  if (v == NULL)
    return 0;
  if (!YAJL_IS_OBJECT (v))
    {
      p = path_key (parent, key);
      return perr (c, p, "expected an object");
    }
  *out = v;
  return 1;
}

int
get_array (struct pctx *c, yajl_val obj, const char *parent, const char *key, yajl_val *out)
{
  yajl_val v = obj_get (obj, key);
  cleanup_free char *p = NULL;

  *out = NULL;
  if (v == NULL)
    return 0;
  if (!YAJL_IS_ARRAY (v))
    {
      p = path_key (parent, key);
      return perr (c, p, "expected an array");
    }
  *out = v;
  return 1;
}

int
get_strv (struct pctx *c, yajl_val obj, const char *parent, const char *key, char ***out, size_t *n)
{
  yajl_val arr;
  cleanup_free char *p = NULL;
  char **v;
  size_t i;
  int r = get_array (c, obj, parent, key, &arr);

  if (r <= 0)
    return r;
  p = path_key (parent, key);
  v = xcalloc (arr->u.array.len + 1, sizeof (char *));
  for (i = 0; i < arr->u.array.len; i++)
    {
      yajl_val s = arr->u.array.values[i];
      if (!YAJL_IS_STRING (s))
        {
          cleanup_free char *pi = path_idx (p, i);
          cleanup_strvp (&v);
          return perr (c, pi, "expected a string");
        }
      v[i] = xstrdup (YAJL_GET_STRING (s));
    }
  *out = v;
  *n = arr->u.array.len;
  return 1;
}

int
get_kv (struct pctx *c, yajl_val obj, const char *parent, const char *key, struct spec_kv **out,
        size_t *n)
{
  yajl_val o;
  cleanup_free char *p = NULL;
  struct spec_kv *kv;
  size_t i;
  int r = get_object (c, obj, parent, key, &o);

  if (r <= 0)
    return r;
  p = path_key (parent, key);
  kv = xcalloc (o->u.object.len, sizeof (*kv));
  for (i = 0; i < o->u.object.len; i++)
    {
      yajl_val s = o->u.object.values[i];
      if (!YAJL_IS_STRING (s))
        {
          cleanup_free char *pk = path_key (p, o->u.object.keys[i]);
          size_t j;
          for (j = 0; j < i; j++)
            {
              free (kv[j].key);
              free (kv[j].value);
            }
          free (kv);
          return perr (c, pk, "expected a string");
        }
      kv[i].key = xstrdup (o->u.object.keys[i]);
      kv[i].value = xstrdup (YAJL_GET_STRING (s));
    }
  *out = kv;
  *n = o->u.object.len;
  return 1;
}

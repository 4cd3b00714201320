/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON writer behind spec/jsonw.h, over yajl_gen. */
#include "spec/jsonw.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

struct jsonw
{
  yajl_gen g;
};

struct jsonw *
jsonw_new (bool pretty)
{
  struct jsonw *w = xzalloc (sizeof (*w));

  w->g = yajl_gen_alloc (NULL);
  if (w->g == NULL)
    abort ();
  yajl_gen_config (w->g, yajl_gen_beautify, pretty ? 1 : 0);
  yajl_gen_config (w->g, yajl_gen_indent_string, "  ");
  yajl_gen_config (w->g, yajl_gen_validate_utf8, 0);
  return w;
}

void
jsonw_begin_object (struct jsonw *w)
{
  yajl_gen_map_open (w->g);
}

void
jsonw_end_object (struct jsonw *w)
{
  yajl_gen_map_close (w->g);
}

void
jsonw_begin_array (struct jsonw *w)
{
  yajl_gen_array_open (w->g);
}

void
jsonw_end_array (struct jsonw *w)
{
  yajl_gen_array_close (w->g);
}

void
jsonw_key (struct jsonw *w, const char *key)
{
  jsonw_string (w, key);
}

void
jsonw_string (struct jsonw *w, const char *s)
{
  if (s == NULL)
    yajl_gen_null (w->g);
  else
    yajl_gen_string (w->g, (const unsigned char *)s, strlen (s));
}

void
jsonw_int (struct jsonw *w, long long v)
{
  yajl_gen_integer (w->g, v);
}

void
jsonw_uint (struct jsonw *w, unsigned long long v)
{
  char buf[32];
  int n = snprintf (buf, sizeof (buf), "%llu", v);

  yajl_gen_number (w->g, buf, n);
}

void
jsonw_double (struct jsonw *w, double v)
{
  yajl_gen_double (w->g, v);
}

void
jsonw_bool (struct jsonw *w, bool v)
{
  yajl_gen_bool (w->g, v);
}

void
jsonw_null (struct jsonw *w)
{
  yajl_gen_null (w->g);
}

char *
jsonw_finish (struct jsonw *w, size_t *len)
{
  const unsigned char *buf;
  size_t n = 0;
  char *out;

  yajl_gen_get_buf (w->g, &buf, &n);
  out = xstrndup ((const char *)buf, n);
  /* yajl's beautifier ends with a newline; callers add their own. */
  while (n > 0 && out[n - 1] == '\n')
    out[--n] = '\0';
  if (len)
    *len = n;
  jsonw_free (w);
  return out;
}

void
jsonw_free (struct jsonw *w)
{
  if (w == NULL)
    return;
  yajl_gen_free (w->g);
  free (w);
}

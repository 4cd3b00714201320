/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small JSON writer for code outside spec/ (STYLE.md rule 9: JSON library
 * headers stay under spec/).  Calls append in document order; strings are
 * escaped.  jsonw_finish() returns the NUL-terminated text. */
#ifndef HY_JSONW_H
#define HY_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jsonw;

/* pretty: two-space indentation as Go's json.MarshalIndent (runc's `state`). */
struct jsonw *jsonw_new (bool pretty);
void jsonw_begin_object (struct jsonw *w);
void jsonw_end_object (struct jsonw *w);
void jsonw_begin_array (struct jsonw *w);
void jsonw_end_array (struct jsonw *w);
void jsonw_key (struct jsonw *w, const char *key);
void jsonw_string (struct jsonw *w, const char *s); /* NULL writes null */
void jsonw_int (struct jsonw *w, long long v);
void jsonw_uint (struct jsonw *w, unsigned long long v);
void jsonw_double (struct jsonw *w, double v);
void jsonw_bool (struct jsonw *w, bool v);
void jsonw_null (struct jsonw *w);
/* Returns the malloc'ed document and frees the writer. */
char *jsonw_finish (struct jsonw *w, size_t *len);
void jsonw_free (struct jsonw *w);

#endif

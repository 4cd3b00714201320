/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Typed accessors over the yajl tree used by the config parser.  Every
 * accessor takes the JSON path of the value so an error names it:
 * "config.json: process.args[0]: expected a string". */
#ifndef HY_SPEC_PARSE_UTIL_H
#define HY_SPEC_PARSE_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "common/error.h"

struct pctx
{
  const char *file; /* "config.json" */
  hy_error_t *err;
};

/* Report "FILE: PATH: message" and return -1. */
int perr (struct pctx *c, const char *path, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Child path "parent.key" / "parent[i]" (malloc'ed). */
char *path_key (const char *parent, const char *key);
char *path_idx (const char *parent, size_t i);

/* Member lookup; NULL when absent or JSON null. */
yajl_val obj_get (yajl_val obj, const char *key);

/* Each returns 0 when absent (leaving *out alone and *has false when
 * given), 1 when set, -1 on a type or range error. */
int get_string (struct pctx *c, yajl_val obj, const char *parent, const char *key, char **out);
int get_bool (struct pctx *c, yajl_val obj, const char *parent, const char *key, bool *out);
int get_int64 (struct pctx *c, yajl_val obj, const char *parent, const char *key, int64_t *out);
int get_uint64 (struct pctx *c, yajl_val obj, const char *parent, const char *key, uint64_t *out);
int get_uint32 (struct pctx *c, yajl_val obj, const char *parent, const char *key, uint32_t *out);
int get_int (struct pctx *c, yajl_val obj, const char *parent, const char *key, int *out);
/* Array of strings: *out NULL-terminated, *n its length. */
int get_strv (struct pctx *c, yajl_val obj, const char *parent, const char *key, char ***out,
              size_t *n);
/* Object member that must be an object / array when present. */
int get_object (struct pctx *c, yajl_val obj, const char *parent, const char *key, yajl_val *out);
int get_array (struct pctx *c, yajl_val obj, const char *parent, const char *key, yajl_val *out);
/* Object of string values ("annotations", "sysctl"). */
struct spec_kv;
int get_kv (struct pctx *c, yajl_val obj, const char *parent, const char *key, struct spec_kv **out,
            size_t *n);

/* Parts of the parser, one file each. */
struct spec_process;
struct spec_linux;
struct spec_mount;
struct spec_hooks;
struct spec_resources;
struct spec_id_mapping;
int parse_process (struct pctx *c, yajl_val v, const char *path, struct spec_process **out);
int parse_linux (struct pctx *c, yajl_val v, const char *path, struct spec_linux **out);
int parse_mounts (struct pctx *c, yajl_val arr, const char *path, struct spec_mount **out,
                  size_t *n);
int parse_hooks (struct pctx *c, yajl_val v, const char *path, struct spec_hooks **out);
int parse_resources (struct pctx *c, yajl_val v, const char *path, struct spec_resources **out);
int parse_id_mappings (struct pctx *c, yajl_val arr, const char *path, struct spec_id_mapping **out,
                       size_t *n);
/* Mount options → flags (spec/mount_opts.c). */
int mount_opts_resolve (struct pctx *c, const char *path, struct spec_mount *m);
int propagation_from_name (const char *name, unsigned long *flags);

#endif

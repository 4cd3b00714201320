/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The isolation switch: io.hyrun.isolation picks namespaces or a KVM
 * guest for the same bundle. */
#include "runtime/create.h"
#include "spec/spec.h"

#include <string.h>

int
isolation_of (const struct spec *spec, enum isolation *out, hy_error_t *err)
{
  const char *v = spec_annotation (spec, "io.hyrun.isolation");

  *out = ISOLATION_CONTAINER;
  if (v == NULL || strcmp (v, "container") == 0)
    return 0;
  if (strcmp (v, "vm") == 0)
    {
      *out = ISOLATION_VM;
      return 0;
    }
  return hy_error_set (
      err, 0,
      "config.json: annotations.io.hyrun.isolation: must be \"container\" or \"vm\", got \"%s\"",
      v);
}

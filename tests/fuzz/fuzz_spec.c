/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: config.json parsing and validation (spec_parse), the
 * bundle's untrusted input.  Oracle besides the sanitizers: a config that
 * parses serializes (spec_to_json) to one that parses again. */
#include "common/error.h"
#include "spec/spec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  hy_error_t err = NULL;
  struct spec *s = spec_parse ("config.json", (const char *)data, size, &err);
  char *json;

  hy_error_free (&err);
  if (s == NULL)
    return 0;
  json = spec_to_json (s, &err);
  hy_error_free (&err);
  spec_free (s);
  if (json)
    {
      struct spec *again = spec_parse ("roundtrip.json", json, strlen (json), &err);
      if (again == NULL)
        abort (); /* what we wrote we must read */
      spec_free (again);
      free (json);
    }
  return 0;
}

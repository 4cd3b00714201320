/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.uidMappings / gidMappings -> struct p9_idmap (idmap.h).  The
 * agent applies the same mappings in the guest, so the ids the guest
 * kernel sends over 9P are the map's host ids. */
#include "kvm-shim/vmm/idmap.h"

#include <errno.h>
#include <string.h>

static int
ranges (const struct spec_id_mapping *m, size_t n, struct p9_idrange *out, size_t *n_out,
        const char *field, hy_error_t *err)
{
  size_t i;

  if (n > P9_IDMAP_MAX)
    return hy_error_set (err, EINVAL, "linux.%s: VM mode serves at most %d ranges", field,
                         P9_IDMAP_MAX);
  for (i = 0; i < n; i++)
    out[i] = (struct p9_idrange){ m[i].container_id, m[i].host_id, m[i].size };
  *n_out = n;
  return 0;
}

int
vmm_idmap_from_spec (const struct spec *spec, struct p9_idmap *map, hy_error_t *err)
{
  const struct spec_linux *l = spec->linux_;

  memset (map, 0, sizeof (*map));
  if (l == NULL || spec_namespace_find (spec, SPEC_NS_USER) == NULL || l->n_uid_mappings == 0
      || l->n_gid_mappings == 0)
    return 0;
  if (ranges (l->uid_mappings, l->n_uid_mappings, map->uid, &map->n_uid, "uidMappings", err) < 0
      || ranges (l->gid_mappings, l->n_gid_mappings, map->gid, &map->n_gid, "gidMappings", err) < 0)
    return -1;
  return 1;
}

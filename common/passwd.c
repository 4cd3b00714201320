/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A user name for a uid, read from /etc/passwd itself, as runc does: no
 * NSS, which a static hyrun cannot load (and `list` needs only a name). */
#include "common/passwd.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
hy_uid_name (uid_t uid)
{
  cleanup_file FILE *f = fopen ("/etc/passwd", "re");
  char line[1024];

  while (f && fgets (line, sizeof (line), f))
    {
      char *name = line, *colon = strchr (line, ':'), *uid_field, *end;
      if (colon == NULL || (uid_field = strchr (colon + 1, ':')) == NULL)
        continue;
      *colon = '\0';
      if (strtoul (uid_field + 1, &end, 10) == uid && *end == ':' && end != uid_field + 1)
        return xstrdup (name);
    }
  return xasprintf ("#%u", (unsigned)uid);
}

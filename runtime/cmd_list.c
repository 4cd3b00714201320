/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun list`: runc's table, JSON or ids. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "runtime/cli.h"
#include "runtime/state_dir.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
compare_ids (const void *a, const void *b)
{
  return strcmp ((*(struct spec_state *const *) a)->id, (*(struct spec_state *const *) b)->id);
}

static size_t
collect (const char *root, struct spec_state ***out)
{
  cleanup_dir DIR *d = opendir (root);
  struct dirent *de;
  size_t n = 0;

  *out = NULL;
  while (d && (de = readdir (d)))
    {
      struct container c = { .lock_fd = -1 };
      if (de->d_name[0] == '.' || container_open (root, de->d_name, &c, NULL) < 0 || c.st == NULL)
        {
          container_release (&c);
          continue;
        }
      c.st->status = xstrdup (container_status (&c));
      *out = xrealloc (*out, (n + 1) * sizeof (**out));
      (*out)[n++] = take_ptr (c.st);
      container_release (&c);
    }
  if (n)
    qsort (*out, n, sizeof (**out), compare_ids);
  return n;
}

static void
print_table (struct spec_state **s, size_t n)
{
  size_t i, w = 12;

  for (i = 0; i < n; i++)
    if (strlen (s[i]->id) + 2 > w)
      w = strlen (s[i]->id) + 2;
  printf ("%-*s%-12s%-12s%-12s%-12s%s\n", (int) w, "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  for (i = 0; i < n; i++)
    {
      struct passwd *pw = getpwuid (s[i]->owner_uid);
      printf ("%-*s%-12d%-12s%-12s%-12s%s\n", (int) w, s[i]->id,
              strcmp (s[i]->status, "stopped") == 0 ? 0 : (int) s[i]->pid, s[i]->status,
              s[i]->bundle, s[i]->created, pw ? pw->pw_name : "");
    }
}

int
cmd_list (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[] = { { "format", required_argument, NULL, 'f' },
                                        { "quiet", no_argument, NULL, 'q' },
                                        { NULL, 0, NULL, 0 } };
  struct spec_state **s;
  const char *format = "table";
  bool quiet = false;
  size_t n, i;
  int c;

  while ((c = cli_getopt (argc, argv, "+f:q", opts, "list", err)) != -1)
    if (c == 'f')
      format = optarg;
    else if (c == 'q')
      quiet = true;
    else
      return -1;
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return hy_error_set (err, 0, "invalid format option");
  n = collect (g->root, &s);
  if (quiet)
    for (i = 0; i < n; i++)
      printf ("%s\n", s[i]->id);
  else if (strcmp (format, "json") == 0)
    {
      cleanup_free char *json = spec_state_list_json (s, n);
      printf ("%s\n", n ? json : "null");
    }
  else
    print_table (s, n);
  for (i = 0; i < n; i++)
    spec_state_free (s[i]);
  free (s);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun list`: runc's table, JSON or ids. */
#include "common/cleanup.h"
#include "common/passwd.h"
#include "common/xalloc.h"
#include "runtime/cli.h"
#include "runtime/state_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
compare_ids (const void *a, const void *b)
{
  return strcmp ((*(struct spec_state *const *)a)->id, (*(struct spec_state *const *)b)->id);
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

/* runc prints through Go's tabwriter (minwidth 12, padding 3): a column
 * is as wide as its widest cell plus 3, at least 12; the last is not padded. */
enum
{
  LIST_COLS = 6
};

static void
print_row (char *const cells[LIST_COLS], const size_t width[LIST_COLS])
{
  for (int c = 0; c < LIST_COLS - 1; c++)
    printf ("%-*s", (int)width[c], cells[c]);
  printf ("%s\n", cells[LIST_COLS - 1]);
}

static void
print_table (struct spec_state **s, size_t n)
{
  char *head[LIST_COLS] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
  char *(*rows)[LIST_COLS] = xcalloc (n ? n : 1, sizeof (*rows));
  size_t width[LIST_COLS];

  for (size_t i = 0; i < n; i++)
    {
      int pid = strcmp (s[i]->status, "stopped") == 0 ? 0 : (int)s[i]->pid;
      rows[i][0] = xstrdup (s[i]->id);
      rows[i][1] = xasprintf ("%d", pid);
      rows[i][2] = xstrdup (s[i]->status);
      rows[i][3] = xstrdup (s[i]->bundle);
      rows[i][4] = xstrdup (s[i]->created);
      rows[i][5] = hy_uid_name (s[i]->owner_uid);
    }
  for (int c = 0; c < LIST_COLS; c++)
    {
      width[c] = strlen (head[c]) + 3;
      for (size_t i = 0; i < n; i++)
        if (strlen (rows[i][c]) + 3 > width[c])
          width[c] = strlen (rows[i][c]) + 3;
      if (width[c] < 12)
        width[c] = 12;
    }
  print_row (head, width);
  for (size_t i = 0; i < n; i++)
    {
      print_row (rows[i], width);
      for (int c = 0; c < LIST_COLS; c++)
        free (rows[i][c]);
    }
  free (rows);
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
    return hy_error_set (err, 0, "--format: invalid format `%s` (table or json)", format);
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

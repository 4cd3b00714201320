/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Option parsing shared by the commands. */
#include "runtime/cli.h"
#include "runtime/cli_doc.h"

#include <stdio.h>
#include <string.h>

int
cli_getopt (int argc, char **argv, const char *shortopts, const struct option *longopts,
            const char *cmd, hy_error_t *err)
{
  int c;

  opterr = 0;
  c = getopt_long (argc, argv, shortopts, longopts, NULL);
  if (c == '?' || c == ':')
    {
      if (optopt)
        hy_error_set (err, 0, "%s: flag provided but not defined or missing its value: -%c", cmd,
                      optopt);
      else
        hy_error_set (err, 0, "%s: flag provided but not defined or missing its value: %s", cmd,
                      argv[optind - 1]);
      return '?';
    }
  return c;
}

int
cli_one_id (int argc, char **argv, const char *cmd, const char **id, hy_error_t *err)
{
  if (optind >= argc)
    return hy_error_set (err, 0, "\"%s\" requires exactly 1 argument(s)", cmd);
  *id = argv[optind];
  return 0;
}

/* One option line of --help: "   -f, --flag VALUE            help". */
static void
print_opts (const struct cli_doc_opt *o)
{
  for (; o->name; o++)
    {
      char left[80];
      int n = snprintf (left, sizeof (left), "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
                        o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                        o->arg ? " " : "", o->arg ? o->arg : "");
      printf ("   %s%*s %s\n", left, n < 30 ? 30 - n : 0, "", o->help);
    }
}

/* From the one table (cli_doc.c) the man pages and completion come from. */
void
cli_print_usage (const char *cmd)
{
  const struct cli_doc_cmd *d = cli_doc_find (cmd);

  if (d == NULL)
    {
      printf ("Usage: hyrun %s [command options] <container-id>\n", cmd);
      return;
    }
  printf ("Usage: hyrun %s %s\n\n%s\n", cmd, d->usage, d->summary);
  if (d->opts[0].name)
    printf ("\nOptions:\n");
  print_opts (d->opts);
  printf ("\nSee hyrun-%s(8); hyrun takes runc's options.\n", cmd);
}

void
cli_print_help (void)
{
  const struct cli_doc_cmd *g = cli_doc_find ("");
  size_t i;

  printf ("hyrun - %s\n\nUsage: hyrun %s\n\nCommands:\n", g->summary, g->usage);
  for (i = 0; i < cli_doc_n_commands; i++)
    if (cli_doc_commands[i].name[0])
      printf ("   %-11s %s\n", cli_doc_commands[i].name, cli_doc_commands[i].summary);
  printf ("\nGlobal options:\n");
  print_opts (g->opts);
  printf ("\nSee hyrun(8).\n");
}

bool
cli_wants_help (int argc, char **argv, const char *cmd)
{
  int i;

  for (i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0 || argv[i][0] != '-')
        break;
      if (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)
        {
          cli_print_usage (cmd);
          return true;
        }
    }
  return false;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one description of hyrun's command line: every command with its
 * options, each with a one-line help.  `hyrun CMD --help` prints from it,
 * and hyrun-mkdoc turns it into the man pages and the bash completion, so
 * the three cannot drift; tests/integration/doc.bats checks it against the
 * options each cmd_*.c's getopt accepts. */
#ifndef HY_RUNTIME_CLI_DOC_H
#define HY_RUNTIME_CLI_DOC_H

#include <stddef.h>

struct cli_doc_opt
{
  const char *name; /* long option, without the dashes */
  char short_name;  /* 0: none */
  const char *arg;  /* NULL: a flag; else the value's name ("DIR") */
  const char *help; /* one line */
};

struct cli_doc_cmd
{
  const char *name;               /* "" for the global options */
  const char *usage;              /* after "hyrun NAME " */
  const char *summary;            /* one line, as in `hyrun --help` */
  const char *text;               /* a paragraph for the man page, or NULL */
  const struct cli_doc_opt *opts; /* ends with a NULL name */
};

extern const struct cli_doc_cmd cli_doc_commands[];
extern const size_t cli_doc_n_commands;

/* The entry of command NAME ("" for the globals), or NULL. */
const struct cli_doc_cmd *cli_doc_find (const char *name);

#endif

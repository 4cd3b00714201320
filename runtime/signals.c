/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing signal names the way runc's kill does. */
#include "runtime/signals.h"

#include <ctype.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct
{
  const char *name;
  int sig;
} names[] = {
  { "ABRT", SIGABRT }, { "ALRM", SIGALRM },     { "BUS", SIGBUS },       { "CHLD", SIGCHLD },
  { "CONT", SIGCONT }, { "FPE", SIGFPE },       { "HUP", SIGHUP },       { "ILL", SIGILL },
  { "INT", SIGINT },   { "IO", SIGIO },         { "IOT", SIGIOT },       { "KILL", SIGKILL },
  { "PIPE", SIGPIPE }, { "POLL", SIGPOLL },     { "PROF", SIGPROF },     { "PWR", SIGPWR },
  { "QUIT", SIGQUIT }, { "SEGV", SIGSEGV },     { "STKFLT", SIGSTKFLT }, { "STOP", SIGSTOP },
  { "SYS", SIGSYS },   { "TERM", SIGTERM },     { "TRAP", SIGTRAP },     { "TSTP", SIGTSTP },
  { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },     { "URG", SIGURG },       { "USR1", SIGUSR1 },
  { "USR2", SIGUSR2 }, { "VTALRM", SIGVTALRM }, { "WINCH", SIGWINCH },   { "XCPU", SIGXCPU },
  { "XFSZ", SIGXFSZ },
};

int
signal_parse (const char *s, hy_error_t *err)
{
  const char *given = s;
  char *end;
  long v;
  size_t i;

  if (isdigit ((unsigned char)s[0]))
    {
      v = strtol (s, &end, 10);
      if (*end == '\0' && v > 0 && v < NSIG)
        return (int)v;
      return hy_error_set (err, 0, "invalid signal `%s`", given);
    }
  if (strncasecmp (s, "SIG", 3) == 0)
    s += 3;
  for (i = 0; i < sizeof (names) / sizeof (names[0]); i++)
    if (strcasecmp (names[i].name, s) == 0)
      return names[i].sig;
  if (strncasecmp (s, "RTMIN", 5) == 0)
    {
      v = s[5] == '+' ? strtol (s + 6, &end, 10) : 0;
      if ((s[5] == '\0' || (s[5] == '+' && *end == '\0')) && SIGRTMIN + v <= SIGRTMAX)
        return SIGRTMIN + (int)v;
    }
  if (strncasecmp (s, "RTMAX", 5) == 0)
    {
      v = s[5] == '-' ? strtol (s + 6, &end, 10) : 0;
      if ((s[5] == '\0' || (s[5] == '-' && *end == '\0')) && SIGRTMAX - v >= SIGRTMIN)
        return SIGRTMAX - (int)v;
    }
  return hy_error_set (err, 0, "invalid signal `%s`", given);
}

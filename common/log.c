/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The runtime's log sink: one line per message, text or JSON. */
#include "common/log.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;
static enum hy_log_format log_format = HY_LOG_TEXT;
static int log_debug;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int
hy_log_init (const char *path, enum hy_log_format format, int debug)
{
  log_format = format;
  log_debug = debug;
  if (path == NULL || path[0] == '\0')
    return 0;
  log_fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  return log_fd < 0 ? -1 : 0;
}

int
hy_log_debug_enabled (void)
{
  return log_debug;
}

int
hy_log_fd (void)
{
  return log_fd;
}

/* JSON string escaping for the msg field. */
static void
append_json_string (FILE *out, const char *s)
{
  fputc ('"', out);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char)*s;
      if (c == '"' || c == '\\')
        fprintf (out, "\\%c", c);
      else if (c == '\n')
        fputs ("\\n", out);
      else if (c == '\t')
        fputs ("\\t", out);
      else if (c < 0x20)
        fprintf (out, "\\u%04x", c);
      else
        fputc (c, out);
    }
  fputc ('"', out);
}

static void
format_time (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  size_t n;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  n = strftime (buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

void
hy_log (enum hy_log_level level, const char *fmt, ...)
{
  char *msg = NULL, *line = NULL;
  size_t line_len = 0;
  char when[64];
  va_list ap;
  FILE *out;
  int saved = errno;

  va_start (ap, fmt);
  if (vasprintf (&msg, fmt, ap) < 0)
    abort ();
  va_end (ap);

  out = open_memstream (&line, &line_len);
  if (out == NULL)
    abort ();
  format_time (when, sizeof (when));
  if (log_format == HY_LOG_JSON)
    {
      fprintf (out, "{\"level\":\"%s\",\"msg\":", level_names[level]);
      append_json_string (out, msg);
      fprintf (out, ",\"time\":\"%s\"}\n", when);
    }
  else if (log_fd >= 0)
    {
      /* runc's (logrus's) text lines: time="..." level=... msg="..." */
      char *dot = strchr (when, '.');
      if (dot)
        strcpy (dot, "Z");
      fprintf (out, "time=\"%s\" level=%s msg=", when, level_names[level]);
      append_json_string (out, msg);
      fputc ('\n', out);
    }
  else
    fprintf (out, "hyrun: %s%s%s\n", level == HY_LOG_ERROR ? "" : level_names[level],
             level == HY_LOG_ERROR ? "" : ": ", msg);
  fclose (out);

  /* One write per line so concurrent writers do not interleave. */
  if (write (log_fd >= 0 ? log_fd : STDERR_FILENO, line, line_len) < 0)
    {
      /* Nowhere left to report it. */
    }
  free (line);
  free (msg);
  errno = saved;
}

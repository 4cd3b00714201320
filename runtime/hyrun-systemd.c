/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun-systemd: the systemd cgroup driver's D-Bus calls (start a
 * transient scope, set its properties, stop it) through libsystemd's sd-bus,
 * in a program of its own so that hyrun stays statically linked.  The
 * argv/stdin protocol is described in libcontainer/cgroup_systemd.h. */
#include "libcontainer/cgroup_systemd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

static const char *unit_name = "";

static int __attribute__ ((format (printf, 2, 3))) fail (int r, const char *fmt, ...)
{
  va_list ap;

  fprintf (stderr, "systemd: unit %s: ", unit_name);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  if (r < 0)
    fprintf (stderr, ": %s", strerror (-r));
  fputc ('\n', stderr);
  return 1;
}

static int
fail_bus (const char *what, const sd_bus_error *e, int r)
{
  if (e && sd_bus_error_is_set (e))
    return fail (0, "%s: %s", what, e->message ? e->message : e->name);
  return fail (r, "%s", what);
}

/* ---- properties from stdin ------------------------------------------- */

static int
append_pairs (sd_bus_message *m, char sig, char *rest)
{
  char *save = NULL, *a, *b;
  int r = sd_bus_message_open_container (m, 'a', sig == 's' ? "(ss)" : "(st)");

  while (r >= 0 && (a = strtok_r (rest, " ", &save)) && (b = strtok_r (NULL, " ", &save)))
    {
      rest = NULL;
      r = sig == 's' ? sd_bus_message_append (m, "(ss)", a, b)
                     : sd_bus_message_append (m, "(st)", a, (uint64_t)strtoull (b, NULL, 10));
    }
  return r < 0 ? r : sd_bus_message_close_container (m);
}

static int
append_bytes (sd_bus_message *m, const char *hex)
{
  unsigned char buf[512];
  size_t n = 0;

  while (hex[0] && hex[1] && n < sizeof (buf))
    {
      unsigned v;
      if (sscanf (hex, "%2x", &v) != 1)
        return -EINVAL;
      buf[n++] = (unsigned char)v;
      hex += 2;
    }
  return sd_bus_message_append_array (m, 'y', buf, n);
}

/* One "NAME TYPE VALUE" line as a (sv) entry. */
static int
append_property (sd_bus_message *m, char *line)
{
  char *name = line, *type, *value;
  const char *sig;
  int r;

  type = strchr (name, ' ');
  if (type == NULL)
    return -EINVAL;
  *type++ = '\0';
  value = strchr (type, ' ');
  if (value)
    *value++ = '\0';
  else
    value = type + strlen (type);
  sig = type;
  r = sd_bus_message_open_container (m, 'r', "sv");
  if (r >= 0)
    r = sd_bus_message_append (m, "s", name);
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'v', sig);
  if (r < 0)
    return r;
  if (strcmp (sig, "b") == 0)
    r = sd_bus_message_append (m, "b", (int)(value[0] == '1'));
  else if (strcmp (sig, "t") == 0)
    r = sd_bus_message_append (m, "t", (uint64_t)strtoull (value, NULL, 10));
  else if (strcmp (sig, "s") == 0)
    r = sd_bus_message_append (m, "s", value);
  else if (strcmp (sig, "ay") == 0)
    r = append_bytes (m, value);
  else if (strcmp (sig, "a(ss)") == 0 || strcmp (sig, "a(st)") == 0)
    r = append_pairs (m, sig[3], value);
  else
    r = -EINVAL;
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  return r < 0 ? r : sd_bus_message_close_container (m);
}

/* The properties read from stdin once (a retried start sends them again). */
static char *props_text;

static void
read_stdin (void)
{
  size_t cap = 4096, n = 0, got;

  props_text = malloc (cap);
  while (props_text && (got = fread (props_text + n, 1, cap - n - 1, stdin)) > 0)
    {
      n += got;
      if (n + 1 == cap)
        props_text = realloc (props_text, cap *= 2);
    }
  if (props_text == NULL)
    abort ();
  props_text[n] = '\0';
}

static int
append_stdin_properties (sd_bus_message *m)
{
  char *copy = strdup (props_text), *line, *save = NULL;
  int r = 0;

  for (line = strtok_r (copy, "\n", &save); r >= 0 && line; line = strtok_r (NULL, "\n", &save))
    {
      r = append_property (m, line);
      if (r < 0)
        fail (r, "property line `%s`", line);
    }
  free (copy);
  return r;
}

/* ---- jobs ------------------------------------------------------------ */

/* JobRemoved may arrive before the reply that names the job is read: every
 * removal is remembered until the caller knows which one it waits for. */
struct removed
{
  char path[16][256];
  char result[16][32];
  unsigned n;
};

static int
on_job_removed (sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
  struct removed *rm = userdata;
  const char *path, *unit, *result;
  uint32_t id;

  (void)ret_error;
  if (sd_bus_message_read (m, "uoss", &id, &path, &unit, &result) < 0)
    return 0;
  snprintf (rm->path[rm->n % 16], sizeof (rm->path[0]), "%s", path);
  snprintf (rm->result[rm->n % 16], sizeof (rm->result[0]), "%s", result);
  rm->n++;
  return 0;
}

static uint64_t
now_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Wait until the job `job` is removed; its result goes to `result`. */
static int
job_wait (sd_bus *bus, struct removed *rm, const char *job, const char **result)
{
  uint64_t deadline = now_usec () + HY_SYSTEMD_JOB_TIMEOUT_SEC * 1000000ULL;
  unsigned i;
  int r;

  for (;;)
    {
      for (i = 0; i < rm->n && i < 16; i++)
        if (strcmp (rm->path[i], job) == 0)
          {
            *result = rm->result[i];
            return 0;
          }
      r = sd_bus_process (bus, NULL);
      if (r < 0)
        return fail (r, "read from the bus");
      if (r > 0)
        continue;
      if (now_usec () >= deadline)
        return fail (0, "timed out after %d s waiting for job %s", HY_SYSTEMD_JOB_TIMEOUT_SEC, job);
      r = sd_bus_wait (bus, deadline - now_usec ());
      if (r < 0 && r != -EINTR)
        return fail (r, "wait on the bus");
    }
}

static void
reset_failed (sd_bus *bus)
{
  sd_bus_call_method (bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", NULL, NULL, "s",
                      unit_name);
}

/* ---- the three operations -------------------------------------------- */

static int
start_call (sd_bus *bus, const char *slice, uint32_t pid, sd_bus_message **reply, sd_bus_error *e)
{
  sd_bus_message *m = NULL;
  int r;

  r = sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
  if (r >= 0)
    r = sd_bus_message_append (m, "ss", unit_name, "replace");
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = sd_bus_message_append (m, "(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)(sv)", "Description", "s",
                               "hyrun container", "Slice", "s", slice, "Delegate", "b", 1, "PIDs",
                               "au", 1, pid, "MemoryAccounting", "b", 1, "CPUAccounting", "b", 1,
                               "IOAccounting", "b", 1, "TasksAccounting", "b", 1,
                               "DefaultDependencies", "b", 0);
  if (r >= 0)
    r = append_stdin_properties (m);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r >= 0)
    r = sd_bus_message_append (m, "a(sa(sv))", 0);
  if (r < 0)
    {
      sd_bus_message_unref (m);
      return fail (r, "build the StartTransientUnit call");
    }
  r = sd_bus_call (bus, m, 0, e, reply);
  sd_bus_message_unref (m);
  return r < 0 ? -1 : 0;
}

static int
cmd_start (sd_bus *bus, struct removed *rm, const char *slice, uint32_t pid)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  const char *job, *result;
  int r;

  r = start_call (bus, slice, pid, &reply, &e);
  if (r < 0 && sd_bus_error_has_name (&e, "org.freedesktop.systemd1.UnitExists"))
    {
      /* runc's retry: a failed unit of that name is reset once */
      sd_bus_error_free (&e);
      reset_failed (bus);
      r = start_call (bus, slice, pid, &reply, &e);
    }
  if (r < 0)
    return sd_bus_error_is_set (&e) ? fail_bus ("StartTransientUnit", &e, r) : 1;
  if (sd_bus_message_read (reply, "o", &job) < 0)
    return fail (0, "StartTransientUnit: no job in the reply");
  if (job_wait (bus, rm, job, &result) != 0)
    return 1;
  if (strcmp (result, "done") != 0)
    {
      reset_failed (bus);
      return fail (0, "the start job ended `%s`", result);
    }
  return 0;
}

static int
cmd_set (sd_bus *bus)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *m = NULL;
  int r;

  r = sd_bus_message_new_method_call (bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  if (r >= 0)
    r = sd_bus_message_append (m, "sb", unit_name, 1);
  if (r >= 0)
    r = sd_bus_message_open_container (m, 'a', "(sv)");
  if (r >= 0)
    r = append_stdin_properties (m);
  if (r >= 0)
    r = sd_bus_message_close_container (m);
  if (r < 0)
    return fail (r, "build the SetUnitProperties call");
  r = sd_bus_call (bus, m, 0, &e, NULL);
  sd_bus_message_unref (m);
  return r < 0 ? fail_bus ("SetUnitProperties", &e, r) : 0;
}

static int
cmd_stop (sd_bus *bus, struct removed *rm)
{
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  const char *job, *result;
  int r;

  r = sd_bus_call_method (bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &e, &reply, "ss",
                          unit_name, "replace");
  if (r < 0)
    {
      if (sd_bus_error_has_name (&e, "org.freedesktop.systemd1.NoSuchUnit"))
        return 0;
      return fail_bus ("StopUnit", &e, r);
    }
  if (sd_bus_message_read (reply, "o", &job) < 0)
    return fail (0, "StopUnit: no job in the reply");
  if (job_wait (bus, rm, job, &result) != 0)
    return 1;
  reset_failed (bus);
  /* "done"; a scope whose processes were all killed may end "canceled"
   * or "failed", and is gone either way after the reset */
  return 0;
}

int
main (int argc, char **argv)
{
  struct removed rm = { .n = 0 };
  sd_bus *bus = NULL;
  int r;

  if (argc < 3 || (strcmp (argv[1], "start") == 0 && argc != 5))
    {
      fprintf (stderr, "usage: %s start UNIT SLICE PID | set UNIT | stop UNIT\n", argv[0]);
      return 2;
    }
  unit_name = argv[2];
  if (strcmp (argv[1], "stop") != 0)
    read_stdin ();
  r = sd_bus_open_system (&bus);
  if (r < 0)
    return fail (r, "connect to the system bus (is systemd PID 1?)");
  r = sd_bus_match_signal (bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed,
                           &rm);
  if (r < 0)
    return fail (r, "subscribe to JobRemoved");
  if (strcmp (argv[1], "start") == 0)
    r = cmd_start (bus, &rm, argv[3], (uint32_t)strtoul (argv[4], NULL, 10));
  else if (strcmp (argv[1], "set") == 0)
    r = cmd_set (bus);
  else if (strcmp (argv[1], "stop") == 0)
    r = cmd_stop (bus, &rm);
  else
    r = fail (0, "unknown operation `%s`", argv[1]);
  sd_bus_flush_close_unref (bus);
  return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Identity and environment of the container process. */
#include "libcontainer/user.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
setgroups_allowed (void)
{
  char buf[16] = "";
  cleanup_close int fd = open ("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);

  if (fd < 0 || read (fd, buf, sizeof (buf) - 1) <= 0)
    return true;
  return strncmp (buf, "deny", 4) != 0;
}

int
lc_user_switch (const struct spec_user *u, hy_error_t *err)
{
  if (setgroups_allowed ()
      && setgroups (u->n_additional_gids, u->n_additional_gids ? u->additional_gids : NULL) < 0)
    return hy_error_set (err, errno, "process.user.additionalGids: setgroups");
  if (setresgid (u->gid, u->gid, u->gid) < 0)
    return hy_error_set (err, errno, "process.user.gid: setresgid(%u)", (unsigned)u->gid);
  if (setresuid (u->uid, u->uid, u->uid) < 0)
    return hy_error_set (err, errno, "process.user.uid: setresuid(%u)", (unsigned)u->uid);
  if (u->has_umask)
    umask (u->umask);
  return 0;
}

static const char *
env_get (char **env, const char *name)
{
  size_t n = strlen (name);

  for (; env && *env; env++)
    if (strncmp (*env, name, n) == 0 && (*env)[n] == '=')
      return *env + n + 1;
  return NULL;
}

/* HOME of uid from the container's /etc/passwd, "/" when none. */
static char *
home_of (uid_t uid)
{
  cleanup_file FILE *f = fopen ("/etc/passwd", "re");
  cleanup_free char *line = NULL;
  size_t cap = 0;

  while (f && getline (&line, &cap, f) > 0)
    {
      char *fields[7] = { 0 }, *save = NULL, *tok;
      int i = 0;
      for (tok = strtok_r (line, ":\n", &save); tok && i < 7; tok = strtok_r (NULL, ":\n", &save))
        fields[i++] = tok;
      if (i >= 6 && (uid_t)strtoul (fields[2], NULL, 10) == uid)
        return xstrdup (fields[5]);
    }
  return xstrdup ("/");
}

char **
lc_user_env (const struct spec_process *p)
{
  char **env = xcalloc (p->n_env + 2, sizeof (char *));
  size_t i;

  for (i = 0; i < p->n_env; i++)
    env[i] = xstrdup (p->env[i]);
  if (env_get (env, "HOME") == NULL)
    {
      cleanup_free char *home = home_of (p->user.uid);
      env[i++] = xasprintf ("HOME=%s", home);
    }
  env[i] = NULL;
  return env;
}

static bool
is_executable (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

char *
lc_user_find_exec (const char *argv0, char **env, hy_error_t *err)
{
  const char *path = env_get (env, "PATH");
  cleanup_free char *copy = NULL;
  char *dir, *save = NULL;

  if (strchr (argv0, '/'))
    {
      struct stat st;
      if (is_executable (argv0))
        return xstrdup (argv0);
      /* runc's (Go's) lower-case wording: podman and conmon map "no such
       * file or directory" to exit 127 and "permission denied" to 126 */
      if (stat (argv0, &st) < 0 && errno == ENOENT)
        hy_error_set (err, 0, "exec: \"%s\": stat %s: no such file or directory", argv0, argv0);
      else
        hy_error_set (err, 0, "exec: \"%s\": permission denied", argv0);
      return NULL;
    }
  copy = xstrdup (path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  for (dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *cand = xasprintf ("%s/%s", dir[0] ? dir : ".", argv0);
      if (is_executable (cand))
        return take_ptr (cand);
    }
  hy_error_set (err, 0, "exec: \"%s\": executable file not found in $PATH", argv0);
  return NULL;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun spec` and `hyrun features`. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "libcontainer/cgroup.h"
#include "runtime/cli.h"
#include "spec/spec.h"
#include "spec/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
cmd_spec (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  static const struct option opts[] = { { "rootless", no_argument, NULL, 'r' },
                                        { "bundle", required_argument, NULL, 'b' },
                                        { NULL, 0, NULL, 0 } };
  cleanup_free char *json = NULL, *path = NULL;
  cleanup_close int fd = -1;
  const char *bundle = ".";
  bool rootless = false;
  size_t len;
  int c;

  (void)g;
  while ((c = cli_getopt (argc, argv, "+b:", opts, "spec", err)) != -1)
    if (c == 'r')
      rootless = true;
    else if (c == 'b')
      bundle = optarg;
    else
      return -1;
  path = xasprintf ("%s/config.json", bundle);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EEXIST)
    return hy_error_set (err, 0, "File %s exists. Remove it first", path);
  if (fd < 0)
    return hy_error_set (err, errno, "create `%s`", path);
  /* runc's spec adds a cgroup namespace on a pure cgroup v2 host (its
   * specconv.Example); a host whose mode cannot be read gets none */
  {
    cleanup_error hy_error_t cg_err = NULL;
    enum lc_cgroup_mode mode;

    json = spec_default_json (rootless, lc_cgroup_detect_mode (NULL, &mode, &cg_err) == 0
                                            && mode == LC_CGROUP_V2);
  }
  len = strlen (json);
  if (write (fd, json, len) != (ssize_t)len)
    return hy_error_set (err, errno, "write `%s`", path);
  return 0;
}

int
cmd_features (struct hy_globals *g, int argc, char **argv, hy_error_t *err)
{
  cleanup_free char *json = spec_features_json ();

  (void)g;
  (void)argc;
  (void)argv;
  (void)err;
  printf ("%s\n", json);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding a virtio-console port by name: the driver publishes each port as
 * /sys/class/virtio-ports/vportNpM/name once the host has named it, and
 * devtmpfs creates /dev/vportNpM; both appear asynchronously after boot. */
#include "kvm-shim/agent/agent.h"
#include "common/cleanup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PORT_WAIT_MS 10000

static int
find_port (const char *name, char *dev, size_t size)
{
  cleanup_dir DIR *d = opendir ("/sys/class/virtio-ports");
  struct dirent *e;

  if (d == NULL)
    return -1;
  while ((e = readdir (d)))
    {
      char path[300], got[128];
      ssize_t n;
      cleanup_close int fd = -1;

      if (e->d_name[0] == '.')
        continue;
      snprintf (path, sizeof (path), "/sys/class/virtio-ports/%s/name", e->d_name);
      fd = open (path, O_RDONLY | O_CLOEXEC);
      if (fd < 0 || (n = read (fd, got, sizeof (got) - 1)) <= 0)
        continue;
      got[n] = '\0';
      got[strcspn (got, "\n")] = '\0';
      if (strcmp (got, name) == 0)
        {
          snprintf (dev, size, "/dev/%s", e->d_name);
          return 0;
        }
    }
  return -1;
}

int
agent_port_open (const char *name, int flags, hy_error_t *err)
{
  char dev[300];
  int waited, fd = -1;

  for (waited = 0; waited < PORT_WAIT_MS; waited++)
    {
      if (find_port (name, dev, sizeof (dev)) == 0
          && (fd = open (dev, flags | O_CLOEXEC | O_NOCTTY)) >= 0)
        return fd;
      nanosleep (&(struct timespec){ 0, 1000000 }, NULL);
    }
  return hy_error_set (err, errno, "virtio-console port \"%s\" did not appear", name);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tiny-init: a static /init for a guest that only proves it booted, used by
 * the QEMU sanity case of tests/vm/run-nested.sh and by contrib/bench/vm-boot.
 * It mounts sys and dev, writes a marker to the virtio-console port named
 * hyrun.stdout (the same port name hyrun-vmm gives the workload's stdout;
 * /dev/console when none shows up in 5 s), mounts the 9p share tagged "rootfs" if
 * there is one, writes from-guest there and prints from-host, then reboots
 * (reboot=t on the command line: a triple fault, which ends the VMM). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <unistd.h>

static int
open_port (const char *want)
{
  char path[300], name[64];
  struct dirent *e;
  DIR *d = opendir ("/sys/class/virtio-ports");
  int fd = -1;

  while (d && fd < 0 && (e = readdir (d)) != NULL)
    {
      FILE *f;
      if (e->d_name[0] == '.')
        continue;
      snprintf (path, sizeof (path), "/sys/class/virtio-ports/%s/name", e->d_name);
      if ((f = fopen (path, "r")) == NULL)
        continue;
      if (fgets (name, sizeof (name), f) && strncmp (name, want, strlen (want)) == 0
          && (name[strlen (want)] == '\n' || name[strlen (want)] == 0))
        {
          snprintf (path, sizeof (path), "/dev/%s", e->d_name);
          fd = open (path, O_WRONLY);
        }
      fclose (f);
    }
  if (d)
    closedir (d);
  return fd;
}

int
main (void)
{
  char buf[256];
  int out, fd;
  ssize_t n;

  mkdir ("/sys", 0755); /* the initramfs may hold only /init and /dev/console */
  mkdir ("/dev", 0755);
  mount ("sys", "/sys", "sysfs", 0, NULL);
  mount ("dev", "/dev", "devtmpfs", 0, NULL);
  /* multiport ports appear after the control queue's handshake, which may
   * finish after /init started: wait for the port up to 5 s */
  for (int i = 0; i < 500 && (out = open_port ("hyrun.stdout")) < 0; i++)
    usleep (10000);
  if (out < 0)
    out = open ("/dev/console", O_WRONLY);
  dprintf (out, "tiny-init: guest up\n");
  mkdir ("/mnt", 0755);
  if (mount ("rootfs", "/mnt", "9p", 0, "trans=virtio,version=9p2000.L,msize=131072,cache=none")
      == 0)
    {
      if ((fd = open ("/mnt/from-guest", O_WRONLY | O_CREAT | O_TRUNC, 0644)) >= 0)
        {
          dprintf (fd, "written in the guest\n");
          close (fd);
        }
      if ((fd = open ("/mnt/from-host", O_RDONLY)) >= 0
          && (n = read (fd, buf, sizeof (buf) - 1)) > 0)
        dprintf (out, "tiny-init: from-host: %.*s", (int)n, buf);
      dprintf (out, "tiny-init: share mounted\n");
    }
  else
    dprintf (out, "tiny-init: no share\n");
  close (out);
  sync ();
  reboot (RB_AUTOBOOT);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The passthrough test's workload, run inside a VM-mode container's guest
 * (static, no libc beyond the syscalls): finds QEMU's edu device
 * (1234:11e8) on the guest's PCI bus and drives it.
 *
 *   edu probe   the device's address, its identification register (BAR0
 *               0x00) and 5! computed by the device (BAR0 0x08, status 0x20)
 *               through the sysfs resource0 mapping
 *   edu irq     the device's MSI, end to end: the guest's own vfio-pci (in
 *               no-IOMMU mode: vfio.enable_unsafe_noiommu_mode=1) takes the
 *               device, enables MSI with an eventfd, the device is told to
 *               raise its interrupt (BAR0 0x60), the eventfd must count it.
 *               edu has no kernel driver, so this is the honest way to see
 *               its interrupt arrive in the guest.
 *   edu intx    the same with the device's INTx (pin A, level): one
 *               interrupt, then (the device acknowledged, the line
 *               unmasked) a second one, which only comes if the line was
 *               lowered and re-armed end to end (the VMM's resample path).
 *   edu msix    MSI-X, with an e1000e (8086:10d3, QEMU's 82574) instead:
 *               edu has no MSI-X; the NIC's "other" cause is sent to
 *               vector 0, then vector 2.
 * Each prints one line per fact; exit 0 only when all hold. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define EDU_ID 0x00
#define EDU_FACT 0x08
#define EDU_STATUS 0x20
#define EDU_RAISE 0x60
#define EDU_ACK 0x64
#define EDU_IRQ_STATUS 0x24

static char addr[300];

static int
read_file (const char *path, char *buf, size_t len)
{
  int fd = open (path, O_RDONLY);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = read (fd, buf, len - 1);
  close (fd);
  if (n < 0)
    return -1;
  buf[n] = 0;
  return 0;
}

static int
write_file (const char *path, const char *s)
{
  int fd = open (path, O_WRONLY);
  ssize_t n;

  if (fd < 0)
    return -1;
  n = write (fd, s, strlen (s));
  close (fd);
  return n == (ssize_t)strlen (s) ? 0 : -1;
}

static int
find_dev (unsigned vendor, unsigned device, const char *name)
{
  DIR *d = opendir ("/sys/bus/pci/devices");
  struct dirent *e;
  char p[512], v[32], dv[32];

  while (d && (e = readdir (d)))
    {
      if (e->d_name[0] == '.')
        continue;
      snprintf (p, sizeof (p), "/sys/bus/pci/devices/%s/vendor", e->d_name);
      if (read_file (p, v, sizeof (v)) < 0)
        continue;
      snprintf (p, sizeof (p), "/sys/bus/pci/devices/%s/device", e->d_name);
      if (read_file (p, dv, sizeof (dv)) < 0)
        continue;
      if (strtoul (v, NULL, 16) == vendor && strtoul (dv, NULL, 16) == device)
        {
          snprintf (addr, sizeof (addr), "%s", e->d_name);
          closedir (d);
          printf ("%s at %s\n", name, addr);
          return 0;
        }
    }
  if (d)
    closedir (d);
  printf ("no %s device in /sys/bus/pci/devices\n", name);
  return -1;
}

static int
find_edu (void)
{
  return find_dev (0x1234, 0x11e8, "edu");
}

static uint32_t
rd (volatile uint8_t *bar, unsigned off)
{
  return *(volatile uint32_t *)(bar + off);
}

static void
wr (volatile uint8_t *bar, unsigned off, uint32_t v)
{
  *(volatile uint32_t *)(bar + off) = v;
}

static int
factorial (volatile uint8_t *bar, uint32_t n, uint32_t *out)
{
  int i;

  wr (bar, EDU_FACT, n);
  for (i = 0; i < 100000 && (rd (bar, EDU_STATUS) & 1); i++)
    usleep (10);
  if (rd (bar, EDU_STATUS) & 1)
    return -1;
  *out = rd (bar, EDU_FACT);
  return 0;
}

static int
probe (void)
{
  char p[512];
  volatile uint8_t *bar;
  uint32_t id, f = 0, live;
  int fd;

  if (find_edu () < 0)
    return 1;
  snprintf (p, sizeof (p), "/sys/bus/pci/devices/%s/resource0", addr);
  fd = open (p, O_RDWR | O_SYNC);
  if (fd < 0)
    {
      printf ("open %s: %s\n", p, strerror (errno));
      return 1;
    }
  bar = mmap (NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (bar == MAP_FAILED)
    {
      printf ("mmap %s: %s\n", p, strerror (errno));
      return 1;
    }
  id = rd (bar, EDU_ID);
  printf ("id 0x%08x\n", id);
  wr (bar, 0x04, 0x12345678);
  live = rd (bar, 0x04);
  printf ("liveness 0x%08x\n", live);
  if (factorial (bar, 5, &f) < 0)
    printf ("factorial: the device stayed busy\n");
  else
    printf ("factorial 5 = %u\n", f);
  return id == 0x010000ed && live == ~0x12345678u && f == 120 ? 0 : 1;
}

/* --- the interrupt, through the guest's vfio-pci in no-IOMMU mode --------- */

static int
node (const char *path, const char *sysdev)
{
  char d[32];
  unsigned ma, mi;

  if (read_file (sysdev, d, sizeof (d)) < 0 || sscanf (d, "%u:%u", &ma, &mi) != 2)
    {
      printf ("%s: %s\n", sysdev, strerror (errno));
      return -1;
    }
  mkdir ("/dev/vfio", 0755);
  unlink (path);
  if (mknod (path, S_IFCHR | 0600, makedev (ma, mi)) < 0)
    {
      printf ("mknod %s: %s\n", path, strerror (errno));
      return -1;
    }
  return 0;
}

static int
vfio_open (int *dev)
{
  char p[512], grp[512], gpath[128], sys[256];
  ssize_t l;
  int c, g;

  snprintf (p, sizeof (p), "/sys/bus/pci/devices/%s/driver_override", addr);
  if (write_file (p, "vfio-pci") < 0 || write_file ("/sys/bus/pci/drivers_probe", addr) < 0)
    {
      printf ("bind %s to vfio-pci: %s\n", addr, strerror (errno));
      return -1;
    }
  snprintf (p, sizeof (p), "/sys/bus/pci/devices/%s/iommu_group", addr);
  l = readlink (p, grp, sizeof (grp) - 1);
  if (l < 0)
    {
      printf ("%s: %s (no-IOMMU mode off?)\n", p, strerror (errno));
      return -1;
    }
  grp[l] = 0;
  snprintf (gpath, sizeof (gpath), "/dev/vfio/noiommu-%s", strrchr (grp, '/') + 1);
  snprintf (sys, sizeof (sys), "/sys/class/vfio/noiommu-%s/dev", strrchr (grp, '/') + 1);
  if (node ("/dev/vfio/vfio", "/sys/class/misc/vfio/dev") < 0 || node (gpath, sys) < 0)
    return -1;
  c = open ("/dev/vfio/vfio", O_RDWR);
  g = open (gpath, O_RDWR);
  if (c < 0 || g < 0)
    {
      printf ("open the guest's vfio nodes: %s\n", strerror (errno));
      return -1;
    }
  if (ioctl (g, VFIO_GROUP_SET_CONTAINER, &c) < 0
      || ioctl (c, VFIO_SET_IOMMU, VFIO_NOIOMMU_IOMMU) < 0)
    {
      printf ("guest vfio container: %s\n", strerror (errno));
      return -1;
    }
  *dev = ioctl (g, VFIO_GROUP_GET_DEVICE_FD, addr);
  if (*dev < 0)
    {
      printf ("VFIO_GROUP_GET_DEVICE_FD %s: %s\n", addr, strerror (errno));
      return -1;
    }
  return 0;
}

/* VFIO_DEVICE_SET_IRQS on `index`: vectors 0..n-1 trigger the eventfds
 * `efds`, or with n 0 the line is unmasked. */
static int
set_irqs (int dev, unsigned index, const int *efds, unsigned n, const char *what)
{
  char buf[sizeof (struct vfio_irq_set) + 8 * sizeof (int32_t)];
  struct vfio_irq_set *s = (struct vfio_irq_set *)buf;

  memset (buf, 0, sizeof (buf));
  s->argsz = (uint32_t)(sizeof (*s) + n * sizeof (int32_t));
  s->flags = n ? VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER
               : VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK;
  s->index = index;
  s->count = n ? n : 1;
  memcpy (s->data, efds, n * sizeof (int32_t));
  if (ioctl (dev, VFIO_DEVICE_SET_IRQS, s) == 0)
    return 0;
  printf ("VFIO_DEVICE_SET_IRQS %s: %s\n", what, strerror (errno));
  return -1;
}

/* A device taken with the guest's own vfio-pci (no-IOMMU mode): its fd,
 * config region and BAR0, mapped. */
struct gdev
{
  int fd;
  off_t cfg;
  volatile uint8_t *bar;
};

/* Find vendor:device, take it, set the `set` bits of its command register
 * and clear the `clear` ones, map BAR0; how many vectors VFIO offers for
 * irq `index` goes to *n_irqs.  -1 (a line printed) on failure. */
static int
take_dev (unsigned vendor, unsigned device, const char *name, uint16_t set, uint16_t clear,
          unsigned index, struct gdev *g, unsigned *n_irqs)
{
  struct vfio_region_info cfg = { .argsz = sizeof (cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX };
  struct vfio_region_info bar0 = { .argsz = sizeof (bar0), .index = VFIO_PCI_BAR0_REGION_INDEX };
  struct vfio_irq_info info = { .argsz = sizeof (info), .index = index };
  uint16_t cmd;

  if (find_dev (vendor, device, name) < 0 || vfio_open (&g->fd) < 0)
    return -1;
  if (ioctl (g->fd, VFIO_DEVICE_GET_REGION_INFO, &cfg) < 0
      || ioctl (g->fd, VFIO_DEVICE_GET_REGION_INFO, &bar0) < 0
      || ioctl (g->fd, VFIO_DEVICE_GET_IRQ_INFO, &info) < 0)
    {
      printf ("region or irq info: %s\n", strerror (errno));
      return -1;
    }
  g->cfg = (off_t)cfg.offset;
  *n_irqs = info.count;
  if (pread (g->fd, &cmd, 2, g->cfg + 4) != 2)
    return -1;
  cmd = (uint16_t)((cmd | set) & ~clear);
  if (pwrite (g->fd, &cmd, 2, g->cfg + 4) != 2)
    return -1;
  g->bar = mmap (NULL, bar0.size, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, (off_t)bar0.offset);
  if (g->bar == MAP_FAILED)
    {
      printf ("mmap BAR0: %s\n", strerror (errno));
      return -1;
    }
  return 0;
}

#define CMD_MEMORY 0x2
#define CMD_MASTER 0x4
#define CMD_INTX_DISABLE 0x400

/* Wait (20 s) for an eventfd; its count, 0 if none came. */
static uint64_t
wait_efd (int efd)
{
  struct pollfd pfd = { .fd = efd, .events = POLLIN };
  uint64_t count = 0;

  if (poll (&pfd, 1, 20000) != 1 || read (efd, &count, sizeof (count)) != sizeof (count))
    count = 0;
  return count;
}

/* Raise edu's interrupt and wait for the eventfd; acknowledge it at the
 * device.  Returns the count. */
static uint64_t
raise_and_wait (volatile uint8_t *bar, int efd)
{
  uint64_t count;

  wr (bar, EDU_RAISE, 1);
  count = wait_efd (efd);
  wr (bar, EDU_ACK, rd (bar, EDU_IRQ_STATUS));
  return count;
}

/* edu's MSI: bus mastering on (an MSI is a write by the device). */
static int
irq (void)
{
  struct gdev g;
  unsigned n;
  uint64_t count;
  int efd = eventfd (0, 0);

  if (take_dev (0x1234, 0x11e8, "edu", CMD_MEMORY | CMD_MASTER, 0, VFIO_PCI_MSI_IRQ_INDEX, &g, &n)
          < 0
      || set_irqs (g.fd, VFIO_PCI_MSI_IRQ_INDEX, &efd, 1, "MSI") < 0)
    return 1;
  printf ("msi enabled\n");
  count = raise_and_wait (g.bar, efd);
  if (count)
    printf ("msi received %llu, irq status 0x%x\n", (unsigned long long)count,
            rd (g.bar, EDU_IRQ_STATUS));
  else
    printf ("no msi within 20 s (irq status 0x%x)\n", rd (g.bar, EDU_IRQ_STATUS));
  return count > 0 ? 0 : 1;
}

/* edu's INTx, twice: after the first the guest's vfio has masked the line
 * (at the device, or with nointxmask at its interrupt controller);
 * unmasked, the second must come too. */
static int
intx (void)
{
  struct gdev g;
  unsigned n;
  uint64_t first, second;
  uint8_t line = 0, pin = 0;
  int efd = eventfd (0, 0);

  if (take_dev (0x1234, 0x11e8, "edu", CMD_MEMORY, CMD_INTX_DISABLE, VFIO_PCI_INTX_IRQ_INDEX, &g,
                &n)
          < 0
      || pread (g.fd, &line, 1, g.cfg + 0x3c) != 1 || pread (g.fd, &pin, 1, g.cfg + 0x3d) != 1)
    return 1;
  printf ("intx pin %u, line %u, %u interrupt(s) offered\n", pin, line, n);
  if (n == 0 || set_irqs (g.fd, VFIO_PCI_INTX_IRQ_INDEX, &efd, 1, "INTx") < 0)
    return 1;
  first = raise_and_wait (g.bar, efd);
  set_irqs (g.fd, VFIO_PCI_INTX_IRQ_INDEX, NULL, 0, "INTx unmask");
  second = first ? raise_and_wait (g.bar, efd) : 0;
  if (first && second)
    printf ("intx received %llu, then %llu after unmask\n", (unsigned long long)first,
            (unsigned long long)second);
  else
    printf ("no intx within 20 s (%s; irq status 0x%x)\n", first ? "the second" : "the first",
            rd (g.bar, EDU_IRQ_STATUS));
  return first && second ? 0 : 1;
}

/* e1000e (82574, QEMU's model): its "other" interrupt cause routed to
 * MSI-X vector `vec` (IVAR), enabled (IMS) and set (ICS); wait for the
 * vector's eventfd. */
#define E1000_ICR 0xc0
#define E1000_ICS 0xc8
#define E1000_IMS 0xd0
#define E1000_IVAR 0xe4
#define E1000_ICR_OTHER 0x01000000u

static uint64_t
e1000e_other (volatile uint8_t *bar, unsigned vec, int efd)
{
  wr (bar, E1000_ICR, 0xffffffffu); /* write 1 to clear */
  wr (bar, E1000_IVAR, (0x8u | vec) << 16);
  wr (bar, E1000_IMS, E1000_ICR_OTHER);
  wr (bar, E1000_ICS, E1000_ICR_OTHER);
  return wait_efd (efd);
}

/* MSI-X end to end: the guest's vfio-pci enables 3 vectors of an e1000e
 * (the guest kernel programs and unmasks their table entries, which the
 * VMM emulates), the device raises vector 0, then vector 2; each
 * eventfd must count its own. */
static int
msix (void)
{
  struct gdev g;
  unsigned n;
  uint64_t v0, v2, other;
  int efd[3] = { eventfd (0, 0), eventfd (0, EFD_NONBLOCK), eventfd (0, 0) };

  if (take_dev (0x8086, 0x10d3, "e1000e", CMD_MEMORY | CMD_MASTER, 0, VFIO_PCI_MSIX_IRQ_INDEX, &g,
                &n)
      < 0)
    return 1;
  printf ("msix vectors offered %u\n", n);
  if (n < 3 || set_irqs (g.fd, VFIO_PCI_MSIX_IRQ_INDEX, efd, 3, "MSI-X") < 0)
    return 1;
  printf ("msix enabled, 3 vectors\n");
  v0 = e1000e_other (g.bar, 0, efd[0]);
  v2 = e1000e_other (g.bar, 2, efd[2]);
  if (read (efd[1], &other, sizeof (other)) == sizeof (other))
    printf ("vector 1 counted %llu: wrong vector\n", (unsigned long long)other);
  if (v0 && v2)
    printf ("msix vector 0 received %llu, vector 2 received %llu\n", (unsigned long long)v0,
            (unsigned long long)v2);
  else
    printf ("no msix within 20 s (vector %d)\n", v0 ? 2 : 0);
  wr (g.bar, E1000_ICR, 0xffffffffu);
  return v0 && v2 ? 0 : 1;
}

int
main (int argc, char **argv)
{
  setvbuf (stdout, NULL, _IOLBF, 0);
  if (argc == 2 && strcmp (argv[1], "probe") == 0)
    return probe ();
  if (argc == 2 && strcmp (argv[1], "irq") == 0)
    return irq ();
  if (argc == 2 && strcmp (argv[1], "intx") == 0)
    return intx ();
  if (argc == 2 && strcmp (argv[1], "msix") == 0)
    return msix ();
  fprintf (stderr, "usage: edu probe|irq|intx|msix\n");
  return 2;
}

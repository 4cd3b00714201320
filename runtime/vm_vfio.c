/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM plan's passthrough part: VFIO groups named in linux.devices
 * (/dev/vfio/N, as containerd, podman --device and Kubernetes device
 * plugins write them) or PCI addresses in the annotation io.hyrun.vm.vfio,
 * each resolved to its group node and the devices of its IOMMU group, and
 * checked before the host is touched: an IOMMU, the group, every device on
 * vfio-pci, the group free.  Messages name the path and the reason. */
#include "runtime/vm.h"
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "kvm-shim/vmm/guest_spec.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define VFIO_DIR "/dev/vfio/"
#define GROUPS_DIR "/sys/kernel/iommu_groups"
#define VFIO_CONTAINER_MAJOR 10
#define VFIO_CONTAINER_MINOR 196

/* Why group `num` has no node: no IOMMU at all, no such group, or no
 * device of it on vfio-pci. */
static int
explain_missing (const char *field, const char *path, const char *num, hy_error_t *err)
{
  cleanup_free char *g = xasprintf ("%s/%s", GROUPS_DIR, num);
  DIR *d = opendir (GROUPS_DIR);
  struct dirent *e;
  bool any = false;

  while (d && (e = readdir (d)))
    any = any || e->d_name[0] != '.';
  if (d)
    closedir (d);
  if (!any)
    return hy_error_set (err, 0,
                         "%s: `%s`: no IOMMU on this host (%s is empty: enable VT-d/AMD-Vi and "
                         "boot with intel_iommu=on or amd_iommu=on)",
                         field, path, GROUPS_DIR);
  if (access (g, F_OK) < 0)
    return hy_error_set (err, 0, "%s: `%s`: no such VFIO group (no IOMMU group %s)", field, path,
                         num);
  return hy_error_set (err, 0,
                       "%s: `%s`: IOMMU group %s has no device bound to vfio-pci (bind it: echo "
                       "vfio-pci > /sys/bus/pci/devices/ADDR/driver_override; echo ADDR > "
                       "/sys/bus/pci/drivers_probe)",
                       field, path, num);
}

/* The devices of IOMMU group `num`, each of which must be on vfio-pci. */
static int
group_devices (const char *field, const char *path, const char *num, struct vmm_vfio_group *g,
               hy_error_t *err)
{
  cleanup_free char *dir = xasprintf ("%s/%s/devices", GROUPS_DIR, num);
  char **devs = NULL;
  size_t n = 0;
  struct dirent *e;
  DIR *d = opendir (dir);

  if (d == NULL)
    return hy_error_set (err, errno, "%s: `%s`: `%s`", field, path, dir);
  while ((e = readdir (d)))
    {
      cleanup_free char *link = NULL;
      char drv[PATH_MAX];
      ssize_t l;
      const char *base;

      if (e->d_name[0] == '.')
        continue;
      link = xasprintf ("%s/%s/driver", dir, e->d_name);
      l = readlink (link, drv, sizeof (drv) - 1);
      drv[l < 0 ? 0 : l] = 0;
      base = strrchr (drv, '/') ? strrchr (drv, '/') + 1 : drv;
      if (strcmp (base, "vfio-pci") != 0)
        {
          closedir (d);
          for (size_t i = 0; i < n; i++)
            free (devs[i]);
          free (devs);
          return hy_error_set (err, 0,
                               "%s: `%s`: device %s of IOMMU group %s is %s%s%s, not vfio-pci "
                               "(every device of a group is assigned together)",
                               field, path, e->d_name, num,
                               l < 0 ? "bound to no driver" : "bound to `", l < 0 ? "" : base,
                               l < 0 ? "" : "`");
        }
      devs = xrealloc (devs, (n + 1) * sizeof (*devs));
      devs[n++] = xstrdup (e->d_name);
    }
  closedir (d);
  g->devices = (const char *const *)devs;
  g->n_devices = n;
  return 0;
}

/* One group node: it exists, it is a VFIO group, it is free now (the VMM
 * checks again when it opens it for good). */
static int
add_group (const char *field, const char *path, struct vm_plan *p, hy_error_t *err)
{
  const char *num = path + strlen (VFIO_DIR);
  struct vmm_vfio_group *g;
  struct stat st;
  size_t i;
  int fd;

  for (i = 0; i < p->n_vfio; i++)
    if (strcmp (p->vfio[i].path, path) == 0)
      return 0;
  if (*num == 0 || strspn (num, "0123456789") != strlen (num))
    return hy_error_set (err, 0,
                         "%s: `%s`: not a VFIO group node (want /dev/vfio/N; no-IOMMU groups "
                         "cannot be assigned to a VM)",
                         field, path);
  if (p->n_vfio == VMM_VFIO_MAX_GROUPS)
    return hy_error_set (err, 0, "%s: `%s`: at most %d VFIO groups", field, path,
                         VMM_VFIO_MAX_GROUPS);
  if (stat (path, &st) < 0)
    return errno == ENOENT ? explain_missing (field, path, num, err)
                           : hy_error_set (err, errno, "%s: `%s`", field, path);
  if (!S_ISCHR (st.st_mode))
    return hy_error_set (err, 0, "%s: `%s`: not a character device", field, path);
  fd = open (path, O_RDWR | O_CLOEXEC);
  if (fd < 0 && errno == EBUSY)
    return hy_error_set (err, errno,
                         "%s: `%s`: the group is in use (another VM or process has it open)", field,
                         path);
  if (fd < 0)
    return hy_error_set (err, errno, "%s: `%s`", field, path);
  close (fd);
  p->vfio = xrealloc (p->vfio, (p->n_vfio + 1) * sizeof (*p->vfio));
  g = &p->vfio[p->n_vfio];
  memset (g, 0, sizeof (*g));
  if (group_devices (field, path, num, g, err) < 0)
    return -1;
  g->path = xstrdup (path);
  p->vfio_dev[p->n_vfio] = st.st_rdev;
  p->n_vfio++;
  return 0;
}

/* io.hyrun.vm.vfio: PCI addresses, comma-separated ("0000:00:04.0", or
 * "00:04.0" on domain 0), each standing for its whole IOMMU group. */
static int
add_addresses (const char *v, struct vm_plan *p, hy_error_t *err)
{
  const char *field = "config.json: annotations.io.hyrun.vm.vfio";
  cleanup_free char *list = xstrdup (v);
  char *save = NULL, *a;

  for (a = strtok_r (list, ",", &save); a; a = strtok_r (NULL, ",", &save))
    {
      cleanup_free char *addr = strlen (a) == 7 ? xasprintf ("0000:%s", a) : xstrdup (a);
      cleanup_free char *link = xasprintf ("/sys/bus/pci/devices/%s/iommu_group", addr);
      cleanup_free char *path = NULL;
      char grp[PATH_MAX];
      ssize_t l;

      if (strspn (addr, "0123456789abcdefABCDEF:.") != strlen (addr) || strlen (addr) != 12)
        return hy_error_set (err, 0, "%s: \"%s\" is not a PCI address (0000:00:04.0)", field, a);
      if (access (link, F_OK) < 0)
        {
          cleanup_free char *dev = xasprintf ("/sys/bus/pci/devices/%s", addr);
          if (access (dev, F_OK) < 0)
            return hy_error_set (err, 0, "%s: no PCI device %s", field, addr);
          return hy_error_set (err, 0,
                               "%s: PCI device %s is in no IOMMU group (no IOMMU on this "
                               "host: boot with intel_iommu=on or amd_iommu=on)",
                               field, addr);
        }
      l = readlink (link, grp, sizeof (grp) - 1);
      if (l < 0)
        return hy_error_set (err, errno, "%s: `%s`", field, link);
      grp[l] = 0;
      path = xasprintf (VFIO_DIR "%s", strrchr (grp, '/') ? strrchr (grp, '/') + 1 : grp);
      if (add_group (field, path, p, err) < 0)
        return -1;
    }
  return 0;
}

/* The device cgroup of the VMM: deny all, /dev/kvm and /dev/net/tun as
 * before, and the VFIO container and group nodes it opens. */
static void
vmm_device_rules (struct vm_plan *p)
{
  static const struct spec_device_cgroup base[] = {
    { false, 'a', false, false, 0, 0, NULL },
    { true, 'c', true, true, 10, 232, (char *)"rw" },
    { true, 'c', true, true, 10, 200, (char *)"rw" },
  };
  size_t n = sizeof (base) / sizeof (base[0]), i;

  p->vmm_devs = xcalloc (n + 1 + p->n_vfio, sizeof (*p->vmm_devs));
  memcpy (p->vmm_devs, base, sizeof (base));
  if (p->n_vfio)
    p->vmm_devs[n++] = (struct spec_device_cgroup){
      true, 'c', true, true, VFIO_CONTAINER_MAJOR, VFIO_CONTAINER_MINOR, (char *)"rw"
    };
  for (i = 0; i < p->n_vfio; i++)
    p->vmm_devs[n++] = (struct spec_device_cgroup){
      true, 'c', true, true, major (p->vfio_dev[i]), minor (p->vfio_dev[i]), (char *)"rw"
    };
  p->n_vmm_devs = n;
}

int
vm_plan_vfio (const struct spec *spec, struct vm_plan *p, hy_error_t *err)
{
  const char *v = spec_annotation (spec, "io.hyrun.vm.vfio");
  size_t i;

  for (i = 0; spec->linux_ && i < spec->linux_->n_devices; i++)
    {
      const struct spec_device *d = &spec->linux_->devices[i];
      cleanup_free char *field = xasprintf ("config.json: linux.devices[%zu]", i);
      if (!vmm_guest_spec_is_vfio_group (d->path))
        continue;
      if (d->type != 'c')
        return hy_error_set (err, 0, "%s: `%s`: a VFIO group is a character device (type \"c\")",
                             field, d->path);
      if (add_group (field, d->path, p, err) < 0)
        return -1;
    }
  if (v && add_addresses (v, p, err) < 0)
    return -1;
  vmm_device_rules (p);
  return 0;
}

void
vm_plan_vfio_fini (struct vm_plan *p)
{
  size_t i, j;

  for (i = 0; i < p->n_vfio; i++)
    {
      for (j = 0; j < p->vfio[i].n_devices; j++)
        free ((char *)p->vfio[i].devices[j]);
      free ((char **)p->vfio[i].devices);
      free ((char *)p->vfio[i].path);
    }
  free (p->vfio);
  free (p->vmm_devs);
  p->vfio = NULL;
  p->vmm_devs = NULL;
  p->n_vfio = p->n_vmm_devs = 0;
}

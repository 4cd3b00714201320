/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest's view of the spec.  Namespaces: the VMM runs on the host in
 * the container's network, IPC, UTS, mount and cgroup namespaces (new or
 * joined by path, runtime/vm.c); a path names a host namespace the guest
 * cannot see, so inside the guest every namespace is a new one.  The
 * network namespace is the VM itself: the workload stays in the guest's
 * own, where its virtio-net interfaces are; a container with a network
 * namespace keeps one in the guest's spec, joined by the path of the
 * guest's own (/proc/self/ns/net: a no-op join), so that what needs one
 * there - net.* sysctls, as podman sets by default - is still accepted and
 * applied in the guest's namespace.  A UTS namespace joined by path gives
 * the guest its host name (a pod's containers join the sandbox's, and
 * containerd's CRI plugin sets the pod's hostname only there).  Mounts: the bind mounts as the
 * volumes plan rewrote them (volumes.h). */
#include "kvm-shim/vmm/guest_spec.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <string.h>

bool
vmm_guest_spec_is_vfio_group (const char *path)
{
  return path && strncmp (path, "/dev/vfio/", 10) == 0 && strcmp (path, "/dev/vfio/vfio") != 0;
}

char *
vmm_guest_spec_json (const struct spec *spec, const struct vmm_volumes *vols, const char *uts_name,
                     hy_error_t *err)
{
  struct spec copy = *spec;
  struct spec_linux l;
  cleanup_free struct spec_namespace *ns = NULL;
  cleanup_free struct spec_device *devs = NULL;
  size_t i, n = 0;

  if (vols && vols->n == spec->n_mounts)
    copy.mounts = vols->guest;
  if (copy.hostname == NULL && uts_name && uts_name[0])
    copy.hostname = (char *)uts_name;
  if (spec->linux_ == NULL)
    return spec_to_json (&copy, err);
  l = *spec->linux_;
  ns = xcalloc (l.n_namespaces + 1, sizeof (*ns));
  for (i = 0; i < l.n_namespaces; i++)
    {
      ns[n].type = l.namespaces[i].type;
      /* the host's path, not the guest's */
      ns[n].path = ns[n].type == SPEC_NS_NETWORK ? (char *)"/proc/self/ns/net" : NULL;
      n++;
    }
  l.namespaces = ns;
  l.n_namespaces = n;
  /* a VFIO group node is the host's: its devices reach the guest on its PCI
   * bus (devices/vfio_pci.c), not as a node */
  devs = xcalloc (l.n_devices + 1, sizeof (*devs));
  for (i = 0, n = 0; i < l.n_devices; i++)
    if (!vmm_guest_spec_is_vfio_group (l.devices[i].path))
      devs[n++] = l.devices[i];
  l.devices = devs;
  l.n_devices = n;
  copy.linux_ = &l;
  return spec_to_json (&copy, err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The spec the guest agent gets (kvm-shim/vmm/guest_spec.c): namespace
 * paths name host namespaces and are dropped; the network namespace is the
 * guest's own, joined by /proc/self/ns/net, so the guest still accepts the
 * net.* sysctls podman sets by default; VFIO groups stay on the host. */
#include "kvm-shim/vmm/guest_spec.h"
#include "tests/unit/tap.h"

#include <stdlib.h>
#include <string.h>

#define CONFIG(NS)                                                                                 \
  "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"                                      \
  "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"namespaces\":[" NS "],"              \
  "\"sysctl\":{\"net.ipv4.ping_group_range\":\"0 0\"}}}"

/* The host spec JSON through the guest's view and back through the
 * guest's parser; NULL (with the error printed) if the guest refuses it. */
static struct spec *
guest_view_uts (const char *json, const char *uts_name)
{
  hy_error_t err = NULL;
  struct spec *host = spec_parse ("config.json", json, strlen (json), &err), *guest = NULL;
  char *g;

  if (host == NULL)
    {
      tap_diag ("host: %s", err->msg);
      hy_error_free (&err);
      return NULL;
    }
  g = vmm_guest_spec_json (host, NULL, uts_name, &err);
  if (g)
    guest = spec_parse ("guest config.json", g, strlen (g), &err);
  if (guest == NULL)
    tap_diag ("guest: %s", err ? err->msg : "?");
  hy_error_free (&err);
  free (g);
  spec_free (host);
  return guest;
}

static struct spec *
guest_view (const char *json)
{
  return guest_view_uts (json, NULL);
}

int
main (void)
{
  struct spec *s;
  const struct spec_namespace *ns;

  tap_plan (6);
  s = guest_view (CONFIG ("{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/var/run/netns/c\"},"
                          "{\"type\":\"ipc\",\"path\":\"/proc/7/ns/ipc\"},{\"type\":\"mount\"}"));
  ns = s ? spec_namespace_find (s, SPEC_NS_NETWORK) : NULL;
  tap_ok (ns && ns->path && strcmp (ns->path, "/proc/self/ns/net") == 0,
          "a joined network namespace becomes the guest's own, with the net.* sysctl accepted");
  ns = s ? spec_namespace_find (s, SPEC_NS_IPC) : NULL;
  tap_ok (ns && ns->path == NULL, "another joined namespace becomes a new one in the guest");
  if (s)
    spec_free (s);
  s = guest_view (CONFIG ("{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"mount\"}"));
  ns = s ? spec_namespace_find (s, SPEC_NS_NETWORK) : NULL;
  tap_ok (ns && ns->path && strcmp (ns->path, "/proc/self/ns/net") == 0,
          "a new network namespace is the guest's own too (no second one inside the guest)");
  if (s)
    spec_free (s);
  /* a pod's container joins the sandbox's UTS namespace, which alone has
   * the pod's hostname: the guest's new one takes it */
  s = guest_view_uts (
      CONFIG ("{\"type\":\"network\"},{\"type\":\"uts\",\"path\":\"/proc/7/ns/uts\"}"), "pod-a");
  ns = s ? spec_namespace_find (s, SPEC_NS_UTS) : NULL;
  tap_ok (ns && ns->path == NULL && s->hostname && strcmp (s->hostname, "pod-a") == 0,
          "a joined UTS namespace's host name becomes the guest's hostname");
  if (s)
    spec_free (s);
  /* the spec's own hostname wins */
  s = guest_view_uts (
      "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},\"hostname\":\"mine\","
      "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
      "\"linux\":{\"namespaces\":[{\"type\":\"uts\"}]}}",
      "pod-a");
  tap_ok (s && s->hostname && strcmp (s->hostname, "mine") == 0,
          "the spec's own hostname is kept over the namespace's");
  if (s)
    spec_free (s);
  /* a VFIO group is assigned on the guest's PCI bus, never a node there */
  {
    const char *json = "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"rootfs\"},"
                       "\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},\"linux\":{\"devices\":["
                       "{\"path\":\"/dev/vfio/12\",\"type\":\"c\",\"major\":243,\"minor\":0}]}}";
    hy_error_t err = NULL;
    struct spec *host = spec_parse ("config.json", json, strlen (json), &err);
    char *g = host ? vmm_guest_spec_json (host, NULL, NULL, &err) : NULL;

    tap_ok (g && strstr (g, "/dev/vfio/12") == NULL && vmm_guest_spec_is_vfio_group ("/dev/vfio/12")
                && !vmm_guest_spec_is_vfio_group ("/dev/vfio/vfio"),
            "a VFIO group in linux.devices does not reach the guest's spec");
    free (g);
    if (host)
      spec_free (host);
    hy_error_free (&err);
  }
  return tap_done ();
}

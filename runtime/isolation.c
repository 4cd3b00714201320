/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The isolation switch: namespaces or a KVM guest for the same bundle.
 * The annotation io.hyrun.isolation decides; without it the runtime's
 * default (hyrun-vm, --isolation) does, except for a Kubernetes pod's
 * sandbox (pause) container, which holds the pod's namespaces on the host
 * and so always runs as a container: containerd copies a pod's
 * annotations to its sandbox too, and a sandbox VM would take the pod's
 * interface away from the workload's own guest. */
#include "runtime/create.h"
#include "spec/spec.h"

#include <string.h>

static bool
is_pod_sandbox (const struct spec *spec)
{
  const char *cri = spec_annotation (spec, "io.kubernetes.cri.container-type");
  const char *crio = spec_annotation (spec, "io.kubernetes.cri-o.ContainerType");

  return (cri && strcmp (cri, "sandbox") == 0) || (crio && strcmp (crio, "sandbox") == 0);
}

int
isolation_of (const struct spec *spec, const char *dflt, enum isolation *out, hy_error_t *err)
{
  const char *v = spec_annotation (spec, "io.hyrun.isolation");

  *out = ISOLATION_CONTAINER;
  if (v == NULL)
    {
      if (dflt && strcmp (dflt, "vm") == 0 && !is_pod_sandbox (spec))
        *out = ISOLATION_VM;
      return 0;
    }
  if (strcmp (v, "container") == 0)
    return 0;
  if (strcmp (v, "vm") == 0)
    {
      if (!is_pod_sandbox (spec))
        *out = ISOLATION_VM;
      return 0;
    }
  return hy_error_set (
      err, 0,
      "config.json: annotations.io.hyrun.isolation: must be \"container\" or \"vm\", got \"%s\"",
      v);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host side of a guest's network, the way Kata Containers does it:
 * the VMM runs in the container's network namespace (made by CNI, podman,
 * `ip netns`...); for each interface there but lo it creates a TAP device,
 * and joins the two with tc: an ingress qdisc on each and a match-all u32
 * filter whose mirred action redirects every frame to the other's egress.
 * The interface keeps its MAC and addresses; the guest's virtio-net gets
 * the same MAC and the agent gives it the same addresses, routes and MTU
 * (the records of VMPROTO_NET).  Everything goes through the hand-written
 * rtnetlink client (netlink.h). */
#ifndef VMM_NET_HOST_H
#define VMM_NET_HOST_H

#include "common/error.h"
#include "kvm-shim/proto/vmproto.h"

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* virtio-mmio slots are few (mmio.h): at most this many interfaces. */
#define VMM_NET_MAX_IFS 4
/* The TAP devices are named VMM_NET_TAP_PREFIX and the first free number. */
#define VMM_NET_TAP_PREFIX "hytap"

struct vmm_net_if
{
  char name[IF_NAMESIZE]; /* the host interface (a veth end) */
  int ifindex;
  uint8_t mac[6];
  uint32_t mtu;
  char tap_name[IF_NAMESIZE];
  int tap_ifindex;
  int tap_fd;  /* non-blocking; owned: the TAP vanishes when it is closed */
  bool tc_set; /* our ingress qdisc sits on the interface */
};

struct vmm_net
{
  /* Opened by setup and kept: teardown runs under the VMM's seccomp
   * filter, which allows no socket(). */
  int nl_fd;
  bool active; /* set up (nl_fd open); a zeroed struct is not */
  unsigned n_ifs;
  struct vmm_net_if ifs[VMM_NET_MAX_IFS];
  struct vmproto_net_rec *recs; /* what the guest gets, LINKs, ADDRs, ROUTEs */
  unsigned n_recs;
};

/* In the network namespace to share: find its interfaces, read their
 * MAC, MTU, addresses and routes, create and join a TAP to each.  No
 * interface but lo: nothing to do (n_ifs 0).  On failure everything done
 * so far is undone.  *net must be zeroed (or from a teardown). */
int vmm_net_setup (struct vmm_net *net, hy_error_t *err);
/* Remove our qdiscs from the host interfaces (their filters go with
 * them), close the TAPs (which deletes them), free the records.  Quiet:
 * an interface already gone (the namespace died) is not an error. */
void vmm_net_teardown (struct vmm_net *net);

/* What a VMM killed with SIGKILL leaves: its TAP is gone with its fd, but
 * the ingress qdisc and filter on the host interface stay, redirecting to
 * nothing.  Remove, in the current network namespace, the ingress qdisc of
 * every interface whose filter has a mirred action of ours (its cookie)
 * whose target device is gone; a live VM's redirect is left alone.
 * vmm_net_clean_stale_in does it in the namespace at `netns_path` (a
 * missing path: nothing to do), from a child process. */
int vmm_net_clean_stale (hy_error_t *err);
int vmm_net_clean_stale_in (const char *netns_path, hy_error_t *err);

/* The filter request vmm_net_setup sends, exposed for its unit test:
 * u32 match-all on the ingress of `from`, mirred egress redirect to `to`. */
struct vmm_nl_msg;
void vmm_net_redirect_msg (struct vmm_nl_msg *m, int from, int to);

#endif

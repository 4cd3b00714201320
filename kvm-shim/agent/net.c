/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The guest's network, from the host's (VMPROTO_NET, vmproto.h): each
 * virtio-net interface carries its host interface's MAC, which is how a
 * record finds it; it gets the MTU, the addresses (IPv6 ones without
 * duplicate address detection: the host interface held them a moment ago
 * and its ingress is ours now) and the routes, and comes up.  Hand-built
 * rtnetlink (kvm-shim/vmm/netlink.h): the agent is static, without
 * libmnl. */
#include "common/cleanup.h"
#include "kvm-shim/agent/agent.h"
#include "kvm-shim/vmm/netlink.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define GUEST_MAX_LINKS 16

struct links
{
  unsigned n;
  int index[GUEST_MAX_LINKS];
  uint8_t mac[GUEST_MAX_LINKS][6];
};

static int
on_link (const struct nlmsghdr *nh, void *opaque, hy_error_t *err)
{
  struct links *l = opaque;
  const struct ifinfomsg *ifi = NLMSG_DATA (nh);
  const struct rtattr *tb[IFLA_MAX + 1];

  if (nh->nlmsg_type != RTM_NEWLINK || vmm_nl_parse_msg (nh, sizeof (*ifi), tb, IFLA_MAX) < 0)
    return hy_error_set (err, 0, "malformed link message");
  if (tb[IFLA_ADDRESS] == NULL || vmm_nl_len (tb[IFLA_ADDRESS]) != 6 || l->n >= GUEST_MAX_LINKS)
    return 0;
  l->index[l->n] = ifi->ifi_index;
  memcpy (l->mac[l->n++], vmm_nl_data (tb[IFLA_ADDRESS]), 6);
  return 0;
}

static int
find_link (const struct links *l, const uint8_t mac[6], hy_error_t *err)
{
  unsigned i;

  for (i = 0; i < l->n; i++)
    if (memcmp (l->mac[i], mac, 6) == 0)
      return l->index[i];
  return hy_error_set (err, 0, "no guest interface has MAC %02x:%02x:%02x:%02x:%02x:%02x", mac[0],
                       mac[1], mac[2], mac[3], mac[4], mac[5]);
}

static int
link_up (int fd, int index, uint32_t mtu, hy_error_t *err)
{
  struct ifinfomsg ifi
      = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  struct vmm_nl_msg m;
  int r;

  vmm_nl_msg_init (&m, RTM_NEWLINK, 0, &ifi, sizeof (ifi));
  vmm_nl_put_u32 (&m, IFLA_MTU, mtu);
  r = vmm_nl_request (fd, &m, "set the MTU and bring the interface up", err);
  vmm_nl_msg_fini (&m);
  return r;
}

static int
add_addr (int fd, int index, const struct vmproto_net_rec *rec, hy_error_t *err)
{
  struct ifaddrmsg ifa = { .ifa_family = rec->family == 4 ? AF_INET : AF_INET6,
                           .ifa_prefixlen = rec->prefix_len,
                           .ifa_index = (uint32_t)index };
  size_t alen = rec->family == 4 ? 4 : 16;
  struct vmm_nl_msg m;
  int r;

  vmm_nl_msg_init (&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, &ifa, sizeof (ifa));
  vmm_nl_put (&m, IFA_LOCAL, rec->addr, alen);
  vmm_nl_put (&m, IFA_ADDRESS, rec->addr, alen);
  if (rec->family == 6)
    vmm_nl_put_u32 (&m, IFA_FLAGS, IFA_F_NODAD);
  r = vmm_nl_request (fd, &m, "add an address", err);
  vmm_nl_msg_fini (&m);
  return r;
}

static int
add_route (int fd, int index, const struct vmproto_net_rec *rec, hy_error_t *err)
{
  static const uint8_t zero[16];
  size_t alen = rec->family == 4 ? 4 : 16;
  bool gw = memcmp (rec->gw, zero, alen) != 0;
  struct rtmsg rt = { .rtm_family = rec->family == 4 ? AF_INET : AF_INET6,
                      .rtm_dst_len = rec->prefix_len,
                      .rtm_table = RT_TABLE_MAIN,
                      .rtm_protocol = RTPROT_BOOT,
                      .rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
                      .rtm_type = RTN_UNICAST };
  struct vmm_nl_msg m;
  int r;

  vmm_nl_msg_init (&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &rt, sizeof (rt));
  if (rec->prefix_len > 0)
    vmm_nl_put (&m, RTA_DST, rec->addr, alen);
  if (gw)
    vmm_nl_put (&m, RTA_GATEWAY, rec->gw, alen);
  vmm_nl_put_u32 (&m, RTA_OIF, (uint32_t)index);
  r = vmm_nl_request (fd, &m, "add a route", err);
  vmm_nl_msg_fini (&m);
  return r;
}

static int
check_rec (const struct vmproto_net_rec *rec, size_t i, hy_error_t *err)
{
  bool ip = rec->kind == VMPROTO_NET_ADDR || rec->kind == VMPROTO_NET_ROUTE;

  if (rec->kind < VMPROTO_NET_LINK || rec->kind > VMPROTO_NET_ROUTE)
    return hy_error_set (err, 0, "NET record %zu: unknown kind %u", i, rec->kind);
  if (ip
      && !((rec->family == 4 && rec->prefix_len <= 32)
           || (rec->family == 6 && rec->prefix_len <= 128)))
    return hy_error_set (err, 0, "NET record %zu: family %u, prefix /%u", i, rec->family,
                         rec->prefix_len);
  return 0;
}

/* One record; a route whose gateway is reached through another route
 * fails with ENETUNREACH until that one exists: *retry asks for a second
 * pass. */
static int
apply_rec (int fd, const struct links *l, const struct vmproto_net_rec *rec, bool last_pass,
           bool *retry, hy_error_t *err)
{
  int index = find_link (l, rec->mac, err);

  if (index < 0)
    return -1;
  /* the guest kernel may be built without IPv6 (hyrun's is): its
   * addresses and routes are the one part of the host's left out */
  if (rec->kind != VMPROTO_NET_LINK && rec->family == 6 && access ("/proc/net/if_inet6", F_OK) < 0)
    return 0;
  switch (rec->kind)
    {
    case VMPROTO_NET_LINK:
      return link_up (fd, index, le32toh (rec->mtu), err);
    case VMPROTO_NET_ADDR:
      return add_addr (fd, index, rec, err);
    default:
      {
        cleanup_error hy_error_t e = NULL;
        if (add_route (fd, index, rec, &e) == 0)
          return 0;
        if (e->code == ENETUNREACH && !last_pass)
          {
            *retry = true;
            return 0;
          }
        hy_error_move (err, &e);
        return -1;
      }
    }
}

int
agent_net_apply (const uint8_t *payload, uint32_t len, hy_error_t *err)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  size_t n = len / sizeof (struct vmproto_net_rec), i;
  cleanup_close int fd = -1;
  struct links l = { 0 };
  struct vmm_nl_msg m;
  bool retry = false;
  int pass, r;

  if (n == 0)
    return 0;
  if ((fd = vmm_nl_open (err)) < 0)
    return hy_error_prefix (err, "guest network");
  vmm_nl_msg_init (&m, RTM_GETLINK, 0, &ifi, sizeof (ifi));
  r = vmm_nl_dump (fd, &m, "list the interfaces", on_link, &l, err);
  vmm_nl_msg_fini (&m);
  if (r < 0)
    return hy_error_prefix (err, "guest network");
  for (pass = 0; pass < 2 && (pass == 0 || retry); pass++)
    {
      retry = false;
      for (i = 0; i < n; i++)
        {
          struct vmproto_net_rec rec;

          memcpy (&rec, payload + i * sizeof (rec), sizeof (rec));
          if (check_rec (&rec, i, err) < 0)
            return hy_error_prefix (err, "guest network");
          if ((pass == 1 && rec.kind != VMPROTO_NET_ROUTE)
              || apply_rec (fd, &l, &rec, pass == 1, &retry, err) == 0)
            continue;
          return hy_error_prefix (err, "guest network");
        }
    }
  return 0;
}

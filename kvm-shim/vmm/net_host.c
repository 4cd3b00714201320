/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host side of the guest's network (net_host.h): three dumps
 * (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE) turned into VMPROTO_NET
 * records, then per interface a TAP and the tc redirect both ways, as
 * `tc qdisc add dev IF ingress; tc filter add dev IF parent ffff: protocol
 * all u32 match u8 0 0 action mirred egress redirect dev TAP` would, and the same from the TAP
 * back to the interface. */
#include "kvm-shim/vmm/net_host.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "kvm-shim/vmm/netlink.h"

#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_tun.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define INGRESS_HANDLE 0xffff0000u /* "ffff:" */
#define FILTER_PRIO 1
#define VMM_NET_COOKIE "hyrun-vm-net"

static struct vmm_net_if *
find_if (struct vmm_net *net, int ifindex)
{
  unsigned i;

  for (i = 0; i < net->n_ifs; i++)
    if (net->ifs[i].ifindex == ifindex)
      return &net->ifs[i];
  return NULL;
}

static struct vmproto_net_rec *
add_rec (struct vmm_net *net, enum vmproto_net_kind kind, const struct vmm_net_if *nif,
         hy_error_t *err)
{
  struct vmproto_net_rec *r;

  if (net->n_recs >= VMPROTO_NET_MAX_RECS)
    {
      hy_error_set (err, 0, "more than %d addresses and routes", VMPROTO_NET_MAX_RECS);
      return NULL;
    }
  net->recs = xrealloc (net->recs, (net->n_recs + 1) * sizeof (*net->recs));
  r = &net->recs[net->n_recs++];
  memset (r, 0, sizeof (*r));
  r->kind = (uint8_t)kind;
  memcpy (r->mac, nif->mac, 6);
  return r;
}

/* ---- what the namespace has -------------------------------------------- */

static int
on_link (const struct nlmsghdr *nh, void *opaque, hy_error_t *err)
{
  struct vmm_net *net = opaque;
  const struct ifinfomsg *ifi = NLMSG_DATA (nh);
  const struct rtattr *tb[IFLA_MAX + 1];
  struct vmm_net_if *nif;

  if (nh->nlmsg_type != RTM_NEWLINK || vmm_nl_parse_msg (nh, sizeof (*ifi), tb, IFLA_MAX) < 0)
    return hy_error_set (err, 0, "malformed link message");
  /* lo stays the guest's own; only Ethernet-like links (veth, macvlan...)
   * can be mirrored to a TAP */
  if ((ifi->ifi_flags & IFF_LOOPBACK) || ifi->ifi_type != ARPHRD_ETHER)
    return 0;
  /* nor TAPs (another VM's in this namespace, or our own) */
  if (tb[IFLA_LINKINFO])
    {
      const struct rtattr *li[IFLA_INFO_MAX + 1];
      if (vmm_nl_parse (vmm_nl_data (tb[IFLA_LINKINFO]), vmm_nl_len (tb[IFLA_LINKINFO]), li,
                        IFLA_INFO_MAX)
          < 0)
        return hy_error_set (err, 0, "malformed link info of link %d", ifi->ifi_index);
      if (li[IFLA_INFO_KIND] && vmm_nl_len (li[IFLA_INFO_KIND]) >= 3
          && memcmp (vmm_nl_data (li[IFLA_INFO_KIND]), "tun", 3) == 0)
        return 0;
    }
  if (tb[IFLA_IFNAME] == NULL || tb[IFLA_ADDRESS] == NULL || vmm_nl_len (tb[IFLA_ADDRESS]) != 6
      || tb[IFLA_MTU] == NULL || vmm_nl_len (tb[IFLA_MTU]) != 4)
    return hy_error_set (err, 0, "link %d without a name, MAC or MTU", ifi->ifi_index);
  if (net->n_ifs >= VMM_NET_MAX_IFS)
    return hy_error_set (err, 0, "more than %d network interfaces: not supported in VM mode",
                         VMM_NET_MAX_IFS);
  nif = &net->ifs[net->n_ifs++];
  memset (nif, 0, sizeof (*nif));
  nif->tap_fd = -1;
  nif->ifindex = ifi->ifi_index;
  snprintf (nif->name, sizeof (nif->name), "%.*s",
            (int)strnlen (vmm_nl_data (tb[IFLA_IFNAME]), vmm_nl_len (tb[IFLA_IFNAME])),
            (const char *)vmm_nl_data (tb[IFLA_IFNAME]));
  memcpy (nif->mac, vmm_nl_data (tb[IFLA_ADDRESS]), 6);
  memcpy (&nif->mtu, vmm_nl_data (tb[IFLA_MTU]), 4);
  return 0;
}

static int
family_of (int af)
{
  return af == AF_INET ? 4 : af == AF_INET6 ? 6 : 0;
}

static int
on_addr (const struct nlmsghdr *nh, void *opaque, hy_error_t *err)
{
  struct vmm_net *net = opaque;
  const struct ifaddrmsg *ifa = NLMSG_DATA (nh);
  const struct rtattr *tb[IFA_MAX + 1], *a;
  struct vmm_net_if *nif;
  struct vmproto_net_rec *r;
  size_t alen;

  if (nh->nlmsg_type != RTM_NEWADDR || vmm_nl_parse_msg (nh, sizeof (*ifa), tb, IFA_MAX) < 0)
    return hy_error_set (err, 0, "malformed address message");
  nif = find_if (net, (int)ifa->ifa_index);
  /* link-local addresses the guest makes itself (from the same MAC) */
  if (nif == NULL || family_of (ifa->ifa_family) == 0 || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
    return 0;
  a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  alen = ifa->ifa_family == AF_INET ? 4 : 16;
  if (a == NULL || vmm_nl_len (a) != alen)
    return hy_error_set (err, 0, "%s: address without a value", nif->name);
  if ((r = add_rec (net, VMPROTO_NET_ADDR, nif, err)) == NULL)
    return -1;
  r->family = (uint8_t)family_of (ifa->ifa_family);
  r->prefix_len = ifa->ifa_prefixlen;
  memcpy (r->addr, vmm_nl_data (a), alen);
  return 0;
}

static int
on_route (const struct nlmsghdr *nh, void *opaque, hy_error_t *err)
{
  struct vmm_net *net = opaque;
  const struct rtmsg *rt = NLMSG_DATA (nh);
  const struct rtattr *tb[RTA_MAX + 1];
  struct vmm_net_if *nif;
  struct vmproto_net_rec *r;
  uint32_t table, oif;
  size_t alen;

  if (nh->nlmsg_type != RTM_NEWROUTE || vmm_nl_parse_msg (nh, sizeof (*rt), tb, RTA_MAX) < 0)
    return hy_error_set (err, 0, "malformed route message");
  table = rt->rtm_table;
  if (tb[RTA_TABLE] && vmm_nl_len (tb[RTA_TABLE]) == 4)
    memcpy (&table, vmm_nl_data (tb[RTA_TABLE]), 4);
  /* the prefix routes of the addresses (proto kernel) the guest's kernel
   * adds itself; local, broadcast, multicast and other tables stay */
  if (table != RT_TABLE_MAIN || rt->rtm_type != RTN_UNICAST || rt->rtm_protocol == RTPROT_KERNEL
      || family_of (rt->rtm_family) == 0 || tb[RTA_OIF] == NULL || vmm_nl_len (tb[RTA_OIF]) != 4)
    return 0;
  memcpy (&oif, vmm_nl_data (tb[RTA_OIF]), 4);
  if ((nif = find_if (net, (int)oif)) == NULL)
    return 0;
  alen = rt->rtm_family == AF_INET ? 4 : 16;
  if ((tb[RTA_DST] && vmm_nl_len (tb[RTA_DST]) != alen)
      || (tb[RTA_GATEWAY] && vmm_nl_len (tb[RTA_GATEWAY]) != alen))
    return hy_error_set (err, 0, "%s: malformed route", nif->name);
  if ((r = add_rec (net, VMPROTO_NET_ROUTE, nif, err)) == NULL)
    return -1;
  r->family = (uint8_t)family_of (rt->rtm_family);
  r->prefix_len = rt->rtm_dst_len;
  if (tb[RTA_DST])
    memcpy (r->addr, vmm_nl_data (tb[RTA_DST]), alen);
  if (tb[RTA_GATEWAY])
    memcpy (r->gw, vmm_nl_data (tb[RTA_GATEWAY]), alen);
  return 0;
}

static int
dump (struct vmm_net *net, uint16_t type, const void *hdr, size_t hdr_len, const char *what,
      vmm_nl_dump_fn fn, hy_error_t *err)
{
  struct vmm_nl_msg m;
  int r;

  vmm_nl_msg_init (&m, type, 0, hdr, hdr_len);
  r = vmm_nl_dump (net->nl_fd, &m, what, fn, net, err);
  vmm_nl_msg_fini (&m);
  return r;
}

static int
probe (struct vmm_net *net, hy_error_t *err)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
  struct rtmsg rt = { .rtm_family = AF_UNSPEC };
  unsigned i;

  if (dump (net, RTM_GETLINK, &ifi, sizeof (ifi), "list the interfaces", on_link, err) < 0)
    return -1;
  for (i = 0; i < net->n_ifs; i++)
    {
      struct vmproto_net_rec *r = add_rec (net, VMPROTO_NET_LINK, &net->ifs[i], err);
      if (r == NULL)
        return -1;
      r->mtu = htole32 (net->ifs[i].mtu);
    }
  if (net->n_ifs == 0)
    return 0;
  return dump (net, RTM_GETADDR, &ifa, sizeof (ifa), "list the addresses", on_addr, err) < 0
                 || dump (net, RTM_GETROUTE, &rt, sizeof (rt), "list the routes", on_route, err) < 0
             ? -1
             : 0;
}

/* ---- TAP and tc -------------------------------------------------------- */

static int
tap_create (struct vmm_net *net, struct vmm_net_if *nif, hy_error_t *err)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  struct ifreq ifr;
  struct vmm_nl_msg m;
  int r;

  nif->tap_fd = open ("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (nif->tap_fd < 0)
    return hy_error_set (err, errno, "open /dev/net/tun");
  memset (&ifr, 0, sizeof (ifr));
  /* frames without the packet-info prefix or a vnet header: the device
   * adds and strips virtio_net_hdr itself */
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  /* the kernel picks the first free number */
  snprintf (ifr.ifr_name, sizeof (ifr.ifr_name), VMM_NET_TAP_PREFIX "%%d");
  if (ioctl (nif->tap_fd, TUNSETIFF, &ifr) < 0)
    return hy_error_set (err, errno, "create a TAP");
  memcpy (nif->tap_name, ifr.ifr_name, sizeof (nif->tap_name));
  nif->tap_name[sizeof (nif->tap_name) - 1] = '\0';
  nif->tap_ifindex = (int)if_nametoindex (nif->tap_name);
  if (nif->tap_ifindex == 0)
    return hy_error_set (err, errno, "TAP %s: index", nif->tap_name);
  ifi.ifi_index = nif->tap_ifindex;
  vmm_nl_msg_init (&m, RTM_NEWLINK, 0, &ifi, sizeof (ifi));
  vmm_nl_put_u32 (&m, IFLA_MTU, nif->mtu);
  r = vmm_nl_request (net->nl_fd, &m, "set the TAP's MTU and bring it up", err);
  vmm_nl_msg_fini (&m);
  return r;
}

static int
ingress_qdisc (struct vmm_net *net, int ifindex, uint16_t type, uint16_t flags, const char *what,
               hy_error_t *err)
{
  struct tcmsg t = { .tcm_family = AF_UNSPEC,
                     .tcm_ifindex = ifindex,
                     .tcm_handle = INGRESS_HANDLE,
                     .tcm_parent = TC_H_INGRESS };
  struct vmm_nl_msg m;
  int r;

  vmm_nl_msg_init (&m, type, flags, &t, sizeof (t));
  if (type == RTM_NEWQDISC)
    vmm_nl_put_str (&m, TCA_KIND, "ingress");
  r = vmm_nl_request (net->nl_fd, &m, what, err);
  vmm_nl_msg_fini (&m);
  return r;
}

/* The RTM_NEWTFILTER message: on `from`'s ingress, a u32 filter with one
 * key that matches everything (mask 0, as `u32 match u8 0 0`: Kata's
 * filter; u32 is in every kernel that has tc, matchall is not), and a
 * mirred action that redirects the frame to the egress of `to` (STOLEN:
 * the host stack of `from` never sees it). */
void
vmm_net_redirect_msg (struct vmm_nl_msg *m, int from, int to)
{
  struct tcmsg t = { .tcm_family = AF_UNSPEC,
                     .tcm_ifindex = from,
                     .tcm_parent = INGRESS_HANDLE,
                     .tcm_info = TC_H_MAKE (FILTER_PRIO << 16, htons (ETH_P_ALL)) };
  struct tc_mirred p
      = { .action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR, .ifindex = (uint32_t)to };
  /* a selector with one all-zero key (matches every frame): tc_u32_sel
   * ends in a flexible array of keys, so the two are laid out by hand
   * (a struct holding both is a GNU extension clang refuses) */
  struct tc_u32_sel head = { .flags = TC_U32_TERMINAL, .nkeys = 1 };
  uint8_t sel[sizeof (struct tc_u32_sel) + sizeof (struct tc_u32_key)] = { 0 };
  size_t opts, acts, act, aopts;

  memcpy (sel, &head, sizeof (head));
  vmm_nl_msg_init (m, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, &t, sizeof (t));
  vmm_nl_put_str (m, TCA_KIND, "u32");
  opts = vmm_nl_nest_begin (m, TCA_OPTIONS);
  vmm_nl_put (m, TCA_U32_SEL, &sel, sizeof (sel));
  acts = vmm_nl_nest_begin (m, TCA_U32_ACT);
  act = vmm_nl_nest_begin (m, 1); /* the first action of the list */
  vmm_nl_put_str (m, TCA_ACT_KIND, "mirred");
  /* marks the action ours, for vmm_net_clean_stale */
  vmm_nl_put (m, TCA_ACT_COOKIE, VMM_NET_COOKIE, sizeof (VMM_NET_COOKIE) - 1);
  aopts = vmm_nl_nest_begin (m, TCA_ACT_OPTIONS);
  vmm_nl_put (m, TCA_MIRRED_PARMS, &p, sizeof (p));
  vmm_nl_nest_end (m, aopts);
  vmm_nl_nest_end (m, act);
  vmm_nl_nest_end (m, acts);
  vmm_nl_nest_end (m, opts);
}

static int
redirect (struct vmm_net *net, int from, int to, const char *what, hy_error_t *err)
{
  struct vmm_nl_msg m;
  int r;

  vmm_net_redirect_msg (&m, from, to);
  r = vmm_nl_request (net->nl_fd, &m, what, err);
  vmm_nl_msg_fini (&m);
  return r;
}

static int
join (struct vmm_net *net, struct vmm_net_if *nif, hy_error_t *err)
{
  if (ingress_qdisc (net, nif->ifindex, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
                     "add an ingress qdisc", err)
      < 0)
    {
      if ((*err)->code == EEXIST)
        hy_error_prefix (err, "another VM or tc setup already uses its ingress");
      return -1;
    }
  nif->tc_set = true;
  if (ingress_qdisc (net, nif->tap_ifindex, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL,
                     "add an ingress qdisc to the TAP", err)
          < 0
      || redirect (net, nif->ifindex, nif->tap_ifindex, "redirect its frames to the TAP", err) < 0
      || redirect (net, nif->tap_ifindex, nif->ifindex, "redirect the TAP's frames to it", err) < 0)
    return -1;
  return 0;
}

int
vmm_net_setup (struct vmm_net *net, hy_error_t *err)
{
  unsigned i;

  memset (net, 0, sizeof (*net));
  net->nl_fd = vmm_nl_open (err);
  if (net->nl_fd < 0)
    return hy_error_prefix (err, "network");
  net->active = true;
  if (probe (net, err) < 0)
    goto fail;
  for (i = 0; i < net->n_ifs; i++)
    {
      struct vmm_net_if *nif = &net->ifs[i];
      if (tap_create (net, nif, err) < 0 || join (net, nif, err) < 0)
        {
          hy_error_prefix (err, "interface %s", nif->name);
          goto fail;
        }
      hy_debug ("vm: network: %s (MTU %u) <-> %s over tc mirred", nif->name, nif->mtu,
                nif->tap_name);
    }
  return 0;
fail:
  vmm_net_teardown (net);
  return hy_error_prefix (err, "network");
}

void
vmm_net_teardown (struct vmm_net *net)
{
  unsigned i;

  if (!net->active)
    return;
  for (i = net->n_ifs; i-- > 0;)
    {
      struct vmm_net_if *nif = &net->ifs[i];
      cleanup_error hy_error_t err = NULL;

      /* the qdisc takes its filters along; the TAP's goes with the TAP */
      if (nif->tc_set
          && ingress_qdisc (net, nif->ifindex, RTM_DELQDISC, 0, "remove the ingress qdisc", &err)
                 < 0
          && err->code != ENODEV && err->code != ENOENT && err->code != EINVAL)
        hy_warn ("network: interface %s: %s", nif->name, err->msg);
      if (nif->tap_fd >= 0)
        close (nif->tap_fd);
    }
  close (net->nl_fd);
  free (net->recs);
  memset (net, 0, sizeof (*net));
}

/* ---- what a killed VMM left ------------------------------------------- */

struct stale
{
  int fd;
  unsigned n;
  int ifindex[64];
  bool found; /* the filter dump of one link met a stale action of ours */
};

static int
on_any_link (const struct nlmsghdr *nh, void *opaque, hy_error_t *err)
{
  struct stale *st = opaque;
  const struct ifinfomsg *ifi = NLMSG_DATA (nh);

  if (nh->nlmsg_type == RTM_NEWLINK && nh->nlmsg_len >= NLMSG_LENGTH (sizeof (*ifi))
      && !(ifi->ifi_flags & IFF_LOOPBACK) && st->n < 64)
    st->ifindex[st->n++] = ifi->ifi_index;
  return 0;
}

/* One action of a filter's list: ours (the cookie) and its target gone
 * (mirred reports ifindex 0 once the device is unregistered)? */
static bool
stale_action (const struct rtattr *a)
{
  const struct rtattr *tb[TCA_ACT_MAX + 1], *mt[TCA_MIRRED_MAX + 1];
  const struct tc_mirred *p;

  if (vmm_nl_parse (vmm_nl_data (a), vmm_nl_len (a), tb, TCA_ACT_MAX) < 0 || !tb[TCA_ACT_COOKIE]
      || vmm_nl_len (tb[TCA_ACT_COOKIE]) != sizeof (VMM_NET_COOKIE) - 1
      || memcmp (vmm_nl_data (tb[TCA_ACT_COOKIE]), VMM_NET_COOKIE, sizeof (VMM_NET_COOKIE) - 1)
      || !tb[TCA_ACT_OPTIONS]
      || vmm_nl_parse (vmm_nl_data (tb[TCA_ACT_OPTIONS]), vmm_nl_len (tb[TCA_ACT_OPTIONS]), mt,
                       TCA_MIRRED_MAX)
             < 0
      || !mt[TCA_MIRRED_PARMS] || vmm_nl_len (mt[TCA_MIRRED_PARMS]) < sizeof (*p))
    return false;
  p = vmm_nl_data (mt[TCA_MIRRED_PARMS]);
  return p->ifindex == 0;
}

static int
on_filter (const struct nlmsghdr *nh, void *opaque, hy_error_t *err)
{
  struct stale *st = opaque;
  const struct rtattr *tb[TCA_MAX + 1], *opt[TCA_U32_MAX + 1], *acts[TCA_ACT_MAX_PRIO + 1];
  unsigned i;

  if (nh->nlmsg_type != RTM_NEWTFILTER
      || vmm_nl_parse_msg (nh, sizeof (struct tcmsg), tb, TCA_MAX) < 0 || !tb[TCA_OPTIONS]
      || vmm_nl_parse (vmm_nl_data (tb[TCA_OPTIONS]), vmm_nl_len (tb[TCA_OPTIONS]), opt,
                       TCA_U32_MAX)
             < 0
      || !opt[TCA_U32_ACT]
      || vmm_nl_parse (vmm_nl_data (opt[TCA_U32_ACT]), vmm_nl_len (opt[TCA_U32_ACT]), acts,
                       TCA_ACT_MAX_PRIO)
             < 0)
    return 0;
  for (i = 1; i <= TCA_ACT_MAX_PRIO; i++)
    if (acts[i] && stale_action (acts[i]))
      st->found = true;
  return 0;
}

int
vmm_net_clean_stale (hy_error_t *err)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct vmm_net net = { 0 };
  struct stale st = { 0 };
  struct vmm_nl_msg m;
  unsigned i;
  int r;

  if ((net.nl_fd = vmm_nl_open (err)) < 0)
    return -1;
  st.fd = net.nl_fd;
  vmm_nl_msg_init (&m, RTM_GETLINK, 0, &ifi, sizeof (ifi));
  r = vmm_nl_dump (net.nl_fd, &m, "list the interfaces", on_any_link, &st, err);
  vmm_nl_msg_fini (&m);
  for (i = 0; r == 0 && i < st.n; i++)
    {
      struct tcmsg t
          = { .tcm_family = AF_UNSPEC, .tcm_ifindex = st.ifindex[i], .tcm_parent = INGRESS_HANDLE };
      cleanup_error hy_error_t e = NULL;

      st.found = false;
      vmm_nl_msg_init (&m, RTM_GETTFILTER, 0, &t, sizeof (t));
      /* (no ingress qdisc: EINVAL, nothing of ours) */
      vmm_nl_dump (net.nl_fd, &m, "list the filters", on_filter, &st, &e);
      vmm_nl_msg_fini (&m);
      if (st.found)
        r = ingress_qdisc (&net, st.ifindex[i], RTM_DELQDISC, 0, "remove a stale ingress qdisc",
                           err);
    }
  close (net.nl_fd);
  return r;
}

int
vmm_net_clean_stale_in (const char *netns_path, hy_error_t *err)
{
  int fd = open (netns_path, O_RDONLY | O_CLOEXEC), status;
  pid_t pid;

  if (fd < 0)
    return errno == ENOENT ? 0 : hy_error_set (err, errno, "open `%s`", netns_path);
  pid = fork ();
  if (pid < 0)
    {
      close (fd);
      return hy_error_set (err, errno, "fork");
    }
  if (pid == 0)
    {
      hy_error_t e = NULL;
      if (setns (fd, CLONE_NEWNET) < 0 || vmm_net_clean_stale (&e) < 0)
        _exit (1);
      _exit (0);
    }
  close (fd);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return hy_error_set (err, 0, "network namespace `%s`: could not remove the stale tc redirect",
                         netns_path);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hand-written rtnetlink client (kvm-shim/vmm/netlink.h) and the VM
 * network's host side (net_host.h).  Encoding: header and attribute
 * lengths and padding, nesting, the tc filter request taken apart again;
 * the parser refusing lengths that run past the buffer.  Then, as root,
 * the real thing in two private network namespaces: a veth pair with one
 * end in each, vmm_net_setup on one side (records for MAC, MTU, address
 * and default route; a TAP; the ingress qdiscs and u32 filters), a frame
 * each way through the mirred redirects, and nothing left after
 * vmm_net_teardown; and after a VMM "killed" (its TAP closed without
 * teardown) vmm_net_clean_stale removing the redirect left behind. */
#include "kvm-shim/vmm/net_host.h"
#include "kvm-shim/vmm/netlink.h"
#include "tests/unit/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/tc_act/tc_mirred.h>
#include <linux/veth.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const struct rtattr *
nested (const struct rtattr *a, const struct rtattr **tb, unsigned max)
{
  if (a == NULL || vmm_nl_parse (vmm_nl_data (a), vmm_nl_len (a), tb, max) < 0)
    return NULL;
  return a;
}

static void
test_encoding (void)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = 7 };
  struct vmm_nl_msg m;
  struct nlmsghdr *nh;
  const struct rtattr *tb[IFLA_MAX + 1];
  size_t nest;

  vmm_nl_msg_init (&m, RTM_NEWLINK, NLM_F_CREATE, &ifi, sizeof (ifi));
  nh = vmm_nl_msg_hdr (&m);
  tap_ok (nh->nlmsg_len == NLMSG_HDRLEN + sizeof (ifi) && nh->nlmsg_type == RTM_NEWLINK
              && nh->nlmsg_flags == (NLM_F_CREATE | NLM_F_REQUEST),
          "header: length %u, type, flags with NLM_F_REQUEST", nh->nlmsg_len);
  vmm_nl_put_u32 (&m, IFLA_MTU, 1400);
  vmm_nl_put_str (&m, IFLA_IFNAME, "eth0"); /* 5 bytes: padded to 8 */
  nest = vmm_nl_nest_begin (&m, IFLA_LINKINFO);
  vmm_nl_put_str (&m, IFLA_INFO_KIND, "veth");
  vmm_nl_nest_end (&m, nest);
  nh = vmm_nl_msg_hdr (&m);
  tap_ok (nh->nlmsg_len == m.len && m.len == NLMSG_HDRLEN + 16 + 8 + 12 + (4 + 12),
          "attributes: u32 8 bytes, \"eth0\" 12 (padded), nest 4 + its 12: total %zu", m.len);
  tap_ok (m.buf[NLMSG_HDRLEN + 16 + 8 + 9] == 0 && m.buf[NLMSG_HDRLEN + 16 + 8 + 11] == 0,
          "padding bytes are zero");
  tap_ok (vmm_nl_parse_msg (nh, sizeof (ifi), tb, IFLA_MAX) == 0 && tb[IFLA_MTU]
              && *(const uint32_t *)vmm_nl_data (tb[IFLA_MTU]) == 1400 && tb[IFLA_IFNAME]
              && vmm_nl_len (tb[IFLA_IFNAME]) == 5
              && strcmp (vmm_nl_data (tb[IFLA_IFNAME]), "eth0") == 0,
          "parsed back: IFLA_MTU 1400, IFLA_IFNAME \"eth0\"");
  {
    const struct rtattr *li[IFLA_INFO_MAX + 1];
    tap_ok (nested (tb[IFLA_LINKINFO], li, IFLA_INFO_MAX) && vmm_nl_len (tb[IFLA_LINKINFO]) == 12
                && li[IFLA_INFO_KIND] && strcmp (vmm_nl_data (li[IFLA_INFO_KIND]), "veth") == 0,
            "nest: length covers exactly its child, which parses back");
  }
  /* a length past the end, and one below the header */
  ((struct rtattr *)(void *)(m.buf + NLMSG_HDRLEN + 16))->rta_len = 200;
  tap_ok (vmm_nl_parse_msg (nh, sizeof (ifi), tb, IFLA_MAX) < 0,
          "parse: an attribute running past the message is refused");
  ((struct rtattr *)(void *)(m.buf + NLMSG_HDRLEN + 16))->rta_len = 2;
  tap_ok (vmm_nl_parse_msg (nh, sizeof (ifi), tb, IFLA_MAX) < 0,
          "parse: an attribute shorter than its header is refused");
  nh->nlmsg_len = NLMSG_HDRLEN + 4;
  tap_ok (vmm_nl_parse_msg (nh, sizeof (ifi), tb, IFLA_MAX) < 0,
          "parse: a message shorter than its family header is refused");
  vmm_nl_msg_fini (&m);
}

static void
test_redirect_msg (void)
{
  struct vmm_nl_msg m;
  const struct nlmsghdr *nh;
  const struct tcmsg *t;
  const struct rtattr *tb[TCA_MAX + 1], *opt[TCA_U32_MAX + 1], *acts[3], *act[TCA_ACT_MAX + 1],
      *mir[TCA_MIRRED_MAX + 1];
  const struct tc_mirred *p;
  const struct tc_u32_sel *sel;
  bool ok;

  vmm_net_redirect_msg (&m, 3, 9);
  nh = vmm_nl_msg_hdr (&m);
  t = NLMSG_DATA (nh);
  tap_ok (nh->nlmsg_type == RTM_NEWTFILTER && t->tcm_ifindex == 3 && t->tcm_parent == 0xffff0000
              && TC_H_MIN (t->tcm_info) == htons (ETH_P_ALL) && TC_H_MAJ (t->tcm_info) >> 16 == 1,
          "filter: on ifindex 3, parent ffff:, protocol all, prio 1");
  ok = vmm_nl_parse_msg (nh, sizeof (*t), tb, TCA_MAX) == 0 && tb[TCA_KIND]
       && strcmp (vmm_nl_data (tb[TCA_KIND]), "u32") == 0
       && nested (tb[TCA_OPTIONS], opt, TCA_U32_MAX) && opt[TCA_U32_SEL]
       && vmm_nl_len (opt[TCA_U32_SEL]) == sizeof (struct tc_u32_sel) + sizeof (struct tc_u32_key);
  sel = ok ? vmm_nl_data (opt[TCA_U32_SEL]) : NULL;
  tap_ok (ok && sel->nkeys == 1 && (sel->flags & TC_U32_TERMINAL) && sel->keys[0].mask == 0,
          "filter: kind u32, one key with mask 0 (matches every frame), terminal");
  ok = ok && nested (opt[TCA_U32_ACT], acts, 2) && nested (acts[1], act, TCA_ACT_MAX)
       && act[TCA_ACT_KIND] && strcmp (vmm_nl_data (act[TCA_ACT_KIND]), "mirred") == 0
       && nested (act[TCA_ACT_OPTIONS], mir, TCA_MIRRED_MAX) && mir[TCA_MIRRED_PARMS]
       && vmm_nl_len (mir[TCA_MIRRED_PARMS]) == sizeof (*p);
  p = ok ? vmm_nl_data (mir[TCA_MIRRED_PARMS]) : NULL;
  tap_ok (ok && p->eaction == TCA_EGRESS_REDIR && p->ifindex == 9 && p->action == TC_ACT_STOLEN,
          "action 1: mirred egress redirect to ifindex 9, stolen");
  vmm_nl_msg_fini (&m);
}

/* ---- live, in private network namespaces ------------------------------- */

/* veth NAME with its PEER in the namespace of ns_fd. */
static int
make_veth (int fd, const char *name, const char *peer, int ns_fd, hy_error_t *err)
{
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
  struct vmm_nl_msg m;
  size_t li, data, pn;
  int r;

  vmm_nl_msg_init (&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof (ifi));
  vmm_nl_put_str (&m, IFLA_IFNAME, name);
  li = vmm_nl_nest_begin (&m, IFLA_LINKINFO);
  vmm_nl_put_str (&m, IFLA_INFO_KIND, "veth");
  data = vmm_nl_nest_begin (&m, IFLA_INFO_DATA);
  pn = vmm_nl_nest_begin (&m, VETH_INFO_PEER);
  vmm_nl_put (&m, 0, NULL, 0);
  m.len -= sizeof (struct rtattr); /* the peer's ifinfomsg, not an attribute */
  {
    struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
    memcpy (m.buf + m.len, &peer_ifi, sizeof (peer_ifi));
    m.len += sizeof (peer_ifi);
    vmm_nl_msg_hdr (&m)->nlmsg_len = (uint32_t)m.len;
  }
  vmm_nl_put_str (&m, IFLA_IFNAME, peer);
  vmm_nl_put_u32 (&m, IFLA_NET_NS_FD, (uint32_t)ns_fd);
  vmm_nl_nest_end (&m, pn);
  vmm_nl_nest_end (&m, data);
  vmm_nl_nest_end (&m, li);
  r = vmm_nl_request (fd, &m, "create a veth pair", err);
  vmm_nl_msg_fini (&m);
  return r;
}

static int
sh (const char *cmd)
{
  return system (cmd);
}

struct seen
{
  int ifindex;
  int ingress_qdiscs, u32_filters;
};

static int
on_tc (const struct nlmsghdr *nh, void *opaque, hy_error_t *err)
{
  struct seen *s = opaque;
  const struct tcmsg *t = NLMSG_DATA (nh);
  const struct rtattr *tb[TCA_MAX + 1];

  if (vmm_nl_parse_msg (nh, sizeof (*t), tb, TCA_MAX) < 0 || tb[TCA_KIND] == NULL
      || t->tcm_ifindex != s->ifindex)
    return 0;
  if (nh->nlmsg_type == RTM_NEWQDISC && strcmp (vmm_nl_data (tb[TCA_KIND]), "ingress") == 0)
    s->ingress_qdiscs++;
  if (nh->nlmsg_type == RTM_NEWTFILTER && strcmp (vmm_nl_data (tb[TCA_KIND]), "u32") == 0)
    s->u32_filters++;
  return 0;
}

static struct seen
tc_state (int fd, int ifindex)
{
  struct seen s = { .ifindex = ifindex };
  struct tcmsg t = { .tcm_family = AF_UNSPEC };
  struct vmm_nl_msg m;

  vmm_nl_msg_init (&m, RTM_GETQDISC, 0, &t, sizeof (t));
  vmm_nl_dump (fd, &m, "qdiscs", on_tc, &s, NULL);
  vmm_nl_msg_fini (&m);
  t.tcm_ifindex = ifindex;
  t.tcm_parent = 0xffff0000;
  vmm_nl_msg_init (&m, RTM_GETTFILTER, 0, &t, sizeof (t));
  vmm_nl_dump (fd, &m, "filters", on_tc, &s, NULL);
  vmm_nl_msg_fini (&m);
  return s;
}

static bool
readable (int fd, int ms)
{
  struct pollfd p = { fd, POLLIN, 0 };
  return poll (&p, 1, ms) == 1;
}

/* A packet socket on `ifname` in the namespace of ns_fd. */
static int
packet_socket (int ns_fd, int back_fd, const char *ifname)
{
  struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons (0x88b5) };
  int s;

  if (setns (ns_fd, CLONE_NEWNET) < 0)
    return -1;
  s = socket (AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons (0x88b5));
  sll.sll_ifindex = (int)if_nametoindex (ifname);
  if (s >= 0 && bind (s, (struct sockaddr *)&sll, sizeof (sll)) < 0)
    {
      close (s);
      s = -1;
    }
  if (setns (back_fd, CLONE_NEWNET) < 0)
    abort ();
  return s;
}

static void
test_live (void)
{
  cleanup_error hy_error_t err = NULL;
  struct vmm_net net = { 0 };
  int peer_ns, our_ns, fd, pk = -1, ifindex;
  uint8_t frame[64], got[128];
  ssize_t n;

  peer_ns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (geteuid () != 0 || unshare (CLONE_NEWNET) < 0)
    {
      for (int i = 0; i < 12; i++)
        tap_skip ("not root, or no network namespaces", "live veth + TAP + tc");
      return;
    }
  close (peer_ns);
  peer_ns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC); /* private "peer" ns */
  if (unshare (CLONE_NEWNET) < 0)
    abort ();
  our_ns = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  fd = vmm_nl_open (NULL);
  if (make_veth (fd, "hv0", "hv1", peer_ns, &err) < 0)
    {
      for (int i = 0; i < 12; i++)
        tap_skip (err->msg, "live veth + TAP + tc");
      return;
    }
  /* the address and route as CNI would leave them (ip from iproute2) */
  if (sh ("ip link set hv0 mtu 1400 up && ip addr add 10.77.0.2/24 dev hv0"
          " && ip route add default via 10.77.0.1")
      != 0)
    {
      for (int i = 0; i < 12; i++)
        tap_skip ("no `ip` to configure the veth", "live veth + TAP + tc");
      return;
    }
  ifindex = (int)if_nametoindex ("hv0");
  if (vmm_net_setup (&net, &err) < 0)
    {
      tap_ok (0, "vmm_net_setup: %s", err->msg);
      for (int i = 0; i < 11; i++)
        tap_skip ("setup failed", "live veth + TAP + tc");
      return;
    }
  tap_ok (net.n_ifs == 1 && net.ifs[0].ifindex == ifindex && net.ifs[0].mtu == 1400
              && strcmp (net.ifs[0].tap_name, "hytap0") == 0,
          "setup: one interface (hv0, MTU 1400; lo skipped), TAP hytap0");
  {
    bool link = false, addr = false, route = false;
    for (unsigned i = 0; i < net.n_recs; i++)
      {
        const struct vmproto_net_rec *r = &net.recs[i];
        static const uint8_t a[4] = { 10, 77, 0, 2 }, gw[4] = { 10, 77, 0, 1 }, zero[4];
        if (memcmp (r->mac, net.ifs[0].mac, 6) != 0)
          continue;
        link |= r->kind == VMPROTO_NET_LINK && le32toh (r->mtu) == 1400;
        addr |= r->kind == VMPROTO_NET_ADDR && r->family == 4 && r->prefix_len == 24
                && memcmp (r->addr, a, 4) == 0;
        route |= r->kind == VMPROTO_NET_ROUTE && r->family == 4 && r->prefix_len == 0
                 && memcmp (r->addr, zero, 4) == 0 && memcmp (r->gw, gw, 4) == 0;
      }
    tap_ok (link && addr && route && net.n_recs == 3,
            "records: LINK (MTU 1400), ADDR 10.77.0.2/24, ROUTE default via 10.77.0.1 (%u)",
            net.n_recs);
  }
  {
    struct seen v = tc_state (fd, ifindex), t = tc_state (fd, net.ifs[0].tap_ifindex);
    tap_ok (v.ingress_qdiscs == 1 && v.u32_filters >= 1 && t.ingress_qdiscs == 1
                && t.u32_filters >= 1,
            "tc: an ingress qdisc and a u32 filter on hv0 and on the TAP");
  }
  /* a frame from the peer's end reaches the TAP fd... */
  if (setns (peer_ns, CLONE_NEWNET) < 0 || sh ("ip link set hv1 up") != 0
      || setns (our_ns, CLONE_NEWNET) < 0)
    abort ();
  pk = packet_socket (peer_ns, our_ns, "hv1");
  memset (frame, 0, sizeof (frame));
  memcpy (frame, net.ifs[0].mac, 6);
  memcpy (frame + 6, "\x02\x00\x00\x00\x00\x01", 6);
  frame[12] = 0x88, frame[13] = 0xb5;
  memcpy (frame + 14, "to-the-guest", 12);
  for (int i = 0; i < 50 && (n = pk >= 0 ? send (pk, frame, sizeof (frame), 0) : -1) < 0; i++)
    usleep (20000); /* (the link comes up) */
  {
    bool found = false;
    while (n > 0 && readable (net.ifs[0].tap_fd, 2000))
      {
        ssize_t r = read (net.ifs[0].tap_fd, got, sizeof (got));
        if (r >= 26 && got[12] == 0x88 && got[13] == 0xb5
            && memcmp (got + 14, "to-the-guest", 12) == 0)
          {
            found = true;
            break;
          }
      }
    tap_ok (found, "a frame sent on the peer end comes out of the TAP fd (hv0 ingress -> TAP)");
  }
  /* ...and one written to the TAP fd comes out at the peer's end */
  memcpy (frame + 14, "to-the-peer!", 12);
  memcpy (frame, "\xff\xff\xff\xff\xff\xff", 6);
  memcpy (frame + 6, net.ifs[0].mac, 6);
  {
    bool found = false;
    if (write (net.ifs[0].tap_fd, frame, sizeof (frame)) == sizeof (frame))
      while (pk >= 0 && readable (pk, 2000))
        {
          ssize_t r = recv (pk, got, sizeof (got), 0);
          if (r >= 26 && memcmp (got + 14, "to-the-peer!", 12) == 0)
            {
              found = true;
              break;
            }
        }
    tap_ok (found, "a frame written to the TAP fd arrives on the peer end (TAP ingress -> hv0)");
  }
  {
    struct vmm_net again = { 0 };
    cleanup_error hy_error_t e2 = NULL;
    int before = tc_state (fd, ifindex).u32_filters;
    bool failed = vmm_net_setup (&again, &e2) < 0;
    tap_ok (failed && e2 && strstr (e2->msg, "another VM") && if_nametoindex ("hytap1") == 0
                && tc_state (fd, ifindex).u32_filters == before,
            "a second setup in the same namespace fails (%s), leaves no TAP, keeps the first's "
            "filter",
            e2 ? e2->msg : "no error");
  }
  vmm_net_teardown (&net);
  {
    struct seen v = tc_state (fd, ifindex);
    tap_ok (v.ingress_qdiscs == 0 && v.u32_filters == 0, "teardown: no qdisc or filter on hv0");
  }
  tap_ok (if_nametoindex ("hytap0") == 0, "teardown: the TAP is gone");
  {
    char line[256] = "";
    FILE *f = popen ("ip -o addr show dev hv0", "r");
    bool kept = f && fgets (line, sizeof (line), f) && strstr (line, "10.77.0.2");
    if (f)
      pclose (f);
    tap_ok (kept, "teardown: hv0 itself is left as it was");
  }
  /* a VMM killed with SIGKILL: its TAP goes with its fd, the redirect on
   * hv0 stays until vmm_net_clean_stale */
  if (vmm_net_setup (&net, &err) < 0)
    abort ();
  {
    int before = tc_state (fd, ifindex).u32_filters;
    bool cleaned = vmm_net_clean_stale (&err) == 0;
    tap_ok (cleaned && before > 0 && tc_state (fd, ifindex).u32_filters == before,
            "clean_stale: a live VM's redirect is left alone");
  }
  close (net.ifs[0].tap_fd);
  net.ifs[0].tap_fd = -1;
  net.ifs[0].tc_set = false;
  usleep (50000);
  tap_ok (if_nametoindex (net.ifs[0].tap_name) == 0 && tc_state (fd, ifindex).ingress_qdiscs == 1,
          "a killed VMM: the TAP is gone, the ingress qdisc on hv0 stays");
  {
    bool cleaned = vmm_net_clean_stale (&err) == 0;
    struct seen v = tc_state (fd, ifindex);
    tap_ok (cleaned && v.ingress_qdiscs == 0 && v.u32_filters == 0,
            "clean_stale: the stale qdisc and filter on hv0 are removed");
  }
  vmm_net_teardown (&net);
  if (pk >= 0)
    close (pk);
  close (fd);
}

int
main (void)
{
  tap_plan (11 + 12);
  test_encoding ();
  test_redirect_msg ();
  test_live ();
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's side of the guest network (kvm-shim/agent/net.c), against
 * the real kernel in a private network namespace (root only; a veth end
 * stands in for the guest's virtio-net): VMPROTO_NET records find the
 * interface by its MAC and give it its MTU, IPv4 and IPv6 addresses (the
 * latter without DAD) and routes, a route through another route's gateway
 * included; an unknown MAC and a bad record fail naming what is wrong. */
#include "kvm-shim/agent/agent.h"
#include "kvm-shim/vmm/netlink.h"
#include "tests/unit/tap.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define N_TESTS 8

/* The output of a shell command, trimmed, or "" */
static char *
out (const char *cmd)
{
  static char buf[4096];
  FILE *f = popen (cmd, "r");
  size_t n = f ? fread (buf, 1, sizeof (buf) - 1, f) : 0;

  if (f)
    pclose (f);
  buf[n] = '\0';
  return buf;
}

static struct vmproto_net_rec
rec (enum vmproto_net_kind kind, const uint8_t mac[6], int family, const char *addr,
     unsigned prefix, const char *gw)
{
  struct vmproto_net_rec r = { .kind = (uint8_t)kind, .family = (uint8_t)family };

  memcpy (r.mac, mac, 6);
  r.prefix_len = (uint8_t)prefix;
  if (addr)
    inet_pton (family == 4 ? AF_INET : AF_INET6, addr, r.addr);
  if (gw)
    inet_pton (family == 4 ? AF_INET : AF_INET6, gw, r.gw);
  return r;
}

int
main (void)
{
  cleanup_error hy_error_t err = NULL;
  struct vmproto_net_rec r[8];
  uint8_t mac[6];
  struct ifreq ifr;
  bool failed;
  int s;

  tap_plan (N_TESTS);
  tap_ok (agent_net_apply (NULL, 0, &err) == 0, "no records: nothing to do");
  if (geteuid () != 0 || unshare (CLONE_NEWNET) < 0
      || system ("ip link add ga0 type veth peer name ga1 && ip link set ga1 up") != 0)
    {
      for (int i = 1; i < N_TESTS; i++)
        tap_skip ("not root, no network namespaces or no `ip`", "agent network");
      return tap_done ();
    }
  s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  memset (&ifr, 0, sizeof (ifr));
  strcpy (ifr.ifr_name, "ga0");
  if (ioctl (s, SIOCGIFHWADDR, &ifr) < 0)
    abort ();
  memcpy (mac, ifr.ifr_hwaddr.sa_data, 6);
  close (s);
  /* the order the VMM sends: LINKs, ADDRs, ROUTEs; 10.68/16's gateway is
   * reached through 10.67/16, which comes after it */
  r[0] = rec (VMPROTO_NET_LINK, mac, 0, NULL, 0, NULL);
  r[0].mtu = htole32 (1400);
  r[1] = rec (VMPROTO_NET_ADDR, mac, 4, "10.66.0.2", 24, NULL);
  r[2] = rec (VMPROTO_NET_ADDR, mac, 6, "fd00:66::2", 64, NULL);
  r[3] = rec (VMPROTO_NET_ROUTE, mac, 4, NULL, 0, "10.66.0.1");
  r[4] = rec (VMPROTO_NET_ROUTE, mac, 4, "10.68.0.0", 16, "10.67.0.1");
  r[5] = rec (VMPROTO_NET_ROUTE, mac, 4, "10.67.0.0", 16, NULL);
  {
    int rc = agent_net_apply ((const uint8_t *)r, 6 * sizeof (r[0]), &err);
    tap_ok (rc == 0, "six records applied (%s)", err ? err->msg : "ok");
  }
  tap_ok (strstr (out ("ip -o link show ga0"), "mtu 1400")
              && strstr (out ("ip -o link show ga0"), ",UP"),
          "the interface found by its MAC is up with MTU 1400");
  tap_ok (strstr (out ("ip -o -4 addr show dev ga0"), "10.66.0.2/24") != NULL,
          "IPv4 address 10.66.0.2/24");
  {
    const char *v6 = out ("ip -o -6 addr show dev ga0 | grep fd00:66::2");
    tap_ok (strstr (v6, "fd00:66::2/64") && !strstr (v6, "tentative"),
            "IPv6 address fd00:66::2/64, not tentative (no DAD)");
  }
  {
    const char *rt = out ("ip -4 route show dev ga0");
    tap_ok (
        strstr (rt, "default via 10.66.0.1") && strstr (rt, "10.67.0.0/16")
            && strstr (rt, "10.68.0.0/16 via 10.67.0.1"),
        "routes: default via 10.66.0.1, 10.67/16 on-link, 10.68/16 via 10.67.0.1 (a second pass)");
  }
  hy_error_free (&err);
  mac[5] ^= 0xff;
  r[0] = rec (VMPROTO_NET_LINK, mac, 0, NULL, 0, NULL);
  failed = agent_net_apply ((const uint8_t *)r, sizeof (r[0]), &err) < 0;
  tap_ok (failed && err && strstr (err->msg, "no guest interface has MAC"),
          "an unknown MAC fails: %s", err ? err->msg : "");
  hy_error_free (&err);
  r[0].kind = 9;
  failed = agent_net_apply ((const uint8_t *)r, sizeof (r[0]), &err) < 0;
  tap_ok (failed && err && strstr (err->msg, "unknown kind 9"),
          "a record of unknown kind fails: %s", err ? err->msg : "");
  return tap_done ();
}

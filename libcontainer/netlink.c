/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink requests with libmnl: a new network namespace starts with lo
 * down; runc and crun bring it up.  The static guest agent builds without
 * libmnl (Debian ships no libmnl.a): there an ioctl does the same. */
#include "libcontainer/netlink.h"

#include <errno.h>
#ifdef HYRUN_NO_LIBMNL
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <net/if.h>

int
lc_netlink_loopback_up (hy_error_t *err)
{
  struct ifreq ifr;
  int fd = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

  if (fd < 0)
    return hy_error_set (err, errno, "socket");
  memset (&ifr, 0, sizeof (ifr));
  strcpy (ifr.ifr_name, "lo");
  if (ioctl (fd, SIOCGIFFLAGS, &ifr) < 0)
    r = hy_error_set (err, errno, "lo: SIOCGIFFLAGS");
  ifr.ifr_flags |= IFF_UP;
  if (r == 0 && ioctl (fd, SIOCSIFFLAGS, &ifr) < 0)
    r = hy_error_set (err, errno, "bring lo up");
  close (fd);
  return r;
}
#else
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <time.h>

int
lc_netlink_loopback_up (hy_error_t *err)
{
  char buf[8192];
  struct mnl_socket *nl;
  struct nlmsghdr *nlh;
  struct ifinfomsg *ifm;
  unsigned seq = (unsigned)time (NULL), portid;
  int r, ret = 0;

  nl = mnl_socket_open (NETLINK_ROUTE);
  if (nl == NULL)
    return hy_error_set (err, errno, "netlink: open");
  if (mnl_socket_bind (nl, 0, MNL_SOCKET_AUTOPID) < 0)
    {
      ret = hy_error_set (err, errno, "netlink: bind");
      goto out;
    }
  portid = mnl_socket_get_portid (nl);
  nlh = mnl_nlmsg_put_header (buf);
  nlh->nlmsg_type = RTM_NEWLINK;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  nlh->nlmsg_seq = seq;
  ifm = mnl_nlmsg_put_extra_header (nlh, sizeof (*ifm));
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_index = (int)if_nametoindex ("lo");
  ifm->ifi_flags = IFF_UP;
  ifm->ifi_change = IFF_UP;
  if (ifm->ifi_index == 0)
    ifm->ifi_index = 1; /* lo is always 1 in a fresh namespace */
  if (mnl_socket_sendto (nl, nlh, nlh->nlmsg_len) < 0)
    {
      ret = hy_error_set (err, errno, "netlink: send RTM_NEWLINK");
      goto out;
    }
  r = mnl_socket_recvfrom (nl, buf, sizeof (buf));
  if (r < 0 || mnl_cb_run (buf, r, seq, portid, NULL, NULL) < 0)
    ret = hy_error_set (err, errno, "netlink: bring lo up");
out:
  mnl_socket_close (nl);
  return ret;
}
#endif

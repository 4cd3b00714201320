/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small rtnetlink client without libmnl (the VMM and the guest agent are
 * static; Debian ships no libmnl.a): a message builder (nlmsghdr, a family
 * header, attributes, nested attributes, each padded to NLMSG_ALIGN /
 * RTA_ALIGN as netlink(7) and rtnetlink(7) lay them out), a request that
 * waits for the kernel's ACK, a dump walked message by message, and an
 * attribute parser that checks every length the kernel gives. */
#ifndef VMM_NETLINK_H
#define VMM_NETLINK_H

#include "common/error.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdint.h>

/* A message under construction: buf[0 .. len) is the nlmsghdr, then the
 * family header, then the attributes; nlmsg_len is kept up to date. */
struct vmm_nl_msg
{
  uint8_t *buf;
  size_t len, cap;
};

/* Start a message of `type` with `flags` (NLM_F_REQUEST is added) and a
 * copy of the family header (ifinfomsg, ifaddrmsg, rtmsg, tcmsg...). */
void vmm_nl_msg_init (struct vmm_nl_msg *m, uint16_t type, uint16_t flags, const void *hdr,
                      size_t hdr_len);
void vmm_nl_msg_fini (struct vmm_nl_msg *m);
struct nlmsghdr *vmm_nl_msg_hdr (const struct vmm_nl_msg *m);

/* Append one attribute (padded).  */
void vmm_nl_put (struct vmm_nl_msg *m, uint16_t type, const void *data, size_t len);
void vmm_nl_put_u32 (struct vmm_nl_msg *m, uint16_t type, uint32_t v);
void vmm_nl_put_str (struct vmm_nl_msg *m, uint16_t type, const char *s); /* with its NUL */
/* A nested attribute: begin returns its offset, end fixes its length
 * once the attributes inside are appended. */
size_t vmm_nl_nest_begin (struct vmm_nl_msg *m, uint16_t type);
void vmm_nl_nest_end (struct vmm_nl_msg *m, size_t nest);

/* Split the attributes in data[0 .. len) into tb[0 .. max] by type (the
 * last of a repeated type wins; types above max are skipped).  -1 when an
 * attribute's length runs past the end or is below its header. */
int vmm_nl_parse (const void *data, size_t len, const struct rtattr **tb, unsigned max);
/* The attributes after a message's family header of hdr_len bytes. */
int vmm_nl_parse_msg (const struct nlmsghdr *nh, size_t hdr_len, const struct rtattr **tb,
                      unsigned max);
static inline const void *
vmm_nl_data (const struct rtattr *a)
{
  return RTA_DATA (a);
}
static inline size_t
vmm_nl_len (const struct rtattr *a)
{
  return RTA_PAYLOAD (a);
}

/* A NETLINK_ROUTE socket (close it with close()). */
int vmm_nl_open (hy_error_t *err);
/* Send m with NLM_F_ACK and wait for the kernel's answer: 0, or the
 * kernel's errno as an error whose message starts with `what`. */
int vmm_nl_request (int fd, struct vmm_nl_msg *m, const char *what, hy_error_t *err);
/* Send m with NLM_F_DUMP and call fn for each message of the answer until
 * NLMSG_DONE; fn returns -1 with *err set to stop. */
typedef int (*vmm_nl_dump_fn) (const struct nlmsghdr *nh, void *opaque, hy_error_t *err);
int vmm_nl_dump (int fd, struct vmm_nl_msg *m, const char *what, vmm_nl_dump_fn fn, void *opaque,
                 hy_error_t *err);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtnetlink without libmnl (netlink.h).  Messages are built in a growing
 * buffer; answers are read into a 32 KiB buffer (the kernel's dump chunk
 * is at most a page or 8 KiB, NLMSG_GOODSIZE) and every nlmsghdr and
 * rtattr length is checked before it is followed. */
#include "kvm-shim/vmm/netlink.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RECV_BUF 32768

static void
reserve (struct vmm_nl_msg *m, size_t more)
{
  if (m->len + more <= m->cap)
    return;
  m->cap = (m->len + more) * 2;
  m->buf = xrealloc (m->buf, m->cap);
}

struct nlmsghdr *
vmm_nl_msg_hdr (const struct vmm_nl_msg *m)
{
  return (struct nlmsghdr *)(void *)m->buf;
}

/* Append len bytes of data, zero padding up to the 4-byte alignment. */
static void
append (struct vmm_nl_msg *m, const void *data, size_t len)
{
  size_t padded = NLMSG_ALIGN (len);

  reserve (m, padded);
  if (len)
    memcpy (m->buf + m->len, data, len);
  memset (m->buf + m->len + len, 0, padded - len);
  m->len += padded;
  vmm_nl_msg_hdr (m)->nlmsg_len = (uint32_t)m->len;
}

void
vmm_nl_msg_init (struct vmm_nl_msg *m, uint16_t type, uint16_t flags, const void *hdr,
                 size_t hdr_len)
{
  struct nlmsghdr nh = { .nlmsg_type = type, .nlmsg_flags = (uint16_t)(flags | NLM_F_REQUEST) };

  memset (m, 0, sizeof (*m));
  reserve (m, 256);
  memcpy (m->buf, &nh, sizeof (nh));
  m->len = NLMSG_HDRLEN;
  append (m, hdr, hdr_len);
}

void
vmm_nl_msg_fini (struct vmm_nl_msg *m)
{
  free (m->buf);
  memset (m, 0, sizeof (*m));
}

void
vmm_nl_put (struct vmm_nl_msg *m, uint16_t type, const void *data, size_t len)
{
  struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH (len), .rta_type = type };

  reserve (m, RTA_SPACE (len));
  append (m, &a, sizeof (a));
  append (m, data, len);
}

void
vmm_nl_put_u32 (struct vmm_nl_msg *m, uint16_t type, uint32_t v)
{
  vmm_nl_put (m, type, &v, sizeof (v));
}

void
vmm_nl_put_str (struct vmm_nl_msg *m, uint16_t type, const char *s)
{
  vmm_nl_put (m, type, s, strlen (s) + 1);
}

size_t
vmm_nl_nest_begin (struct vmm_nl_msg *m, uint16_t type)
{
  size_t off = m->len;

  vmm_nl_put (m, type, NULL, 0);
  return off;
}

void
vmm_nl_nest_end (struct vmm_nl_msg *m, size_t nest)
{
  struct rtattr *a = (struct rtattr *)(void *)(m->buf + nest);

  a->rta_len = (unsigned short)(m->len - nest);
}

int
vmm_nl_parse (const void *data, size_t len, const struct rtattr **tb, unsigned max)
{
  const uint8_t *p = data;

  memset (tb, 0, (max + 1) * sizeof (*tb));
  while (len >= sizeof (struct rtattr))
    {
      const struct rtattr *a = (const void *)p;
      size_t step;

      if (a->rta_len < sizeof (struct rtattr) || a->rta_len > len)
        return -1;
      if (a->rta_type <= max)
        tb[a->rta_type] = a;
      step = RTA_ALIGN (a->rta_len);
      if (step >= len)
        break;
      p += step;
      len -= step;
    }
  return 0;
}

int
vmm_nl_parse_msg (const struct nlmsghdr *nh, size_t hdr_len, const struct rtattr **tb, unsigned max)
{
  size_t off = NLMSG_HDRLEN + NLMSG_ALIGN (hdr_len);

  if (nh->nlmsg_len < NLMSG_HDRLEN + hdr_len)
    return -1;
  if (nh->nlmsg_len <= off)
    {
      memset (tb, 0, (max + 1) * sizeof (*tb));
      return 0;
    }
  return vmm_nl_parse ((const uint8_t *)nh + off, nh->nlmsg_len - off, tb, max);
}

int
vmm_nl_open (hy_error_t *err)
{
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

  if (fd < 0)
    return hy_error_set (err, errno, "netlink: socket");
  if (bind (fd, (struct sockaddr *)&sa, sizeof (sa)) < 0)
    {
      int e = errno;
      close (fd);
      return hy_error_set (err, e, "netlink: bind");
    }
  return fd;
}

static int
send_msg (int fd, struct vmm_nl_msg *m, uint16_t extra_flags, const char *what, hy_error_t *err)
{
  static uint32_t seq;
  struct nlmsghdr *nh = vmm_nl_msg_hdr (m);
  struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

  if (seq == 0)
    seq = (uint32_t)time (NULL);
  nh->nlmsg_flags |= extra_flags;
  nh->nlmsg_seq = ++seq;
  if (sendto (fd, m->buf, m->len, 0, (struct sockaddr *)&sa, sizeof (sa)) != (ssize_t)m->len)
    return hy_error_set (err, errno, "%s: netlink send", what);
  return 0;
}

/* Read answers to the message with sequence `seq` and hand each to fn (or
 * check the ACK when fn is NULL).  Returns 0 at NLMSG_DONE or the ACK. */
static int
recv_answers (int fd, uint32_t seq, const char *what, vmm_nl_dump_fn fn, void *opaque,
              hy_error_t *err)
{
  cleanup_free uint8_t *buf = xmalloc (RECV_BUF);

  for (;;)
    {
      ssize_t n = recv (fd, buf, RECV_BUF, 0);
      size_t left;
      const struct nlmsghdr *nh;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return hy_error_set (err, errno, "%s: netlink receive", what);
      left = (size_t)n;
      for (nh = (const void *)buf; NLMSG_OK (nh, left); nh = NLMSG_NEXT (nh, left))
        {
          if (nh->nlmsg_seq != seq)
            continue;
          if (nh->nlmsg_type == NLMSG_DONE)
            return 0;
          if (nh->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *e = NLMSG_DATA (nh);
              if (nh->nlmsg_len < NLMSG_LENGTH (sizeof (*e)))
                return hy_error_set (err, 0, "%s: short netlink error message", what);
              if (e->error == 0)
                return 0; /* the ACK */
              return hy_error_set (err, -e->error, "%s", what);
            }
          if (fn && fn (nh, opaque, err) < 0)
            return hy_error_prefix (err, "%s", what);
        }
    }
}

int
vmm_nl_request (int fd, struct vmm_nl_msg *m, const char *what, hy_error_t *err)
{
  if (send_msg (fd, m, NLM_F_ACK, what, err) < 0)
    return -1;
  return recv_answers (fd, vmm_nl_msg_hdr (m)->nlmsg_seq, what, NULL, NULL, err);
}

int
vmm_nl_dump (int fd, struct vmm_nl_msg *m, const char *what, vmm_nl_dump_fn fn, void *opaque,
             hy_error_t *err)
{
  if (send_msg (fd, m, NLM_F_DUMP, what, err) < 0)
    return -1;
  return recv_answers (fd, vmm_nl_msg_hdr (m)->nlmsg_seq, what, fn, opaque, err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Framing for the parent↔init socketpair: one datagram per message. */
#include "libcontainer/sync.h"
#include "common/xalloc.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int
lc_sync_send (int fd, enum lc_sync_type type, const void *payload, uint32_t len, hy_error_t *err)
{
  struct lc_sync_msg hdr = { type, len };
  struct iovec iov[2] = { { &hdr, sizeof (hdr) }, { (void *)payload, len } };
  struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
  ssize_t r;

  if (len > LC_SYNC_MAX_PAYLOAD)
    len = hdr.len = iov[1].iov_len = LC_SYNC_MAX_PAYLOAD;
  do
    r = sendmsg (fd, &msg, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return hy_error_set (err, errno, "sync: send message %u", type);
  return 0;
}

int
lc_sync_recv (int fd, enum lc_sync_type expect, void *payload, uint32_t *len, hy_error_t *err)
{
  char buf[sizeof (struct lc_sync_msg) + LC_SYNC_MAX_PAYLOAD + 1];
  struct lc_sync_msg hdr;
  ssize_t r;

  do
    r = recv (fd, buf, sizeof (buf) - 1, 0);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return hy_error_set (err, errno, "sync: receive");
  if (r == 0)
    return hy_error_set (err, 0, "container init exited during setup");
  if ((size_t)r < sizeof (hdr))
    return hy_error_set (err, 0, "sync: short message (%zd bytes)", r);
  memcpy (&hdr, buf, sizeof (hdr));
  if (hdr.len != (size_t)r - sizeof (hdr) || hdr.len > LC_SYNC_MAX_PAYLOAD)
    return hy_error_set (err, 0, "sync: bad length %u in a %zd byte message", hdr.len, r);
  if (hdr.type == LC_SYNC_ERROR)
    {
      buf[r] = '\0';
      return hy_error_set (err, 0, "%s", buf + sizeof (hdr));
    }
  if (hdr.type != (uint32_t)expect)
    return hy_error_set (err, 0, "sync: expected message %u, got %u", expect, hdr.type);
  if (payload && len)
    {
      if (hdr.len > *len)
        return hy_error_set (err, 0, "sync: payload of %u bytes too large", hdr.len);
      memcpy (payload, buf + sizeof (hdr), hdr.len);
      *len = hdr.len;
    }
  return 0;
}

void
lc_sync_die (int fd, hy_error_t *err)
{
  const char *msg = err && *err ? (*err)->msg : "unknown error";

  lc_sync_send (fd, LC_SYNC_ERROR, msg, strlen (msg), NULL);
  _exit (1);
}

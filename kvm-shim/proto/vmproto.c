/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Framing of the host<->guest control protocol (vmproto.h): encoding, and a
 * reader that reassembles messages from a byte stream and checks each
 * header against the per-type length rules before anything reads it. */
#include "kvm-shim/proto/vmproto.h"
#include "common/cleanup.h"
#include "common/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Per type: the payload length it must have (exact), or a range. */
static const struct
{
  const char *name;
  uint32_t min, max;
} rules[VMPROTO_TYPE_END] = {
  [VMPROTO_READY] = { "READY", 0, 256 },
  [VMPROTO_CREATED] = { "CREATED", 0, 0 },
  [VMPROTO_STARTED] = { "STARTED", 4, 4 },
  [VMPROTO_EXIT] = { "EXIT", 4, 4 },
  [VMPROTO_ERROR] = { "ERROR", 1, 4096 },
  [VMPROTO_CONFIG] = { "CONFIG", 2, VMPROTO_MAX_PAYLOAD },
  [VMPROTO_START] = { "START", 0, 0 },
  [VMPROTO_SIGNAL] = { "SIGNAL", 4, 4 },
  /* exec: the id, then what the type carries */
  [VMPROTO_EXEC] = { "EXEC", 4 + 2, VMPROTO_MAX_PAYLOAD },
  [VMPROTO_EXEC_STDIN] = { "EXEC_STDIN", 4, 4 + VMPROTO_EXEC_CHUNK },
  [VMPROTO_EXEC_SIGNAL] = { "EXEC_SIGNAL", 8, 8 },
  [VMPROTO_EXEC_STARTED] = { "EXEC_STARTED", 8, 8 },
  [VMPROTO_EXEC_STDOUT] = { "EXEC_STDOUT", 4 + 1, 4 + VMPROTO_EXEC_CHUNK },
  [VMPROTO_EXEC_STDERR] = { "EXEC_STDERR", 4 + 1, 4 + VMPROTO_EXEC_CHUNK },
  [VMPROTO_EXEC_EXIT] = { "EXEC_EXIT", 8, 8 },
  [VMPROTO_EXEC_ERROR] = { "EXEC_ERROR", 4 + 1, 4 + 4096 },
  [VMPROTO_NET] = { "NET", 0, VMPROTO_NET_MAX_RECS *VMPROTO_NET_REC_SIZE },
  [VMPROTO_RESIZE] = { "RESIZE", VMPROTO_WINSIZE_LEN, VMPROTO_WINSIZE_LEN },
  [VMPROTO_EXEC_RESIZE] = { "EXEC_RESIZE", 4 + VMPROTO_WINSIZE_LEN, 4 + VMPROTO_WINSIZE_LEN },
  [VMPROTO_EXEC_STDIN_ACK] = { "EXEC_STDIN_ACK", 8, 8 },
  [VMPROTO_EXEC_OUTPUT_ACK] = { "EXEC_OUTPUT_ACK", 8, 8 },
};

const char *
vmproto_type_name (enum vmproto_type type)
{
  if ((unsigned)type >= VMPROTO_TYPE_END || rules[type].name == NULL)
    return "?";
  return rules[type].name;
}

void
vmproto_reader_init (struct vmproto_reader *r)
{
  memset (r, 0, sizeof (*r));
}

void
vmproto_reader_fini (struct vmproto_reader *r)
{
  free (r->buf);
  memset (r, 0, sizeof (*r));
}

static void
drop_consumed (struct vmproto_reader *r)
{
  if (r->consumed == 0)
    return;
  memmove (r->buf, r->buf + r->consumed, r->len - r->consumed);
  r->len -= r->consumed;
  r->consumed = 0;
}

void
vmproto_reader_feed (struct vmproto_reader *r, const void *data, size_t len)
{
  /* nothing to add; data (and r->buf) may be NULL, which memcpy may not get */
  if (len == 0)
    return;
  drop_consumed (r);
  if (r->len + len > r->cap)
    {
      r->cap = (r->len + len) * 2;
      r->buf = xrealloc (r->buf, r->cap);
    }
  memcpy (r->buf + r->len, data, len);
  r->len += len;
}

int
vmproto_reader_next (struct vmproto_reader *r, struct vmproto_msg *msg, hy_error_t *err)
{
  struct vmproto_hdr h;

  drop_consumed (r);
  if (r->len < sizeof (h))
    return 0;
  memcpy (&h, r->buf, sizeof (h));
  h.type = le32toh (h.type);
  h.len = le32toh (h.len);
  if (h.type == 0 || h.type >= VMPROTO_TYPE_END)
    return hy_error_set (err, 0, "%s: unknown message type %u", VMPROTO_PORT_CTL, h.type);
  if (h.len < rules[h.type].min || h.len > rules[h.type].max)
    return hy_error_set (err, 0, "%s: %s message with a payload of %u bytes (allowed %u..%u)",
                         VMPROTO_PORT_CTL, rules[h.type].name, h.len, rules[h.type].min,
                         rules[h.type].max);
  if (h.type == VMPROTO_NET && h.len % VMPROTO_NET_REC_SIZE != 0)
    return hy_error_set (err, 0, "%s: NET message of %u bytes: not whole %u-byte records",
                         VMPROTO_PORT_CTL, h.len, VMPROTO_NET_REC_SIZE);
  if (r->len - sizeof (h) < h.len)
    return 0;
  msg->type = (enum vmproto_type)h.type;
  msg->len = h.len;
  msg->payload = r->buf + sizeof (h);
  r->consumed = sizeof (h) + h.len;
  return 1;
}

uint8_t *
vmproto_encode (enum vmproto_type type, const void *payload, uint32_t len, size_t *out_len)
{
  struct vmproto_hdr h = { htole32 ((uint32_t)type), htole32 (len) };
  uint8_t *buf = xmalloc (sizeof (h) + len);

  memcpy (buf, &h, sizeof (h));
  if (len)
    memcpy (buf + sizeof (h), payload, len);
  *out_len = sizeof (h) + len;
  return buf;
}

int
vmproto_send (int fd, enum vmproto_type type, const void *payload, uint32_t len, hy_error_t *err)
{
  size_t n, off = 0;
  uint8_t *buf = vmproto_encode (type, payload, len, &n);

  while (off < n)
    {
      ssize_t w = write (fd, buf + off, n - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          free (buf);
          return hy_error_set (err, errno, "%s: send %s", VMPROTO_PORT_CTL,
                               vmproto_type_name (type));
        }
      off += (size_t)w;
    }
  free (buf);
  return 0;
}

int
vmproto_send_u32 (int fd, enum vmproto_type type, uint32_t value, hy_error_t *err)
{
  uint32_t le = htole32 (value);
  return vmproto_send (fd, type, &le, sizeof (le), err);
}

uint32_t
vmproto_u32 (const struct vmproto_msg *msg)
{
  uint32_t v;
  memcpy (&v, msg->payload, sizeof (v));
  return le32toh (v);
}

/* The reader has checked every exec message to hold at least the id (and
 * the uint32 after it where the type has one). */
uint32_t
vmproto_exec_id (const struct vmproto_msg *msg)
{
  return vmproto_u32 (msg);
}

uint32_t
vmproto_exec_u32 (const struct vmproto_msg *msg)
{
  uint32_t v;
  memcpy (&v, msg->payload + 4, sizeof (v));
  return le32toh (v);
}

const uint8_t *
vmproto_exec_data (const struct vmproto_msg *msg, uint32_t *len)
{
  *len = msg->len - 4;
  return msg->payload + 4;
}

int
vmproto_send_exec (int fd, enum vmproto_type type, uint32_t id, const void *data, uint32_t len,
                   hy_error_t *err)
{
  cleanup_free uint8_t *buf = xmalloc (4 + (size_t)len);
  uint32_t le = htole32 (id);

  memcpy (buf, &le, 4);
  if (len)
    memcpy (buf + 4, data, len);
  return vmproto_send (fd, type, buf, 4 + len, err);
}

int
vmproto_send_exec_u32 (int fd, enum vmproto_type type, uint32_t id, uint32_t value, hy_error_t *err)
{
  uint32_t le = htole32 (value);
  return vmproto_send_exec (fd, type, id, &le, sizeof (le), err);
}

void
vmproto_outq_init (struct vmproto_outq *q, size_t max)
{
  memset (q, 0, sizeof (*q));
  q->max = max;
}

void
vmproto_outq_fini (struct vmproto_outq *q)
{
  free (q->buf);
  memset (q, 0, sizeof (*q));
}

size_t
vmproto_outq_pending (const struct vmproto_outq *q)
{
  return q->len - q->off;
}

/* Room for n more bytes: what was written goes first. */
static void
outq_reserve (struct vmproto_outq *q, size_t n)
{
  if (q->off > 0)
    {
      memmove (q->buf, q->buf + q->off, q->len - q->off);
      q->len -= q->off;
      q->off = 0;
    }
  if (q->len + n > q->cap)
    {
      q->cap = (q->len + n) * 2;
      q->buf = xrealloc (q->buf, q->cap);
    }
}

static bool
outq_push2 (struct vmproto_outq *q, enum vmproto_type type, const void *a, uint32_t a_len,
            const void *b, uint32_t b_len)
{
  uint32_t len = a_len + b_len;
  struct vmproto_hdr h = { htole32 ((uint32_t)type), htole32 (len) };

  if (vmproto_outq_pending (q) + sizeof (h) + len > q->max)
    return false;
  outq_reserve (q, sizeof (h) + len);
  memcpy (q->buf + q->len, &h, sizeof (h));
  q->len += sizeof (h);
  if (a_len)
    memcpy (q->buf + q->len, a, a_len);
  q->len += a_len;
  if (b_len)
    memcpy (q->buf + q->len, b, b_len);
  q->len += b_len;
  return true;
}

bool
vmproto_outq_push (struct vmproto_outq *q, enum vmproto_type type, const void *payload,
                   uint32_t len)
{
  return outq_push2 (q, type, payload, len, NULL, 0);
}

bool
vmproto_outq_push_exec (struct vmproto_outq *q, enum vmproto_type type, uint32_t id,
                        const void *data, uint32_t len)
{
  uint32_t le = htole32 (id);
  return outq_push2 (q, type, &le, sizeof (le), data, len);
}

bool
vmproto_outq_push_exec_u32 (struct vmproto_outq *q, enum vmproto_type type, uint32_t id,
                            uint32_t value)
{
  uint32_t le = htole32 (value);
  return vmproto_outq_push_exec (q, type, id, &le, sizeof (le));
}

int
vmproto_outq_flush (struct vmproto_outq *q, int fd, hy_error_t *err)
{
  while (q->off < q->len)
    {
      ssize_t w = write (fd, q->buf + q->off, q->len - q->off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
      if (w <= 0)
        return hy_error_set (err, w < 0 ? errno : EPIPE, "%s: write", VMPROTO_PORT_CTL);
      q->off += (size_t)w;
    }
  q->off = q->len = 0;
  return 0;
}

void
vmproto_winsize_put (uint8_t out[VMPROTO_WINSIZE_LEN], uint16_t rows, uint16_t cols)
{
  uint16_t r = htole16 (rows), c = htole16 (cols);

  memcpy (out, &r, 2);
  memcpy (out + 2, &c, 2);
}

void
vmproto_winsize_get (const uint8_t in[VMPROTO_WINSIZE_LEN], uint16_t *rows, uint16_t *cols)
{
  uint16_t r, c;

  memcpy (&r, in, 2);
  memcpy (&c, in + 2, 2);
  *rows = le16toh (r);
  *cols = le16toh (c);
}

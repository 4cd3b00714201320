/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 9P wire encoding and decoding (p9_wire.h). */
#include "kvm-shim/fs/p9_wire.h"

#include <endian.h>
#include <string.h>

static const uint8_t *
take (struct p9_rd *r, size_t n)
{
  const uint8_t *p;

  if (r->bad || r->len - r->off < n)
    {
      r->bad = true;
      return NULL;
    }
  p = r->p + r->off;
  r->off += n;
  return p;
}

uint8_t
p9_get8 (struct p9_rd *r)
{
  const uint8_t *p = take (r, 1);
  return p ? p[0] : 0;
}

uint16_t
p9_get16 (struct p9_rd *r)
{
  const uint8_t *p = take (r, 2);
  uint16_t v = 0;
  if (p)
    memcpy (&v, p, 2);
  return le16toh (v);
}

uint32_t
p9_get32 (struct p9_rd *r)
{
  const uint8_t *p = take (r, 4);
  uint32_t v = 0;
  if (p)
    memcpy (&v, p, 4);
  return le32toh (v);
}

uint64_t
p9_get64 (struct p9_rd *r)
{
  const uint8_t *p = take (r, 8);
  uint64_t v = 0;
  if (p)
    memcpy (&v, p, 8);
  return le64toh (v);
}

void
p9_getstr (struct p9_rd *r, char *buf, size_t size)
{
  uint16_t n = p9_get16 (r);
  const uint8_t *p = take (r, n);

  buf[0] = '\0';
  if (p == NULL || n >= size || memchr (p, '\0', n))
    {
      r->bad = true;
      return;
    }
  memcpy (buf, p, n);
  buf[n] = '\0';
}

const uint8_t *
p9_getbytes (struct p9_rd *r, size_t n)
{
  return take (r, n);
}

uint8_t *
p9_reserve (struct p9_wr *w, size_t n)
{
  uint8_t *p;

  if (w->full || w->cap - w->off < n)
    {
      w->full = true;
      return NULL;
    }
  p = w->p + w->off;
  w->off += n;
  return p;
}

void
p9_put8 (struct p9_wr *w, uint8_t v)
{
  uint8_t *p = p9_reserve (w, 1);
  if (p)
    p[0] = v;
}

void
p9_put16 (struct p9_wr *w, uint16_t v)
{
  uint8_t *p = p9_reserve (w, 2);
  v = htole16 (v);
  if (p)
    memcpy (p, &v, 2);
}

void
p9_put32 (struct p9_wr *w, uint32_t v)
{
  uint8_t *p = p9_reserve (w, 4);
  v = htole32 (v);
  if (p)
    memcpy (p, &v, 4);
}

void
p9_put64 (struct p9_wr *w, uint64_t v)
{
  uint8_t *p = p9_reserve (w, 8);
  v = htole64 (v);
  if (p)
    memcpy (p, &v, 8);
}

void
p9_putstr (struct p9_wr *w, const char *s)
{
  size_t n = strlen (s);
  uint8_t *p;

  if (n > 0xffff)
    n = 0xffff;
  p9_put16 (w, (uint16_t)n);
  p = p9_reserve (w, n);
  if (p)
    memcpy (p, s, n);
}

void
p9_putqid (struct p9_wr *w, const struct p9_qid *q)
{
  p9_put8 (w, q->type);
  p9_put32 (w, q->version);
  p9_put64 (w, q->path);
}

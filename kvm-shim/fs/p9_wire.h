/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The 9P wire format: little-endian integers, strings as a 16-bit length
 * and bytes, qids of 13 bytes.  A reader never reads past its end: any
 * short read sets `bad` and yields zeros, checked once per message. */
#ifndef P9_WIRE_H
#define P9_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct p9_qid
{
  uint8_t type;
  uint32_t version;
  uint64_t path;
};

struct p9_rd
{
  const uint8_t *p;
  size_t len, off;
  bool bad;
};

struct p9_wr
{
  uint8_t *p;
  size_t cap, off;
  bool full;
};

uint8_t p9_get8 (struct p9_rd *r);
uint16_t p9_get16 (struct p9_rd *r);
uint32_t p9_get32 (struct p9_rd *r);
uint64_t p9_get64 (struct p9_rd *r);
/* A string as a NUL-terminated copy in buf (size >= 256 for names); an
 * embedded NUL or a string longer than the buffer makes the reader bad. */
void p9_getstr (struct p9_rd *r, char *buf, size_t size);
/* The rest of a Twrite: a pointer into the request. */
const uint8_t *p9_getbytes (struct p9_rd *r, size_t n);

void p9_put8 (struct p9_wr *w, uint8_t v);
void p9_put16 (struct p9_wr *w, uint16_t v);
void p9_put32 (struct p9_wr *w, uint32_t v);
void p9_put64 (struct p9_wr *w, uint64_t v);
void p9_putstr (struct p9_wr *w, const char *s);
void p9_putqid (struct p9_wr *w, const struct p9_qid *q);
/* Reserve n bytes (filled later by the caller); NULL when they don't fit. */
uint8_t *p9_reserve (struct p9_wr *w, size_t n);

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A 9P2000.L client for the unit tests that drive kvm-shim/fs's server:
 * messages built as Linux's v9fs sends them, handed to the server `srv`
 * the test made, the reply's body left in `reply`.  Included by one test
 * file each (its state is the file's own). */
#ifndef TEST_P9_CLIENT_H
#define TEST_P9_CLIENT_H

#include "kvm-shim/fs/p9.h"
#include "kvm-shim/fs/p9_wire.h"

#include <stdarg.h>
#include <string.h>

#define NOFID 0xffffffffu

static struct p9_server *srv;
static uint8_t req[P9_MAX_MSIZE], resp[P9_MAX_MSIZE];
static size_t resp_cap = sizeof (resp); /* the guest's reply buffer */
static struct p9_rd reply;              /* body of the last reply */
static uint8_t reply_type;

/* msg TYPE "fmt" ...: 1 = u8, 2 = u16, 4 = u32, 8 = u64, s = string,
 * d = (len, bytes).  Sends it; returns the reply type (Rlerror = 7). */
static int
msg (uint8_t type, const char *fmt, ...)
{
  struct p9_wr w = { req, sizeof (req), 7, false };
  va_list ap;
  size_t n;

  va_start (ap, fmt);
  for (; *fmt; fmt++)
    switch (*fmt)
      {
      case '1':
        p9_put8 (&w, (uint8_t)va_arg (ap, int));
        break;
      case '2':
        p9_put16 (&w, (uint16_t)va_arg (ap, int));
        break;
      case '4':
        p9_put32 (&w, va_arg (ap, uint32_t));
        break;
      case '8':
        p9_put64 (&w, va_arg (ap, uint64_t));
        break;
      case 's':
        p9_putstr (&w, va_arg (ap, const char *));
        break;
      case 'd':
        {
          uint32_t len = va_arg (ap, uint32_t);
          memcpy (p9_reserve (&w, len), va_arg (ap, const void *), len);
          break;
        }
      }
  va_end (ap);
  req[0] = (uint8_t)w.off;
  req[1] = (uint8_t)(w.off >> 8);
  req[2] = (uint8_t)(w.off >> 16);
  req[3] = 0;
  req[4] = type;
  req[5] = 1;
  req[6] = 0;
  n = p9_server_handle (srv, req, w.off, resp, resp_cap);
  reply = (struct p9_rd){ resp, n, 7, n < 7 };
  reply_type = n >= 7 ? resp[4] : 0;
  return reply_type;
}

static int
lerror (void)
{
  if (reply_type != 7)
    return 0;
  reply.off = 7;
  return (int)p9_get32 (&reply);
}

#endif

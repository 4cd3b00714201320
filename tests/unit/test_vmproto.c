/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host<->guest control protocol's framing: messages survive any split
 * of the byte stream, and the reader refuses unknown types and lengths that
 * break a type's rule before it looks at a payload. */
#include "kvm-shim/proto/vmproto.h"
#include "tests/unit/tap.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void
test_roundtrip_split (void)
{
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;
  size_t a_len, b_len, i;
  uint32_t sig = htole32 (15);
  uint8_t *a = vmproto_encode (VMPROTO_READY, "6.1.0", 5, &a_len);
  uint8_t *b = vmproto_encode (VMPROTO_SIGNAL, &sig, 4, &b_len);
  uint8_t stream[64];
  int got = 0, ok = 1;

  memcpy (stream, a, a_len);
  memcpy (stream + a_len, b, b_len);
  vmproto_reader_init (&r);
  /* one byte at a time: the worst split */
  for (i = 0; i < a_len + b_len; i++)
    {
      vmproto_reader_feed (&r, stream + i, 1);
      while (vmproto_reader_next (&r, &m, &err) == 1)
        {
          if (got == 0)
            ok &= m.type == VMPROTO_READY && m.len == 5 && memcmp (m.payload, "6.1.0", 5) == 0;
          else
            ok &= m.type == VMPROTO_SIGNAL && vmproto_u32 (&m) == 15;
          got++;
        }
    }
  tap_ok (ok && got == 2 && err == NULL, "messages split byte by byte come out whole, in order");
  vmproto_reader_fini (&r);
  free (a);
  free (b);
}

static void
expect_refused (uint32_t type, uint32_t len, const char *what, const char *needle)
{
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;
  struct vmproto_hdr h = { htole32 (type), htole32 (len) };
  int rc;

  vmproto_reader_init (&r);
  vmproto_reader_feed (&r, &h, sizeof (h));
  rc = vmproto_reader_next (&r, &m, &err);
  tap_ok (rc == -1 && err && strstr (err->msg, needle), "%s is refused from its header alone (%s)",
          what, err ? err->msg : "no error");
  hy_error_free (&err);
  vmproto_reader_fini (&r);
}

static void
test_incomplete (void)
{
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;
  size_t n;
  uint8_t *a = vmproto_encode (VMPROTO_ERROR, "boom", 4, &n);

  vmproto_reader_init (&r);
  vmproto_reader_feed (&r, a, n - 1);
  tap_ok (vmproto_reader_next (&r, &m, &err) == 0,
          "a message missing its last byte is not returned");
  vmproto_reader_feed (&r, a + n - 1, 1);
  tap_ok (vmproto_reader_next (&r, &m, &err) == 1 && m.len == 4, "and is once the byte arrives");
  tap_ok (vmproto_reader_next (&r, &m, &err) == 0, "nothing is returned twice");
  vmproto_reader_fini (&r);
  free (a);
}

/* An exec message through a pipe: the id and the values after it come
 * back through the accessors. */
static void
test_exec_roundtrip (void)
{
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;
  uint8_t buf[256];
  uint32_t len = 0;
  const uint8_t *data;
  int fds[2], ok = 1;
  ssize_t n;

  if (pipe (fds) < 0)
    abort ();
  ok &= vmproto_send_exec_u32 (fds[1], VMPROTO_EXEC_SIGNAL, 7, 15, &err) == 0;
  ok &= vmproto_send_exec (fds[1], VMPROTO_EXEC_STDOUT, 8, "hi\n", 3, &err) == 0;
  ok &= vmproto_send_exec (fds[1], VMPROTO_EXEC_STDIN, 9, NULL, 0, &err) == 0;
  close (fds[1]);
  vmproto_reader_init (&r);
  while ((n = read (fds[0], buf, sizeof (buf))) > 0)
    vmproto_reader_feed (&r, buf, (size_t)n);
  close (fds[0]);
  ok &= vmproto_reader_next (&r, &m, &err) == 1 && m.type == VMPROTO_EXEC_SIGNAL
        && vmproto_exec_id (&m) == 7 && vmproto_exec_u32 (&m) == 15;
  ok &= vmproto_reader_next (&r, &m, &err) == 1 && m.type == VMPROTO_EXEC_STDOUT
        && vmproto_exec_id (&m) == 8 && (data = vmproto_exec_data (&m, &len)) && len == 3
        && memcmp (data, "hi\n", 3) == 0;
  ok &= vmproto_reader_next (&r, &m, &err) == 1 && m.type == VMPROTO_EXEC_STDIN
        && vmproto_exec_id (&m) == 9 && (vmproto_exec_data (&m, &len), len == 0);
  tap_ok (ok && err == NULL,
          "exec messages carry their id, value and data (an empty STDIN is EOF)");
  vmproto_reader_fini (&r);
}

/* NET: empty (a guest with lo only) and two records come through. */
static void
test_net_ok (void)
{
  struct vmproto_net_rec recs[2] = { { .kind = VMPROTO_NET_LINK }, { .kind = VMPROTO_NET_ADDR } };
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;
  size_t n1, n2;
  uint8_t *a = vmproto_encode (VMPROTO_NET, NULL, 0, &n1);
  uint8_t *b = vmproto_encode (VMPROTO_NET, recs, sizeof (recs), &n2);
  int ok;

  vmproto_reader_init (&r);
  vmproto_reader_feed (&r, a, n1);
  vmproto_reader_feed (&r, b, n2);
  ok = vmproto_reader_next (&r, &m, &err) == 1 && m.type == VMPROTO_NET && m.len == 0;
  ok = ok && vmproto_reader_next (&r, &m, &err) == 1 && m.len == 2 * VMPROTO_NET_REC_SIZE
       && m.payload[VMPROTO_NET_REC_SIZE] == VMPROTO_NET_ADDR;
  tap_ok (ok && err == NULL, "NET: an empty one and one of two records come through");
  vmproto_reader_fini (&r);
  free (a);
  free (b);
}

/* RESIZE and EXEC_RESIZE: rows then columns, 16 bits each. */
static void
test_resize (void)
{
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;
  uint8_t ws[VMPROTO_WINSIZE_LEN], buf[64];
  uint16_t rows = 0, cols = 0, erows = 0, ecols = 0;
  uint32_t len = 0;
  const uint8_t *data = NULL;
  int fds[2], ok = 1;
  ssize_t n;

  if (pipe (fds) < 0)
    abort ();
  vmproto_winsize_put (ws, 40, 300);
  ok &= vmproto_send (fds[1], VMPROTO_RESIZE, ws, sizeof (ws), &err) == 0;
  vmproto_winsize_put (ws, 25, 90);
  ok &= vmproto_send_exec (fds[1], VMPROTO_EXEC_RESIZE, 3, ws, sizeof (ws), &err) == 0;
  close (fds[1]);
  vmproto_reader_init (&r);
  while ((n = read (fds[0], buf, sizeof (buf))) > 0)
    vmproto_reader_feed (&r, buf, (size_t)n);
  close (fds[0]);
  ok &= vmproto_reader_next (&r, &m, &err) == 1 && m.type == VMPROTO_RESIZE;
  if (ok)
    vmproto_winsize_get (m.payload, &rows, &cols);
  ok &= vmproto_reader_next (&r, &m, &err) == 1 && m.type == VMPROTO_EXEC_RESIZE
        && vmproto_exec_id (&m) == 3 && (data = vmproto_exec_data (&m, &len)) && len == 4;
  if (ok)
    vmproto_winsize_get (data, &erows, &ecols);
  tap_ok (ok && err == NULL && rows == 40 && cols == 300 && erows == 25 && ecols == 90,
          "RESIZE and EXEC_RESIZE carry rows and columns");
  vmproto_reader_fini (&r);
}

/* The non-blocking sender: a peer that reads nothing never blocks the
 * writer (the control channel's deadlock), what the fd did not take stays
 * queued in order, and the bound refuses a message whole. */
static void
test_outq (void)
{
  struct vmproto_outq q;
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;
  static uint8_t chunk[VMPROTO_EXEC_CHUNK];
  uint8_t buf[65536];
  uint32_t pushed = 0, got = 0;
  int fds[2], ok = 1;
  ssize_t n;

  ok &= socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0;
  vmproto_outq_init (&q, 4u << 20);
  /* 3 MiB at a socket nobody reads: the flushes return, the rest queues */
  for (uint32_t i = 0; ok && i < 48; i++)
    {
      memset (chunk, (int)i, sizeof (chunk));
      ok &= vmproto_outq_push_exec (&q, VMPROTO_EXEC_STDOUT, i, chunk, sizeof (chunk));
      ok &= vmproto_outq_flush (&q, fds[0], &err) == 0;
      pushed++;
    }
  tap_ok (ok && vmproto_outq_pending (&q) > 0,
          "outq: 3 MiB for a peer that reads nothing: no flush blocks, %zu bytes stay queued",
          vmproto_outq_pending (&q));
  while (vmproto_outq_pending (&q) + sizeof (chunk) + 12 <= (4u << 20))
    {
      ok &= vmproto_outq_push_exec (&q, VMPROTO_EXEC_STDOUT, 1000, chunk, sizeof (chunk));
      pushed++;
    }
  ok &= !vmproto_outq_push_exec (&q, VMPROTO_EXEC_STDOUT, 1001, chunk, sizeof (chunk));
  tap_ok (ok, "outq: a message past the bound is refused whole");
  /* the reader drains: every message arrives whole and in order */
  vmproto_reader_init (&r);
  while (ok && (vmproto_outq_pending (&q) > 0 || got < pushed))
    {
      ok &= vmproto_outq_flush (&q, fds[0], &err) == 0;
      n = read (fds[1], buf, sizeof (buf));
      if (n <= 0)
        break;
      vmproto_reader_feed (&r, buf, (size_t)n);
      while (vmproto_reader_next (&r, &m, &err) == 1)
        {
          uint32_t len, id = vmproto_exec_id (&m);
          const uint8_t *d = vmproto_exec_data (&m, &len);
          ok &= m.type == VMPROTO_EXEC_STDOUT && len == sizeof (chunk)
                && (got < 48 ? id == got && d[0] == (uint8_t)got && d[len - 1] == (uint8_t)got
                             : id == 1000);
          got++;
        }
    }
  tap_ok (ok && got == pushed && vmproto_outq_pending (&q) == 0,
          "outq: all %u queued messages arrive whole and in order once the peer reads", got);
  vmproto_reader_fini (&r);
  vmproto_outq_fini (&q);
  close (fds[0]), close (fds[1]);
}

int
main (void)
{
  tap_plan (27);
  test_roundtrip_split ();
  test_incomplete ();
  expect_refused (0, 0, "type 0", "unknown message type");
  expect_refused (VMPROTO_TYPE_END, 0, "a type past the enum", "unknown message type");
  expect_refused (VMPROTO_EXIT, 3, "EXIT with 3 bytes", "EXIT message");
  expect_refused (VMPROTO_CONFIG, VMPROTO_MAX_PAYLOAD + 1, "CONFIG over the limit", "CONFIG");
  expect_refused (VMPROTO_ERROR, 0, "an empty ERROR", "ERROR message");
  test_exec_roundtrip ();
  expect_refused (VMPROTO_EXEC, 4, "EXEC with an id and no process", "EXEC message");
  expect_refused (VMPROTO_EXEC_SIGNAL, 4, "EXEC_SIGNAL without the signal", "EXEC_SIGNAL");
  expect_refused (VMPROTO_EXEC_STARTED, 12, "EXEC_STARTED with 12 bytes", "EXEC_STARTED");
  expect_refused (VMPROTO_EXEC_STDOUT, 4, "an EXEC_STDOUT without data", "EXEC_STDOUT");
  expect_refused (VMPROTO_EXEC_STDERR, 4 + VMPROTO_EXEC_CHUNK + 1, "EXEC_STDERR over a chunk",
                  "EXEC_STDERR");
  expect_refused (VMPROTO_EXEC_EXIT, 3, "EXEC_EXIT shorter than the id", "EXEC_EXIT");
  /* NET: whole 48-byte records, at most VMPROTO_NET_MAX_RECS */
  expect_refused (VMPROTO_NET, VMPROTO_NET_REC_SIZE + 1, "NET with a partial record",
                  "not whole 48-byte records");
  expect_refused (VMPROTO_NET, (VMPROTO_NET_MAX_RECS + 1) * VMPROTO_NET_REC_SIZE,
                  "NET over the record limit", "NET message");
  test_net_ok ();
  test_resize ();
  expect_refused (VMPROTO_RESIZE, 8, "RESIZE with 8 bytes", "RESIZE message");
  expect_refused (VMPROTO_EXEC_RESIZE, 4, "EXEC_RESIZE without the size", "EXEC_RESIZE");
  expect_refused (VMPROTO_EXEC_STDIN_ACK, 4, "EXEC_STDIN_ACK without the count", "EXEC_STDIN_ACK");
  expect_refused (VMPROTO_EXEC_OUTPUT_ACK, 12, "EXEC_OUTPUT_ACK with 12 bytes", "EXEC_OUTPUT_ACK");
  test_outq ();
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the host<->guest protocol reader (vmproto_reader), on
 * both sides of the control channel and the exec socket.  The input is
 * the byte stream; its first byte sets the size of the pieces it arrives
 * in.  Every message that comes out is read as the VMM and the agent read
 * it (the u32 payloads, the exec id and data). */
#include "kvm-shim/proto/vmproto.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static volatile uint32_t sink;

static void
use (const struct vmproto_msg *m)
{
  uint32_t len = 0;
  const uint8_t *p;

  switch (m->type)
    {
    case VMPROTO_STARTED:
    case VMPROTO_EXIT:
    case VMPROTO_SIGNAL:
      sink = vmproto_u32 (m);
      break;
    case VMPROTO_EXEC_SIGNAL:
    case VMPROTO_EXEC_STARTED:
    case VMPROTO_EXEC_EXIT:
      sink = vmproto_exec_id (m) ^ vmproto_exec_u32 (m);
      break;
    case VMPROTO_EXEC:
    case VMPROTO_EXEC_STDIN:
    case VMPROTO_EXEC_STDOUT:
    case VMPROTO_EXEC_STDERR:
    case VMPROTO_EXEC_ERROR:
      sink = vmproto_exec_id (m);
      p = vmproto_exec_data (m, &len);
      if (len)
        sink ^= p[0] ^ p[len - 1];
      break;
    default:
      if (m->len)
        sink = m->payload[0] ^ m->payload[m->len - 1];
      break;
    }
  sink ^= (uint32_t)strlen (vmproto_type_name (m->type));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  struct vmproto_reader r;
  struct vmproto_msg m;
  size_t piece, off;
  int rc = 0;

  if (size < 1)
    return 0;
  piece = data[0] ? data[0] : 4096;
  vmproto_reader_init (&r);
  for (off = 1; off < size && rc >= 0; off += piece)
    {
      hy_error_t err = NULL;
      vmproto_reader_feed (&r, data + off, size - off < piece ? size - off : piece);
      while ((rc = vmproto_reader_next (&r, &m, &err)) == 1)
        use (&m);
      hy_error_free (&err);
    }
  vmproto_reader_fini (&r);
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's exec relay (kvm-shim/vmm/exec_relay.c) against real Unix
 * sockets: it never blocks on a client or on the control channel (what
 * goes down is queued), a client's stdin keeps to the exec window (one
 * that sends past it is dropped and its process killed), the guest's
 * STDIN_ACK reaches the client and opens the window again, and a client
 * that reads nothing has its output queued up to the bound, then is
 * dropped. */
#include "kvm-shim/vmm/exec_relay.h"
#include "tests/unit/tap.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct vmm_exec_relay x;
static struct vmproto_outq ctl;

/* One round of the session's loop, without waiting. */
static void
pump (void)
{
  struct pollfd p[1 + VMM_EXEC_MAX_CLIENTS];
  size_t n = vmm_exec_relay_pollfds (&x, true, p, 1 + VMM_EXEC_MAX_CLIENTS);

  poll (p, n, 50);
  vmm_exec_relay_on_poll (&x, &ctl, p, n, NULL);
}

/* The messages queued for the guest, drained into a reader; counts of
 * EXEC_STDIN bytes and EXEC_SIGNALs seen. */
static void
drain_ctl (uint64_t *stdin_bytes, int *kills, int *execs)
{
  struct vmproto_reader r;
  struct vmproto_msg m;
  hy_error_t err = NULL;

  vmproto_reader_init (&r);
  vmproto_reader_feed (&r, ctl.buf + ctl.off, ctl.len - ctl.off);
  while (vmproto_reader_next (&r, &m, &err) == 1)
    {
      uint32_t len;
      vmproto_exec_data (&m, &len);
      if (m.type == VMPROTO_EXEC_STDIN)
        *stdin_bytes += len;
      else if (m.type == VMPROTO_EXEC_SIGNAL && vmproto_exec_u32 (&m) == SIGKILL)
        (*kills)++;
      else if (m.type == VMPROTO_EXEC)
        (*execs)++;
    }
  vmproto_reader_fini (&r);
  ctl.off = ctl.len = 0;
}

static int
connect_to (const char *path)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  snprintf (sa.sun_path, sizeof (sa.sun_path), "%s", path);
  if (connect (fd, (struct sockaddr *)&sa, sizeof (sa)) < 0)
    return -1;
  return fd;
}

static void
guest_says (enum vmproto_type type, uint32_t id, const void *data, uint32_t len)
{
  uint8_t *buf = malloc (4 + (size_t)len);
  uint32_t le = htole32 (id);
  struct vmproto_msg m = { .type = type, .len = 4 + len, .payload = buf };

  memcpy (buf, &le, 4);
  memcpy (buf + 4, data, len);
  vmm_exec_relay_from_guest (&x, &ctl, &m, NULL);
  free (buf);
}

int
main (void)
{
  char dir[] = "/tmp/test_exec_relay.XXXXXX", path[64];
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  static uint8_t chunk[VMPROTO_EXEC_CHUNK];
  uint64_t sent = 0, got_stdin = 0;
  int lfd, cl, kills = 0, execs = 0, ok;
  uint32_t le;

  tap_plan (6);
  signal (SIGPIPE, SIG_IGN);
  if (mkdtemp (dir) == NULL)
    return 1;
  snprintf (path, sizeof (path), "%s/exec.sock", dir);
  snprintf (sa.sun_path, sizeof (sa.sun_path), "%s", path);
  lfd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (bind (lfd, (struct sockaddr *)&sa, sizeof (sa)) < 0 || listen (lfd, 4) < 0)
    return 1;
  vmproto_outq_init (&ctl, 64u << 20);
  vmm_exec_relay_init (&x, lfd);
  x.reading = true;

  /* a client: EXEC, then STARTED from the guest */
  cl = connect_to (path);
  vmproto_send_exec (cl, VMPROTO_EXEC, 0, "{\"args\":[\"cat\"],\"cwd\":\"/\"}", 26, NULL);
  for (int i = 0; i < 10 && execs == 0; i++)
    {
      pump ();
      drain_ctl (&got_stdin, &kills, &execs);
    }
  le = htole32 (42);
  guest_says (VMPROTO_EXEC_STARTED, 1, &le, 4);
  tap_ok (execs == 1 && x.c[0].started,
          "exec: EXEC goes down with the VMM's id, STARTED comes back");

  /* stdin up to the window: forwarded, nothing blocks */
  fcntl (cl, F_SETFL, O_NONBLOCK);
  while (sent + sizeof (chunk) <= VMPROTO_EXEC_WINDOW)
    {
      if (vmproto_send_exec (cl, VMPROTO_EXEC_STDIN, 0, chunk, sizeof (chunk), NULL) < 0)
        break;
      sent += sizeof (chunk);
      pump ();
    }
  for (int i = 0; i < 20 && got_stdin < sent; i++)
    {
      pump ();
      drain_ctl (&got_stdin, &kills, &execs);
    }
  tap_ok (got_stdin == sent && x.c[0].in_flight == sent,
          "stdin: %llu bytes up to the window go down (%u in flight)",
          (unsigned long long)got_stdin, x.c[0].in_flight);

  /* the guest acknowledges half: the client hears of it, the window opens */
  {
    uint8_t buf[256];
    struct vmproto_reader r;
    struct vmproto_msg m;
    hy_error_t err = NULL;
    uint32_t acked = 0;
    le = htole32 ((uint32_t)(sent / 2));
    guest_says (VMPROTO_EXEC_STDIN_ACK, 1, &le, 4);
    vmproto_reader_init (&r);
    for (int i = 0; i < 20 && acked == 0; i++)
      {
        ssize_t n = read (cl, buf, sizeof (buf));
        if (n > 0)
          vmproto_reader_feed (&r, buf, (size_t)n);
        while (vmproto_reader_next (&r, &m, &err) == 1)
          if (m.type == VMPROTO_EXEC_STDIN_ACK)
            acked = vmproto_exec_u32 (&m);
        pump ();
      }
    vmproto_reader_fini (&r);
    tap_ok (acked == sent / 2 && x.c[0].in_flight == sent - sent / 2,
            "STDIN_ACK: relayed to the client (%u), the window opens (%u in flight)", acked,
            x.c[0].in_flight);
  }

  /* a client past its window: dropped, its process killed */
  for (int i = 0; i < 40 && x.c[0].fd >= 0; i++)
    {
      vmproto_send_exec (cl, VMPROTO_EXEC_STDIN, 0, chunk, sizeof (chunk), NULL);
      pump ();
    }
  drain_ctl (&got_stdin, &kills, &execs);
  tap_ok (x.c[0].fd < 0 && kills == 1,
          "stdin past the window: the client is dropped and its process killed");
  close (cl);

  /* output for a client that reads nothing: queued, never blocking, then
   * the client is dropped at the bound */
  cl = connect_to (path);
  vmproto_send_exec (cl, VMPROTO_EXEC, 0, "{\"args\":[\"yes\"],\"cwd\":\"/\"}", 26, NULL);
  for (int i = 0; i < 10 && x.c[0].fd < 0; i++)
    pump ();
  for (int i = 0; i < 10; i++)
    pump ();
  le = htole32 (43);
  guest_says (VMPROTO_EXEC_STARTED, 2, &le, 4);
  ok = x.c[0].fd >= 0 && x.c[0].id == 2;
  {
    int rounds = 0;
    size_t peak = 0;
    while (x.c[0].fd >= 0 && rounds++ < 400)
      {
        guest_says (VMPROTO_EXEC_STDOUT, 2, chunk, sizeof (chunk));
        if (x.c[0].fd >= 0 && vmproto_outq_pending (&x.c[0].out) > peak)
          peak = vmproto_outq_pending (&x.c[0].out);
      }
    tap_ok (ok && x.c[0].fd < 0 && peak <= (8u << 20),
            "output nobody reads: queued without blocking up to %zu bytes (bound 8 MiB), then "
            "the client is dropped",
            peak);
  }
  drain_ctl (&got_stdin, &kills, &execs);
  tap_ok (kills == 2, "the dropped reader's process is killed too");
  close (cl);
  vmm_exec_relay_fini (&x);
  vmproto_outq_fini (&ctl);
  unlink (path);
  rmdir (dir);
  return tap_done ();
}

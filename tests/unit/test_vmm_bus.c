/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The I/O bus (registration, overlap, routing, unclaimed accesses) and the
 * devices on it driven through the bus as a vCPU would: the 8250 UART, the
 * exit port and the CMOS RTC.  No KVM needed. */
#include "kvm-shim/devices/debug_exit.h"
#include "kvm-shim/devices/rtc.h"
#include "kvm-shim/devices/serial.h"
#include "kvm-shim/vmm/bus.h"
#include "kvm-shim/vmm/layout.h"
#include "tests/unit/tap.h"

#include <fcntl.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

struct recorder
{
  uint64_t offset;
  uint32_t len;
  int writes, reads;
};

static int
record (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  struct recorder *r = opaque;

  r->offset = a->offset;
  r->len = a->len;
  if (a->is_write)
    r->writes++;
  else
    {
      r->reads++;
      memset (a->data, 0x5a, a->len);
    }
  return 0;
}

static int
failing (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  return hy_error_set (err, 0, "device broke");
}

static void
test_bus (void)
{
  cleanup_vmm_bus struct vmm_bus *bus = vmm_bus_create ();
  cleanup_error hy_error_t err = NULL;
  struct recorder a = { 0 }, b = { 0 };
  uint8_t data[8] = { 0 };

  tap_ok (vmm_bus_register (bus, VMM_BUS_MMIO, 0xd0000000, 0x200, "a", record, &a, &err) == 0
              && vmm_bus_register (bus, VMM_BUS_MMIO, 0xd0000200, 0x200, "b", record, &b, &err)
                     == 0,
          "two adjacent MMIO ranges register");
  vmm_bus_register (bus, VMM_BUS_MMIO, 0xd00001ff, 2, "c", record, NULL, &err);
  tap_ok (err && strstr (err->msg, "overlaps a"),
          "an overlapping range is refused, naming the other: %s", err ? err->msg : "(no error)");
  hy_error_free (&err);
  tap_ok (vmm_bus_register (bus, VMM_BUS_PIO, 0xd0000000, 1, "p", record, NULL, &err) == 0,
          "port space is separate from MMIO space");
  tap_ok (vmm_bus_register (bus, VMM_BUS_MMIO, UINT64_MAX, 2, "w", record, NULL, &err) < 0,
          "a wrapping range is refused");
  hy_error_free (&err);

  tap_ok (vmm_bus_dispatch (bus, VMM_BUS_MMIO, 0xd0000204, data, 4, true, &err) == 1
              && b.writes == 1 && b.offset == 4 && b.len == 4 && a.writes == 0,
          "a write is routed to its range with the offset in it");
  tap_ok (vmm_bus_dispatch (bus, VMM_BUS_MMIO, 0xd00001fc, data, 4, false, &err) == 1
              && a.reads == 1 && a.offset == 0x1fc && data[3] == 0x5a,
          "a read at the end of a range is routed and filled");
  tap_ok (vmm_bus_dispatch (bus, VMM_BUS_MMIO, 0xd00001fe, data, 4, false, &err) == 0
              && data[0] == 0xff && data[3] == 0xff && a.reads == 1 && b.reads == 0,
          "an access straddling two devices reaches neither and reads all ones");
  tap_ok (vmm_bus_dispatch (bus, VMM_BUS_MMIO, 0xe0000000, data, 2, false, &err) == 0,
          "an address no device claims is reported unhandled");

  vmm_bus_register (bus, VMM_BUS_PIO, 0x80, 1, "broken", failing, NULL, &err);
  int r = vmm_bus_dispatch (bus, VMM_BUS_PIO, 0x80, data, 1, true, &err);
  tap_ok (r < 0 && err && strstr (err->msg, "broken at port 0x80: device broke"),
          "a failing device's error names it: %s", err ? err->msg : "(no error)");
}

static uint8_t
io_read (struct vmm_bus *bus, uint16_t port)
{
  uint8_t v = 0;

  vmm_bus_dispatch (bus, VMM_BUS_PIO, port, &v, 1, false, NULL);
  return v;
}

static void
io_write (struct vmm_bus *bus, uint16_t port, uint8_t v)
{
  vmm_bus_dispatch (bus, VMM_BUS_PIO, port, &v, 1, true, NULL);
}

static void
test_serial (void)
{
  cleanup_vmm_bus struct vmm_bus *bus = vmm_bus_create ();
  cleanup_error hy_error_t err = NULL;
  const uint16_t com1 = VMM_PORT_COM1;
  struct vmm_serial *s;
  char out[64] = { 0 };
  const char *p;
  int pipefd[2];
  ssize_t n;

  if (pipe2 (pipefd, O_NONBLOCK) < 0)
    return;
  s = vmm_serial_create (bus, NULL, com1, VMM_IRQ_COM1, pipefd[1], &err);
  tap_ok (s != NULL, "serial: registers at 0x3f8");
  tap_ok ((io_read (bus, com1 + 5) & 0x60) == 0x60, "serial: LSR says the transmitter is empty");
  for (p = "hello"; *p; p++)
    io_write (bus, com1, (uint8_t)*p);
  tap_ok (read (pipefd[0], out, sizeof (out)) < 0, "serial: output is held until a newline");
  io_write (bus, com1, '\n');
  n = read (pipefd[0], out, sizeof (out) - 1);
  tap_ok (n == 6 && memcmp (out, "hello\n", 6) == 0, "serial: the line reaches the fd");

  io_write (bus, com1 + 3, 0x80); /* DLAB on: 0 and 1 are the divisor */
  io_write (bus, com1, 1);
  io_write (bus, com1 + 1, 0);
  io_write (bus, com1 + 3, 0x03); /* DLAB off, 8n1 */
  n = read (pipefd[0], out, sizeof (out));
  tap_ok (n < 0 && io_read (bus, com1 + 3) == 0x03, "serial: divisor writes are not output");

  tap_ok (vmm_serial_feed (s, "ab", 2) == 2 && (io_read (bus, com1 + 5) & 1)
              && io_read (bus, com1) == 'a' && io_read (bus, com1) == 'b'
              && !(io_read (bus, com1 + 5) & 1),
          "serial: fed input is received in order, LSR.DR follows it");

  io_write (bus, com1 + 1, 0x02); /* IER: THRI */
  tap_ok ((io_read (bus, com1 + 2) & 0x0f) == 0x02, "serial: enabling THRI raises it");
  tap_ok ((io_read (bus, com1 + 2) & 0x0f) == 0x01, "serial: reading IIR acknowledges THRI");
  io_write (bus, com1 + 1, 0x03);
  vmm_serial_feed (s, "x", 1);
  tap_ok ((io_read (bus, com1 + 2) & 0x0f) == 0x04, "serial: received data outranks THRI");

  io_write (bus, com1 + 4, 0x10); /* MCR: loopback */
  io_read (bus, com1);
  io_write (bus, com1, 'L');
  tap_ok (io_read (bus, com1) == 'L' && read (pipefd[0], out, sizeof (out)) < 0,
          "serial: loopback returns the byte and sends nothing");
  io_write (bus, com1 + 4, 0);

  io_write (bus, com1, 'z');
  vmm_serial_destroy (s);
  n = read (pipefd[0], out, sizeof (out));
  tap_ok (n == 1 && out[0] == 'z', "serial: destroy flushes a partial line");
  close (pipefd[0]);
  close (pipefd[1]);
}

static void
test_debug_exit (void)
{
  cleanup_vmm_bus struct vmm_bus *bus = vmm_bus_create ();
  cleanup_error hy_error_t err = NULL;
  struct vmm_vm vm; /* only the stop fields are used: no KVM here */

  memset (&vm, 0, sizeof (vm));
  tap_ok (vmm_debug_exit_create (bus, &vm, VMM_PORT_DEBUG_EXIT, &err) == 0, "exit port: registers");
  io_write (bus, VMM_PORT_DEBUG_EXIT, 42);
  io_write (bus, VMM_PORT_DEBUG_EXIT, 7);
  tap_ok (vm.stop && vm.stop_code == 42, "exit port: a write stops the VM, the first code wins");
}

static uint8_t
cmos (struct vmm_bus *bus, uint8_t reg)
{
  io_write (bus, 0x70, reg);
  return io_read (bus, 0x71);
}

static int
from_bcd (uint8_t v)
{
  return (v >> 4) * 10 + (v & 0xf);
}

static void
test_rtc (void)
{
  cleanup_vmm_bus struct vmm_bus *bus = vmm_bus_create ();
  cleanup_error hy_error_t err = NULL;
  struct vmm_rtc *rtc = vmm_rtc_create (bus, &err);
  time_t now = time (NULL);
  struct tm tm;
  uint8_t sec;

  gmtime_r (&now, &tm);
  tap_ok (rtc != NULL, "rtc: registers at 0x70");
  tap_ok ((cmos (bus, 0x0a) & 0x80) == 0 && (cmos (bus, 0x0d) & 0x80),
          "rtc: never update-in-progress, time valid");
  sec = cmos (bus, 0x80); /* bit 7 (NMI mask) is ignored: this is register 0 */
  tap_ok ((sec & 0xf) <= 9 && from_bcd (sec) < 60 && from_bcd (cmos (bus, 0x09)) == tm.tm_year % 100
              && from_bcd (cmos (bus, 0x32)) == (tm.tm_year + 1900) / 100
              && from_bcd (cmos (bus, 0x08)) == tm.tm_mon + 1,
          "rtc: the host's UTC date in BCD");
  io_write (bus, 0x70, 0x40);
  io_write (bus, 0x71, 0x5a);
  io_write (bus, 0x70, 0x09);
  io_write (bus, 0x71, 0x99);
  tap_ok (cmos (bus, 0x40) == 0x5a && from_bcd (cmos (bus, 0x09)) == tm.tm_year % 100,
          "rtc: CMOS bytes keep what is written, the clock ignores writes");
  vmm_rtc_destroy (rtc);
}

int
main (void)
{
  tap_plan (26);
  test_bus ();
  test_serial ();
  test_debug_exit ();
  test_rtc ();
  return tap_done ();
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CMOS RTC: an index register (0x70, bit 7 is the NMI mask and is
 * ignored) selecting one of 128 CMOS bytes read or written at 0x71.  The
 * clock registers are computed from the host clock at each read; register
 * A never shows UIP, so a guest's "wait for the update to end" loop ends at
 * once.  Register map: the MC146818A data sheet. */
#include "kvm-shim/devices/rtc.h"
#include "common/xalloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RTC_PORT 0x70
#define CMOS_SIZE 128
#define REG_SECONDS 0x00
#define REG_MINUTES 0x02
#define REG_HOURS 0x04
#define REG_WEEKDAY 0x06
#define REG_DAY 0x07
#define REG_MONTH 0x08
#define REG_YEAR 0x09
#define REG_A 0x0a
#define REG_B 0x0b
#define REG_C 0x0c
#define REG_D 0x0d
#define REG_CENTURY 0x32

#define REG_A_DEFAULT 0x26 /* 32.768 kHz time base, 1024 Hz rate, UIP clear */
#define REG_B_24H 0x02     /* 24-hour, BCD, no interrupts */
#define REG_D_VRT 0x80     /* valid RAM and time: the battery is fine */

struct vmm_rtc
{
  pthread_mutex_t lock;
  uint8_t index;
  uint8_t cmos[CMOS_SIZE];
};

static uint8_t
bcd (int v)
{
  return (uint8_t)(((v / 10) << 4) | (v % 10));
}

static uint8_t
clock_reg (uint8_t reg)
{
  time_t now = time (NULL);
  struct tm tm;

  gmtime_r (&now, &tm);
  switch (reg)
    {
    case REG_SECONDS:
      return bcd (tm.tm_sec);
    case REG_MINUTES:
      return bcd (tm.tm_min);
    case REG_HOURS:
      return bcd (tm.tm_hour);
    case REG_WEEKDAY:
      return bcd (tm.tm_wday + 1);
    case REG_DAY:
      return bcd (tm.tm_mday);
    case REG_MONTH:
      return bcd (tm.tm_mon + 1);
    case REG_YEAR:
      return bcd (tm.tm_year % 100);
    default:
      return bcd ((tm.tm_year + 1900) / 100); /* REG_CENTURY */
    }
}

static uint8_t
cmos_read (struct vmm_rtc *rtc, uint8_t reg)
{
  switch (reg)
    {
    case REG_SECONDS:
    case REG_MINUTES:
    case REG_HOURS:
    case REG_WEEKDAY:
    case REG_DAY:
    case REG_MONTH:
    case REG_YEAR:
    case REG_CENTURY:
      return clock_reg (reg);
    case REG_A:
      return REG_A_DEFAULT;
    case REG_B:
      return REG_B_24H;
    case REG_C:
      return 0; /* no interrupt flags */
    case REG_D:
      return REG_D_VRT;
    default:
      return rtc->cmos[reg];
    }
}

static int
rtc_io (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  struct vmm_rtc *rtc = opaque;

  pthread_mutex_lock (&rtc->lock);
  if (a->offset == 0)
    {
      if (a->is_write)
        rtc->index = a->data[0] & 0x7f;
      else
        memset (a->data, 0xff, a->len); /* the index port is write-only */
    }
  else if (a->is_write)
    {
      /* The clock is the host's: time writes are dropped; plain CMOS bytes
       * are kept (Linux stores nothing there we need). */
      if (rtc->index > REG_D && rtc->index != REG_CENTURY)
        rtc->cmos[rtc->index] = a->data[0];
    }
  else
    {
      memset (a->data, 0, a->len);
      a->data[0] = cmos_read (rtc, rtc->index);
    }
  pthread_mutex_unlock (&rtc->lock);
  return 0;
}

struct vmm_rtc *
vmm_rtc_create (struct vmm_bus *bus, hy_error_t *err)
{
  struct vmm_rtc *rtc = xzalloc (sizeof (*rtc));

  pthread_mutex_init (&rtc->lock, NULL);
  if (vmm_bus_register (bus, VMM_BUS_PIO, RTC_PORT, 2, "rtc", rtc_io, rtc, err) < 0)
    {
      vmm_rtc_destroy (rtc);
      return NULL;
    }
  return rtc;
}

void
vmm_rtc_destroy (struct vmm_rtc *rtc)
{
  if (rtc == NULL)
    return;
  pthread_mutex_destroy (&rtc->lock);
  free (rtc);
}

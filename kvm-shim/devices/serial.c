/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The 8250 UART: the register file (with the DLAB-switched divisor latch),
 * transmit through a line buffer to an fd, a small receive FIFO, and the
 * interrupt identification that decides when IRQ 4 is raised.  Register
 * semantics: the National Semiconductor PC16550D data sheet. */
#include "kvm-shim/devices/serial.h"
#include "common/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Register offsets; with LCR.DLAB set, 0 and 1 are the divisor latch. */
enum
{
  REG_DATA = 0, /* RBR on read, THR on write */
  REG_IER = 1,
  REG_IIR = 2, /* FCR on write */
  REG_LCR = 3,
  REG_MCR = 4,
  REG_LSR = 5,
  REG_MSR = 6,
  REG_SCR = 7,
};

#define IER_RDI 0x01  /* received data available */
#define IER_THRI 0x02 /* transmitter holding register empty */
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_FIFO 0xc0 /* FIFOs enabled, as a 16550A reports */
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define MSR_DCD_DSR_CTS 0xb0

#define RX_SIZE 64
#define TX_SIZE 256

struct vmm_serial
{
  struct vmm_vm *vm; /* NULL: no interrupts */
  unsigned irq;
  int out_fd;
  pthread_mutex_t lock; /* vCPU threads and the feeding thread share it */
  uint8_t ier, lcr, mcr, scr, dll, dlm;
  bool thri_pending; /* THR went empty and the guest has not seen it yet */
  bool irq_level;
  uint8_t rx[RX_SIZE];
  size_t rx_head, rx_len;
  uint8_t tx[TX_SIZE];
  size_t tx_len;
};

static int
write_all (int fd, const uint8_t *buf, size_t len, hy_error_t *err)
{
  while (len > 0)
    {
      ssize_t n = write (fd, buf, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return hy_error_set (err, errno, "serial: write guest output");
      buf += n;
      len -= (size_t)n;
    }
  return 0;
}

static int
flush_locked (struct vmm_serial *s, hy_error_t *err)
{
  int ret = write_all (s->out_fd, s->tx, s->tx_len, err);

  s->tx_len = 0;
  return ret;
}

/* The highest-priority pending interrupt, as IIR reports it. */
static uint8_t
pending_iir (const struct vmm_serial *s)
{
  if ((s->ier & IER_RDI) && s->rx_len > 0)
    return IIR_RDI;
  if ((s->ier & IER_THRI) && s->thri_pending)
    return IIR_THRI;
  return IIR_NONE;
}

/* Drive the IRQ line to match; only level changes reach KVM. */
static int
update_irq (struct vmm_serial *s, hy_error_t *err)
{
  bool level = pending_iir (s) != IIR_NONE && s->vm != NULL;

  if (level == s->irq_level)
    return 0;
  s->irq_level = level;
  return vmm_vm_irq_line (s->vm, s->irq, level, err);
}

static bool
rx_push (struct vmm_serial *s, uint8_t byte)
{
  if (s->rx_len == RX_SIZE)
    return false;
  s->rx[(s->rx_head + s->rx_len++) % RX_SIZE] = byte;
  return true;
}

static uint8_t
rx_pop (struct vmm_serial *s)
{
  uint8_t byte;

  if (s->rx_len == 0)
    return 0;
  byte = s->rx[s->rx_head];
  s->rx_head = (s->rx_head + 1) % RX_SIZE;
  s->rx_len--;
  return byte;
}

/* A byte from the guest: transmitted at once (the THR is empty again before
 * the guest can look), flushed at each newline or when the buffer fills. */
static int
transmit (struct vmm_serial *s, uint8_t byte, hy_error_t *err)
{
  s->thri_pending = true;
  if (s->mcr & MCR_LOOP)
    {
      rx_push (s, byte); /* loopback: the byte comes straight back */
      return 0;
    }
  s->tx[s->tx_len++] = byte;
  if (byte == '\n' || s->tx_len == TX_SIZE)
    return flush_locked (s, err);
  return 0;
}

static int
reg_write (struct vmm_serial *s, unsigned reg, uint8_t v, hy_error_t *err)
{
  bool dlab = s->lcr & LCR_DLAB;

  switch (reg)
    {
    case REG_DATA:
      if (dlab)
        s->dll = v;
      else if (transmit (s, v, err) < 0)
        return -1;
      break;
    case REG_IER:
      if (dlab)
        s->dlm = v;
      else
        {
          /* Enabling THRI with an empty THR raises it at once: Linux's
           * 8250 driver kicks transmission this way. */
          if ((v & IER_THRI) && !(s->ier & IER_THRI))
            s->thri_pending = true;
          s->ier = v & 0x0f;
        }
      break;
    case REG_IIR: /* FCR: the FIFOs are always on; nothing to configure */
      break;
    case REG_LCR:
      s->lcr = v;
      break;
    case REG_MCR:
      s->mcr = v & 0x1f;
      break;
    case REG_SCR:
      s->scr = v;
      break;
    default: /* LSR and MSR are read-only */
      break;
    }
  return 0;
}

static uint8_t
reg_read (struct vmm_serial *s, unsigned reg)
{
  bool dlab = s->lcr & LCR_DLAB;
  uint8_t iir;

  switch (reg)
    {
    case REG_DATA:
      return dlab ? s->dll : rx_pop (s);
    case REG_IER:
      return dlab ? s->dlm : s->ier;
    case REG_IIR:
      /* Reading IIR while it reports THRI acknowledges it. */
      iir = pending_iir (s);
      if (iir == IIR_THRI)
        s->thri_pending = false;
      return iir | IIR_FIFO;
    case REG_LCR:
      return s->lcr;
    case REG_MCR:
      return s->mcr;
    case REG_LSR:
      return LSR_THRE | LSR_TEMT | (s->rx_len > 0 ? LSR_DR : 0);
    case REG_MSR:
      return (s->mcr & MCR_LOOP) ? 0 : MSR_DCD_DSR_CTS;
    default:
      return s->scr;
    }
}

/* Bus callback: one register per byte; wider accesses touch only the
 * first (the 8250 has byte registers and no guest uses more). */
static int
serial_io (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  struct vmm_serial *s = opaque;
  unsigned reg = (unsigned)a->offset;
  int ret = 0;

  pthread_mutex_lock (&s->lock);
  if (a->is_write)
    ret = reg_write (s, reg, a->data[0], err);
  else
    {
      memset (a->data, 0, a->len);
      a->data[0] = reg_read (s, reg);
    }
  if (ret == 0)
    ret = update_irq (s, err);
  pthread_mutex_unlock (&s->lock);
  return ret;
}

struct vmm_serial *
vmm_serial_create (struct vmm_bus *bus, struct vmm_vm *vm, uint16_t port, unsigned irq, int out_fd,
                   hy_error_t *err)
{
  struct vmm_serial *s = xzalloc (sizeof (*s));

  s->vm = vm;
  s->irq = irq;
  s->out_fd = out_fd;
  s->dll = 12; /* 9600 baud, the reset divisor */
  pthread_mutex_init (&s->lock, NULL);
  if (vmm_bus_register (bus, VMM_BUS_PIO, port, 8, "serial", serial_io, s, err) < 0)
    {
      pthread_mutex_destroy (&s->lock);
      free (s);
      return NULL;
    }
  return s;
}

int
vmm_serial_flush (struct vmm_serial *s, hy_error_t *err)
{
  int ret;

  pthread_mutex_lock (&s->lock);
  ret = flush_locked (s, err);
  pthread_mutex_unlock (&s->lock);
  return ret;
}

void
vmm_serial_destroy (struct vmm_serial *s)
{
  if (s == NULL)
    return;
  /* Best effort: the VM is going away, there is nobody to tell. */
  vmm_serial_flush (s, NULL);
  pthread_mutex_destroy (&s->lock);
  free (s);
}

size_t
vmm_serial_feed (struct vmm_serial *s, const void *buf, size_t len)
{
  const uint8_t *p = buf;
  size_t n = 0;

  pthread_mutex_lock (&s->lock);
  while (n < len && rx_push (s, p[n]))
    n++;
  /* A failing KVM_IRQ_LINE shows up again on the guest's next access. */
  update_irq (s, NULL);
  pthread_mutex_unlock (&s->lock);
  return n;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The virtio-mmio transport, version 2 (virtio 1.1 §4.2.2): the register
 * file on the MMIO bus, feature negotiation in 32-bit halves, per-queue
 * setup, the interrupt (irqfd or IRQ-line pulses) and the device status
 * state machine as one table of legal transitions (§2.1, §3.1.1).  Devices
 * see only their ops callbacks. */
#include "kvm-shim/virtio/mmio.h"
#include "common/log.h"
#include "common/xalloc.h"

#include <endian.h>
#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Register offsets (§4.2.2, table "MMIO Device Register Layout"). */
enum
{
  REG_MAGIC = 0x000,
  REG_VERSION = 0x004,
  REG_DEVICE_ID = 0x008,
  REG_VENDOR_ID = 0x00c,
  REG_DEVICE_FEATURES = 0x010,
  REG_DEVICE_FEATURES_SEL = 0x014,
  REG_DRIVER_FEATURES = 0x020,
  REG_DRIVER_FEATURES_SEL = 0x024,
  REG_QUEUE_SEL = 0x030,
  REG_QUEUE_NUM_MAX = 0x034,
  REG_QUEUE_NUM = 0x038,
  REG_QUEUE_READY = 0x044,
  REG_QUEUE_NOTIFY = 0x050,
  REG_INTERRUPT_STATUS = 0x060,
  REG_INTERRUPT_ACK = 0x064,
  REG_STATUS = 0x070,
  REG_QUEUE_DESC_LOW = 0x080,
  REG_QUEUE_DESC_HIGH = 0x084,
  REG_QUEUE_DRIVER_LOW = 0x090,
  REG_QUEUE_DRIVER_HIGH = 0x094,
  REG_QUEUE_DEVICE_LOW = 0x0a0,
  REG_QUEUE_DEVICE_HIGH = 0x0a4,
  REG_SHM_LEN_LOW = 0x0b0,
  REG_SHM_LEN_HIGH = 0x0b4,
  REG_SHM_BASE_LOW = 0x0b8,
  REG_SHM_BASE_HIGH = 0x0bc,
  REG_CONFIG_GENERATION = 0x0fc,
  REG_CONFIG = 0x100,
};

#define MMIO_MAGIC 0x74726976 /* "virt" */
#define MMIO_VERSION 2
#define MMIO_VENDOR 0x4e525948 /* "HYRN" */
/* What the transport itself offers on top of the device's bits. */
#define TRANSPORT_FEATURES                                                                         \
  ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_EVENT_IDX))

static const unsigned slot_irqs[VIRTIO_MMIO_MAX_SLOTS] = { 5, 6, 9, 10, 11, 12, 14, 15 };

uint64_t
virtio_mmio_slot_base (unsigned slot)
{
  return VMM_MMIO_DEVICES_START + (uint64_t)slot * VIRTIO_MMIO_SLOT_SIZE;
}

unsigned
virtio_mmio_slot_irq (unsigned slot)
{
  return slot < VIRTIO_MMIO_MAX_SLOTS ? slot_irqs[slot] : 0;
}

/* ---- interrupts -------------------------------------------------------- */

void
virtio_dev_interrupt (struct virtio_dev *dev, uint32_t bits)
{
  uint64_t one = 1;

  atomic_fetch_or (&dev->interrupt_status, bits);
  atomic_fetch_add (&dev->n_interrupts, 1);
  /* An edge: the eventfd makes KVM pulse the GSI (irqfd), else we pulse
   * it ourselves.  Either works from any thread.  A failure cannot be
   * reported to anyone useful; the guest then sees the bit at its next
   * look at InterruptStatus. */
  if (dev->irqfd >= 0)
    {
      if (write (dev->irqfd, &one, sizeof (one)) < 0)
        hy_debug ("%s: irqfd write: %s", dev->ops->name, strerror (errno));
    }
  else if (dev->vm != NULL)
    {
      vmm_vm_irq_line (dev->vm, dev->irq, true, NULL);
      vmm_vm_irq_line (dev->vm, dev->irq, false, NULL);
    }
}

/* KVM_IRQFD when there is an in-kernel irqchip to route it to. */
static int
setup_irqfd (struct virtio_dev *dev, hy_error_t *err)
{
  struct kvm_irqfd req = { .gsi = dev->irq };

  dev->irqfd = -1;
  if (dev->vm == NULL || !dev->vm->irqchip)
    return 0;
  dev->irqfd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (dev->irqfd < 0)
    return hy_error_set (err, errno, "%s: eventfd", dev->ops->name);
  req.fd = (uint32_t)dev->irqfd;
  if (ioctl (dev->vm->vm_fd, KVM_IRQFD, &req) < 0)
    {
      /* Old or odd KVM: fall back to KVM_IRQ_LINE pulses. */
      hy_debug ("%s: KVM_IRQFD gsi %u: %s; using KVM_IRQ_LINE", dev->ops->name, dev->irq,
                strerror (errno));
      close (dev->irqfd);
      dev->irqfd = -1;
    }
  return 0;
}

/* The acknowledgement of a used-buffer interrupt (InterruptACK = VRING,
 * what Linux's vm_interrupt writes back after each one) ends in KVM as an
 * ioeventfd nobody reads, instead of an exit to this process: one exit to
 * the VMM fewer per interrupt (a 9P request made three: notify, status
 * read, acknowledgement).  The VRING bit then stays set once raised: it
 * says "look at the used rings", which a driver does on every interrupt
 * anyway (vring_interrupt finds nothing new and says IRQ_NONE); a write
 * of any other value (CONFIG, or both) still comes here and clears what
 * it names.  Only with irqfd: the interrupt is an edge, never a level
 * held by the status. */
static void
setup_ackfd (struct virtio_dev *dev)
{
  struct kvm_ioeventfd req = { .datamatch = VIRTIO_MMIO_INT_VRING,
                               .addr = dev->base + REG_INTERRUPT_ACK,
                               .len = 4,
                               .flags = KVM_IOEVENTFD_FLAG_DATAMATCH };

  dev->ackfd = -1;
  if (dev->irqfd < 0)
    return;
  dev->ackfd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (dev->ackfd < 0)
    return;
  req.fd = dev->ackfd;
  if (ioctl (dev->vm->vm_fd, KVM_IOEVENTFD, &req) < 0)
    {
      hy_debug ("%s: KVM_IOEVENTFD on InterruptACK: %s; acknowledged here", dev->ops->name,
                strerror (errno));
      close (dev->ackfd);
      dev->ackfd = -1;
    }
}

static void
teardown_ackfd (struct virtio_dev *dev)
{
  struct kvm_ioeventfd req
      = { .datamatch = VIRTIO_MMIO_INT_VRING,
          .addr = dev->base + REG_INTERRUPT_ACK,
          .len = 4,
          .flags = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_DEASSIGN };

  if (dev->ackfd < 0)
    return;
  req.fd = dev->ackfd;
  ioctl (dev->vm->vm_fd, KVM_IOEVENTFD, &req);
  close (dev->ackfd);
  dev->ackfd = -1;
}

static void
teardown_irqfd (struct virtio_dev *dev)
{
  struct kvm_irqfd req = { .gsi = dev->irq, .flags = KVM_IRQFD_FLAG_DEASSIGN };

  teardown_ackfd (dev);
  if (dev->irqfd < 0)
    return;
  req.fd = (uint32_t)dev->irqfd;
  ioctl (dev->vm->vm_fd, KVM_IRQFD, &req);
  close (dev->irqfd);
  dev->irqfd = -1;
}

/* ---- helpers for devices ----------------------------------------------- */

struct virtq *
virtio_dev_queue (struct virtio_dev *dev, uint16_t index)
{
  return index < dev->ops->n_queues ? &dev->queues[index] : NULL;
}

bool
virtio_dev_has_feature (const struct virtio_dev *dev, unsigned bit)
{
  return bit < 64 && (dev->features & (1ULL << bit));
}

bool
virtio_dev_is_live (const struct virtio_dev *dev)
{
  return (dev->status & VIRTIO_STATUS_DRIVER_OK) && !dev->broken;
}

void
virtio_dev_queue_done (struct virtio_dev *dev, uint16_t index)
{
  struct virtq *q = virtio_dev_queue (dev, index);

  if (q != NULL && virtio_dev_is_live (dev) && virtq_needs_interrupt (q))
    virtio_dev_interrupt (dev, VIRTIO_MMIO_INT_VRING);
}

void
virtio_dev_config_changed (struct virtio_dev *dev)
{
  dev->config_generation++;
  if (dev->status & VIRTIO_STATUS_DRIVER_OK)
    virtio_dev_interrupt (dev, VIRTIO_MMIO_INT_CONFIG);
}

void
virtio_dev_needs_reset (struct virtio_dev *dev, const char *why)
{
  if (dev->broken)
    return;
  hy_warn ("%s at 0x%llx: device needs reset: %s", dev->ops->name, (unsigned long long)dev->base,
           why);
  dev->broken = true;
  if (dev->status & VIRTIO_STATUS_DRIVER_OK)
    {
      dev->status |= VIRTIO_STATUS_NEEDS_RESET;
      virtio_dev_interrupt (dev, VIRTIO_MMIO_INT_CONFIG);
    }
}

/* A failed device callback: the device breaks, the VM goes on. */
static void
device_failed (struct virtio_dev *dev, hy_error_t *err)
{
  virtio_dev_needs_reset (dev, *err ? (*err)->msg : "device failure");
  hy_error_free (err);
}

/* ---- the status state machine ------------------------------------------ */

#define S_ACK VIRTIO_STATUS_ACKNOWLEDGE
#define S_DRV (S_ACK | VIRTIO_STATUS_DRIVER)
#define S_FEAT (S_DRV | VIRTIO_STATUS_FEATURES_OK)
#define S_LIVE (S_FEAT | VIRTIO_STATUS_DRIVER_OK)

/* An action returns 1 to take the transition, 0 to refuse it (the status
 * stays as it was and the driver sees so when it reads back). */
typedef int (*status_action) (struct virtio_dev *dev);

/* FEATURES_OK: the driver's set must be one we offered and include
 * VERSION_1, the only mode a v2 MMIO device speaks (§6.1). */
static int
accept_features (struct virtio_dev *dev)
{
  if (!(dev->features & (1ULL << VIRTIO_F_VERSION_1)))
    {
      hy_debug ("%s: driver features 0x%llx lack VERSION_1: FEATURES_OK refused", dev->ops->name,
                (unsigned long long)dev->features);
      return 0;
    }
  if (dev->features & ~dev->offered)
    {
      hy_debug ("%s: driver features 0x%llx not offered: FEATURES_OK refused", dev->ops->name,
                (unsigned long long)(dev->features & ~dev->offered));
      return 0;
    }
  return 1;
}

/* DRIVER_OK: map every ready queue, then start the device.  A ring that
 * is not guest RAM breaks the device (§2.1.2 NEEDS_RESET), the status
 * still reads DRIVER_OK as the driver wrote it. */
static int
activate (struct virtio_dev *dev)
{
  cleanup_error hy_error_t err = NULL;
  uint16_t i;

  for (i = 0; i < dev->ops->n_queues; i++)
    {
      struct virtq *q = &dev->queues[i];

      if (q->ready && virtq_activate (q, dev->mem, dev->features, &err) < 0)
        {
          hy_error_prefix (&err, "queue %u", i);
          dev->status = S_LIVE;
          device_failed (dev, &err);
          return 1;
        }
    }
  dev->status = S_LIVE;
  if (dev->ops->activate && dev->ops->activate (dev, &err) < 0)
    device_failed (dev, &err);
  return 1;
}

struct transition
{
  uint8_t from, to;
  status_action action; /* NULL: just take it */
};

/* The forward path of §3.1.1; reset (0) and FAILED are handled apart
 * because they are legal from every state. */
static const struct transition transitions[] = {
  { 0, S_ACK, NULL },
  { S_ACK, S_DRV, NULL },
  { S_DRV, S_FEAT, accept_features },
  { S_FEAT, S_LIVE, activate },
};

static void
reset (struct virtio_dev *dev)
{
  uint16_t i;

  dev->status = 0;
  dev->features = 0;
  dev->device_features_sel = dev->driver_features_sel = dev->queue_sel = 0;
  dev->broken = false;
  for (i = 0; i < dev->ops->n_queues; i++)
    virtq_reset (&dev->queues[i], dev->ops->queue_max);
  atomic_store (&dev->interrupt_status, 0);
  if (dev->ops->reset)
    dev->ops->reset (dev);
}

static void
write_status (struct virtio_dev *dev, uint32_t value)
{
  uint8_t cur = dev->status & ~VIRTIO_STATUS_NEEDS_RESET;
  uint8_t to = (uint8_t)value & ~VIRTIO_STATUS_NEEDS_RESET; /* the device's bit */
  size_t i;

  if (value == 0)
    {
      reset (dev);
      return;
    }
  if (value > 0xff || to == cur || (cur & VIRTIO_STATUS_FAILED))
    return; /* only a reset leaves FAILED */
  if (to == (cur | VIRTIO_STATUS_FAILED))
    {
      dev->status |= VIRTIO_STATUS_FAILED; /* the driver gave up */
      return;
    }
  for (i = 0; i < sizeof (transitions) / sizeof (transitions[0]); i++)
    {
      const struct transition *t = &transitions[i];

      if (t->from != cur || t->to != to)
        continue;
      if (t->action == NULL || t->action (dev) > 0)
        dev->status = (dev->status & VIRTIO_STATUS_NEEDS_RESET) | to;
      return;
    }
  hy_debug ("%s: status 0x%x -> 0x%x is not a legal transition: ignored", dev->ops->name, cur, to);
}

/* ---- registers --------------------------------------------------------- */

static struct virtq *
selected_queue (struct virtio_dev *dev)
{
  return dev->queue_sel < dev->ops->n_queues ? &dev->queues[dev->queue_sel] : NULL;
}

static uint32_t
read_queue_reg (struct virtio_dev *dev, uint64_t reg)
{
  struct virtq *q = selected_queue (dev);

  if (q == NULL)
    return 0; /* QueueNumMax 0: "queue not available" */
  switch (reg)
    {
    case REG_QUEUE_NUM_MAX:
      return dev->ops->queue_max;
    case REG_QUEUE_NUM:
      return q->size;
    case REG_QUEUE_READY:
      return q->ready;
    case REG_QUEUE_DESC_LOW:
      return (uint32_t)q->desc_gpa;
    case REG_QUEUE_DESC_HIGH:
      return (uint32_t)(q->desc_gpa >> 32);
    case REG_QUEUE_DRIVER_LOW:
      return (uint32_t)q->avail_gpa;
    case REG_QUEUE_DRIVER_HIGH:
      return (uint32_t)(q->avail_gpa >> 32);
    case REG_QUEUE_DEVICE_LOW:
      return (uint32_t)q->used_gpa;
    default: /* REG_QUEUE_DEVICE_HIGH */
      return (uint32_t)(q->used_gpa >> 32);
    }
}

static uint32_t
read_reg (struct virtio_dev *dev, uint64_t reg)
{
  switch (reg)
    {
    case REG_MAGIC:
      return MMIO_MAGIC;
    case REG_VERSION:
      return MMIO_VERSION;
    case REG_DEVICE_ID:
      return dev->ops->device_id;
    case REG_VENDOR_ID:
      return MMIO_VENDOR;
    case REG_DEVICE_FEATURES:
      return dev->device_features_sel > 1
                 ? 0
                 : (uint32_t)(dev->offered >> (32 * dev->device_features_sel));
    case REG_QUEUE_NUM_MAX:
    case REG_QUEUE_NUM:
    case REG_QUEUE_READY:
    case REG_QUEUE_DESC_LOW ... REG_QUEUE_DESC_HIGH:
    case REG_QUEUE_DRIVER_LOW ... REG_QUEUE_DRIVER_HIGH:
    case REG_QUEUE_DEVICE_LOW ... REG_QUEUE_DEVICE_HIGH:
      return read_queue_reg (dev, reg);
    case REG_INTERRUPT_STATUS:
      return atomic_load (&dev->interrupt_status);
    case REG_STATUS:
      return dev->status;
    case REG_SHM_LEN_LOW ... REG_SHM_BASE_HIGH:
      return 0xffffffff; /* no shared memory regions (§4.2.2) */
    case REG_CONFIG_GENERATION:
      return dev->config_generation;
    default:
      return 0;
    }
}

static void
set_half (uint64_t *v, bool high, uint32_t half)
{
  if (high)
    *v = (*v & 0xffffffffULL) | ((uint64_t)half << 32);
  else
    *v = (*v & ~0xffffffffULL) | half;
}

/* Queue registers are the driver's to write between FEATURES_OK and
 * DRIVER_OK, while the queue is not ready (§4.2.3.2); otherwise ignored. */
static void
write_queue_reg (struct virtio_dev *dev, uint64_t reg, uint32_t v)
{
  struct virtq *q = selected_queue (dev);

  if (q == NULL || (dev->status & S_LIVE) != S_FEAT)
    return;
  if (reg == REG_QUEUE_READY)
    {
      q->ready = v == 1;
      return;
    }
  if (q->ready)
    return;
  switch (reg)
    {
    case REG_QUEUE_NUM:
      q->size = (uint16_t)(v > VIRTQ_SIZE_MAX || v > dev->ops->queue_max ? 0 : v);
      break;
    case REG_QUEUE_DESC_LOW:
    case REG_QUEUE_DESC_HIGH:
      set_half (&q->desc_gpa, reg == REG_QUEUE_DESC_HIGH, v);
      break;
    case REG_QUEUE_DRIVER_LOW:
    case REG_QUEUE_DRIVER_HIGH:
      set_half (&q->avail_gpa, reg == REG_QUEUE_DRIVER_HIGH, v);
      break;
    default: /* REG_QUEUE_DEVICE_LOW/HIGH */
      set_half (&q->used_gpa, reg == REG_QUEUE_DEVICE_HIGH, v);
      break;
    }
}

static void
notify (struct virtio_dev *dev, uint32_t index)
{
  cleanup_error hy_error_t err = NULL;

  if (!virtio_dev_is_live (dev) || index >= dev->ops->n_queues || !dev->queues[index].active)
    return;
  if (dev->ops->queue_notify && dev->ops->queue_notify (dev, (uint16_t)index, &err) < 0)
    device_failed (dev, &err);
}

static void
write_reg (struct virtio_dev *dev, uint64_t reg, uint32_t v)
{
  switch (reg)
    {
    case REG_DEVICE_FEATURES_SEL:
      dev->device_features_sel = v;
      break;
    case REG_DRIVER_FEATURES_SEL:
      dev->driver_features_sel = v;
      break;
    case REG_DRIVER_FEATURES:
      /* Only while negotiating (§3.1.1 step 5). */
      if ((dev->status & S_LIVE) == S_DRV && dev->driver_features_sel <= 1)
        set_half (&dev->features, dev->driver_features_sel == 1, v);
      break;
    case REG_QUEUE_SEL:
      dev->queue_sel = v;
      break;
    case REG_QUEUE_NUM:
    case REG_QUEUE_READY:
    case REG_QUEUE_DESC_LOW ... REG_QUEUE_DESC_HIGH:
    case REG_QUEUE_DRIVER_LOW ... REG_QUEUE_DRIVER_HIGH:
    case REG_QUEUE_DEVICE_LOW ... REG_QUEUE_DEVICE_HIGH:
      write_queue_reg (dev, reg, v);
      break;
    case REG_QUEUE_NOTIFY:
      notify (dev, v);
      break;
    case REG_INTERRUPT_ACK:
      atomic_fetch_and (&dev->interrupt_status, ~v);
      break;
    case REG_STATUS:
      write_status (dev, v);
      break;
    default: /* read-only or reserved */
      break;
    }
}

/* Config space: any width the device's layout has (1, 2, 4, 8). */
static void
config_access (struct virtio_dev *dev, struct vmm_bus_access *a)
{
  uint64_t off = a->offset - REG_CONFIG;

  if (off >= dev->ops->config_size || a->len > dev->ops->config_size - off)
    {
      if (!a->is_write)
        memset (a->data, 0, a->len);
      return;
    }
  if (a->is_write)
    {
      if (dev->ops->config_write)
        dev->ops->config_write (dev, (uint32_t)off, a->data, a->len);
    }
  else if (dev->ops->config_read)
    dev->ops->config_read (dev, (uint32_t)off, a->data, a->len);
  else
    memset (a->data, 0, a->len);
}

/* Bus callback.  Registers are 32-bit, naturally aligned (§4.2.2.2: the
 * driver MUST use 32-bit accesses); other accesses read 0 and write
 * nothing.  Never fails: a misbehaving guest breaks its device only. */
static int
mmio_access (void *opaque, struct vmm_bus_access *a, hy_error_t *err)
{
  struct virtio_dev *dev = opaque;
  uint32_t v;

  pthread_mutex_lock (&dev->lock);
  if (a->offset >= REG_CONFIG)
    config_access (dev, a);
  else if (a->len != 4 || a->offset % 4 != 0)
    {
      if (!a->is_write)
        memset (a->data, 0, a->len);
    }
  else if (a->is_write)
    {
      memcpy (&v, a->data, 4);
      write_reg (dev, a->offset, le32toh (v));
    }
  else
    {
      v = htole32 (read_reg (dev, a->offset));
      memcpy (a->data, &v, 4);
    }
  pthread_mutex_unlock (&dev->lock);
  return 0;
}

/* ---- life cycle -------------------------------------------------------- */

int
virtio_dev_init (struct virtio_dev *dev, const struct virtio_dev_ops *ops,
                 const struct virtio_mmio_params *p, hy_error_t *err)
{
  uint16_t i;

  if (ops->n_queues == 0 || ops->n_queues > VIRTIO_MAX_QUEUES || ops->queue_max == 0
      || ops->queue_max > VIRTQ_SIZE_MAX || (ops->queue_max & (ops->queue_max - 1))
      || ops->config_size > 0x100)
    return hy_error_set (err, 0, "%s: bad ops table (queues %u of %u, config %u)", ops->name,
                         ops->n_queues, ops->queue_max, ops->config_size);
  memset (dev, 0, sizeof (*dev));
  dev->irqfd = dev->ackfd = -1;
  dev->ops = ops;
  dev->vm = p->vm;
  dev->mem = p->mem ? p->mem : (p->vm ? p->vm->mem : NULL);
  dev->base = p->base;
  dev->irq = p->irq;
  dev->offered = ops->features | TRANSPORT_FEATURES;
  for (i = 0; i < ops->n_queues; i++)
    virtq_reset (&dev->queues[i], ops->queue_max);
  if (dev->mem == NULL)
    return hy_error_set (err, 0, "%s: no guest memory", ops->name);
  pthread_mutex_init (&dev->lock, NULL);
  if (setup_irqfd (dev, err) < 0)
    {
      virtio_dev_fini (dev);
      return -1;
    }
  setup_ackfd (dev);
  if (vmm_bus_register (p->bus, VMM_BUS_MMIO, p->base, VIRTIO_MMIO_REGION_SIZE, ops->name,
                        mmio_access, dev, err)
      < 0)
    {
      virtio_dev_fini (dev);
      return -1;
    }
  return 0;
}

void
virtio_dev_fini (struct virtio_dev *dev)
{
  if (dev->ops == NULL)
    return;
  teardown_irqfd (dev);
  pthread_mutex_destroy (&dev->lock);
  dev->ops = NULL;
}

char *
virtio_mmio_cmdline (const struct virtio_dev *dev)
{
  /* Parsed by Linux's vm_cmdline_set(): <size>@<base>:<irq>. */
  return xasprintf ("virtio_mmio.device=0x%x@0x%llx:%u", VIRTIO_MMIO_REGION_SIZE,
                    (unsigned long long)dev->base, dev->irq);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The virtio-mmio transport, version 2 (virtio 1.1 §4.2.2), and the common
 * device every virtio device embeds.  The transport owns the register file,
 * feature negotiation, queue setup, the interrupt and the device status
 * state machine; a device only supplies a const ops table and reacts to
 * activate / queue notify / reset (the Firecracker split).
 *
 * Locking: each device has one mutex, dev->lock.  The transport holds it
 * around every register access and every ops call; a device's host-side
 * threads (the event loop, loop.h) take it before touching the device's
 * queues.  Interrupts may be raised from any thread. */
#ifndef VIRTIO_MMIO_H
#define VIRTIO_MMIO_H

#include "common/error.h"
#include "kvm-shim/virtio/queue.h"
#include "kvm-shim/vmm/bus.h"
#include "kvm-shim/vmm/layout.h"
#include "kvm-shim/vmm/mem.h"
#include "kvm-shim/vmm/vm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Device status bits (§2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01
#define VIRTIO_STATUS_DRIVER 0x02
#define VIRTIO_STATUS_DRIVER_OK 0x04
#define VIRTIO_STATUS_FEATURES_OK 0x08
#define VIRTIO_STATUS_NEEDS_RESET 0x40
#define VIRTIO_STATUS_FAILED 0x80

/* InterruptStatus bits (§4.2.2). */
#define VIRTIO_MMIO_INT_VRING 0x1
#define VIRTIO_MMIO_INT_CONFIG 0x2

/* Device ids (§5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_CONSOLE 3
#define VIRTIO_ID_9P 9
#define VIRTIO_ID_VSOCK 19

/* Device placement: slot i is the 4 KiB page at VMM_MMIO_DEVICES_START +
 * i * 4 KiB, of which the registers use 0x200 bytes, and raises ISA IRQ
 * virtio_mmio_slot_irq(i).  The IRQs stay below 16 so they work through
 * the in-kernel PIC (no MP table, no ACPI) as well as the IOAPIC: both
 * treat them as edge-triggered, active high, and the transport pulses
 * them.  Skipped: 0-2 (timer, keyboard, cascade), 3-4 (COM2, COM1), 7
 * (the PIC's spurious vector), 8 (CMOS RTC), 13 (FPU). */
#define VIRTIO_MMIO_REGION_SIZE 0x200
#define VIRTIO_MMIO_SLOT_SIZE 0x1000
#define VIRTIO_MMIO_MAX_SLOTS 8
uint64_t virtio_mmio_slot_base (unsigned slot);
unsigned virtio_mmio_slot_irq (unsigned slot); /* 0 when slot >= VIRTIO_MMIO_MAX_SLOTS */

/* Queues per device, at most. */
#define VIRTIO_MAX_QUEUES 64

struct virtio_dev;

/* What a device supplies, one const table per device type.  Every callback
 * runs with dev->lock held.  A callback that fails returns -1 with *err
 * set: the transport then marks the device DEVICE_NEEDS_RESET (the guest
 * sees a broken device, the VM keeps running). */
struct virtio_dev_ops
{
  const char *name;     /* "virtio-console": bus range name, errors */
  uint32_t device_id;   /* VIRTIO_ID_* */
  uint16_t n_queues;    /* 1..VIRTIO_MAX_QUEUES */
  uint16_t queue_max;   /* QueueNumMax of every queue: a power of two <= 32768 */
  uint64_t features;    /* device-specific bits offered; the transport adds
                           VERSION_1, INDIRECT_DESC and EVENT_IDX */
  uint32_t config_size; /* bytes of device config space (<= 0x100) */
  /* Config space accesses, offset + len <= config_size (checked). */
  void (*config_read) (struct virtio_dev *dev, uint32_t offset, void *data, uint32_t len);
  void (*config_write) (struct virtio_dev *dev, uint32_t offset, const void *data, uint32_t len);
  /* The driver wrote QueueNotify for queue `index` (only after DRIVER_OK,
   * never for a broken device). */
  int (*queue_notify) (struct virtio_dev *dev, uint16_t index, hy_error_t *err);
  /* DRIVER_OK: features negotiated, ready queues validated. */
  int (*activate) (struct virtio_dev *dev, hy_error_t *err);
  /* The driver wrote 0 to Status; the transport has reset the queues. */
  void (*reset) (struct virtio_dev *dev);
};

/* How a device is attached: the bus it registers on, the VM whose
 * irqchip it interrupts (NULL: none, the guest polls; tests), guest RAM,
 * and its slot (virtio_mmio_slot_base/irq) or any base and IRQ. */
struct virtio_mmio_params
{
  struct vmm_bus *bus;
  struct vmm_vm *vm;
  struct vmm_mem *mem;
  uint64_t base;
  unsigned irq;
};

/* The common device.  Devices embed it first-class (container_of back)
 * and read only ops, mem, lock and the helpers below; the rest is the
 * transport's. */
struct virtio_dev
{
  const struct virtio_dev_ops *ops;
  struct vmm_vm *vm;
  struct vmm_mem *mem;
  uint64_t base;
  unsigned irq;
  int irqfd;            /* eventfd wired with KVM_IRQFD, or -1 */
  int ackfd;            /* eventfd of the in-kernel InterruptACK of VRING, or -1 */
  pthread_mutex_t lock; /* see the header comment */

  uint8_t status;
  uint64_t offered;  /* ops->features | transport bits */
  uint64_t features; /* the driver's, negotiated at FEATURES_OK */
  uint32_t device_features_sel, driver_features_sel, queue_sel;
  uint32_t config_generation;
  bool broken; /* DEVICE_NEEDS_RESET: no more queue work until reset */
  struct virtq queues[VIRTIO_MAX_QUEUES];

  atomic_uint interrupt_status;
  atomic_ulong n_interrupts; /* raised so far (tests, metrics) */
};

#define virtio_container_of(ptr, type, member)                                                     \
  ((type *)(void *)((char *)(ptr)-offsetof (type, member)))

/* Register the device's registers on the bus at p->base and set up its
 * interrupt (KVM_IRQFD when the VM has an in-kernel irqchip, KVM_IRQ_LINE
 * pulses otherwise).  The bus keeps a pointer to dev: destroy the device
 * only after every vCPU has stopped. */
int virtio_dev_init (struct virtio_dev *dev, const struct virtio_dev_ops *ops,
                     const struct virtio_mmio_params *p, hy_error_t *err);
void virtio_dev_fini (struct virtio_dev *dev);

/* The kernel command-line fragment that declares the device to Linux's
 * virtio_mmio driver: "virtio_mmio.device=0x200@0xd0000000:5" (malloc'd). */
char *virtio_mmio_cmdline (const struct virtio_dev *dev);

/* Helpers for devices; all with dev->lock held. */

/* Queue `index`, or NULL when out of range. */
struct virtq *virtio_dev_queue (struct virtio_dev *dev, uint16_t index);
bool virtio_dev_has_feature (const struct virtio_dev *dev, unsigned bit);
/* DRIVER_OK set and not broken: queues may be used. */
bool virtio_dev_is_live (const struct virtio_dev *dev);
/* After pushing to queue `index`: interrupt the driver if the queue says
 * it must (virtq_needs_interrupt). */
void virtio_dev_queue_done (struct virtio_dev *dev, uint16_t index);
/* The device config changed: bump ConfigGeneration, config interrupt. */
void virtio_dev_config_changed (struct virtio_dev *dev);
/* The guest broke a rule (or the device cannot go on): set
 * DEVICE_NEEDS_RESET, send a config interrupt (§2.1.2), stop all queue
 * work until the driver resets the device.  `why` is logged. */
void virtio_dev_needs_reset (struct virtio_dev *dev, const char *why);

/* Any thread, lock or not: set InterruptStatus bits and pulse the IRQ. */
void virtio_dev_interrupt (struct virtio_dev *dev, uint32_t bits);

#endif

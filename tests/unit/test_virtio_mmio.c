/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The virtio-mmio transport driven through vmm_bus_dispatch as a driver
 * would: identification registers, the status state machine (legal
 * sequence, illegal transitions, FEATURES_OK refused without VERSION_1),
 * queue setup rules, interrupt status and acknowledge, reset, and a guest
 * that breaks the rules ending in DEVICE_NEEDS_RESET.  An echo device
 * stands behind it.  No KVM needed. */
#include "kvm-shim/virtio/mmio.h"
#include "tests/unit/tap.h"
#include "tests/unit/virtio_driver.h"

#include <stdlib.h>
#include <string.h>

#define BASE 0xd0000000ULL
#define V1 (1ULL << VIRTIO_F_VERSION_1)

struct echo
{
  struct virtio_dev dev;
  int notifies, activates, resets;
};

static void
echo_config_read (struct virtio_dev *dev, uint32_t offset, void *data, uint32_t len)
{
  static const uint8_t config[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

  memcpy (data, config + offset, len);
}

/* Every chain on queue 0 comes back with its readable length. */
static int
echo_notify (struct virtio_dev *dev, uint16_t index, hy_error_t *err)
{
  struct echo *e = virtio_container_of (dev, struct echo, dev);
  cleanup_virtq_chain struct virtq_chain c = { 0 };
  struct virtq *q = virtio_dev_queue (dev, index);
  int r;

  e->notifies++;
  while ((r = virtq_pop (q, &c, err)) > 0)
    if (virtq_push (q, c.head, c.readable_len, err) < 0)
      return -1;
  virtio_dev_queue_done (dev, index);
  return r;
}

static int
echo_activate (struct virtio_dev *dev, hy_error_t *err)
{
  virtio_container_of (dev, struct echo, dev)->activates++;
  return 0;
}

static void
echo_reset (struct virtio_dev *dev)
{
  virtio_container_of (dev, struct echo, dev)->resets++;
}

static const struct virtio_dev_ops echo_ops = {
  .name = "echo",
  .device_id = 42,
  .n_queues = 2,
  .queue_max = 16,
  .features = (1ULL << 0) | (1ULL << 5),
  .config_size = 8,
  .config_read = echo_config_read,
  .queue_notify = echo_notify,
  .activate = echo_activate,
  .reset = echo_reset,
};

struct fx
{
  struct vmm_bus *bus;
  struct vmm_mem *mem;
  struct echo echo;
  struct drv drv;
};

static void
fx_init (struct fx *f)
{
  struct virtio_mmio_params p;

  memset (f, 0, sizeof (*f));
  f->bus = vmm_bus_create ();
  f->mem = vmm_mem_create (1 << 20, false, NULL);
  p = (struct virtio_mmio_params){ .bus = f->bus, .mem = f->mem, .base = BASE, .irq = 5 };
  if (virtio_dev_init (&f->echo.dev, &echo_ops, &p, NULL) < 0)
    abort ();
  f->drv = (struct drv){ .bus = f->bus, .mem = f->mem, .base = BASE, .next_gpa = 0x1000 };
}

static void
fx_fini (struct fx *f)
{
  virtio_dev_fini (&f->echo.dev);
  vmm_mem_destroy (f->mem);
  vmm_bus_destroy (f->bus);
}

static uint32_t
status (struct fx *f)
{
  return drv_read (&f->drv, 0x70);
}

static void
test_identity (void)
{
  struct fx f;
  uint64_t features;
  char *cmdline;
  uint8_t b = 0;

  fx_init (&f);
  tap_ok (drv_read (&f.drv, 0) == 0x74726976 && drv_read (&f.drv, 4) == 2,
          "magic \"virt\" and version 2");
  tap_ok (drv_read (&f.drv, 8) == 42 && drv_read (&f.drv, 0xc) != 0, "device id and a vendor id");
  features = drv_device_features (&f.drv);
  tap_ok (features
              == (V1 | (1ULL << VIRTIO_F_EVENT_IDX) | (1ULL << VIRTIO_F_INDIRECT_DESC) | 1
                  | (1ULL << 5)),
          "features: the device's bits plus VERSION_1, EVENT_IDX, INDIRECT_DESC (0x%llx)",
          (unsigned long long)features);
  vmm_bus_dispatch (f.bus, VMM_BUS_MMIO, BASE + 0x102, &b, 1, false, NULL);
  tap_ok (b == 3, "a 1-byte config read at offset 2");
  tap_ok (drv_read (&f.drv, 0x106) == 0 && drv_read (&f.drv, 0x104) == 0x08070605,
          "config reads past the config size give 0, inside it the bytes");
  tap_ok (drv_read (&f.drv, 0xb0) == 0xffffffff, "no shared memory region (SHMLen reads ~0)");
  cmdline = virtio_mmio_cmdline (&f.echo.dev);
  tap_ok (strcmp (cmdline, "virtio_mmio.device=0x200@0xd0000000:5") == 0, "command line: %s",
          cmdline);
  free (cmdline);
  tap_ok (virtio_mmio_slot_base (1) == VMM_MMIO_DEVICES_START + 0x1000
              && virtio_mmio_slot_irq (0) == 5 && virtio_mmio_slot_irq (2) == 9
              && virtio_mmio_slot_irq (VIRTIO_MMIO_MAX_SLOTS) == 0,
          "slots: 4 KiB apart, IRQ 5, 6, then 9 (8 is the RTC's)");
  fx_fini (&f);
}

static void
test_legal_sequence (void)
{
  struct fx f;

  fx_init (&f);
  drv_add_status (&f.drv, VIRTIO_STATUS_ACKNOWLEDGE);
  tap_ok (status (&f) == 1, "0 -> ACKNOWLEDGE");
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER);
  tap_ok (status (&f) == 3, "ACKNOWLEDGE -> DRIVER");
  drv_set_features (&f.drv, V1 | 1);
  drv_add_status (&f.drv, VIRTIO_STATUS_FEATURES_OK);
  tap_ok (status (&f) == 0xb, "DRIVER -> FEATURES_OK with VERSION_1");
  drv_set_features (&f.drv, V1 | (1ULL << 5));
  tap_ok (f.echo.dev.features == (V1 | 1), "feature writes after FEATURES_OK are ignored");
  drv_setup_queue (&f.drv, 0, 8);
  tap_ok (f.echo.activates == 0, "nothing activated before DRIVER_OK");
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER_OK);
  tap_ok (status (&f) == 0xf && f.echo.activates == 1, "FEATURES_OK -> DRIVER_OK activates once");
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER_OK);
  tap_ok (f.echo.activates == 1, "writing DRIVER_OK again does nothing");
  fx_fini (&f);
}

static void
test_illegal_transitions (void)
{
  struct fx f;

  fx_init (&f);
  drv_write (&f.drv, 0x70, VIRTIO_STATUS_DRIVER);
  tap_ok (status (&f) == 0, "DRIVER without ACKNOWLEDGE is ignored");
  drv_write (&f.drv, 0x70, 0xf);
  tap_ok (status (&f) == 0 && f.echo.activates == 0, "everything at once from 0 is ignored");
  drv_add_status (&f.drv, VIRTIO_STATUS_ACKNOWLEDGE);
  drv_add_status (&f.drv, VIRTIO_STATUS_FEATURES_OK);
  tap_ok (status (&f) == 1, "FEATURES_OK before DRIVER is ignored");
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER);
  drv_set_features (&f.drv, V1);
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER_OK);
  tap_ok (status (&f) == 3 && f.echo.activates == 0, "DRIVER_OK skipping FEATURES_OK is ignored");
  drv_write (&f.drv, 0x70, 1);
  tap_ok (status (&f) == 3, "clearing a bit (other than by reset) is ignored");
  drv_add_status (&f.drv, VIRTIO_STATUS_FAILED);
  tap_ok (status (&f) == 0x83, "FAILED is taken from any state");
  drv_add_status (&f.drv, VIRTIO_STATUS_FEATURES_OK);
  tap_ok (status (&f) == 0x83, "after FAILED only a reset is taken");
  drv_write (&f.drv, 0x70, 0);
  tap_ok (status (&f) == 0 && f.echo.resets == 1, "writing 0 resets");
  fx_fini (&f);
}

static void
test_feature_refusals (void)
{
  struct fx f;

  fx_init (&f);
  drv_add_status (&f.drv, VIRTIO_STATUS_ACKNOWLEDGE);
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER);
  drv_set_features (&f.drv, 1);
  drv_add_status (&f.drv, VIRTIO_STATUS_FEATURES_OK);
  tap_ok (status (&f) == 3, "a feature set without VERSION_1: FEATURES_OK reads back clear");
  drv_set_features (&f.drv, V1 | (1ULL << 60));
  drv_add_status (&f.drv, VIRTIO_STATUS_FEATURES_OK);
  tap_ok (status (&f) == 3, "a feature the device did not offer: FEATURES_OK refused");
  drv_set_features (&f.drv, V1);
  drv_add_status (&f.drv, VIRTIO_STATUS_FEATURES_OK);
  tap_ok (status (&f) == 0xb, "the driver may retry with a valid set");
  fx_fini (&f);
}

static void
test_queue_rules (void)
{
  struct fx f;

  fx_init (&f);
  drv_add_status (&f.drv, VIRTIO_STATUS_ACKNOWLEDGE);
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER);
  drv_write (&f.drv, 0x30, 0);
  drv_write (&f.drv, 0x38, 4);
  tap_ok (drv_read (&f.drv, 0x38) == 16, "QueueNum writes before FEATURES_OK are ignored");
  tap_ok (drv_read (&f.drv, 0x34) == 16, "QueueNumMax is the device's");
  drv_write (&f.drv, 0x30, 2);
  tap_ok (drv_read (&f.drv, 0x34) == 0, "QueueNumMax of a queue that does not exist is 0");
  drv_set_features (&f.drv, V1);
  drv_add_status (&f.drv, VIRTIO_STATUS_FEATURES_OK);
  drv_setup_queue (&f.drv, 0, 8);
  tap_ok (drv_read (&f.drv, 0x44) == 1 && drv_read (&f.drv, 0x38) == 8, "queue 0 set up, ready");
  drv_write (&f.drv, 0x38, 4);
  tap_ok (drv_read (&f.drv, 0x38) == 8, "QueueNum of a ready queue cannot change");
  /* Queue 1: rings outside guest RAM. */
  drv_write (&f.drv, 0x30, 1);
  drv_write (&f.drv, 0x38, 8);
  drv_write (&f.drv, 0x80, 0xfff00000);
  drv_write (&f.drv, 0x44, 1);
  drv_add_status (&f.drv, VIRTIO_STATUS_DRIVER_OK);
  tap_ok ((status (&f) & VIRTIO_STATUS_NEEDS_RESET) && f.echo.activates == 0,
          "a ring outside RAM at DRIVER_OK: DEVICE_NEEDS_RESET, the device is not activated");
  tap_ok (drv_read (&f.drv, 0x60) & VIRTIO_MMIO_INT_CONFIG, "... with a config interrupt");
  drv_add_status (&f.drv, 0);
  tap_ok (status (&f) & VIRTIO_STATUS_NEEDS_RESET, "the driver's writes keep NEEDS_RESET");
  drv_write (&f.drv, 0x70, 0);
  tap_ok (status (&f) == 0 && drv_read (&f.drv, 0x60) == 0, "reset clears it");
  fx_fini (&f);
}

static void
test_interrupts_and_reset (void)
{
  struct fx f;
  uint32_t len;
  void *buf;

  fx_init (&f);
  drv_init (&f.drv, V1 | (1ULL << VIRTIO_F_EVENT_IDX), 1, 8);
  drv_offer (&f.drv, 0, "abc", 3, false);
  drv_notify (&f.drv, 0);
  tap_ok (f.echo.notifies == 1 && drv_used (&f.drv, 0, &buf, &len) && len == 3,
          "QueueNotify reaches the device, which returns the chain");
  tap_ok (drv_read (&f.drv, 0x60) == VIRTIO_MMIO_INT_VRING && f.echo.dev.n_interrupts == 1,
          "InterruptStatus shows a used-buffer interrupt");
  drv_write (&f.drv, 0x64, VIRTIO_MMIO_INT_VRING);
  tap_ok (drv_read (&f.drv, 0x60) == 0, "InterruptACK clears it");
  drv_notify (&f.drv, 7);
  tap_ok (f.echo.notifies == 1, "a notify for a queue that does not exist is ignored");
  drv_write (&f.drv, 0x70, 0);
  drv_write (&f.drv, 0x30, 0);
  tap_ok (drv_read (&f.drv, 0x44) == 0 && drv_read (&f.drv, 0x38) == 16
              && drv_read (&f.drv, 0x80) == 0 && f.echo.resets == 2,
          "reset: queue 0 not ready, size back to the maximum, addresses 0, the device told");
  drv_notify (&f.drv, 0);
  tap_ok (f.echo.notifies == 1, "a notify before DRIVER_OK is ignored");
  fx_fini (&f);
}

static void
test_broken_guest (void)
{
  struct fx f;

  fx_init (&f);
  drv_init (&f.drv, V1, 1, 8);
  /* A chain whose descriptor points past the end of RAM. */
  f.drv.q[0].desc[0] = (struct virtq_desc){ .addr = 0xfffff0, .len = 64 };
  f.drv.q[0].avail->ring[0] = 0;
  f.drv.q[0].avail->idx = 1;
  drv_notify (&f.drv, 0);
  tap_ok (status (&f) == (0xf | VIRTIO_STATUS_NEEDS_RESET),
          "a chain outside RAM: DEVICE_NEEDS_RESET, the VMM goes on");
  tap_ok (drv_read (&f.drv, 0x60) & VIRTIO_MMIO_INT_CONFIG, "... and a config interrupt");
  drv_notify (&f.drv, 0);
  tap_ok (f.echo.notifies == 1, "a broken device gets no more notifies");
  drv_init (&f.drv, V1, 1, 8);
  drv_offer (&f.drv, 0, "ok", 2, false);
  drv_notify (&f.drv, 0);
  tap_ok (f.echo.notifies == 2 && status (&f) == 0xf, "after a reset the device works again");
  fx_fini (&f);
}

int
main (void)
{
  test_identity ();
  test_legal_sequence ();
  test_illegal_transitions ();
  test_feature_refusals ();
  test_queue_rules ();
  test_interrupts_and_reset ();
  test_broken_guest ();
  tap_plan (tap_n);
  return tap_done ();
}

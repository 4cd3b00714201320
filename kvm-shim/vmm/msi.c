/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VM's GSI routing table (msi.h): KVM's default irqchip entries
 * (arch/x86/kvm/irq_comm.c default_routing: GSI 0-15 on the PIC and the
 * IOAPIC, 16-23 on the IOAPIC) followed by the MSI routes in use. */
#include "kvm-shim/vmm/msi.h"
#include "common/xalloc.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <sys/ioctl.h>

#define IOAPIC_PINS 24
#define PIC_IRQS 16

struct vmm_msi *
vmm_msi_create (struct vmm_vm *vm)
{
  struct vmm_msi *msi = xzalloc (sizeof (*msi));

  msi->vm = vm;
  pthread_mutex_init (&msi->lock, NULL);
  return msi;
}

void
vmm_msi_destroy (struct vmm_msi *msi)
{
  if (msi == NULL)
    return;
  pthread_mutex_destroy (&msi->lock);
  free (msi);
}

static void
irqchip_entry (struct kvm_irq_routing_entry *e, unsigned gsi, unsigned chip, unsigned pin)
{
  e->gsi = gsi;
  e->type = KVM_IRQ_ROUTING_IRQCHIP;
  e->u.irqchip.irqchip = chip;
  e->u.irqchip.pin = pin;
}

/* Called with the lock held. */
static int
commit (struct vmm_msi *msi, hy_error_t *err)
{
  size_t max = IOAPIC_PINS + PIC_IRQS + VMM_MSI_MAX;
  struct kvm_irq_routing *t = xzalloc (sizeof (*t) + max * sizeof (t->entries[0]));
  unsigned gsi, n = 0, i;
  int r = 0;

  for (gsi = 0; gsi < IOAPIC_PINS; gsi++)
    {
      irqchip_entry (&t->entries[n++], gsi, KVM_IRQCHIP_IOAPIC, gsi);
      if (gsi < PIC_IRQS)
        irqchip_entry (&t->entries[n++], gsi,
                       gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, gsi % 8);
    }
  for (i = 0; i < VMM_MSI_MAX; i++)
    {
      struct kvm_irq_routing_entry *e;
      if (!msi->routes[i].used || !msi->routes[i].set)
        continue;
      e = &t->entries[n++];
      e->gsi = VMM_MSI_GSI_BASE + i;
      e->type = KVM_IRQ_ROUTING_MSI;
      e->u.msi.address_lo = (uint32_t)msi->routes[i].addr;
      e->u.msi.address_hi = (uint32_t)(msi->routes[i].addr >> 32);
      e->u.msi.data = msi->routes[i].data;
    }
  t->nr = n;
  if (ioctl (msi->vm->vm_fd, KVM_SET_GSI_ROUTING, t) < 0)
    r = hy_error_set (err, errno, "KVM_SET_GSI_ROUTING (%u entries)", n);
  free (t);
  return r;
}

int
vmm_msi_alloc (struct vmm_msi *msi, hy_error_t *err)
{
  unsigned i;

  pthread_mutex_lock (&msi->lock);
  for (i = 0; i < VMM_MSI_MAX && msi->routes[i].used; i++)
    ;
  if (i < VMM_MSI_MAX)
    msi->routes[i] = (struct vmm_msi_route){ .used = true };
  pthread_mutex_unlock (&msi->lock);
  if (i == VMM_MSI_MAX)
    return hy_error_set (err, 0, "no MSI route left (%d in use)", VMM_MSI_MAX);
  return VMM_MSI_GSI_BASE + (int)i;
}

int
vmm_msi_set (struct vmm_msi *msi, int gsi, uint64_t addr, uint32_t data, hy_error_t *err)
{
  struct vmm_msi_route *r = &msi->routes[gsi - VMM_MSI_GSI_BASE];
  int ret;

  pthread_mutex_lock (&msi->lock);
  r->addr = addr;
  r->data = data;
  r->set = true;
  ret = commit (msi, err);
  pthread_mutex_unlock (&msi->lock);
  return ret;
}

void
vmm_msi_free (struct vmm_msi *msi, int gsi)
{
  pthread_mutex_lock (&msi->lock);
  msi->routes[gsi - VMM_MSI_GSI_BASE] = (struct vmm_msi_route){ 0 };
  commit (msi, NULL);
  pthread_mutex_unlock (&msi->lock);
}

int
vmm_msi_irqfd (struct vmm_msi *msi, int gsi, int fd, bool assign, hy_error_t *err)
{
  struct kvm_irqfd req = { .fd = (uint32_t)fd, .gsi = (uint32_t)gsi };

  if (!assign)
    req.flags = KVM_IRQFD_FLAG_DEASSIGN;
  if (ioctl (msi->vm->vm_fd, KVM_IRQFD, &req) < 0)
    return hy_error_set (err, errno, "KVM_IRQFD gsi %d", gsi);
  return 0;
}

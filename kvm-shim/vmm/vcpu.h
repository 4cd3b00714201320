/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A virtual CPU: its fd and shared kvm_run page, the CPUID/MSR/FPU/LAPIC
 * state it starts with, and the run loop that turns KVM exits into bus
 * accesses.  The register state at entry (real, flat 32-bit or 64-bit mode)
 * is entry.h's. */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include "common/error.h"
#include "kvm-shim/vmm/bus.h"
#include "kvm-shim/vmm/vm.h"

#include <stdint.h>

struct kvm_run;

/* Exit reasons beyond this are counted in by_reason[VMM_EXIT_REASONS - 1]. */
#define VMM_EXIT_REASONS 64

/* Host-independent figures for a run (STYLE: measure exits, not only time). */
struct vmm_exit_stats
{
  uint64_t total;
  uint64_t by_reason[VMM_EXIT_REASONS]; /* indexed by KVM_EXIT_* */
  uint64_t pio_unhandled;               /* accesses no device claimed */
  uint64_t mmio_unhandled;
};

/* The last port accesses of a vCPU, for the description of a guest that
 * stopped making progress (vmm_vcpu_describe). */
#define VMM_PIO_RING 8
struct vmm_pio_rec
{
  uint16_t port;
  uint8_t out;  /* 1 for OUT */
  uint8_t size; /* 1, 2 or 4 */
  uint32_t value;
};

struct vmm_vcpu
{
  struct vmm_vm *vm;
  int id;
  int fd;
  struct kvm_run *run;
  struct vmm_exit_stats stats;
  uint64_t first_exit_ns;               /* CLOCK_MONOTONIC of the first exit: the guest ran */
  struct vmm_pio_rec pio[VMM_PIO_RING]; /* by stats.by_reason[KVM_EXIT_IO] modulo */
};

/* Why vmm_vcpu_run returned without an error. */
enum vmm_stop
{
  VMM_STOP_REQUESTED,   /* vmm_vm_request_stop (the exit port, a reset) */
  VMM_STOP_HLT,         /* HLT with no in-kernel irqchip: nothing can wake it */
  VMM_STOP_SHUTDOWN,    /* triple fault, or a guest-requested power-off/reset */
  VMM_STOP_INTERRUPTED, /* a signal with kvm_run.immediate_exit set */
};

/* Create vCPU `id` with the supported CPUID, the boot MSRs, a clean FPU and
 * (with an irqchip) LINT0/LINT1 wired as ExtINT/NMI. */
struct vmm_vcpu *vmm_vcpu_create (struct vmm_vm *vm, int id, hy_error_t *err);
void vmm_vcpu_destroy (struct vmm_vcpu *vcpu);

/* Where a vCPU that is not running stands, on one line into buf: its
 * rip, rsp, rflags, cr0 and run state, and its last port accesses (what a
 * guest stalled in early boot was doing).  Only between runs: a vCPU in
 * KVM_RUN would block the register ioctls. */
void vmm_vcpu_describe (struct vmm_vcpu *vcpu, char *buf, size_t len);

/* Run until the guest stops; returns an enum vmm_stop, or -1 with *err set
 * on a failed entry, an internal KVM error or a failing device. */
int vmm_vcpu_run (struct vmm_vcpu *vcpu, const struct vmm_bus *bus, hy_error_t *err);

const char *vmm_stop_name (enum vmm_stop stop);

#define cleanup_vmm_vcpu __attribute__ ((cleanup (vmm_vcpu_destroyp)))
static inline void
vmm_vcpu_destroyp (struct vmm_vcpu **vcpu)
{
  vmm_vcpu_destroy (*vcpu);
}

#endif

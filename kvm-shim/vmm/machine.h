/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A whole hyrun guest: the VM, its RAM, the legacy devices, the virtio
 * devices (the shared rootfs over virtio-9p, the console ports of the
 * control channel and the container's stdio), the guest kernel and its
 * initramfs, the vCPU threads and the host I/O thread.  Built in one
 * explicit order, torn down in reverse. */
#ifndef VMM_MACHINE_H
#define VMM_MACHINE_H

#include "common/error.h"
#include "kvm-shim/fs/p9.h"
#include "kvm-shim/vmm/boot.h"
#include "kvm-shim/vmm/net_host.h"
#include "kvm-shim/vmm/vcpu.h"
#include "kvm-shim/vmm/vfio.h"

#include <stdbool.h>
#include <stdint.h>

struct vmm_machine_config
{
  const char *kernel; /* vmlinux (ELF, PVH entry) or bzImage */
  const char *agent;  /* packed into the initramfs as /init; or: */
  const char *initrd; /* a ready initramfs (uncompressed cpio) */
  const char *share;  /* folder shared over virtio-9p (tag "rootfs"); NULL: none */
  const char *vols;   /* the volumes' staging folder (tag "hyrun.vols"); NULL: none */
  /* The container's user namespace: both shares are served with its
   * mapped ids (p9_server_set_idmap); NULL: none, the VMM's own ids. */
  const struct p9_idmap *idmap;
  uint64_t mem_mib;    /* guest RAM */
  unsigned vcpus;      /* 1..VMM_MAX_VCPUS */
  bool mergeable;      /* KSM */
  bool console;        /* kernel messages on the 8250 to `console_fd` */
  int console_fd;      /* not owned */
  const char *cmdline; /* appended to the built-in command line; may be NULL */
  /* Host ends of the ports, not owned, -1 for none: the control channel
   * (a socket, both ways) and the container's stdio. */
  int ctl_fd;
  int stdin_fd, stdout_fd, stderr_fd;
  /* The host's network (net_host.h), not owned: one virtio-net device per
   * interface, on its TAP.  NULL: none. */
  const struct vmm_net *net;
  /* VFIO groups whose devices are assigned to the guest on a PCI bus
   * (vfio.h, devices/vfio_pci.h); none: no PCI bus, `pci=off`. */
  const struct vmm_vfio_group *vfio;
  size_t n_vfio;
};

#define VMM_MAX_VCPUS 32
#define VMM_MIN_MEM_MIB 64

struct vmm_machine;

/* Timestamps (CLOCK_MONOTONIC ns) of the boot phases, for --debug. */
struct vmm_machine_times
{
  uint64_t start, vm_created, kernel_loaded, first_exit;
  /* The process's CPU time (CLOCK_PROCESS_CPUTIME_ID, ns) at the same
   * points: the host-side setup cost, the kernel's KVM work included. */
  uint64_t cpu_start, cpu_vm_created, cpu_kernel_loaded;
  uint64_t cpu_vcpus; /* of it, creating the vCPUs (KVM_CREATE_VCPU, CPUID, MSRs) */
};

/* CLOCK_MONOTONIC in ns, the clock of vmm_machine_times. */
uint64_t vmm_now_ns (void);
/* CLOCK_PROCESS_CPUTIME_ID in ns. */
uint64_t vmm_cpu_ns (void);

struct vmm_machine *vmm_machine_create (const struct vmm_machine_config *cfg, hy_error_t *err);
/* The guest's initramfs (the agent as /init, /dev/console): sized now,
 * written by the boot code straight into guest RAM once placed (b's
 * initrd_size, initrd_fill, initrd_ctx; agent must outlive the boot). */
int vmm_machine_initramfs (struct vmm_boot_config *b, const char *agent, hy_error_t *err);
/* Start the vCPU threads and the host I/O thread. */
int vmm_machine_start (struct vmm_machine *m, hy_error_t *err);
/* Readable (an eventfd) once the guest stopped on its own: shutdown,
 * reboot, a failed vCPU. */
int vmm_machine_stopped_fd (const struct vmm_machine *m);
/* Stop the vCPUs (if still running), join every thread, flush what the
 * guest wrote to the stdio ports.  Returns why the guest stopped (enum
 * vmm_stop of the first vCPU to stop) or -1 with the vCPU's error. */
int vmm_machine_stop (struct vmm_machine *m, hy_error_t *err);
void vmm_machine_destroy (struct vmm_machine *m);

const struct vmm_machine_times *vmm_machine_times (struct vmm_machine *m);
/* Sum of the vCPUs' exit counters. */
void vmm_machine_exit_stats (const struct vmm_machine *m, struct vmm_exit_stats *out);
/* The 9P requests the shared rootfs's (volumes false) or the volumes'
 * server has served, as p9_server_counts_text; NULL when there is no such
 * share.  The caller frees. */
char *vmm_machine_p9_counts (const struct vmm_machine *m, bool volumes);

/* Stop the machine (vmm_machine_stop) and describe where each vCPU stood
 * (vmm_vcpu_describe), "; "-separated, into buf: for the error of a guest
 * that stopped making progress, which then ends. */
void vmm_machine_stop_describe (struct vmm_machine *m, char *buf, size_t len);

#define cleanup_vmm_machine __attribute__ ((cleanup (vmm_machine_destroyp)))
static inline void
vmm_machine_destroyp (struct vmm_machine **m)
{
  if (*m)
    vmm_machine_destroy (*m);
}

#endif

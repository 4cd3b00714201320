/* SPDX-License-Identifier: GPL-2.0-or-later */
/* VM isolation (io.hyrun.isolation=vm): the plan read from the bundle,
 * and create's VM path, where the VMM process stands in for the
 * container's init. */
#ifndef HY_RUNTIME_VM_H
#define HY_RUNTIME_VM_H

#include "common/error.h"
#include "libcontainer/container.h"
#include "kvm-shim/vmm/vfio.h"
#include "spec/spec.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* What the VMM itself needs in the container's cgroup beside guest RAM:
 * its own RSS (~2 MiB), KVM's nested page tables, 9P and queue buffers,
 * with a margin.  A memory limit L gives the guest L minus this, so the
 * guest, not the cgroup's OOM killer, meets the limit first. */
#define VM_OVERHEAD_MIB 16

struct vm_plan
{
  char *kernel;  /* io.hyrun.vm.kernel, else vm.kernel.path, else the installed one */
  char *agent;   /* guest agent: beside hyrun, else the installed one */
  char *cmdline; /* vm.kernel.parameters, or NULL */
  uint64_t mem_mib;
  unsigned vcpus;
  bool ksm;
  bool console; /* io.hyrun.vm.debug-console=true: guest kernel log on stderr */
  bool network; /* the netns's interfaces go to the guest; io.hyrun.vm.network=none: not */
  struct spec_resources host_res; /* vm_host_resources() */
  /* passthrough (vm_vfio.c): the VFIO groups, their nodes' device numbers,
   * and the VMM's device cgroup rules with their nodes allowed */
  struct vmm_vfio_group *vfio;
  size_t n_vfio;
  dev_t vfio_dev[VMM_VFIO_MAX_GROUPS];
  struct spec_device_cgroup *vmm_devs;
  size_t n_vmm_devs;
};

/* Passthrough (vm_vfio.c): VFIO groups in linux.devices and PCI addresses
 * in io.hyrun.vm.vfio resolved and checked into the plan. */
int vm_plan_vfio (const struct spec *spec, struct vm_plan *plan, hy_error_t *err);
void vm_plan_vfio_fini (struct vm_plan *plan);

/* Read and check everything VM mode needs from the bundle, before the
 * host is touched.  self_dir is where the running hyrun binary lives. */
int vm_plan_build (const struct spec *spec, const char *self_dir, struct vm_plan *plan,
                   hy_error_t *err);
void vm_plan_fini (struct vm_plan *plan);

/* The resources of the host cgroup the VMM runs in: the bundle's, except
 * the device rules, which are the guest's business; the VMM itself gets
 * /dev/kvm and nothing else.  Points into plan (valid while it is). */
const struct spec_resources *vm_host_resources (struct vm_plan *plan,
                                                const struct spec_resources *r);

/* Like lc_container_create, with the VMM as the init: it boots the guest,
 * the agent creates the container inside, and create returns once the
 * agent reports it waiting for start (or, with start_now, started). */
int vm_container_create (const struct spec *spec, const struct lc_config *cfg,
                         const struct vm_plan *plan, struct lc_cgroup *cg, struct lc_created *out,
                         hy_error_t *err);

/* The exec socket, <state_dir>/exec.sock (vm_exec.c): create binds it
 * and hands it to the VMM; `hyrun exec` connects.  Both return the fd. */
int vm_exec_listen (const char *state_dir, hy_error_t *err);
int vm_exec_connect (const char *state_dir, hy_error_t *err);

/* delete: a VMM killed with SIGKILL could not undo its tc redirect on an
 * interface of a network namespace that outlives it (one joined by path):
 * remove it (kvm-shim/vmm/net_host.h).  Failures are warnings. */
void vm_net_cleanup (const char *bundle);

/* End this process the way a guest process ended: its exit code, or its
 * signal (raised with the default action).  For the VMM and exec's proxy. */
__attribute__ ((noreturn)) void vm_exit_like (int status);

/* `hyrun exec` into a VM-mode container: the process runs in the guest,
 * this process (or, with detach, a proxy child whose pid goes in
 * pid_file) stands in for it on the host: stdio and signals relayed, the
 * guest process's exit status its own.  Returns the exit code (foreground:
 * the process's, 128+N for a signal; detach: 0). */
int vm_exec (const char *state_dir, const char *id, const struct spec_process *p, bool detach,
             const char *console_socket, const char *pid_file, hy_error_t *err);

/* A terminal (vm_tty.c): a host pty pair whose master goes to
 * console_socket (required); returns the slave, in raw mode, with
 * p's consoleSize. */
int vm_tty_open (const char *console_socket, const struct spec_process *p, hy_error_t *err);
/* Put our own terminal fd in raw mode (false: not a terminal), the old
 * mode in *saved. */
struct termios;
bool vm_tty_raw (int fd, struct termios *saved);

#endif

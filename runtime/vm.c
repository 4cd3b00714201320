/* SPDX-License-Identifier: GPL-2.0-or-later */
/* create's VM path.  The parent forks the VMM ("hyrun:vmm"), which joins
 * the container's cgroup and namespaces, builds the machine (guest kernel,
 * agent initramfs, the rootfs folder over virtio-9p, the control and stdio
 * ports), boots it and drives the agent until the container exists in the
 * guest; then it tells the parent READY (the same sync protocol as a
 * container init) and lives on as the container's init: `start` opens the
 * exec fifo, `kill` signals it, `exec` connects to its exec socket, its
 * exit status is the workload's. */
#include "runtime/vm.h"
#include "common/cleanup.h"
#include "common/test_hook.h"
#include "common/exit_like.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "kvm-shim/vmm/guest_spec.h"
#include "kvm-shim/vmm/idmap.h"
#include "kvm-shim/vmm/machine.h"
#include "kvm-shim/vmm/net_host.h"
#include "kvm-shim/vmm/sandbox.h"
#include "kvm-shim/vmm/session.h"
#include "kvm-shim/vmm/tty.h"
#include "kvm-shim/vmm/volumes.h"
#include "libcontainer/fd.h"
#include "libcontainer/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

struct vmm_child
{
  const struct spec *spec;
  const struct lc_config *cfg;
  const struct vm_plan *plan;
  struct lc_cgroup *cg;
  const char *rootfs;
  char *config_json;
  int sync_fd, fifo_fd, exec_fd;
  const struct vmm_volumes *vols;
  const char *vols_dir; /* the staging folder, <state dir>/vols */
  int tty_fd;           /* process.terminal: the host pty's slave (vm_tty.c); else -1 */
};

/* The VMM takes the container's network, IPC, UTS, cgroup and mount
 * namespaces (new or joined by path): a guest escaping into the VMM finds
 * the container's view, not the host's.  The pid, user and time namespaces
 * are the guest's business: the agent applies them inside. */
static int
enter_namespaces (const struct spec *spec, hy_error_t *err)
{
  static const enum spec_ns_type types[]
      = { SPEC_NS_NETWORK, SPEC_NS_IPC, SPEC_NS_UTS, SPEC_NS_MOUNT, SPEC_NS_CGROUP };
  size_t i;

  for (i = 0; i < sizeof (types) / sizeof (types[0]); i++)
    {
      const struct spec_namespace *ns = spec_namespace_find (spec, types[i]);
      int flag = spec_ns_clone_flag (types[i]);
      if (ns == NULL)
        continue;
      if (ns->path)
        {
          cleanup_close int fd = open (ns->path, O_RDONLY | O_CLOEXEC);
          if (fd < 0 || setns (fd, flag) < 0)
            return hy_error_set (err, errno, "linux.namespaces: join %s namespace `%s`",
                                 spec_ns_type_name (ns->type), ns->path);
        }
      else if (unshare (flag) < 0)
        return hy_error_set (err, errno, "linux.namespaces: new %s namespace",
                             spec_ns_type_name (ns->type));
    }
  return 0;
}

static int
on_created (void *opaque, hy_error_t *err)
{
  struct vmm_child *c = opaque;

  /* From here on the VMM is the container's init: it outlives create.
   * Before READY: create exits as soon as it reads READY, and a parent
   * death signal still armed then would kill the VMM (a dead parent before
   * READY fails the send instead, and the VMM ends with an error). */
  prctl (PR_SET_PDEATHSIG, 0);
  if (lc_spawn_child_ready (c->sync_fd, err) < 0)
    return -1;
  close (c->sync_fd);
  c->sync_fd = -1;
  return 0;
}

/* End the way the workload ended: its exit code, or its signal when that
 * one terminates (the status is the guest's word: no stop signals). */
__attribute__ ((noreturn)) void
vm_exit_like (int status)
{
  hy_exit_like (status);
}

static void
debug_times (struct vmm_machine *m)
{
  const struct vmm_machine_times *t = vmm_machine_times (m);
  struct vmm_exit_stats st;

  if (!hy_log_debug_enabled ())
    return;
  vmm_machine_exit_stats (m, &st);
  hy_debug ("vm: guest stopped after %.1f ms; %llu VM exits (%llu port I/O, %llu MMIO)",
            (double)(vmm_now_ns () - t->start) / 1e6, (unsigned long long)st.total,
            (unsigned long long)st.by_reason[KVM_EXIT_IO],
            (unsigned long long)st.by_reason[KVM_EXIT_MMIO]);
  {
    cleanup_free char *root = vmm_machine_p9_counts (m, false);
    cleanup_free char *vols = vmm_machine_p9_counts (m, true);
    if (root)
      hy_debug ("vm: 9P rootfs: %s", root);
    if (vols)
      hy_debug ("vm: 9P volumes: %s", vols);
  }
}

/* In a UTS namespace joined by path (a Kubernetes pod's: containerd sets
 * the pod's hostname on the sandbox only), the guest's config takes that
 * namespace's name: the guest's own UTS namespace is a new one. */
static int
guest_spec_uts (struct vmm_child *c, hy_error_t *err)
{
  const struct spec_namespace *ns = spec_namespace_find (c->spec, SPEC_NS_UTS);
  char name[HOST_NAME_MAX + 1] = "";
  char *json;

  if (ns == NULL || ns->path == NULL || c->spec->hostname)
    return 0;
  if (gethostname (name, sizeof (name)) < 0)
    return hy_error_set (err, errno, "linux.namespaces: the host name of `%s`", ns->path);
  json = vmm_guest_spec_json (c->spec, c->vols, name, err);
  if (json == NULL)
    return -1;
  /* the parent's copy stays the parent's (it frees it) */
  c->config_json = json;
  return 0;
}

/* A failure after the network was set up: nothing may stay behind on the
 * host interfaces (the namespace may outlive the container). */
__attribute__ ((noreturn)) static void
vm_die (struct vmm_child *c, struct vmm_net *net, hy_error_t *err)
{
  vmm_net_teardown (net);
  lc_spawn_child_fail (c->sync_fd, err);
}

__attribute__ ((noreturn)) static void
vmm_child_main (struct vmm_child *c)
{
  cleanup_error hy_error_t err = NULL;
  struct vmm_machine *m = NULL;
  struct vmm_session_config sc = { 0 };
  struct vmm_net net = { 0 };
  struct p9_idmap idmap;
  int sv[2], status = 0, log_fd = hy_log_fd (), mapped;

  prctl (PR_SET_NAME, "hyrun:vmm");
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* a terminal: the pty is the VMM's stdio (the stdio ports carry its
   * bytes) and its controlling terminal (resizes raise SIGWINCH) */
  if (c->tty_fd >= 0)
    {
      for (int fd = 0; fd <= 2; fd++)
        if (dup2 (c->tty_fd, fd) < 0)
          {
            hy_error_set (&err, errno, "terminal: dup the pty");
            lc_spawn_child_fail (c->sync_fd, &err);
          }
      if (c->tty_fd > 2)
        close (c->tty_fd);
      if (vmm_tty_take_control (STDIN_FILENO, &err) < 0)
        lc_spawn_child_fail (c->sync_fd, &err);
    }
  {
    int keep[] = { c->sync_fd, c->fifo_fd, c->exec_fd, log_fd };
    lc_fd_close_except (3 + c->cfg->preserve_fds, keep, sizeof (keep) / sizeof (keep[0]));
  }
  if (c->cg && lc_cgroup_enter (c->cg, getpid (), &err) < 0)
    lc_spawn_child_fail (c->sync_fd, &err);
  if (enter_namespaces (c->spec, &err) < 0 || guest_spec_uts (c, &err) < 0)
    lc_spawn_child_fail (c->sync_fd, &err);
  /* the namespaces exist: the runtime's hooks run now, as for an init */
  if (lc_spawn_child_hooks (c->sync_fd, c->spec, &err) < 0)
    lc_spawn_child_fail (c->sync_fd, &err);
  if (vmm_volumes_stage (c->vols, c->vols_dir, &err) < 0
      || (mapped = vmm_idmap_from_spec (c->spec, &idmap, &err)) < 0)
    lc_spawn_child_fail (c->sync_fd, &err);
  /* the network namespace is final now (hooks may have filled it): join
   * its interfaces to TAPs for the guest (net_host.h) */
  if (c->plan->network && vmm_net_setup (&net, &err) < 0)
    lc_spawn_child_fail (c->sync_fd, &err);
  /* an assigned device pins guest RAM for its DMA: lift the lock limit
   * when allowed (root); else VFIO_IOMMU_MAP_DMA says what is missing */
  if (c->plan->n_vfio)
    {
      struct rlimit unl = { RLIM_INFINITY, RLIM_INFINITY };
      setrlimit (RLIMIT_MEMLOCK, &unl);
    }
  /* non-blocking both ends: the console device and the session each
   * queue what the other end does not take yet (session.c) */
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
    {
      hy_error_set (&err, errno, "socketpair");
      vm_die (c, &net, &err);
    }
  {
    struct vmm_machine_config mc = { .kernel = c->plan->kernel,
                                     .agent = c->plan->agent,
                                     .share = c->rootfs,
                                     .vols = c->vols->n_staged ? c->vols_dir : NULL,
                                     .idmap = mapped ? &idmap : NULL,
                                     .mem_mib = c->plan->mem_mib,
                                     .vcpus = c->plan->vcpus,
                                     .mergeable = c->plan->ksm,
                                     .console = c->plan->console,
                                     .console_fd = STDERR_FILENO,
                                     .cmdline = c->plan->cmdline,
                                     .ctl_fd = sv[1],
                                     .stdin_fd = STDIN_FILENO,
                                     .stdout_fd = STDOUT_FILENO,
                                     .stderr_fd = STDERR_FILENO,
                                     .net = &net,
                                     .vfio = c->plan->vfio,
                                     .n_vfio = c->plan->n_vfio };
    /* once built, the VMM reaches only the shares and the exec fifo, and
     * keeps only the capabilities its devices use (sandbox.h) */
    struct vmm_sandbox_dir fs[]
        = { { c->rootfs, false }, { c->cfg->state_dir, true }, { c->vols_dir, false } };
    uint64_t caps
        = VMM_CAPS_FS | (mapped ? VMM_CAPS_IDMAP : 0) | (c->plan->network ? VMM_CAPS_NET : 0);
    vmm_session_block_signals ();
    m = vmm_machine_create (&mc, &err);
    if (m == NULL || vmm_sandbox_caps (caps, &err) < 0
        || vmm_sandbox_fs (fs, c->vols->n_staged ? 3 : 2, &err) < 0
        || vmm_machine_start (m, &err) < 0)
      {
        vmm_machine_destroy (m);
        vm_die (c, &net, &err);
      }
    test_hook_stop ("vm-vmm-started");
    if (vmm_sandbox_apply (&err) < 0)
      {
        vmm_machine_destroy (m);
        vm_die (c, &net, &err);
      }
  }
  sc.id = c->cfg->id;
  sc.config_json = c->config_json;
  sc.config_len = strlen (c->config_json);
  sc.fifo_fd = c->fifo_fd;
  sc.exec_fd = c->exec_fd;
  sc.net_recs = net.recs;
  sc.net_len = net.n_recs * (uint32_t)sizeof (*net.recs);
  sc.terminal = c->tty_fd >= 0;
  sc.tty_fd = STDIN_FILENO;
  sc.on_created = on_created;
  sc.opaque = c;
  if (vmm_session_run (m, sv[0], &sc, &status, &err) < 0)
    {
      vmm_machine_stop (m, NULL);
      if (c->sync_fd >= 0)
        vm_die (c, &net, &err);
      vmm_net_teardown (&net);
      dprintf (STDERR_FILENO, "hyrun: vm: %s\n", err->msg);
      _exit (127);
    }
  vmm_machine_stop (m, NULL);
  debug_times (m);
  vmm_net_teardown (&net);
  vm_exit_like (status);
}

/* lc_spawn's start for VM mode: fork the VMM as the container's init. */
static pid_t
start_vmm (void *opaque, int parent_fd, int child_fd, int fifo_fd, hy_error_t *err)
{
  struct vmm_child *c = opaque;
  pid_t pid = fork ();

  if (pid < 0)
    return hy_error_set (err, errno, "fork the VMM");
  if (pid == 0)
    {
      close (parent_fd);
      c->sync_fd = child_fd;
      c->fifo_fd = fifo_fd;
      vmm_child_main (c);
    }
  return pid;
}

int
vm_container_create (const struct spec *spec, const struct lc_config *cfg,
                     const struct vm_plan *plan, struct lc_cgroup *cg, struct lc_created *out,
                     hy_error_t *err)
{
  cleanup_free char *rootfs = NULL, *json = NULL, *vols_dir = NULL;
  cleanup_vmm_volumes struct vmm_volumes vols = { 0 };
  cleanup_close int exec_fd = -1, tty_fd = -1;
  char real[PATH_MAX];

  rootfs = spec->root->path[0] == '/' ? xstrdup (spec->root->path)
                                      : xasprintf ("%s/%s", cfg->bundle, spec->root->path);
  if (realpath (rootfs, real) == NULL)
    return hy_error_set (err, errno, "root.path: `%s`", rootfs);
  /* What the agent gets is the config as validated here, not the file
   * again: the file could have changed since. */
  if (vmm_volumes_plan (spec, cfg->bundle, real, &vols, err) < 0)
    return -1;
  json = vmm_guest_spec_json (spec, &vols, NULL, err);
  if (json == NULL)
    return -1;
  /* the staging tmpfs's mount point: the tmpfs itself lives only in the
   * VMM's mount namespace */
  vols_dir = xasprintf ("%s/vols", cfg->state_dir);
  if (vols.n_staged && mkdir (vols_dir, 0700) < 0)
    return hy_error_set (err, errno, "mkdir `%s`", vols_dir);
  /* bound here, in the runtime's mount namespace, where `hyrun exec`
   * finds it; the VMM only accepts on it */
  if ((exec_fd = vm_exec_listen (cfg->state_dir, err)) < 0)
    return -1;
  if (spec->process->terminal
      && (tty_fd = vm_tty_open (cfg->console_socket, spec->process, err)) < 0)
    return -1;
  {
    struct vmm_child c
        = { spec, cfg, plan, cg, real, json, -1, -1, exec_fd, &vols, vols_dir, tty_fd };
    struct lc_spawn sp = { start_vmm, NULL, &c };
    if (lc_spawn (spec, cfg, &sp, out, err) < 0)
      return hy_error_prefix (err, "io.hyrun.isolation=vm");
  }
  return 0;
}

void
vm_net_cleanup (const char *bundle)
{
  cleanup_free char *config = xasprintf ("%s/config.json", bundle);
  cleanup_error hy_error_t err = NULL;
  cleanup_spec struct spec *spec = spec_load (config, &err);
  const struct spec_namespace *ns = spec ? spec_namespace_find (spec, SPEC_NS_NETWORK) : NULL;

  if (ns && ns->path && vmm_net_clean_stale_in (ns->path, &err) < 0)
    hy_warn ("%s", err->msg);
}

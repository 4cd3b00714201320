/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Assembling a hyrun guest (machine.h): VM and RAM, legacy devices, the
 * virtio devices from one table, the initramfs with the agent, the kernel,
 * the MP table, the vCPUs; then one thread per vCPU and the host I/O
 * loop.  A vCPU blocked in KVM_RUN (an idle guest halts inside KVM) is
 * stopped with a kick signal whose handler sets immediate_exit, so a kick
 * that lands just before KVM_RUN is not lost. */
#include "kvm-shim/vmm/machine.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "kvm-shim/devices/rtc.h"
#include "kvm-shim/devices/serial.h"
#include "kvm-shim/devices/virtio_9p.h"
#include "kvm-shim/devices/virtio_balloon.h"
#include "kvm-shim/devices/virtio_console.h"
#include "kvm-shim/devices/virtio_net.h"
#include "kvm-shim/devices/vfio_pci.h"
#include "kvm-shim/pci/pci.h"
#include "kvm-shim/proto/vmproto.h"
#include "kvm-shim/vmm/boot.h"
#include "kvm-shim/vmm/cpio.h"
#include "kvm-shim/vmm/layout.h"
#include "kvm-shim/vmm/loop.h"
#include "kvm-shim/vmm/mptable.h"
#include "kvm-shim/vmm/msi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SIG_KICK (SIGRTMAX)
#define VMM_MAX_PCI_DEVS 16
/* KVM memory slots of the BARs: after guest RAM's, six per device */
#define PCI_SLOT_BASE 8
/* INTA# of assigned devices: IOAPIC pins 16-23, shared round robin beyond
 * eight devices (virtio-mmio and the ISA devices keep 0-15) */
#define PCI_INTX_PIN_FIRST 16
#define PCI_INTX_PINS 8

struct vmm_machine
{
  struct vmm_machine_config cfg;
  struct vmm_machine_times times;
  struct vmm_vm *vm;
  struct vmm_bus *bus;
  struct vmm_loop *loop;
  struct vmm_serial *serial;
  struct vmm_rtc *rtc;
  struct virtio_console *con;
  struct virtio_9p *p9;
  struct virtio_9p *p9_vols;      /* the volumes (vmm/volumes.h), a device of its own */
  struct virtio_balloon *balloon; /* free page reporting */
  struct virtio_net *nics[VMM_NET_MAX_IFS];
  unsigned n_nics;
  /* passthrough: the VFIO container, the PCI bus, the MSI routes and the
   * assigned devices (vfio.h, pci.h, msi.h, vfio_pci.h) */
  struct vmm_vfio *vfio;
  struct vmm_pci *pci;
  struct vmm_msi *msi;
  struct vfio_pci *pdevs[VMM_MAX_PCI_DEVS];
  unsigned n_pdevs;
  unsigned n_vcpus;
  struct vmm_vcpu *vcpus[VMM_MAX_VCPUS];
  pthread_t threads[VMM_MAX_VCPUS];
  unsigned n_threads;
  bool loop_started;
  int stopped_fd;            /* eventfd: a vCPU stopped */
  int stdin_pipe[2];         /* stdin that epoll cannot watch, copied by a thread */
  struct out_copier *out[2]; /* stdout, stderr: from a pipe by a thread each */
  pthread_mutex_t lock;
  int first_stop;      /* enum vmm_stop of the first vCPU out, -1 none yet */
  hy_error_t vcpu_err; /* the first vCPU failure */
  char *cmdline;
};

static uint64_t
clock_ns (clockid_t clock)
{
  struct timespec ts;
  clock_gettime (clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t
vmm_now_ns (void)
{
  return clock_ns (CLOCK_MONOTONIC);
}

uint64_t
vmm_cpu_ns (void)
{
  return clock_ns (CLOCK_PROCESS_CPUTIME_ID);
}

/* --- the initramfs ------------------------------------------------------ */

static int
fill_initramfs (void *dst, size_t size, void *ctx, hy_error_t *err)
{
  cleanup_vmm_cpio struct vmm_cpio *c = vmm_cpio_new_fixed (dst, size);
  const char *agent = ctx;

  if (vmm_cpio_add_dir (c, "dev", 0755, err) < 0
      || vmm_cpio_add_node (c, "dev/console", S_IFCHR | 0600, 5, 1, err) < 0
      || vmm_cpio_add_host_file (c, "init", 0755, agent, err) < 0)
    return hy_error_prefix (err, "initramfs");
  return vmm_cpio_finish (c, err) < 0 ? hy_error_prefix (err, "initramfs") : 0;
}

int
vmm_machine_initramfs (struct vmm_boot_config *b, const char *agent, hy_error_t *err)
{
  struct stat st;

  if (stat (agent, &st) < 0)
    return hy_error_set (err, errno, "initramfs: stat `%s`", agent);
  b->initrd_size = vmm_cpio_entry_size ("dev", 0) + vmm_cpio_entry_size ("dev/console", 0)
                   + vmm_cpio_entry_size ("init", (size_t)st.st_size)
                   + vmm_cpio_entry_size ("TRAILER!!!", 0);
  b->initrd_fill = fill_initramfs;
  b->initrd_ctx = (void *)agent;
  return 0;
}

/* --- devices ------------------------------------------------------------ */

/* epoll refuses regular files and /dev/null: such a stdin is copied into
 * a pipe by a thread (blocking reads are fine there). */
static bool
pollable (int fd)
{
  int ep = epoll_create1 (EPOLL_CLOEXEC);
  struct epoll_event ev = { .events = EPOLLIN };
  bool ok = ep >= 0 && epoll_ctl (ep, EPOLL_CTL_ADD, fd, &ev) == 0;

  if (ep >= 0)
    close (ep);
  return ok;
}

static void *
stdin_copier (void *arg)
{
  int *p = arg; /* p[0]: the source fd, p[1]: the pipe's write end */
  char buf[65536];
  ssize_t n;

  while ((n = read (p[0], buf, sizeof (buf))) > 0 || (n < 0 && errno == EINTR))
    {
      ssize_t off = 0;
      while (n > 0 && off < n)
        {
          ssize_t w = write (p[1], buf + off, (size_t)(n - off));
          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            goto out;
          off += w;
        }
    }
out:
  close (p[1]);
  free (p);
  return NULL;
}

/* The container's stdout and stderr reach the caller's fds through a pipe
 * and a thread each: the console device writes into the pipe without
 * blocking, so a vCPU never waits on our caller's reader while it holds
 * the device's lock (which the control port shares: a stalled stdout
 * reader would stop signals and execs too); the thread may block. */
struct out_copier
{
  int from, to; /* the pipe's read end; the caller's fd */
  int pipe_w;   /* the device's end (non-blocking), closed at stop */
  pthread_t t;
  bool running;
  atomic_ullong copied; /* bytes written out, for the stop's progress check */
};

static void *
out_copier_thread (void *arg)
{
  struct out_copier *c = arg;
  char buf[65536];
  bool ok = true;
  ssize_t n;

  while ((n = read (c->from, buf, sizeof (buf))) > 0 || (n < 0 && errno == EINTR))
    for (ssize_t off = 0; ok && n > 0 && off < n;)
      {
        ssize_t w = write (c->to, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EINTR)
          continue;
        /* nobody reads (EPIPE): drain the pipe anyway, the guest's
         * output is dropped as the device would drop it */
        if (w <= 0)
          ok = false;
        else
          off += w, atomic_fetch_add (&c->copied, (unsigned long long)w);
      }
  return NULL;
}

/* The fd the device writes `to`'s output into; -1 for none. */
static int
out_sink (struct vmm_machine *m, int i, int to, hy_error_t *err)
{
  struct out_copier *c;
  int p[2];

  if (to < 0)
    return -1;
  if (pipe2 (p, O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "pipe");
  fcntl (p[1], F_SETFL, O_NONBLOCK);
  c = xzalloc (sizeof (*c));
  *c = (struct out_copier){ .from = p[0], .to = to, .pipe_w = p[1] };
  m->out[i] = c;
  return c->pipe_w;
}

/* The threads start with the machine, so that they are under the file
 * sandbox as the vCPUs are (Landlock binds a thread and its children). */
static int
out_copiers_start (struct vmm_machine *m, hy_error_t *err)
{
  for (int i = 0; i < 2; i++)
    if (m->out[i] && !m->out[i]->running)
      {
        if (pthread_create (&m->out[i]->t, NULL, out_copier_thread, m->out[i]) != 0)
          return hy_error_set (err, EAGAIN, "start an output thread");
        m->out[i]->running = true;
      }
  return 0;
}

/* Wait for a copier to write the rest out while it makes progress; false
 * when its fd took nothing for COPIER_STALL_S (a reader that never
 * reads: the thread is left blocked, and ends with the process). */
#define COPIER_STALL_S 2
static bool
copier_join (struct out_copier *c)
{
  unsigned long long last = atomic_load (&c->copied);

  for (;;)
    {
      struct timespec t;
      clock_gettime (CLOCK_REALTIME, &t);
      t.tv_sec += COPIER_STALL_S;
      if (pthread_timedjoin_np (c->t, NULL, &t) == 0)
        return true;
      if (atomic_load (&c->copied) == last)
        return false;
      last = atomic_load (&c->copied);
    }
}

/* At stop: what the device holds goes into the pipes, the pipes close,
 * the threads write the rest out and end. */
static void
out_copiers_finish (struct vmm_machine *m)
{
  if (m->con)
    virtio_console_flush_output (m->con);
  for (int i = 0; i < 2; i++)
    if (m->out[i] && m->out[i]->pipe_w >= 0)
      {
        close (m->out[i]->pipe_w);
        m->out[i]->pipe_w = -1;
        if (m->out[i]->running && !copier_join (m->out[i]))
          {
            hy_warn ("vm: %s not read for %d s at stop; the rest is dropped",
                     i ? "stderr" : "stdout", COPIER_STALL_S);
            m->out[i] = NULL; /* still in use by its thread: not freed */
            continue;
          }
        m->out[i]->running = false;
        close (m->out[i]->from);
      }
}

static int
stdin_source (struct vmm_machine *m, hy_error_t *err)
{
  pthread_t t;
  int *arg;

  if (m->cfg.stdin_fd < 0 || pollable (m->cfg.stdin_fd))
    return m->cfg.stdin_fd;
  if (pipe2 (m->stdin_pipe, O_CLOEXEC) < 0)
    return hy_error_set (err, errno, "pipe");
  arg = xmalloc (2 * sizeof (int));
  arg[0] = m->cfg.stdin_fd;
  arg[1] = m->stdin_pipe[1];
  m->stdin_pipe[1] = -1; /* the copier closes it at EOF */
  if (pthread_create (&t, NULL, stdin_copier, arg) != 0)
    {
      close (arg[1]);
      free (arg);
      return hy_error_set (err, EAGAIN, "start the stdin thread");
    }
  pthread_detach (t);
  return m->stdin_pipe[0];
}

/* Port 0 is the console (unused: the kernel logs to the 8250 when asked),
 * then the control channel and the container's stdio. */
static int
attach_console (struct vmm_machine *m, const struct virtio_mmio_params *p, hy_error_t *err)
{
  const struct vmm_machine_config *c = &m->cfg;
  int in, out, errout;

  m->con = virtio_console_create (p, m->loop, err);
  if (m->con == NULL || virtio_console_add_port (m->con, NULL, err) < 0)
    return -1;
  if (c->ctl_fd >= 0
      && virtio_console_port_bind_fds (m->con,
                                       virtio_console_add_port (m->con, VMPROTO_PORT_CTL, err),
                                       c->ctl_fd, c->ctl_fd, err)
             < 0)
    return -1;
  if ((in = stdin_source (m, err)) == -1 && c->stdin_fd >= 0)
    return -1;
  if (((out = out_sink (m, 0, c->stdout_fd, err)) < 0 && c->stdout_fd >= 0)
      || ((errout = out_sink (m, 1, c->stderr_fd, err)) < 0 && c->stderr_fd >= 0))
    return -1;
  if (virtio_console_port_bind_fds (
          m->con, virtio_console_add_port (m->con, VMPROTO_PORT_STDIN, err), in, -1, err)
          < 0
      || virtio_console_port_bind_fds (
             m->con, virtio_console_add_port (m->con, VMPROTO_PORT_STDOUT, err), -1, out, err)
             < 0
      || virtio_console_port_bind_fds (
             m->con, virtio_console_add_port (m->con, VMPROTO_PORT_STDERR, err), -1, errout, err)
             < 0)
    return -1;
  return 0;
}

static int
attach_9p (struct vmm_machine *m, const struct virtio_mmio_params *p, hy_error_t *err)
{
  if (m->cfg.share == NULL)
    return 0;
  m->p9 = virtio_9p_create (p, m->cfg.share, VMPROTO_ROOTFS_TAG, m->cfg.idmap, err);
  return m->p9 ? 0 : -1;
}

static int
attach_9p_vols (struct vmm_machine *m, const struct virtio_mmio_params *p, hy_error_t *err)
{
  if (m->cfg.vols == NULL)
    return 0;
  m->p9_vols = virtio_9p_create (p, m->cfg.vols, VMPROTO_VOLS_TAG, m->cfg.idmap, err);
  return m->p9_vols ? 0 : -1;
}

/* Free pages the guest reports go back to the host (virtio_balloon.h).
 * Not with an assigned device: its DMA pinned guest RAM, and a page given
 * back would leave the device writing to the old page. */
static int
attach_balloon (struct vmm_machine *m, const struct virtio_mmio_params *p, hy_error_t *err)
{
  if (m->cfg.n_vfio)
    return 0;
  m->balloon = virtio_balloon_create (p, err);
  return m->balloon ? 0 : -1;
}

static struct virtio_dev *
balloon_dev (struct vmm_machine *m)
{
  return m->balloon ? virtio_balloon_dev (m->balloon) : NULL;
}

static struct virtio_dev *
console_dev (struct vmm_machine *m)
{
  return m->con ? virtio_console_dev (m->con) : NULL;
}

static struct virtio_dev *
p9_dev (struct vmm_machine *m)
{
  return m->p9 ? virtio_9p_dev (m->p9) : NULL;
}

static struct virtio_dev *
p9_vols_dev (struct vmm_machine *m)
{
  return m->p9_vols ? virtio_9p_dev (m->p9_vols) : NULL;
}

/* The virtio devices, one slot each, attached in this order and torn down
 * in reverse. */
static const struct
{
  const char *name;
  int (*attach) (struct vmm_machine *m, const struct virtio_mmio_params *p, hy_error_t *err);
  struct virtio_dev *(*dev) (struct vmm_machine *m);
} virtio_devices[] = {
  { "virtio-console", attach_console, console_dev },
  { "virtio-9p", attach_9p, p9_dev },
  { "virtio-9p (volumes)", attach_9p_vols, p9_vols_dev },
  { "virtio-balloon", attach_balloon, balloon_dev },
};
#define N_VIRTIO (sizeof (virtio_devices) / sizeof (virtio_devices[0]))

/* virtio-net: one device per host interface, in the slots after the
 * table's (VIRTIO_MMIO_MAX_SLOTS bounds them). */
static int
attach_nics (struct vmm_machine *m, hy_error_t *err)
{
  const struct vmm_net *net = m->cfg.net;
  unsigned i;

  for (i = 0; net && i < net->n_ifs; i++)
    {
      const struct vmm_net_if *nif = &net->ifs[i];
      unsigned slot = (unsigned)N_VIRTIO + i;
      struct virtio_mmio_params p = { m->bus, m->vm, m->vm->mem, virtio_mmio_slot_base (slot),
                                      virtio_mmio_slot_irq (slot) };

      if (slot >= VIRTIO_MMIO_MAX_SLOTS)
        return hy_error_set (err, 0, "virtio-net: no device slot left for interface %s", nif->name);
      m->nics[i] = virtio_net_create (&p, m->loop, nif->tap_fd, nif->mac, nif->mtu, err);
      if (m->nics[i] == NULL)
        return hy_error_prefix (err, "interface %s", nif->name);
      m->n_nics++;
    }
  return 0;
}

/* Passthrough: the groups into one VFIO container with guest RAM mapped
 * for DMA, a PCI bus, each device of each group on it. */
static int
attach_vfio (struct vmm_machine *m, hy_error_t *err)
{
  const struct vmm_machine_config *c = &m->cfg;
  size_t g, i;

  if (c->n_vfio == 0)
    return 0;
  m->vfio = vmm_vfio_open (c->vfio, c->n_vfio, m->vm->mem, err);
  if (m->vfio == NULL)
    return -1;
  m->pci = vmm_pci_create (m->bus, err);
  if (m->pci == NULL)
    return -1;
  m->msi = vmm_msi_create (m->vm);
  for (g = 0; g < c->n_vfio; g++)
    for (i = 0; i < c->vfio[g].n_devices; i++)
      {
        const char *name = c->vfio[g].devices[i];
        int fd;

        if (m->n_pdevs == VMM_MAX_PCI_DEVS)
          return hy_error_set (err, 0, "`%s`: more than %d devices to assign", c->vfio[g].path,
                               VMM_MAX_PCI_DEVS);
        fd = vmm_vfio_device_fd (m->vfio, g, c->vfio[g].path, name, err);
        if (fd < 0)
          return -1;
        m->pdevs[m->n_pdevs]
            = vfio_pci_create (m->pci, m->vm, m->msi, fd, name, PCI_SLOT_BASE + 6 * m->n_pdevs,
                               PCI_INTX_PIN_FIRST + m->n_pdevs % PCI_INTX_PINS, err);
        if (m->pdevs[m->n_pdevs] == NULL)
          return hy_error_prefix (err, "`%s`", c->vfio[g].path);
        m->n_pdevs++;
      }
  return 0;
}

static void
detach_vfio (struct vmm_machine *m)
{
  unsigned i;

  for (i = m->n_pdevs; i-- > 0;)
    vfio_pci_destroy (m->pdevs[i]);
  m->n_pdevs = 0;
  vmm_pci_destroy (m->pci);
  vmm_msi_destroy (m->msi);
  vmm_vfio_close (m->vfio);
  m->pci = NULL;
  m->msi = NULL;
  m->vfio = NULL;
}

static int
attach_devices (struct vmm_machine *m, hy_error_t *err)
{
  unsigned i;

  if (attach_vfio (m, err) < 0)
    return -1;

  if (m->cfg.console)
    {
      m->serial
          = vmm_serial_create (m->bus, m->vm, VMM_PORT_COM1, VMM_IRQ_COM1, m->cfg.console_fd, err);
      if (m->serial == NULL)
        return -1;
    }
  m->rtc = vmm_rtc_create (m->bus, err);
  if (m->rtc == NULL)
    return -1;
  for (i = 0; i < N_VIRTIO; i++)
    {
      struct virtio_mmio_params p
          = { m->bus, m->vm, m->vm->mem, virtio_mmio_slot_base (i), virtio_mmio_slot_irq (i) };
      if (virtio_devices[i].attach (m, &p, err) < 0)
        return hy_error_prefix (err, "%s", virtio_devices[i].name);
    }
  return attach_nics (m, err);
}

/* reboot=t: a guest reboot is a triple fault, which ends the run loop;
 * no console unless asked (every byte on the 8250 is a VM exit). */
static char *
make_cmdline (struct vmm_machine *m)
{
  /* no PCI bus without an assigned device: pci=off spares the probe */
  char *s
      = xasprintf ("reboot=t panic=-1 quiet %s%s",
                   m->cfg.console ? "console=ttyS0" : "8250.nr_uarts=0", m->pci ? "" : " pci=off");
  unsigned i;

  for (i = 0; i < N_VIRTIO; i++)
    {
      struct virtio_dev *d = virtio_devices[i].dev (m);
      if (d)
        {
          cleanup_free char *frag = virtio_mmio_cmdline (d);
          char *n = xasprintf ("%s %s", s, frag);
          free (s);
          s = n;
        }
    }
  for (i = 0; i < m->n_nics; i++)
    {
      cleanup_free char *frag = virtio_mmio_cmdline (virtio_net_dev (m->nics[i]));
      char *n = xasprintf ("%s %s", s, frag);
      free (s);
      s = n;
    }
  if (m->cfg.cmdline && *m->cfg.cmdline)
    {
      char *n = xasprintf ("%s %s", s, m->cfg.cmdline);
      free (s);
      s = n;
    }
  return s;
}

static int
load_guest (struct vmm_machine *m, hy_error_t *err)
{
  struct vmm_boot_config b = { .kernel = m->cfg.kernel, .initrd = m->cfg.initrd };
  struct vmm_mptable_pci_irq intx[VMM_MAX_PCI_DEVS];
  struct vmm_boot_info info;
  size_t n_intx = 0;
  unsigned i;

  if (m->cfg.agent && vmm_machine_initramfs (&b, m->cfg.agent, err) < 0)
    return -1;
  m->cmdline = make_cmdline (m);
  b.cmdline = m->cmdline;
  hy_debug ("vm: kernel command line: %s", m->cmdline);
  if (vmm_boot_linux (m->vm->mem, &b, &info, err) < 0)
    return hy_error_prefix (err, "guest kernel `%s`", m->cfg.kernel);
  for (i = 0; i < m->n_pdevs; i++)
    if (vfio_pci_intx_pin (m->pdevs[i]))
      intx[n_intx++] = (struct vmm_mptable_pci_irq){ (uint8_t)vfio_pci_slot (m->pdevs[i]),
                                                     (uint8_t)vfio_pci_intx_pin (m->pdevs[i]) };
  if (vmm_mptable_write (m->vm->mem, m->n_vcpus, intx, n_intx, err) < 0)
    return -1;
  m->times.cpu_vcpus = vmm_cpu_ns ();
  for (i = 0; i < m->n_vcpus; i++)
    {
      m->vcpus[i] = vmm_vcpu_create (m->vm, (int)i, err);
      if (m->vcpus[i] == NULL)
        return -1;
    }
  m->times.cpu_vcpus = vmm_cpu_ns () - m->times.cpu_vcpus;
  /* The APs wait in the in-kernel LAPIC for the BSP's INIT/SIPI. */
  return vmm_vcpu_set_entry (m->vcpus[0], &info.entry, err);
}

struct vmm_machine *
vmm_machine_create (const struct vmm_machine_config *cfg, hy_error_t *err)
{
  struct vmm_machine *m = xzalloc (sizeof (*m));
  struct vmm_vm_config vc
      = { .ram_size = cfg->mem_mib << 20, .mergeable = cfg->mergeable, .irqchip = true };

  m->cfg = *cfg;
  m->times.start = vmm_now_ns ();
  m->times.cpu_start = vmm_cpu_ns ();
  m->first_stop = -1;
  m->stdin_pipe[0] = m->stdin_pipe[1] = -1;
  m->n_vcpus = cfg->vcpus ? cfg->vcpus : 1;
  pthread_mutex_init (&m->lock, NULL);
  m->stopped_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (m->stopped_fd < 0)
    {
      hy_error_set (err, errno, "eventfd");
      goto fail;
    }
  if (cfg->mem_mib < VMM_MIN_MEM_MIB)
    {
      hy_error_set (err, 0, "guest RAM: %llu MiB is less than the %d MiB a guest needs",
                    (unsigned long long)cfg->mem_mib, VMM_MIN_MEM_MIB);
      goto fail;
    }
  if (m->n_vcpus > VMM_MAX_VCPUS)
    {
      hy_error_set (err, 0, "%u vCPUs: at most %d", m->n_vcpus, VMM_MAX_VCPUS);
      goto fail;
    }
  m->vm = vmm_vm_create (&vc, err);
  if (m->vm == NULL)
    goto fail;
  m->times.vm_created = vmm_now_ns ();
  m->times.cpu_vm_created = vmm_cpu_ns ();
  m->bus = vmm_bus_create ();
  m->loop = vmm_loop_create (err);
  if (m->loop == NULL || attach_devices (m, err) < 0 || load_guest (m, err) < 0)
    goto fail;
  m->times.kernel_loaded = vmm_now_ns ();
  m->times.cpu_kernel_loaded = vmm_cpu_ns ();
  return m;
fail:
  vmm_machine_destroy (m);
  return NULL;
}

/* --- running ------------------------------------------------------------ */

static _Thread_local struct kvm_run *kick_run;

static void
on_kick (int sig)
{
  if (kick_run)
    kick_run->immediate_exit = 1;
}

struct vcpu_thread
{
  struct vmm_machine *m;
  struct vmm_vcpu *vcpu;
};

static void
vcpu_stopped (struct vmm_machine *m, int stop, hy_error_t *err)
{
  uint64_t one = 1;
  unsigned i;

  pthread_mutex_lock (&m->lock);
  if (m->first_stop < 0)
    {
      m->first_stop = stop;
      if (err && *err)
        hy_error_move (&m->vcpu_err, err);
    }
  pthread_mutex_unlock (&m->lock);
  vmm_vm_request_stop (m->vm, 0);
  for (i = 0; i < m->n_threads; i++)
    pthread_kill (m->threads[i], SIG_KICK);
  if (write (m->stopped_fd, &one, sizeof (one)) < 0)
    return;
}

static void *
vcpu_thread (void *arg)
{
  struct vcpu_thread *t = arg;
  cleanup_error hy_error_t err = NULL;
  sigset_t kick;
  int r;

  kick_run = t->vcpu->run;
  sigemptyset (&kick);
  sigaddset (&kick, SIG_KICK);
  pthread_sigmask (SIG_UNBLOCK, &kick, NULL);
  for (;;)
    {
      r = vmm_vcpu_run (t->vcpu, t->m->bus, &err);
      if (r == VMM_STOP_INTERRUPTED && !atomic_load (&t->m->vm->stop))
        {
          t->vcpu->run->immediate_exit = 0;
          continue;
        }
      break;
    }
  vcpu_stopped (t->m, r < 0 ? -1 : r, &err);
  free (t);
  return NULL;
}

int
vmm_machine_start (struct vmm_machine *m, hy_error_t *err)
{
  struct sigaction sa = { .sa_handler = on_kick };
  sigset_t kick;
  unsigned i;
  int r;

  /* The kick is blocked everywhere but in the vCPU threads. */
  sigemptyset (&kick);
  sigaddset (&kick, SIG_KICK);
  pthread_sigmask (SIG_BLOCK, &kick, NULL);
  if (sigaction (SIG_KICK, &sa, NULL) < 0)
    return hy_error_set (err, errno, "sigaction");
  if (out_copiers_start (m, err) < 0 || vmm_loop_start (m->loop, err) < 0)
    return -1;
  m->loop_started = true;
  for (i = 0; i < m->n_vcpus; i++)
    {
      struct vcpu_thread *t = xmalloc (sizeof (*t));
      t->m = m;
      t->vcpu = m->vcpus[i];
      pthread_mutex_lock (&m->lock);
      r = pthread_create (&m->threads[i], NULL, vcpu_thread, t);
      if (r == 0)
        m->n_threads++;
      pthread_mutex_unlock (&m->lock);
      if (r != 0)
        {
          free (t);
          return hy_error_set (err, r, "start vCPU %u", i);
        }
    }
  return 0;
}

int
vmm_machine_stopped_fd (const struct vmm_machine *m)
{
  return m->stopped_fd;
}

int
vmm_machine_stop (struct vmm_machine *m, hy_error_t *err)
{
  unsigned i;
  int r;

  vmm_vm_request_stop (m->vm, 0);
  for (i = 0; i < m->n_threads; i++)
    pthread_kill (m->threads[i], SIG_KICK);
  for (i = 0; i < m->n_threads; i++)
    pthread_join (m->threads[i], NULL);
  m->n_threads = 0;
  if (m->loop_started)
    {
      m->loop_started = false;
      vmm_loop_stop (m->loop, NULL);
    }
  if (m->serial)
    vmm_serial_flush (m->serial, NULL);
  out_copiers_finish (m);
  pthread_mutex_lock (&m->lock);
  r = m->first_stop;
  if (r < 0 && m->vcpu_err)
    {
      hy_error_move (err, &m->vcpu_err);
      r = -1;
    }
  pthread_mutex_unlock (&m->lock);
  return r < 0 && !(err && *err) ? VMM_STOP_REQUESTED : r;
}

void
vmm_machine_destroy (struct vmm_machine *m)
{
  unsigned i;

  if (m == NULL)
    return;
  if (m->vm)
    vmm_machine_stop (m, NULL);
  for (i = m->n_vcpus; i-- > 0;)
    vmm_vcpu_destroy (m->vcpus[i]);
  for (i = m->n_nics; i-- > 0;)
    virtio_net_destroy (m->nics[i]);
  detach_vfio (m);
  virtio_balloon_destroy (m->balloon);
  if (m->p9_vols)
    virtio_9p_destroy (m->p9_vols);
  if (m->p9)
    virtio_9p_destroy (m->p9);
  if (m->con)
    virtio_console_destroy (m->con);
  vmm_rtc_destroy (m->rtc);
  vmm_serial_destroy (m->serial);
  vmm_loop_destroy (m->loop);
  vmm_bus_destroy (m->bus);
  vmm_vm_destroy (m->vm);
  if (m->stdin_pipe[0] >= 0)
    close (m->stdin_pipe[0]);
  out_copiers_finish (m); /* the pipes of a machine never started */
  free (m->out[0]);
  free (m->out[1]);
  if (m->stopped_fd >= 0)
    close (m->stopped_fd);
  hy_error_free (&m->vcpu_err);
  pthread_mutex_destroy (&m->lock);
  free (m->cmdline);
  free (m);
}

const struct vmm_machine_times *
vmm_machine_times (struct vmm_machine *m)
{
  if (m->times.first_exit == 0 && m->vcpus[0])
    m->times.first_exit = m->vcpus[0]->first_exit_ns;
  return &m->times;
}

char *
vmm_machine_p9_counts (const struct vmm_machine *m, bool volumes)
{
  const struct virtio_9p *p9 = volumes ? m->p9_vols : m->p9;

  return p9 ? p9_server_counts_text (virtio_9p_server (p9)) : NULL;
}

void
vmm_machine_stop_describe (struct vmm_machine *m, char *buf, size_t len)
{
  size_t o = 0;

  vmm_machine_stop (m, NULL);
  buf[0] = '\0';
  for (unsigned i = 0; i < m->n_vcpus && o + 3 < len; i++)
    if (m->vcpus[i])
      {
        if (o)
          o += (size_t)snprintf (buf + o, len - o, "; ");
        vmm_vcpu_describe (m->vcpus[i], buf + o, len - o);
        o += strlen (buf + o);
      }
}

void
vmm_machine_exit_stats (const struct vmm_machine *m, struct vmm_exit_stats *out)
{
  unsigned i, j;

  memset (out, 0, sizeof (*out));
  for (i = 0; i < m->n_vcpus; i++)
    if (m->vcpus[i])
      {
        out->total += m->vcpus[i]->stats.total;
        out->pio_unhandled += m->vcpus[i]->stats.pio_unhandled;
        out->mmio_unhandled += m->vcpus[i]->stats.mmio_unhandled;
        for (j = 0; j < VMM_EXIT_REASONS; j++)
          out->by_reason[j] += m->vcpus[i]->stats.by_reason[j];
      }
}

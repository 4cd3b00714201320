/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The VMM's side of the control protocol ("hyrun:vmm").  Stages: BOOTING
 * (until the agent's READY, then CONFIG goes down), CREATING (until
 * CREATED: the runtime's create returns), CREATED (until `hyrun start`
 * opens the exec fifo: START goes down), RUNNING (signals forwarded, exec
 * clients accepted and relayed (exec_relay.c), until EXIT).  The guest is
 * untrusted: a message out of order is an error, and the session never
 * waits on the guest without also watching the machine and the host
 * signals. */
#include "kvm-shim/vmm/session.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/test_hook.h"
#include "common/xalloc.h"
#include "kvm-shim/proto/vmproto.h"
#include "kvm-shim/vmm/exec_relay.h"
#include "kvm-shim/vmm/tty.h"

#include <endian.h>
#include <linux/kvm.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/* From VMM start to CREATED: a nested, software-emulated boot takes
 * about 2 s here; hardware well under one. */
#define BOOT_TIMEOUT_MS 120000
/* What the session queues for the guest (the control port's far side
 * takes it as the guest posts buffers): above the soft bound exec
 * clients are not read (their stdin waits in their sockets), past the
 * hard one a forwarded signal is dropped; CONFIG alone may be
 * VMPROTO_MAX_PAYLOAD. */
#define CTL_QUEUE_SOFT (2u << 20)
#define CTL_QUEUE_MAX (VMPROTO_MAX_PAYLOAD + (4u << 20))

enum stage
{
  BOOTING,
  CREATING,
  CREATED,
  RUNNING,
  DONE,
};

struct session
{
  struct vmm_machine *m;
  const struct vmm_session_config *cfg;
  int ctl;
  enum stage stage;
  struct vmproto_reader rd;
  struct vmproto_outq out; /* to the guest, written as the channel takes it */
  int wait_status;
  struct vmm_exec_relay execs;
};

/* Signals a `hyrun kill` may send that the workload should get.  The
 * synchronous ones (SIGSEGV, ...) stay unblocked; SIGKILL and SIGSTOP
 * cannot be caught and end or stop the VMM itself, as they would an init. */
static const int forwarded[]
    = { SIGHUP,  SIGINT,  SIGQUIT,  SIGUSR1, SIGUSR2, SIGTERM,   SIGALRM, SIGCONT, SIGTSTP,
        SIGTTIN, SIGTTOU, SIGWINCH, SIGURG,  SIGXCPU, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR };

static void
forwarded_set (sigset_t *set)
{
  size_t i;

  sigemptyset (set);
  for (i = 0; i < sizeof (forwarded) / sizeof (forwarded[0]); i++)
    sigaddset (set, forwarded[i]);
}

void
vmm_session_block_signals (void)
{
  sigset_t set;

  forwarded_set (&set);
  pthread_sigmask (SIG_BLOCK, &set, NULL);
  /* a closed stdout must not kill the VMM mid-flush */
  signal (SIGPIPE, SIG_IGN);
}

static uint64_t
ms_since_start (const struct session *s)
{
  return (vmm_now_ns () - vmm_machine_times (s->m)->start) / 1000000;
}

/* Everything for the guest goes through the queue: the control channel
 * is non-blocking both ways, since its far side (the console device,
 * driven by the guest) may itself be waiting for the session to read. */
static int
ctl_send (struct session *s, enum vmproto_type type, const void *payload, uint32_t len,
          hy_error_t *err)
{
  if (!vmproto_outq_push (&s->out, type, payload, len))
    return hy_error_set (err, ENOBUFS, "%s: %zu bytes queued that the guest does not read",
                         VMPROTO_PORT_CTL, vmproto_outq_pending (&s->out));
  return vmproto_outq_flush (&s->out, s->ctl, err);
}

/* The host terminal's size, as RESIZE (none while it has no size). */
static int
ctl_send_size (struct session *s, hy_error_t *err)
{
  uint8_t ws[VMPROTO_WINSIZE_LEN];

  if (!vmm_tty_get_size (s->cfg->tty_fd, ws))
    return 0;
  return ctl_send (s, VMPROTO_RESIZE, ws, sizeof (ws), err);
}

/* The exec fifo's write end blocks until `hyrun start` opens the read end:
 * a thread waits there and wakes the session through an eventfd. */
struct fifo_wait
{
  int fifo_fd, event_fd;
};

static void *
fifo_thread (void *arg)
{
  struct fifo_wait *w = arg;
  char path[64];
  uint64_t one = 1;
  int fd;

  snprintf (path, sizeof (path), "/proc/self/fd/%d", w->fifo_fd);
  fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      if (write (fd, "0", 1) < 0)
        one = 2;
      close (fd);
    }
  if (write (w->event_fd, &one, sizeof (one)) < 0)
    return NULL;
  return NULL;
}

static int
start_fifo_thread (struct fifo_wait *w, hy_error_t *err)
{
  pthread_t t;
  int r;

  r = pthread_create (&t, NULL, fifo_thread, w);
  if (r != 0)
    return hy_error_set (err, r, "start the exec fifo thread");
  pthread_detach (t);
  return 0;
}

static int
on_msg (struct session *s, const struct vmproto_msg *msg, hy_error_t *err)
{
  static const enum stage expected[VMPROTO_TYPE_END] = {
    [VMPROTO_READY] = BOOTING,
    [VMPROTO_CREATED] = CREATING,
    [VMPROTO_STARTED] = RUNNING,
    [VMPROTO_EXIT] = RUNNING,
  };

  if (msg->type == VMPROTO_ERROR)
    return hy_error_set (err, 0, "guest: %.*s", (int)msg->len, (const char *)msg->payload);
  switch (msg->type)
    {
    case VMPROTO_EXEC_STARTED:
    case VMPROTO_EXEC_STDOUT:
    case VMPROTO_EXEC_STDERR:
    case VMPROTO_EXEC_EXIT:
    case VMPROTO_EXEC_ERROR:
    case VMPROTO_EXEC_STDIN_ACK:
      if (s->stage != RUNNING)
        break;
      return vmm_exec_relay_from_guest (&s->execs, &s->out, msg, err);
    default:
      break;
    }
  if (msg->type >= VMPROTO_TYPE_END || expected[msg->type] != s->stage
      || (msg->type != VMPROTO_READY && msg->type != VMPROTO_CREATED && msg->type != VMPROTO_STARTED
          && msg->type != VMPROTO_EXIT))
    return hy_error_set (err, 0, "%s: unexpected %s from the guest", VMPROTO_PORT_CTL,
                         vmproto_type_name (msg->type));
  switch (msg->type)
    {
    case VMPROTO_READY:
      {
        const struct vmm_machine_times *t = vmm_machine_times (s->m);
        hy_debug ("vm: VM created %.1f ms, kernel loaded %.1f ms (%.1f CPU-ms, %.1f of them "
                  "creating the VM), first guest exit %.1f ms, agent ready %llu ms after the VMM "
                  "started (guest kernel %.*s)",
                  (double)(t->vm_created - t->start) / 1e6,
                  (double)(t->kernel_loaded - t->start) / 1e6,
                  (double)(t->cpu_kernel_loaded - t->cpu_start) / 1e6,
                  (double)(t->cpu_vm_created - t->cpu_start) / 1e6,
                  (double)(t->first_exit - t->start) / 1e6, (unsigned long long)ms_since_start (s),
                  (int)msg->len, (const char *)msg->payload);
      }
      s->stage = CREATING;
      test_hook_stop ("vm-agent-ready");
      if (ctl_send (s, VMPROTO_NET, s->cfg->net_recs, s->cfg->net_len, err) < 0)
        return -1;
      {
        size_t id_len = strlen (s->cfg->id) + 1;
        cleanup_free char *buf = xmalloc (id_len + s->cfg->config_len);
        memcpy (buf, s->cfg->id, id_len);
        memcpy (buf + id_len, s->cfg->config_json, s->cfg->config_len);
        return ctl_send (s, VMPROTO_CONFIG, buf, (uint32_t)(id_len + s->cfg->config_len), err);
      }
    case VMPROTO_CREATED:
      hy_debug ("vm: container created in the guest after %llu ms",
                (unsigned long long)ms_since_start (s));
      s->stage = CREATED;
      /* the master may have been resized while the guest booted */
      if (s->cfg->terminal && ctl_send_size (s, err) < 0)
        return -1;
      if (s->cfg->on_created && s->cfg->on_created (s->cfg->opaque, err) < 0)
        return -1;
      if (s->cfg->fifo_fd < 0)
        {
          s->stage = RUNNING;
          return ctl_send (s, VMPROTO_START, NULL, 0, err);
        }
      return 0;
    case VMPROTO_STARTED:
      hy_debug ("vm: workload started after %llu ms (guest pid %u)",
                (unsigned long long)ms_since_start (s), vmproto_u32 (msg));
      return 0;
    case VMPROTO_EXIT:
      s->wait_status = (int)vmproto_u32 (msg);
      s->stage = DONE;
      return 0;
    default:
      return 0;
    }
}

static int
read_ctl (struct session *s, hy_error_t *err)
{
  uint8_t buf[65536];
  struct vmproto_msg msg;
  ssize_t n = read (s->ctl, buf, sizeof (buf));
  int r = 0;

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (n <= 0)
    return hy_error_set (err, n < 0 ? errno : 0, "%s: the guest closed the channel",
                         VMPROTO_PORT_CTL);
  vmproto_reader_feed (&s->rd, buf, (size_t)n);
  while (s->stage != DONE && (r = vmproto_reader_next (&s->rd, &msg, err)) > 0)
    if (on_msg (s, &msg, err) < 0)
      return -1;
  return s->stage == DONE ? 0 : r;
}

/* A host signal: forwarded once the container exists in the guest; while
 * the guest still boots there is nothing to forward to, and the VMM ends
 * the way the container's init would. */
static int
on_signal (struct session *s, int sfd, hy_error_t *err)
{
  struct signalfd_siginfo si;

  if (read (sfd, &si, sizeof (si)) != sizeof (si))
    return 0;
  /* with a terminal, SIGWINCH is the host pty's resize: the guest pty
   * takes the size (and signals the workload itself) */
  if (si.ssi_signo == SIGWINCH && s->cfg->terminal)
    return s->stage == CREATED || s->stage == RUNNING ? ctl_send_size (s, err) : 0;
  if (s->stage == CREATED || s->stage == RUNNING)
    {
      uint32_t le = htole32 (si.ssi_signo);
      /* a guest that reads nothing fills the queue: the signal is lost, as
       * a standard signal already pending would be; SIGKILL still ends
       * the VMM */
      if (!vmproto_outq_push (&s->out, VMPROTO_SIGNAL, &le, sizeof (le)))
        {
          hy_debug ("vm: signal %u dropped: the guest reads no control messages", si.ssi_signo);
          return 0;
        }
      return vmproto_outq_flush (&s->out, s->ctl, err);
    }
  if (si.ssi_signo == SIGCONT || si.ssi_signo == SIGWINCH || si.ssi_signo == SIGURG)
    return 0;
  s->wait_status = (int)si.ssi_signo; /* as WIFSIGNALED */
  s->stage = DONE;
  return 0;
}

int
vmm_session_run (struct vmm_machine *m, int ctl_fd, const struct vmm_session_config *cfg,
                 int *wait_status, hy_error_t *err)
{
  struct session s = { .m = m, .cfg = cfg, .ctl = ctl_fd, .stage = BOOTING };
  cleanup_close int sfd = -1, efd = -1;
  struct fifo_wait fw;
  sigset_t set;
  int r = 0;

  forwarded_set (&set);
  sfd = signalfd (-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (sfd < 0 || efd < 0)
    return hy_error_set (err, errno, "signalfd/eventfd");
  fw.fifo_fd = cfg->fifo_fd;
  fw.event_fd = efd;
  if (cfg->fifo_fd >= 0 && start_fifo_thread (&fw, err) < 0)
    return -1;
  vmproto_reader_init (&s.rd);
  vmproto_outq_init (&s.out, CTL_QUEUE_MAX);
  vmm_exec_relay_init (&s.execs, cfg->exec_fd);
  while (r == 0 && s.stage != DONE)
    {
      int timeout = -1;
      struct pollfd p[4 + 1 + VMM_EXEC_MAX_CLIENTS] = {
        { ctl_fd, (short)(POLLIN | (vmproto_outq_pending (&s.out) ? POLLOUT : 0)), 0 },
        { sfd, POLLIN, 0 },
        { efd, s.stage == CREATED ? POLLIN : 0, 0 },
        { vmm_machine_stopped_fd (m), POLLIN, 0 },
      };
      size_t n_exec = 0;
      /* a guest that never comes up must not hang create forever */
      if (s.stage < CREATED)
        {
          uint64_t ms = ms_since_start (&s);
          if (ms >= BOOT_TIMEOUT_MS)
            {
              struct vmm_exit_stats st;
              char where[1024];
              vmm_machine_exit_stats (m, &st);
              /* which kind of exit the guest stopped making tells a
               * boot that stalled early from an agent that is stuck; the
               * vCPUs' rip (a symbol of the guest kernel) and last port
               * accesses tell where */
              vmm_machine_stop_describe (m, where, sizeof (where));
              r = hy_error_set (err, 0,
                                "the guest did not create the container within %d s (%llu VM "
                                "exits so far: %llu port I/O, %llu MMIO, %llu HLT, %llu unclaimed; "
                                "%s)",
                                BOOT_TIMEOUT_MS / 1000, (unsigned long long)st.total,
                                (unsigned long long)st.by_reason[KVM_EXIT_IO],
                                (unsigned long long)st.by_reason[KVM_EXIT_MMIO],
                                (unsigned long long)st.by_reason[KVM_EXIT_HLT],
                                (unsigned long long)(st.pio_unhandled + st.mmio_unhandled), where);
              break;
            }
          timeout = (int)(BOOT_TIMEOUT_MS - ms);
        }
      /* exec clients' input waits in their sockets while the guest is
       * behind on what it was sent */
      s.execs.reading = vmproto_outq_pending (&s.out) < CTL_QUEUE_SOFT;
      if (cfg->exec_fd >= 0)
        n_exec = vmm_exec_relay_pollfds (&s.execs, s.stage == RUNNING, p + 4,
                                         1 + VMM_EXEC_MAX_CLIENTS);
      if (poll (p, 4 + n_exec, timeout) < 0)
        {
          if (errno != EINTR)
            r = hy_error_set (err, errno, "poll");
          continue;
        }
      if (p[0].revents & POLLOUT)
        r = vmproto_outq_flush (&s.out, ctl_fd, err);
      if (r == 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR)))
        r = read_ctl (&s, err);
      if (r == 0 && (p[1].revents & POLLIN))
        r = on_signal (&s, sfd, err);
      if (r == 0 && (p[2].revents & POLLIN) && s.stage == CREATED)
        {
          s.stage = RUNNING;
          r = ctl_send (&s, VMPROTO_START, NULL, 0, err);
        }
      if (r == 0 && s.stage == RUNNING)
        r = vmm_exec_relay_on_poll (&s.execs, &s.out, p + 4, n_exec, err);
      if (r == 0)
        r = vmproto_outq_flush (&s.out, ctl_fd, err);
      if (r == 0 && s.stage != DONE && (p[3].revents & POLLIN))
        r = hy_error_set (err, 0, "the guest stopped before the container's process ended");
    }
  /* the workload ended: its exec'd processes ended with the guest */
  vmm_exec_relay_fini (&s.execs);
  vmproto_reader_fini (&s.rd);
  vmproto_outq_fini (&s.out);
  if (r == 0)
    *wait_status = s.wait_status;
  return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* hyrun-agent: PID 1 of a VM-mode guest ("hyrun:agent").  It mounts the
 * guest's file systems and the shared rootfs, tells the VMM it is up,
 * receives the container's id and config.json, builds the container with
 * the same libcontainer code as container mode (namespaces, mounts, user,
 * capabilities, rlimits, seccomp, inside the guest), starts it on START,
 * forwards SIGNALs, runs `hyrun exec`'s processes (exec.c), reports the
 * exit status and powers the guest off. */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "kvm-shim/agent/agent.h"
#include "kvm-shim/proto/vmproto.h"
#include "libcontainer/container.h"
#include "libcontainer/netlink.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

struct agent
{
  int ctl;
  struct vmproto_reader rd;
  char *id;
  char *state_dir;
  struct spec *spec;
  pid_t pid; /* the workload (the container init), 0 before create */
  struct agent_execs execs;
  struct agent_tty tty; /* process.terminal */
};

/* The guest is disposable: whatever happens, it ends here.  With
 * reboot=t on the command line a reboot is a triple fault, which ends the
 * VMM's run loop (KVM_EXIT_SHUTDOWN); there is no ACPI to power off with. */
__attribute__ ((noreturn)) static void
power_off (void)
{
  sync ();
  reboot (RB_AUTOBOOT);
  for (;;)
    pause ();
}

__attribute__ ((noreturn)) static void
fail (struct agent *a, hy_error_t *err)
{
  const char *msg = *err ? (*err)->msg : "unknown error";

  if (a->ctl < 0 || vmproto_send (a->ctl, VMPROTO_ERROR, msg, (uint32_t)strlen (msg), NULL) < 0)
    dprintf (STDERR_FILENO, "hyrun-agent: %s\n", msg);
  power_off ();
}

/* Block until one whole message arrives on the control port. */
static int
recv_msg (struct agent *a, struct vmproto_msg *msg, hy_error_t *err)
{
  for (;;)
    {
      uint8_t buf[65536];
      ssize_t n;
      int r = vmproto_reader_next (&a->rd, msg, err);
      if (r != 0)
        return r;
      n = read (a->ctl, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return hy_error_set (err, errno, "%s: the host closed the channel", VMPROTO_PORT_CTL);
      vmproto_reader_feed (&a->rd, buf, (size_t)n);
    }
}

static int
expect (struct agent *a, enum vmproto_type type, struct vmproto_msg *msg, hy_error_t *err)
{
  if (recv_msg (a, msg, err) < 0)
    return -1;
  if (msg->type != type)
    return hy_error_set (err, 0, "%s: expected %s, got %s", VMPROTO_PORT_CTL,
                         vmproto_type_name (type), vmproto_type_name (msg->type));
  return 0;
}

/* CONFIG: "<id>\0<config.json>". */
static int
load_config (struct agent *a, const struct vmproto_msg *msg, hy_error_t *err)
{
  const char *p = (const char *)msg->payload;
  size_t id_len = strnlen (p, msg->len);

  if (id_len == 0 || id_len >= msg->len)
    return hy_error_set (err, 0, "%s: CONFIG without a container id", VMPROTO_PORT_CTL);
  a->id = xstrndup (p, id_len);
  a->spec = spec_parse ("config.json", p + id_len + 1, msg->len - id_len - 1, err);
  if (a->spec == NULL)
    return -1;
  if (a->spec->root == NULL)
    return hy_error_set (err, 0, "config.json: root: required");
  /* The bundle's rootfs folder is what the VMM shares: it is the root. */
  free (a->spec->root->path);
  a->spec->root->path = xstrdup (AGENT_ROOTFS);
  /* Hooks name host paths and run on the host (not yet in VM mode). */
  a->spec->hooks = NULL;
  return 0;
}

/* The container's stdio are the VMM's, through three ports. */
static int
attach_stdio (hy_error_t *err)
{
  static const struct
  {
    const char *name;
    int flags, fd;
  } ports[] = {
    { VMPROTO_PORT_STDIN, O_RDONLY, STDIN_FILENO },
    { VMPROTO_PORT_STDOUT, O_WRONLY, STDOUT_FILENO },
    { VMPROTO_PORT_STDERR, O_WRONLY, STDERR_FILENO },
  };
  size_t i;

  for (i = 0; i < sizeof (ports) / sizeof (ports[0]); i++)
    {
      int fd = agent_port_open (ports[i].name, ports[i].flags, err);
      if (fd < 0 || dup2 (fd, ports[i].fd) < 0)
        return hy_error_set (err, errno, "attach %s", ports[i].name);
      close (fd);
    }
  return 0;
}

/* The agent keeps no port of the workload's open: the ports are the
 * workload's alone (and only one opener per port is allowed). */
static void
detach_stdio (void)
{
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);

  for (int fd = 0; fd <= 2; fd++)
    dup3 (null, fd, 0);
  close (null);
}

/* process.terminal: the agent is the console socket (tty.c); the pty is
 * the workload's stdio, the stdio ports are the agent's, to relay. */
static int
create_on_tty (struct agent *a, struct lc_config *cfg, hy_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/tty.sock", a->state_dir);
  cleanup_close int lfd = agent_tty_listen (path, err);
  struct lc_created cr = { 0 };
  int master;

  if (lfd < 0)
    return -1;
  cfg->console_socket = path;
  if (lc_container_create (a->spec, cfg, NULL, &cr, err) < 0)
    return -1;
  a->pid = cr.pid;
  master = agent_tty_receive (lfd, err);
  unlink (path);
  detach_stdio ();
  if (master < 0)
    return -1;
  return agent_tty_attach (&a->tty, master, err);
}

static int
create (struct agent *a, hy_error_t *err)
{
  struct lc_config cfg = { 0 };
  struct lc_created cr = { 0 };

  a->state_dir = xasprintf ("/run/hyrun/%s", a->id);
  if (mkdir (a->state_dir, 0700) < 0)
    return hy_error_set (err, errno, "mkdir `%s`", a->state_dir);
  cfg.id = a->id;
  cfg.bundle = "/run/hyrun";
  cfg.state_dir = a->state_dir;
  /* The guest's root is the initramfs, which cannot be pivoted away from:
   * move the rootfs over / and chroot instead.  The wall that matters in
   * VM mode is the VM; this is the container inside it. */
  cfg.no_pivot = true;
  if (a->spec->process && a->spec->process->terminal)
    return create_on_tty (a, &cfg, err);
  if (attach_stdio (err) < 0)
    return -1;
  if (lc_container_create (a->spec, &cfg, NULL, &cr, err) < 0)
    return -1;
  detach_stdio ();
  a->pid = cr.pid;
  return 0;
}

static int
handle_msg (struct agent *a, const struct vmproto_msg *msg, bool *started, hy_error_t *err)
{
  switch (msg->type)
    {
    case VMPROTO_START:
      if (*started)
        return hy_error_set (err, 0, "%s: START twice", VMPROTO_PORT_CTL);
      *started = true;
      if (lc_container_start (a->state_dir, a->pid, err) < 0)
        return -1;
      return vmproto_send_u32 (a->ctl, VMPROTO_STARTED, (uint32_t)a->pid, err);
    case VMPROTO_SIGNAL:
      /* before START the init waits on its fifo and takes the signal
       * itself, as in container mode */
      kill (a->pid, (int)vmproto_u32 (msg));
      return 0;
    case VMPROTO_RESIZE:
      /* the kernel signals SIGWINCH to the pty's foreground group */
      if (a->tty.master >= 0 && agent_tty_resize (a->tty.master, msg->payload) < 0)
        return hy_error_set (err, errno, "terminal: set the window size");
      return 0;
    case VMPROTO_EXEC:
    case VMPROTO_EXEC_STDIN:
    case VMPROTO_EXEC_SIGNAL:
    case VMPROTO_EXEC_RESIZE:
    case VMPROTO_EXEC_OUTPUT_ACK:
      /* exec joins the workload's namespaces: it needs a started one */
      if (!*started)
        return hy_error_set (err, 0, "%s: %s before START", VMPROTO_PORT_CTL,
                             vmproto_type_name (msg->type));
      return agent_exec_msg (&a->execs, a->ctl, msg, a->pid,
                             a->spec->linux_ ? a->spec->linux_->seccomp : NULL, err);
    default:
      return hy_error_set (err, 0, "%s: unexpected %s", VMPROTO_PORT_CTL,
                           vmproto_type_name (msg->type));
    }
}

/* From CREATED on: start on START, forward signals until the workload
 * ends, run and relay exec'd processes, reaping whatever else reparents to
 * PID 1 meanwhile. */
static int
supervise (struct agent *a, int sfd, hy_error_t *err)
{
  bool started = false;

  for (;;)
    {
      struct pollfd p[4 + 3 * AGENT_MAX_EXECS] = { { a->ctl, POLLIN, 0 }, { sfd, POLLIN, 0 } };
      struct agent_exec *owner[3 * AGENT_MAX_EXECS];
      struct vmproto_msg msg;
      size_t n_exec;
      int status, r;
      pid_t pid;

      while ((pid = waitpid (-1, &status, WNOHANG)) > 0)
        {
          if (pid == a->pid)
            {
              agent_tty_drain (&a->tty);
              agent_flush_rootfs (a->spec);
              return vmproto_send_u32 (a->ctl, VMPROTO_EXIT, (uint32_t)status, err);
            }
          if (agent_exec_reaped (&a->execs, a->ctl, pid, status, err) < 0)
            return -1;
        }
      while ((r = vmproto_reader_next (&a->rd, &msg, err)) > 0)
        if (handle_msg (a, &msg, &started, err) < 0)
          return -1;
      if (r < 0)
        return -1;
      agent_tty_pollfds (&a->tty, p + 2);
      n_exec = agent_exec_pollfds (&a->execs, p + 4, owner, 3 * AGENT_MAX_EXECS);
      if (poll (p, 4 + n_exec, -1) < 0 && errno != EINTR)
        return hy_error_set (err, errno, "poll");
      if (p[1].revents & POLLIN)
        {
          struct signalfd_siginfo si;
          if (read (sfd, &si, sizeof (si)) < 0 && errno != EAGAIN)
            return hy_error_set (err, errno, "signalfd");
        }
      agent_tty_on_poll (&a->tty, p + 2);
      for (size_t i = 0; i < n_exec; i++)
        if (agent_exec_on_poll (owner[i], &p[4 + i], a->ctl, err) < 0)
          return -1;
      if (p[0].revents & (POLLIN | POLLHUP))
        {
          uint8_t buf[4096];
          ssize_t n = read (a->ctl, buf, sizeof (buf));
          if (n > 0)
            vmproto_reader_feed (&a->rd, buf, (size_t)n);
          else if (n == 0)
            return hy_error_set (err, 0, "%s: the host closed the channel", VMPROTO_PORT_CTL);
        }
    }
}

int
main (void)
{
  struct agent a = { .ctl = -1 };
  cleanup_error hy_error_t err = NULL;
  struct vmproto_msg msg;
  struct utsname u;
  sigset_t chld;
  int sfd;

  prctl (PR_SET_NAME, "hyrun:agent");
  vmproto_reader_init (&a.rd);
  /* No SIGPIPE handling: as PID 1 the agent never gets a signal it has no
   * handler for, a write to a closed exec stdin returns EPIPE; and an
   * ignored SIGPIPE would be inherited through every execve. */
  agent_execs_init (&a.execs);
  agent_tty_init (&a.tty);
  sigemptyset (&chld);
  sigaddset (&chld, SIGCHLD);
  sigprocmask (SIG_BLOCK, &chld, NULL);
  sfd = signalfd (-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  /* the workload lives in the guest's own network namespace (the host's
   * namespace is the VMM's: vmm/guest_spec.c), whose lo starts down */
  if (agent_mount_base (&err) < 0 || lc_netlink_loopback_up (&err) < 0)
    fail (&a, &err);
  a.ctl = agent_port_open (VMPROTO_PORT_CTL, O_RDWR, &err);
  if (a.ctl < 0)
    fail (&a, &err);
  uname (&u);
  if (vmproto_send (a.ctl, VMPROTO_READY, u.release, (uint32_t)strlen (u.release), &err) < 0
      || expect (&a, VMPROTO_NET, &msg, &err) < 0
      || agent_net_apply (msg.payload, msg.len, &err) < 0
      || expect (&a, VMPROTO_CONFIG, &msg, &err) < 0 || load_config (&a, &msg, &err) < 0
      || agent_mount_rootfs (a.spec, &err) < 0 || agent_mount_volumes (a.spec, &err) < 0
      || create (&a, &err) < 0 || vmproto_send (a.ctl, VMPROTO_CREATED, NULL, 0, &err) < 0
      || supervise (&a, sfd, &err) < 0)
    fail (&a, &err);
  power_off ();
}

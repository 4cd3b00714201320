/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `hyrun exec` into a VM-mode container.  The process runs in the guest
 * (the agent starts it in the workload's namespaces); on the host a proxy
 * stands in for it, so callers see runc's pid and exit semantics: it
 * connects to the VMM's exec socket (<state_dir>/exec.sock), sends EXEC with
 * the process as JSON, and once EXEC_STARTED is back relays stdin, stdout,
 * stderr and every signal it gets, until EXEC_EXIT.  In the foreground the
 * proxy is hyrun itself (exit code: the process's, 128+N for a signal); with
 * --detach it is a child ("hyrun:vm-exec") whose pid goes in the pid
 * file and which ends as the guest process ended (same code, same signal),
 * for the shim that reaps it.  With a terminal the process runs on a pty in
 * the guest; on the host its bytes go to a pty whose master went to
 * --console-socket (vm_tty.c), or in the foreground without one to our own
 * terminal (in raw mode); SIGWINCH sends that terminal's size as
 * EXEC_RESIZE.  Stdin is read only while less than the exec window
 * (vmproto.h) of it is unacknowledged, and the output written out is
 * acknowledged: so the proxy never waits on the VMM while the VMM holds
 * its output.  (The pty of a foreground exec with --console-socket cannot
 * be hyrun's controlling terminal without leaving the caller's session:
 * there only the first size reaches the guest.) */
#include "common/cleanup.h"
#include "common/xalloc.h"
#include "kvm-shim/proto/vmproto.h"
#include "kvm-shim/vmm/tty.h"
#include "runtime/create.h"
#include "runtime/foreground.h"
#include "runtime/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define SOCK_NAME "exec.sock"

/* Where the proxy's process reads and writes on the host. */
struct proxy_io
{
  int in, out, err; /* stdin; where EXEC_STDOUT and EXEC_STDERR go */
  int tty;          /* the terminal whose size the process's pty follows; -1: none */
};

/* The socket's path through an O_PATH fd of the state dir: a state dir
 * under a long --root (containerd's ids are 64 characters) would not fit
 * in sun_path. */
static int
sock_addr (const char *state_dir, struct sockaddr_un *sa, int *dirfd, hy_error_t *err)
{
  *dirfd = open (state_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (*dirfd < 0)
    return hy_error_set (err, errno, "open `%s`", state_dir);
  memset (sa, 0, sizeof (*sa));
  sa->sun_family = AF_UNIX;
  snprintf (sa->sun_path, sizeof (sa->sun_path), "/proc/self/fd/%d/%s", *dirfd, SOCK_NAME);
  return 0;
}

int
vm_exec_listen (const char *state_dir, hy_error_t *err)
{
  struct sockaddr_un sa;
  cleanup_close int dirfd = -1, fd = -1;

  if (sock_addr (state_dir, &sa, &dirfd, err) < 0)
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return hy_error_set (err, errno, "exec socket");
  /* non-blocking: the VMM's accept must never wait */
  if (bind (fd, (struct sockaddr *)&sa, sizeof (sa)) < 0 || listen (fd, 16) < 0)
    return hy_error_set (err, errno, "bind `%s/%s`", state_dir, SOCK_NAME);
  if (fchmodat (dirfd, SOCK_NAME, 0600, 0) < 0)
    return hy_error_set (err, errno, "chmod `%s/%s`", state_dir, SOCK_NAME);
  return take_fd (fd);
}

int
vm_exec_connect (const char *state_dir, hy_error_t *err)
{
  struct sockaddr_un sa;
  cleanup_close int dirfd = -1, fd = -1;

  if (sock_addr (state_dir, &sa, &dirfd, err) < 0)
    return -1;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return hy_error_set (err, errno, "exec socket");
  if (connect (fd, (struct sockaddr *)&sa, sizeof (sa)) < 0)
    return hy_error_set (err, errno, "connect to the VMM's exec socket `%s/%s`", state_dir,
                         SOCK_NAME);
  return take_fd (fd);
}

/* One message from the VMM; 0 at EOF. */
static int
recv_msg (int fd, struct vmproto_reader *rd, struct vmproto_msg *msg, hy_error_t *err)
{
  for (;;)
    {
      uint8_t buf[65536];
      ssize_t n;
      int r = vmproto_reader_next (rd, msg, err);
      if (r != 0)
        return r;
      n = read (fd, buf, sizeof (buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return hy_error_set (err, errno, "exec: read from the VMM");
      if (n == 0)
        return 0;
      vmproto_reader_feed (rd, buf, (size_t)n);
    }
}

static void
write_all (int fd, const uint8_t *p, size_t n, bool *ok)
{
  while (*ok && n > 0)
    {
      ssize_t w = write (fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          *ok = false; /* nobody reads: the rest is dropped */
          return;
        }
      p += w, n -= (size_t)w;
    }
}

/* The relay's flow state (the exec window, vmproto.h). */
struct flow
{
  uint32_t in_flight; /* stdin sent, not yet acknowledged by the guest */
  uint32_t out_owed;  /* output written out, not yet acknowledged */
  bool out_ok[2];     /* stdout, stderr still take bytes */
};

/* What the VMM sent while relaying: 1 with *status at EXEC_EXIT, 0 to go
 * on, -1 on EXEC_ERROR or a broken stream. */
static int
on_vmm (int fd, struct vmproto_reader *rd, const struct proxy_io *io, struct flow *f, int *status,
        hy_error_t *err)
{
  uint8_t buf[65536];
  struct vmproto_msg msg;
  ssize_t n = read (fd, buf, sizeof (buf));
  uint32_t len;
  const uint8_t *data;
  int r;

  if (n < 0 && errno == EINTR)
    return 0;
  if (n <= 0)
    {
      /* the guest went down with the workload, and the process with it */
      dprintf (STDERR_FILENO, "hyrun: exec: the container stopped; its exec'd process ended "
                              "with it\n");
      *status = SIGKILL;
      return 1;
    }
  vmproto_reader_feed (rd, buf, (size_t)n);
  while ((r = vmproto_reader_next (rd, &msg, err)) > 0)
    {
      data = vmproto_exec_data (&msg, &len);
      if (msg.type == VMPROTO_EXEC_STDOUT || msg.type == VMPROTO_EXEC_STDERR)
        {
          int i = msg.type == VMPROTO_EXEC_STDERR;
          write_all (i ? io->err : io->out, data, len, &f->out_ok[i]);
          f->out_owed += len;
          if (f->out_owed >= VMPROTO_EXEC_ACK_BATCH)
            {
              if (vmproto_send_exec_u32 (fd, VMPROTO_EXEC_OUTPUT_ACK, 0, f->out_owed, err) < 0)
                return -1;
              f->out_owed = 0;
            }
        }
      else if (msg.type == VMPROTO_EXEC_STDIN_ACK)
        {
          uint32_t acked = vmproto_exec_u32 (&msg);
          f->in_flight -= acked < f->in_flight ? acked : f->in_flight;
        }
      else if (msg.type == VMPROTO_EXEC_EXIT)
        {
          *status = (int)vmproto_exec_u32 (&msg);
          return 1;
        }
      else if (msg.type == VMPROTO_EXEC_ERROR)
        return hy_error_set (err, 0, "exec: %.*s", (int)len, (const char *)data);
    }
  return r;
}

/* The proxy's loop: stdin and signals to the guest process, its output to
 * ours, until it exits.  Returns its wait status. */
static int
relay (int fd, struct vmproto_reader *rd, const sigset_t *set, const struct proxy_io *io,
       hy_error_t *err)
{
  cleanup_close int sfd = signalfd (-1, set, SFD_CLOEXEC);
  struct flow f = { .out_ok = { true, true } };
  bool in_open = true;
  int status = 0, r = 0;

  if (sfd < 0)
    return hy_error_set (err, errno, "signalfd");
  /* the size set before we took the terminal */
  if (io->tty >= 0 && vmm_tty_send_size (fd, io->tty, VMPROTO_EXEC_RESIZE, 0, err) < 0)
    return -1;
  while (r == 0)
    {
      bool in_room = in_open && f.in_flight < VMPROTO_EXEC_WINDOW;
      struct pollfd p[3]
          = { { fd, POLLIN, 0 }, { sfd, POLLIN, 0 }, { in_room ? io->in : -1, POLLIN, 0 } };
      if (poll (p, 3, -1) < 0)
        {
          if (errno != EINTR)
            return hy_error_set (err, errno, "poll");
          continue;
        }
      if (p[0].revents)
        r = on_vmm (fd, rd, io, &f, &status, err);
      if (r == 0 && (p[1].revents & POLLIN))
        {
          struct signalfd_siginfo si;
          /* SIGCHLD and SIGPIPE are ours (the latter when nobody reads our
           * output), not the process's */
          if (read (sfd, &si, sizeof (si)) != sizeof (si))
            continue;
          /* with a terminal, SIGWINCH is its resize: the guest pty takes
           * the size and signals the process itself */
          if (si.ssi_signo == SIGWINCH && io->tty >= 0)
            r = vmm_tty_send_size (fd, io->tty, VMPROTO_EXEC_RESIZE, 0, err);
          else if (si.ssi_signo != SIGCHLD && si.ssi_signo != SIGPIPE)
            r = vmproto_send_exec_u32 (fd, VMPROTO_EXEC_SIGNAL, 0, si.ssi_signo, err);
        }
      if (r == 0 && p[2].revents)
        {
          uint8_t buf[VMPROTO_EXEC_CHUNK];
          ssize_t n = read (io->in, buf, sizeof (buf));
          if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
          if (n <= 0)
            in_open = false;
          else
            f.in_flight += (uint32_t)n;
          r = vmproto_send_exec (fd, VMPROTO_EXEC_STDIN, 0, buf, n > 0 ? (uint32_t)n : 0, err);
        }
    }
  return r < 0 ? -1 : status;
}

/* Send EXEC and wait for EXEC_STARTED. */
static int
request (int fd, struct vmproto_reader *rd, const struct spec_process *p, hy_error_t *err)
{
  cleanup_free char *json = spec_process_to_json (p);
  struct vmproto_msg msg;
  uint32_t len;
  const uint8_t *data;
  int r;

  if (vmproto_send_exec (fd, VMPROTO_EXEC, 0, json, (uint32_t)strlen (json), err) < 0)
    return -1;
  r = recv_msg (fd, rd, &msg, err);
  if (r < 0)
    return -1;
  if (r == 0)
    return hy_error_set (err, 0, "exec: the VMM closed the connection (the container stopped?)");
  data = vmproto_exec_data (&msg, &len);
  if (msg.type == VMPROTO_EXEC_ERROR)
    return hy_error_set (err, 0, "exec: %.*s", (int)len, (const char *)data);
  if (msg.type != VMPROTO_EXEC_STARTED)
    return hy_error_set (err, 0, "exec: unexpected %s from the VMM", vmproto_type_name (msg.type));
  return 0;
}

/* The detached proxy: relay, then end the way the guest process did. */
__attribute__ ((noreturn)) static void
proxy_main (int fd, struct vmproto_reader *rd, const sigset_t *set, const struct proxy_io *io)
{
  cleanup_error hy_error_t err = NULL;
  int status = -1;

  prctl (PR_SET_NAME, "hyrun:vm-exec");
  setsid ();
  /* our own session: the pty can be its controlling terminal, and the
   * master's resizes raise SIGWINCH here */
  if (io->tty < 0 || vmm_tty_take_control (io->tty, &err) == 0)
    status = relay (fd, rd, set, io, &err);
  if (status < 0)
    {
      dprintf (STDERR_FILENO, "hyrun: %s\n", err ? err->msg : "exec: relay failed");
      _exit (255);
    }
  vm_exit_like (status);
}

int
vm_exec (const char *state_dir, const char *id, const struct spec_process *p, bool detach,
         const char *console_socket, const char *pid_file, hy_error_t *err)
{
  cleanup_close int fd = -1, tty = -1;
  struct proxy_io io = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, -1 };
  struct vmproto_reader rd;
  struct termios saved;
  struct winsize ws;
  struct spec_process sized;
  bool raw = false;
  sigset_t set;
  int status, r = -1;
  pid_t proxy;

  if (p->terminal && detach && console_socket == NULL)
    return hy_error_set (err, 0, "exec: a terminal with --detach needs --console-socket");
  /* every signal for the proxy queues from here on, to be forwarded */
  fg_block_signals (&set, true);
  fd = vm_exec_connect (state_dir, err);
  if (fd < 0)
    return hy_error_prefix (err, "exec into %s", id);
  if (p->terminal && console_socket)
    {
      if ((tty = vm_tty_open (console_socket, p, err)) < 0)
        return hy_error_prefix (err, "exec into %s", id);
      io = (struct proxy_io){ tty, tty, tty, tty };
    }
  else if (p->terminal)
    {
      /* the foreground without a console socket: our own terminal, as
       * container mode's exec does (a stdin that is none is relayed as is) */
      raw = vm_tty_raw (STDIN_FILENO, &saved);
      io.tty = raw ? STDIN_FILENO : -1;
    }
  /* the guest pty starts at our terminal's size, so the process never
   * sees it unset (EXEC_RESIZE follows only once it runs) */
  if (io.tty >= 0 && !p->has_console_size && ioctl (io.tty, TIOCGWINSZ, &ws) == 0
      && (ws.ws_row || ws.ws_col))
    {
      sized = *p;
      sized.has_console_size = true;
      sized.console_size.height = ws.ws_row;
      sized.console_size.width = ws.ws_col;
      p = &sized;
    }
  vmproto_reader_init (&rd);
  if (request (fd, &rd, p, err) < 0)
    {
      hy_error_prefix (err, "exec into %s", id);
      goto out;
    }
  if (!detach)
    {
      if (pid_file && write_pid_file (pid_file, getpid (), err) < 0)
        goto out;
      status = relay (fd, &rd, &set, &io, err);
      if (status >= 0)
        r = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
      goto out;
    }
  fflush (NULL);
  /* named before the fork, so that the child has its name from birth:
   * the shim (and the test standing in for it) may look at the pid in
   * the pid file before the child has run at all */
  {
    char name[16] = "";
    prctl (PR_GET_NAME, name);
    prctl (PR_SET_NAME, "hyrun:vm-exec");
    proxy = fork ();
    if (proxy != 0)
      prctl (PR_SET_NAME, name);
  }
  if (proxy < 0)
    {
      hy_error_set (err, errno, "exec: fork the proxy");
      goto out;
    }
  if (proxy == 0)
    proxy_main (fd, &rd, &set, &io);
  if (pid_file && write_pid_file (pid_file, proxy, err) < 0)
    {
      kill (proxy, SIGKILL); /* the VMM then kills the guest process */
      goto out;
    }
  r = 0;
out:
  if (raw)
    tcsetattr (STDIN_FILENO, TCSANOW, &saved);
  vmproto_reader_fini (&rd);
  return r;
}

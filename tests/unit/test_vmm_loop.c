/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host I/O event loop: callbacks in the caller's thread and on the
 * loop thread, pausing an fd (also one whose peer hung up), removal, a
 * failing callback stopping the loop with its error, and a clean stop. */
#include "kvm-shim/vmm/loop.h"
#include "tests/unit/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static atomic_int calls;

static int
drain (void *opaque, int fd, uint32_t events, hy_error_t *err)
{
  char buf[64];

  while (read (fd, buf, sizeof (buf)) > 0)
    ;
  atomic_fetch_add (&calls, 1);
  return 0;
}

static int
fail (void *opaque, int fd, uint32_t events, hy_error_t *err)
{
  char c;

  if (read (fd, &c, 1) < 0)
    return hy_error_set (err, errno, "read");
  return hy_error_set (err, 0, "callback gave up");
}

static bool
wait_calls (int n)
{
  int i;

  for (i = 0; i < 200 && atomic_load (&calls) < n; i++)
    nanosleep (&(struct timespec){ .tv_nsec = 5000000 }, NULL);
  return atomic_load (&calls) >= n;
}

static void
test_run_once (void)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_vmm_loop struct vmm_loop *loop = vmm_loop_create (&err);
  int p[2];

  if (pipe2 (p, O_NONBLOCK | O_CLOEXEC) < 0)
    return;
  tap_ok (vmm_loop_add (loop, p[0], EPOLLIN, drain, NULL, &err) == 0, "an fd registers");
  tap_ok (vmm_loop_add (loop, p[0], EPOLLIN, drain, NULL, &err) < 0 && err->code == EEXIST,
          "the same fd twice is refused");
  hy_error_free (&err);
  tap_ok (vmm_loop_run_once (loop, 0, &err) == 0, "nothing readable, no callback");
  if (write (p[1], "x", 1) != 1)
    return;
  tap_ok (vmm_loop_run_once (loop, 1000, &err) == 1 && calls == 1, "readable: one callback");
  vmm_loop_modify (loop, p[0], 0, &err);
  if (write (p[1], "x", 1) != 1)
    return;
  close (p[1]);
  tap_ok (vmm_loop_run_once (loop, 50, &err) == 0,
          "paused: no callback, not even for the peer's hang-up");
  vmm_loop_modify (loop, p[0], EPOLLIN, &err);
  tap_ok (vmm_loop_run_once (loop, 1000, &err) == 1, "resumed: the callback runs");
  vmm_loop_remove (loop, p[0], &err);
  tap_ok (vmm_loop_run_once (loop, 50, &err) == 0 && err == NULL, "removed: no callback");
  close (p[0]);
}

static void
test_thread (void)
{
  cleanup_error hy_error_t err = NULL;
  cleanup_vmm_loop struct vmm_loop *loop = vmm_loop_create (&err);
  int p[2], q[2], stopped;

  if (pipe2 (p, O_NONBLOCK | O_CLOEXEC) < 0 || pipe2 (q, O_NONBLOCK | O_CLOEXEC) < 0)
    return;
  atomic_store (&calls, 0);
  vmm_loop_add (loop, p[0], EPOLLIN, drain, NULL, &err);
  tap_ok (vmm_loop_start (loop, &err) == 0, "the loop thread starts");
  if (write (p[1], "x", 1) != 1)
    return;
  tap_ok (wait_calls (1), "host input is served by the loop thread");
  tap_ok (vmm_loop_stop (loop, &err) == 0 && vmm_loop_stop (loop, &err) == 0,
          "stop joins the thread, twice is harmless");
  vmm_loop_add (loop, q[0], EPOLLIN, fail, NULL, &err);
  vmm_loop_start (loop, &err);
  if (write (q[1], "x", 1) != 1)
    return;
  nanosleep (&(struct timespec){ .tv_nsec = 100000000 }, NULL);
  stopped = vmm_loop_stop (loop, &err);
  tap_ok (stopped < 0 && err && strstr (err->msg, "callback gave up"),
          "a failing callback stops the loop; stop reports it: %s", err ? err->msg : "(none)");
  close (p[0]);
  close (p[1]);
  close (q[0]);
  close (q[1]);
}

int
main (void)
{
  test_run_once ();
  test_thread ();
  tap_plan (tap_n);
  return tap_done ();
}

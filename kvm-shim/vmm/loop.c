/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host I/O event loop: an epoll set, a registry of sources, an eventfd
 * that wakes the thread to stop, and the thread itself.  Sources are freed
 * only at destroy, so a callback racing with its own removal never touches
 * freed memory; no lock is held while a callback runs. */
#include "kvm-shim/vmm/loop.h"
#include "common/xalloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define BATCH 16

struct source
{
  int fd;
  vmm_loop_fn fn;
  void *opaque;
  uint32_t events;
  bool in_set; /* in the epoll set: only while events != 0 */
  atomic_bool removed;
  struct source *next;
};

struct vmm_loop
{
  int epfd;
  int wake_fd;          /* eventfd: vmm_loop_stop() writes it */
  pthread_mutex_t lock; /* the source list */
  struct source *sources;
  pthread_t thread;
  bool running;
  atomic_bool stopping;
  hy_error_t error; /* the first failing callback's, for vmm_loop_stop */
};

struct vmm_loop *
vmm_loop_create (hy_error_t *err)
{
  struct vmm_loop *loop = xzalloc (sizeof (*loop));
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

  loop->wake_fd = -1;
  pthread_mutex_init (&loop->lock, NULL);
  loop->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (loop->epfd < 0)
    {
      hy_error_set (err, errno, "event loop: epoll_create1");
      goto fail;
    }
  loop->wake_fd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (loop->wake_fd < 0 || epoll_ctl (loop->epfd, EPOLL_CTL_ADD, loop->wake_fd, &ev) < 0)
    {
      hy_error_set (err, errno, "event loop: wake eventfd");
      goto fail;
    }
  return loop;

fail:
  vmm_loop_destroy (loop);
  return NULL;
}

void
vmm_loop_destroy (struct vmm_loop *loop)
{
  struct source *s, *next;

  if (loop == NULL)
    return;
  vmm_loop_stop (loop, NULL);
  for (s = loop->sources; s; s = next)
    {
      next = s->next;
      free (s);
    }
  if (loop->wake_fd >= 0)
    close (loop->wake_fd);
  if (loop->epfd >= 0)
    close (loop->epfd);
  hy_error_free (&loop->error);
  pthread_mutex_destroy (&loop->lock);
  free (loop);
}

/* The live source for fd, with loop->lock held. */
static struct source *
find_source (struct vmm_loop *loop, int fd)
{
  struct source *s;

  for (s = loop->sources; s; s = s->next)
    if (s->fd == fd && !atomic_load (&s->removed))
      return s;
  return NULL;
}

/* Put the source's events into the epoll set.  A paused source (events
 * 0) leaves the set: epoll reports EPOLLHUP and EPOLLERR whatever the
 * mask, and a paused pipe whose writer is gone would spin the loop. */
static int
apply_events (struct vmm_loop *loop, struct source *s, uint32_t events)
{
  struct epoll_event ev = { .events = events, .data.ptr = s };
  int op = events == 0 ? EPOLL_CTL_DEL : s->in_set ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

  if (events == 0 && !s->in_set)
    return 0;
  if (epoll_ctl (loop->epfd, op, s->fd, &ev) < 0)
    return -1;
  s->in_set = events != 0;
  s->events = events;
  return 0;
}

int
vmm_loop_add (struct vmm_loop *loop, int fd, uint32_t events, vmm_loop_fn fn, void *opaque,
              hy_error_t *err)
{
  struct source *s;
  int ret = 0;

  pthread_mutex_lock (&loop->lock);
  if (find_source (loop, fd) != NULL)
    {
      pthread_mutex_unlock (&loop->lock);
      return hy_error_set (err, EEXIST, "event loop: fd %d", fd);
    }
  s = xzalloc (sizeof (*s));
  s->fd = fd;
  s->fn = fn;
  s->opaque = opaque;
  /* Added once even when paused, so an fd epoll cannot watch (a regular
   * file) is refused here rather than when it is first enabled. */
  if (apply_events (loop, s, EPOLLIN) < 0 || apply_events (loop, s, events) < 0)
    {
      ret = hy_error_set (err, errno, "event loop: watch fd %d", fd);
      if (s->in_set)
        epoll_ctl (loop->epfd, EPOLL_CTL_DEL, fd, NULL);
      free (s);
    }
  else
    {
      s->next = loop->sources;
      loop->sources = s;
    }
  pthread_mutex_unlock (&loop->lock);
  return ret;
}

int
vmm_loop_modify (struct vmm_loop *loop, int fd, uint32_t events, hy_error_t *err)
{
  struct source *s;
  int ret = 0;

  pthread_mutex_lock (&loop->lock);
  s = find_source (loop, fd);
  if (s == NULL)
    ret = hy_error_set (err, ENOENT, "event loop: fd %d is not watched", fd);
  else if (apply_events (loop, s, events) < 0)
    ret = hy_error_set (err, errno, "event loop: change events of fd %d", fd);
  pthread_mutex_unlock (&loop->lock);
  return ret;
}

int
vmm_loop_remove (struct vmm_loop *loop, int fd, hy_error_t *err)
{
  struct source *s;
  int ret = 0;

  pthread_mutex_lock (&loop->lock);
  s = find_source (loop, fd);
  if (s == NULL)
    ret = hy_error_set (err, ENOENT, "event loop: fd %d is not watched", fd);
  else
    {
      /* The source stays listed (and allocated) until destroy: an event
       * already fetched for it is then skipped, not a use after free. */
      atomic_store (&s->removed, true);
      if (apply_events (loop, s, 0) < 0)
        ret = hy_error_set (err, errno, "event loop: unwatch fd %d", fd);
    }
  pthread_mutex_unlock (&loop->lock);
  return ret;
}

/* Run the callbacks of one epoll_wait batch; -1 when one failed. */
static int
dispatch (struct vmm_loop *loop, const struct epoll_event *evs, int n, hy_error_t *err)
{
  int i, ran = 0;

  for (i = 0; i < n; i++)
    {
      struct source *s = evs[i].data.ptr;

      if (s == NULL || atomic_load (&s->removed))
        continue; /* the wake eventfd, or a source removed meanwhile */
      ran++;
      if (s->fn (s->opaque, s->fd, evs[i].events, err) < 0)
        return hy_error_prefix (err, "event loop: fd %d", s->fd);
    }
  return ran;
}

int
vmm_loop_run_once (struct vmm_loop *loop, int timeout_ms, hy_error_t *err)
{
  struct epoll_event evs[BATCH];
  int n;

  n = epoll_wait (loop->epfd, evs, BATCH, timeout_ms);
  if (n < 0 && errno == EINTR)
    return 0;
  if (n < 0)
    return hy_error_set (err, errno, "event loop: epoll_wait");
  return dispatch (loop, evs, n, err);
}

static void *
loop_thread (void *opaque)
{
  struct vmm_loop *loop = opaque;

  while (!atomic_load (&loop->stopping))
    if (vmm_loop_run_once (loop, -1, &loop->error) < 0)
      break;
  return NULL;
}

int
vmm_loop_start (struct vmm_loop *loop, hy_error_t *err)
{
  int ret;

  if (loop->running)
    return 0;
  atomic_store (&loop->stopping, false);
  ret = pthread_create (&loop->thread, NULL, loop_thread, loop);
  if (ret != 0)
    return hy_error_set (err, ret, "event loop: start thread");
  loop->running = true;
  return 0;
}

int
vmm_loop_stop (struct vmm_loop *loop, hy_error_t *err)
{
  uint64_t one = 1;

  if (loop->running)
    {
      atomic_store (&loop->stopping, true);
      /* The eventfd stays readable: every later epoll_wait returns at
       * once, so the thread cannot sleep through the stop. */
      if (write (loop->wake_fd, &one, sizeof (one)) < 0)
        return hy_error_set (err, errno, "event loop: wake thread");
      pthread_join (loop->thread, NULL);
      loop->running = false;
    }
  if (loop->error != NULL && err != NULL)
    {
      hy_error_move (err, &loop->error);
      return -1;
    }
  return 0;
}

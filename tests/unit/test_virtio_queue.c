/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Split virtqueues against hand-built rings in fake guest RAM: direct and
 * indirect chains popped as readable + writable iovecs, used-ring pushes,
 * every malformed chain refused (and the queue then broken), and the
 * EVENT_IDX / NO_INTERRUPT interrupt decisions.  No KVM needed. */
#include "kvm-shim/virtio/queue.h"
#include "tests/unit/tap.h"

#include <string.h>

#define QSIZE 8
#define DESC 0x1000
#define AVAIL 0x2000
#define USED 0x3000
#define TABLE 0x4000 /* indirect tables */
#define BUF 0x10000
#define RAM (1 << 20)

struct fx
{
  struct vmm_mem *mem;
  struct virtq q;
  struct virtq_desc *desc;
  struct virtq_avail *avail;
  struct virtq_used *used;
  struct virtq_chain chain;
  hy_error_t err;
};

static uint64_t
all_features (void)
{
  return (1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_INDIRECT_DESC)
         | (1ULL << VIRTIO_F_EVENT_IDX);
}

static void
fx_init (struct fx *f, uint64_t features)
{
  memset (f, 0, sizeof (*f));
  f->mem = vmm_mem_create (RAM, false, NULL);
  f->desc = vmm_mem_ptr (f->mem, DESC, 16);
  f->avail = vmm_mem_ptr (f->mem, AVAIL, 4);
  f->used = vmm_mem_ptr (f->mem, USED, 4);
  virtq_reset (&f->q, QSIZE);
  f->q.desc_gpa = DESC;
  f->q.avail_gpa = AVAIL;
  f->q.used_gpa = USED;
  f->q.ready = true;
  if (virtq_activate (&f->q, f->mem, features, &f->err) < 0)
    tap_diag ("activate: %s", f->err->msg);
}

static void
fx_fini (struct fx *f)
{
  virtq_chain_release (&f->chain);
  hy_error_free (&f->err);
  vmm_mem_destroy (f->mem);
}

static void
set_desc (struct virtq_desc *table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
          uint16_t next)
{
  table[i] = (struct virtq_desc){ .addr = addr, .len = len, .flags = flags, .next = next };
}

/* Make chain `head` available as the next entry. */
static void
offer (struct fx *f, uint16_t head)
{
  f->avail->ring[f->avail->idx % QSIZE] = head;
  f->avail->idx++;
}

static int
pop (struct fx *f)
{
  hy_error_free (&f->err);
  return virtq_pop (&f->q, &f->chain, &f->err);
}

/* One malformed chain: refused with a message containing `what`, and the
 * queue stays broken. */
static void
expect_refused (struct fx *f, const char *what, const char *name)
{
  int r = pop (f);

  tap_ok (r < 0 && f->err && strstr (f->err->msg, what) && f->q.broken, "%s is refused: %s", name,
          f->err ? f->err->msg : "(accepted)");
}

static void
test_activate (void)
{
  struct fx f;

  fx_init (&f, all_features ());
  tap_ok (f.q.active && f.err == NULL, "rings in RAM, aligned, size 8: the queue activates");
  f.q.desc_gpa = DESC + 8;
  tap_ok (virtq_activate (&f.q, f.mem, 0, &f.err) < 0 && strstr (f.err->msg, "aligned"),
          "a descriptor table that is not 16-byte aligned is refused");
  hy_error_free (&f.err);
  f.q.desc_gpa = RAM - 64;
  tap_ok (virtq_activate (&f.q, f.mem, 0, &f.err) < 0 && strstr (f.err->msg, "not guest RAM"),
          "a descriptor table running past the end of RAM is refused");
  hy_error_free (&f.err);
  f.q.desc_gpa = DESC;
  f.q.size = 6;
  tap_ok (virtq_activate (&f.q, f.mem, 0, &f.err) < 0 && strstr (f.err->msg, "power of two"),
          "a queue size that is not a power of two is refused");
  fx_fini (&f);
}

static void
test_direct_chain (void)
{
  struct fx f;
  char req[16] = "hello, device!!";
  char got[16] = { 0 };
  struct virtq_used_elem *e;

  fx_init (&f, all_features ());
  tap_ok (pop (&f) == 0, "an empty ring pops nothing");
  tap_ok (*(uint16_t *)&f.used->ring[QSIZE] == 0, "empty: avail_event asks for entry 0");
  memcpy (vmm_mem_ptr (f.mem, BUF, 16), req, 16);
  set_desc (f.desc, 3, BUF, 16, VIRTQ_DESC_F_NEXT, 5);
  set_desc (f.desc, 5, BUF + 0x100, 0, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 6);
  set_desc (f.desc, 6, BUF + 0x200, 32, VIRTQ_DESC_F_WRITE, 0);
  offer (&f, 3);
  tap_ok (pop (&f) == 1 && f.chain.head == 3, "a direct chain pops with its head id");
  tap_ok (f.chain.n_readable == 1 && f.chain.n_writable == 1 && f.chain.readable_len == 16
              && f.chain.writable_len == 32,
          "one readable buffer of 16, one writable of 32 (the empty one dropped)");
  virtq_chain_read (&f.chain, 0, got, 16);
  tap_ok (memcmp (got, req, 16) == 0, "the readable part reads back the request");
  tap_ok (virtq_chain_write (&f.chain, 30, "abcd", 4) == 2, "a write past the end is cut short");
  tap_ok (*(uint16_t *)&f.used->ring[QSIZE] == 1, "after a pop avail_event asks for entry 1");
  tap_ok (virtq_push (&f.q, 3, 2, &f.err) == 0 && f.used->idx == 1, "push moves used->idx to 1");
  e = &f.used->ring[0];
  tap_ok (e->id == 3 && e->len == 2, "the used element carries head 3 and length 2");
  tap_ok (virtq_push (&f.q, QSIZE, 0, &f.err) < 0, "pushing a head outside the queue fails");
  tap_ok (pop (&f) == 0, "nothing more to pop");
  fx_fini (&f);
}

static void
test_indirect_chain (void)
{
  struct virtq_desc *table;
  struct fx f;

  fx_init (&f, all_features ());
  table = vmm_mem_ptr (f.mem, TABLE, 16 * 3);
  set_desc (table, 0, BUF, 10, VIRTQ_DESC_F_NEXT, 2);
  set_desc (table, 2, BUF + 0x100, 20, VIRTQ_DESC_F_NEXT, 1);
  set_desc (table, 1, BUF + 0x200, 30, VIRTQ_DESC_F_WRITE, 0);
  set_desc (f.desc, 0, TABLE, 16 * 3, VIRTQ_DESC_F_INDIRECT, 0);
  offer (&f, 0);
  tap_ok (pop (&f) == 1 && f.chain.n_readable == 2 && f.chain.n_writable == 1
              && f.chain.readable_len == 30 && f.chain.writable_len == 30,
          "an indirect table of 3: 2 readable (30 bytes), 1 writable (30): %s",
          f.err ? f.err->msg : "ok");
  fx_fini (&f);

  fx_init (&f, all_features () & ~(1ULL << VIRTIO_F_INDIRECT_DESC));
  set_desc (f.desc, 0, TABLE, 16, VIRTQ_DESC_F_INDIRECT, 0);
  offer (&f, 0);
  expect_refused (&f, "INDIRECT_DESC", "an indirect descriptor without the feature");
  fx_fini (&f);
}

/* Each malformed chain against a fresh queue. */
static void
test_malformed (void)
{
  struct fx f;

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
  set_desc (f.desc, 1, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
  offer (&f, 0);
  expect_refused (&f, "loops", "a chain that loops");
  tap_ok (pop (&f) < 0 && strstr (f.err->msg, "broken"), "a broken queue pops nothing more");
  tap_ok (!virtq_needs_interrupt (&f.q), "a broken queue never asks for an interrupt");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, BUF, 8, VIRTQ_DESC_F_NEXT, QSIZE);
  offer (&f, 0);
  expect_refused (&f, "out of range", "a next index outside the table");
  fx_fini (&f);

  fx_init (&f, all_features ());
  offer (&f, QSIZE + 1);
  expect_refused (&f, "out of range", "a head index outside the table");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, RAM - 4, 8, 0, 0);
  offer (&f, 0);
  expect_refused (&f, "not guest RAM", "a buffer running past the end of RAM");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, UINT64_MAX - 3, 8, 0, 0);
  offer (&f, 0);
  expect_refused (&f, "not guest RAM", "a buffer whose address wraps");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, BUF, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
  set_desc (f.desc, 1, BUF, 8, 0, 0);
  offer (&f, 0);
  expect_refused (&f, "readable descriptor after", "a readable buffer after a writable one");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, BUF, 0x10, VIRTQ_DESC_F_NEXT, 1);
  set_desc (f.desc, 1, BUF, 0xfffffff8, VIRTQ_DESC_F_WRITE, 0);
  offer (&f, 0);
  expect_refused (&f, "4 GiB", "a chain whose lengths overflow 32 bits");
  fx_fini (&f);

  fx_init (&f, all_features ());
  f.avail->idx = QSIZE + 1;
  expect_refused (&f, "available index moved", "an available index ahead by more than the size");
  fx_fini (&f);
}

static void
test_malformed_indirect (void)
{
  struct virtq_desc *table;
  struct fx f;

  fx_init (&f, all_features ());
  table = vmm_mem_ptr (f.mem, TABLE, 32);
  set_desc (table, 0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
  set_desc (f.desc, 0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
  offer (&f, 0);
  expect_refused (&f, "nested", "an indirect table inside an indirect table");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, TABLE, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
  offer (&f, 0);
  expect_refused (&f, "NEXT", "an indirect descriptor with NEXT");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, TABLE, 24, VIRTQ_DESC_F_INDIRECT, 0);
  offer (&f, 0);
  expect_refused (&f, "indirect table of 24 bytes", "an indirect table that is not n x 16 bytes");
  fx_fini (&f);

  fx_init (&f, all_features ());
  table = vmm_mem_ptr (f.mem, TABLE, 32);
  set_desc (table, 0, BUF, 8, VIRTQ_DESC_F_NEXT, 1);
  set_desc (table, 1, BUF, 8, VIRTQ_DESC_F_NEXT, 0);
  set_desc (f.desc, 0, TABLE, 32, VIRTQ_DESC_F_INDIRECT, 0);
  offer (&f, 0);
  expect_refused (&f, "loops", "a loop inside an indirect table");
  fx_fini (&f);

  fx_init (&f, all_features ());
  set_desc (f.desc, 0, RAM - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
  offer (&f, 0);
  expect_refused (&f, "is not guest RAM", "an indirect table past the end of RAM");
  fx_fini (&f);
}

/* Push n chains of one buffer each. */
static void
push_n (struct fx *f, int n)
{
  int i;

  for (i = 0; i < n; i++)
    {
      set_desc (f->desc, 0, BUF, 8, 0, 0);
      offer (f, 0);
      pop (f);
      virtq_push (&f->q, 0, 0, &f->err);
    }
}

static void
test_event_idx (void)
{
  uint16_t *used_event;
  struct fx f;

  fx_init (&f, all_features ());
  used_event = &f.avail->ring[QSIZE];
  push_n (&f, 1);
  tap_ok (virtq_needs_interrupt (&f.q), "event idx: the first push interrupts");
  tap_ok (!virtq_needs_interrupt (&f.q), "event idx: nothing new pushed, no interrupt");
  *used_event = 5;
  push_n (&f, 1);
  tap_ok (!virtq_needs_interrupt (&f.q), "event idx: used_event 5 not reached at used 2");
  push_n (&f, 4);
  tap_ok (virtq_needs_interrupt (&f.q), "event idx: used 2 -> 6 crosses used_event 5");
  *used_event = 6; /* the driver asks to hear of entry 6 again: already passed */
  tap_ok (!virtq_needs_interrupt (&f.q), "event idx: no new entry, no interrupt");
  push_n (&f, 1);
  tap_ok (virtq_needs_interrupt (&f.q), "event idx: used 6 -> 7 crosses used_event 6");
  fx_fini (&f);

  fx_init (&f, 1ULL << VIRTIO_F_VERSION_1);
  f.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
  push_n (&f, 1);
  tap_ok (!virtq_needs_interrupt (&f.q), "no event idx: NO_INTERRUPT suppresses");
  f.avail->flags = 0;
  push_n (&f, 1);
  tap_ok (virtq_needs_interrupt (&f.q), "no event idx: without the flag, interrupt");
  tap_ok (*(uint16_t *)&f.used->ring[QSIZE] == 0, "no event idx: avail_event is left alone");
  fx_fini (&f);
}

static void
test_unpop (void)
{
  struct fx f;

  fx_init (&f, all_features ());
  set_desc (f.desc, 2, BUF, 8, 0, 0);
  offer (&f, 2);
  pop (&f);
  virtq_unpop (&f.q);
  tap_ok (virtq_has_avail (&f.q) && pop (&f) == 1 && f.chain.head == 2,
          "an unpopped chain comes back on the next pop");
  fx_fini (&f);
}

/* Only zero-length buffers: a chain with no iovec at all (found by
 * tests/fuzz/fuzz_virtq: the write computed NULL + 0, undefined). */
static void
test_empty_chain (void)
{
  struct fx f;
  char b[4];

  fx_init (&f, all_features ());
  set_desc (f.desc, 1, BUF, 0, VIRTQ_DESC_F_NEXT, 2);
  set_desc (f.desc, 2, BUF, 0, VIRTQ_DESC_F_WRITE, 0);
  offer (&f, 1);
  tap_ok (pop (&f) == 1 && f.chain.n_readable == 0 && f.chain.n_writable == 0,
          "a chain of zero-length buffers pops empty");
  tap_ok (virtq_chain_read (&f.chain, 0, b, 4) == 0 && virtq_chain_write (&f.chain, 0, "x", 1) == 0,
          "and reads and writes nothing");
  fx_fini (&f);
}

int
main (void)
{
  test_activate ();
  test_direct_chain ();
  test_indirect_chain ();
  test_malformed ();
  test_malformed_indirect ();
  test_event_idx ();
  test_unpop ();
  test_empty_chain ();
  tap_plan (tap_n);
  return tap_done ();
}

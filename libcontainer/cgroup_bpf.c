/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.resources.devices on cgroup v2: there is no devices controller,
 * the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
 * cgroup instead.  The rules become one block each, last rule first (the
 * spec's rules apply in order, so a later rule overrides an earlier one),
 * and anything no rule matches is denied.  Context (include/uapi/linux/
 * bpf.h struct bpf_cgroup_dev_ctx): access_type = access << 16 | type,
 * then major, minor.  runc's devicefilter and crun's ebpf.c build the same
 * program.  A new set of rules (update) replaces the cgroup's program. */
#include "libcontainer/cgroup_fs.h"
#include "common/cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define INSN(c, d, s, o, i)                                                                        \
  ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN (BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define MOV_REG(dst, src) INSN (BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV_IMM(dst, imm) INSN (BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define AND_IMM(dst, imm) INSN (BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, imm)
#define RSH_IMM(dst, imm) INSN (BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, imm)
#define JNE_IMM(dst, imm, off) INSN (BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAX_INSNS 4096

struct prog
{
  struct bpf_insn insn[MAX_INSNS];
  unsigned n;
};

static int
access_bits (const char *access)
{
  int bits = 0;

  if (access == NULL)
    return BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;
  for (; *access; access++)
    bits |= *access == 'm'   ? BPF_DEVCG_ACC_MKNOD
            : *access == 'r' ? BPF_DEVCG_ACC_READ
            : *access == 'w' ? BPF_DEVCG_ACC_WRITE
                             : 0;
  return bits;
}

/* One rule: every check jumps over the rest of the block when it fails;
 * the block ends with "return allow".  Returns 1 when the rule matches
 * every device (no check): the rules before it can never decide, and the
 * verifier refuses unreachable code. */
static int
add_rule (struct prog *p, const struct spec_device_cgroup *d)
{
  struct bpf_insn block[12];
  unsigned n = 0, i;
  int acc = access_bits (d->access),
      full = BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE;

  if (d->type == 'c' || d->type == 'b')
    block[n++] = JNE_IMM (BPF_REG_2, d->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK, 0);
  if (acc != full)
    {
      /* the access asked for must be within the rule's */
      block[n++] = MOV_REG (BPF_REG_1, BPF_REG_3);
      block[n++] = AND_IMM (BPF_REG_1, ~acc & full);
      block[n++] = JNE_IMM (BPF_REG_1, 0, 0);
    }
  if (d->has_major && d->major >= 0)
    block[n++] = JNE_IMM (BPF_REG_4, (int32_t)d->major, 0);
  if (d->has_minor && d->minor >= 0)
    block[n++] = JNE_IMM (BPF_REG_5, (int32_t)d->minor, 0);
  block[n++] = MOV_IMM (BPF_REG_0, d->allow ? 1 : 0);
  block[n++] = EXIT ();
  if (p->n + n + 2 > MAX_INSNS)
    return -1;
  for (i = 0; i < n; i++)
    {
      if (BPF_CLASS (block[i].code) == BPF_JMP && BPF_OP (block[i].code) == BPF_JNE)
        block[i].off = (int16_t)(n - i - 1); /* to the next block */
      p->insn[p->n++] = block[i];
    }
  return n == 2;
}

static long
bpf (int cmd, union bpf_attr *attr)
{
  return syscall (SYS_bpf, cmd, attr, sizeof (*attr));
}

#define MAX_OLD 64

/* The ids of the device programs attached to the cgroup itself (not its
 * ancestors'): an update's new program replaces them. */
static unsigned
attached (int cg_fd, uint32_t *ids, unsigned max)
{
  union bpf_attr attr;

  memset (&attr, 0, sizeof (attr));
  attr.query.target_fd = (uint32_t)cg_fd;
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
  attr.query.prog_cnt = max;
  if (bpf (BPF_PROG_QUERY, &attr) < 0)
    return 0;
  return attr.query.prog_cnt < max ? attr.query.prog_cnt : max;
}

/* Detach the programs that were there before the new one (with
 * BPF_F_ALLOW_MULTI every program attached must allow an access: an old
 * one left would keep denying what the update allows).  New first, old
 * after, as runc: no moment without a filter. */
static int
detach_old (int cg_fd, const uint32_t *ids, unsigned n, const char *dir, hy_error_t *err)
{
  union bpf_attr attr;
  unsigned i;

  for (i = 0; i < n; i++)
    {
      cleanup_close int fd = -1;
      memset (&attr, 0, sizeof (attr));
      attr.prog_id = ids[i];
      fd = (int)bpf (BPF_PROG_GET_FD_BY_ID, &attr);
      if (fd < 0 && errno == ENOENT)
        continue; /* gone meanwhile */
      if (fd < 0)
        return hy_error_set (
            err, errno, "linux.resources.devices: the old device filter %u of `%s`", ids[i], dir);
      memset (&attr, 0, sizeof (attr));
      attr.target_fd = (uint32_t)cg_fd;
      attr.attach_bpf_fd = (uint32_t)fd;
      attr.attach_type = BPF_CGROUP_DEVICE;
      if (bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        return hy_error_set (
            err, errno, "linux.resources.devices: detach the old device filter from `%s`", dir);
    }
  return 0;
}

int
cg_bpf_devices (const char *dir, const struct spec_device_cgroup *rules, size_t n, hy_error_t *err)
{
  static struct prog p; /* 32 KiB: not on the stack */
  cleanup_close int cg_fd = -1, prog_fd = -1;
  union bpf_attr attr;
  static char log[16384];
  uint32_t old[MAX_OLD];
  unsigned n_old;
  size_t i;
  int r;

  p.n = 0;
  /* r2 = type, r3 = access, r4 = major, r5 = minor */
  p.insn[p.n++] = LDX_W (BPF_REG_2, BPF_REG_1, 0);
  p.insn[p.n++] = AND_IMM (BPF_REG_2, 0xffff);
  p.insn[p.n++] = LDX_W (BPF_REG_3, BPF_REG_1, 0);
  p.insn[p.n++] = RSH_IMM (BPF_REG_3, 16);
  p.insn[p.n++] = LDX_W (BPF_REG_4, BPF_REG_1, 4);
  p.insn[p.n++] = LDX_W (BPF_REG_5, BPF_REG_1, 8);
  for (i = n, r = 0; i > 0 && r == 0; i--)
    r = add_rule (&p, &rules[i - 1]);
  if (r < 0)
    return hy_error_set (err, 0, "linux.resources.devices: too many rules for one eBPF program");
  if (r == 0)
    {
      /* no rule matched: deny */
      p.insn[p.n++] = MOV_IMM (BPF_REG_0, 0);
      p.insn[p.n++] = EXIT ();
    }

  log[0] = '\0';
  memset (&attr, 0, sizeof (attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)p.insn;
  attr.insn_cnt = p.n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof (log);
  attr.log_level = 1;
  prog_fd = (int)bpf (BPF_PROG_LOAD, &attr);
  if (prog_fd < 0)
    {
      /* the verifier's last line says why */
      size_t len = strlen (log);
      const char *why = log;
      while (len > 0 && log[len - 1] == '\n')
        log[--len] = '\0';
      if (getenv ("HYRUN_BPF_LOG"))
        fprintf (stderr, "%s\n", log);
      if (strrchr (log, '\n'))
        why = strrchr (log, '\n') + 1;
      return hy_error_set (err, errno,
                           "linux.resources.devices: load the cgroup v2 device filter%s%s",
                           why[0] ? ": " : "", why);
    }
  cg_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (cg_fd < 0)
    return hy_error_set (err, errno, "open the cgroup `%s`", dir);
  n_old = attached (cg_fd, old, MAX_OLD);
  memset (&attr, 0, sizeof (attr));
  attr.target_fd = (uint32_t)cg_fd;
  attr.attach_bpf_fd = (uint32_t)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf (BPF_PROG_ATTACH, &attr) < 0)
    return hy_error_set (
        err, errno, "linux.resources.devices: attach the device filter to the cgroup `%s`", dir);
  /* the rules in force are the new program's alone now (update) */
  return detach_old (cg_fd, old, n_old, dir, err);
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the 9P2000.L server's message handling against a
 * scratch directory, as the guest drives it over virtio-9p.  Input: byte 0
 * picks the reply buffer (bits 0-6: a cap of that many bytes, 0 = msize;
 * bit 7: serve with a user namespace's id map), then 9P messages back to
 * back, each cut at its own size field.  The scratch folder holds a file,
 * a folder, a FIFO and symlinks out; a canary file beside it must never
 * change.  Every 256 inputs the folder is made afresh. */
#include "kvm-shim/fs/p9.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static char base[64], share[96], canary[96];
static uint8_t resp[P9_MAX_MSIZE];
static struct stat canary_st;
static unsigned runs;

static void
sh (const char *fmt, const char *arg)
{
  char cmd[512];

  snprintf (cmd, sizeof (cmd), fmt, arg, arg, arg, arg, arg, arg);
  if (system (cmd) != 0)
    abort ();
}

static void
fresh_share (void)
{
  sh ("rm -rf %s && mkdir -p %s/dir && echo hello >%s/file && mkfifo %s/fifo && "
      "ln -s / %s/to-root && ln -s ../.. %s/to-up",
      share);
}

static void
setup (void)
{
  strcpy (base, "/tmp/hyrun-fuzz-p9.XXXXXX");
  if (mkdtemp (base) == NULL)
    abort ();
  snprintf (share, sizeof (share), "%s/share", base);
  snprintf (canary, sizeof (canary), "%s/canary", base);
  sh ("echo do-not-touch >%s", canary);
  if (stat (canary, &canary_st) < 0)
    abort ();
  fresh_share ();
}

static void
check_canary (void)
{
  struct stat st;

  if (stat (canary, &st) < 0 || st.st_size != canary_st.st_size || st.st_mode != canary_st.st_mode
      || st.st_uid != canary_st.st_uid || st.st_mtim.tv_sec != canary_st.st_mtim.tv_sec
      || st.st_mtim.tv_nsec != canary_st.st_mtim.tv_nsec)
    abort (); /* the server reached outside its folder */
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const struct p9_idmap map = {
    .uid = { { 0, 100000, 65536 } }, .gid = { { 0, 100000, 65536 } }, .n_uid = 1, .n_gid = 1
  };
  struct p9_server *srv;
  size_t off = 1, cap;

  if (base[0] == '\0')
    setup ();
  if (size < 1)
    return 0;
  if (++runs % 256 == 0)
    fresh_share ();
  cap = (data[0] & 0x7f) ? (data[0] & 0x7f) : sizeof (resp);
  srv = p9_server_create (share, NULL);
  if (srv == NULL)
    abort ();
  if ((data[0] & 0x80) && p9_server_set_idmap (srv, &map, NULL) < 0)
    abort ();
  while (off + 7 <= size)
    {
      size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8 | (size_t)data[off + 2] << 16
                   | (size_t)data[off + 3] << 24;
      if (len < 7 || len > size - off)
        len = size - off; /* the server sees the size disagree */
      p9_server_handle (srv, data + off, len, resp, cap);
      off += len;
    }
  p9_server_destroy (srv);
  check_canary ();
  return 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A 9P2000.L file server over one host folder: the bundle's rootfs that
 * VM mode shares live with the guest.  Transport-independent: a request
 * in, a reply out (virtio-9p is one transport).  The guest is untrusted:
 * every name it sends is one path component, every path is resolved
 * beneath the shared root by the kernel (openat2 RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS), symlinks in the folder are never followed by the
 * server (the guest resolves them itself through Treadlink), device nodes
 * are neither opened nor created.  Message formats: Linux's
 * net/9p/protocol.c and include/net/9p/9p.h. */
#ifndef P9_H
#define P9_H

#include "common/error.h"

#include <stddef.h>
#include <stdint.h>

/* The largest message this server negotiates: 512 KiB, above the most
 * Linux's virtio transport takes (PAGE_SIZE * (VIRTQUEUE_NUM - 3) =
 * 512000, net/9p/trans_virtio.c), which the agent asks for. */
#define P9_MAX_MSIZE (512u * 1024)
#define P9_MAX_FIDS 4096
/* Of them, open for I/O at once (less when RLIMIT_NOFILE is low). */
#define P9_MAX_OPEN 2048

struct p9_server;

/* The container's user namespace, as runtime-spec linux.uidMappings and
 * gidMappings: the guest applies the same map inside, so the ids 9P
 * carries are host ids ("outside").  See p9_cred.c. */
#define P9_IDMAP_MAX 16
struct p9_idrange
{
  uint32_t inside, outside, count;
};
struct p9_idmap
{
  struct p9_idrange uid[P9_IDMAP_MAX], gid[P9_IDMAP_MAX];
  size_t n_uid, n_gid;
};

struct p9_server *p9_server_create (const char *root, hy_error_t *err);
void p9_server_destroy (struct p9_server *srv);
/* Serve with the mapped ids (NULL: with the VMM's own).  Call before any
 * request, while the process has one thread: it drops the process's
 * supplementary groups. */
int p9_server_set_idmap (struct p9_server *srv, const struct p9_idmap *map, hy_error_t *err);

/* Serve one request of req_len bytes; the reply goes to resp (resp_cap
 * bytes).  Returns the reply's length: always a reply (Rlerror when the
 * request is malformed or fails), 0 only when the request has no readable
 * header or not even Rlerror fits. */
size_t p9_server_handle (struct p9_server *srv, const uint8_t *req, size_t req_len, uint8_t *resp,
                         size_t resp_cap);

/* How many requests were served, in all and of each T-message type
 * (malformed ones under the type their header names, those without a
 * header not at all); p9_server_counts_text writes them as
 * "N requests: walk A, getattr B, ..." (most frequent first) for the
 * VMM's debug log and `hyrun bench`: the requests per file operation are
 * a figure that does not depend on the host's speed. */
uint64_t p9_server_requests (const struct p9_server *srv, int type);
char *p9_server_counts_text (const struct p9_server *srv);

/* The negotiated msize (P9_MAX_MSIZE before Tversion). */
uint32_t p9_server_msize (const struct p9_server *srv);

#endif

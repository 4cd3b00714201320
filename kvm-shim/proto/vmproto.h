/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The host<->guest control protocol of VM mode, spoken between the VMM and
 * the guest agent over the virtio-console port "hyrun.ctl".  The container's
 * stdin/stdout/stderr travel on their own ports as raw bytes; this channel
 * carries only the closed set of messages below.
 *
 * Every message is a fixed 8-byte header, little-endian, then `len` bytes
 * of payload: { uint32 type; uint32 len; }.  The receiver checks the type
 * and the length (per type, and never above VMPROTO_MAX_PAYLOAD) before it
 * looks at the payload. */
#ifndef VMPROTO_H
#define VMPROTO_H

#include "common/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define VMPROTO_PORT_CTL "hyrun.ctl"
#define VMPROTO_PORT_STDIN "hyrun.stdin"
#define VMPROTO_PORT_STDOUT "hyrun.stdout"
#define VMPROTO_PORT_STDERR "hyrun.stderr"
/* With process.terminal the workload's terminal rides on the stdio ports:
 * hyrun.stdin carries what is typed on the host pty, hyrun.stdout what the
 * guest pty's master gives (hyrun.stderr stays unused: a pty merges the
 * two).  The bytes are raw: the host pty is in raw mode and the only line
 * discipline is the guest pty's (^C becomes SIGINT there, ^D an EOF).
 * Window sizes travel as RESIZE / EXEC_RESIZE on the control channel. */
/* The 9p mount tag of the shared rootfs folder, and where the agent
 * mounts it. */
#define VMPROTO_ROOTFS_TAG "rootfs"
#define VMPROTO_ROOTFS_DIR "/run/hyrun/rootfs"
/* How the guest caches the shared rootfs: the annotation travels to the
 * agent in the CONFIG message's spec, the runtime has checked its value.
 * "none" (the default): 9p cache=none, every lookup, read and write goes
 * to the host folder at once, as in container mode.  "loose": cache=loose,
 * the guest keeps dentries, attributes and pages: metadata-heavy work
 * takes fewer requests, but a change made on the host side may go unseen
 * inside, and writes reach the folder on write-back (sync, close, memory
 * pressure) a page per request (Linux 6.1). */
#define VMPROTO_ROOTFS_CACHE_ANNOTATION "io.hyrun.vm.rootfs-cache"
/* Its values, checked by the runtime before a guest boots and by the
 * agent before it mounts (absent: "none"). */
static inline bool
vmproto_rootfs_cache_known (const char *v)
{
  return v == NULL || strcmp (v, "none") == 0 || strcmp (v, "loose") == 0;
}
/* The 9p mount tag of the volumes share (kvm-shim/vmm/volumes.h), and
 * where the agent mounts it: entry N there is the source of mounts[N]. */
#define VMPROTO_VOLS_TAG "hyrun.vols"
#define VMPROTO_VOLS_DIR "/run/hyrun/vols"

#define VMPROTO_MAX_PAYLOAD (1u << 20)

enum vmproto_type
{
  /* guest -> host */
  VMPROTO_READY = 1, /* agent up; payload: the guest's kernel release */
  VMPROTO_CREATED,   /* container created, waiting for START; no payload */
  VMPROTO_STARTED,   /* workload running; payload: uint32 guest pid */
  VMPROTO_EXIT,      /* workload ended; payload: uint32 wait status */
  VMPROTO_ERROR,     /* the agent failed; payload: one line of text */
  /* host -> guest */
  VMPROTO_CONFIG, /* payload: container id, NUL, config.json bytes */
  VMPROTO_START,  /* no payload */
  VMPROTO_SIGNAL, /* payload: uint32 signal number */
  /* exec (`hyrun exec`): every payload opens with a uint32 exec id, chosen
   * by the VMM, one per exec client; the same messages travel between
   * `hyrun exec` and the VMM on the exec socket, where the client's id is
   * ignored (the VMM sets its own) */
  VMPROTO_EXEC,         /* host -> guest; id, then the process object as JSON */
  VMPROTO_EXEC_STDIN,   /* host -> guest; id, then bytes; no bytes: EOF */
  VMPROTO_EXEC_SIGNAL,  /* host -> guest; id, uint32 signal number */
  VMPROTO_EXEC_STARTED, /* guest -> host; id, uint32 guest pid */
  VMPROTO_EXEC_STDOUT,  /* guest -> host; id, then bytes */
  VMPROTO_EXEC_STDERR,  /* guest -> host; id, then bytes */
  VMPROTO_EXEC_EXIT,    /* guest -> host; id, uint32 wait status */
  VMPROTO_EXEC_ERROR,   /* guest -> host; id, one line of text: the exec failed */
  /* networking: host -> guest, once, between READY and CONFIG (always
   * sent, empty when the guest has no interface but lo); payload: an
   * array of struct vmproto_net_rec (below), the agent applies it before
   * it creates the container */
  VMPROTO_NET,
  /* terminals (process.terminal): a window size is a uint16 rows, then a
   * uint16 columns (struct winsize's first two fields) */
  VMPROTO_RESIZE,      /* host -> guest; the workload's pty: rows, columns */
  VMPROTO_EXEC_RESIZE, /* host -> guest; id, then an exec'd process's pty: rows, columns */
  /* exec flow control (VMPROTO_EXEC_WINDOW below): each side acknowledges
   * the data bytes it has passed on, so that neither ever holds more than
   * a window of the other's data and neither needs to stop reading the
   * control channel to push back */
  VMPROTO_EXEC_STDIN_ACK,  /* guest -> host -> client; id, uint32 stdin bytes written to the process
                            */
  VMPROTO_EXEC_OUTPUT_ACK, /* client -> host -> guest; id, uint32 output bytes written out */
  VMPROTO_TYPE_END,
};

struct vmproto_hdr
{
  uint32_t type;
  uint32_t len;
};

struct vmproto_msg
{
  enum vmproto_type type;
  uint32_t len;
  const uint8_t *payload; /* points into the reader's buffer */
};

/* A stream reader: bytes arrive in pieces, messages come out whole. */
struct vmproto_reader
{
  uint8_t *buf;
  size_t len, cap;
  size_t consumed; /* bytes of the last returned message, dropped on the next call */
};

void vmproto_reader_init (struct vmproto_reader *r);
void vmproto_reader_fini (struct vmproto_reader *r);
/* Append received bytes. */
void vmproto_reader_feed (struct vmproto_reader *r, const void *data, size_t len);
/* 1 with *msg set when a whole message is buffered (valid until the next
 * call), 0 when more bytes are needed, -1 on a protocol violation (unknown
 * type, bad length for the type): the stream cannot be trusted after it. */
int vmproto_reader_next (struct vmproto_reader *r, struct vmproto_msg *msg, hy_error_t *err);

/* Encode a message into a new buffer of *out_len bytes. */
uint8_t *vmproto_encode (enum vmproto_type type, const void *payload, uint32_t len,
                         size_t *out_len);
/* Write a whole message to a blocking fd. */
int vmproto_send (int fd, enum vmproto_type type, const void *payload, uint32_t len,
                  hy_error_t *err);
int vmproto_send_u32 (int fd, enum vmproto_type type, uint32_t value, hy_error_t *err);
/* The uint32 payload of STARTED, EXIT, SIGNAL (checked by the reader). */
uint32_t vmproto_u32 (const struct vmproto_msg *msg);

/* The largest data chunk of EXEC_STDIN/STDOUT/STDERR. */
#define VMPROTO_EXEC_CHUNK 65536u
/* At most this many bytes of an exec's stdin (and of its stdout and stderr
 * together) are sent and not yet acknowledged: `hyrun exec` reads its
 * stdin, and the agent the process's output, only below it.  The VMM
 * drops a client that sends more. */
#define VMPROTO_EXEC_WINDOW (1u << 20)
/* An acknowledgement goes out once this much is owed, or when the sender
 * has nothing more to write. */
#define VMPROTO_EXEC_ACK_BATCH (64u << 10)
/* The exec messages: the id that opens every payload, the uint32 after it
 * (EXEC_SIGNAL, EXEC_STARTED, EXEC_EXIT), and what follows the id. */
uint32_t vmproto_exec_id (const struct vmproto_msg *msg);
uint32_t vmproto_exec_u32 (const struct vmproto_msg *msg);
const uint8_t *vmproto_exec_data (const struct vmproto_msg *msg, uint32_t *len);
/* Send an exec message: id, then len bytes of data. */
int vmproto_send_exec (int fd, enum vmproto_type type, uint32_t id, const void *data, uint32_t len,
                       hy_error_t *err);
int vmproto_send_exec_u32 (int fd, enum vmproto_type type, uint32_t id, uint32_t value,
                           hy_error_t *err);

/* A non-blocking sender's queue: messages are encoded into it whole and
 * written as the fd takes them, so a writer never blocks on a peer that
 * is itself waiting to write to us.  max bounds what it holds. */
struct vmproto_outq
{
  uint8_t *buf;
  size_t off, len, cap; /* bytes buf[off..len) are still to write */
  size_t max;
};
void vmproto_outq_init (struct vmproto_outq *q, size_t max);
void vmproto_outq_fini (struct vmproto_outq *q);
/* Bytes queued and not yet written. */
size_t vmproto_outq_pending (const struct vmproto_outq *q);
/* Queue one message; false (nothing queued) when it would pass max. */
bool vmproto_outq_push (struct vmproto_outq *q, enum vmproto_type type, const void *payload,
                        uint32_t len);
bool vmproto_outq_push_exec (struct vmproto_outq *q, enum vmproto_type type, uint32_t id,
                             const void *data, uint32_t len);
bool vmproto_outq_push_exec_u32 (struct vmproto_outq *q, enum vmproto_type type, uint32_t id,
                                 uint32_t value);
/* Write what fd takes now (it must be non-blocking, or the write may
 * block); -1 when the fd fails (EAGAIN is no failure). */
int vmproto_outq_flush (struct vmproto_outq *q, int fd, hy_error_t *err);

/* A window size (RESIZE's payload, EXEC_RESIZE's data): 4 bytes. */
#define VMPROTO_WINSIZE_LEN 4u
void vmproto_winsize_put (uint8_t out[VMPROTO_WINSIZE_LEN], uint16_t rows, uint16_t cols);
void vmproto_winsize_get (const uint8_t in[VMPROTO_WINSIZE_LEN], uint16_t *rows, uint16_t *cols);

const char *vmproto_type_name (enum vmproto_type type);

/* VMPROTO_NET: the guest's network, read by the VMM from the host
 * interfaces it joined to virtio-net devices (one per interface; the
 * device's MAC is the host interface's, and that MAC names the guest
 * interface a record is about).  Fixed 48-byte records, multi-byte fields
 * little-endian, addresses in network order; the payload length is a
 * multiple of the record size (checked by the reader), at most
 * VMPROTO_NET_MAX_RECS records. */
enum vmproto_net_kind
{
  VMPROTO_NET_LINK = 1,  /* mtu: the interface's MTU; bring it up */
  VMPROTO_NET_ADDR = 2,  /* addr/prefix_len: an address of the interface */
  VMPROTO_NET_ROUTE = 3, /* addr/prefix_len: destination (0/0: default), gw (zero: on-link) */
};

struct vmproto_net_rec
{
  uint8_t kind;       /* enum vmproto_net_kind */
  uint8_t family;     /* 4 or 6 (ADDR, ROUTE) */
  uint8_t prefix_len; /* ADDR, ROUTE */
  uint8_t pad0;
  uint32_t mtu; /* LINK */
  uint8_t mac[6];
  uint8_t pad1[2];
  uint8_t addr[16]; /* IPv4 in the first 4 bytes */
  uint8_t gw[16];
};

#define VMPROTO_NET_REC_SIZE 48
#define VMPROTO_NET_MAX_RECS 256
_Static_assert(sizeof (struct vmproto_net_rec) == VMPROTO_NET_REC_SIZE, "vmproto_net_rec layout");

#endif

/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Process security steps the container init (and exec) run, in this order
 * (runc's standard_init order):
 *   lc_caps_drop_bounding      - before changing user: needs CAP_SETPCAP
 *   lc_caps_keep / setres[ug]id - PR_SET_KEEPCAPS so permitted survives
 *   lc_caps_apply              - effective/permitted/inheritable, then ambient
 *   PR_SET_NO_NEW_PRIVS        - when process.noNewPrivileges
 *   lc_seccomp_load            - last, right before execve (when the process
 *                                keeps no CAP_SYS_ADMIN and has no NNP, it is
 *                                loaded before lc_caps_apply instead, as runc)
 * Each function is the one audited place for its step (STYLE.md rule 10). */
#ifndef HY_LC_SECURITY_H
#define HY_LC_SECURITY_H

#include <stdbool.h>

#include "common/error.h"
#include "spec/spec.h"

/* Drop every capability not in capabilities.bounding from the bounding set.
 * caps NULL: leave the set alone. */
int lc_caps_drop_bounding (const struct spec_capabilities *caps, hy_error_t *err);
/* Keep permitted capabilities across the setresuid() that follows. */
int lc_caps_keep (hy_error_t *err);
/* Set effective, permitted, inheritable, then raise ambient.  caps NULL: clear all
 * (runc drops everything when the capabilities object is absent). */
int lc_caps_apply (const struct spec_capabilities *caps, hy_error_t *err);
/* Names the running kernel lacks are dropped with a warning; unknown names
 * are a config error (checked at parse time by spec/). */

/* Build and load the seccomp filter.  notify_fd receives the listener fd
 * when an action is SCMP_ACT_NOTIFY (-1 otherwise). */
int lc_seccomp_load (const struct spec_seccomp *sc, int *notify_fd, hy_error_t *err);
/* The same in two steps: build (every check, every error of the config)
 * while errors can still fail `create`, load after `start` (the late
 * filter of a process with noNewPrivileges). */
struct lc_seccomp_filter;
struct lc_seccomp_filter *lc_seccomp_build (const struct spec_seccomp *sc, hy_error_t *err);
int lc_seccomp_load_built (struct lc_seccomp_filter *f, int *notify_fd, hy_error_t *err);
void lc_seccomp_filter_free (struct lc_seccomp_filter *f);
/* Build the filter exactly as lc_seccomp_load does (every check, the same
 * errors) and write it to fd as BPF instead of loading it: the conversion
 * on its own (tests/fuzz/fuzz_seccomp.c). */
int lc_seccomp_export (const struct spec_seccomp *sc, int fd, hy_error_t *err);
/* Map libseccomp now, while the host's file system is still ours: a
 * dynamic hyrun loads it on first use (runtime/seccomp_dl.c), and the
 * filter is built after pivot_root or setns into the container. */
void lc_seccomp_preload (const struct spec_seccomp *sc);
/* Connect to linux.seccomp.listenerPath and send the listener fd with
 * SCM_RIGHTS in one message carrying the runtime-spec "container process
 * state" ({ociVersion, fds:["seccompFd"], pid, metadata, state}); `pid` is
 * taken from state_json, the OCI state object given to hooks.  A notified
 * syscall blocks until the listener answers, so the sender must not make
 * one itself after the load.  With notify_fd NULL, lc_seccomp_load closes
 * the listener (notified syscalls then fail with ENOSYS). */
int lc_seccomp_send_listener (const char *listener_path, const char *metadata, int notify_fd,
                              const char *state_json, hy_error_t *err);
/* The same in two steps, for the init: connect while the host path still
 * resolves (before pivot_root, like the console socket), send after
 * lc_seccomp_load.  Returns the socket (close-on-exec). */
int lc_seccomp_listener_connect (const char *listener_path, hy_error_t *err);
int lc_seccomp_send_listener_fd (int sock, const char *metadata, int notify_fd,
                                 const char *state_json, hy_error_t *err);

/* Run hooks in order with the state JSON on stdin; `kind` ("prestart", ...)
 * names the hook in errors.  A hook exiting non-zero or timing out fails. */
int lc_hooks_run (const struct spec_hook *hooks, size_t n, const char *kind, const char *state_json,
                  hy_error_t *err);

/* Terminal: connect to --console-socket before the root changes (the path
 * is a host path) ... */
int lc_terminal_connect (const char *console_socket, hy_error_t *err);
/* ... then, in the container, open a pty pair from its devpts
 * (consoleSize applied), send the master over that socket with SCM_RIGHTS
 * and return the slave fd for the process's controlling terminal. */
int lc_terminal_setup (int console_sock, const struct spec_process *proc, int *slave_fd,
                       hy_error_t *err);
/* In the process: make slave the controlling terminal and dup it to 0,1,2. */
int lc_terminal_attach (int slave_fd, hy_error_t *err);
/* The steps of lc_terminal_setup, for a caller that relays the pty itself
 * (VM mode): open a pair (consoleSize applied; with raw, the slave in raw
 * mode - no line discipline, no echo - before anyone holds the master),
 * and send a master to the console socket as runc does. */
int lc_terminal_open (const struct spec_process *proc, bool raw, int *master_fd, int *slave_fd,
                      hy_error_t *err);
int lc_terminal_send_master (int console_sock, int master_fd, hy_error_t *err);

#endif

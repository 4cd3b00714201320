/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Waiting for a foreground container process (run, exec). */
#ifndef HY_RUNTIME_FOREGROUND_H
#define HY_RUNTIME_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/terminal.h"

/* Block SIGCHLD, and with forward_all every signal worth forwarding, so
 * they queue for a signalfd opened later on the same set. */
void fg_block_signals (sigset_t *set, bool forward_all);

/* Forward signals from sfd (and with tty, relay the terminal) until pid,
 * a child of ours, exits; returns its exit code. */
int fg_wait_forwarding (pid_t pid, int sfd, struct run_tty *tty);

#endif

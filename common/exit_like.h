/* SPDX-License-Identifier: GPL-2.0-or-later */
/* End this process the way another one ended (a wait status), as a
 * container's init or an exec proxy does for the process it stands for. */
#ifndef HY_EXIT_LIKE_H
#define HY_EXIT_LIKE_H

#include <stdbool.h>

/* True when sig's default action ends a process (SIGSTOP, SIGCHLD, ...:
 * false; so are numbers that are no signal and glibc's reserved ones). */
bool hy_signal_terminates (int sig);

/* Exit with status's code, or die of its signal when that signal
 * terminates; any other "killed by" status (one a guest made up: SIGSTOP,
 * SIGCHLD, 0 or 200) exits 128 + the number instead. */
__attribute__ ((noreturn)) void hy_exit_like (int status);

#endif

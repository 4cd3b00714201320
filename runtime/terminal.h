/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Foreground `run` of a process.terminal container: hyrun is its own
 * console socket receiver and attaches the pty to the caller's terminal
 * (raw mode, window size, restored on exit). */
#ifndef HY_RUNTIME_TERMINAL_H
#define HY_RUNTIME_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

#include "common/error.h"

struct run_tty
{
  int listen_fd;
  int master;
  char dir[64];
  char path[96];
  bool raw;
  struct termios saved;
};

int run_tty_listen (struct run_tty *t, hy_error_t *err);
/* Receive the pty master from the init; put our stdin in raw mode. */
int run_tty_accept (struct run_tty *t, hy_error_t *err);
/* Copy our window size to the pty. */
void run_tty_resize (struct run_tty *t);
void run_tty_close (struct run_tty *t);

#endif

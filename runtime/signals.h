/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Signal names and numbers as `kill` accepts them. */
#ifndef HY_RUNTIME_SIGNALS_H
#define HY_RUNTIME_SIGNALS_H

#include "common/error.h"

/* "TERM", "SIGTERM", "15", "sigterm", "SIGRTMIN+3" → number. */
int signal_parse (const char *s, hy_error_t *err);

#endif

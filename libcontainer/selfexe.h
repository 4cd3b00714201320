/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CVE-2019-5736: the container must never be able to open and overwrite
 * the runtime binary through /proc/<pid>/exe.  Commands that put a process
 * of ours inside a container (create, run, exec) first re-execute hyrun from
 * a sealed memfd copy. */
#ifndef HY_LC_SELFEXE_H
#define HY_LC_SELFEXE_H

#include "common/error.h"

/* If /proc/self/exe is not already a sealed memfd, copy it into one, seal
 * it and execveat() it with the same argv/envp; returns only on error (or 0
 * when already sealed). */
int lc_selfexe_ensure_sealed (int argc, char **argv, char **envp, hy_error_t *err);

#endif

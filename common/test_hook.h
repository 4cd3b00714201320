/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test-only switches, built in only with `configure --enable-test-hooks`
 * (a build used by the tests alone; in any other build these are
 * constants the compiler folds away, and no environment variable is read).
 *
 *   HYRUN_TEST_DISABLE=name,name  turns off the named protections, so a
 *                                 regression test can show it fails
 *                                 without them (tests/integration/
 *                                 security.bats, its inverted stage)
 *   HYRUN_TEST_STOP=stage         the process at that stage renames itself
 *                                 "hyrun:stopped" and stops there for good
 *                                 (SIGSTOP, or pause() where that is
 *                                 ignored), for a test to look at it or
 *                                 kill it there */
#ifndef COMMON_TEST_HOOK_H
#define COMMON_TEST_HOOK_H

#include <stdbool.h>

/* The protections a test build can turn off. */
#define TEST_HOOK_NO_CWD_CHECK "cwd-check" /* process.cwd inside the root (CVE-2024-21626) */
#define TEST_HOOK_EXEC_DUMPABLE                                                                    \
  "exec-dumpable"                             /* exec not dumpable before execve (CVE-2016-9962) */
#define TEST_HOOK_SELFEXE_SEAL "selfexe-seal" /* run from a sealed memfd copy (CVE-2019-5736) */
#define TEST_HOOK_PROCFS_CHECK "procfs-check" /* /proc writes only to procfs (CVE-2019-16884) */
#define TEST_HOOK_PATH_IN_ROOT                                                                     \
  "path-in-root" /* mount targets resolved inside the rootfs                                       \
                    (CVE-2019-19921, 2021-30465, 2023-27561) */
#define TEST_HOOK_EXEC_CAP_INH                                                                     \
  "exec-cap-inheritable" /* exec --cap leaves the inheritable set                                  \
                            alone (CVE-2022-29162) */

#ifdef HYRUN_TEST_HOOKS
bool test_hook_off (const char *name);
void test_hook_stop (const char *stage);
#else
static inline bool
test_hook_off (const char *name)
{
  (void)name;
  return false;
}
static inline void
test_hook_stop (const char *stage)
{
  (void)stage;
}
#endif

#endif

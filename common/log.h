/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runtime log: text or runc-style JSON lines ({"level","msg","time"}) to
 * --log FILE or stderr.  containerd's shim reads the last "error" line of
 * log.json to show the user why an operation failed. */
#ifndef HY_LOG_H
#define HY_LOG_H

enum hy_log_level
{
  HY_LOG_ERROR,
  HY_LOG_WARNING,
  HY_LOG_INFO,
  HY_LOG_DEBUG,
};

enum hy_log_format
{
  HY_LOG_TEXT,
  HY_LOG_JSON,
};

/* path NULL: stderr.  Returns -1 with errno set when the file cannot be
 * opened. */
int hy_log_init (const char *path, enum hy_log_format format, int debug);
void hy_log (enum hy_log_level level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
int hy_log_debug_enabled (void);
/* The fd the log writes to (so a forked child can keep it); -1 = stderr. */
int hy_log_fd (void);

#define hy_warn(...) hy_log (HY_LOG_WARNING, __VA_ARGS__)
#define hy_debug(...)                                                                              \
  do                                                                                               \
    {                                                                                              \
      if (hy_log_debug_enabled ())                                                                 \
        hy_log (HY_LOG_DEBUG, __VA_ARGS__);                                                        \
    }                                                                                              \
  while (0)

#endif

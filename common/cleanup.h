/* SPDX-License-Identifier: GPL-2.0-or-later */
/* __attribute__((cleanup)) helpers so early returns never leak (STYLE.md
 * rule 6).  Ownership leaves a cleanup variable only through take_ptr() /
 * take_fd(). */
#ifndef HY_CLEANUP_H
#define HY_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void
cleanup_freep (void *p)
{
  free (*(void **)p);
}

/* close() must not clobber errno: the caller may be about to report it. */
static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

static inline void
cleanup_fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
}

static inline void
cleanup_closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
}

/* NULL-terminated string vectors. */
static inline void
cleanup_strvp (char ***v)
{
  char **p;
  if (*v == NULL)
    return;
  for (p = *v; *p; p++)
    free (*p);
  free (*v);
}

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))
#define cleanup_file __attribute__ ((cleanup (cleanup_fclosep)))
#define cleanup_dir __attribute__ ((cleanup (cleanup_closedirp)))
#define cleanup_strv __attribute__ ((cleanup (cleanup_strvp)))

#define take_ptr(p)                                                                                \
  ({                                                                                               \
    __typeof__ (p) take_tmp_ = (p);                                                                \
    (p) = NULL;                                                                                    \
    take_tmp_;                                                                                     \
  })

#define take_fd(fd)                                                                                \
  ({                                                                                               \
    int take_tmp_ = (fd);                                                                          \
    (fd) = -1;                                                                                     \
    take_tmp_;                                                                                     \
  })

#endif

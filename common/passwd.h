/* SPDX-License-Identifier: GPL-2.0-or-later */
/* uid -> user name from /etc/passwd (passwd.c). */
#ifndef HY_PASSWD_H
#define HY_PASSWD_H

#include <sys/types.h>

/* The name, or "#uid" when /etc/passwd has none; malloc'd. */
char *hy_uid_name (uid_t uid);

#endif
